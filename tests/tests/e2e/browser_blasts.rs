//! Blasts in the web app (SPEC §6, §8), in a real headless Chromium: choosing "All my active
//! clients", taking one out again, sending, and watching the progress reach done.

use confidant_openapi::conversations::ConversationPage;
use confidant_tests::app::spawn_app_with_web;
use confidant_tests::browser::Browser;
use confidant_tests::fixtures::Member;
use serde_json::json;

// R-BLAST-ALL, R-BLAST-QUEUE, R-BLAST-NEW, R-BLAST-ACTIVE
#[tokio::test]
async fn a_blast_to_all_my_active_clients_but_one_reaches_done() {
    let app = spawn_app_with_web().await;
    let p = app.staffed_practice("Browser Blasts").await;
    let provider = p.provider.person.id;
    let mut mine = Vec::new();
    for (name, email) in [
        ("Ava Active", "ava@blasts.test"),
        ("Ben Active", "ben@blasts.test"),
        ("Cy Active", "cy@blasts.test"),
        ("Dee Active", "dee@blasts.test"),
    ] {
        let person = app
            .add_person(
                &p.owner.token,
                json!({"kind": "client", "name": name, "email": email, "provider_ids": [provider]}),
            )
            .await;
        mine.push(Member {
            token: app.token_for(&person).await,
            person,
        });
    }
    let browser = Browser::start().await;
    browser.sign_in(&app, &p.provider.account()).await;

    // The menu leads to an empty history, and from there to a new blast.
    browser.click("[data-testid=nav-blasts]").await;
    browser.wait_for("[data-testid=blasts-empty]").await;
    browser.click("[data-testid=new-blast]").await;
    browser.wait_for_path("/blasts/new").await;
    // Cleo, Otto (nobody's client) and the four above.
    browser.wait_for_count("[data-testid=client-row]", 6).await;

    // Fewer than two clients: said, and nothing is sent.
    browser.click("[data-testid=send-blast]").await;
    browser
        .wait_for_text("[data-testid=selection-error]", "at least 2 clients")
        .await;

    // "All my active clients": Cleo and the four above; then Ben is taken out again.
    browser.click("[data-testid=select-menu]").await;
    browser
        .wait_for_text("[data-testid=select-all-mine]", "All my active clients (5)")
        .await;
    browser.click("[data-testid=select-all-mine]").await;
    browser
        .wait_for_text("[data-testid=selected-count]", "5 clients selected")
        .await;
    browser
        .click_text("[data-testid=client-row]", "Ben Active")
        .await;
    browser
        .wait_for_text("[data-testid=selected-count]", "4 clients selected")
        .await;
    browser
        .fill("[data-testid=subject]", "Office closed on Friday")
        .await;
    browser
        .fill(
            "[data-testid=body]",
            "Dear client,\nthe office is closed this Friday. Sessions move to Monday.",
        )
        .await;
    browser.screenshot("blast-composer").await;
    browser.click("[data-testid=send-blast]").await;

    // The progress page: queued until a worker makes the threads, then done with counts.
    browser
        .wait_for_path_prefix("/blasts/", "/blasts/new")
        .await;
    browser.wait_for("[data-testid=blast-progress]").await;
    app.run_jobs().await;
    browser
        .wait_for_attribute("[data-testid=blast-progress]", "data-state", "done")
        .await;
    browser.wait_for_text("[data-testid=count-sent]", "4").await;
    browser
        .wait_for_text("[data-testid=count-skipped]", "0")
        .await;
    browser
        .wait_for_text("[data-testid=blast-counts]", "4 of 4 sent")
        .await;
    // The bar fills with a short transition.
    tokio::time::sleep(std::time::Duration::from_millis(600)).await;
    browser.screenshot("blast-progress-done").await;

    // The history lists it.
    browser.click("[data-testid=nav-blasts]").await;
    browser
        .wait_for_text("[data-testid=blast-row]", "Office closed on Friday")
        .await;
    browser.screenshot("blast-history").await;
    browser.close().await;

    // Every selected client has the message as a private thread; Ben has nothing.
    for member in mine.iter().chain([&p.client]) {
        let page: ConversationPage = app
            .get_as(&member.token, "/api/v1/conversations?folder=all")
            .await
            .json()
            .await
            .expect("a page");
        let expected = usize::from(member.person.name != "Ben Active");
        assert_eq!(
            page.items
                .iter()
                .filter(|t| t.subject == "Office closed on Friday")
                .count(),
            expected,
            "{}",
            member.person.name
        );
    }
}
