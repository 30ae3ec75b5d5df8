//! Drafts kept on the server: saved as people type, found again from anywhere, removed when
//! sent, and nobody else's to read.

use confidant_openapi::drafts::{Draft, ReplyDraft};
use confidant_tests::spawn_app;
use reqwest::{Method, StatusCode};
use serde_json::json;

#[tokio::test]
async fn a_new_messages_draft_is_kept_until_it_is_sent() {
    let app = spawn_app().await;
    let p = app.staffed_practice("Draft Clinic").await;
    let none = app.get_as(&p.provider.token, "/api/v1/drafts/new").await;
    assert_eq!(none.status(), StatusCode::NOT_FOUND);

    let to = json!([{"type": "person", "id": p.client.person.id}]);
    let saved = app
        .send_as(
            Method::PUT,
            &p.provider.token,
            "/api/v1/drafts/new",
            Some(json!({"subject": "Half", "body": "Half a thought", "recipients": to})),
        )
        .await;
    assert_eq!(saved.status(), StatusCode::OK);
    // The last save wins.
    app.send_as(
        Method::PUT,
        &p.provider.token,
        "/api/v1/drafts/new",
        Some(json!({"subject": "Whole", "body": "A whole thought", "recipients": to})),
    )
    .await;
    let draft: Draft = app
        .get_as(&p.provider.token, "/api/v1/drafts/new")
        .await
        .json()
        .await
        .expect("the draft");
    assert_eq!(
        (draft.subject.as_str(), draft.body.as_str()),
        ("Whole", "A whole thought")
    );
    assert_eq!(serde_json::to_value(&draft.recipients).expect("json"), to);
    // Another person has no draft of theirs, and cannot reach this one.
    let theirs = app.get_as(&p.staff.token, "/api/v1/drafts/new").await;
    assert_eq!(theirs.status(), StatusCode::NOT_FOUND);

    // Too long: refused and nothing stored; no words at all: gone.
    let long = app
        .send_as(
            Method::PUT,
            &p.provider.token,
            "/api/v1/drafts/new",
            Some(json!({"subject": "x".repeat(201)})),
        )
        .await;
    assert_eq!(long.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let problem: serde_json::Value = long.json().await.expect("a problem");
    assert!(problem["errors"]["subject"].is_array(), "{problem}");
    let unknown = app
        .send_as(
            Method::PUT,
            &p.provider.token,
            "/api/v1/drafts/new",
            Some(json!({"body": "x", "cc": []})),
        )
        .await;
    assert_eq!(unknown.status().as_u16() / 100, 4);

    // Sending the message removes its draft.
    app.start_thread(&p.provider, p.client.person.id, "Whole", "A whole thought")
        .await;
    let after = app.get_as(&p.provider.token, "/api/v1/drafts/new").await;
    assert_eq!(after.status(), StatusCode::NOT_FOUND);

    let empty = app
        .send_as(
            Method::PUT,
            &p.provider.token,
            "/api/v1/drafts/new",
            Some(json!({"subject": " ", "body": ""})),
        )
        .await;
    assert_eq!(empty.status(), StatusCode::NO_CONTENT);
    let stranger = app
        .client
        .get(app.url("/api/v1/drafts/new"))
        .send()
        .await
        .expect("an answer");
    assert_eq!(stranger.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn a_reply_draft_belongs_to_its_author_in_their_thread_and_goes_when_sent() {
    let app = spawn_app().await;
    let p = app.staffed_practice("Reply Drafts").await;
    let elsewhere = app.staffed_practice("Other Drafts").await;
    let thread = app
        .start_thread(&p.provider, p.client.person.id, "Check-in", "How are you?")
        .await;
    let path = format!("/api/v1/conversations/{}/draft", thread.id);
    let saved = app
        .send_as(
            Method::PUT,
            &p.client.token,
            &path,
            Some(json!({"body": "Better, thank"})),
        )
        .await;
    assert_eq!(saved.status(), StatusCode::OK);
    let draft: ReplyDraft = app
        .get_as(&p.client.token, &path)
        .await
        .json()
        .await
        .expect("the draft");
    assert_eq!(draft.body, "Better, thank");
    // The provider has no draft here; people outside the thread get 404 for all of it.
    assert_eq!(
        app.get_as(&p.provider.token, &path).await.status(),
        StatusCode::NOT_FOUND
    );
    for who in [&p.staff, &elsewhere.provider] {
        for method in [Method::GET, Method::PUT, Method::DELETE] {
            let body = (method == Method::PUT).then(|| json!({"body": "peek"}));
            let answer = app.send_as(method, &who.token, &path, body).await;
            assert_eq!(
                answer.status(),
                StatusCode::NOT_FOUND,
                "{}",
                who.person.email
            );
        }
    }
    assert_eq!(
        app.count("SELECT count(*) AS n FROM drafts").await,
        1,
        "nothing stored by those refused"
    );
    // Sending the reply removes the draft, in the same transaction.
    let reply = app
        .send_as(
            Method::POST,
            &p.client.token,
            &format!("/api/v1/conversations/{}/messages", thread.id),
            Some(json!({"body": "Better, thank you."})),
        )
        .await;
    assert_eq!(reply.status(), StatusCode::CREATED);
    assert_eq!(
        app.get_as(&p.client.token, &path).await.status(),
        StatusCode::NOT_FOUND
    );
}
