//! Archive is per person: a thread leaves one person's inbox for their archive folder, counts
//! as read for them, and comes back with its next message; nobody else's folders change.

use confidant_tests::TestApp;
use confidant_tests::fixtures::Member;
use confidant_tests::spawn_app;
use reqwest::{Method, StatusCode};
use serde_json::json;
use uuid::Uuid;

async fn folder(app: &TestApp, who: &Member, name: &str) -> Vec<Uuid> {
    let page = app
        .conversation_page(&who.token, &format!("folder={name}"))
        .await;
    page.items.into_iter().map(|item| item.id).collect()
}

async fn unread(app: &TestApp, who: &Member) -> i64 {
    let badge: serde_json::Value = app
        .get_as(&who.token, "/api/v1/unread")
        .await
        .json()
        .await
        .expect("the badge");
    badge["conversations"].as_i64().expect("a count")
}

#[tokio::test]
async fn archiving_moves_a_thread_for_one_person_and_a_new_message_brings_it_back() {
    let app = spawn_app().await;
    let p = app.staffed_practice("Archive Clinic").await;
    let thread = app
        .start_thread(
            &p.provider,
            p.client.person.id,
            "Forms",
            "Please fill these in.",
        )
        .await;
    let path = format!("/api/v1/conversations/{}/archive", thread.id);
    assert_eq!(unread(&app, &p.client).await, 1);

    let archived = app
        .send_as(Method::POST, &p.client.token, &path, None)
        .await;
    assert_eq!(archived.status(), StatusCode::NO_CONTENT);
    assert!(folder(&app, &p.client, "inbox").await.is_empty());
    assert_eq!(folder(&app, &p.client, "archived").await, vec![thread.id]);
    assert_eq!(unread(&app, &p.client).await, 0, "archiving marks it read");
    let page = app.conversation_page(&p.client.token, "folder=all").await;
    assert!(page.items[0].archived);
    // Per person: the provider's folders did not change.
    assert_eq!(folder(&app, &p.provider, "sent").await, vec![thread.id]);
    assert!(folder(&app, &p.provider, "archived").await.is_empty());
    // Archiving twice is still archived.
    let again = app
        .send_as(Method::POST, &p.client.token, &path, None)
        .await;
    assert_eq!(again.status(), StatusCode::NO_CONTENT);

    // The next message brings it back, unread.
    let reply = app
        .send_as(
            Method::POST,
            &p.provider.token,
            &format!("/api/v1/conversations/{}/messages", thread.id),
            Some(json!({"body": "A reminder."})),
        )
        .await;
    assert_eq!(reply.status(), StatusCode::CREATED);
    assert_eq!(folder(&app, &p.client, "inbox").await, vec![thread.id]);
    assert!(folder(&app, &p.client, "archived").await.is_empty());
    assert_eq!(unread(&app, &p.client).await, 1);

    // And DELETE brings one back by hand.
    app.send_as(Method::POST, &p.client.token, &path, None)
        .await;
    let back = app
        .send_as(Method::DELETE, &p.client.token, &path, None)
        .await;
    assert_eq!(back.status(), StatusCode::NO_CONTENT);
    assert_eq!(folder(&app, &p.client, "inbox").await, vec![thread.id]);
}

#[tokio::test]
async fn only_a_participant_can_archive_a_thread() {
    let app = spawn_app().await;
    let p = app.staffed_practice("Archive Owners").await;
    let elsewhere = app.staffed_practice("Archive Elsewhere").await;
    let thread = app
        .start_thread(&p.provider, p.client.person.id, "Private", "For you only.")
        .await;
    let path = format!("/api/v1/conversations/{}/archive", thread.id);
    // Not a participant (same practice, another practice): not found, and nothing changed.
    for who in [&p.staff, &p.admin, &elsewhere.provider, &elsewhere.client] {
        for method in [Method::POST, Method::DELETE] {
            let answer = app.send_as(method, &who.token, &path, None).await;
            assert_eq!(
                answer.status(),
                StatusCode::NOT_FOUND,
                "{}",
                who.person.email
            );
            assert_eq!(answer.headers()["content-type"], "application/problem+json");
        }
    }
    let stranger = app
        .client
        .post(app.url(&path))
        .send()
        .await
        .expect("an answer");
    assert_eq!(stranger.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(folder(&app, &p.client, "inbox").await, vec![thread.id]);
    let unknown = app
        .send_as(
            Method::POST,
            &p.client.token,
            &format!("/api/v1/conversations/{}/archive", Uuid::now_v7()),
            None,
        )
        .await;
    assert_eq!(unknown.status(), StatusCode::NOT_FOUND);
}
