//! `GET /metrics` for operators: off without a token, closed to anyone without it, and with
//! it the figures an operator watches (requests by route, the job queue, job attempts, SMTP
//! sends, the database pool), labelled without a trace of anyone's data.
//!
//! The recorder is process-wide and every test of this binary records into it, so these
//! tests look for series and their growth, never for exact totals.

use confidant_tests::fixtures::StaffedPractice;
use confidant_tests::{TestApp, spawn_app, spawn_app_with};
use reqwest::Method;
use serde_json::json;

const TOKEN: &str = "metrics-token-for-the-tests-0123456789";

async fn with_metrics() -> TestApp {
    spawn_app_with(&[("CONFIDANT_METRICS_TOKEN", TOKEN.to_owned())]).await
}

async fn scrape(app: &TestApp) -> String {
    let response = app
        .client
        .get(app.url("/metrics"))
        .bearer_auth(TOKEN)
        .send()
        .await
        .expect("an answer");
    assert_eq!(response.status(), 200);
    let media = response.headers()["content-type"]
        .to_str()
        .expect("a media type")
        .to_owned();
    assert!(media.starts_with("text/plain; version=0.0.4"), "{media}");
    response.text().await.expect("the metrics")
}

/// The value of the series whose line starts with `series` (name and labels, as rendered).
fn value(metrics: &str, series: &str) -> Option<f64> {
    metrics
        .lines()
        .find(|line| line.starts_with(series))
        .and_then(|line| line.rsplit(' ').next())
        .and_then(|value| value.parse().ok())
}

#[tokio::test]
async fn metrics_are_off_without_a_token_and_closed_to_anyone_without_it() {
    let off = spawn_app().await;
    assert_eq!(off.get("/metrics").await.status(), 401);
    let response = off
        .client
        .get(off.url("/metrics"))
        .bearer_auth(TOKEN)
        .send()
        .await
        .expect("an answer");
    assert_eq!(response.status(), 404);
    let problem: serde_json::Value = response.json().await.expect("a problem");
    assert!(
        problem["detail"]
            .as_str()
            .is_some_and(|detail| detail.contains("CONFIDANT_METRICS_TOKEN")),
        "{problem}"
    );

    let app = with_metrics().await;
    let practice: StaffedPractice = app.staffed_practice("Metrics Clinic").await;
    let anonymous = app.get("/metrics").await;
    assert_eq!(anonymous.status(), 401);
    assert!(anonymous.headers().contains_key("www-authenticate"));
    for wrong in [
        "not-the-token-at-all-0123456789",
        &TOKEN[..TOKEN.len() - 1],
        // A person's own access token opens the API, not the operator's metrics.
        &practice.owner.token,
    ] {
        let response = app
            .client
            .get(app.url("/metrics"))
            .bearer_auth(wrong)
            .send()
            .await
            .expect("an answer");
        assert_eq!(response.status(), 401);
        let problem: serde_json::Value = response.json().await.expect("a problem");
        assert_eq!(problem["code"], "unauthorized", "{problem}");
    }
}

#[tokio::test]
async fn a_too_short_metrics_token_is_refused_at_startup() {
    let config = confidant::config::Config::from_lookup(|name| {
        (name == "CONFIDANT_METRICS_TOKEN").then(|| "short".to_owned())
    });
    let error = config
        .expect_err("a 5-character token is refused")
        .to_string();
    assert!(error.contains("CONFIDANT_METRICS_TOKEN"), "{error}");
}

#[tokio::test]
async fn requests_jobs_email_and_the_pool_are_measured_without_personal_labels() {
    let app = with_metrics().await;
    let p: StaffedPractice = app.staffed_practice("Metrics Clinic").await;
    app.run_jobs().await;
    // A thread to the client (who has a portal account): its email waits in the queue.
    let subject = "Lab results for Cleo";
    let created = app
        .send_as(
            Method::POST,
            &p.provider.token,
            "/api/v1/conversations",
            Some(json!({
                "recipients": [{"type": "person", "id": p.client.person.id}],
                "subject": subject,
                "body": "Your iron is low.",
            })),
        )
        .await;
    assert_eq!(created.status(), 201);
    let thread: serde_json::Value = created.json().await.expect("a thread");
    let thread_id = thread["id"].as_str().expect("an id").to_owned();
    let opened = app
        .get_as(
            &p.client.token,
            &format!("/api/v1/conversations/{thread_id}"),
        )
        .await;
    assert_eq!(opened.status(), 200);

    let before = scrape(&app).await;
    let route = "route=\"/api/v1/conversations/{id}\"";
    let opened_series = format!(
        "confidant_http_request_duration_seconds_count{{method=\"GET\",{route},status=\"200\"}}"
    );
    assert!(
        value(&before, &opened_series).is_some_and(|count| count >= 1.0),
        "the open is counted under its route pattern:\n{before}"
    );
    assert!(
        before.contains("confidant_http_request_duration_seconds_bucket{method=\"POST\",route=\"/api/v1/conversations\",status=\"201\",le=\"0.005\"}"),
        "latency is a histogram with buckets"
    );
    let queued =
        "confidant_jobs_queued{kind=\"send_message_notification\",lane=\"mail\",state=\"due\"}";
    assert!(
        value(&before, queued).is_some_and(|jobs| jobs >= 1.0),
        "the email waits in the queue:\n{before}"
    );
    assert!(
        value(
            &before,
            "confidant_job_oldest_due_age_seconds{kind=\"send_message_notification\"}"
        )
        .is_some(),
        "the oldest due job's age is given"
    );
    assert_eq!(value(&before, "confidant_database_up"), Some(1.0));
    assert!(value(&before, "confidant_db_pool_max_connections").is_some_and(|max| max >= 1.0));
    assert!(value(&before, "confidant_db_pool_connections{state=\"in_use\"}").is_some());
    assert!(value(&before, "confidant_db_pool_waiting").is_some());

    let sent_series = "confidant_smtp_sends_total{outcome=\"sent\"}";
    let sent_before = value(&before, sent_series).unwrap_or(0.0);
    assert!(app.run_jobs().await >= 1);
    app.mail
        .wait_for(1, std::time::Duration::from_secs(10))
        .await;
    let after = scrape(&app).await;
    assert!(
        value(&after, sent_series).is_some_and(|sent| sent > sent_before),
        "the email is counted as sent"
    );
    assert!(
        after.contains("confidant_smtp_send_duration_seconds_bucket{outcome=\"sent\""),
        "SMTP latency is a histogram"
    );
    assert!(
        value(
            &after,
            "confidant_job_attempts_total{kind=\"send_message_notification\",outcome=\"completed\"}"
        )
        .is_some_and(|attempts| attempts >= 1.0)
    );

    // Nothing about anyone: no ids, names, addresses or words from the thread.
    for secret in [
        thread_id.as_str(),
        &p.client.person.id.to_string(),
        &p.client.person.email,
        &p.client.person.name,
        subject,
        "iron",
        "Metrics Clinic",
    ] {
        assert!(!after.contains(secret), "the metrics mention {secret:?}");
    }
}

#[tokio::test]
async fn unmatched_addresses_and_made_up_methods_add_no_series_of_their_own() {
    let app = with_metrics().await;
    for path in [
        "/api/v1/no-such-thing/8a4c6b7e-0000-4000-8000-000000000001",
        "/favicon-made-up.ico",
    ] {
        app.get(path).await;
    }
    let odd = Method::from_bytes(b"BREW").expect("a method");
    app.client
        .request(odd, app.url("/api/v1/conversations"))
        .send()
        .await
        .expect("an answer");
    let metrics = scrape(&app).await;
    assert!(!metrics.contains("no-such-thing"));
    assert!(!metrics.contains("8a4c6b7e"));
    assert!(!metrics.contains("favicon-made-up"));
    assert!(!metrics.contains("BREW"));
    assert!(metrics.contains("route=\"unmatched\""));
    assert!(metrics.contains("method=\"other\""));
}
