//! The OpenAPI document: generated from the code, served, browsable and committed.

use confidant_tests::binary::confidant_command;
use confidant_tests::spawn_app;

fn committed_document() -> String {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../openapi/openapi.json");
    std::fs::read_to_string(&path).expect("openapi/openapi.json is committed")
}

#[tokio::test]
async fn served_document_equals_the_committed_one() {
    let app = spawn_app().await;
    let response = app.get("/api-docs/openapi.json").await;
    assert_eq!(response.status(), 200);
    let served: serde_json::Value = response.json().await.expect("JSON");
    let committed: serde_json::Value =
        serde_json::from_str(&committed_document()).expect("the committed file is JSON");
    assert!(
        served == committed,
        "openapi/openapi.json is stale: run `cargo xtask openapi`"
    );
    assert_eq!(served["info"]["title"], "Confidant API");
    assert!(served["paths"]["/healthz"]["get"].is_object());
    assert!(served["paths"]["/readyz"]["get"].is_object());
}

#[test]
fn cli_openapi_prints_the_committed_document() {
    let output = confidant_command()
        .arg("openapi")
        .output()
        .expect("run confidant openapi");
    assert!(output.status.success());
    // Not assert_eq: a stale document is long, and the fix is the same whatever differs.
    assert!(
        String::from_utf8_lossy(&output.stdout) == committed_document(),
        "openapi/openapi.json is stale: run `cargo xtask openapi`"
    );
}

#[tokio::test]
async fn docs_page_is_served_offline() {
    let app = spawn_app().await;
    let redirect = app.get("/docs").await;
    assert_eq!(redirect.status(), 308);
    assert_eq!(redirect.headers()["location"], "/docs/");

    let page = app.get("/docs/").await;
    assert_eq!(page.status(), 200);
    let html = page.text().await.expect("HTML");
    assert!(html.contains("swagger-ui"), "Swagger UI's page: {html}");
    // Vendored: the page's scripts come from this server, not a CDN.
    assert!(!html.contains("https://"), "no remote assets: {html}");

    let initializer = app.get("/docs/swagger-initializer.js").await;
    assert_eq!(initializer.status(), 200);
    let script = initializer.text().await.expect("JS");
    assert!(script.contains("/api-docs/openapi.json"), "{script}");
}
