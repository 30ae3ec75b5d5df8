//! Keeping an inbox in order and writing to the right people, in a real headless Chromium:
//! archive and bring back; a To picker that tells people apart and warns before a thread
//! goes to several clients (R-MULTI-CLIENT).

use confidant_tests::app::spawn_app_with_web;
use confidant_tests::browser::Browser;
use confidant_tests::eventually;

#[tokio::test]
async fn a_client_archives_a_thread_and_moves_it_back_to_the_inbox() {
    let app = spawn_app_with_web().await;
    let p = app.staffed_practice("Archive Browser").await;
    let thread = app
        .start_thread(
            &p.provider,
            p.client.person.id,
            "Intake forms",
            "Please read these.",
        )
        .await;
    let browser = Browser::start().await;
    browser.sign_in(&app, &p.client.account()).await;
    browser
        .wait_for_text("[data-testid=conversation-row]", "Intake forms")
        .await;

    // From the thread: Archive, back to an inbox without it.
    browser.click("[data-testid=conversation-row] a").await;
    browser
        .wait_for_path(&format!("/messages/{}", thread.id))
        .await;
    browser.click("[data-testid=archive-thread]").await;
    browser.wait_for_path("/messages").await;
    browser.wait_for("[data-testid=empty-folder]").await;

    // In Archived, and back to the inbox with one click; the page says so.
    browser.click("[data-testid=folder-archived]").await;
    browser
        .wait_for_text("[data-testid=conversation-row]", "Intake forms")
        .await;
    browser.screenshot("inbox-archived").await;
    browser.click("[data-testid=unarchive-row]").await;
    browser
        .wait_for_text("[data-testid=archive-notice]", "to your inbox")
        .await;
    browser
        .wait_for_absent("[data-testid=conversation-row]")
        .await;
    browser.click("[data-testid=folder-inbox]").await;
    browser
        .wait_for_text("[data-testid=conversation-row]", "Intake forms")
        .await;
    browser.close().await;
}

// R-MULTI-CLIENT
#[tokio::test]
async fn two_clients_in_to_are_told_apart_and_warned_before_sending() {
    let app = spawn_app_with_web().await;
    let p = app.staffed_practice("Picker Browser").await;
    let browser = Browser::start().await;
    browser.sign_in(&app, &p.provider.account()).await;
    browser.click("[data-testid=new-message]").await;
    browser.wait_for_path("/messages/new").await;

    // Each client shows with a partly hidden email, enough to tell two namesakes apart.
    browser.fill("[data-testid=to-search]", "Cleo").await;
    let option = browser
        .wait_for_text("[data-testid=recipient-option]", "Cleo Client")
        .await;
    let email = browser
        .wait_for_text("[data-testid=recipient-email]", "@")
        .await;
    assert!(
        email.starts_with("cl") && email.contains("•••@pickerbrowser.test"),
        "{email} in {option}"
    );
    assert!(
        !email.contains("cleo@"),
        "the email is partly hidden: {email}"
    );
    browser
        .click_text("[data-testid=to-option]", "Cleo Client")
        .await;
    browser
        .wait_for_text("[data-testid=to-chip]", "Cleo Client")
        .await;
    browser.fill("[data-testid=to-search]", "Otto").await;
    browser
        .click_text("[data-testid=to-option]", "Otto Other")
        .await;
    browser.wait_for_count("[data-testid=to-chip]", 2).await;

    // The warning is there before anything is sent, with the way to a blast.
    browser
        .wait_for_text(
            "[data-testid=multi-client-warning]",
            "2 clients will each see only your message and cannot reply",
        )
        .await;
    let blast = browser
        .wait_for("[data-testid=send-as-blast]")
        .await
        .attr("href")
        .await
        .expect("a link");
    assert_eq!(blast.as_deref(), Some("/blasts/new"));
    browser.fill("[data-testid=subject]", "Group session").await;
    browser.fill("[data-testid=body]", "Thursday at 6.").await;
    browser.screenshot("compose-multi-client-warning").await;

    // Send alone does not send; sending to all in one thread is an explicit choice.
    browser.click("[data-testid=send]").await;
    browser
        .wait_for_text("[data-testid=multi-client-warning]", "Nothing was sent yet")
        .await;
    assert_eq!(
        app.count("SELECT count(*) AS n FROM conversations").await,
        0,
        "nothing sent"
    );
    browser.click("[data-testid=send-anyway]").await;
    browser
        .wait_for_path_prefix("/messages/", "/messages/new")
        .await;
    browser
        .wait_for_text("[data-testid=thread-subject]", "Group session")
        .await;
    browser.close().await;
}

#[tokio::test]
async fn a_draft_survives_a_reload_and_a_search_stays_out_of_the_address() {
    let app = spawn_app_with_web().await;
    let p = app.staffed_practice("Draft Browser").await;
    let thread = app
        .start_thread(
            &p.provider,
            p.client.person.id,
            "Zebracorn plans",
            "Let us talk about it.",
        )
        .await;
    let browser = Browser::start().await;
    browser.sign_in(&app, &p.provider.account()).await;

    // A new message half written: saved on the server as it is typed…
    browser.click("[data-testid=new-message]").await;
    browser.wait_for_path("/messages/new").await;
    browser.fill("[data-testid=to-search]", "Cleo").await;
    browser
        .click_text("[data-testid=to-option]", "Cleo Client")
        .await;
    browser.fill("[data-testid=subject]", "Homework").await;
    browser
        .fill("[data-testid=body]", "Try the breathing exercise")
        .await;
    browser
        .wait_for_text("[data-testid=draft-status]", "Draft saved")
        .await;
    // (The last ~800 ms of typing are saved after a pause: wait until the server has it all.)
    eventually(
        "the whole draft reaches the server",
        std::time::Duration::from_secs(10),
        async || {
            let draft = app.get_as(&p.provider.token, "/api/v1/drafts/new").await;
            if draft.status() != 200 {
                return Err(format!("status {}", draft.status()));
            }
            let draft: serde_json::Value = draft.json().await.expect("the draft");
            match draft["body"].as_str() {
                Some("Try the breathing exercise") => Ok(()),
                other => Err(format!(
                    "a body of {} characters",
                    other.map_or(0, str::len)
                )),
            }
        },
    )
    .await;
    // …and back after a reload, To included; nothing of it in the browser's storage.
    browser.client.refresh().await.expect("reload");
    browser
        .wait_for_text("[data-testid=draft-status]", "Draft restored")
        .await;
    let fields = browser
        .client
        .execute(
            "return [document.querySelector('[data-testid=subject]').value, \
                     document.querySelector('[data-testid=body]').value, \
                     JSON.stringify(localStorage) + JSON.stringify(sessionStorage)];",
            vec![],
        )
        .await
        .expect("read the fields");
    assert_eq!(fields[0].as_str(), Some("Homework"));
    assert_eq!(fields[1].as_str(), Some("Try the breathing exercise"));
    let stored = fields[2].as_str().unwrap_or_default();
    assert!(
        !stored.contains("breathing"),
        "in browser storage: {stored}"
    );
    browser
        .wait_for_text("[data-testid=to-chip]", "Cleo Client")
        .await;
    browser.screenshot("compose-draft-restored").await;
    // Words typed just before a reload (no pause to save them after) are sent as the page
    // goes away (a keepalive request on `pagehide`), and come back too.
    browser
        .fill(
            "[data-testid=body]",
            "Try the breathing exercise twice a day",
        )
        .await;
    browser.client.refresh().await.expect("reload at once");
    browser
        .wait_for_text("[data-testid=draft-status]", "Draft restored")
        .await;
    let body = browser
        .client
        .execute(
            "return document.querySelector('[data-testid=body]').value;",
            vec![],
        )
        .await
        .expect("read the body");
    assert_eq!(
        body.as_str(),
        Some("Try the breathing exercise twice a day"),
        "the last words before the reload"
    );

    // A search: results, and the words never in the address or its history.
    browser.click("nav.sidebar a[href='/messages']").await;
    browser.wait_for_path("/messages").await;
    browser.fill("[data-testid=search-box]", "zebracorn").await;
    browser
        .wait_for_text("[data-testid=search-heading]", "zebracorn")
        .await;
    browser
        .wait_for_text("[data-testid=conversation-row]", "Zebracorn plans")
        .await;
    let url = browser.client.current_url().await.expect("the address");
    assert!(!url.as_str().to_lowercase().contains("zebracorn"), "{url}");
    let history = browser
        .cdp("Page.getNavigationHistory", serde_json::json!({}))
        .await;
    assert!(
        !history.to_string().to_lowercase().contains("zebracorn"),
        "in the history: {history}"
    );
    browser.click("[data-testid=conversation-row] a").await;
    browser
        .wait_for_path(&format!("/messages/{}", thread.id))
        .await;
    browser.close().await;
}
