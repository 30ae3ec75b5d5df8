//! The durable job queue: enqueue in transactions, idempotency, retries and backoff, dead
//! jobs, leases of dead workers, concurrent claimers, heartbeats and graceful shutdown.
//!
//! Time is simulated by rewriting `run_at` / `locked_until` rather than by sleeping.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use confidant::jobs::{
    self, BackgroundJob, JobContext, JobError, Registry, WorkerSettings, Workers,
};
use confidant_tests::binary::confidant_command;
use confidant_tests::database::TestDatabase;
use confidant_tests::smtp::SmtpSink;
use confidant_tests::{TestApp, eventually, spawn_app, until};
use diesel::sql_types::{BigInt, Bool, Double, Integer, Nullable, Text, Uuid as SqlUuid};
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

// ---- Job types of these tests -------------------------------------------------------------

/// Records each run in `test_job_runs`, after an optional pause.
#[derive(Serialize, Deserialize)]
struct RecordRun {
    token: Uuid,
    pause_ms: u64,
}

impl BackgroundJob for RecordRun {
    const KIND: &'static str = "test-record-run";

    async fn run(self, ctx: JobContext) -> Result<(), JobError> {
        tokio::time::sleep(Duration::from_millis(self.pause_ms)).await;
        let mut conn = ctx.pool.get().await?;
        record_run(&mut conn, self.token).await?;
        Ok(())
    }
}

/// Fails (retryably) on its first `failures` runs, then succeeds.
#[derive(Serialize, Deserialize)]
struct Flaky {
    token: Uuid,
    failures: i64,
}

impl BackgroundJob for Flaky {
    const KIND: &'static str = "test-flaky";
    const MAX_ATTEMPTS: i32 = 3;

    async fn run(self, ctx: JobContext) -> Result<(), JobError> {
        let mut conn = ctx.pool.get().await?;
        record_run(&mut conn, self.token).await?;
        if runs_of(&mut conn, self.token).await? <= self.failures {
            return Err(JobError::retryable("test: flaky failure"));
        }
        Ok(())
    }
}

/// Always fails for good.
#[derive(Serialize, Deserialize)]
struct Refused {
    token: Uuid,
}

impl BackgroundJob for Refused {
    const KIND: &'static str = "test-refused";

    async fn run(self, ctx: JobContext) -> Result<(), JobError> {
        let mut conn = ctx.pool.get().await?;
        record_run(&mut conn, self.token).await?;
        Err(JobError::permanent("test: refused for good"))
    }
}

/// Emails `person-<n>@example.test` through the app's mailer (the payload holds a number,
/// not the address, as real jobs hold ids).
#[derive(Serialize, Deserialize)]
struct SendTestEmail {
    n: u32,
}

impl SendTestEmail {
    fn address(n: u32) -> String {
        format!("person-{n}@example.test")
    }
}

impl BackgroundJob for SendTestEmail {
    const KIND: &'static str = "test-send-email";
    const MAX_ATTEMPTS: i32 = 3;

    async fn run(self, ctx: JobContext) -> Result<(), JobError> {
        let email = confidant::email::OutgoingEmail {
            to: Self::address(self.n),
            subject: format!("Test {}", self.n),
            text: "Plain".into(),
            html: "<p>HTML</p>".into(),
        };
        ctx.mailer.send(&email).await?;
        Ok(())
    }
}

fn registry() -> Registry {
    confidant::startup::job_registry()
        .with::<RecordRun>()
        .with::<Flaky>()
        .with::<Refused>()
        .with::<SendTestEmail>()
}

// ---- Looking behind the queue -------------------------------------------------------------

#[derive(Debug, diesel::QueryableByName)]
struct JobRow {
    #[diesel(sql_type = Text)]
    state: String,
    #[diesel(sql_type = Integer)]
    attempts: i32,
    #[diesel(sql_type = Nullable<Text>)]
    last_error: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    locked_by: Option<String>,
    /// Seconds from now until `run_at` (negative when due).
    #[diesel(sql_type = Double)]
    due_in_s: f64,
    #[diesel(sql_type = Bool)]
    finished: bool,
}

#[derive(diesel::QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    count: i64,
}

async fn jobs_of_kind(conn: &mut AsyncPgConnection, kind: &str) -> Vec<JobRow> {
    diesel::sql_query(
        "SELECT state, attempts, last_error, locked_by, \
             EXTRACT(EPOCH FROM run_at - now())::float8 AS due_in_s, \
             finished_at IS NOT NULL AS finished \
         FROM jobs WHERE kind = $1 ORDER BY created_at, id",
    )
    .bind::<Text, _>(kind)
    .load(conn)
    .await
    .expect("read the jobs")
}

async fn only_job(conn: &mut AsyncPgConnection, kind: &str) -> JobRow {
    let mut rows = jobs_of_kind(conn, kind).await;
    assert_eq!(rows.len(), 1, "exactly one {kind} job: {rows:?}");
    rows.remove(0)
}

async fn count(conn: &mut AsyncPgConnection, sql: &str) -> i64 {
    diesel::sql_query(sql)
        .get_result::<Count>(conn)
        .await
        .expect("count")
        .count
}

async fn execute(conn: &mut AsyncPgConnection, sql: &str) {
    diesel::sql_query(sql)
        .execute(conn)
        .await
        .unwrap_or_else(|error| panic!("{sql}: {error}"));
}

/// Makes every waiting job of `kind` due now, as if its backoff had passed.
async fn make_due(conn: &mut AsyncPgConnection, kind: &str) {
    diesel::sql_query("UPDATE jobs SET run_at = now() WHERE kind = $1 AND state = 'available'")
        .bind::<Text, _>(kind)
        .execute(conn)
        .await
        .expect("make the jobs due");
}

async fn create_runs_table(conn: &mut AsyncPgConnection) {
    execute(
        conn,
        "CREATE TABLE IF NOT EXISTS test_job_runs (token uuid NOT NULL, \
         ran_at timestamptz NOT NULL DEFAULT now())",
    )
    .await;
}

async fn record_run(conn: &mut AsyncPgConnection, token: Uuid) -> diesel::QueryResult<usize> {
    diesel::sql_query("INSERT INTO test_job_runs (token) VALUES ($1)")
        .bind::<SqlUuid, _>(token)
        .execute(conn)
        .await
}

async fn runs_of(conn: &mut AsyncPgConnection, token: Uuid) -> diesel::QueryResult<i64> {
    Ok(
        diesel::sql_query("SELECT count(*) AS count FROM test_job_runs WHERE token = $1")
            .bind::<SqlUuid, _>(token)
            .get_result::<Count>(conn)
            .await?
            .count,
    )
}

async fn app_with_runs_table() -> (TestApp, AsyncPgConnection) {
    let app = spawn_app().await;
    let mut conn = app.database.connect().await;
    create_runs_table(&mut conn).await;
    (app, conn)
}

async fn enqueue<J: BackgroundJob>(conn: &mut AsyncPgConnection, job: &J) {
    assert!(
        jobs::enqueue(conn, job, None).await.expect("enqueue"),
        "enqueued"
    );
}

/// Waits until `check` holds, polling the database; panics after `timeout`.
async fn until_in_db<F>(conn: &mut AsyncPgConnection, timeout: Duration, what: &str, check: F)
where
    F: AsyncFn(&mut AsyncPgConnection) -> bool,
{
    until(what, timeout, async || check(&mut *conn).await).await;
}

// ---- Enqueueing -----------------------------------------------------------------------------

#[tokio::test]
async fn enqueued_job_runs_once_and_is_completed() {
    let (app, mut conn) = app_with_runs_table().await;
    let token = Uuid::new_v4();
    enqueue(&mut conn, &RecordRun { token, pause_ms: 0 }).await;

    assert_eq!(app.run_jobs_with(&registry()).await, 1);

    assert_eq!(runs_of(&mut conn, token).await.expect("runs"), 1);
    let job = only_job(&mut conn, RecordRun::KIND).await;
    assert_eq!(job.state, "completed");
    assert_eq!(job.attempts, 1);
    assert!(job.finished);
    assert_eq!(job.locked_by, None);
    // Nothing is left to run.
    assert_eq!(app.run_jobs_with(&registry()).await, 0);
}

#[tokio::test]
async fn job_enqueued_in_a_rolled_back_transaction_does_not_exist() {
    let (app, mut conn) = app_with_runs_table().await;
    let token = Uuid::new_v4();
    let result: Result<(), diesel::result::Error> = conn
        .transaction(async |conn| {
            let job = RecordRun { token, pause_ms: 0 };
            assert!(jobs::enqueue(conn, &job, Some("rolled-back")).await?);
            // The data the job belongs to fails to save: everything is undone.
            Err(diesel::result::Error::RollbackTransaction)
        })
        .await;
    assert!(result.is_err());

    assert_eq!(
        count(&mut conn, "SELECT count(*) AS count FROM jobs").await,
        0
    );
    assert_eq!(app.run_jobs_with(&registry()).await, 0);
    // The key was never taken either.
    let job = RecordRun { token, pause_ms: 0 };
    assert!(
        jobs::enqueue(&mut conn, &job, Some("rolled-back"))
            .await
            .expect("enqueue")
    );
}

#[tokio::test]
async fn same_idempotency_key_gives_one_job() {
    let (app, mut conn) = app_with_runs_table().await;
    let token = Uuid::new_v4();
    let job = RecordRun { token, pause_ms: 0 };
    let key = Some("invitation-email:1234");

    assert!(jobs::enqueue(&mut conn, &job, key).await.expect("first"));
    assert!(!jobs::enqueue(&mut conn, &job, key).await.expect("second"));
    assert_eq!(app.run_jobs_with(&registry()).await, 1);
    // Still one job after it completed: the key stays taken.
    assert!(!jobs::enqueue(&mut conn, &job, key).await.expect("third"));
    assert_eq!(app.run_jobs_with(&registry()).await, 0);

    assert_eq!(runs_of(&mut conn, token).await.expect("runs"), 1);
    assert_eq!(jobs_of_kind(&mut conn, RecordRun::KIND).await.len(), 1);
    // Jobs without a key are never merged.
    assert!(jobs::enqueue(&mut conn, &job, None).await.expect("no key"));
    assert!(jobs::enqueue(&mut conn, &job, None).await.expect("no key"));
    assert_eq!(jobs_of_kind(&mut conn, RecordRun::KIND).await.len(), 3);
}

// ---- Failures -------------------------------------------------------------------------------

#[tokio::test]
async fn failed_job_is_retried_after_its_backoff_and_then_succeeds() {
    let (app, mut conn) = app_with_runs_table().await;
    let token = Uuid::new_v4();
    enqueue(&mut conn, &Flaky { token, failures: 1 }).await;

    assert_eq!(app.run_jobs_with(&registry()).await, 1);
    let job = only_job(&mut conn, Flaky::KIND).await;
    assert_eq!(job.state, "available");
    assert_eq!(job.attempts, 1);
    assert_eq!(job.last_error.as_deref(), Some("test: flaky failure"));
    // The first backoff is 15 s ± 20 %.
    assert!(
        (11.0..=18.5).contains(&job.due_in_s),
        "due in {} s",
        job.due_in_s
    );
    // Not due yet: nothing runs.
    assert_eq!(app.run_jobs_with(&registry()).await, 0);

    make_due(&mut conn, Flaky::KIND).await;
    assert_eq!(app.run_jobs_with(&registry()).await, 1);
    let job = only_job(&mut conn, Flaky::KIND).await;
    assert_eq!(job.state, "completed");
    assert_eq!(job.attempts, 2);
    assert_eq!(runs_of(&mut conn, token).await.expect("runs"), 2);
}

#[tokio::test]
async fn backoff_grows_with_each_failed_attempt() {
    let (app, mut conn) = app_with_runs_table().await;
    enqueue(
        &mut conn,
        &Flaky {
            token: Uuid::new_v4(),
            failures: 5,
        },
    )
    .await;
    app.run_jobs_with(&registry()).await;
    let first = only_job(&mut conn, Flaky::KIND).await.due_in_s;
    make_due(&mut conn, Flaky::KIND).await;
    app.run_jobs_with(&registry()).await;
    let second = only_job(&mut conn, Flaky::KIND).await.due_in_s;
    // 15 s ± 20 % then 30 s ± 20 %.
    assert!(second > first, "{first} then {second}");
    assert!((23.5..=36.5).contains(&second), "{second}");
}

#[tokio::test]
async fn job_that_keeps_failing_is_dead_with_a_last_error_free_of_addresses() {
    let app = spawn_app().await;
    let mut conn = app.database.connect().await;
    app.mail.fail_next(usize::MAX, 451);
    enqueue(&mut conn, &SendTestEmail { n: 7 }).await;

    for attempt in 1..=SendTestEmail::MAX_ATTEMPTS {
        assert_eq!(app.run_jobs_with(&registry()).await, 1, "attempt {attempt}");
        make_due(&mut conn, SendTestEmail::KIND).await;
    }
    assert_eq!(
        app.run_jobs_with(&registry()).await,
        0,
        "nothing after death"
    );

    let job = only_job(&mut conn, SendTestEmail::KIND).await;
    assert_eq!(job.state, "dead");
    assert_eq!(job.attempts, SendTestEmail::MAX_ATTEMPTS);
    assert!(job.finished);
    let last_error = job.last_error.expect("a last error");
    assert_eq!(last_error, "transient mail failure: SMTP 451");
    assert!(!last_error.contains('@'), "{last_error}");
    assert!(app.mail.messages().is_empty());
}

#[tokio::test]
async fn permanent_failure_is_dead_at_once() {
    let (app, mut conn) = app_with_runs_table().await;
    let token = Uuid::new_v4();
    enqueue(&mut conn, &Refused { token }).await;

    assert_eq!(app.run_jobs_with(&registry()).await, 1);
    let job = only_job(&mut conn, Refused::KIND).await;
    assert_eq!(job.state, "dead");
    assert_eq!(job.attempts, 1);
    assert_eq!(job.last_error.as_deref(), Some("test: refused for good"));
    make_due(&mut conn, Refused::KIND).await;
    assert_eq!(app.run_jobs_with(&registry()).await, 0);
    assert_eq!(runs_of(&mut conn, token).await.expect("runs"), 1);
}

#[tokio::test]
async fn email_refused_for_good_is_dead_at_once() {
    let app = spawn_app().await;
    let mut conn = app.database.connect().await;
    app.mail.fail_next(1, 554);
    enqueue(&mut conn, &SendTestEmail { n: 3 }).await;

    assert_eq!(app.run_jobs_with(&registry()).await, 1);
    let job = only_job(&mut conn, SendTestEmail::KIND).await;
    assert_eq!(job.state, "dead");
    assert_eq!(
        job.last_error.as_deref(),
        Some("permanent mail failure: SMTP 554")
    );
}

#[tokio::test]
async fn email_job_outlasts_an_smtp_outage_and_is_delivered_once() {
    let app = spawn_app().await;
    let mut conn = app.database.connect().await;
    app.mail.fail_next(2, 451);
    enqueue(&mut conn, &SendTestEmail { n: 1 }).await;

    for _ in 0..3 {
        assert_eq!(app.run_jobs_with(&registry()).await, 1);
        make_due(&mut conn, SendTestEmail::KIND).await;
    }

    let job = only_job(&mut conn, SendTestEmail::KIND).await;
    assert_eq!(job.state, "completed");
    assert_eq!(job.attempts, 3);
    let messages = app.mail.messages();
    assert_eq!(messages.len(), 1, "delivered exactly once");
    assert_eq!(messages[0].recipients, vec![SendTestEmail::address(1)]);
    assert_eq!(messages[0].parse().subject, "Test 1");
}

#[tokio::test]
async fn unknown_job_kind_is_dead_with_a_clear_error() {
    let app = spawn_app().await;
    let mut conn = app.database.connect().await;
    execute(
        &mut conn,
        "INSERT INTO jobs (id, kind, payload) VALUES (gen_random_uuid(), 'no-such-job', '{}')",
    )
    .await;

    assert_eq!(app.run_jobs().await, 1);
    let job = only_job(&mut conn, "no-such-job").await;
    assert_eq!(job.state, "dead");
    let last_error = job.last_error.expect("a last error");
    assert!(
        last_error.contains("unknown job kind `no-such-job`"),
        "{last_error}"
    );
}

#[tokio::test]
async fn payload_that_does_not_fit_is_dead_without_being_quoted() {
    let (app, mut conn) = app_with_runs_table().await;
    execute(
        &mut conn,
        "INSERT INTO jobs (id, kind, payload) VALUES (gen_random_uuid(), 'test-record-run', \
         '{\"token\": \"jane.private@example.com\", \"pause_ms\": 0}')",
    )
    .await;

    assert_eq!(app.run_jobs_with(&registry()).await, 1);
    let job = only_job(&mut conn, RecordRun::KIND).await;
    assert_eq!(job.state, "dead");
    let last_error = job.last_error.expect("a last error");
    assert!(last_error.contains("payload"), "{last_error}");
    assert!(!last_error.contains("jane"), "{last_error}");
}

// ---- Leases ---------------------------------------------------------------------------------

#[tokio::test]
async fn job_of_a_dead_worker_is_claimed_again_and_completes() {
    let (app, mut conn) = app_with_runs_table().await;
    let token = Uuid::new_v4();
    enqueue(&mut conn, &RecordRun { token, pause_ms: 0 }).await;
    // A worker claimed it, then died: its lease ran out a second ago.
    execute(
        &mut conn,
        "UPDATE jobs SET state = 'running', attempts = 1, locked_by = 'dead-worker', \
         locked_until = now() - interval '1 second'",
    )
    .await;

    assert_eq!(app.run_jobs_with(&registry()).await, 1);
    let job = only_job(&mut conn, RecordRun::KIND).await;
    assert_eq!(job.state, "completed");
    assert_eq!(job.attempts, 2);
    assert_eq!(runs_of(&mut conn, token).await.expect("runs"), 1);
}

#[tokio::test]
async fn job_with_a_live_lease_is_not_claimed_by_another_worker() {
    let (app, mut conn) = app_with_runs_table().await;
    let token = Uuid::new_v4();
    enqueue(&mut conn, &RecordRun { token, pause_ms: 0 }).await;
    execute(
        &mut conn,
        "UPDATE jobs SET state = 'running', attempts = 1, locked_by = 'busy-worker', \
         locked_until = now() + interval '60 seconds'",
    )
    .await;

    assert_eq!(app.run_jobs_with(&registry()).await, 0);
    let job = only_job(&mut conn, RecordRun::KIND).await;
    assert_eq!(job.state, "running");
    assert_eq!(job.locked_by.as_deref(), Some("busy-worker"));
    assert_eq!(job.attempts, 1);
    assert_eq!(runs_of(&mut conn, token).await.expect("runs"), 0);
}

#[tokio::test]
async fn job_whose_workers_keep_dying_ends_dead_without_running() {
    let (app, mut conn) = app_with_runs_table().await;
    let token = Uuid::new_v4();
    enqueue(&mut conn, &RecordRun { token, pause_ms: 0 }).await;
    // Its last allowed attempt was claimed by a worker that died too.
    execute(
        &mut conn,
        "UPDATE jobs SET state = 'running', attempts = max_attempts, locked_by = 'dead-worker', \
         locked_until = now() - interval '1 second'",
    )
    .await;

    assert_eq!(app.run_jobs_with(&registry()).await, 1);
    let job = only_job(&mut conn, RecordRun::KIND).await;
    assert_eq!(job.state, "dead");
    assert!(job.last_error.is_some());
    assert_eq!(runs_of(&mut conn, token).await.expect("runs"), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_claimers_never_run_a_job_twice() {
    let (app, mut conn) = app_with_runs_table().await;
    execute(
        &mut conn,
        "ALTER TABLE test_job_runs ADD CONSTRAINT one_run_per_token UNIQUE (token)",
    )
    .await;
    let tokens: Vec<Uuid> = (0..50).map(|_| Uuid::new_v4()).collect();
    for token in &tokens {
        // A short pause makes the two claimers overlap.
        let job = RecordRun {
            token: *token,
            pause_ms: 5,
        };
        enqueue(&mut conn, &job).await;
    }

    let registry = registry();
    let (first, second) = tokio::join!(
        jobs::run_pending(app.job_context(), &registry),
        jobs::run_pending(app.job_context(), &registry),
    );

    assert_eq!(first + second, 50, "{first} + {second}");
    // The unique constraint would have failed a second run of any token.
    assert_eq!(
        count(&mut conn, "SELECT count(*) AS count FROM test_job_runs").await,
        50
    );
    assert_eq!(
        count(
            &mut conn,
            "SELECT count(*) AS count FROM jobs WHERE state = 'completed' AND attempts = 1"
        )
        .await,
        50
    );
}

// ---- Workers ---------------------------------------------------------------------------------

fn quick_workers(count: usize) -> WorkerSettings {
    WorkerSettings {
        count,
        mail_count: 0,
        webhook_count: 0,
        lease: Duration::from_secs(1),
        heartbeat: Duration::from_millis(200),
        poll_interval: Duration::from_millis(50),
    }
}

async fn state_of(conn: &mut AsyncPgConnection, kind: &str) -> String {
    only_job(conn, kind).await.state
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn heartbeat_keeps_a_long_job_from_being_claimed_again() {
    let (app, mut conn) = app_with_runs_table().await;
    let token = Uuid::new_v4();
    // Runs for 2.5 leases.
    enqueue(
        &mut conn,
        &RecordRun {
            token,
            pause_ms: 2500,
        },
    )
    .await;
    let workers = Workers::start(app.job_context().clone(), registry(), quick_workers(1));
    until_in_db(
        &mut conn,
        Duration::from_secs(10),
        "job running",
        async |conn| state_of(conn, RecordRun::KIND).await == "running",
    )
    .await;

    // Past the first lease: without the heartbeat another claimer would take it now.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(jobs::run_pending(app.job_context(), &registry()).await, 0);

    until_in_db(
        &mut conn,
        Duration::from_secs(10),
        "job completed",
        async |conn| state_of(conn, RecordRun::KIND).await == "completed",
    )
    .await;
    workers.shutdown(Duration::from_secs(1)).await;
    assert_eq!(only_job(&mut conn, RecordRun::KIND).await.attempts, 1);
    assert_eq!(runs_of(&mut conn, token).await.expect("runs"), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn workers_run_jobs_as_they_are_enqueued() {
    let (app, mut conn) = app_with_runs_table().await;
    let workers = Workers::start(app.job_context().clone(), registry(), quick_workers(2));
    for _ in 0..5 {
        let job = RecordRun {
            token: Uuid::new_v4(),
            pause_ms: 0,
        };
        enqueue(&mut conn, &job).await;
    }
    until_in_db(
        &mut conn,
        Duration::from_secs(10),
        "all completed",
        async |conn| {
            count(
                conn,
                "SELECT count(*) AS count FROM jobs WHERE state = 'completed'",
            )
            .await
                == 5
        },
    )
    .await;
    assert_eq!(workers.count(), 2);
    workers.shutdown(Duration::from_secs(1)).await;
    assert_eq!(
        count(&mut conn, "SELECT count(*) AS count FROM test_job_runs").await,
        5
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_lets_the_job_in_hand_finish() {
    let (app, mut conn) = app_with_runs_table().await;
    let token = Uuid::new_v4();
    enqueue(
        &mut conn,
        &RecordRun {
            token,
            pause_ms: 700,
        },
    )
    .await;
    let workers = Workers::start(app.job_context().clone(), registry(), quick_workers(1));
    until_in_db(
        &mut conn,
        Duration::from_secs(10),
        "job running",
        async |conn| state_of(conn, RecordRun::KIND).await == "running",
    )
    .await;

    workers.shutdown(Duration::from_secs(10)).await;

    assert_eq!(state_of(&mut conn, RecordRun::KIND).await, "completed");
    assert_eq!(runs_of(&mut conn, token).await.expect("runs"), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_gives_back_a_job_that_outlasts_the_grace_period() {
    let (app, mut conn) = app_with_runs_table().await;
    let token = Uuid::new_v4();
    enqueue(
        &mut conn,
        &RecordRun {
            token,
            pause_ms: 60_000,
        },
    )
    .await;
    let workers = Workers::start(app.job_context().clone(), registry(), quick_workers(1));
    until_in_db(
        &mut conn,
        Duration::from_secs(10),
        "job running",
        async |conn| state_of(conn, RecordRun::KIND).await == "running",
    )
    .await;

    let started = Instant::now();
    workers.shutdown(Duration::from_millis(200)).await;
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "stopped promptly"
    );

    let job = only_job(&mut conn, RecordRun::KIND).await;
    assert_eq!(job.state, "available", "given back");
    assert_eq!(job.locked_by, None);
    assert!(job.due_in_s <= 0.0, "due again at once");
    assert_eq!(runs_of(&mut conn, token).await.expect("runs"), 0);
}

#[tokio::test]
async fn confidant_serve_workers_pick_up_jobs_from_the_database() {
    // The standard registry has no job type yet, so the job is of an unknown kind: the real
    // workers must still claim it (and bury it) within moments.
    let database = TestDatabase::create().await;
    let sink = SmtpSink::start().await;
    let mut conn = database.connect().await;
    execute(
        &mut conn,
        "INSERT INTO jobs (id, kind, payload) VALUES (gen_random_uuid(), 'from-the-database', '{}')",
    )
    .await;
    let port = local_postgres::free_port().expect("a free port");
    let mut child = KillOnDrop(
        confidant_command()
            .env("DATABASE_URL", database.url())
            .env("CONFIDANT_LISTEN", format!("127.0.0.1:{port}"))
            .env("CONFIDANT_SMTP_URL", sink.url())
            .env("CONFIDANT_WORKERS", "2")
            .env("CONFIDANT_SHUTDOWN_SECONDS", "5")
            .arg("serve")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start confidant serve"),
    );

    until_in_db(
        &mut conn,
        Duration::from_secs(30),
        "job buried",
        async |conn| state_of(conn, "from-the-database").await == "dead",
    )
    .await;
    let job = only_job(&mut conn, "from-the-database").await;
    assert_eq!(job.attempts, 1);
    assert!(
        job.last_error
            .as_deref()
            .is_some_and(|e| e.contains("unknown job kind")),
        "{job:?}"
    );

    let killed = Command::new("kill")
        .args(["-TERM", &child.0.id().to_string()])
        .status()
        .expect("send SIGTERM");
    assert!(killed.success());
    let status = eventually(
        "serve stops after SIGTERM",
        Duration::from_secs(15),
        async || child.0.try_wait().expect("poll").ok_or("still running"),
    )
    .await;
    assert!(status.success(), "a clean exit: {status}");
}

/// A child process that is killed if the test ends early (a failed assertion).
struct KillOnDrop(std::process::Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        if matches!(self.0.try_wait(), Ok(None)) {
            let _killed = self.0.kill();
            let _reaped = self.0.wait();
        }
    }
}
