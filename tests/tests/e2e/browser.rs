//! The web app in a real headless Chromium, served by the real server.

use confidant_tests::app::spawn_app_with_web;
use confidant_tests::browser::Browser;
use confidant_tests::fixtures::Account;

#[tokio::test]
async fn signing_in_opens_the_app_shell_connected_to_the_api() {
    let app = spawn_app_with_web().await;
    let practice = app.create_practice("Shell Practice").await;
    let browser = Browser::start().await;

    // Not signed in: the app sends you to sign in, and says whether the API answers.
    browser
        .client
        .goto(&app.url("/"))
        .await
        .expect("open the app");
    browser.wait_for_path("/sign-in").await;
    browser
        .wait_for_attribute("[data-testid=api-status]", "data-state", "connected")
        .await;
    browser.screenshot("sign-in").await;

    // A wrong password is said in words.
    browser
        .fill("input[name=email]", &practice.owner.email)
        .await;
    browser
        .fill("input[name=password]", "not the right password")
        .await;
    browser.click("button[type=submit]").await;
    browser
        .wait_for_text(
            "[data-testid=form-error]",
            "email or password is not correct",
        )
        .await;

    browser.sign_in(&app, &practice.owner).await;
    browser.wait_for("nav.sidebar").await;
    let whoami = browser
        .wait_for_text("[data-testid=whoami]", "Shell Practice Owner")
        .await;
    assert!(whoami.contains("Owner · Shell Practice"), "{whoami}");
    browser.wait_for("[data-testid=admin-nav]").await;
    let heading = browser.wait_for("main h1").await;
    assert_eq!(heading.text().await.expect("text"), "Messages");
    browser.assert_no_broken_images().await;
    browser.screenshot("shell-messages").await;

    // A reload keeps the session (the refresh cookie restores it).
    browser.client.refresh().await.expect("reload");
    browser
        .wait_for_text("[data-testid=whoami]", "Shell Practice Owner")
        .await;

    // An unknown address shows the app's own not-found page.
    browser
        .client
        .goto(&app.url("/no/such/page"))
        .await
        .expect("open");
    let not_found = browser.wait_for("[data-testid=not-found]").await;
    assert!(
        not_found
            .text()
            .await
            .expect("text")
            .contains("Page not found")
    );

    // Signing out ends the session: the app is closed again.
    browser
        .client
        .goto(&app.url("/messages"))
        .await
        .expect("open");
    browser.sign_out().await;
    browser
        .client
        .goto(&app.url("/messages"))
        .await
        .expect("open");
    browser.wait_for_path("/sign-in").await;
    browser.close().await;
}

#[tokio::test]
async fn owner_adds_and_invites_people_who_set_a_password_and_sign_in() {
    let app = spawn_app_with_web().await;
    let practice = app.create_practice("Browser Practice").await;
    let browser = Browser::start().await;
    browser.sign_in(&app, &practice.owner).await;

    // A provider, through the staff page.
    browser
        .click("[data-testid=admin-nav] a[href='/admin/staff']")
        .await;
    browser.click("[data-testid=add-person]").await;
    browser
        .fill(
            "[data-testid=add-person-form] input[name=name]",
            "Priya Provider",
        )
        .await;
    browser
        .fill(
            "[data-testid=add-person-form] input[name=email]",
            "priya@browser.test",
        )
        .await;
    browser
        .click("[data-testid=add-person-form] select[name=role] option[value=provider]")
        .await;
    browser
        .click("[data-testid=add-person-form] button[type=submit]")
        .await;
    browser
        .wait_for_text("[data-testid=people-table]", "Priya Provider")
        .await;
    browser
        .click_text("[data-testid=people-table] tr", "Priya Provider")
        .await;
    browser
        .click_text("[data-testid=people-table] button", "Invite")
        .await;
    browser
        .wait_for_text(".notice", "Invitation sent to priya@browser.test")
        .await;
    browser.screenshot("admin-staff").await;

    // A client of that provider, through the clients page.
    browser
        .click("[data-testid=admin-nav] a[href='/admin/clients']")
        .await;
    browser.click("[data-testid=add-person]").await;
    browser
        .fill(
            "[data-testid=add-person-form] input[name=name]",
            "Cody Client",
        )
        .await;
    browser
        .fill(
            "[data-testid=add-person-form] input[name=email]",
            "cody@browser.test",
        )
        .await;
    browser
        .click_text(
            "[data-testid=add-person-form] label.choice",
            "Priya Provider",
        )
        .await;
    browser
        .click("[data-testid=add-person-form] button[type=submit]")
        .await;
    let table = browser
        .wait_for_text("[data-testid=people-table]", "Cody Client")
        .await;
    assert!(
        table.contains("Priya Provider"),
        "the provider is shown: {table}"
    );
    browser
        .click_text("[data-testid=people-table] button", "Invite")
        .await;
    browser
        .wait_for_text(".notice", "Invitation sent to cody@browser.test")
        .await;
    browser.screenshot("admin-clients").await;
    browser.sign_out().await;

    // The emails arrive; each person follows their link, sets a password and is in.
    assert_eq!(app.run_jobs().await, 2);
    for (email, name) in [
        ("priya@browser.test", "Priya Provider"),
        ("cody@browser.test", "Cody Client"),
    ] {
        let mail = app
            .mail
            .messages()
            .into_iter()
            .find(|m| m.recipients.iter().any(|r| r == email))
            .unwrap_or_else(|| panic!("no email to {email}"));
        let text = mail.parse().text.expect("a text part");
        let start = text
            .find("http://confidant.test/accept-invitation#token=")
            .expect("the link");
        let link: String = text[start..]
            .split_whitespace()
            .next()
            .unwrap_or_default()
            .to_owned();
        let link = link.replace("http://confidant.test", &app.url(""));
        browser
            .client
            .goto(&link)
            .await
            .expect("open the invitation link");
        browser.fill("input[name=password]", "short").await;
        browser.fill("input[name=repeat]", "short").await;
        browser.click("button[type=submit]").await;
        browser
            .wait_for_text("[data-testid=password-problem]", "at least 12")
            .await;
        if email.starts_with("cody") {
            browser.screenshot("accept-invitation").await;
        }
        browser
            .fill("input[name=password]", "a passphrase of my own")
            .await;
        browser
            .fill("input[name=repeat]", "a passphrase of my own")
            .await;
        browser.click("button[type=submit]").await;
        browser.wait_for_path("/messages").await;
        browser.wait_for_text("[data-testid=whoami]", name).await;
        browser.sign_out().await;

        // And signs in again the ordinary way.
        let account = Account {
            id: uuid::Uuid::nil(),
            email: email.to_owned(),
            password: "a passphrase of my own".to_owned(),
        };
        browser.sign_in(&app, &account).await;
        browser.wait_for_text("[data-testid=whoami]", name).await;
        // Clients have "My Messages" and no practice pages; staff without admin rights neither.
        let heading = if email.starts_with("cody") {
            "My Messages"
        } else {
            "Messages"
        };
        assert_eq!(
            browser
                .wait_for("main h1")
                .await
                .text()
                .await
                .expect("text"),
            heading
        );
        assert!(
            browser
                .client
                .find(fantoccini::Locator::Css("[data-testid=admin-nav]"))
                .await
                .is_err()
        );
        browser.sign_out().await;
    }
    browser.close().await;
}

#[tokio::test]
async fn status_line_reports_a_database_outage() {
    let app = spawn_app_with_web().await;
    // Without a database the server still serves the app, but readiness fails.
    app.database.destroy_now().await;

    let browser = Browser::start().await;
    browser
        .client
        .goto(&app.url("/messages"))
        .await
        .expect("open the app");
    browser
        .wait_for_attribute("[data-testid=api-status]", "data-state", "degraded")
        .await;
    browser.close().await;
}

#[tokio::test]
async fn the_api_docs_render_under_their_policy() {
    // R-HEADERS: Swagger UI gets a policy of its own; it must still render every route.
    let app = spawn_app_with_web().await;
    let browser = Browser::start().await;
    browser
        .client
        .goto(&app.url("/docs/"))
        .await
        .expect("open the docs");
    browser.wait_for(".opblock").await;
    assert!(browser.count(".opblock").await > 25);
    browser.close().await;
}

#[tokio::test]
async fn a_new_sign_in_email_is_confirmed_from_its_link() {
    // R-NO-TAKEOVER: the change waits for the new address.
    let app = spawn_app_with_web().await;
    let w = app.staffed_practice("Browser Confirm").await;
    let response = app
        .send_as(
            reqwest::Method::PATCH,
            &w.owner.token,
            &format!("/api/v1/people/{}", w.client.person.id),
            Some(serde_json::json!({"email": "cleo.next@browserconfirm.test"})),
        )
        .await;
    assert_eq!(response.status(), 200);
    let token = app.token_from_mail("cleo.next@browserconfirm.test").await;

    let browser = Browser::start().await;
    // The admin sees the change waiting.
    browser
        .sign_in(
            &app,
            &Account {
                id: w.owner.person.id,
                email: w.owner.person.email.clone(),
                password: confidant_tests::fixtures::PASSWORD.to_owned(),
            },
        )
        .await;
    browser
        .client
        .goto(&app.url("/admin/clients"))
        .await
        .expect("open clients");
    browser
        .wait_for_text(
            "[data-testid=pending-email]",
            "cleo.next@browserconfirm.test",
        )
        .await;
    browser.screenshot("admin-pending-email").await;
    browser.sign_out().await;

    browser
        .client
        .goto(&app.url(&format!("/confirm-email#token={token}")))
        .await
        .expect("open the link");
    browser.click_text("button", "Confirm this address").await;
    browser
        .wait_for_text("[data-testid=confirmed]", "sign-in email now")
        .await;
    browser.screenshot("email-confirmed").await;
    assert_eq!(
        app.login(
            "cleo.next@browserconfirm.test",
            confidant_tests::fixtures::PASSWORD
        )
        .await
        .status(),
        200
    );
    browser.close().await;
}

#[tokio::test]
async fn owners_see_the_practices_storage_and_notification_setting() {
    let app = spawn_app_with_web().await;
    let practice = app.create_practice("Storage Practice").await;
    let browser = Browser::start().await;
    browser.sign_in(&app, &practice.owner).await;
    browser.click("[data-testid=nav-practice]").await;
    browser
        .wait_for_text("[data-testid=storage-total]", "0 files")
        .await;
    browser.click("[data-testid=combine-notifications]").await;
    browser.wait_for_text("p.notice", "Saved").await;
    browser.screenshot("practice-settings").await;
    let me: serde_json::Value = app
        .get_as(
            &app.sign_in(&practice.owner).await.access_token,
            "/api/v1/me",
        )
        .await
        .json()
        .await
        .expect("me");
    assert_eq!(me["practice"]["combine_notifications"], true);
    browser.close().await;
}
