//! Webhook endpoints (R-WEBHOOK): owners and admins register them; a URL that leads to a
//! private, loopback or metadata address is refused; the signing secret is shown once and
//! kept sealed.

use confidant_openapi::Problem;
use confidant_openapi::webhooks::{CreatedWebhook, Webhook, WebhookList};
use confidant_tests::spawn_app;
use diesel::QueryableByName;
use diesel_async::RunQueryDsl;
use reqwest::Method;
use serde_json::json;

#[derive(QueryableByName)]
struct Row {
    #[diesel(sql_type = diesel::sql_types::Text)]
    json: String,
}

#[tokio::test]
async fn admins_register_public_endpoints_only_and_the_secret_is_shown_once() {
    // R-WEBHOOK
    let app = spawn_app().await;
    let p = app.staffed_practice("Hook Clinic").await;
    for url in [
        "http://127.0.0.1:9000/hook",
        "http://localhost/hook",
        "http://169.254.169.254/latest/meta-data/",
        "http://10.0.0.7/hook",
        "http://[::1]/hook",
        "http://[fd00::1]/hook",
        "ftp://93.184.216.34/hook",
        "https://user:secret@93.184.216.34/hook",
    ] {
        let refused = app
            .send_as(
                Method::POST,
                &p.admin.token,
                "/api/v1/webhooks",
                Some(json!({"url": url, "events": ["message.created"]})),
            )
            .await;
        assert_eq!(refused.status(), 422, "{url}");
        let problem: Problem = refused.json().await.expect("a problem");
        assert!(
            problem.errors.is_some_and(|e| e.contains_key("url")),
            "{url}"
        );
    }

    // A public address (a literal, so that the test needs no DNS).
    let created = app
        .send_as(
            Method::POST,
            &p.admin.token,
            "/api/v1/webhooks",
            Some(json!({"url": "https://93.184.216.34/hook", "events": ["message.created", "person.updated"]})),
        )
        .await;
    assert_eq!(created.status(), 201);
    let created: CreatedWebhook = created.json().await.expect("an endpoint");
    assert!(created.secret.starts_with("whsec_"));
    assert!(created.webhook.enabled);
    let mut conn = app.database.connect().await;
    let rows: Vec<Row> =
        diesel::sql_query("SELECT row_to_json(w)::text AS json FROM webhook_endpoints w")
            .load(&mut conn)
            .await
            .expect("rows");
    assert_eq!(rows.len(), 1);
    let secret_part = created.secret.trim_start_matches("whsec_");
    assert!(!rows[0].json.contains(secret_part), "the secret is sealed");

    // Paused, changed, listed; a URL changed to a private one is refused.
    let path = format!("/api/v1/webhooks/{}", created.webhook.id);
    let paused = app
        .send_as(
            Method::PATCH,
            &p.owner.token,
            &path,
            Some(json!({"enabled": false})),
        )
        .await;
    assert_eq!(paused.status(), 200);
    let paused: Webhook = paused.json().await.expect("an endpoint");
    assert!(!paused.enabled);
    let rebound = app
        .send_as(
            Method::PATCH,
            &p.owner.token,
            &path,
            Some(json!({"url": "http://192.168.0.10/hook"})),
        )
        .await;
    assert_eq!(rebound.status(), 422);
    let list: WebhookList = app
        .get_as(&p.admin.token, "/api/v1/webhooks")
        .await
        .json()
        .await
        .expect("endpoints");
    assert_eq!(list.items.len(), 1);
    assert_eq!(list.items[0].url, "https://93.184.216.34/hook");

    // Nobody else sees or changes it.
    let other = app.staffed_practice("Hook Elsewhere").await;
    for (token, status) in [
        (&p.provider.token, 403),
        (&p.client.token, 403),
        (&other.admin.token, 404),
    ] {
        let response = app.send_as(Method::DELETE, token, &path, None).await;
        assert_eq!(response.status(), status);
    }
    let theirs: WebhookList = app
        .get_as(&other.admin.token, "/api/v1/webhooks")
        .await
        .json()
        .await
        .expect("endpoints");
    assert!(theirs.items.is_empty());
    let removed = app
        .send_as(Method::DELETE, &p.admin.token, &path, None)
        .await;
    assert_eq!(removed.status(), 204);
}
