//! Keeping an inbox in order and writing to the right people, in a real headless Chromium:
//! archive and bring back; a To picker that tells people apart and warns before a thread
//! goes to several clients (R-MULTI-CLIENT).

use confidant_tests::app::spawn_app_with_web;
use confidant_tests::browser::Browser;

#[tokio::test]
async fn a_client_archives_a_thread_and_moves_it_back_to_the_inbox() {
    let app = spawn_app_with_web().await;
    let p = app.staffed_practice("Archive Browser").await;
    let thread = app
        .start_thread(&p.provider, p.client.person.id, "Intake forms", "Please read these.")
        .await;
    let browser = Browser::start().await;
    browser.sign_in(&app, &p.client.account()).await;
    browser
        .wait_for_text("[data-testid=conversation-row]", "Intake forms")
        .await;

    // From the thread: Archive, back to an inbox without it.
    browser.click("[data-testid=conversation-row] a").await;
    browser.wait_for_path(&format!("/messages/{}", thread.id)).await;
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
    browser.wait_for_absent("[data-testid=conversation-row]").await;
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
    assert!(email.starts_with("cl") && email.contains("•••@pickerbrowser.test"), "{email} in {option}");
    assert!(!email.contains("cleo@"), "the email is partly hidden: {email}");
    browser.click_text("[data-testid=to-option]", "Cleo Client").await;
    browser.wait_for_text("[data-testid=to-chip]", "Cleo Client").await;
    browser.fill("[data-testid=to-search]", "Otto").await;
    browser.click_text("[data-testid=to-option]", "Otto Other").await;
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
