//! Messages in the web app (SPEC §8), in a real headless Chromium: composing with the To
//! picker, the unread badge, reading and replying, deleting for good, and the notices shown
//! instead of a reply box or a composer when someone may not send.

use confidant_openapi::conversations::Conversation;
use confidant_tests::app::spawn_app_with_web;
use confidant_tests::browser::Browser;
use reqwest::Method;
use serde_json::json;

// R-COMPOSE, R-READ, R-REPLY-ONE, R-DEL-THREAD, R-DEL-PERMANENT
#[tokio::test]
async fn provider_and_client_exchange_messages_and_the_provider_deletes_the_thread() {
    let app = spawn_app_with_web().await;
    let practice = app.staffed_practice("Browser Messages").await;
    let browser = Browser::start().await;

    // The provider starts with an empty inbox and writes through the composer.
    browser.sign_in(&app, &practice.provider.account()).await;
    browser.wait_for("[data-testid=empty-folder]").await;
    browser.click("[data-testid=new-message]").await;
    browser.wait_for_path("/messages/new").await;

    // Nothing filled in: each rule is said next to its field, and nothing is sent.
    browser.click("[data-testid=send]").await;
    browser
        .wait_for_text("[data-testid=to-error]", "Add at least one recipient")
        .await;
    browser
        .wait_for_text("[data-testid=subject-error]", "Enter a subject")
        .await;
    browser
        .wait_for_text("[data-testid=body-error]", "Write a message")
        .await;
    browser.screenshot("messages-composer-errors").await;

    // The To picker suggests as one types; staff see groups, staff and clients.
    browser.fill("[data-testid=to-search]", "l").await;
    browser
        .wait_for_text("[data-testid=to-option]", "All staff")
        .await;
    browser
        .click_text("[data-testid=to-option]", "Cleo Client")
        .await;
    browser
        .wait_for_text("[data-testid=to-chip]", "Cleo Client")
        .await;
    browser
        .fill("[data-testid=subject]", "Appointment on Tuesday")
        .await;
    browser
        .fill(
            "[data-testid=body]",
            "Hello Cleo,\nsee you on Tuesday at 10.\n<b>Bring your notes</b>",
        )
        .await;
    browser.fill("[data-testid=to-search]", "Fr").await;
    browser
        .wait_for_text("[data-testid=to-option]", "Fran Desk")
        .await;
    browser.screenshot("messages-composer").await;
    // Escape closes the suggestions without choosing.
    browser
        .wait_for("[data-testid=to-search]")
        .await
        .send_keys("\u{e00c}")
        .await
        .expect("press Escape");
    browser.wait_for_absent("[data-testid=to-option]").await;
    browser.click("[data-testid=send]").await;

    // The new thread opens, with the text as written: line breaks kept, markup not run.
    let thread_path = browser
        .wait_for_path_prefix("/messages/", "/messages/new")
        .await;
    browser
        .wait_for_text("[data-testid=thread-subject]", "Appointment on Tuesday")
        .await;
    let body = browser
        .wait_for_text("[data-testid=message-body]", "Bring your notes")
        .await;
    assert!(body.contains("<b>Bring your notes</b>"), "{body}");
    assert!(body.contains("Hello Cleo,\nsee you"), "{body}");
    assert_eq!(browser.count("[data-testid=message-body] b").await, 0);
    browser.sign_out().await;

    // The client sees one unread conversation; opening it clears the badge.
    browser.sign_in(&app, &practice.client.account()).await;
    browser
        .wait_for_text("[data-testid=unread-badge]", "1")
        .await;
    let row = browser
        .wait_for_text("[data-testid=conversation-row]", "Appointment on Tuesday")
        .await;
    assert!(row.contains("Paul Provider"), "{row}");
    browser.click("[data-testid=conversation-row] a").await;
    browser.wait_for_path(&thread_path).await;
    browser
        .wait_for_text("[data-testid=message]", "see you on Tuesday")
        .await;
    browser.wait_for_absent("[data-testid=unread-badge]").await;
    assert_eq!(browser.count("[data-testid=delete-thread]").await, 0);
    assert_eq!(browser.count("[data-testid=delete-message]").await, 0);

    // An empty reply is refused here; a real one is added to the thread.
    browser.click("[data-testid=send-reply]").await;
    browser
        .wait_for_text("[data-testid=reply-error]", "Write a message")
        .await;
    browser
        .fill("[data-testid=reply-box]", "Thank you, see you then.")
        .await;
    browser.click("[data-testid=send-reply]").await;
    browser
        .wait_for_text("ol.messages", "Thank you, see you then.")
        .await;
    assert_eq!(browser.count("[data-testid=message]").await, 2);
    browser.sign_out().await;

    // The provider has the reply waiting, reads it, and deletes the whole thread.
    browser.sign_in(&app, &practice.provider.account()).await;
    browser
        .wait_for_text("[data-testid=unread-badge]", "1")
        .await;
    browser
        .wait_for_text("[data-testid=conversation-row]", "Thank you, see you then.")
        .await;
    browser.screenshot("messages-inbox").await;
    browser.click("[data-testid=conversation-row] a").await;
    browser
        .wait_for_text("ol.messages", "Thank you, see you then.")
        .await;
    browser.wait_for_absent("[data-testid=unread-badge]").await;
    browser.screenshot("messages-thread").await;
    browser.click("[data-testid=delete-thread]").await;
    let confirm = browser
        .wait_for_text("[data-testid=confirm-panel]", "cannot be undone")
        .await;
    assert!(confirm.contains("permanent"), "{confirm}");
    browser.screenshot("messages-delete-confirm").await;
    browser.click("[data-testid=confirm-delete]").await;
    browser.wait_for_path("/messages").await;
    browser.wait_for("[data-testid=empty-folder]").await;
    assert_eq!(browser.count("[data-testid=conversation-row]").await, 0);
    browser.sign_out().await;

    // Gone for the client too.
    browser.sign_in(&app, &practice.client.account()).await;
    browser.wait_for("[data-testid=empty-folder]").await;
    assert_eq!(browser.count("[data-testid=conversation-row]").await, 0);
    browser
        .client
        .goto(&app.url(&thread_path))
        .await
        .expect("open the old thread");
    browser
        .wait_for_text("[data-testid=thread-error]", "deleted")
        .await;
    browser.close().await;
}

// R-MULTI-CLIENT, R-INACTIVE
#[tokio::test]
async fn clients_who_may_not_send_see_why_instead_of_a_reply_box_or_composer() {
    let app = spawn_app_with_web().await;
    let practice = app.staffed_practice("Browser Blocked").await;
    app.give_account(&practice.other_client).await;
    let response = app
        .send_as(
            Method::POST,
            &practice.provider.token,
            "/api/v1/conversations",
            Some(json!({
                "recipients": [
                    {"type": "person", "id": practice.client.person.id},
                    {"type": "person", "id": practice.other_client.id},
                ],
                "subject": "Office closed on Friday",
                "body": "The office is closed this Friday.",
            })),
        )
        .await;
    assert_eq!(response.status(), 201);
    let thread: Conversation = response.json().await.expect("a conversation");

    // Sent to two clients: Cleo reads it, cannot reply, and never sees the other client.
    let browser = Browser::start().await;
    browser.sign_in(&app, &practice.client.account()).await;
    browser.click("[data-testid=conversation-row] a").await;
    browser
        .wait_for_path(&format!("/messages/{}", thread.id))
        .await;
    browser
        .wait_for_text("[data-testid=reply-blocked]", "sent to several clients")
        .await;
    assert_eq!(browser.count("[data-testid=reply-box]").await, 0);
    let participants = browser
        .wait_for_text("[data-testid=participants]", "Paul Provider")
        .await;
    assert!(!participants.contains("Otto"), "{participants}");
    browser.screenshot("messages-reply-blocked").await;
    browser.sign_out().await;

    // Made inactive: reading still works, sending does not, and the app says so.
    let response = app
        .send_as(
            Method::PATCH,
            &practice.owner.token,
            &format!("/api/v1/people/{}", practice.client.person.id),
            Some(json!({"status": "inactive"})),
        )
        .await;
    assert_eq!(response.status(), 200);
    browser.sign_in(&app, &practice.client.account()).await;
    browser.click("[data-testid=new-message]").await;
    browser
        .wait_for_text("[data-testid=cannot-send]", "Your account is inactive")
        .await;
    assert_eq!(browser.count("[data-testid=send]").await, 0);
    browser.screenshot("messages-cannot-send").await;
    browser.close().await;
}

// Inbox lists: newest activity first, cursor-paginated (SPEC §2).
#[tokio::test]
async fn sent_folder_loads_more_conversations_a_page_at_a_time() {
    let app = spawn_app_with_web().await;
    let practice = app.staffed_practice("Browser Pages").await;
    for n in 1..=27 {
        let response = app
            .send_as(
                Method::POST,
                &practice.provider.token,
                "/api/v1/conversations",
                Some(json!({
                    "recipients": [{"type": "person", "id": practice.client.person.id}],
                    "subject": format!("Note {n:02}"),
                    "body": format!("Note number {n}."),
                })),
            )
            .await;
        assert_eq!(response.status(), 201);
    }

    let browser = Browser::start().await;
    browser.sign_in(&app, &practice.provider.account()).await;
    // Nothing from others yet: the inbox is empty, the sent folder is not.
    browser.wait_for("[data-testid=empty-folder]").await;
    browser.click("[data-testid=folder-sent]").await;
    let first = browser
        .wait_for_text("[data-testid=conversation-row]", "Note 27")
        .await;
    assert!(first.contains("Cleo Client"), "{first}");
    assert_eq!(browser.count("[data-testid=conversation-row]").await, 25);
    browser.click("[data-testid=load-more]").await;
    browser
        .wait_for_text("[data-testid=conversation-list]", "Note 01")
        .await;
    assert_eq!(browser.count("[data-testid=conversation-row]").await, 27);
    browser.wait_for_absent("[data-testid=load-more]").await;

    // The client has all 27 unread.
    browser.sign_out().await;
    browser.sign_in(&app, &practice.client.account()).await;
    browser
        .wait_for_text("[data-testid=unread-badge]", "27")
        .await;
    browser.screenshot("messages-client-inbox").await;
    browser.close().await;
}

// Long threads page (thread pages)
#[tokio::test]
async fn a_long_thread_shows_its_latest_messages_and_loads_earlier_ones_on_request() {
    /// The bodies of the messages shown, top to bottom.
    const BODIES: &str = "return Array.from(document.querySelectorAll('[data-testid=message-body]'))\
        .map(e => e.textContent);";
    /// Where the message reading `arguments[0]` is, from the top of the window.
    const TOP_OF: &str = "const body = Array.from(document.querySelectorAll('[data-testid=message-body]'))\
        .find(e => e.textContent === arguments[0]);\
        return body ? body.closest('li').getBoundingClientRect().top : null;";

    let app = confidant_tests::app::spawn_app_with_web().await;
    let p = app.staffed_practice("Paging Clinic").await;
    let thread = app
        .start_thread(&p.provider, p.client.person.id, "Long thread", "Message 0")
        .await;
    // 149 more, a millisecond apart, after the first: 150 in all.
    let mut conn = app.database.connect().await;
    let inserted = diesel_async::RunQueryDsl::execute(
        diesel::sql_query(
            "INSERT INTO messages (id, practice_id, conversation_id, author_id, body, created_at) \
             SELECT gen_random_uuid(), c.practice_id, c.id, $2, 'Message ' || g, \
                    now() + g * interval '1 millisecond' \
             FROM conversations c, generate_series(1, 149) AS g WHERE c.id = $1",
        )
        .bind::<diesel::sql_types::Uuid, _>(thread.id)
        .bind::<diesel::sql_types::Uuid, _>(p.provider.person.id),
        &mut conn,
    )
    .await
    .expect("149 more messages");
    assert_eq!(inserted, 149);

    // The thread opens on its latest 50, oldest first, with the way to the earlier ones.
    let browser = Browser::start().await;
    browser.sign_in(&app, &p.client.account()).await;
    browser
        .client
        .goto(&app.url(&format!("/messages/{}", thread.id)))
        .await
        .expect("open the thread");
    browser
        .wait_for_text("[data-testid=thread-messages]", "Message 149")
        .await;
    browser.wait_for_count("[data-testid=message]", 50).await;
    let bodies: Vec<String> = serde_json::from_value(
        browser
            .client
            .execute(BODIES, vec![])
            .await
            .expect("read the messages"),
    )
    .expect("the bodies");
    let latest: Vec<String> = (100..150).map(|n| format!("Message {n}")).collect();
    assert_eq!(bodies, latest);
    assert!(!bodies.iter().any(|body| body == "Message 0"), "{bodies:?}");
    browser
        .wait_for_text("[data-testid=load-older-messages]", "Show earlier messages")
        .await;
    assert_eq!(browser.count("[data-testid=thread-start]").await, 0);
    let top_before = browser
        .client
        .execute(TOP_OF, vec![json!("Message 100")])
        .await
        .expect("measure the first message")
        .as_f64()
        .expect("the first message is shown");

    // Asked for, the earlier 100 come in above, and what was read stays where it was.
    browser.click("[data-testid=load-older-messages]").await;
    browser.wait_for_count("[data-testid=message]", 150).await;
    browser
        .wait_for_text("[data-testid=thread-messages]", "Message 0")
        .await;
    browser
        .wait_for_absent("[data-testid=load-older-messages]")
        .await;
    browser
        .wait_for_text("[data-testid=thread-start]", "Start of the conversation")
        .await;
    let bodies: Vec<String> = serde_json::from_value(
        browser
            .client
            .execute(BODIES, vec![])
            .await
            .expect("read the messages"),
    )
    .expect("the bodies");
    let all: Vec<String> = (0..150).map(|n| format!("Message {n}")).collect();
    assert_eq!(bodies, all);
    let top_after = browser
        .client
        .execute(TOP_OF, vec![json!("Message 100")])
        .await
        .expect("measure the same message")
        .as_f64()
        .expect("the same message is still shown");
    assert!(
        (top_after - top_before).abs() <= 2.0,
        "the message read moved from {top_before} to {top_after}"
    );
    browser.screenshot("thread-older-messages").await;

    browser.phone_size().await;
    browser.scroll_to("[data-testid=thread-start]").await;
    browser.screenshot("thread-older-messages-phone").await;
    browser.close().await;
}
