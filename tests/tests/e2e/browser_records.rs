//! What a practice does on its first day, in a real headless Chromium: a notification email's
//! link lands on its thread after signing in (and so does a thread's address opened while
//! signed out), and admins fix people's records in place.

use std::time::Duration;

use confidant_openapi::people::{Person, PersonStatus, Role};
use confidant_tests::app::spawn_app_with_web;
use confidant_tests::browser::Browser;
use confidant_tests::eventually;
use confidant_tests::fixtures::Account;

/// Signs in on the sign-in page the browser is on, without waiting for the inbox.
async fn sign_in_here(browser: &Browser, account: &Account) {
    browser.fill("input[name=email]", &account.email).await;
    browser
        .fill("input[name=password]", &account.password)
        .await;
    browser.click("button[type=submit]").await;
}

#[tokio::test]
async fn a_notification_link_lands_on_its_thread_after_signing_in() {
    // R-NOTIFY-PRIVATE: the link carries the thread's id, nothing of its content.
    let app = spawn_app_with_web().await;
    let p = app.staffed_practice("Link Clinic").await;
    let thread = app
        .start_thread(
            &p.provider,
            p.client.person.id,
            "Blood test",
            "Results are in.",
        )
        .await;
    app.run_jobs().await;
    let mails = app.mail.messages();
    let mail = mails
        .iter()
        .find(|mail| mail.recipients.contains(&p.client.person.email))
        .expect("the client's notification");
    let text = mail.parse().text.expect("a text part");
    let link = text
        .split_whitespace()
        .find(|word| word.starts_with("http://confidant.test/sign-in?next="))
        .unwrap_or_else(|| panic!("a sign-in link in {text}"));
    assert!(!link.contains("Blood"), "{link}");
    let link = link.replace("http://confidant.test", &app.url(""));

    let browser = Browser::start().await;
    browser.client.goto(&link).await.expect("open the link");
    browser.wait_for("input[name=email]").await;
    sign_in_here(&browser, &p.client.account()).await;
    let thread_path = format!("/messages/{}", thread.id);
    browser.wait_for_path(&thread_path).await;
    browser.wait_for_text("main h1", "Blood test").await;

    // A thread's address opened while signed out: the same, through the sign-in page.
    browser.sign_out().await;
    browser
        .client
        .goto(&app.url(&thread_path))
        .await
        .expect("open the thread");
    browser.wait_for("input[name=email]").await;
    sign_in_here(&browser, &p.client.account()).await;
    browser.wait_for_path(&thread_path).await;

    // Only paths of the app are followed: another site is not.
    browser.sign_out().await;
    browser
        .client
        .goto(&app.url("/sign-in?next=%2F%2Fevil.example%2Fsteal"))
        .await
        .expect("open");
    browser.wait_for("input[name=email]").await;
    sign_in_here(&browser, &p.client.account()).await;
    browser.wait_for_path("/messages").await;
    browser.close().await;
}

#[tokio::test]
async fn admins_fix_a_clients_record_and_a_refused_change_reverts_with_the_servers_words() {
    let app = spawn_app_with_web().await;
    let p = app.staffed_practice("Records Clinic").await;
    let browser = Browser::start().await;
    let client_id = p.client.person.id;
    let row = format!("[data-testid=people-table] tr[data-person='{client_id}']");

    // An admin renames a client in place.
    browser.sign_in(&app, &p.admin.account()).await;
    browser.click("a[href='/admin/clients']").await;
    browser.wait_for(&row).await;
    browser
        .click(&format!("{row} [data-testid=edit-person]"))
        .await;
    browser.wait_for("[data-testid=edit-person-form]").await;
    browser
        .fill(
            "[data-testid=edit-person-form] input[name=name]",
            "Jo Renamed",
        )
        .await;
    browser.screenshot("admin-edit-client").await;
    browser.click("[data-testid=save-person]").await;
    browser.wait_for_text(".notice", "Saved Jo Renamed").await;
    let saved: Person = app
        .get_as(&p.admin.token, &format!("/api/v1/people/{client_id}"))
        .await
        .json()
        .await
        .expect("the client");
    assert_eq!(saved.name, "Jo Renamed");

    // Archiving asks first and says what it means; confirmed, it is stored.
    browser
        .click(&format!("{row} [data-testid=edit-person]"))
        .await;
    browser.wait_for("[data-testid=edit-person-form]").await;
    browser
        .client
        .execute(
            "const s = document.querySelector('[data-testid=edit-person-form] select[name=status]'); \
             s.value = 'archived'; s.dispatchEvent(new Event('change', {bubbles: true}));",
            vec![],
        )
        .await
        .expect("choose archived");
    browser.click("[data-testid=save-person]").await;
    browser
        .wait_for_text(
            "[data-testid=edit-person-form] [data-testid=confirm-panel]",
            "cannot send or reply",
        )
        .await;
    browser.click("[data-testid=confirm-delete]").await;
    // The notice of the rename still says "Saved": wait for the server instead.
    eventually(
        "the archiving is stored",
        Duration::from_secs(10),
        async || {
            let archived: Person = app
                .get_as(&p.admin.token, &format!("/api/v1/people/{client_id}"))
                .await
                .json()
                .await
                .expect("the client");
            match archived.status {
                PersonStatus::Archived => Ok(()),
                other => Err(other),
            }
        },
    )
    .await;
    browser.wait_for_text(".notice", "Saved").await;

    // An admin is not offered the Owner role.
    browser.click("a[href='/admin/staff']").await;
    let staff_row = format!(
        "[data-testid=people-table] tr[data-person='{}']",
        p.staff.person.id
    );
    browser.wait_for(&staff_row).await;
    browser
        .click(&format!("{staff_row} [data-testid=edit-person]"))
        .await;
    browser
        .wait_for("[data-testid=edit-person-form] select[name=role]")
        .await;
    assert_eq!(
        browser
            .count("[data-testid=edit-person-form] select[name=role] option[value=owner]")
            .await,
        0,
        "admins may not grant Owner"
    );
    browser.sign_out().await;

    // The only owner may not step down: the server refuses, the role goes back to Owner and
    // its words are shown.
    browser.sign_in(&app, &p.owner.account()).await;
    browser.click("a[href='/admin/staff']").await;
    let owner_row = format!(
        "[data-testid=people-table] tr[data-person='{}']",
        p.owner.person.id
    );
    browser.wait_for(&owner_row).await;
    browser
        .click(&format!("{owner_row} [data-testid=edit-person]"))
        .await;
    browser
        .wait_for("[data-testid=edit-person-form] select[name=role]")
        .await;
    browser
        .client
        .execute(
            "const s = document.querySelector('[data-testid=edit-person-form] select[name=role]'); \
             s.value = 'admin'; s.dispatchEvent(new Event('change', {bubbles: true}));",
            vec![],
        )
        .await
        .expect("choose admin");
    browser.click("[data-testid=save-person]").await;
    browser
        .wait_for_text("[data-testid=edit-person-form] [role=alert]", "owner")
        .await;
    let role = browser
        .client
        .execute(
            "return document.querySelector('[data-testid=edit-person-form] select[name=role]').value;",
            vec![],
        )
        .await
        .expect("read the role");
    assert_eq!(role.as_str(), Some("owner"), "the refused change reverted");
    let owner: Person = app
        .get_as(
            &p.owner.token,
            &format!("/api/v1/people/{}", p.owner.person.id),
        )
        .await
        .json()
        .await
        .expect("the owner");
    assert_eq!(owner.role, Some(Role::Owner));
    browser.screenshot("admin-edit-refused").await;
    browser.close().await;
}
