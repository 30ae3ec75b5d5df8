//! Account pages in a real browser (R-RESET, R-SESSIONS): "Forgot password?" from the
//! sign-in page to a new password from the emailed link, and on "Your account" ending another
//! session and changing the password.

use confidant_tests::app::spawn_app_with_web;
use confidant_tests::browser::Browser;
use confidant_tests::fixtures::{Account, PASSWORD};

const NEW_PASSWORD: &str = "lantern violet ocean harbour";

#[tokio::test]
async fn a_forgotten_password_is_reset_from_the_sign_in_page() {
    let app = spawn_app_with_web().await;
    let p = app.staffed_practice("Forgot Clinic").await;
    let browser = Browser::start().await;
    browser
        .client
        .goto(&app.url("/sign-in"))
        .await
        .expect("open sign-in");
    browser.click("[data-testid=forgot-password]").await;
    browser.wait_for_path("/forgot-password").await;
    browser
        .fill("input[name=email]", &p.client.person.email)
        .await;
    browser.click("button[type=submit]").await;
    browser
        .wait_for_text("[data-testid=reset-sent]", "If an account uses this email")
        .await;
    browser.screenshot("forgot-password-sent").await;

    let token = app.token_from_mail(&p.client.person.email).await;
    browser
        .client
        .goto(&app.url(&format!("/reset-password#token={token}")))
        .await
        .expect("open the reset link");
    browser.fill("input[name=password]", "Password123!").await;
    browser.fill("input[name=repeat]", "Password123!").await;
    browser.click("button[type=submit]").await;
    browser
        .wait_for_text("[data-testid=form-error]", "too easy to guess")
        .await;
    browser.screenshot("reset-password-weak").await;
    browser.fill("input[name=password]", NEW_PASSWORD).await;
    browser.fill("input[name=repeat]", NEW_PASSWORD).await;
    browser.click("button[type=submit]").await;
    browser.wait_for_path("/sign-in").await;
    browser
        .wait_for_text(".notice", "Your password was changed")
        .await;
    browser
        .sign_in(
            &app,
            &Account {
                id: p.client.person.id,
                email: p.client.person.email.clone(),
                password: NEW_PASSWORD.to_owned(),
            },
        )
        .await;
    browser.close().await;
}

#[tokio::test]
async fn a_signed_in_person_changes_their_password_on_the_account_page() {
    let app = spawn_app_with_web().await;
    let p = app.staffed_practice("Account Clinic").await;
    let browser = Browser::start().await;
    browser.phone_size().await;
    browser.sign_in(&app, &p.provider.account()).await;
    browser
        .client
        .goto(&app.url("/account"))
        .await
        .expect("open the account page");
    // R-SESSIONS: the fixture's own sign-in shows beside this browser's; end it from here.
    browser.wait_for_count("[data-testid=session]", 2).await;
    browser
        .wait_for("[data-testid=session][data-current=true]")
        .await;
    browser.click("[data-testid=end-session]").await;
    browser.wait_for_count("[data-testid=session]", 1).await;
    assert_eq!(
        app.get_as(&p.provider.token, "/api/v1/me").await.status(),
        401,
        "the other session ended at once"
    );
    browser.screenshot("account-sessions-phone").await;

    browser.fill("input[name=current]", "not my password").await;
    browser.fill("input[name=password]", NEW_PASSWORD).await;
    browser.fill("input[name=repeat]", NEW_PASSWORD).await;
    browser
        .click("[data-testid=change-password] button[type=submit]")
        .await;
    browser
        .wait_for_text("[data-testid=form-error]", "not your current password")
        .await;
    browser.fill("input[name=current]", PASSWORD).await;
    browser
        .click("[data-testid=change-password] button[type=submit]")
        .await;
    browser
        .wait_for_text(
            "[data-testid=password-changed]",
            "Your password was changed",
        )
        .await;
    browser.screenshot("account-password-changed-phone").await;
    // Still signed in (with the fresh session), and the old password no longer works.
    browser.wait_for_path("/account").await;
    assert_eq!(
        app.login(&p.provider.person.email, PASSWORD).await.status(),
        401
    );
    assert_eq!(
        app.login(&p.provider.person.email, NEW_PASSWORD)
            .await
            .status(),
        200
    );
    browser.close().await;
}
