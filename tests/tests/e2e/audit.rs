//! The audit trail for owners and admins (R-AUDIT-READ): reads, sign-ins, failures,
//! deactivation and MFA changes, filtered and paged, and exported as CSV that a CSV parser
//! reads; never message content; nobody else reads it.

use confidant_openapi::audit::{AuditEvent, AuditEventPage};
use confidant_openapi::conversations::Conversation;
use confidant_openapi::me::TotpEnrolment;
use confidant_tests::spawn_app;
use reqwest::Method;
use serde_json::json;
use totp_rs::{Builder, Secret};

const SUBJECT: &str = "Medication side effects";
const BODY: &str = "The new dose makes me dizzy in the mornings.";

#[tokio::test]
async fn owners_and_admins_read_and_export_who_did_what_without_content() {
    // R-AUDIT-READ
    let app = spawn_app().await;
    let p = app.staffed_practice("Audit Clinic").await;
    let other = app.staffed_practice("Audit Elsewhere").await;

    // What the trail should show: a failed and a good sign-in, a thread read, an MFA
    // enrolment, a deactivation.
    let provider = p.provider.account();
    assert_eq!(
        app.login(&provider.email, "not the password")
            .await
            .status(),
        401
    );
    app.sign_in(&provider).await;
    let sent = app
        .send_as(
            Method::POST,
            &p.client.token,
            "/api/v1/conversations",
            Some(json!({
                "recipients": [{"type": "person", "id": p.provider.person.id}],
                "subject": SUBJECT,
                "body": BODY,
            })),
        )
        .await;
    assert_eq!(sent.status(), 201);
    let thread: Conversation = sent.json().await.expect("a thread");
    let read = app
        .get_as(
            &p.provider.token,
            &format!("/api/v1/conversations/{}", thread.id),
        )
        .await;
    assert_eq!(read.status(), 200);
    let enrolment: TotpEnrolment = app
        .send_as(Method::POST, &p.staff.token, "/api/v1/me/mfa/totp", None)
        .await
        .json()
        .await
        .expect("an enrolment");
    let totp = Builder::new()
        .with_secret(Secret::try_from_base32(&enrolment.secret).expect("base32"))
        .build()
        .expect("a secret");
    let now = u64::try_from(chrono::Utc::now().timestamp()).expect("positive");
    let confirmed = app
        .send_as(
            Method::POST,
            &p.staff.token,
            "/api/v1/me/mfa/totp/confirm",
            Some(json!({"code": totp.generate(now).to_string()})),
        )
        .await;
    assert_eq!(confirmed.status(), 200);
    let deactivated = app
        .send_as(
            Method::PATCH,
            &p.admin.token,
            &format!("/api/v1/people/{}", p.staff.person.id),
            Some(json!({"status": "deactivated"})),
        )
        .await;
    assert_eq!(deactivated.status(), 200);

    let all = page(&app, &p.owner.token, "limit=200").await;
    let has = |action: &str, check: &dyn Fn(&AuditEvent) -> bool| {
        all.items.iter().any(|e| e.action == action && check(e))
    };
    assert!(has("sign_in_failed", &|e| e.target_id
        == Some(p.provider.person.id)));
    assert!(has("sign_in", &|e| e.actor_id
        == Some(p.provider.person.id)
        && e.source_address.is_some()));
    assert!(has("conversation_read", &|e| {
        e.actor_id == Some(p.provider.person.id)
            && e.target_id == Some(thread.id)
            && e.actor_name.as_deref() == Some(p.provider.person.name.as_str())
            && e.source_address.as_deref() == Some("127.0.0.1")
    }));
    assert!(has("mfa_enabled", &|e| e.actor_id == Some(p.staff.person.id)));
    assert!(has("staff_deactivated", &|e| {
        e.actor_id == Some(p.admin.person.id) && e.target_id == Some(p.staff.person.id)
    }));
    let text = serde_json::to_string(&all.items).expect("json");
    for secret in [SUBJECT, BODY, provider.email.as_str(), "not the password"] {
        assert!(!text.contains(secret), "the trail holds {secret:?}");
    }
    assert!(
        all.items
            .windows(2)
            .all(|w| w[0].created_at >= w[1].created_at),
        "newest first"
    );

    // Filters and pages.
    let reads = page(&app, &p.admin.token, "action=conversation_read").await;
    assert!(!reads.items.is_empty());
    assert!(reads.items.iter().all(|e| e.action == "conversation_read"));
    let by_actor = page(
        &app,
        &p.admin.token,
        &format!("actor_id={}", p.provider.person.id),
    )
    .await;
    assert!(
        by_actor
            .items
            .iter()
            .all(|e| e.actor_id == Some(p.provider.person.id))
    );
    let on_thread = page(&app, &p.admin.token, &format!("target_id={}", thread.id)).await;
    assert!(
        on_thread
            .items
            .iter()
            .all(|e| e.target_id == Some(thread.id))
    );
    let future = page(&app, &p.admin.token, "from=2999-01-01T00:00:00Z").await;
    assert!(future.items.is_empty());
    let first = page(&app, &p.admin.token, "limit=2").await;
    let cursor = first.next_cursor.clone().expect("more pages");
    let second = page(&app, &p.admin.token, &format!("limit=2&cursor={cursor}")).await;
    assert_eq!(second.items.len(), 2);
    assert!(
        second
            .items
            .iter()
            .all(|e| first.items.iter().all(|f| f.id != e.id))
    );
    assert_eq!(
        [&first.items[..], &second.items[..]].concat(),
        all.items[..4].to_vec()
    );

    // The export: CSV a parser reads, the same events plus the export itself.
    let response = app
        .get_as(&p.owner.token, "/api/v1/audit-events/export")
        .await;
    assert_eq!(response.status(), 200);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .expect("text")
            .starts_with("text/csv")
    );
    let body = response.text().await.expect("csv");
    let mut reader = csv::Reader::from_reader(body.as_bytes());
    let headers = reader.headers().expect("a header row").clone();
    assert_eq!(
        headers.iter().collect::<Vec<_>>(),
        [
            "time",
            "action",
            "actor_id",
            "actor_name",
            "target_type",
            "target_id",
            "source_address",
            "details"
        ]
    );
    let records: Vec<csv::StringRecord> = reader.records().map(|r| r.expect("a record")).collect();
    assert_eq!(records[0].get(1), Some("audit_exported"));
    let exported: Vec<&str> = records[1..].iter().filter_map(|r| r.get(1)).collect();
    let listed: Vec<&str> = all.items.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(exported, listed);
    for secret in [SUBJECT, BODY, provider.email.as_str()] {
        assert!(!body.contains(secret));
    }
    let filtered = app
        .get_as(
            &p.owner.token,
            "/api/v1/audit-events/export?action=staff_deactivated",
        )
        .await
        .text()
        .await
        .expect("csv");
    let rows = csv::Reader::from_reader(filtered.as_bytes())
        .records()
        .count();
    assert_eq!(rows, 1);

    // Nobody else reads it; another practice's admin sees only their own.
    for token in [&p.provider.token, &p.client.token] {
        for path in ["/api/v1/audit-events", "/api/v1/audit-events/export"] {
            assert_eq!(app.get_as(token, path).await.status(), 403, "{path}");
        }
    }
    let stranger = app
        .client
        .get(app.url("/api/v1/audit-events"))
        .send()
        .await
        .expect("an answer");
    assert_eq!(stranger.status(), 401);
    let theirs = page(&app, &other.admin.token, "limit=200").await;
    assert!(
        theirs
            .items
            .iter()
            .all(|e| all.items.iter().all(|mine| mine.id != e.id))
    );

    // Bad filters are named.
    for (query, status) in [
        ("action=reading_minds", 422),
        ("from=2026-02-01T00:00:00Z&to=2026-01-01T00:00:00Z", 422),
        ("cursor=made-up", 400),
        ("limit=0", 422),
    ] {
        let response = app
            .get_as(&p.admin.token, &format!("/api/v1/audit-events?{query}"))
            .await;
        assert_eq!(response.status(), status, "{query}");
    }
}

async fn page(app: &confidant_tests::TestApp, token: &str, query: &str) -> AuditEventPage {
    let response = app
        .get_as(token, &format!("/api/v1/audit-events?{query}"))
        .await;
    assert_eq!(response.status(), 200, "{query}");
    response.json().await.expect("a page")
}
