//! The `confidant` command line: clear one-line errors, migrations, graceful shutdown.

use std::io::Read;
use std::process::{Command, Stdio};
use std::time::Duration;

use confidant_tests::binary::confidant_command;
use confidant_tests::database::TestDatabase;
use confidant_tests::{eventually, until};

fn run(envs: &[(&str, &str)], args: &[&str]) -> (bool, String) {
    let output = confidant_command()
        .envs(envs.iter().copied())
        .args(args)
        .output()
        .expect("run confidant");
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

fn assert_one_clear_line(stderr: &str, expected: &str) {
    let lines: Vec<&str> = stderr
        .lines()
        .filter(|line| !line.trim().is_empty())
        .collect();
    assert_eq!(lines.len(), 1, "exactly one line: {stderr:?}");
    assert!(lines[0].starts_with("confidant: "), "{stderr:?}");
    assert!(
        lines[0].contains(expected),
        "mentions {expected:?}: {stderr:?}"
    );
    assert!(!stderr.contains("panicked"), "{stderr:?}");
}

#[test]
fn malformed_database_url_is_one_clear_line() {
    let (ok, stderr) = run(&[("DATABASE_URL", "not a url")], &["serve"]);
    assert!(!ok);
    assert_one_clear_line(&stderr, "DATABASE_URL");
}

#[test]
fn missing_database_url_is_one_clear_line() {
    let (ok, stderr) = run(&[], &["migrate"]);
    assert!(!ok);
    assert_one_clear_line(&stderr, "DATABASE_URL: not set");
}

#[test]
fn unreachable_database_is_one_clear_line_without_the_password() {
    let port = local_postgres::free_port().expect("a free port");
    let url = format!("postgres://app:hunter2@127.0.0.1:{port}/confidant");
    let (ok, stderr) = run(&[("DATABASE_URL", &url)], &["serve"]);
    assert!(!ok);
    assert_one_clear_line(
        &stderr,
        &format!("cannot connect to the database at 127.0.0.1:{port}/confidant"),
    );
    assert!(!stderr.contains("hunter2"), "{stderr:?}");
}

#[test]
fn bad_setting_is_one_clear_line() {
    let (ok, stderr) = run(
        &[
            ("DATABASE_URL", "postgres://x@127.0.0.1:1/y"),
            ("CONFIDANT_LISTEN", "everywhere"),
        ],
        &["serve"],
    );
    assert!(!ok);
    assert_one_clear_line(&stderr, "CONFIDANT_LISTEN");
}

#[tokio::test]
async fn migrate_succeeds_and_is_idempotent() {
    let database = TestDatabase::create().await;
    for _ in 0..2 {
        let (ok, stderr) = run(&[("DATABASE_URL", database.url())], &["migrate"]);
        assert!(ok, "{stderr}");
    }
}

#[tokio::test]
async fn serve_stops_gracefully_on_sigterm() {
    let database = TestDatabase::create().await;
    let port = local_postgres::free_port().expect("a free port");
    let mut child = confidant_command()
        .env("DATABASE_URL", database.url())
        .env("CONFIDANT_LISTEN", format!("127.0.0.1:{port}"))
        .env("CONFIDANT_SHUTDOWN_SECONDS", "5")
        .env("CONFIDANT_LOG_FORMAT", "json")
        .arg("serve")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start confidant serve");

    let client = reqwest::Client::new();
    let url = format!("http://127.0.0.1:{port}/healthz");
    until("the server comes up", Duration::from_secs(30), async || {
        assert!(
            child.try_wait().expect("poll").is_none(),
            "the server exited early"
        );
        client
            .get(&url)
            .send()
            .await
            .is_ok_and(|r| r.status() == 200)
    })
    .await;

    // Requests whose paths and queries carry private words: none may reach the log.
    for path in [
        "/api/v1/people?q=Jane%20Privateperson",
        "/messages/Privateperson-thread",
        "/api/v1/conversations/Privateperson",
    ] {
        let response = client
            .get(format!("http://127.0.0.1:{port}{path}"))
            .send()
            .await
            .expect("an answer");
        assert!(response.status().is_client_error(), "{path}");
    }

    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("send SIGTERM");
    assert!(killed.success());
    let status = eventually(
        "the server stops after SIGTERM",
        Duration::from_secs(15),
        async || child.try_wait().expect("poll").ok_or("still running"),
    )
    .await;
    assert!(status.success(), "a clean exit after SIGTERM: {status}");
    let mut stdout = String::new();
    child
        .stdout
        .take()
        .expect("stdout")
        .read_to_string(&mut stdout)
        .expect("read stdout");
    assert!(
        stdout.contains(&format!("http://127.0.0.1:{port}")),
        "{stdout}"
    );

    // Logs go to stderr as JSON lines, one per request with its id, and hold nothing of the
    // paths or query strings (which can carry names).
    let mut logs = String::new();
    child
        .stderr
        .take()
        .expect("stderr")
        .read_to_string(&mut logs)
        .expect("read stderr");
    let request_lines: Vec<serde_json::Value> = logs
        .lines()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .filter(|entry| entry["message"] == "request done")
        .collect();
    assert!(request_lines.len() >= 4, "{logs}");
    assert!(
        request_lines.iter().all(|entry| {
            entry["span"]["request_id"]
                .as_str()
                .is_some_and(|id| !id.is_empty())
        }),
        "{logs}"
    );
    assert!(
        !logs.contains("Privateperson"),
        "private words logged: {logs}"
    );
    assert!(
        !logs.contains('\u{1b}'),
        "no colour codes in a pipe: {logs}"
    );
}

fn create_practice_args<'a>(email: &'a str, password: &'a str) -> Vec<&'a str> {
    vec![
        "create-practice",
        "--name",
        "Lakeside Counselling",
        "--owner-name",
        "Dana Reyes",
        "--owner-email",
        email,
        "--owner-password",
        password,
    ]
}

#[tokio::test]
async fn create_practice_prints_the_new_ids_and_the_owner_can_sign_in() {
    let database = TestDatabase::create().await;
    let output = confidant_command()
        .env("DATABASE_URL", database.url())
        .args(create_practice_args(
            "Dana@Lakeside.test",
            "a long enough password",
        ))
        .output()
        .expect("run create-practice");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let created: serde_json::Value =
        serde_json::from_slice(&output.stdout).expect("JSON on stdout");
    let practice_id = created["practice_id"].as_str().expect("practice_id");
    let owner_id = created["owner_id"].as_str().expect("owner_id");
    assert!(uuid::Uuid::parse_str(practice_id).is_ok());
    assert!(uuid::Uuid::parse_str(owner_id).is_ok());

    // The same email again: one clear line, nothing created.
    let (ok, stderr) = run(
        &[("DATABASE_URL", database.url())],
        &create_practice_args("dana@lakeside.test", "a long enough password"),
    );
    assert!(!ok);
    assert_one_clear_line(&stderr, "exists already");
}

#[tokio::test]
async fn create_practice_refuses_a_short_password_in_one_line() {
    let database = TestDatabase::create().await;
    let (ok, stderr) = run(
        &[("DATABASE_URL", database.url())],
        &create_practice_args("dana@lakeside.test", "short"),
    );
    assert!(!ok);
    assert_one_clear_line(&stderr, "--owner-password");
    let (ok, stderr) = run(
        &[("DATABASE_URL", database.url())],
        &create_practice_args("not-an-email", "a long enough password"),
    );
    assert!(!ok);
    assert_one_clear_line(&stderr, "--owner-email");
}
