//! The web app in a real headless Chromium, served by the real server.

use confidant_tests::app::web_dist_dir;
use confidant_tests::browser::Browser;
use confidant_tests::spawn_app_with;

#[tokio::test]
async fn app_shell_renders_and_reports_the_api_connected() {
    let app = spawn_app_with(&[("CONFIDANT_WEB_DIR", web_dist_dir().display().to_string())]).await;
    let browser = Browser::start().await;
    browser
        .client
        .goto(&app.url("/"))
        .await
        .expect("open the app");

    browser.wait_for("nav.sidebar").await;
    browser
        .wait_for_attribute("[data-testid=api-status]", "data-state", "connected")
        .await;
    let status = browser.wait_for("[data-testid=api-status]").await;
    assert_eq!(status.text().await.expect("text").trim(), "Connected");

    // `/` leads to the inbox, and the menu marks it as the current page.
    let url = browser.client.current_url().await.expect("a URL");
    assert_eq!(url.path(), "/messages");
    let heading = browser.wait_for("main h1").await;
    assert_eq!(heading.text().await.expect("text"), "Messages");
    let current = browser.wait_for("a.nav-link[aria-current=page]").await;
    assert!(current.text().await.expect("text").contains("Messages"));
    browser.assert_no_broken_images().await;
    browser.screenshot("shell-messages").await;

    // A deep link the app does not know shows its own not-found page.
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
    browser.screenshot("shell-not-found").await;

    browser.close().await;
}

#[tokio::test]
async fn status_line_reports_a_database_outage() {
    let app = spawn_app_with(&[("CONFIDANT_WEB_DIR", web_dist_dir().display().to_string())]).await;
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
