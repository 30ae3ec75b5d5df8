//! The web app as people meet it on their own screens: every page, for every role, fits a
//! phone (390×844) and a tablet (768×1024) — no sideways scrolling, a top bar of at most
//! 64 px on the phone, every control at least 44×44 px — and axe-core finds no serious or
//! critical WCAG 2.1 AA violation on it at phone and desktop size. The keyboard reaches what
//! the mouse does: a skip link first, focus on the page's heading after each navigation,
//! menus and confirmations that follow the ARIA patterns (arrow keys, Escape, focus returned).

use confidant_tests::TestApp;
use confidant_tests::app::spawn_app_with_web;
use confidant_tests::browser::Browser;
use confidant_tests::eventually;
use confidant_tests::fixtures::{Account, Member};
use fantoccini::key::Key;

/// Goes to `path` inside the app (no reload: the router follows the history), and waits for
/// the page's heading.
async fn visit(browser: &Browser, path: &str) {
    browser
        .client
        .execute(
            "window.history.pushState({}, '', arguments[0]); \
             window.dispatchEvent(new PopStateEvent('popstate'));",
            vec![serde_json::json!(path)],
        )
        .await
        .expect("navigate");
    browser
        .wait_for_path(path.split('?').next().unwrap_or(path))
        .await;
    browser.wait_for("main h1").await;
    // Pages load their data after the heading: give them a moment to settle.
    tokio::time::sleep(std::time::Duration::from_millis(600)).await;
}

/// Checks the current page at phone, tablet and desktop size; adds what is wrong to
/// `findings`, each prefixed with `label`. Signed-in pages (`framed`) also have the top bar.
async fn check_page(browser: &Browser, label: &str, framed: bool, findings: &mut Vec<String>) {
    for (width, height) in [(390, 844), (768, 1024)] {
        browser.resize(width, height).await;
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        for misfit in browser.touch_misfits().await {
            findings.push(format!("{label} at {width}px: {misfit}"));
        }
        if width == 390 && framed {
            let bar = browser
                .client
                .execute(
                    "const bar = document.querySelector('[data-testid=top-bar]'); \
                     return bar ? bar.getBoundingClientRect().height : -1;",
                    vec![],
                )
                .await
                .expect("measure the top bar");
            let height = bar.as_f64().unwrap_or(-1.0);
            if !(0.0..=64.0).contains(&height) {
                findings.push(format!("{label} at 390px: top bar {height} px tall"));
            }
        }
        if width == 390 {
            let name: String = label
                .chars()
                .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
                .collect();
            browser
                .screenshot(&format!("phone-{}", name.trim_start_matches('-')))
                .await;
            for violation in browser.axe_serious().await {
                findings.push(format!("{label} at 390px: axe {violation}"));
            }
        }
    }
    browser.resize(1280, 800).await;
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    for violation in browser.axe_serious().await {
        findings.push(format!("{label} at 1280px: axe {violation}"));
    }
}

/// A practice with a thread between the provider and the client, and a finished blast.
async fn lived_in(app: &TestApp) -> (confidant_tests::fixtures::StaffedPractice, uuid::Uuid) {
    let p = app.staffed_practice("Layout Clinic").await;
    let thread = app
        .start_thread(
            &p.provider,
            p.client.person.id,
            "Your next appointment",
            "See you on Tuesday at 10.",
        )
        .await;
    (p, thread.id)
}

#[tokio::test]
async fn every_page_fits_a_phone_and_passes_axe_for_every_role() {
    let app = spawn_app_with_web().await;
    let (p, thread) = lived_in(&app).await;
    // A blast the provider sent, for Sent (each blast once) and the blast's own page.
    let blast: confidant_openapi::blasts::Blast = app
        .send_as(
            reqwest::Method::POST,
            &p.provider.token,
            "/api/v1/blasts",
            Some(serde_json::json!({"client_ids": [p.client.person.id, p.other_client.id], "subject": "Office closed Monday", "body": "The office is closed on Monday."})),
        )
        .await
        .json()
        .await
        .expect("a blast");
    app.run_jobs().await;
    let blast_page = format!("/blasts/{}", blast.id);
    let browser = Browser::start().await;
    let mut findings = Vec::new();

    // Signed out.
    for path in ["/sign-in", "/forgot-password"] {
        browser.client.goto(&app.url(path)).await.expect("open");
        browser.wait_for("h1").await;
        check_page(&browser, path, false, &mut findings).await;
    }

    let thread_page = format!("/messages/{thread}");
    let roles: [(&str, &Member, Vec<&str>); 5] = [
        (
            "owner",
            &p.owner,
            vec![
                "/messages",
                "/messages?folder=sent",
                "/messages/new",
                "/blasts",
                "/blasts/new",
                "/account",
                "/integrations",
                "/admin/clients",
                "/admin/staff",
                "/admin/groups",
                "/admin/practice",
                "/admin/audit",
            ],
        ),
        (
            "admin",
            &p.admin,
            vec![
                "/messages",
                "/admin/clients",
                "/admin/staff",
                "/admin/audit",
                "/account",
            ],
        ),
        (
            "staff",
            &p.staff,
            vec!["/messages", "/messages/new", "/account"],
        ),
        (
            "provider",
            &p.provider,
            vec![
                "/messages",
                "/messages?folder=sent",
                &thread_page,
                "/messages/new",
                "/blasts/new",
                &blast_page,
            ],
        ),
        (
            "client",
            &p.client,
            vec!["/messages", &thread_page, "/messages/new", "/account"],
        ),
    ];
    for (role, member, pages) in roles {
        browser.resize(1280, 800).await;
        browser.sign_in(&app, &member.account()).await;
        for path in pages {
            visit(&browser, path).await;
            let shown = path
                .replace(&thread.to_string(), "thread")
                .replace(&blast.id.to_string(), "blast");
            check_page(&browser, &format!("{role} {shown}"), true, &mut findings).await;
        }
        browser.resize(1280, 800).await;
        browser.sign_out().await;
    }
    browser.close().await;
    assert!(
        findings.is_empty(),
        "{} findings:\n{}",
        findings.len(),
        findings.join("\n")
    );
}

/// The element that has the focus: its `data-testid`, id or tag, for messages.
async fn focused(browser: &Browser) -> String {
    browser
        .client
        .execute(
            "const el = document.activeElement; \
             return el ? (el.getAttribute('data-testid') || el.id || el.tagName.toLowerCase()) : '';",
            vec![],
        )
        .await
        .expect("read the focus")
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

async fn press(browser: &Browser, key: Key) {
    browser
        .client
        .active_element()
        .await
        .expect("a focused element")
        .send_keys(&char::from(key).to_string())
        .await
        .expect("press a key");
}

#[tokio::test]
async fn the_keyboard_signs_in_skips_to_content_and_closes_menus_and_confirmations() {
    let app = spawn_app_with_web().await;
    let (p, _) = lived_in(&app).await;
    let browser = Browser::start().await;
    let account: Account = p.provider.account();

    // Sign in with the keyboard only: type, Tab, type, Enter.
    browser
        .client
        .goto(&app.url("/sign-in"))
        .await
        .expect("open");
    browser
        .wait_for("input[name=email]")
        .await
        .click()
        .await
        .expect("focus");
    let typed = format!(
        "{}{}{}{}",
        account.email,
        char::from(Key::Tab),
        account.password,
        char::from(Key::Enter)
    );
    browser
        .client
        .active_element()
        .await
        .expect("the email field")
        .send_keys(&typed)
        .await
        .expect("type");
    browser.wait_for_path("/messages").await;
    // Focus lands on the page's heading, not on the body.
    wait_until(&browser, "the inbox heading has the focus", |f| f == "h1").await;

    // The skip link is the page's first stop for Tab (where the keyboard starts after the
    // address bar), and it leads to the content.
    let first = browser
        .client
        .execute(
            "const stops = [...document.querySelectorAll('a[href], button, input, select, \
               textarea, [tabindex]')].filter(e => e.tabIndex >= 0 && !e.disabled); \
             return stops.length ? (stops[0].getAttribute('data-testid') || stops[0].tagName) : '';",
            vec![],
        )
        .await
        .expect("the first stop");
    assert_eq!(first.as_str(), Some("skip-link"));
    browser
        .client
        .execute(
            "document.querySelector('[data-testid=skip-link]').focus();",
            vec![],
        )
        .await
        .expect("focus the skip link");
    wait_until(&browser, "the skip link has the focus", |f| {
        f == "skip-link"
    })
    .await;
    press(&browser, Key::Enter).await;
    wait_until(&browser, "the content has the focus", |f| {
        f == "h1" || f == "main"
    })
    .await;

    // The blast page's "Select" menu: Enter opens it, arrows move, Escape closes it and gives
    // the focus back to its button.
    visit(&browser, "/blasts/new").await;
    browser
        .wait_for("[data-testid=select-menu]")
        .await
        .click()
        .await
        .expect("open");
    browser.wait_for("#select-menu[role=menu]").await;
    wait_until(&browser, "the first item has the focus", |f| {
        f == "select-all-mine"
    })
    .await;
    press(&browser, Key::Down).await;
    wait_until(&browser, "the next item has the focus", |f| {
        f == "clear-selection"
    })
    .await;
    press(&browser, Key::Escape).await;
    browser.wait_for_absent("#select-menu[role=menu]").await;
    wait_until(&browser, "the menu button has the focus back", |f| {
        f == "select-menu" || f == "select-menu-button"
    })
    .await;

    // Discarding typed text asks first; Escape keeps the text and returns to Discard.
    visit(&browser, "/messages/new").await;
    browser.fill("textarea", "Half a thought").await;
    browser.click("[data-testid=discard]").await;
    browser.wait_for("[data-testid=confirm-panel]").await;
    wait_until(&browser, "the confirmation has the focus", |f| {
        f == "confirm-cancel"
    })
    .await;
    press(&browser, Key::Escape).await;
    browser.wait_for_absent("[data-testid=confirm-panel]").await;
    wait_until(&browser, "Discard has the focus back", |f| f == "discard").await;
    let kept = browser
        .client
        .execute("return document.querySelector('textarea').value;", vec![])
        .await
        .expect("read the text");
    assert_eq!(kept.as_str(), Some("Half a thought"));
    browser.close().await;
}

/// Waits (up to 5 s) until the focused element's name satisfies `wanted`.
async fn wait_until(browser: &Browser, what: &str, wanted: impl Fn(&str) -> bool) {
    eventually(what, std::time::Duration::from_secs(5), async || {
        let now = focused(browser).await;
        if wanted(&now) {
            Ok(())
        } else {
            Err(format!("the focus is on {now:?}"))
        }
    })
    .await;
}

/// Presses Tab until the element with `data-testid` `testid` has the focus (a keyboard user
/// can reach it), failing with the stops passed on the way when it never does.
async fn tab_to(browser: &Browser, testid: &str) {
    let mut passed = Vec::new();
    for _ in 0..80 {
        let now = focused(browser).await;
        if now == testid {
            return;
        }
        passed.push(now);
        press(browser, Key::Tab).await;
    }
    panic!("Tab never reached {testid}; it passed {passed:?}");
}

/// Types `text` into whatever has the focus.
async fn type_keys(browser: &Browser, text: &str) {
    browser
        .client
        .active_element()
        .await
        .expect("a focused element")
        .send_keys(text)
        .await
        .expect("type");
}

#[tokio::test]
async fn the_keyboard_alone_reads_and_answers_a_thread_writes_a_message_and_sends_a_blast() {
    // R-COMPOSE, R-BLAST-ALL, R-BLAST-NEW: the same tasks as with a mouse, with keys only.
    let app = spawn_app_with_web().await;
    let (p, thread) = lived_in(&app).await;
    let answer = app
        .send_as(
            reqwest::Method::POST,
            &p.client.token,
            &format!("/api/v1/conversations/{thread}/messages"),
            Some(serde_json::json!({"body": "Tuesday works."})),
        )
        .await;
    assert_eq!(answer.status(), 201);
    // A second client of the provider's, so that "All my active clients" makes a blast.
    app.add_person(
        &p.owner.token,
        serde_json::json!({"kind": "client", "name": "Kai Keys", "email": "kai@keys.test", "provider_ids": [p.provider.person.id]}),
    )
    .await;
    let browser = Browser::start().await;
    browser.sign_in(&app, &p.provider.account()).await;
    browser.wait_for("[data-testid=conversation-row]").await;

    // The inbox: Tab to the thread, Enter opens it.
    tab_to(&browser, "conversation-link").await;
    press(&browser, Key::Enter).await;
    browser.wait_for_path(&format!("/messages/{thread}")).await;
    browser
        .wait_for_text("[data-testid=thread-subject]", "Your next appointment")
        .await;

    // The reply: Tab to the box, type, Tab to Send, Enter.
    tab_to(&browser, "reply-box").await;
    type_keys(&browser, "Then Tuesday it is.").await;
    tab_to(&browser, "send-reply").await;
    press(&browser, Key::Enter).await;
    browser
        .wait_for_text("[data-testid=thread-messages]", "Then Tuesday it is.")
        .await;

    // A new message: back to the messages, the picker by arrows and Enter, then subject,
    // text and Send.
    tab_to(&browser, "nav-messages").await;
    press(&browser, Key::Enter).await;
    browser.wait_for_path("/messages").await;
    tab_to(&browser, "new-message").await;
    press(&browser, Key::Enter).await;
    browser.wait_for_path("/messages/new").await;
    tab_to(&browser, "to-search").await;
    type_keys(&browser, &p.staff.person.name).await;
    browser
        .wait_for_text("[data-testid=recipient-option]", &p.staff.person.name)
        .await;
    // The best match is highlighted first: down and back up, then Enter picks it.
    press(&browser, Key::Down).await;
    press(&browser, Key::Up).await;
    press(&browser, Key::Enter).await;
    browser
        .wait_for_text("[data-testid=to-chip]", &p.staff.person.name)
        .await;
    tab_to(&browser, "subject").await;
    type_keys(&browser, "Cover on Friday").await;
    tab_to(&browser, "body").await;
    type_keys(&browser, "Could you see my 3 pm?").await;
    tab_to(&browser, "send").await;
    press(&browser, Key::Enter).await;
    browser
        .wait_for_path_prefix("/messages/", "/messages/new")
        .await;
    browser
        .wait_for_text("[data-testid=thread-subject]", "Cover on Friday")
        .await;

    // A blast: the Select menu by keys, Space on a client to take them out again, Send.
    tab_to(&browser, "nav-blasts").await;
    press(&browser, Key::Enter).await;
    browser.wait_for_path("/blasts").await;
    tab_to(&browser, "new-blast").await;
    press(&browser, Key::Enter).await;
    browser.wait_for_path("/blasts/new").await;
    browser.wait_for("[data-testid=client-row]").await;
    tab_to(&browser, "select-menu").await;
    press(&browser, Key::Enter).await;
    wait_until(&browser, "the menu's first item has the focus", |f| {
        f == "select-all-mine"
    })
    .await;
    press(&browser, Key::Enter).await;
    browser
        .wait_for_text("[data-testid=selected-count]", "2 clients selected")
        .await;
    tab_to(&browser, "subject").await;
    type_keys(&browser, "Office closed Monday").await;
    tab_to(&browser, "body").await;
    type_keys(&browser, "The office is closed on Monday.").await;
    tab_to(&browser, "send-blast").await;
    press(&browser, Key::Enter).await;
    browser
        .wait_for_path_prefix("/blasts/", "/blasts/new")
        .await;
    browser.wait_for("[data-testid=blast-progress]").await;
    browser.close().await;
    assert_eq!(
        app.count("SELECT count(*) AS n FROM blasts WHERE subject = 'Office closed Monday'")
            .await,
        1
    );
}
