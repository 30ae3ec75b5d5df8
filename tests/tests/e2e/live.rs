//! Live updates (R-EVENTS): `GET /api/v1/events` streams each event of the log to the people
//! in its audience, on every instance, within a second; nobody else hears of it; a stream
//! resumes with exactly what it missed; signing out or an expired token ends it; payloads on
//! the wire hold ids and counts only. (A database restart under a connected stream is in
//! `faults.rs`.)

use std::time::{Duration, Instant};

use confidant_openapi::events::StreamTicket;
use confidant_tests::binary::ServerProcess;
use confidant_tests::fixtures::{Member, StaffedPractice};
use confidant_tests::live::{Auth, LiveStream, Next, Received};
use confidant_tests::spawn_app;
use reqwest::Method;
use serde_json::{Value, json};
use uuid::Uuid;

/// What a live event may take from commit to arrival, with room for a loaded CI machine.
const WITHIN: Duration = Duration::from_secs(1);
/// How long a stream that must hear nothing is watched.
const QUIET: Duration = Duration::from_millis(700);

/// Opens `member`'s stream on `base` and reads its `ready`.
async fn follow(client: &reqwest::Client, base: &str, member: &Member) -> LiveStream {
    let mut stream = LiveStream::open(client, base, Auth::Bearer(&member.token), None)
        .await
        .unwrap_or_else(|response| panic!("the stream opens: {}", response.status()));
    let ready = stream.expect(WITHIN).await;
    assert_eq!(ready.kind, "ready");
    assert_eq!(ready.data["last_event_id"], ready.id);
    stream
}

/// Asserts that `event` carries ids and counts only, none of `secrets`.
fn assert_ids_only(event: &Received, secrets: &[&str]) {
    for secret in secrets {
        assert!(
            !event.raw.contains(secret),
            "{} carries {secret:?} on the wire: {}",
            event.kind,
            event.raw
        );
    }
    for (field, value) in event.data.as_object().expect("an object") {
        assert!(
            value.is_number() || value.as_str().is_some_and(|id| Uuid::parse_str(id).is_ok()),
            "{}.{field} is neither an id nor a count: {value}",
            event.kind
        );
    }
}

async fn post(client: &reqwest::Client, url: String, token: &str, body: Value) -> Value {
    let response = client
        .post(url)
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .expect("an answer");
    assert!(
        response.status().is_success(),
        "{}",
        response.text().await.unwrap_or_default()
    );
    response.json().await.unwrap_or(Value::Null)
}

fn to(people: &[Uuid], subject: &str, body: &str) -> Value {
    let recipients: Vec<Value> = people
        .iter()
        .map(|id| json!({"type": "person", "id": id}))
        .collect();
    json!({"recipients": recipients, "subject": subject, "body": body})
}

#[tokio::test]
async fn a_message_posted_on_one_instance_reaches_its_participants_on_another_and_nobody_else() {
    // R-EVENTS: within a second, on any instance, for the thread's participants only; ids
    // only on the wire; no token or ticket in the server's log.
    let app = spawn_app().await;
    let p = app.staffed_practice("Live Clinic").await;
    let stranger = app.staffed_practice("Elsewhere Clinic").await;
    let settings = [("CONFIDANT_WORKERS", "0")];
    let a = ServerProcess::start_logging(&app, &settings).await;
    let b = ServerProcess::start_logging(&app, &settings).await;
    let http = reqwest::Client::new();

    let mut provider_on_a = follow(&http, &a.base, &p.provider).await;
    let mut client_on_b = follow(&http, &b.base, &p.client).await;
    let mut staff_on_b = follow(&http, &b.base, &p.staff).await;
    let mut owner_on_a = follow(&http, &a.base, &p.owner).await;
    let mut other_practice_on_b = follow(&http, &b.base, &stranger.owner).await;

    let subject = "Your lab results";
    let body = "Your ferritin is low.";
    let started = Instant::now();
    let thread = post(
        &http,
        a.url("/api/v1/conversations"),
        &p.provider.token,
        to(&[p.client.person.id], subject, body),
    )
    .await;
    let thread_id = thread["id"].as_str().expect("an id");
    let created = client_on_b.expect(WITHIN).await;
    let latency = started.elapsed();
    assert_eq!(created.kind, "conversation_created");
    assert_eq!(created.data["conversation_id"], thread_id);
    assert_eq!(created.data["author_id"], p.provider.person.id.to_string());
    assert!(latency < WITHIN, "reached instance B in {latency:?}");
    let on_a = provider_on_a.expect(WITHIN).await;
    assert_eq!(on_a.id, created.id, "one log, one id on every instance");

    // The client replies on B; the provider hears of it on A.
    let reply = "Thank you, I will take the iron.";
    post(
        &http,
        b.url(&format!("/api/v1/conversations/{thread_id}/messages")),
        &p.client.token,
        json!({"body": reply}),
    )
    .await;
    let replied = provider_on_a.expect(WITHIN).await;
    assert_eq!(replied.kind, "message_created");
    assert_eq!(replied.data["author_id"], p.client.person.id.to_string());
    assert!(replied.id > created.id);
    let echoed = client_on_b.expect(WITHIN).await;
    assert_eq!(
        echoed.id, replied.id,
        "the author's other tabs hear of it too"
    );

    let secrets = [
        subject,
        body,
        reply,
        "ferritin",
        &p.client.person.name,
        &p.client.person.email,
        &p.provider.person.name,
        &p.provider.person.email,
    ];
    for event in [&created, &on_a, &replied, &echoed] {
        assert_ids_only(event, &secrets);
    }
    // Staff not in the thread, the owner, and another practice heard nothing.
    for (who, stream) in [
        ("staff not in the thread", &mut staff_on_b),
        ("the owner", &mut owner_on_a),
        ("another practice", &mut other_practice_on_b),
    ] {
        let heard = stream.drain(QUIET).await;
        assert!(heard.is_empty(), "{who} heard {heard:?}");
    }
    for server in [&a, &b] {
        let log = server.log();
        assert!(!log.is_empty(), "the server logged its requests");
        assert!(!log.contains(&p.client.token), "an access token in the log");
        assert!(!log.contains(subject) && !log.contains("ferritin"));
    }
}

#[tokio::test]
async fn staff_groups_multi_client_threads_and_blasts_reach_exactly_their_audience() {
    // R-EVENTS, R-MULTI-CLIENT, R-BLAST-NEW: the audience is who may read the thread.
    let app = spawn_app().await;
    let p = app.staffed_practice("Audience Clinic").await;
    let http = reqwest::Client::new();
    let base = &app.url("");
    let second_client = Member {
        token: app.token_for(&p.other_client).await,
        person: p.other_client.clone(),
    };
    let group: Value = post(
        &http,
        app.url("/api/v1/staff-groups"),
        &p.admin.token,
        json!({"name": "Front desk", "member_ids": [p.provider.person.id, p.staff.person.id]}),
    )
    .await;
    let members = [
        &p.owner,
        &p.admin,
        &p.provider,
        &p.staff,
        &p.client,
        &second_client,
    ];
    let mut streams = Vec::new();
    for member in members {
        streams.push(follow(&http, base, member).await);
    }
    let [owner, admin, provider, staff, client, second] = &mut streams[..] else {
        unreachable!("six streams");
    };

    // A staff group: its members and the author.
    post(
        &http,
        app.url("/api/v1/conversations"),
        &p.owner.token,
        json!({"recipients": [{"type": "staff_group", "id": group["id"]}], "subject": "Rota", "body": "New rota."}),
    )
    .await;
    for stream in [&mut *owner, &mut *provider, &mut *staff] {
        assert_eq!(stream.expect(WITHIN).await.kind, "conversation_created");
    }
    for stream in [&mut *admin, &mut *client, &mut *second] {
        assert!(stream.drain(QUIET).await.is_empty(), "not in the group");
    }

    // Two clients at once: both clients and the author, no other staff.
    post(
        &http,
        app.url("/api/v1/conversations"),
        &p.provider.token,
        to(
            &[p.client.person.id, second_client.person.id],
            "Group session",
            "Thursday at six.",
        ),
    )
    .await;
    for stream in [&mut *provider, &mut *client, &mut *second] {
        assert_eq!(stream.expect(WITHIN).await.kind, "conversation_created");
    }
    for stream in [&mut *owner, &mut *admin, &mut *staff] {
        assert!(stream.drain(QUIET).await.is_empty(), "not in the thread");
    }

    // A blast to two clients (one without a stream): each client hears of their own thread
    // only, the sender of progress; the second client, not in the blast, of nothing.
    let third = app
        .add_person(
            &p.owner.token,
            json!({"kind": "client", "name": "Tia Third", "email": "tia@third.test", "provider_ids": [p.provider.person.id]}),
        )
        .await;
    // Whoever manages people hears that one was added (its id only); nobody else does.
    for stream in [&mut *owner, &mut *admin] {
        let heard = stream.drain(QUIET).await;
        assert_eq!(
            heard.iter().map(|e| e.kind.as_str()).collect::<Vec<_>>(),
            ["person_created"]
        );
        assert_eq!(heard[0].data["person_id"], third.id.to_string());
        assert_eq!(heard[0].data.as_object().map(|data| data.len()), Some(1));
    }
    let blast = post(
        &http,
        app.url("/api/v1/blasts"),
        &p.provider.token,
        json!({"client_ids": [p.client.person.id, third.id], "subject": "Closed Monday", "body": "The office is closed."}),
    )
    .await;
    app.run_jobs().await;
    let heard = client.drain(QUIET).await;
    assert_eq!(
        heard.iter().map(|e| e.kind.as_str()).collect::<Vec<_>>(),
        ["conversation_created"]
    );
    let sender = provider.drain(QUIET).await;
    let kinds: Vec<&str> = sender.iter().map(|e| e.kind.as_str()).collect();
    assert!(kinds.contains(&"conversation_created"), "{kinds:?}");
    let done = sender
        .iter()
        .find(|e| e.kind == "blast_done")
        .expect("the sender hears the blast is done");
    assert_eq!(done.data["blast_id"], blast["id"]);
    assert_eq!(done.data["sent"], 2);
    let threads = sender
        .iter()
        .filter(|e| e.kind == "conversation_created")
        .count();
    assert_eq!(threads, 2, "the sender takes part in both threads");
    for stream in [&mut *owner, &mut *admin, &mut *staff, &mut *second] {
        assert!(stream.drain(QUIET).await.is_empty(), "not in the blast");
    }
}

#[tokio::test]
async fn a_stream_resumes_with_exactly_what_it_missed_or_is_told_to_resync() {
    // R-EVENTS: Last-Event-ID replays the missed events from the log, then `ready`.
    let app = spawn_app().await;
    let p = app.staffed_practice("Resume Clinic").await;
    let http = reqwest::Client::new();
    let base = &app.url("");
    let mut opened = LiveStream::open(&http, base, Auth::Bearer(&p.client.token), None)
        .await
        .unwrap_or_else(|r| panic!("{}", r.status()));
    let last_seen = opened.expect(WITHIN).await.id;
    drop(opened);

    // Missed while away: two threads for the client, one that is not theirs.
    let mut missed = Vec::new();
    for subject in ["One", "Two"] {
        let thread = post(
            &http,
            app.url("/api/v1/conversations"),
            &p.provider.token,
            to(&[p.client.person.id], subject, "Hello."),
        )
        .await;
        missed.push(thread["id"].as_str().expect("an id").to_owned());
    }
    post(
        &http,
        app.url("/api/v1/conversations"),
        &p.provider.token,
        to(&[p.staff.person.id], "Not theirs", "Hello."),
    )
    .await;

    let mut resumed = LiveStream::open(&http, base, Auth::Bearer(&p.client.token), Some(last_seen))
        .await
        .unwrap_or_else(|r| panic!("{}", r.status()));
    let replayed: Vec<Received> = resumed.drain(QUIET).await;
    let kinds: Vec<&str> = replayed.iter().map(|e| e.kind.as_str()).collect();
    assert_eq!(
        kinds,
        ["conversation_created", "conversation_created", "ready"]
    );
    assert_eq!(replayed[0].data["conversation_id"], missed[0].as_str());
    assert_eq!(replayed[1].data["conversation_id"], missed[1].as_str());
    assert!(replayed[0].id > last_seen && replayed[1].id > replayed[0].id);
    assert!(
        replayed[2].id >= replayed[1].id,
        "ready says where it continues"
    );
    // Live after the replay.
    post(
        &http,
        app.url(&format!("/api/v1/conversations/{}/messages", missed[0])),
        &p.provider.token,
        json!({"body": "And another thing."}),
    )
    .await;
    let live = resumed.expect(WITHIN).await;
    assert_eq!(live.kind, "message_created");
    assert!(live.id > replayed[2].id);

    // Resuming from before what the log keeps, or from an id it never gave: resync.
    let mut conn = app.database.connect().await;
    diesel_async::RunQueryDsl::execute(
        diesel::sql_query("DELETE FROM events WHERE id <= $1")
            .bind::<diesel::sql_types::BigInt, _>(replayed[1].id),
        &mut conn,
    )
    .await
    .expect("pruned");
    for from in [last_seen, live.id + 1_000_000] {
        let mut stream = LiveStream::open(&http, base, Auth::Bearer(&p.client.token), Some(from))
            .await
            .unwrap_or_else(|r| panic!("{}", r.status()));
        let first = stream.expect(WITHIN).await;
        assert_eq!(first.kind, "resync", "from {from}");
        assert!(first.id >= live.id);
    }
    // A header that is not an id is refused, naming it.
    let bad = http
        .get(app.url("/api/v1/events"))
        .bearer_auth(&p.client.token)
        .header("Last-Event-ID", "yesterday")
        .send()
        .await
        .expect("an answer");
    assert_eq!(bad.status(), 400);
    let problem: Value = bad.json().await.expect("a problem");
    assert!(problem["errors"]["Last-Event-ID"].is_array(), "{problem}");
}

#[tokio::test]
async fn a_ticket_opens_one_stream_once_and_nothing_else_does() {
    // How a browser's EventSource signs in: a single-use ticket in the URL.
    let app = spawn_app().await;
    let p = app.staffed_practice("Ticket Clinic").await;
    let http = reqwest::Client::new();
    let base = &app.url("");
    let response = app
        .send_as(
            Method::POST,
            &p.client.token,
            "/api/v1/events/tickets",
            None,
        )
        .await;
    assert_eq!(response.status(), 200);
    let ticket: StreamTicket = response.json().await.expect("a ticket");
    assert_eq!(ticket.expires_in, 60);
    assert!(ticket.ticket.len() >= 43, "256 bits");

    let mut stream = LiveStream::open(&http, base, Auth::Ticket(&ticket.ticket), None)
        .await
        .unwrap_or_else(|r| panic!("the ticket opens a stream: {}", r.status()));
    assert_eq!(stream.expect(WITHIN).await.kind, "ready");
    post(
        &http,
        app.url("/api/v1/conversations"),
        &p.provider.token,
        to(&[p.client.person.id], "Hello", "Hello."),
    )
    .await;
    assert_eq!(
        stream.expect(WITHIN).await.kind,
        "conversation_created",
        "a ticket's stream is the person's stream"
    );

    for (what, auth) in [
        ("a spent ticket", Auth::Ticket(&ticket.ticket)),
        ("an unknown ticket", Auth::Ticket("not-a-ticket")),
        ("a forged token", Auth::Bearer("eyJhbGciOiJub25lIn0.e30.")),
    ] {
        let refused = LiveStream::open(&http, base, auth, None)
            .await
            .err()
            .unwrap_or_else(|| panic!("{what} opened a stream"));
        assert_eq!(refused.status(), 401, "{what}");
        let problem: Value = refused.json().await.expect("a problem");
        assert_eq!(problem["code"], "unauthorized", "{what}");
    }
    let anonymous = http
        .get(app.url("/api/v1/events"))
        .send()
        .await
        .expect("an answer");
    assert_eq!(anonymous.status(), 401);
    let no_ticket_for_strangers = http
        .post(app.url("/api/v1/events/tickets"))
        .send()
        .await
        .expect("an answer");
    assert_eq!(no_ticket_for_strangers.status(), 401);
}

#[tokio::test]
async fn signing_out_closes_that_sessions_stream_and_an_expired_token_ends_its_own() {
    // R-EVENTS: a stream lasts no longer than the access that opened it.
    let app = spawn_app().await;
    let p: StaffedPractice = app.staffed_practice("Session Clinic").await;
    let http = reqwest::Client::new();
    let base = &app.url("");
    let laptop = app.sign_in(&p.client.account()).await;
    let laptop_member = Member {
        person: p.client.person.clone(),
        token: laptop.access_token.clone(),
    };
    let mut on_laptop = follow(&http, base, &laptop_member).await;
    let mut on_phone = follow(&http, base, &p.client).await;

    let out = http
        .post(app.url("/api/v1/auth/logout"))
        .json(&json!({"refresh_token": laptop.refresh_token}))
        .send()
        .await
        .expect("an answer");
    assert_eq!(out.status(), 204);
    let last = on_laptop.expect(WITHIN).await;
    assert_eq!(last.kind, "session_ended");
    assert!(matches!(on_laptop.next(WITHIN).await, Next::Ended));
    assert!(
        on_phone.drain(QUIET).await.is_empty(),
        "another session's stream stays open and hears nothing of it"
    );
    assert!(
        LiveStream::open(&http, base, Auth::Bearer(&laptop.access_token), None)
            .await
            .is_err(),
        "the signed-out token opens no new stream"
    );

    // A token that expires in two seconds: its stream ends then.
    let short = short_lived(&p.client.token, 2);
    let mut brief = LiveStream::open(&http, base, Auth::Bearer(&short), None)
        .await
        .unwrap_or_else(|r| panic!("{}", r.status()));
    assert_eq!(brief.expect(WITHIN).await.kind, "ready");
    let started = Instant::now();
    assert!(brief.ends_within(Duration::from_secs(5)).await);
    let lasted = started.elapsed();
    assert!(lasted < Duration::from_secs(4), "ended after {lasted:?}");
    assert!(
        matches!(on_phone.next(QUIET).await, Next::Quiet),
        "the phone's stream is still open"
    );
}

/// `token` re-signed with the test key to expire `seconds` from now.
fn short_lived(token: &str, seconds: i64) -> String {
    use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
    let secret = confidant_tests::app::TEST_JWT_SECRET.as_bytes();
    let mut validation = Validation::new(Algorithm::HS256);
    validation.set_audience(&["confidant-api"]);
    let mut claims: Value =
        jsonwebtoken::decode(token, &DecodingKey::from_secret(secret), &validation)
            .expect("a test token")
            .claims;
    claims["exp"] = json!(chrono::Utc::now().timestamp() + seconds);
    jsonwebtoken::encode(
        &Header::new(Algorithm::HS256),
        &claims,
        &EncodingKey::from_secret(secret),
    )
    .expect("signed")
}
