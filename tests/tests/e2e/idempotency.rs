//! Idempotency-Key on creating POSTs (R-IDEMPOTENT): a retried request does its work once and
//! answers as the first did; the same key with another request is refused; keys are per
//! person.

use confidant_openapi::Problem;
use confidant_openapi::conversations::Conversation;
use confidant_tests::fixtures::Member;
use confidant_tests::{TestApp, spawn_app};
use serde_json::{Value, json};

async fn post_with_key(
    app: &TestApp,
    who: &Member,
    path: &str,
    key: &str,
    body: &Value,
) -> reqwest::Response {
    app.client
        .post(app.url(path))
        .bearer_auth(&who.token)
        .header("Idempotency-Key", key)
        .json(body)
        .send()
        .await
        .expect("an answer")
}

#[tokio::test]
async fn the_same_key_creates_one_thread_and_one_blast_and_another_request_is_refused() {
    // R-IDEMPOTENT
    let app = spawn_app().await;
    let p = app.staffed_practice("Retry Clinic").await;
    let thread = json!({
        "recipients": [{"type": "person", "id": p.client.person.id}],
        "subject": "Your results",
        "body": "They are in; all is well.",
    });
    let first = post_with_key(
        &app,
        &p.provider,
        "/api/v1/conversations",
        "retry-1",
        &thread,
    )
    .await;
    assert_eq!(first.status(), 201);
    assert!(first.headers().get("idempotent-replayed").is_none());
    let first: Conversation = first.json().await.expect("a thread");
    let again = post_with_key(
        &app,
        &p.provider,
        "/api/v1/conversations",
        "retry-1",
        &thread,
    )
    .await;
    assert_eq!(again.status(), 201);
    assert_eq!(again.headers()["idempotent-replayed"], "true");
    let again: Conversation = again.json().await.expect("the same thread");
    assert_eq!(again.id, first.id);
    assert_eq!(
        app.count("SELECT count(*) AS n FROM conversations").await,
        1
    );
    assert_eq!(app.count("SELECT count(*) AS n FROM messages").await, 1);

    // The same key with another request: refused, nothing stored.
    let mut other = thread.clone();
    other["subject"] = json!("Something else");
    let refused = post_with_key(
        &app,
        &p.provider,
        "/api/v1/conversations",
        "retry-1",
        &other,
    )
    .await;
    assert_eq!(refused.status(), 422);
    let problem: Problem = refused.json().await.expect("a problem");
    assert!(
        problem
            .errors
            .is_some_and(|e| e.contains_key("Idempotency-Key"))
    );
    assert_eq!(
        app.count("SELECT count(*) AS n FROM conversations").await,
        1
    );

    // Keys are per person: another person's same key is a new request.
    let theirs = post_with_key(&app, &p.staff, "/api/v1/conversations", "retry-1", &thread).await;
    assert_eq!(theirs.status(), 201);

    // A reply, retried.
    let reply = json!({"body": "Thank you!"});
    let path = format!("/api/v1/conversations/{}/messages", first.id);
    for _ in 0..2 {
        let answer = post_with_key(&app, &p.client, &path, "reply-1", &reply).await;
        assert_eq!(answer.status(), 201);
    }
    assert_eq!(
        app.count(&format!(
            "SELECT count(*) AS n FROM messages WHERE conversation_id = '{}'",
            first.id
        ))
        .await,
        2
    );

    // A blast, retried concurrently: one blast.
    app.add_clients_directly(p.id, Some(p.provider.person.id), 2, "active")
        .await;
    let blast = json!({
        "all_my_active_clients": true,
        "subject": "Office closed Friday",
        "body": "We are closed this Friday.",
    });
    let (a, b) = tokio::join!(
        post_with_key(&app, &p.provider, "/api/v1/blasts", "blast-1", &blast),
        post_with_key(&app, &p.provider, "/api/v1/blasts", "blast-1", &blast),
    );
    let statuses = [a.status().as_u16(), b.status().as_u16()];
    assert!(
        statuses.iter().any(|s| (200..300).contains(s)),
        "{statuses:?}"
    );
    assert!(
        statuses.iter().all(|s| (200..300).contains(s) || *s == 409),
        "{statuses:?}"
    );
    let blast_again = post_with_key(&app, &p.provider, "/api/v1/blasts", "blast-1", &blast).await;
    assert!(blast_again.status().is_success());
    assert_eq!(app.count("SELECT count(*) AS n FROM blasts").await, 1);

    // An upload, retried: its form's boundary differs each time, the file does not.
    let mut ids = Vec::new();
    for _ in 0..2 {
        let part = reqwest::multipart::Part::bytes(b"Blood pressure log, week 12".to_vec())
            .file_name("log.txt")
            .mime_str("text/plain")
            .expect("a content type");
        let answer = app
            .client
            .post(app.url("/api/v1/attachments"))
            .bearer_auth(&p.client.token)
            .header("Idempotency-Key", "upload-1")
            .multipart(reqwest::multipart::Form::new().part("file", part))
            .send()
            .await
            .expect("an answer");
        assert_eq!(answer.status(), 201);
        let body: Value = answer.json().await.expect("an attachment");
        ids.push(body["id"].clone());
    }
    assert_eq!(ids[0], ids[1]);
    assert_eq!(app.count("SELECT count(*) AS n FROM attachments").await, 1);

    // A key that is not one: named.
    let bad = post_with_key(
        &app,
        &p.provider,
        "/api/v1/conversations",
        "has space",
        &thread,
    )
    .await;
    assert_eq!(bad.status(), 422);
}
