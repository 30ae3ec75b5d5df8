//! Two-step sign-in and the audit trail in a real browser (R-MFA, R-AUDIT-READ): a staff
//! member sets up an authenticator app from the QR code's secret and signs in with a code;
//! an admin reads the trail and downloads it as CSV; a provider is told it is not for them.

use confidant_tests::app::spawn_app_with_web;
use confidant_tests::browser::Browser;
use totp_rs::{Builder, Secret, Totp};

fn now() -> u64 {
    u64::try_from(chrono::Utc::now().timestamp()).expect("after 1970")
}

#[tokio::test]
async fn a_staff_member_sets_up_an_authenticator_app_and_signs_in_with_a_code() {
    // R-MFA
    let app = spawn_app_with_web().await;
    let p = app.staffed_practice("Two Step Clinic").await;
    let browser = Browser::start().await;
    browser.sign_in(&app, &p.provider.account()).await;
    browser
        .client
        .goto(&app.url("/account"))
        .await
        .expect("open the account page");
    browser.click("[data-testid=totp-start]").await;
    browser.wait_for("[data-testid=totp-qr] svg").await;
    let secret = browser
        .wait_for("[data-testid=totp-secret]")
        .await
        .attr("data-secret")
        .await
        .expect("an attribute")
        .expect("the secret");
    browser.screenshot("mfa-setup-qr").await;
    let totp: Totp = Builder::new()
        .with_secret(Secret::try_from_base32(&secret).expect("base32"))
        .build()
        .expect("a valid secret");
    browser
        .fill(
            "[data-testid=totp-confirm-code]",
            &totp.generate(now()).to_string(),
        )
        .await;
    browser.click("[data-testid=totp-confirm]").await;
    browser
        .wait_for_count("[data-testid=recovery-codes] li", 10)
        .await;
    browser.screenshot("mfa-recovery-codes").await;
    browser.click("[data-testid=recovery-codes-done]").await;
    browser
        .wait_for_attribute("[data-testid=two-step-status]", "data-state", "on")
        .await;

    // Signing in now takes a code; the next step's code (this step's was used).
    browser.sign_out().await;
    let account = p.provider.account();
    browser.fill("input[name=email]", &account.email).await;
    browser
        .fill("input[name=password]", &account.password)
        .await;
    browser.click("button[type=submit]").await;
    browser.wait_for("[data-testid=mfa-code]").await;
    browser.fill("[data-testid=mfa-code]", "000000").await;
    browser.click("[data-testid=mfa-submit]").await;
    browser
        .wait_for_text("[data-testid=form-error]", "not right")
        .await;
    browser.phone_size().await;
    browser.screenshot("mfa-sign-in-code-phone").await;
    browser
        .fill(
            "[data-testid=mfa-code]",
            &totp.generate(now() + 30).to_string(),
        )
        .await;
    browser.click("[data-testid=mfa-submit]").await;
    browser.wait_for_path("/messages").await;
    browser.close().await;
}

#[tokio::test]
async fn an_admin_reads_the_audit_trail_and_downloads_it_and_a_provider_may_not() {
    // R-AUDIT-READ
    let app = spawn_app_with_web().await;
    let p = app.staffed_practice("Trail Clinic").await;
    let downloads = tempfile::tempdir().expect("a download folder");
    let browser = Browser::start_with_downloads(downloads.path()).await;
    browser.sign_in(&app, &p.admin.account()).await;
    browser
        .client
        .goto(&app.url("/admin/audit"))
        .await
        .expect("open the audit page");
    browser
        .wait_for("[data-testid=audit-row][data-action=sign_in]")
        .await;
    browser.screenshot("audit-trail").await;
    browser.click("[data-testid=audit-download]").await;
    let file = browser
        .wait_for_download(downloads.path(), "audit-trail.csv")
        .await;
    let text = std::fs::read_to_string(&file).expect("the csv");
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    assert_eq!(reader.headers().expect("headers").get(1), Some("action"));
    let actions: Vec<String> = reader
        .records()
        .map(|r| r.expect("a record")[1].to_owned())
        .collect();
    assert!(actions.iter().any(|a| a == "sign_in"), "{actions:?}");
    assert!(actions.iter().any(|a| a == "audit_exported"), "{actions:?}");
    browser.phone_size().await;
    browser.screenshot("audit-trail-phone").await;

    browser.sign_out().await;
    browser.sign_in(&app, &p.provider.account()).await;
    browser
        .client
        .goto(&app.url("/admin/audit"))
        .await
        .expect("open the audit page");
    browser
        .wait_for_text(".form-error", "owners and admins")
        .await;
    browser.close().await;
}

/// Moves the page's clock (the Performance API the app reads) `seconds` ahead of real time.
async fn move_clock(browser: &Browser, seconds: u64) {
    browser
        .client
        .execute(
            "window.__realNow = window.__realNow || performance.now.bind(performance); \
             const ahead = arguments[0] * 1000; \
             performance.now = () => window.__realNow() + ahead; return null;",
            vec![serde_json::json!(seconds)],
        )
        .await
        .expect("the clock moved");
}

#[tokio::test]
async fn a_minute_before_automatic_logoff_the_page_warns_and_stays_signed_in_on_request() {
    let app = spawn_app_with_web().await;
    let p = app.staffed_practice("Idle Clinic").await;
    let browser = Browser::start().await;
    browser.phone_size().await;
    browser.sign_in(&app, &p.client.account()).await;

    // 29 minutes pass without a key or a tap: the warning comes, and staying works.
    move_clock(&browser, 29 * 60 + 5).await;
    browser
        .wait_for_text("[data-testid=idle-warning]", "signed out in about a minute")
        .await;
    browser.screenshot("idle-warning-phone").await;
    browser.click("[data-testid=stay-signed-in]").await;
    browser.wait_for_absent("[data-testid=idle-warning]").await;
    browser.wait_for_path("/messages").await;

    // Then a whole idle half hour: signed out, with the reason.
    move_clock(&browser, 29 * 60 + 5 + 31 * 60).await;
    browser.wait_for_path("/sign-in").await;
    browser.wait_for_text(".notice", "without activity").await;
    browser.close().await;
}

#[tokio::test]
async fn an_admin_deactivates_a_staff_member_after_a_confirmation_that_says_what_it_means() {
    // R-OFFBOARD
    let app = spawn_app_with_web().await;
    let p = app.staffed_practice("Leaving Clinic").await;
    let browser = Browser::start().await;
    browser.sign_in(&app, &p.admin.account()).await;
    browser
        .client
        .goto(&app.url("/admin/staff"))
        .await
        .expect("open the staff page");
    let cell = format!(
        "[data-testid=staff-access][data-person='{}']",
        p.staff.person.id
    );
    browser
        .click(&format!("{cell} [data-testid=deactivate]"))
        .await;
    browser
        .wait_for_text(
            &format!("{cell} [data-testid=confirm-panel]"),
            "signed out of every device at once",
        )
        .await;
    browser.screenshot("staff-deactivate-confirm").await;
    assert_eq!(
        app.get_as(&p.staff.token, "/api/v1/me").await.status(),
        200,
        "nothing happens before the confirmation"
    );
    browser
        .click(&format!("{cell} [data-testid=confirm-delete]"))
        .await;
    browser.wait_for_text(&cell, "Deactivated").await;
    browser
        .wait_for_text(".notice", "signed out everywhere")
        .await;
    assert_eq!(app.get_as(&p.staff.token, "/api/v1/me").await.status(), 401);
    browser.screenshot("staff-deactivated").await;
    browser.close().await;
}
