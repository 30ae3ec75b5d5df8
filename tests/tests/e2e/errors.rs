//! Every error the server gives is RFC 9457 problem+json with a stable code.

use confidant_openapi::{PROBLEM_JSON, Problem, ProblemCode};
use confidant_tests::spawn_app;

async fn problem(response: reqwest::Response) -> Problem {
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    assert_eq!(content_type, PROBLEM_JSON);
    response.json().await.expect("a problem document")
}

#[tokio::test]
async fn unknown_api_path_is_a_404_problem() {
    let app = spawn_app().await;
    for path in [
        "/api/v1/nothing-here",
        "/api/v1/conversations/123/nope",
        "/api/v2/x",
        "/api",
    ] {
        let response = app.get(path).await;
        assert_eq!(response.status(), 404, "{path}");
        let problem = problem(response).await;
        assert_eq!(problem.status, 404, "{path}");
        assert_eq!(problem.code, ProblemCode::NotFound, "{path}");
        assert!(problem.detail.is_some(), "{path}");
    }
}

#[tokio::test]
async fn unknown_api_path_with_any_method_is_a_404_problem() {
    let app = spawn_app().await;
    let response = app
        .client
        .post(app.url("/api/v1/nothing-here"))
        .json(&serde_json::json!({"practice_id": "x"}))
        .send()
        .await
        .expect("an answer");
    assert_eq!(response.status(), 404);
    assert_eq!(problem(response).await.code, ProblemCode::NotFound);
}

/// A known address with a method it does not take is a 405 problem that says which methods it
/// takes, never a 404, an empty or an HTML answer.
#[tokio::test]
async fn wrong_method_is_a_405_with_allow() {
    let app = spawn_app().await;
    for (method, path, allow) in [
        (reqwest::Method::DELETE, "/healthz", "GET, HEAD"),
        (reqwest::Method::PUT, "/api/v1/people", "GET, HEAD, POST"),
        (
            reqwest::Method::POST,
            "/api/v1/people/0190a5c4-7d1e-7c3a-9f4e-2b8d6a1c0e57",
            "GET, HEAD, PATCH",
        ),
    ] {
        let response = app
            .client
            .request(method.clone(), app.url(path))
            .send()
            .await
            .expect("an answer");
        assert_eq!(response.status(), 405, "{method} {path}");
        let mut methods: Vec<String> = response.headers()["allow"]
            .to_str()
            .expect("ascii")
            .split(", ")
            .map(str::to_owned)
            .collect();
        methods.sort();
        assert_eq!(methods.join(", "), allow, "{method} {path}");
        assert_eq!(problem(response).await.code, ProblemCode::MethodNotAllowed);
    }
    // An unknown address stays a 404, whatever the method.
    let response = app
        .client
        .delete(app.url("/api/v1/nothing-here"))
        .send()
        .await
        .expect("an answer");
    assert_eq!(response.status(), 404);
}

#[tokio::test]
async fn every_answer_carries_the_security_headers() {
    let app = spawn_app().await;
    for path in ["/healthz", "/api/v1/nothing-here"] {
        let response = app.get(path).await;
        let header = |name: &str| {
            response
                .headers()
                .get(name)
                .and_then(|value| value.to_str().ok())
                .map(str::to_owned)
        };
        assert_eq!(
            header("x-content-type-options").as_deref(),
            Some("nosniff"),
            "{path}"
        );
        assert_eq!(header("x-frame-options").as_deref(), Some("DENY"), "{path}");
        assert_eq!(
            header("referrer-policy").as_deref(),
            Some("no-referrer"),
            "{path}"
        );
    }
}
