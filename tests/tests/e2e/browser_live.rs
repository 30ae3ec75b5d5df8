//! Live updates in the web app (R-EVENTS), with two real browsers side by side: a provider and
//! a client each see the other's message appear in the open thread, the inbox and the unread
//! badge (and the tab's title) change, and a deleted message go, all without a reload or a
//! poll. (A blast's progress reaching done live is in `browser_blasts.rs`.)

use std::time::Duration;

use confidant_tests::app::spawn_app_with_web;
use confidant_tests::browser::Browser;
use reqwest::Method;
use serde_json::{Value, json};

/// Waits until the tab's title is `title`.
async fn wait_for_title(browser: &Browser, title: &str) {
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    let mut last = String::new();
    while std::time::Instant::now() < deadline {
        last = browser.client.title().await.unwrap_or_default();
        if last == title {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the title stayed {last:?}, not {title:?}");
}

#[tokio::test]
async fn provider_and_client_see_each_others_messages_arrive_without_reloading() {
    let app = spawn_app_with_web().await;
    let p = app.staffed_practice("Live Browsers").await;
    let provider = Browser::start().await;
    let client = Browser::start().await;
    provider.sign_in(&app, &p.provider.account()).await;
    client.sign_in(&app, &p.client.account()).await;
    for browser in [&provider, &client] {
        browser
            .wait_for_attribute("[data-testid=api-status]", "data-live", "live")
            .await;
    }
    client.wait_for("[data-testid=empty-folder]").await;
    wait_for_title(&client, "Confidant").await;

    // A new thread reaches the client's open inbox, badge and title.
    let thread: Value = app
        .send_as(
            Method::POST,
            &p.provider.token,
            "/api/v1/conversations",
            Some(json!({"recipients": [{"type": "person", "id": p.client.person.id}], "subject": "Appointment moved", "body": "Can we meet at 11 instead?"})),
        )
        .await
        .json()
        .await
        .expect("a thread");
    let id = thread["id"].as_str().expect("an id");
    client
        .wait_for_text("[data-testid=conversation-row]", "Appointment moved")
        .await;
    client
        .wait_for_text("[data-testid=unread-badge]", "1")
        .await;
    wait_for_title(&client, "(1) Confidant").await;
    client.screenshot("live-inbox-new-thread").await;

    // Both open the thread; opening it reads it, so the badge and title clear live.
    client
        .click_text("[data-testid=conversation-row]", "Appointment moved")
        .await;
    client.wait_for_path(&format!("/messages/{id}")).await;
    wait_for_title(&client, "Confidant").await;
    client.wait_for_absent("[data-testid=unread-badge]").await;
    provider
        .client
        .goto(&app.url(&format!("/messages/{id}")))
        .await
        .expect("open the thread");
    provider
        .wait_for_text("[data-testid=message-body]", "11 instead")
        .await;
    provider
        .wait_for_attribute("[data-testid=api-status]", "data-live", "live")
        .await;

    // The client answers in the web app: the provider's open thread shows it.
    client
        .fill("[data-testid=reply-box]", "Yes, 11 works for me.")
        .await;
    client.click("[data-testid=send-reply]").await;
    provider
        .wait_for_text("[data-testid=thread-messages]", "11 works for me")
        .await;
    provider
        .wait_for_count("[data-testid=message-body]", 2)
        .await;

    // And back: the client's open thread shows the provider's answer.
    provider
        .fill("[data-testid=reply-box]", "Great, see you then.")
        .await;
    provider.click("[data-testid=send-reply]").await;
    client
        .wait_for_text("[data-testid=thread-messages]", "see you then")
        .await;
    client.wait_for_count("[data-testid=message-body]", 3).await;
    client.screenshot("live-thread-reply-arrived").await;

    // The provider deletes their first message: it goes from the client's screen too.
    let first = thread["messages"][0]["id"].as_str().expect("a message id");
    let deleted = app
        .send_as(
            Method::DELETE,
            &p.provider.token,
            &format!("/api/v1/conversations/{id}/messages/{first}"),
            None,
        )
        .await;
    assert_eq!(deleted.status(), 204);
    client.wait_for_count("[data-testid=message-body]", 2).await;
    let shown = client
        .wait_for("[data-testid=thread-messages]")
        .await
        .text()
        .await
        .expect("the thread's text");
    assert!(!shown.contains("11 instead"), "the deleted message is gone");

    provider.close().await;
    client.close().await;
}
