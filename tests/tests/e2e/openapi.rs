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

/// Every route the document says needs a bearer token answers a caller without one with a
/// 401 problem — before looking at the body, so also for routes added later.
#[tokio::test]
async fn every_secured_route_refuses_a_caller_without_a_token() {
    let app = spawn_app().await;
    let document: serde_json::Value =
        serde_json::from_str(&committed_document()).expect("the committed file is JSON");
    let paths = document["paths"].as_object().expect("paths");
    let mut checked = 0;
    for (path, operations) in paths {
        let concrete = path
            .split('/')
            .map(|segment| {
                if segment.starts_with('{') {
                    uuid::Uuid::new_v4().to_string()
                } else {
                    segment.to_owned()
                }
            })
            .collect::<Vec<_>>()
            .join("/");
        for (method, operation) in operations.as_object().expect("operations") {
            let secured = operation["security"]
                .as_array()
                .is_some_and(|schemes| schemes.iter().any(|s| s.get("bearer").is_some()));
            if !secured {
                continue;
            }
            let method = reqwest::Method::from_bytes(method.to_uppercase().as_bytes())
                .expect("an HTTP method");
            let response = app
                .client
                .request(method.clone(), app.url(&concrete))
                .send()
                .await
                .expect("an answer");
            assert_eq!(response.status(), 401, "{method} {path}");
            assert_eq!(
                response
                    .headers()
                    .get("content-type")
                    .and_then(|v| v.to_str().ok()),
                Some("application/problem+json"),
                "{method} {path}"
            );
            checked += 1;
        }
    }
    assert!(checked >= 25, "only {checked} secured routes found");
}
