//! Sessions (R-SESSIONS): a person sees where they are signed in and ends any of it at once;
//! an idle session stops working for its access token too (automatic logoff).

use confidant_openapi::auth::TokenResponse;
use confidant_openapi::me::{EndedSessions, SessionList};
use confidant_tests::fixtures::Account;
use confidant_tests::{TestApp, spawn_app};
use diesel_async::RunQueryDsl;
use reqwest::Method;

const FIREFOX: &str = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0";
const IPHONE: &str = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1";

/// Signs `account` in from a browser that says it is `user_agent`.
async fn sign_in_from(app: &TestApp, account: &Account, user_agent: &str) -> TokenResponse {
    let response = app
        .client
        .post(app.url("/api/v1/auth/login"))
        .header("User-Agent", user_agent)
        .json(&serde_json::json!({"email": account.email, "password": account.password}))
        .send()
        .await
        .expect("an answer");
    assert_eq!(response.status(), 200);
    response.json().await.expect("tokens")
}

async fn sessions(app: &TestApp, token: &str) -> SessionList {
    let response = app.get_as(token, "/api/v1/me/sessions").await;
    assert_eq!(response.status(), 200);
    response.json().await.expect("sessions")
}

#[tokio::test]
async fn a_person_sees_their_sessions_and_ends_exactly_one() {
    // R-SESSIONS
    let app = spawn_app().await;
    let p = app.staffed_practice("Session Clinic").await;
    let laptop = sign_in_from(&app, &p.client.account(), FIREFOX).await;
    let phone = sign_in_from(&app, &p.client.account(), IPHONE).await;

    let listed = sessions(&app, &laptop.access_token).await;
    assert_eq!(listed.items.len(), 3, "{listed:?}");
    let current: Vec<_> = listed.items.iter().filter(|s| s.current).collect();
    assert_eq!(current.len(), 1);
    assert_eq!(current[0].device, "Firefox on Linux");
    let on_phone = listed
        .items
        .iter()
        .find(|s| s.device == "Safari on iPhone")
        .expect("the phone's session");
    assert_eq!(on_phone.network.as_deref(), Some("127.0.0.0/24"));
    assert!(listed.items[0].last_used_at >= listed.items[2].last_used_at);

    // Nobody else can see or end them.
    let others = sessions(&app, &p.provider.token).await;
    assert!(others.items.iter().all(|s| s.id != on_phone.id));
    let path = format!("/api/v1/me/sessions/{}", on_phone.id);
    let stranger = app
        .send_as(Method::DELETE, &p.provider.token, &path, None)
        .await;
    assert_eq!(stranger.status(), 404);
    assert_eq!(
        app.get_as(&phone.access_token, "/api/v1/me").await.status(),
        200
    );

    let ended = app
        .send_as(Method::DELETE, &laptop.access_token, &path, None)
        .await;
    assert_eq!(ended.status(), 204);
    assert_eq!(
        app.get_as(&phone.access_token, "/api/v1/me").await.status(),
        401
    );
    assert_eq!(app.refresh(&phone.refresh_token).await.status(), 401);
    for still in [&laptop.access_token, &p.client.token] {
        assert_eq!(app.get_as(still, "/api/v1/me").await.status(), 200);
    }
    assert_eq!(sessions(&app, &laptop.access_token).await.items.len(), 2);
    let again = app
        .send_as(Method::DELETE, &laptop.access_token, &path, None)
        .await;
    assert_eq!(again.status(), 404);
    let problem: serde_json::Value = again.json().await.expect("a problem");
    assert_eq!(problem["status"], 404);
}

#[tokio::test]
async fn signing_out_everywhere_else_keeps_only_this_session() {
    // R-SESSIONS
    let app = spawn_app().await;
    let p = app.staffed_practice("Elsewhere Sessions").await;
    let laptop = sign_in_from(&app, &p.staff.account(), FIREFOX).await;
    let phone = sign_in_from(&app, &p.staff.account(), IPHONE).await;
    let response = app
        .send_as(
            Method::DELETE,
            &laptop.access_token,
            "/api/v1/me/sessions",
            None,
        )
        .await;
    assert_eq!(response.status(), 200);
    let ended: EndedSessions = response.json().await.expect("a count");
    assert_eq!(ended.ended, 2);
    assert_eq!(
        app.get_as(&laptop.access_token, "/api/v1/me")
            .await
            .status(),
        200
    );
    for gone in [&phone.access_token, &p.staff.token] {
        assert_eq!(app.get_as(gone, "/api/v1/me").await.status(), 401);
    }
    assert_eq!(app.refresh(&laptop.refresh_token).await.status(), 200);
    assert_eq!(app.refresh(&phone.refresh_token).await.status(), 401);
}

#[tokio::test]
async fn an_idle_session_refuses_its_access_token_before_it_expires() {
    let app = spawn_app().await;
    let p = app.staffed_practice("Idle Clinic").await;
    let fresh = sign_in_from(&app, &p.admin.account(), FIREFOX).await;
    diesel::sql_query(
        "UPDATE sessions SET last_active_at = now() - interval '31 minutes' \
         WHERE person_id = $1 AND user_agent IS NULL",
    )
    .bind::<diesel::sql_types::Uuid, _>(p.admin.person.id)
    .execute(&mut app.database.connect().await)
    .await
    .expect("age the fixture's session");
    assert_eq!(app.get_as(&p.admin.token, "/api/v1/me").await.status(), 401);
    let listed = sessions(&app, &fresh.access_token).await;
    assert_eq!(listed.items.len(), 1, "the idle session is not listed");
    assert!(listed.items[0].current);
}

#[tokio::test]
async fn sessions_need_a_signed_in_person() {
    let app = spawn_app().await;
    assert_eq!(app.get("/api/v1/me/sessions").await.status(), 401);
}
