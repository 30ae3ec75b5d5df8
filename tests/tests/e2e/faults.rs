//! Faults of real dependencies, on the real server process (R-FAULTS, R-BOUNDED): a mail relay
//! that accepts and never answers, a database stopped in the middle of a send, a database
//! frozen with SIGSTOP, and a file system that is full or read-only.

use std::time::{Duration, Instant};

use confidant_tests::binary::{ServerProcess, confidant_command};
use confidant_tests::faults::{OwnDatabase, SilentRelay};
use confidant_tests::files::files_under;
use confidant_tests::{TestApp, eventually, spawn_app, until};
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use serde_json::{Value, json};

const DEMO_PASSWORD: &str = "demo-password-2026";

async fn post(
    client: &reqwest::Client,
    server: &ServerProcess,
    token: &str,
    path: &str,
    body: Value,
) -> reqwest::Response {
    client
        .post(server.url(path))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .expect("an answer")
}

async fn sign_in(client: &reqwest::Client, server: &ServerProcess, email: &str) -> String {
    let answer: Value = client
        .post(server.url("/api/v1/auth/login"))
        .json(&json!({"email": email, "password": DEMO_PASSWORD}))
        .send()
        .await
        .expect("an answer")
        .json()
        .await
        .expect("tokens");
    answer["access_token"]
        .as_str()
        .expect("an access token")
        .to_owned()
}

/// Seeds the demo practice into `db` (migrating it first) and drops the emails the demo
/// queued (its invitations and notifications), so that a test sees only its own. Run before
/// the server starts, so that no worker has taken one yet.
async fn seed_demo(db: &OwnDatabase) {
    let output = confidant_command()
        .env("DATABASE_URL", &db.url)
        .args(["seed-demo", "--json"])
        .output()
        .expect("seed-demo runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let mut conn = AsyncPgConnection::establish(&db.url)
        .await
        .expect("connect");
    diesel::sql_query("DELETE FROM jobs WHERE lane = 'mail'")
        .execute(&mut conn)
        .await
        .expect("the demo's emails dropped");
}

/// The demo practice in a PostgreSQL of the test's own (which the test can stop and freeze),
/// served by a real server process with `workers` general and `workers` mail workers.
async fn demo_server(workers: &str) -> (OwnDatabase, TestApp, ServerProcess) {
    let db = OwnDatabase::start().await;
    seed_demo(&db).await;
    let app = spawn_app().await;
    let server = ServerProcess::start(
        &app,
        &[
            ("DATABASE_URL", db.url.as_str()),
            ("CONFIDANT_WORKERS", workers),
            ("CONFIDANT_MAIL_WORKERS", workers),
        ],
    )
    .await;
    (db, app, server)
}

async fn count(conn: &mut AsyncPgConnection, sql: &str) -> i64 {
    #[derive(diesel::QueryableByName)]
    struct Count {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    diesel::sql_query(sql)
        .get_result::<Count>(conn)
        .await
        .expect("a count")
        .n
}

#[tokio::test]
async fn a_mail_relay_that_never_answers_holds_up_nothing_and_loses_nothing() {
    // A relay that accepts TCP and never speaks froze all background work: lettre's timeout
    // covered only the connect, and every worker sat in an SMTP exchange.
    let app = spawn_app().await;
    let p = app.staffed_practice("Silent Relay").await;
    let relay = SilentRelay::start().await;
    let server = ServerProcess::start(
        &app,
        &[
            ("CONFIDANT_SMTP_URL", relay.url().as_str()),
            ("CONFIDANT_SMTP_TIMEOUT_SECONDS", "2"),
            ("CONFIDANT_WORKERS", "1"),
            ("CONFIDANT_MAIL_WORKERS", "2"),
        ],
    )
    .await;
    let client = reqwest::Client::new();
    let message = post(
        &client,
        &server,
        &p.provider.token,
        "/api/v1/conversations",
        json!({"recipients": [{"type": "person", "id": p.client.person.id}], "subject": "Hello", "body": "A first note."}),
    )
    .await;
    assert_eq!(message.status(), 201);
    let blast: Value = post(
        &client,
        &server,
        &p.provider.token,
        "/api/v1/blasts",
        json!({"client_ids": [p.client.person.id, p.other_client.id], "subject": "Closed Friday", "body": "See you Monday."}),
    )
    .await
    .json()
    .await
    .expect("a blast");
    let path = format!("/api/v1/blasts/{}", blast["id"].as_str().expect("an id"));
    let started = Instant::now();
    eventually(
        "the blast finishes while the relay holds every email",
        Duration::from_secs(15),
        async || {
            let progress: Value = client
                .get(server.url(&path))
                .bearer_auth(&p.provider.token)
                .send()
                .await
                .expect("progress")
                .json()
                .await
                .expect("json");
            match progress["state"].as_str() {
                Some("done") => Ok(()),
                other => Err(other.map(str::to_owned)),
            }
        },
    )
    .await;
    eprintln!(
        "blast done in {:?} with the relay silent",
        started.elapsed()
    );
    assert!(relay.has_held(), "the relay held connections");
    assert!(app.mail.messages().is_empty());

    // The attempts time out and wait for a retry; a working relay appears.
    let mut conn = app.database.connect().await;
    until(
        "the stuck sends are given up for a retry",
        Duration::from_secs(15),
        async || {
            count(
                &mut conn,
                "SELECT count(*) AS n FROM jobs WHERE kind = 'send_message_notification' AND state = 'available' AND attempts > 0",
            )
            .await
                >= 2
        },
    )
    .await;
    relay.pass_to(app.mail.address());
    diesel::sql_query("UPDATE jobs SET run_at = now() WHERE state = 'available'")
        .execute(&mut conn)
        .await
        .expect("let the retries be due");
    let notifications = count(
        &mut conn,
        "SELECT count(*) AS n FROM jobs WHERE kind = 'send_message_notification'",
    )
    .await;
    assert_eq!(notifications, 2, "the message's and the blast thread's");
    app.mail.wait_for(2, Duration::from_secs(20)).await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    let mails = app.mail.messages();
    assert_eq!(mails.len(), 2, "each notification once");
    assert!(
        mails
            .iter()
            .all(|m| m.recipients == [p.client.person.email.clone()])
    );
}

#[tokio::test]
async fn an_email_is_sent_once_when_the_database_stops_during_data() {
    // The completion record was tried once: a database blink between the relay's 250 and the
    // record left the job to run again, and the email went out twice.
    let (db, app, server) = demo_server("1").await;
    let client = reqwest::Client::new();
    let token = sign_in(&client, &server, "juniper@riverbend.example").await;
    let mut conn = AsyncPgConnection::establish(&db.url)
        .await
        .expect("connect");
    #[derive(diesel::QueryableByName)]
    struct Id {
        #[diesel(sql_type = diesel::sql_types::Uuid)]
        id: uuid::Uuid,
    }
    let rowan: Id =
        diesel::sql_query("SELECT id FROM people WHERE email = 'rowan@riverbend.example'")
            .get_result(&mut conn)
            .await
            .expect("the demo client");
    drop(conn);

    let hold = app.mail.hold_data_replies();
    let sent = post(
        &client,
        &server,
        &token,
        "/api/v1/conversations",
        json!({"recipients": [{"type": "person", "id": rowan.id}], "subject": "Hello", "body": "A note."}),
    )
    .await;
    assert_eq!(sent.status(), 201);
    tokio::time::timeout(Duration::from_secs(20), hold.arrived())
        .await
        .expect("the notification reached the relay's DATA phase");
    db.stop();
    hold.release();
    tokio::time::sleep(Duration::from_secs(10)).await;
    db.restart();

    let mut conn = AsyncPgConnection::establish(&db.url)
        .await
        .expect("connect");
    until(
        "the send is recorded once the database is back",
        Duration::from_secs(30),
        async || {
            count(
                &mut conn,
                "SELECT count(*) AS n FROM jobs WHERE kind = 'send_message_notification' AND state = 'completed'",
            )
            .await
                >= 1
        },
    )
    .await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(app.mail.messages().len(), 1, "exactly one email");
    let attempts = count(
        &mut conn,
        "SELECT attempts::bigint AS n FROM jobs WHERE kind = 'send_message_notification'",
    )
    .await;
    assert_eq!(attempts, 1, "it was not run again");
}

#[tokio::test]
async fn a_frozen_database_answers_503_quickly_and_recovers_without_a_restart() {
    // A hung database held requests for up to 10 s and /readyz for 5-7 s.
    let (db, _app, server) = demo_server("0").await;
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()
        .expect("a client");
    let token = sign_in(&client, &server, "olive@riverbend.example").await;
    let me = || {
        client
            .get(server.url("/api/v1/me"))
            .bearer_auth(&token)
            .send()
    };
    assert_eq!(me().await.expect("me").status(), 200);

    db.freeze();
    let started = Instant::now();
    let answer = me().await.expect("an answer while frozen");
    let took = started.elapsed();
    assert_eq!(answer.status(), 503);
    assert!(answer.headers().contains_key("retry-after"));
    assert!(took < Duration::from_secs(6), "answered in {took:?}");
    let started = Instant::now();
    let ready = client
        .get(server.url("/readyz"))
        .send()
        .await
        .expect("readiness");
    let ready_took = started.elapsed();
    assert_eq!(ready.status(), 503);
    assert!(
        ready_took < Duration::from_secs(3),
        "/readyz in {ready_took:?}"
    );
    eprintln!("frozen database: API 503 in {took:?}, /readyz 503 in {ready_took:?}");

    db.thaw();
    let started = Instant::now();
    until(
        "recovered without a restart",
        Duration::from_secs(15),
        async || me().await.is_ok_and(|r| r.status() == 200),
    )
    .await;
    eprintln!("recovered {:?} after the thaw", started.elapsed());
}

/// A small tmpfs, unmounted when dropped (root only: mounting needs it).
struct SmallDisk {
    dir: tempfile::TempDir,
}

impl SmallDisk {
    fn mount(size: &str) -> Self {
        assert!(
            local_postgres::is_root(),
            "this test mounts a small tmpfs to fill it, which needs root (CI runs as root)"
        );
        let dir = tempfile::tempdir().expect("a mount point");
        let status = std::process::Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(dir.path())
            .status()
            .expect("mount");
        assert!(status.success(), "mount a tmpfs");
        Self { dir }
    }

    fn remount(&self, mode: &str) {
        let status = std::process::Command::new("mount")
            .args(["-o", &format!("remount,{mode}")])
            .arg(self.dir.path())
            .status()
            .expect("mount");
        assert!(status.success(), "remount {mode}");
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        drop(
            std::process::Command::new("umount")
                .arg(self.dir.path())
                .status(),
        );
    }
}

async fn upload(server: &ServerProcess, token: &str, bytes: Vec<u8>) -> reqwest::Response {
    let part = reqwest::multipart::Part::bytes(bytes)
        .file_name("notes.txt")
        .mime_str("text/plain")
        .expect("a part");
    reqwest::Client::new()
        .post(server.url("/api/v1/attachments"))
        .bearer_auth(token)
        .multipart(reqwest::multipart::Form::new().part("file", part))
        .send()
        .await
        .expect("an answer")
}

#[tokio::test]
async fn a_full_or_read_only_storage_answers_507_or_503_and_recovers() {
    // Storage full gave a 500 "internal" problem, logged as `cause_kind=dyn core::error::Error`.
    let disk = SmallDisk::mount("1m");
    let app = spawn_app().await;
    let p = app.staffed_practice("Full Disk").await;
    let storage = disk.dir.path().display().to_string();
    let server = ServerProcess::start_logging(
        &app,
        &[
            ("CONFIDANT_STORAGE", storage.as_str()),
            ("CONFIDANT_WORKERS", "0"),
        ],
    )
    .await;
    let filler = disk.dir.path().join("filler");
    std::fs::write(&filler, vec![0u8; 900_000]).expect("fill the disk");
    let text = "Session notes. ".repeat(20_000).into_bytes();

    let full = upload(&server, &p.provider.token, text.clone()).await;
    assert_eq!(full.status(), 507);
    let problem: Value = full.json().await.expect("a problem");
    assert_eq!(problem["code"], "insufficient_storage");
    let mut conn = app.database.connect().await;
    assert_eq!(
        count(&mut conn, "SELECT count(*) AS n FROM attachments").await,
        0
    );
    let left: Vec<_> = files_under(disk.dir.path())
        .into_iter()
        .filter(|file| *file != filler)
        .collect();
    assert!(
        left.is_empty(),
        "nothing half-written is left behind: {left:?}"
    );
    let log = server.log();
    assert!(log.contains("file storage is full"), "{log}");
    assert!(
        log.contains("StorageFull"),
        "the real cause is logged: {log}"
    );

    // Space returns: the same upload is stored.
    std::fs::remove_file(&filler).expect("free the disk");
    assert_eq!(
        upload(&server, &p.provider.token, text.clone())
            .await
            .status(),
        201
    );

    // Read-only storage is unavailable, not the caller's fault.
    disk.remount("ro");
    let read_only = upload(&server, &p.provider.token, text.clone()).await;
    assert_eq!(read_only.status(), 503);
    assert!(read_only.headers().contains_key("retry-after"));
    assert!(server.log().contains("file storage is unavailable"));
    disk.remount("rw");
    assert_eq!(upload(&server, &p.provider.token, text).await.status(), 201);
}

#[tokio::test]
async fn a_database_restart_loses_no_event_for_a_connected_stream() {
    // R-EVENTS, R-FAULTS: the instance's one LISTEN connection breaks with the database; it
    // reconnects with backoff and reads everything committed meanwhile from the log, while
    // the subscriber's own stream stays open throughout.
    use confidant_tests::live::{Auth, LiveStream, Next};
    let (db, _app, server) = demo_server("0").await;
    let client = reqwest::Client::new();
    let juniper = sign_in(&client, &server, "juniper@riverbend.example").await;
    let rowan = sign_in(&client, &server, "rowan@riverbend.example").await;
    let rowan_id = {
        let me: Value = client
            .get(server.url("/api/v1/me"))
            .bearer_auth(&rowan)
            .send()
            .await
            .expect("me")
            .json()
            .await
            .expect("me");
        me["person"]["id"].clone()
    };
    let mut stream = LiveStream::open(&client, &server.base, Auth::Bearer(&rowan), None)
        .await
        .unwrap_or_else(|response| panic!("the stream opens: {}", response.status()));
    assert_eq!(stream.expect(Duration::from_secs(2)).await.kind, "ready");
    let message = json!({"recipients": [{"type": "person", "id": rowan_id}], "subject": "Before", "body": "A note."});
    let sent = post(&client, &server, &juniper, "/api/v1/conversations", message).await;
    assert_eq!(sent.status(), 201);
    let before = stream.expect(Duration::from_secs(2)).await;
    assert_eq!(before.kind, "conversation_created");

    db.stop();
    tokio::time::sleep(Duration::from_secs(2)).await;
    db.restart();
    // Committed as soon as the database is back, before the listener has reconnected.
    let mut sent_after = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(20);
    while sent_after.len() < 3 {
        assert!(Instant::now() < deadline, "the server serves again");
        let message = json!({"recipients": [{"type": "person", "id": rowan_id}], "subject": "After", "body": "Another note."});
        let answer = post(&client, &server, &juniper, "/api/v1/conversations", message).await;
        if answer.status() == 201 {
            let thread: Value = answer.json().await.expect("a thread");
            sent_after.push(thread["id"].clone());
        } else {
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
    let mut heard = Vec::new();
    while heard.len() < sent_after.len() {
        match stream.next(Duration::from_secs(10)).await {
            Next::Event(event) => {
                assert!(event.id > before.id, "in order, nothing repeated");
                heard.push(event.data["conversation_id"].clone());
            }
            other => panic!("the same stream delivers what was committed: {other:?}"),
        }
    }
    assert_eq!(heard, sent_after, "every event, in commit order");
}
