//! Integrations in a real browser (R-KEY-SCOPE): a staff member makes an API key with the
//! scope it needs, copies it from the page (shown once), uses it, and revokes it there.
//! (R-WEBHOOK) An admin registers a webhook endpoint there too, sends it a test, and sees the
//! delivery in its log.

use confidant_tests::app::{spawn_app_with_web, web_dist_dir};
use confidant_tests::browser::Browser;
use confidant_tests::spawn_app_with;
use confidant_tests::webhook_receiver::WebhookReceiver;
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

#[tokio::test]
async fn an_admin_registers_a_webhook_sends_a_test_and_sees_the_delivery_in_its_log() {
    // R-WEBHOOK
    let receiver = WebhookReceiver::answering(&[]).await;
    let app = spawn_app_with(&[
        ("CONFIDANT_WEB_DIR", web_dist_dir().display().to_string()),
        // The receiver listens on loopback, where webhooks may not go in production.
        ("CONFIDANT_WEBHOOK_ALLOW_PRIVATE_NETWORKS", "true".into()),
    ])
    .await;
    let p = app.staffed_practice("Webhook Clinic").await;
    let browser = Browser::start().await;
    browser.sign_in(&app, &p.admin.account()).await;
    browser.click("[data-testid=nav-integrations]").await;
    browser.wait_for_path("/integrations").await;

    // A key for the integration, from the same page.
    browser.fill("input[name=key-name]", "EHR sync").await;
    browser.click("[data-testid=create-api-key-submit]").await;
    browser
        .wait_for_text("[data-testid=new-api-key]", "cfk_")
        .await;
    browser
        .wait_for_count("[data-testid=api-keys] [data-testid=api-key]", 1)
        .await;

    // A webhook endpoint: the form asks for at least one event, then takes it and shows
    // the signing secret once.
    browser
        .wait_for_text("[data-testid=webhooks]", "No endpoints yet")
        .await;
    browser.fill("input[name=webhook-url]", &receiver.url).await;
    browser.click("[data-testid=create-webhook-submit]").await;
    browser
        .wait_for_text("[data-testid=webhook-events-error]", "at least one")
        .await;
    browser
        .click(r#"input[name=webhook-event][value="message.created"]"#)
        .await;
    browser.click("[data-testid=create-webhook-submit]").await;
    let secret = browser
        .wait_for_text("[data-testid=new-webhook-secret]", "whsec_")
        .await
        .trim()
        .to_owned();
    assert!(secret.starts_with("whsec_"), "{secret}");
    browser.wait_for_count("[data-testid=webhook]", 1).await;
    browser
        .wait_for_text("[data-testid=webhook]", "message.created")
        .await;
    browser
        .wait_for_text("[data-testid=webhook]", &receiver.url)
        .await;
    browser
        .wait_for_text("[data-testid=webhook]", "No deliveries yet")
        .await;

    // A test: it is queued at once (it shows in the log), sent by the jobs, and the
    // refreshed log says it was delivered.
    browser.click("[data-testid=test-webhook]").await;
    browser
        .wait_for_text("[data-testid=webhook-delivery]", "webhook.test")
        .await;
    app.run_jobs().await;
    browser.click("[data-testid=refresh-deliveries]").await;
    let row = browser
        .wait_for_text(
            "[data-testid=webhook-delivery][data-state=delivered]",
            "webhook.test",
        )
        .await;
    assert!(row.contains("msg_"), "the row shows the webhook-id: {row}");
    assert!(row.contains("HTTP 200"), "the row shows the attempt: {row}");

    let received = receiver.received();
    assert_eq!(received.len(), 1, "exactly one request: {received:?}");
    assert_eq!(received[0].json()["type"], "webhook.test");
    assert!(
        received[0].verifies_with(&secret),
        "signed with the secret the page showed"
    );

    browser.scroll_to("[data-testid=webhook]").await;
    browser.screenshot("integrations-webhooks").await;
    browser.phone_size().await;
    browser.scroll_to("[data-testid=webhook]").await;
    let fits = browser
        .client
        .execute(
            "const s = document.querySelector('[data-testid=webhooks]'); \
             return s.scrollWidth <= s.clientWidth;",
            vec![],
        )
        .await
        .expect("measure the webhooks section");
    assert_eq!(
        fits,
        serde_json::Value::Bool(true),
        "the webhooks section scrolls sideways on a phone"
    );
    browser.screenshot("integrations-webhooks-phone").await;
    browser.close().await;
}
