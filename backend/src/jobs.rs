//! The durable background job queue, in PostgreSQL's `jobs` table.
//!
//! - A job is a serialisable type implementing [`BackgroundJob`]. It is [`enqueue`]d on the
//!   caller's connection, so it commits or rolls back with the data it belongs to; an optional
//!   idempotency key makes a second enqueue for the same purpose a no-op.
//! - [`Workers`] (started by `confidant serve`) claim due jobs with `FOR UPDATE SKIP LOCKED`
//!   and hold a lease that a heartbeat extends while the job runs. A worker that dies leaves an
//!   expiring lease, and the job is claimed again about a minute later: a crash or a restart
//!   delays a job but never loses it. Delivery is therefore *at least once*; jobs are written
//!   to be safe to repeat.
//! - A failure is retried with capped exponential backoff until the job's `MAX_ATTEMPTS`; a
//!   [`JobError::permanent`] failure, an unknown kind or an unreadable payload is dead at once.
//!   Dead and completed jobs stay in the table for inspection.
//! - The [`Registry`] maps a stored `kind` to the code that runs it. It is filled at the
//!   composition root (`crate::startup::job_registry`), so this module knows no job type.
//! - Each job has a deadline ([`BackgroundJob::DEADLINE`]): past it the attempt counts as
//!   failed and is retried later, so a job that hangs (a mail relay that never answers) frees
//!   its worker. Jobs that send email run in their own lane ([`Lane::Mail`]) with workers of
//!   their own, so a slow relay holds up no other work.
//! - A finished job's outcome is written with retries until its lease would run out, so a
//!   database blink between finishing (say, the relay's `250 OK`) and recording it does not
//!   run the job again.
//!
//! Neither logs nor `jobs.last_error` ever hold a payload, message content or an address:
//! [`JobError`] carries a short description chosen by the code, not data.
//!
//! Adding a job type: define a struct with ids only (e.g. `SendInvitationEmailJob {
//! invitation_id }`), implement [`BackgroundJob`] for it next to the code it serves, list it in
//! `crate::startup::job_registry`, and call [`enqueue`] inside the transaction that creates
//! its data.

mod backoff;
mod error;
mod queue;
mod registry;
mod runner;
mod settings;
mod worker;

use std::future::Future;
use std::sync::Arc;

use diesel_async::AsyncPgConnection;
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::attachments::store::FileStore;
use crate::config::Config;
use crate::db::DbPool;
use crate::email::Mailer;

pub use backoff::{BACKOFF_BASE, BACKOFF_CAP, backoff_delay, jittered_backoff};
pub use error::JobError;
pub use registry::{Lane, Registry};
pub use settings::{DEFAULT_POLL_INTERVAL, HEARTBEAT, LEASE, WorkerSettings};
pub use worker::Workers;

/// The deadline of a job that sends one email: the SMTP exchange's own deadline (at most
/// 30 s) plus the database work around it.
pub const MAIL_JOB_DEADLINE: std::time::Duration = std::time::Duration::from_secs(90);

/// A kind of background work. The value itself is the payload, stored as JSON in
/// `jobs.payload`: ids and counts only, never content or addresses (load those when running).
pub trait BackgroundJob: Serialize + DeserializeOwned + Send + 'static {
    /// Stored in `jobs.kind`; must be unique and must never change once jobs were enqueued.
    const KIND: &'static str;
    /// Attempts before the job is dead. With the default backoff, 10 attempts span about two
    /// hours; raise it for work that must outlast longer outages (each attempt adds an hour).
    const MAX_ATTEMPTS: i32 = 10;
    /// How long one attempt may run before it counts as failed (and is retried later).
    const DEADLINE: std::time::Duration = std::time::Duration::from_secs(300);
    /// Which workers run it.
    const LANE: Lane = Lane::General;

    /// Does the work. May run more than once (after a crash, or a retry): make it safe to
    /// repeat. Return [`JobError::retryable`] to try again later, [`JobError::permanent`] when
    /// no retry can succeed.
    fn run(self, ctx: JobContext) -> impl Future<Output = Result<(), JobError>> + Send;
}

/// What a running job can use.
#[derive(Clone)]
pub struct JobContext {
    /// The PostgreSQL pool.
    pub pool: DbPool,
    /// The SMTP client.
    pub mailer: Arc<Mailer>,
    /// The settings the server was started with.
    pub config: Arc<Config>,
    /// Attachment files.
    pub files: FileStore,
    /// Wakes this process's idle workers when work was just committed.
    pub wake: JobWake,
}

/// Wakes the idle workers of this process at once, instead of at their next poll. The event
/// listener (`crate::events::listener`) calls it whenever any instance commits a job (a
/// trigger on `jobs` notifies `confidant_jobs`), so a blast's fan-out or a notification starts
/// within milliseconds wherever it was enqueued.
#[derive(Clone, Debug, Default)]
pub struct JobWake(Arc<tokio::sync::Notify>);

impl JobWake {
    /// Wakes every idle worker of this process.
    pub fn wake(&self) {
        self.0.notify_waiters();
    }

    /// Resolves at the next [`JobWake::wake`] after `enable` was called on it.
    pub(crate) fn notified(&self) -> tokio::sync::futures::Notified<'_> {
        self.0.notified()
    }
}

/// Enqueues `job` on the caller's connection, i.e. inside the caller's transaction if there is
/// one. With an `idempotency_key` (e.g. `"invitation-email:<invitation id>"`), returns `false`
/// and enqueues nothing when a job with that key already exists, whatever its state.
pub async fn enqueue<J: BackgroundJob>(
    conn: &mut AsyncPgConnection,
    job: &J,
    idempotency_key: Option<&str>,
) -> diesel::QueryResult<bool> {
    enqueue_after(conn, job, idempotency_key, std::time::Duration::ZERO).await
}

/// As [`enqueue`], but the job is due only after `delay` (e.g. to gather several events into
/// one email).
pub async fn enqueue_after<J: BackgroundJob>(
    conn: &mut AsyncPgConnection,
    job: &J,
    idempotency_key: Option<&str>,
    delay: std::time::Duration,
) -> diesel::QueryResult<bool> {
    let payload = serde_json::to_string(job)
        .map_err(|error| diesel::result::Error::SerializationError(Box::new(error)))?;
    let delay_seconds = i64::try_from(delay.as_secs()).unwrap_or(i64::MAX);
    queue::insert(
        conn,
        J::KIND,
        J::LANE,
        &payload,
        J::MAX_ATTEMPTS,
        idempotency_key,
        delay_seconds,
    )
    .await
}

/// How soon a job is claimed among those due.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Priority {
    /// Someone is waiting for it (an ordinary message's email).
    Normal,
    /// Part of a large batch (a blast's emails): claimed after every normal job that is due,
    /// so a 10,000-client blast never holds up the email of a message sent meanwhile.
    Bulk,
}

impl Priority {
    fn value(self) -> i16 {
        match self {
            Self::Normal => 0,
            Self::Bulk => -1,
        }
    }
}

/// Enqueues many jobs of one type with one statement, each with its idempotency key (see
/// [`enqueue`]), due after `delay`. Answers how many were new.
pub async fn enqueue_many<J: BackgroundJob>(
    conn: &mut AsyncPgConnection,
    jobs: &[(J, Option<String>)],
    priority: Priority,
    delay: std::time::Duration,
) -> diesel::QueryResult<usize> {
    if jobs.is_empty() {
        return Ok(0);
    }
    let payloads = jobs
        .iter()
        .map(|(job, _)| serde_json::to_string(job))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|error| diesel::result::Error::SerializationError(Box::new(error)))?;
    let keys: Vec<Option<String>> = jobs.iter().map(|(_, key)| key.clone()).collect();
    let batch = queue::Batch {
        kind: J::KIND,
        lane: J::LANE,
        max_attempts: J::MAX_ATTEMPTS,
        priority: priority.value(),
        delay_seconds: i64::try_from(delay.as_secs()).unwrap_or(i64::MAX),
    };
    queue::insert_many(conn, batch, &payloads, &keys).await
}

/// The queue's state for [`crate::monitoring`]: unfinished jobs by kind, lane and state, and
/// how long the oldest due job of each kind has waited.
pub async fn census(
    conn: &mut AsyncPgConnection,
) -> diesel::QueryResult<crate::monitoring::QueueCensus> {
    let rows = queue::census(conn).await?;
    let mut counts = Vec::new();
    let mut oldest: Vec<(String, f64)> = Vec::new();
    for row in rows {
        let state = match row.state.as_str() {
            "running" => "running",
            "due" => "due",
            _ => "scheduled",
        };
        if state == "due" {
            match oldest.iter_mut().find(|(kind, _)| *kind == row.kind) {
                Some((_, age)) => *age = age.max(row.oldest_seconds),
                None => oldest.push((row.kind.clone(), row.oldest_seconds)),
            }
        }
        counts.push(crate::monitoring::QueueCount {
            kind: row.kind,
            lane: row.lane,
            state,
            jobs: row.jobs,
        });
    }
    Ok(crate::monitoring::QueueCensus {
        counts,
        oldest_due: oldest,
    })
}

/// Runs every job that is due now, one after another, until none is left, and returns how
/// many were claimed (whatever their outcome). Failed jobs are scheduled for later and so end
/// the loop. For tests and tools; servers use [`Workers`].
pub async fn run_pending(ctx: &JobContext, registry: &Registry) -> usize {
    runner::run_pending(ctx, registry).await
}
