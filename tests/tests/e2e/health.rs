//! `/healthz` and `/readyz`.

use confidant_openapi::{CheckState, Health, Readiness};
use confidant_tests::spawn_app;

#[tokio::test]
async fn healthz_says_ok_with_the_version() {
    let app = spawn_app().await;
    let response = app.get("/healthz").await;
    assert_eq!(response.status(), 200);
    let health: Health = response.json().await.expect("a Health body");
    assert_eq!(health.status, CheckState::Ok);
    assert_eq!(health.version, env!("CARGO_PKG_VERSION"));
}

#[tokio::test]
async fn readyz_says_ok_while_the_database_answers() {
    let app = spawn_app().await;
    let response = app.get("/readyz").await;
    assert_eq!(response.status(), 200);
    let readiness: Readiness = response.json().await.expect("a Readiness body");
    assert_eq!(readiness.database, CheckState::Ok);
    assert_eq!(readiness.status, CheckState::Ok);
}

#[tokio::test]
async fn readyz_is_503_when_the_database_is_gone() {
    let app = spawn_app().await;
    app.database.destroy_now().await;

    let response = app.get("/readyz").await;
    assert_eq!(response.status(), 503);
    let readiness: Readiness = response.json().await.expect("a Readiness body");
    assert_eq!(readiness.database, CheckState::Unavailable);
    // The process itself is still fine.
    assert_eq!(app.get("/healthz").await.status(), 200);
}
