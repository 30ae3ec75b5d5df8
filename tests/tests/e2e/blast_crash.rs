//! R-BLAST-QUEUE under a crash: the real server process is killed with SIGKILL in the middle
//! of a fan-out and started again; every eligible client ends with exactly one thread.

use std::time::{Duration, Instant};

use confidant_openapi::blasts::{Blast, BlastState};
use confidant_tests::binary::ServerProcess;
use confidant_tests::{TestApp, eventually, spawn_app};
use serde_json::json;

/// The real server with two workers and a short job lease, so that a dead worker's job is
/// taken over quickly.
async fn start_server(app: &TestApp) -> ServerProcess {
    ServerProcess::start(
        app,
        &[
            ("CONFIDANT_WORKERS", "2"),
            ("CONFIDANT_JOB_LEASE_SECONDS", "3"),
        ],
    )
    .await
}

async fn progress(
    client: &reqwest::Client,
    server: &ServerProcess,
    token: &str,
    id: uuid::Uuid,
) -> Blast {
    client
        .get(server.url(&format!("/api/v1/blasts/{id}")))
        .bearer_auth(token)
        .send()
        .await
        .expect("an answer")
        .json()
        .await
        .expect("a blast")
}

#[tokio::test]
async fn a_blast_killed_mid_fan_out_ends_with_exactly_one_thread_per_client() {
    // R-BLAST-QUEUE, R-BLAST-NEW, R-BLAST-ACTIVE
    let app = spawn_app().await;
    let p = app.staffed_practice("Crash Clinic").await;
    let provider = p.provider.person.id;
    let active = app
        .add_clients_directly(p.id, Some(provider), 8_000, "active")
        .await;
    let inactive = app
        .add_clients_directly(p.id, Some(provider), 300, "inactive")
        .await;
    let eligible = active.len() as i64 + 1; // and Cleo, the fixture's client
    let client = reqwest::Client::new();

    let server = start_server(&app).await;
    let mut ids: Vec<uuid::Uuid> = inactive.clone();
    ids.extend(&active);
    let response = client
        .post(server.url("/api/v1/blasts"))
        .bearer_auth(&p.provider.token)
        .json(&json!({"all_my_active_clients": true, "client_ids": inactive, "subject": "Moving", "body": "We are moving to a new office."}))
        .send()
        .await
        .expect("an answer");
    assert_eq!(response.status(), 202);
    let blast: Blast = response.json().await.expect("a blast");
    assert_eq!(i64::from(blast.total), eligible + inactive.len() as i64);

    // Wait for the first chunk to commit, then kill the process in the middle.
    let deadline = Instant::now() + Duration::from_secs(60);
    let at_kill = loop {
        let now = progress(&client, &server, &p.provider.token, blast.id).await;
        if now.sent + now.skipped > 0 {
            break now;
        }
        assert!(Instant::now() < deadline, "the fan-out did not start");
        tokio::time::sleep(Duration::from_millis(2)).await;
    };
    server.kill();
    let handled_at_kill = app.count(&format!(
            "SELECT count(*) AS n FROM blast_recipients WHERE blast_id = '{}' AND outcome IS NOT NULL",
            blast.id
        ),
    )
    .await;
    assert!(
        handled_at_kill < i64::from(blast.total),
        "killed mid-way (at {at_kill:?}, {handled_at_kill} handled)"
    );

    // Start again: the job's lease runs out and a worker of the new process resumes it.
    let server = start_server(&app).await;
    let done = eventually(
        "the fan-out finishes",
        Duration::from_secs(120),
        async || {
            let now = progress(&client, &server, &p.provider.token, blast.id).await;
            if now.state == BlastState::Done {
                Ok(now)
            } else {
                Err(now)
            }
        },
    )
    .await;
    assert_eq!(i64::from(done.sent), eligible);
    assert_eq!(done.skipped as usize, inactive.len());
    assert_eq!(done.failed, 0);

    let threads = app
        .count("SELECT count(*) AS n FROM conversations WHERE kind = 'blast'")
        .await;
    assert_eq!(
        threads, eligible,
        "one thread per eligible client, none missing"
    );
    let doubled = app
        .count(&format!(
            "SELECT count(*) AS n FROM (SELECT p.person_id FROM conversation_participants p \
             JOIN conversations c ON c.id = p.conversation_id \
             WHERE c.kind = 'blast' AND p.person_id <> '{provider}' \
             GROUP BY p.person_id HAVING count(*) > 1) d"
        ))
        .await;
    assert_eq!(doubled, 0, "none doubled");
    let messages = app
        .count(
            "SELECT count(*) AS n FROM messages m JOIN conversations c ON c.id = m.conversation_id \
         WHERE c.kind = 'blast'",
        )
        .await;
    assert_eq!(messages, eligible, "one message per thread");
    let inactive_threads = app
        .count(&format!(
            "SELECT count(*) AS n FROM conversation_participants p \
             JOIN conversations c ON c.id = p.conversation_id \
             WHERE c.kind = 'blast' AND p.person_id IN ({})",
            inactive
                .iter()
                .map(|id| format!("'{id}'"))
                .collect::<Vec<_>>()
                .join(",")
        ))
        .await;
    assert_eq!(inactive_threads, 0, "the inactive were skipped");
    let unrecorded = app
        .count(&format!(
            "SELECT count(*) AS n FROM blast_recipients WHERE blast_id = '{}' \
             AND (outcome IS NULL OR (outcome = 'sent') <> (conversation_id IS NOT NULL))",
            blast.id
        ))
        .await;
    assert_eq!(unrecorded, 0, "every client's outcome and thread recorded");
    server.kill();
}
