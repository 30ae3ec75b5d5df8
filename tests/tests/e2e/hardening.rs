//! What an outside probe found, each finding as a test that failed before its fix: memory a
//! stranger could exhaust, an admin's silent takeover, an account oracle, throttles that
//! raced or locked the wrong person out, reversible email hashes, unbounded uploads
//! (R-BOUNDED, R-NO-TAKEOVER, R-NO-ORACLE, R-HEADERS).

use std::net::{IpAddr, Ipv4Addr};
use std::time::Duration;

use confidant_openapi::people::Person;
use confidant_openapi::{Problem, ProblemCode};
use confidant_tests::binary::ServerProcess;
use confidant_tests::files::text;
use confidant_tests::fixtures::PASSWORD;
use confidant_tests::{TestApp, spawn_app, spawn_app_with};
use diesel_async::RunQueryDsl;
use futures_util::future::join_all;
use reqwest::Method;
use serde_json::json;

fn loopback(last: u8) -> IpAddr {
    IpAddr::V4(Ipv4Addr::new(127, 0, 0, last))
}

async fn login_from(app: &TestApp, from: IpAddr, email: &str, password: &str) -> reqwest::Response {
    app.client_from(from)
        .post(app.url("/api/v1/auth/login"))
        .json(&json!({"email": email, "password": password}))
        .send()
        .await
        .expect("an answer")
}

const MIB: u64 = 1024 * 1024;

#[tokio::test]
async fn made_up_invitation_tokens_cost_no_hashing_and_are_throttled() {
    // R-BOUNDED: accepting hashed the password (19 MiB) before looking at the token, so 200
    // made-up tokens at once took the server past 5 GB.
    let app = spawn_app().await;
    let server = ServerProcess::start(&app, &[("CONFIDANT_WORKERS", "0")]).await;
    let client = reqwest::Client::new();
    let before = server.rss_bytes();
    let url = server.url("/api/v1/auth/invitations/accept");
    let attempts = (0..200).map(|n| {
        let (client, url) = (client.clone(), url.clone());
        async move {
            client
                .post(url)
                .json(&json!({"token": format!("made-up-token-{n}"), "password": "a long enough password 2026"}))
                .send()
                .await
                .expect("an answer")
        }
    });
    let probe = async {
        // The server keeps answering others while the burst lasts.
        tokio::time::sleep(Duration::from_millis(50)).await;
        let started = std::time::Instant::now();
        let health = client
            .get(server.url("/healthz"))
            .send()
            .await
            .expect("healthz");
        (health.status(), started.elapsed())
    };
    let (responses, (health, health_took)) = tokio::join!(join_all(attempts), probe);
    let after = server.rss_bytes();
    let mut throttled = 0;
    for response in responses {
        match response.status().as_u16() {
            404 => {}
            429 => {
                assert!(response.headers().contains_key("retry-after"));
                throttled += 1;
            }
            other => panic!("unexpected status {other}"),
        }
    }
    eprintln!(
        "RSS before {} MiB, after 200 made-up invitation tokens {} MiB; {throttled} answered 429; healthz in {health_took:?}",
        before / MIB,
        after / MIB
    );
    assert_eq!(throttled, 190, "10 unknown tokens per address, then 429");
    assert!(after < 300 * MIB, "RSS {} MiB", after / MIB);
    assert_eq!(health, 200);
    assert!(health_took < Duration::from_secs(2), "{health_took:?}");
}

#[tokio::test]
async fn a_burst_of_sign_ins_from_many_addresses_keeps_memory_bounded() {
    // R-BOUNDED: every sign-in hashes (an unknown email against a dummy hash), so a burst
    // from many addresses, each within its own limits, is bounded by the hashing threads.
    let app = spawn_app().await;
    let server = ServerProcess::start(&app, &[("CONFIDANT_WORKERS", "0")]).await;
    let before = server.rss_bytes();
    let url = server.url("/api/v1/auth/login");
    let attempts = (2..=201u8).map(|last| {
        let client = app.client_from(loopback(last));
        let url = url.clone();
        async move {
            client
                .post(url)
                .json(&json!({"email": format!("nobody{last}@nowhere.test"), "password": "not the password"}))
                .send()
                .await
                .expect("an answer")
        }
    });
    let responses = join_all(attempts).await;
    let after = server.rss_bytes();
    let (mut refused, mut busy) = (0, 0);
    for response in responses {
        match response.status().as_u16() {
            401 => refused += 1,
            503 => {
                assert_eq!(response.headers()["retry-after"], "1");
                busy += 1;
            }
            other => panic!("unexpected status {other}"),
        }
    }
    eprintln!(
        "RSS before {} MiB, after 200 sign-ins from 200 addresses {} MiB; {refused} checked (401), {busy} told to retry (503)",
        before / MIB,
        after / MIB
    );
    assert!(refused > 0);
    assert!(after < 300 * MIB, "RSS {} MiB", after / MIB);
}

#[tokio::test]
async fn thirty_concurrent_wrong_guesses_check_at_most_the_limit() {
    // The check and the count were two statements: bursts got 10 of 10 or 13 of 30 checked.
    let app = spawn_app().await;
    let practice = app.create_practice("Race Clinic").await;
    let guesses = (0..30).map(|n| {
        app.login(
            &practice.owner.email,
            if n % 2 == 0 {
                "wrong guess one"
            } else {
                "wrong guess two"
            },
        )
    });
    let statuses: Vec<u16> = join_all(guesses)
        .await
        .iter()
        .map(|r| r.status().as_u16())
        .collect();
    let checked = statuses.iter().filter(|s| **s == 401).count();
    let throttled = statuses.iter().filter(|s| **s == 429).count();
    assert_eq!(checked + throttled, 30, "{statuses:?}");
    assert!(checked <= 5, "{checked} guesses were checked: {statuses:?}");
    let mut conn = app.database.connect().await;
    #[derive(diesel::QueryableByName)]
    struct Count {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let recorded: Count = diesel::sql_query(
        "SELECT count(*) AS n FROM audit_events WHERE action = 'sign_in_failed' AND details->>'reason' = 'credentials'",
    )
    .get_result(&mut conn)
    .await
    .expect("count");
    assert_eq!(recorded.n, checked as i64);
}

#[tokio::test]
async fn guesses_from_one_address_do_not_lock_out_another() {
    // Five wrong passwords from anywhere used to make the right one answer 429 for 15 minutes.
    let app = spawn_app().await;
    let practice = app.create_practice("Lockout Clinic").await;
    let owner = &practice.owner;
    let (attacker, home) = (loopback(2), loopback(3));
    assert_eq!(
        login_from(&app, home, &owner.email, &owner.password)
            .await
            .status(),
        200
    );
    for _ in 0..30 {
        login_from(&app, attacker, &owner.email, "a wrong guess here").await;
    }
    assert_eq!(
        login_from(&app, attacker, &owner.email, &owner.password)
            .await
            .status(),
        429,
        "the attacker's address is throttled"
    );
    assert_eq!(
        login_from(&app, home, &owner.email, &owner.password)
            .await
            .status(),
        200,
        "the owner at home is not"
    );
    assert_eq!(
        login_from(&app, loopback(4), &owner.email, &owner.password)
            .await
            .status(),
        200,
        "nor anywhere else: one address's guesses stay under the account's limit"
    );
}

#[tokio::test]
async fn guesses_spread_over_addresses_back_off_the_account_but_not_its_known_addresses() {
    let app = spawn_app().await;
    let practice = app.create_practice("Backoff Clinic").await;
    let owner = &practice.owner;
    assert_eq!(
        login_from(&app, loopback(3), &owner.email, &owner.password)
            .await
            .status(),
        200
    );
    // 3 addresses × 4 guesses: each within its own limit, 12 for the account (limit 10).
    for attacker in [10, 11, 12] {
        for _ in 0..4 {
            let status = login_from(&app, loopback(attacker), &owner.email, "wrong guess again")
                .await
                .status();
            assert!(status == 401 || status == 429, "{status}");
        }
    }
    let unknown = login_from(&app, loopback(20), &owner.email, &owner.password).await;
    assert_eq!(
        unknown.status(),
        429,
        "a new address waits out the back-off"
    );
    assert!(unknown.headers().contains_key("retry-after"));
    assert_eq!(
        login_from(&app, loopback(3), &owner.email, &owner.password)
            .await
            .status(),
        200,
        "an address the owner signed in from before passes with the right password"
    );
    assert_eq!(
        login_from(&app, loopback(3), &owner.email, "wrong guess at home")
            .await
            .status(),
        401,
        "and a wrong password from there is still just wrong"
    );
}

#[tokio::test]
async fn an_admin_cannot_silently_take_over_a_providers_account() {
    // R-NO-TAKEOVER: change the provider's email to one the admin reads, invite, accept,
    // sign in as the provider. Now the change waits for the new address, the old address is
    // told, and people with accounts are not invited again.
    let app = spawn_app().await;
    let w = app.staffed_practice("Takeover Clinic").await;
    let provider = &w.provider.person;
    let path = format!("/api/v1/people/{}", provider.id);
    let response = app
        .send_as(
            Method::PATCH,
            &w.admin.token,
            &path,
            Some(json!({"email": "Admins.Inbox@Elsewhere.test"})),
        )
        .await;
    assert_eq!(response.status(), 200);
    let person: Person = response.json().await.expect("a person");
    assert_eq!(person.email, provider.email, "unchanged until confirmed");
    assert_eq!(
        person.pending_email.as_deref(),
        Some("admins.inbox@elsewhere.test")
    );
    // Both addresses hear of it; the old one is not told the new address.
    app.run_jobs().await;
    let mails = app.mail.messages();
    let notice = mails
        .iter()
        .find(|m| m.recipients == [provider.email.clone()])
        .expect("the old address is told");
    assert!(notice.parse().subject.contains("being changed"));
    assert!(!notice.raw_text().contains("admins.inbox"));
    assert!(
        mails
            .iter()
            .any(|m| m.recipients == ["admins.inbox@elsewhere.test".to_owned()]),
        "the new address gets the confirmation link"
    );
    // The provider still signs in with the old address; the new one signs nobody in.
    let account = w.provider.account();
    assert_eq!(app.login(&account.email, PASSWORD).await.status(), 200);
    assert_eq!(
        app.login("admins.inbox@elsewhere.test", PASSWORD)
            .await
            .status(),
        401
    );
    // No invitation can set a password for the existing account.
    let invite = app
        .send_as(
            Method::POST,
            &w.admin.token,
            &format!("{path}/invitation"),
            None,
        )
        .await;
    assert_eq!(invite.status(), 409);
    // The audit trail says who asked to change which email, from what to what, hashed.
    let mut conn = app.database.connect().await;
    #[derive(diesel::QueryableByName)]
    struct Row {
        #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Uuid>)]
        actor_id: Option<uuid::Uuid>,
        #[diesel(sql_type = diesel::sql_types::Text)]
        details: String,
    }
    let row: Row = diesel::sql_query(
        "SELECT actor_id, details::text AS details FROM audit_events WHERE action = 'email_change_requested'",
    )
    .get_result(&mut conn)
    .await
    .expect("an audit record");
    assert_eq!(row.actor_id, Some(w.admin.person.id));
    let details: serde_json::Value = serde_json::from_str(&row.details).expect("json");
    assert!(details["from"].is_string() && details["to"].is_string());
    assert_ne!(details["from"], details["to"]);
    assert!(!row.details.contains('@'), "{}", row.details);
}

#[tokio::test]
async fn a_new_sign_in_email_takes_effect_once_its_address_confirms_it() {
    let app = spawn_app().await;
    let w = app.staffed_practice("Confirm Clinic").await;
    let client = &w.client.person;
    let response = app
        .send_as(
            Method::PATCH,
            &w.admin.token,
            &format!("/api/v1/people/{}", client.id),
            Some(json!({"email": "cleo.new@confirm.test"})),
        )
        .await;
    assert_eq!(response.status(), 200);
    let token = app.token_from_mail("cleo.new@confirm.test").await;
    let confirm = |token: String| {
        let app = &app;
        async move {
            app.client
                .post(app.url("/api/v1/auth/email-change/confirm"))
                .json(&json!({ "token": token }))
                .send()
                .await
                .expect("an answer")
        }
    };
    assert_eq!(confirm(token.clone()).await.status(), 204);
    assert_eq!(
        app.login("cleo.new@confirm.test", PASSWORD).await.status(),
        200
    );
    assert_eq!(app.login(&client.email, PASSWORD).await.status(), 401);
    let person: Person = app
        .get_as(&w.admin.token, &format!("/api/v1/people/{}", client.id))
        .await
        .json()
        .await
        .expect("a person");
    assert_eq!(person.email, "cleo.new@confirm.test");
    assert_eq!(person.pending_email, None);
    // The link works once; made-up links are refused the same way.
    let again = confirm(token).await;
    assert_eq!(again.status(), 404);
    let problem: Problem = again.json().await.expect("a problem");
    assert!(problem.errors.expect("errors").contains_key("token"));
    assert_eq!(confirm("made-up".into()).await.status(), 404);
}

#[tokio::test]
async fn only_an_owner_changes_the_email_of_an_admin_or_owner() {
    let app = spawn_app().await;
    let w = app.staffed_practice("Rank Clinic").await;
    let admin_path = format!("/api/v1/people/{}", w.admin.person.id);
    let second_admin = app
        .add_person(
            &w.owner.token,
            json!({"kind": "staff", "name": "Abe Admin", "email": "abe@rankclinic.test", "role": "admin"}),
        )
        .await;
    let refused = app
        .send_as(
            Method::PATCH,
            &w.admin.token,
            &format!("/api/v1/people/{}", second_admin.id),
            Some(json!({"email": "abe.elsewhere@rankclinic.test"})),
        )
        .await;
    assert_eq!(refused.status(), 403);
    assert_eq!(
        problem_code(refused).await,
        ProblemCode::Forbidden,
        "an admin cannot move another admin's sign-in"
    );
    // Renaming another admin stays allowed; so does an admin changing their own email and
    // the owner changing an admin's.
    let renamed = app
        .send_as(
            Method::PATCH,
            &w.admin.token,
            &format!("/api/v1/people/{}", second_admin.id),
            Some(json!({"name": "Abe Renamed"})),
        )
        .await;
    assert_eq!(renamed.status(), 200);
    for token in [&w.admin.token, &w.owner.token] {
        let response = app
            .send_as(
                Method::PATCH,
                token,
                &admin_path,
                Some(json!({"email": format!("ada.{}@rankclinic.test", token.len() % 7)})),
            )
            .await;
        assert_eq!(response.status(), 200);
    }
}

async fn problem_code(response: reqwest::Response) -> ProblemCode {
    response.json::<Problem>().await.expect("a problem").code
}

#[tokio::test]
async fn email_change_answers_do_not_reveal_accounts_in_other_practices() {
    // R-NO-ORACLE: an address with an account elsewhere answered 409, any other 200.
    let app = spawn_app().await;
    let w = app.staffed_practice("Oracle Clinic").await;
    let elsewhere = app.create_practice("Other Practice").await;
    let taken = elsewhere.owner.email.clone();
    let free = "nobody.has.this@other.test".to_owned();
    // A client who signs in (the change waits for confirmation) and one who does not (it
    // applies at once): for each, the two answers must look alike.
    for person in [&w.client.person, &w.other_client] {
        let mut answers = Vec::new();
        for address in [&taken, &free] {
            let started = std::time::Instant::now();
            let response = app
                .send_as(
                    Method::PATCH,
                    &w.admin.token,
                    &format!("/api/v1/people/{}", person.id),
                    Some(json!({ "email": address })),
                )
                .await;
            let took = started.elapsed();
            let status = response.status();
            let body = response
                .text()
                .await
                .expect("a body")
                .replace(address.as_str(), "<address>");
            answers.push((status, body, took));
        }
        assert_eq!(answers[0].0, 200, "{}", answers[0].1);
        assert_eq!(answers[0].0, answers[1].0);
        assert_eq!(answers[0].1, answers[1].1, "the same answer either way");
        eprintln!(
            "email change answered in {:?} (taken elsewhere) and {:?} (free)",
            answers[0].2, answers[1].2
        );
    }
    // The other practice's account is untouched and still signs in.
    assert_eq!(app.login(&taken, PASSWORD).await.status(), 200);
}

#[tokio::test]
async fn an_address_confirmed_for_an_account_elsewhere_is_refused_then() {
    let app = spawn_app().await;
    let w = app.staffed_practice("Late Clinic").await;
    let elsewhere = app.create_practice("Late Other").await;
    app.send_as(
        Method::PATCH,
        &w.admin.token,
        &format!("/api/v1/people/{}", w.client.person.id),
        Some(json!({ "email": elsewhere.owner.email })),
    )
    .await;
    let token = app.token_from_mail(&elsewhere.owner.email).await;
    let response = app
        .client
        .post(app.url("/api/v1/auth/email-change/confirm"))
        .json(&json!({ "token": token }))
        .send()
        .await
        .expect("an answer");
    // Only whoever reads that mailbox learns that it has an account: its owner.
    assert_eq!(response.status(), 409);
    assert_eq!(
        app.login(&w.client.person.email, PASSWORD).await.status(),
        200
    );
    assert_eq!(
        app.login(&elsewhere.owner.email, PASSWORD).await.status(),
        200
    );
}

#[tokio::test]
async fn no_unkeyed_hash_of_any_email_is_stored() {
    // Audit records and sign-in counters held a truncated, unkeyed SHA-256 of the email,
    // reversed by hashing candidate addresses. Dump the database and look for every usual
    // spelling of such a hash.
    use base64::Engine;
    use sha2::Digest;
    let app = spawn_app().await;
    let w = app.staffed_practice("Dump Clinic").await;
    let emails = [
        w.owner.person.email.clone(),
        "mistyped@dumpclinic.test".to_owned(),
        "cleo.moved@dumpclinic.test".to_owned(),
    ];
    app.login(&emails[0], "wrong password here").await;
    app.login(&emails[1], "wrong password here").await;
    app.send_as(
        Method::PATCH,
        &w.admin.token,
        &format!("/api/v1/people/{}", w.client.person.id),
        Some(json!({ "email": emails[2] })),
    )
    .await;
    app.run_jobs().await;
    let dump = std::process::Command::new("pg_dump")
        .arg("--data-only")
        .arg(app.database.url())
        .output()
        .expect("pg_dump runs");
    assert!(
        dump.status.success(),
        "{}",
        String::from_utf8_lossy(&dump.stderr)
    );
    let dump = String::from_utf8_lossy(&dump.stdout).into_owned();
    assert!(
        dump.contains("sign_in_failed"),
        "the dump holds the audit trail"
    );
    for email in &emails {
        let digest = sha2::Sha256::digest(email.as_bytes());
        let spellings = [
            hex(&digest),
            hex(&digest[..16]),
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&digest[..16]),
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(digest),
            base64::engine::general_purpose::STANDARD.encode(digest),
        ];
        for spelling in spellings {
            assert!(!dump.contains(&spelling), "an unkeyed hash of {email}");
        }
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[tokio::test]
async fn uploads_waiting_to_be_sent_are_capped_per_person() {
    // R-BOUNDED: one client stored 108 MB of unsent uploads in seconds.
    let app = spawn_app_with(&[("CONFIDANT_UPLOAD_QUOTA_MB", "10".into())]).await;
    let w = app.staffed_practice("Quota Clinic").await;
    let token = &w.client.token;
    let six_mb = "a".repeat(6_000_000);
    let first = app.upload(token, &text("notes.txt", &six_mb)).await;
    assert_eq!(first.status(), 201);
    let first: serde_json::Value = first.json().await.expect("an upload");
    let stored_before = app.stored_files().len();
    let refused = app.upload(token, &text("more.txt", &six_mb)).await;
    assert_eq!(refused.status(), 413);
    let problem: Problem = refused.json().await.expect("a problem");
    assert_eq!(problem.code, ProblemCode::QuotaExceeded);
    assert!(problem.detail.unwrap_or_default().contains("not sent yet"));
    assert_eq!(app.stored_files().len(), stored_before, "nothing stored");
    // Someone else's quota is their own.
    assert_eq!(
        app.upload(&w.provider.token, &text("mine.txt", &six_mb))
            .await
            .status(),
        201
    );
    // Removing an unsent upload frees its room; only the uploader can remove it.
    let path = format!("/api/v1/attachments/{}", first["id"].as_str().expect("id"));
    assert_eq!(
        app.send_as(Method::DELETE, &w.provider.token, &path, None)
            .await
            .status(),
        404
    );
    assert_eq!(
        app.send_as(Method::DELETE, token, &path, None)
            .await
            .status(),
        204
    );
    app.run_jobs().await;
    assert_eq!(
        app.upload(token, &text("more.txt", &six_mb)).await.status(),
        201
    );
}

#[tokio::test]
async fn two_uploads_at_once_cannot_both_squeeze_under_the_quota() {
    let app = spawn_app_with(&[("CONFIDANT_UPLOAD_QUOTA_MB", "10".into())]).await;
    let w = app.staffed_practice("Race Quota").await;
    let six_mb = "b".repeat(6_000_000);
    let (one, two) = (text("one.txt", &six_mb), text("two.txt", &six_mb));
    let (a, b) = tokio::join!(
        app.upload(&w.client.token, &one),
        app.upload(&w.client.token, &two),
    );
    let mut statuses = [a.status().as_u16(), b.status().as_u16()];
    statuses.sort_unstable();
    assert_eq!(statuses, [201, 413]);
}

#[tokio::test]
async fn owners_and_admins_see_what_the_practice_stores() {
    let app = spawn_app().await;
    let w = app.staffed_practice("Usage Clinic").await;
    app.upload(&w.client.token, &text("a.txt", "some text for the usage"))
        .await;
    let usage: serde_json::Value = app
        .get_as(&w.owner.token, "/api/v1/practice/usage")
        .await
        .json()
        .await
        .expect("usage");
    assert_eq!(usage["files"], 1);
    assert_eq!(usage["unsent_files"], 1);
    assert_eq!(usage["bytes"], 23);
    assert_eq!(usage["upload_quota_bytes"], 50_000_000);
    for token in [&w.provider.token, &w.client.token] {
        assert_eq!(
            app.get_as(token, "/api/v1/practice/usage").await.status(),
            403
        );
    }
    // Another practice's owner sees their own (empty) practice.
    let other = app.create_practice("Usage Other").await;
    let other_token = app.sign_in(&other.owner).await.access_token;
    let theirs: serde_json::Value = app
        .get_as(&other_token, "/api/v1/practice/usage")
        .await
        .json()
        .await
        .expect("usage");
    assert_eq!(theirs["files"], 0);
}

#[tokio::test]
async fn old_counters_and_addresses_are_pruned_daily() {
    use confidant::maintenance::DailyMaintenanceJob;
    let app = spawn_app().await;
    let mut conn = app.database.connect().await;
    diesel::sql_query(
        "INSERT INTO rate_limits (key, hits, window_ends_at) VALUES \
         ('old', 3, now() - interval '2 hours'), ('current', 3, now() + interval '10 minutes'); \
         ",
    )
    .execute(&mut conn)
    .await
    .expect("counters");
    diesel::sql_query(
        "INSERT INTO known_sign_in_addresses (key, last_success_at) VALUES \
         ('stale', now() - interval '200 days'), ('recent', now() - interval '2 days')",
    )
    .execute(&mut conn)
    .await
    .expect("addresses");
    DailyMaintenanceJob::today()
        .schedule(&mut conn, Duration::ZERO)
        .await
        .expect("scheduled");
    assert!(
        !DailyMaintenanceJob::today()
            .schedule(&mut conn, Duration::ZERO)
            .await
            .expect("scheduled"),
        "one job per day, however many instances start"
    );
    assert_eq!(app.run_jobs().await, 1);
    #[derive(diesel::QueryableByName)]
    struct Key {
        #[diesel(sql_type = diesel::sql_types::Text)]
        key: String,
    }
    let keys: Vec<String> = diesel::sql_query(
        "SELECT key FROM rate_limits UNION ALL SELECT key FROM known_sign_in_addresses ORDER BY 1",
    )
    .load::<Key>(&mut conn)
    .await
    .expect("keys")
    .into_iter()
    .map(|row| row.key)
    .collect();
    assert_eq!(keys, ["current", "recent"]);
    let next: Key = diesel::sql_query(
        "SELECT idempotency_key AS key FROM jobs WHERE kind = 'daily_maintenance' AND state = 'available'",
    )
    .get_result(&mut conn)
    .await
    .expect("tomorrow's job");
    let tomorrow = chrono::Utc::now().date_naive() + chrono::Duration::days(1);
    assert_eq!(next.key, format!("daily-maintenance:{tomorrow}"));
}
