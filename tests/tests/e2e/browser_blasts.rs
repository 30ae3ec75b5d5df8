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

// R-BLAST-NEW, R-BLAST-ACTIVE, R-BLAST-REPLY
#[tokio::test]
async fn sent_shows_a_blast_once_and_its_page_shows_who_got_it_and_who_replied() {
    let app = spawn_app_with_web().await;
    let p = app.staffed_practice("Blast Page Browser").await;
    let provider = p.provider.person.id;
    let ava = app
        .add_person(
            &p.owner.token,
            json!({"kind": "client", "name": "Ava Answers", "email": "ava@page.test", "provider_ids": [provider]}),
        )
        .await;
    let ava = Member {
        token: app.token_for(&ava).await,
        person: ava,
    };
    app.start_thread(&p.provider, p.client.person.id, "Your results", "All fine.")
        .await;
    let made: confidant_openapi::blasts::Blast = app
        .send_as(
            reqwest::Method::POST,
            &p.provider.token,
            "/api/v1/blasts",
            Some(json!({"client_ids": [p.client.person.id, ava.person.id, p.other_client.id], "subject": "Closed Monday", "body": "The office is closed on Monday.\nSee you Tuesday."})),
        )
        .await
        .json()
        .await
        .expect("a blast");
    let inactive = app
        .send_as(
            reqwest::Method::PATCH,
            &p.owner.token,
            &format!("/api/v1/people/{}", p.other_client.id),
            Some(json!({"status": "inactive"})),
        )
        .await;
    assert_eq!(inactive.status(), 200);
    app.run_jobs().await;
    let ava_threads: ConversationPage = app
        .get_as(&ava.token, "/api/v1/conversations")
        .await
        .json()
        .await
        .expect("a page");
    let ava_thread = ava_threads.items[0].id;
    let answered = app
        .send_as(
            reqwest::Method::POST,
            &ava.token,
            &format!("/api/v1/conversations/{ava_thread}/messages"),
            Some(json!({"body": "Thanks, noted."})),
        )
        .await;
    assert_eq!(answered.status(), 201);

    let browser = Browser::start().await;
    browser.sign_in(&app, &p.provider.account()).await;
    // Sent: the direct thread and the blast once (not a row per client), newest first.
    browser.click("[data-testid=folder-sent]").await;
    browser
        .wait_for_text("[data-testid=blast-row]", "Closed Monday")
        .await;
    assert_eq!(browser.count("[data-testid=blast-row]").await, 1);
    browser
        .wait_for_text("[data-testid=conversation-row]", "Your results")
        .await;
    assert_eq!(
        browser.count("[data-testid=conversation-row]").await,
        1,
        "no row per blast client"
    );
    browser
        .wait_for_text("[data-testid=blast-audience]", "To 3 clients")
        .await;
    browser
        .wait_for_text("[data-testid=blast-status]", "Sent to 2 · 1 skipped")
        .await;
    browser.screenshot("sent-with-blast").await;

    // Its page: the message, how many replied, and each client with what became of them.
    browser.click("[data-testid=blast-row]").await;
    browser.wait_for_path(&format!("/blasts/{}", made.id)).await;
    browser
        .wait_for_text("[data-testid=blast-body]", "See you Tuesday.")
        .await;
    browser
        .wait_for_text("[data-testid=blast-replied]", "1 replied")
        .await;
    browser
        .wait_for_count("[data-testid=blast-recipient]", 3)
        .await;
    assert_eq!(browser.count("[data-testid=recipient-replied]").await, 1);
    browser
        .wait_for("[data-testid=recipient-outcome][data-outcome=skipped]")
        .await;
    assert_eq!(browser.count("[data-testid=open-thread]").await, 2);
    browser.screenshot("blast-page").await;
    browser.phone_size().await;
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    browser.screenshot("blast-page-phone").await;
    let misfits = browser.touch_misfits().await;
    assert!(misfits.is_empty(), "{misfits:?}");
    let serious = browser.axe_serious().await;
    assert!(serious.is_empty(), "{serious:?}");
    browser.resize(1280, 800).await;

    // From Ava's row to her thread, with her reply.
    let ava_row = browser
        .client
        .execute(
            "const row = [...document.querySelectorAll('[data-testid=blast-recipient]')] \
               .find(r => r.textContent.includes('Ava Answers')); \
             return row.querySelector('[data-testid=open-thread]').getAttribute('href');",
            vec![],
        )
        .await
        .expect("Ava's link");
    assert_eq!(
        ava_row.as_str(),
        Some(format!("/messages/{ava_thread}").as_str())
    );
    browser
        .click(&format!(
            "[data-testid=open-thread][href='/messages/{ava_thread}']"
        ))
        .await;
    browser
        .wait_for_text("[data-testid=thread-messages]", "Thanks, noted.")
        .await;
    browser.close().await;
}

// R-MULTI-CLIENT, R-BLAST-NEW
#[tokio::test]
async fn a_message_to_two_clients_becomes_a_blast_with_what_was_written() {
    let app = spawn_app_with_web().await;
    let p = app.staffed_practice("Switch Browser").await;
    let browser = Browser::start().await;
    browser.sign_in(&app, &p.provider.account()).await;
    browser.click("[data-testid=new-message]").await;
    browser.wait_for_path("/messages/new").await;
    for name in [p.client.person.name.as_str(), "Otto Other"] {
        browser.fill("[data-testid=to-search]", name).await;
        // By name: until the new answer arrives, the list may still show the last one's.
        browser
            .click_text("[data-testid=recipient-option]", name)
            .await;
    }
    browser.wait_for_count("[data-testid=to-chip]", 2).await;
    browser.fill("[data-testid=subject]", "Group session").await;
    browser.fill("[data-testid=body]", "Thursday at 6.").await;
    // A file uploaded here goes along too, not uploaded twice. While it is still going up
    // (a slow line), the blast waits for it and says so: the upload would stop with the page.
    let folder = tempfile::tempdir().expect("a folder of files to attach");
    let agenda = folder.path().join("agenda.txt");
    std::fs::write(&agenda, "6 pm: welcome\n".repeat(12_000)).expect("a file to attach");
    browser.throttle(Some(60_000)).await;
    browser
        .choose_files("input[type=file][data-testid=attach]", &[&agenda])
        .await;
    browser
        .wait_for_attribute("[data-testid=attachment-chip]", "data-state", "uploading")
        .await;
    browser
        .wait_for_text("[data-testid=multi-client-warning]", "go with you")
        .await;
    browser.click("[data-testid=send-as-blast]").await;
    browser
        .wait_for_text("[data-testid=blast-waits-for-files]", "still uploading")
        .await;
    browser.wait_for_path("/messages/new").await;
    browser
        .wait_for_all_attribute("[data-testid=attachment-chip]", "data-state", "done")
        .await;
    browser.throttle(None).await;
    browser
        .wait_for_absent("[data-testid=blast-waits-for-files]")
        .await;
    browser.click("[data-testid=send-as-blast]").await;
    browser.wait_for_path("/blasts/new").await;
    browser
        .wait_for_text("[data-testid=selected-count]", "2 clients selected")
        .await;
    // Both carried clients are in sight as chips, whatever the list below shows.
    browser.wait_for_count("[data-testid=picked-chip]", 2).await;
    let chips = browser
        .wait_for_text("[data-testid=picked-chips]", "Otto Other")
        .await;
    assert!(chips.contains(&p.client.person.name), "{chips}");
    browser
        .wait_for_all_attribute("[data-testid=attachment-chip]", "data-state", "done")
        .await;
    browser
        .wait_for_text("[data-testid=attachment-chips]", "agenda.txt")
        .await;
    let carried = browser
        .client
        .execute(
            "return [document.querySelector('[data-testid=subject]').value, \
                     document.querySelector('[data-testid=body]').value];",
            vec![],
        )
        .await
        .expect("the fields");
    assert_eq!(carried, json!(["Group session", "Thursday at 6."]));
    browser.screenshot("blast-from-compose").await;
    // Nothing of it in the address or the browser's storage.
    let kept = browser
        .client
        .execute(
            "return location.href + JSON.stringify(localStorage) + JSON.stringify(sessionStorage);",
            vec![],
        )
        .await
        .expect("read");
    assert!(!kept.as_str().unwrap_or_default().contains("Group session"));
    browser.click("[data-testid=send-blast]").await;
    browser
        .wait_for_path_prefix("/blasts/", "/blasts/new")
        .await;
    app.run_jobs().await;
    browser
        .wait_for_attribute("[data-testid=blast-progress]", "data-state", "done")
        .await;
    browser.close().await;
    assert_eq!(
        app.count("SELECT count(*) AS n FROM conversations WHERE kind = 'blast' AND subject = 'Group session'")
            .await,
        2,
        "one private thread each"
    );
    assert_eq!(
        app.count(
            "SELECT count(*) AS n FROM message_attachments ma JOIN messages m ON m.id = ma.message_id \
             JOIN conversations c ON c.id = m.conversation_id \
             WHERE c.kind = 'blast' AND c.subject = 'Group session'"
        )
        .await,
        2,
        "each thread carries the file uploaded in the first composer"
    );
    assert_eq!(
        app.count("SELECT count(*) AS n FROM attachments").await,
        1,
        "uploaded once"
    );
}

// R-BLAST-NEW
#[tokio::test]
async fn the_blast_picker_keeps_what_is_selected_in_sight_across_searches() {
    let app = spawn_app_with_web().await;
    let p = app.staffed_practice("Chips Browser").await;
    let browser = Browser::start().await;
    browser.sign_in(&app, &p.provider.account()).await;
    browser.click("[data-testid=nav-blasts]").await;
    browser.click("[data-testid=new-blast]").await;
    browser.wait_for_path("/blasts/new").await;
    assert_eq!(
        browser.count("[data-testid=picked-chips]").await,
        0,
        "nothing selected yet"
    );

    // Picked under one search, then another: the first stays as a chip while hidden below.
    browser.fill("[data-testid=client-search]", "Otto").await;
    browser.wait_for_count("[data-testid=client-row]", 1).await;
    browser
        .click_text("[data-testid=client-row]", "Otto Other")
        .await;
    browser
        .fill("[data-testid=client-search]", &p.client.person.name)
        .await;
    browser.wait_for_count("[data-testid=client-row]", 1).await;
    browser
        .click_text("[data-testid=client-row]", &p.client.person.name)
        .await;
    browser
        .wait_for_text("[data-testid=selected-count]", "2 clients selected")
        .await;
    browser.wait_for_count("[data-testid=picked-chip]", 2).await;
    browser
        .wait_for_text("[data-testid=picked-chips]", "Otto Other")
        .await;
    browser.screenshot("blast-picker-chips").await;

    // Its × takes one out again, and the list's box follows. The focus goes on to the chip
    // that took its place, where a keyboard user would go on from.
    browser.click("[aria-label='Remove Otto Other']").await;
    browser
        .wait_for_text("[data-testid=selected-count]", "1 client selected")
        .await;
    browser.wait_for_count("[data-testid=picked-chip]", 1).await;
    browser
        .wait_for_focus(&format!("[aria-label='Remove {}']", p.client.person.name))
        .await;
    browser.fill("[data-testid=client-search]", "Otto").await;
    browser
        .wait_for_text("[data-testid=client-list]", "Otto Other")
        .await;
    let ticked = browser
        .client
        .execute(
            "return [...document.querySelectorAll('[data-testid=client-row]')] \
                 .filter(row => row.textContent.includes('Otto Other')) \
                 .map(row => row.querySelector('input').checked);",
            vec![],
        )
        .await
        .expect("the box");
    assert_eq!(ticked, json!([false]));

    // "All my active clients" is one chip; removing it clears that part only.
    browser.click("[data-testid=select-menu]").await;
    browser.click("[data-testid=select-all-mine]").await;
    browser
        .wait_for_text("[data-testid=picked-chips]", "All my active clients")
        .await;
    browser
        .click("[aria-label='Remove all my active clients']")
        .await;
    browser.wait_for_absent("[data-testid=picked-chips]").await;
    browser
        .wait_for_text("[data-testid=selected-count]", "0 clients selected")
        .await;
    // No chip is left to go on to: the focus goes back to the search box.
    browser.wait_for_focus("[data-testid=client-search]").await;
    browser.phone_size().await;
    browser
        .click_text("[data-testid=client-row]", "Otto Other")
        .await;
    browser.wait_for_count("[data-testid=picked-chip]", 1).await;
    assert_eq!(browser.touch_misfits().await, Vec::<String>::new());
    assert_eq!(browser.axe_serious().await, Vec::<String>::new());
    browser.screenshot("blast-picker-chips-phone").await;
    browser.close().await;
}
