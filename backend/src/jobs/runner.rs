//! Running one claimed job: keeping its lease alive while it works, catching panics, and
//! recording how the attempt ended. Shared by [`super::Workers`] and [`super::run_pending`].

use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::time::Duration;

use futures_util::FutureExt;
use tokio::time::{Instant, MissedTickBehavior};
use tracing::Instrument;

use super::Lane;
use super::backoff::backoff_delay;
use super::queue::{self, ClaimedJob};
use super::registry::JobFuture;
use super::settings::WorkerSettings;
use super::{JobContext, JobError, Registry};
use crate::db::DbPool;

/// How an attempt ended.
enum Ended {
    Succeeded,
    Failed(JobError),
    /// The heartbeat found the job held by someone else: this worker's lease had run out and
    /// the job was claimed again. The row is theirs now; nothing is recorded.
    LostLease,
    /// Shutdown came and the grace period ran out before the job finished.
    Abandoned,
}

/// A name for one claimer, stored in `jobs.locked_by`: unique per process and claimer, so that
/// the fence in every update tells claimers apart.
pub(super) fn claimer_name(role: &str) -> String {
    let unique = uuid::Uuid::new_v4().simple().to_string();
    format!(
        "{role}-pid{}-{}",
        std::process::id(),
        unique.get(..8).unwrap_or(&unique)
    )
}

/// Claims the next due job in `lane` (any lane with `None`), if any.
pub(super) async fn claim_next(
    pool: &DbPool,
    claimer: &str,
    lease: Duration,
    lane: Option<Lane>,
) -> Result<Option<ClaimedJob>, JobError> {
    let mut conn = pool.get().await?;
    Ok(queue::claim(&mut conn, claimer, lease, lane).await?)
}

/// See [`super::run_pending`].
pub(super) async fn run_pending(ctx: &JobContext, registry: &Registry) -> usize {
    let claimer = claimer_name("inline");
    let settings = WorkerSettings::default();
    let mut ran = 0;
    loop {
        match claim_next(&ctx.pool, &claimer, settings.lease, None).await {
            Ok(Some(job)) => {
                run_claimed(
                    ctx,
                    registry,
                    &claimer,
                    job,
                    &settings,
                    std::future::pending(),
                )
                .await;
                ran += 1;
            }
            Ok(None) => return ran,
            Err(error) => {
                tracing::warn!(error = %error, "cannot claim jobs");
                return ran;
            }
        }
    }
}

/// Runs a job this claimer holds and records the outcome. `abandon` resolves when the job must
/// be given up unfinished (shutdown after the grace period).
pub(super) async fn run_claimed(
    ctx: &JobContext,
    registry: &Registry,
    claimer: &str,
    job: ClaimedJob,
    settings: &WorkerSettings,
    abandon: impl Future<Output = ()>,
) {
    let span = tracing::info_span!(
        "job",
        kind = %job.kind,
        job_id = %job.id,
        attempt = job.attempts,
    );
    async move {
        let started = Instant::now();
        let mut lease_ends = started + settings.lease;
        let ended = if job.attempts > job.max_attempts {
            // Claimed again after its lease ran out more often than it may be attempted: its
            // workers keep dying on it (a job that crashes the process, say). Stop here.
            Ended::Failed(JobError::permanent(
                "its workers stopped before it finished too many times",
            ))
        } else {
            match registry.start(&job.kind, &job.payload, ctx.clone()) {
                Ok((work, deadline)) => {
                    let supervision = Supervision {
                        ctx,
                        job: &job,
                        claimer,
                        settings,
                        deadline,
                    };
                    supervision.run(work, abandon, &mut lease_ends).await
                }
                Err(error) => Ended::Failed(error),
            }
        };
        record(ctx, &job, claimer, ended, started.elapsed(), lease_ends).await;
    }
    .instrument(span)
    .await;
}

/// One attempt being watched over.
struct Supervision<'a> {
    ctx: &'a JobContext,
    job: &'a ClaimedJob,
    claimer: &'a str,
    settings: &'a WorkerSettings,
    /// The attempt's deadline ([`super::BackgroundJob::DEADLINE`]).
    deadline: Duration,
}

impl Supervision<'_> {
    /// Polls the job's work while a heartbeat extends its lease (moving `lease_ends` on), until
    /// it ends, its deadline passes, or shutdown abandons it.
    async fn run(
        &self,
        work: JobFuture,
        abandon: impl Future<Output = ()>,
        lease_ends: &mut Instant,
    ) -> Ended {
        // A panic in one job must not take the worker down with it.
        let work = AssertUnwindSafe(work).catch_unwind();
        tokio::pin!(work);
        tokio::pin!(abandon);
        let overdue = tokio::time::sleep(self.deadline);
        tokio::pin!(overdue);
        let heartbeat = self.settings.heartbeat;
        let mut beats = tokio::time::interval_at(Instant::now() + heartbeat, heartbeat);
        beats.set_missed_tick_behavior(MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                result = &mut work => {
                    return match result {
                        Ok(Ok(())) => Ended::Succeeded,
                        Ok(Err(error)) => Ended::Failed(error),
                        // The panic's message may quote data; it is not kept.
                        Err(_panic) => Ended::Failed(JobError::retryable("the job panicked")),
                    };
                }
                () = &mut overdue => {
                    // The work is dropped here, its connections with it.
                    return Ended::Failed(JobError::retryable("the job ran past its deadline"));
                }
                _ = beats.tick() => {
                    let asked = Instant::now();
                    match extend_lease(self.ctx, self.job, self.claimer, self.settings.lease).await {
                        Ok(true) => *lease_ends = asked + self.settings.lease,
                        Ok(false) => return Ended::LostLease,
                        // The database may be back by the next beat; the lease has time left.
                        Err(error) => tracing::warn!(error = %error, "cannot extend the job's lease"),
                    }
                }
                () = &mut abandon => return Ended::Abandoned,
            }
        }
    }
}

async fn extend_lease(
    ctx: &JobContext,
    job: &ClaimedJob,
    claimer: &str,
    lease: Duration,
) -> Result<bool, JobError> {
    let mut conn = ctx.pool.get().await?;
    Ok(queue::extend_lease(&mut conn, job, claimer, lease).await?)
}

/// How long before its lease runs out a job stops trying to record its outcome (another
/// worker may claim it then).
const RECORD_MARGIN: Duration = Duration::from_secs(2);

/// Writes the outcome to the job's row and logs it (kind, id, attempt, outcome, duration;
/// never the payload). The write is retried, with backoff, until it succeeds or the lease
/// is about to end (`lease_ends`): a finished job whose outcome is lost to a database blink
/// would run again, and send its email twice.
async fn record(
    ctx: &JobContext,
    job: &ClaimedJob,
    claimer: &str,
    ended: Ended,
    duration: Duration,
    lease_ends: Instant,
) {
    let duration_ms = u64::try_from(duration.as_millis()).unwrap_or(u64::MAX);
    let outcome = match &ended {
        Ended::Succeeded => "completed",
        Ended::Failed(error) if error.is_permanent() || job.attempts >= job.max_attempts => "dead",
        Ended::Failed(_) => "retry",
        Ended::Abandoned => "abandoned",
        Ended::LostLease => "lost_lease",
    };
    crate::monitoring::job_attempt(&job.kind, outcome, duration);
    match &ended {
        Ended::Succeeded => tracing::info!(outcome = "completed", duration_ms, "job done"),
        Ended::Failed(error) if error.is_permanent() || job.attempts >= job.max_attempts => {
            tracing::error!(outcome = "dead", error = %error, duration_ms, "job failed for good");
        }
        Ended::Failed(error) => tracing::warn!(
            outcome = "retry",
            error = %error,
            retry_in_s = backoff_delay(job.attempts).as_secs(),
            duration_ms,
            "job failed; retrying later"
        ),
        Ended::Abandoned => tracing::warn!(
            outcome = "abandoned",
            duration_ms,
            "job unfinished at shutdown; released"
        ),
        Ended::LostLease => {
            tracing::warn!(
                outcome = "lost_lease",
                duration_ms,
                "job was claimed by another worker after this one's lease ran out; stopped"
            );
            return;
        }
    }
    let give_up = lease_ends.checked_sub(RECORD_MARGIN).unwrap_or(lease_ends);
    let mut pause = Duration::from_millis(100);
    loop {
        let written = write_outcome(ctx, job, claimer, &ended).await;
        match written {
            Ok(true) => return,
            Ok(false) => {
                tracing::warn!("the job's lease had run out; its outcome was not recorded");
                return;
            }
            Err(error) if Instant::now() + pause >= give_up => {
                tracing::error!(
                    error = %error,
                    "cannot record the job's outcome before its lease ends; it may run again"
                );
                return;
            }
            Err(error) => {
                tracing::warn!(error = %error, retry_in_ms = pause.as_millis() as u64, "cannot record the job's outcome yet");
                tokio::time::sleep(pause).await;
                pause = (pause * 2).min(Duration::from_secs(2));
            }
        }
    }
}

/// One try at writing the outcome.
async fn write_outcome(
    ctx: &JobContext,
    job: &ClaimedJob,
    claimer: &str,
    ended: &Ended,
) -> Result<bool, JobError> {
    let mut conn = tokio::time::timeout(Duration::from_secs(3), ctx.pool.get())
        .await
        .map_err(|_| JobError::retryable("no database connection in time"))??;
    let written = match ended {
        Ended::Succeeded => queue::complete(&mut conn, job, claimer).await,
        Ended::Failed(error) if error.is_permanent() || job.attempts >= job.max_attempts => {
            queue::bury(&mut conn, job, claimer, error.reason()).await
        }
        Ended::Failed(error) => {
            let delay = backoff_delay(job.attempts);
            queue::retry_later(&mut conn, job, claimer, delay, error.reason()).await
        }
        Ended::Abandoned => queue::release(&mut conn, job, claimer).await,
        Ended::LostLease => return Ok(true),
    };
    Ok(written?)
}
