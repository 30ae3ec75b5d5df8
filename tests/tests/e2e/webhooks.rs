//! Webhooks (R-WEBHOOK): owners and admins register endpoints; a URL that leads to a
//! private, loopback or metadata address is refused; the signing secret is shown once and
//! kept sealed. Deliveries go to a real receiver on loopback: signed, ids only, retried with
//! the same id, every attempt logged; a receiver that hangs times out; an endpoint that fails
//! too long is turned off and its owners emailed; a rotated secret overlaps.

use confidant_openapi::Problem;
use confidant_openapi::webhooks::{
    CreatedWebhook, RotatedWebhookSecret, Webhook, WebhookDeliveryPage, WebhookDeliveryState,
    WebhookDisabledReason, WebhookList,
};
use confidant_tests::fixtures::StaffedPractice;
use confidant_tests::webhook_receiver::WebhookReceiver;
use confidant_tests::{TestApp, spawn_app, spawn_app_with};
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

/// A test server that may send webhooks to loopback (the receiver), with `extra` settings.
async fn app_for_receivers(extra: &[(&str, String)]) -> TestApp {
    let mut settings = vec![(
        "CONFIDANT_WEBHOOK_ALLOW_PRIVATE_NETWORKS",
        "true".to_owned(),
    )];
    settings.extend(extra.iter().cloned());
    spawn_app_with(&settings).await
}

/// Registers `url` for `events` as the practice's admin.
async fn register(
    app: &TestApp,
    p: &StaffedPractice,
    url: &str,
    events: &[&str],
) -> CreatedWebhook {
    let created = app
        .send_as(
            Method::POST,
            &p.admin.token,
            "/api/v1/webhooks",
            Some(json!({"url": url, "events": events})),
        )
        .await;
    assert_eq!(created.status(), 201);
    created.json().await.expect("an endpoint")
}

async fn deliveries(app: &TestApp, token: &str, webhook: &Webhook) -> WebhookDeliveryPage {
    let page = app
        .get_as(
            token,
            &format!("/api/v1/webhooks/{}/deliveries", webhook.id),
        )
        .await;
    assert_eq!(page.status(), 200);
    page.json().await.expect("deliveries")
}

/// `POST /api/v1/webhooks/{id}/test` as the holder of `token`: the answer's status.
async fn send_test(app: &TestApp, token: &str, id: uuid::Uuid) -> reqwest::StatusCode {
    app.send_as(
        Method::POST,
        token,
        &format!("/api/v1/webhooks/{id}/test"),
        None,
    )
    .await
    .status()
}

/// Makes the retries that are scheduled for later due now, and runs them.
async fn run_retries_now(app: &TestApp) -> usize {
    let mut conn = app.database.connect().await;
    diesel::sql_query("UPDATE jobs SET run_at = now() WHERE state = 'available'")
        .execute(&mut conn)
        .await
        .expect("retries made due");
    app.run_jobs().await
}

#[tokio::test]
async fn deliveries_are_signed_hold_ids_only_and_a_failure_is_retried_with_the_same_id() {
    // R-WEBHOOK
    let app = app_for_receivers(&[]).await;
    let p = app.staffed_practice("Delivery Clinic").await;
    // The first delivery it gets fails; the rest succeed.
    let receiver = WebhookReceiver::answering(&[503]).await;
    let all = [
        "conversation.created",
        "message.created",
        "message.deleted",
        "conversation.deleted",
        "blast.completed",
        "person.created",
        "person.updated",
    ];
    let created = register(&app, &p, &receiver.url, &all).await;

    // Content that must never leave: a subject, a body, a name, an address.
    let subject = "Biopsy results for Ada";
    let body = "The margins are clear, Ada.";
    app.start_thread(&p.provider, p.client.person.id, subject, body)
        .await;
    let added = app
        .add_person(
            &p.admin.token,
            json!({"kind": "client", "name": "Zebedee Quill", "email": "zebedee@example.net"}),
        )
        .await;
    app.run_jobs().await;
    let first = receiver.received();
    assert_eq!(first.len(), 2, "one delivery per event");

    // The failed one is retried: the same webhook-id, a fresh signature.
    assert_eq!(run_retries_now(&app).await, 1);
    let all_received = receiver.received();
    assert_eq!(all_received.len(), 3);
    let retried = &all_received[2];
    assert_eq!(retried.header("webhook-id"), first[0].header("webhook-id"));
    assert_eq!(retried.body, first[0].body, "the same body, byte for byte");

    for delivery in &all_received {
        assert!(delivery.verifies_with(&created.secret), "{delivery:?}");
        assert!(!delivery.verifies_with("whsec_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="));
        assert!(delivery.header("webhook-id").starts_with("msg_"));
        assert_eq!(delivery.header("content-type"), "application/json");
        for secret_text in [subject, body, "Ada", "Zebedee", "zebedee@example.net"] {
            assert!(!delivery.body.contains(secret_text), "{}", delivery.body);
        }
        for name in [&p.client.person.name, &p.provider.person.name] {
            assert!(!delivery.body.contains(name.as_str()), "{}", delivery.body);
        }
    }
    let types: Vec<String> = all_received[..2]
        .iter()
        .map(|delivery| {
            delivery.json()["type"]
                .as_str()
                .unwrap_or_default()
                .to_owned()
        })
        .collect();
    assert!(
        types.contains(&"conversation.created".to_owned()),
        "{types:?}"
    );
    assert!(types.contains(&"person.created".to_owned()), "{types:?}");
    let person_created = all_received
        .iter()
        .find(|delivery| delivery.json()["type"] == "person.created")
        .expect("person.created");
    assert_eq!(
        person_created.json()["data"]["person_id"],
        added.id.to_string()
    );

    // The log shows both attempts of the retried delivery, then nothing pending.
    let log = deliveries(&app, &p.owner.token, &created.webhook).await;
    assert_eq!(log.items.len(), 2);
    let retried_log = log
        .items
        .iter()
        .find(|delivery| delivery.id == retried.header("webhook-id"))
        .expect("the retried delivery in the log");
    assert_eq!(retried_log.state, WebhookDeliveryState::Delivered);
    assert_eq!(retried_log.attempts.len(), 2);
    assert_eq!(retried_log.attempts[0].status_code, Some(503));
    assert!(
        retried_log.attempts[0]
            .error
            .as_deref()
            .is_some_and(|e| e.contains("503"))
    );
    assert_eq!(retried_log.attempts[1].status_code, Some(200));
    assert_eq!(retried_log.attempts[1].error, None);
    assert_eq!(retried_log.next_attempt_at, None);

    // Nothing else in the database holds content for webhooks.
    let stored = app
        .count("SELECT count(*) AS n FROM webhook_deliveries WHERE body LIKE '%Biopsy%' OR body LIKE '%Ada%'")
        .await;
    assert_eq!(stored, 0);
}

#[tokio::test]
async fn the_log_test_and_rotation_are_for_the_practices_owners_and_admins_only() {
    // R-WEBHOOK
    let app = app_for_receivers(&[]).await;
    let p = app.staffed_practice("Guarded Hooks").await;
    let other = app.staffed_practice("Other Hooks").await;
    let receiver = WebhookReceiver::answering(&[]).await;
    let created = register(&app, &p, &receiver.url, &["message.created"]).await;
    let id = created.webhook.id;
    for path in [
        format!("/api/v1/webhooks/{id}/deliveries"),
        format!("/api/v1/webhooks/{id}/test"),
        format!("/api/v1/webhooks/{id}/rotate-secret"),
    ] {
        let method = if path.ends_with("deliveries") {
            Method::GET
        } else {
            Method::POST
        };
        for (token, status) in [
            (p.provider.token.as_str(), 403),
            (p.staff.token.as_str(), 403),
            (p.client.token.as_str(), 403),
            (other.admin.token.as_str(), 404),
            (other.owner.token.as_str(), 404),
            ("not-a-token", 401),
        ] {
            let response = app.send_as(method.clone(), token, &path, None).await;
            assert_eq!(response.status(), status, "{path}");
            let problem: Problem = response.json().await.expect("a problem");
            assert!(!problem.title.is_empty());
        }
    }
    assert_eq!(
        app.count("SELECT count(*) AS n FROM webhook_deliveries")
            .await,
        0
    );
    assert!(receiver.received().is_empty());
}

#[tokio::test]
async fn a_test_delivery_arrives_and_a_rotated_secret_signs_alongside_the_new_one() {
    // R-WEBHOOK
    let app = app_for_receivers(&[]).await;
    let p = app.staffed_practice("Rotating Clinic").await;
    let receiver = WebhookReceiver::answering(&[]).await;
    let created = register(&app, &p, &receiver.url, &["person.updated"]).await;
    let id = created.webhook.id;
    assert_eq!(send_test(&app, &p.admin.token, id).await, 202);
    app.run_jobs().await;
    let got = receiver.received();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].json()["type"], "webhook.test");
    assert_eq!(got[0].json()["data"]["webhook_id"], id.to_string());
    assert!(got[0].verifies_with(&created.secret));

    let rotated = app
        .send_as(
            Method::POST,
            &p.owner.token,
            &format!("/api/v1/webhooks/{id}/rotate-secret"),
            None,
        )
        .await;
    assert_eq!(rotated.status(), 200);
    let rotated: RotatedWebhookSecret = rotated.json().await.expect("a new secret");
    assert_ne!(rotated.secret, created.secret);
    let listed: WebhookList = app
        .get_as(&p.admin.token, "/api/v1/webhooks")
        .await
        .json()
        .await
        .expect("endpoints");
    assert_eq!(
        listed.items[0].previous_secret_expires_at,
        Some(rotated.previous_secret_expires_at)
    );
    assert_eq!(send_test(&app, &p.admin.token, id).await, 202);
    app.run_jobs().await;
    let after = &receiver.received()[1];
    assert!(after.verifies_with(&rotated.secret), "the new secret");
    assert!(
        after.verifies_with(&created.secret),
        "the old one, during the overlap"
    );
    assert_eq!(after.header("webhook-signature").split(' ').count(), 2);

    // A paused endpoint takes no test.
    let paused = app
        .send_as(
            Method::PATCH,
            &p.admin.token,
            &format!("/api/v1/webhooks/{id}"),
            Some(json!({"enabled": false})),
        )
        .await;
    let paused: Webhook = paused.json().await.expect("an endpoint");
    assert_eq!(paused.disabled_reason, Some(WebhookDisabledReason::Paused));
    assert_eq!(send_test(&app, &p.admin.token, id).await, 409);
}

#[tokio::test]
async fn a_receiver_that_never_answers_times_out_and_is_retried_later() {
    // R-WEBHOOK: every wait has a deadline — a receiver that accepts and never answers costs
    // one attempt of 10 s, not a worker.
    let app = app_for_receivers(&[]).await;
    let p = app.staffed_practice("Silent Receiver").await;
    let receiver = WebhookReceiver::hanging().await;
    let created = register(&app, &p, &receiver.url, &["person.updated"]).await;
    assert_eq!(
        send_test(&app, &p.admin.token, created.webhook.id).await,
        202
    );
    let started = std::time::Instant::now();
    app.run_jobs().await;
    let took = started.elapsed();
    assert!(took >= std::time::Duration::from_secs(10), "{took:?}");
    assert!(took < std::time::Duration::from_secs(30), "{took:?}");
    assert_eq!(receiver.received().len(), 1);
    let log = deliveries(&app, &p.admin.token, &created.webhook).await;
    let delivery = &log.items[0];
    assert_eq!(delivery.state, WebhookDeliveryState::Pending);
    assert_eq!(delivery.attempts.len(), 1);
    assert_eq!(delivery.attempts[0].status_code, None);
    assert_eq!(
        delivery.attempts[0].error.as_deref(),
        Some("no answer within 10 s")
    );
    assert!(delivery.attempts[0].duration_ms >= 10_000);
    let next = delivery.next_attempt_at.expect("a retry is scheduled");
    let wait = next - delivery.attempts[0].attempted_at;
    assert!(
        wait.num_seconds() >= 14 && wait.num_seconds() <= 20,
        "{wait}"
    );
}

#[tokio::test]
async fn without_the_allow_setting_a_delivery_to_a_private_address_is_not_sent() {
    // R-WEBHOOK: the address is checked again at delivery, so a name that resolved publicly
    // at registration and privately now (DNS rebinding) reaches nothing.
    let app = spawn_app().await;
    let p = app.staffed_practice("Rebinding Clinic").await;
    let receiver = WebhookReceiver::answering(&[]).await;
    let created = register(&app, &p, "https://93.184.216.34/hook", &["person.updated"]).await;
    let mut conn = app.database.connect().await;
    diesel::sql_query("UPDATE webhook_endpoints SET url = $1")
        .bind::<diesel::sql_types::Text, _>(&receiver.url)
        .execute(&mut conn)
        .await
        .expect("the name now resolves to loopback");
    assert_eq!(
        send_test(&app, &p.admin.token, created.webhook.id).await,
        202
    );
    app.run_jobs().await;
    assert!(receiver.received().is_empty(), "nothing reached loopback");
    let log = deliveries(&app, &p.admin.token, &created.webhook).await;
    let attempt = &log.items[0].attempts[0];
    assert_eq!(attempt.status_code, None);
    assert!(
        attempt
            .error
            .as_deref()
            .is_some_and(|e| e.starts_with("not sent:") && e.contains("private")),
        "{attempt:?}"
    );
}

#[tokio::test]
async fn an_endpoint_that_keeps_failing_is_turned_off_and_the_owners_are_told() {
    // R-WEBHOOK (with the limit at 0 hours: the first failure is "too long")
    let app = app_for_receivers(&[("CONFIDANT_WEBHOOK_DISABLE_AFTER_HOURS", "0".to_owned())]).await;
    let p = app.staffed_practice("Failing Clinic").await;
    let receiver = WebhookReceiver::answering(&[500, 500, 500]).await;
    let created = register(
        &app,
        &p,
        &receiver.url,
        &["person.updated", "person.created"],
    )
    .await;
    app.add_person(
        &p.admin.token,
        json!({"kind": "client", "name": "Pending Person", "email": "pending@example.net"}),
    )
    .await;
    app.run_jobs().await;
    assert_eq!(receiver.received().len(), 1);
    let listed: WebhookList = app
        .get_as(&p.admin.token, "/api/v1/webhooks")
        .await
        .json()
        .await
        .expect("endpoints");
    let endpoint = &listed.items[0];
    assert!(!endpoint.enabled);
    assert_eq!(
        endpoint.disabled_reason,
        Some(WebhookDisabledReason::Failing)
    );
    assert!(endpoint.failing_since.is_some());
    let log = deliveries(&app, &p.admin.token, &created.webhook).await;
    assert_eq!(log.items[0].state, WebhookDeliveryState::Failed);
    assert_eq!(log.items[0].next_attempt_at, None);

    // The owner (only) is emailed, with no address of the endpoint in it.
    let mails: Vec<_> = app
        .mail
        .messages()
        .into_iter()
        .filter(|mail| mail.parse().subject.contains("webhook"))
        .collect();
    assert_eq!(mails.len(), 1);
    assert_eq!(
        mails[0].recipients,
        std::slice::from_ref(&p.owner.person.email)
    );
    let text = mails[0].raw_text();
    assert!(
        !text.contains("127.0.0.1") && !text.contains("/hook"),
        "{text}"
    );

    // Nothing more is sent while it is off; turned on again, it starts afresh.
    assert_eq!(run_retries_now(&app).await, 0);
    assert_eq!(receiver.received().len(), 1);
    let resumed = app
        .send_as(
            Method::PATCH,
            &p.owner.token,
            &format!("/api/v1/webhooks/{}", created.webhook.id),
            Some(json!({"enabled": true})),
        )
        .await;
    let resumed: Webhook = resumed.json().await.expect("an endpoint");
    assert!(resumed.enabled);
    assert_eq!(resumed.disabled_reason, None);
    assert_eq!(resumed.failing_since, None);
}
