//! Integrations in a real browser (R-KEY-SCOPE): a staff member makes an API key with the
//! scope it needs, copies it from the page (shown once), uses it, and revokes it there.

use confidant_tests::app::spawn_app_with_web;
use confidant_tests::browser::Browser;
use reqwest::Method;
use serde_json::json;

#[tokio::test]
async fn a_staff_member_makes_a_read_only_key_uses_it_and_revokes_it() {
    // R-KEY-SCOPE
    let app = spawn_app_with_web().await;
    let p = app.staffed_practice("Integration Clinic").await;
    let browser = Browser::start().await;
    browser.sign_in(&app, &p.provider.account()).await;
    browser.click("[data-testid=nav-integrations]").await;
    browser.wait_for_path("/integrations").await;
    browser
        .fill("input[name=key-name]", "Scheduling sync")
        .await;
    browser.click("[data-testid=create-api-key-submit]").await;
    let key = browser
        .wait_for_text("[data-testid=new-api-key]", "cfk_")
        .await;
    browser.wait_for_count("[data-testid=api-key]", 1).await;
    browser.screenshot("integrations-new-key").await;

    // The key reads (the default scope) and may not write.
    assert_eq!(
        app.get_as(&key, "/api/v1/conversations").await.status(),
        200
    );
    let write = app
        .send_as(
            Method::POST,
            &key,
            "/api/v1/conversations",
            Some(json!({
                "recipients": [{"type": "person", "id": p.client.person.id}],
                "subject": "Hello",
                "body": "From the scheduler.",
            })),
        )
        .await;
    assert_eq!(write.status(), 403);

    browser.click("[data-testid=revoke-api-key]").await;
    browser.wait_for_text(".notice", "revoked").await;
    browser.wait_for_count("[data-testid=api-key]", 0).await;
    assert_eq!(
        app.get_as(&key, "/api/v1/conversations").await.status(),
        401
    );
    browser.phone_size().await;
    browser.screenshot("integrations-phone").await;
    browser.close().await;
}
