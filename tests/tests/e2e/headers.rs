//! Response headers on every kind of answer (R-HEADERS): API answers are never stored by a
//! cache, pages carry a strict Content-Security-Policy, and HSTS goes with an https address.

use confidant_tests::app::{spawn_app_with_web, web_dist_dir};
use confidant_tests::{TestApp, spawn_app_with};
use reqwest::Method;

/// Every operation of the served OpenAPI document, with `{…}` path parameters filled in.
async fn documented_operations(app: &TestApp) -> Vec<(Method, String)> {
    let document: serde_json::Value = app
        .get("/api-docs/openapi.json")
        .await
        .json()
        .await
        .expect("the document");
    let mut operations = Vec::new();
    for (path, item) in document["paths"].as_object().expect("paths") {
        let filled: String = path
            .split('/')
            .map(|segment| {
                if segment.starts_with('{') {
                    "0190a5c4-0000-7000-8000-000000000000"
                } else {
                    segment
                }
            })
            .collect::<Vec<_>>()
            .join("/");
        for method in item.as_object().expect("an item").keys() {
            let method = Method::from_bytes(method.to_uppercase().as_bytes()).expect("a method");
            operations.push((method, filled.clone()));
        }
    }
    operations
}

fn header<'a>(response: &'a reqwest::Response, name: &str) -> &'a str {
    response
        .headers()
        .get(name)
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default()
}

fn assert_api_headers(response: &reqwest::Response, what: &str) {
    let cache = header(response, "cache-control");
    assert!(
        cache.contains("no-store"),
        "{what}: cache-control {cache:?}"
    );
    assert_eq!(header(response, "pragma"), "no-cache", "{what}");
    assert!(
        header(response, "content-security-policy").contains("default-src 'none'"),
        "{what}"
    );
    assert_eq!(
        header(response, "x-content-type-options"),
        "nosniff",
        "{what}"
    );
    assert_eq!(header(response, "x-frame-options"), "DENY", "{what}");
}

#[tokio::test]
async fn every_api_answer_is_no_store_signed_in_or_not() {
    let app = spawn_app_with_web().await;
    let w = app.staffed_practice("Header Clinic").await;
    let operations = documented_operations(&app).await;
    assert!(operations.len() > 25, "{} operations", operations.len());
    for (method, path) in &operations {
        // As a stranger: mostly 401s and 4xx on empty bodies.
        let anonymous = app
            .client
            .request(method.clone(), app.url(path))
            .send()
            .await
            .expect("an answer");
        assert_api_headers(&anonymous, &format!("{method} {path} (anonymous)"));
        // Signed in (reads only, so that the walk changes nothing): answers with data.
        if *method == Method::GET {
            let signed_in = app.get_as(&w.owner.token, path).await;
            assert_api_headers(&signed_in, &format!("{method} {path} (owner)"));
        }
    }
    // Answers carrying health information, by name.
    for path in ["/api/v1/me", "/api/v1/conversations", "/api/v1/people"] {
        let response = app.get_as(&w.owner.token, path).await;
        assert_eq!(response.status(), 200, "{path}");
        assert_api_headers(&response, path);
    }
    // An unknown API address and a health check too.
    for path in ["/api/v1/nothing-here", "/healthz", "/readyz"] {
        assert_api_headers(&app.get(path).await, path);
    }
}

#[tokio::test]
async fn pages_carry_a_strict_content_security_policy() {
    let app = spawn_app_with_web().await;
    for path in ["/", "/sign-in", "/messages/123", "/index.html"] {
        let response = app.get(path).await;
        assert_eq!(response.status(), 200, "{path}");
        let policy = header(&response, "content-security-policy");
        for directive in [
            "default-src 'self'",
            "script-src 'self' 'wasm-unsafe-eval'",
            "connect-src 'self'",
            "frame-ancestors 'none'",
        ] {
            assert!(policy.contains(directive), "{path}: {policy}");
        }
        assert!(!policy.contains("unsafe-inline"), "{path}: {policy}");
    }
    // The page itself holds no inline script for the policy to refuse.
    let html = app.get("/").await.text().await.expect("HTML");
    assert_no_inline_script(&html);
    let docs = app.get("/docs/").await;
    let policy = header(&docs, "content-security-policy");
    assert!(policy.contains("script-src 'self'"), "{policy}");
    assert!(policy.contains("frame-ancestors 'none'"), "{policy}");
    let docs_html = docs.text().await.expect("HTML");
    assert_no_inline_script(&docs_html);
    assert!(
        std::fs::read_to_string(web_dist_dir().join("index.html"))
            .expect("the built app")
            .contains("<script")
    );
}

/// Every `<script>` element has a `src` and nothing between its tags.
fn assert_no_inline_script(html: &str) {
    let mut rest = html;
    while let Some(start) = rest.find("<script") {
        let tag_end = rest[start..].find('>').expect("a closed tag") + start;
        let tag = &rest[start..=tag_end];
        assert!(tag.contains("src="), "an inline script: {tag}");
        let close = rest[tag_end..].find("</script>").expect("a closing tag") + tag_end;
        assert!(
            rest[tag_end + 1..close].trim().is_empty(),
            "a script with a body: {}",
            &rest[start..close]
        );
        rest = &rest[close..];
    }
}

#[tokio::test]
async fn hsts_goes_with_an_https_address_only() {
    let https = spawn_app_with(&[("CONFIDANT_PUBLIC_URL", "https://portal.example".into())]).await;
    for path in ["/healthz", "/api/v1/me", "/docs/"] {
        let response = https.get(path).await;
        assert!(
            header(&response, "strict-transport-security").starts_with("max-age="),
            "{path}"
        );
    }
    let http = spawn_app_with(&[("CONFIDANT_PUBLIC_URL", "http://portal.example".into())]).await;
    assert!(
        http.get("/healthz")
            .await
            .headers()
            .get("strict-transport-security")
            .is_none()
    );
}
