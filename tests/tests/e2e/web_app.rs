//! Hosting the web app: files, deep links, and the line between the app and the API.

use confidant_openapi::{PROBLEM_JSON, ProblemCode};
use confidant_tests::spawn_app_with;

const INDEX: &str = "<!doctype html><title>Confidant</title><body>app-shell-marker</body>";

async fn app_with_web_dir() -> (confidant_tests::TestApp, tempfile::TempDir) {
    let web = tempfile::tempdir().expect("a web folder");
    std::fs::write(web.path().join("index.html"), INDEX).expect("index.html");
    std::fs::write(web.path().join("app-1234.js"), "console.log(1)").expect("a script");
    let app = spawn_app_with(&[("CONFIDANT_WEB_DIR", web.path().display().to_string())]).await;
    (app, web)
}

#[tokio::test]
async fn root_and_deep_links_serve_the_app_shell() {
    let (app, _web) = app_with_web_dir().await;
    for path in ["/", "/messages", "/messages/123", "/people/abc/edit?tab=2"] {
        let response = app.get(path).await;
        assert_eq!(response.status(), 200, "{path}");
        let body = response.text().await.expect("HTML");
        assert!(body.contains("app-shell-marker"), "{path}: {body}");
    }
    let deep = app.get("/messages/123").await;
    assert_eq!(deep.headers()["cache-control"], "no-cache");
}

#[tokio::test]
async fn static_files_are_served_as_they_are() {
    let (app, _web) = app_with_web_dir().await;
    let response = app.get("/app-1234.js").await;
    assert_eq!(response.status(), 200);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap_or_default()
            .contains("javascript")
    );
    assert_eq!(response.text().await.expect("JS"), "console.log(1)");
}

#[tokio::test]
async fn api_paths_never_fall_back_to_the_app() {
    let (app, _web) = app_with_web_dir().await;
    for path in ["/api/v1/unknown", "/api/nothing", "/api"] {
        let response = app.get(path).await;
        assert_eq!(response.status(), 404, "{path}");
        assert_eq!(response.headers()["content-type"], PROBLEM_JSON, "{path}");
        let problem: confidant_openapi::Problem = response.json().await.expect("a problem");
        assert_eq!(problem.code, ProblemCode::NotFound);
    }
}

#[tokio::test]
async fn path_traversal_stays_inside_the_web_folder() {
    let (app, _web) = app_with_web_dir().await;
    for path in [
        "/../Cargo.toml",
        "/%2e%2e/%2e%2e/etc/passwd",
        "/..%2f..%2fetc/passwd",
    ] {
        let response = app.get(path).await;
        let body = response.text().await.expect("a body");
        assert!(!body.contains("root:"), "{path} leaked a file: {body}");
        assert!(
            !body.contains("[workspace]"),
            "{path} leaked a file: {body}"
        );
    }
}
