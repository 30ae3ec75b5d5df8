//! Live updates in the web app (R-EVENTS), with two real browsers side by side: a provider and
//! a client each see the other's message appear in the open thread, the inbox and the unread
//! badge (and the tab's title) change, and a deleted message go, all without a reload or a
//! poll; and when the stream drops, the page says so quietly, then catches up on what it
//! missed. (A blast's progress reaching done live is in `browser_blasts.rs`.)

use std::time::Duration;

use confidant_tests::app::spawn_app_with_web;
use confidant_tests::browser::Browser;
use confidant_tests::faults::CuttableProxy;
use confidant_tests::files;
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

#[tokio::test]
async fn a_dropped_stream_says_so_quietly_then_catches_up_on_what_it_missed() {
    // R-EVENTS: on a lost connection the web app reconnects with backoff and says so quietly;
    // on reconnecting, the events it missed are replayed (`last_event_id`), so the open thread
    // catches up without a reload. Meanwhile, a stale page explains a deleted file in words.
    let app = spawn_app_with_web().await;
    let p = app.staffed_practice("Blip Clinic").await;
    let proxy = CuttableProxy::start(app.address).await;
    let plan = app
        .uploaded(
            &p.provider.token,
            &files::text("plan.txt", "Week 1: walk every day."),
        )
        .await;
    let thread: Value = app
        .send_as(
            Method::POST,
            &p.provider.token,
            "/api/v1/conversations",
            Some(json!({
                "recipients": [{"type": "person", "id": p.client.person.id}],
                "subject": "Care plan",
                "body": "Here is your plan for the month.",
                "attachment_ids": [plan.id],
            })),
        )
        .await
        .json()
        .await
        .expect("a thread");
    let id = thread["id"].as_str().expect("an id");
    let first = thread["messages"][0]["id"].as_str().expect("a message id");

    // The client reads on a phone, through a connection that is about to drop.
    let browser = Browser::start().await;
    browser.phone_size().await;
    browser
        .sign_in_at(&proxy.url("/sign-in"), &p.client.account())
        .await;
    browser
        .client
        .goto(&proxy.url(&format!("/messages/{id}")))
        .await
        .expect("open the thread");
    browser
        .wait_for_text("[data-testid=attachment-name]", "plan.txt")
        .await;
    browser
        .wait_for_attribute("[data-testid=api-status]", "data-live", "live")
        .await;
    browser
        .client
        .execute("window.__sameDocument = true;", vec![])
        .await
        .expect("mark the document");

    // The connection drops and the stream cannot come back for a while (Chromium blocks its
    // address; every other request still goes through).
    browser.cdp("Network.enable", json!({})).await;
    browser
        .cdp(
            "Network.setBlockedURLs",
            json!({"urls": ["*/api/v1/events?*"]}),
        )
        .await;
    proxy.cut();
    browser
        .wait_for_attribute("[data-testid=api-status]", "data-live", "reconnecting")
        .await;
    browser
        .wait_for_text("[data-testid=api-status]", "Reconnecting live updates")
        .await;
    browser.screenshot("live-reconnecting-phone").await;

    // Meanwhile the provider answers and deletes the message that carried the file.
    let replied = app
        .send_as(
            Method::POST,
            &p.provider.token,
            &format!("/api/v1/conversations/{id}/messages"),
            Some(json!({"body": "Your next visit is at 11."})),
        )
        .await;
    assert_eq!(replied.status(), 201);
    let deleted = app
        .send_as(
            Method::DELETE,
            &p.provider.token,
            &format!("/api/v1/conversations/{id}/messages/{first}"),
            None,
        )
        .await;
    assert_eq!(deleted.status(), 204);

    // The page has not heard yet: the file is still listed, and downloading it explains in
    // words that it is gone (R-ATT-ACCESS: the API answers 404).
    browser.click("[data-testid=attachment]").await;
    let explained = browser
        .wait_for_text(
            "[data-testid=attachment-download-error]",
            "no longer available",
        )
        .await;
    assert!(explained.contains("plan.txt"), "{explained}");
    let shown = browser
        .wait_for("[data-testid=thread-messages]")
        .await
        .text()
        .await
        .expect("the thread's text");
    assert!(
        !shown.contains("next visit"),
        "heard while cut off: {shown}"
    );

    // The stream comes back: the page hears what it missed, in the same document.
    browser
        .cdp("Network.setBlockedURLs", json!({"urls": []}))
        .await;
    browser
        .wait_for_attribute("[data-testid=api-status]", "data-live", "live")
        .await;
    browser
        .wait_for_text("[data-testid=thread-messages]", "next visit is at 11")
        .await;
    browser
        .wait_for_count("[data-testid=message-body]", 1)
        .await;
    browser.wait_for_absent("[data-testid=attachment]").await;
    let same_document = browser
        .client
        .execute("return window.__sameDocument === true;", vec![])
        .await
        .expect("read the mark");
    assert_eq!(same_document, json!(true), "caught up without a reload");
    browser.close().await;
}
