//! Running one claimed job: keeping its lease alive while it works, catching panics, and
//! recording how the attempt ended. Shared by [`super::Workers`] and [`super::run_pending`].

use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::time::Duration;

use futures_util::FutureExt;
use tokio::time::{Instant, MissedTickBehavior};
use tracing::Instrument;

use super::backoff::backoff_delay;
use super::queue::{self, ClaimedJob};
use super::registry::JobFuture;
use super::worker::WorkerSettings;
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

/// Claims the next due job, if any.
pub(super) async fn claim_next(
    pool: &DbPool,
    claimer: &str,
    lease: Duration,
) -> Result<Option<ClaimedJob>, JobError> {
    let mut conn = pool.get().await?;
    Ok(queue::claim(&mut conn, claimer, lease).await?)
}

/// See [`super::run_pending`].
pub(super) async fn run_pending(ctx: &JobContext, registry: &Registry) -> usize {
    let claimer = claimer_name("inline");
    let settings = WorkerSettings::default();
    let mut ran = 0;
    loop {
        match claim_next(&ctx.pool, &claimer, settings.lease).await {
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
        let ended = if job.attempts > job.max_attempts {
            // Claimed again after its lease ran out more often than it may be attempted: its
            // workers keep dying on it (a job that crashes the process, say). Stop here.
            Ended::Failed(JobError::permanent(
                "its workers stopped before it finished too many times",
            ))
        } else {
            match registry.start(&job.kind, &job.payload, ctx.clone()) {
                Ok(work) => supervise(ctx, &job, claimer, settings, work, abandon).await,
                Err(error) => Ended::Failed(error),
            }
        };
        record(ctx, &job, claimer, ended, started.elapsed()).await;
    }
    .instrument(span)
    .await;
}

/// Polls the job's work while a heartbeat extends its lease.
async fn supervise(
    ctx: &JobContext,
    job: &ClaimedJob,
    claimer: &str,
    settings: &WorkerSettings,
    work: JobFuture,
    abandon: impl Future<Output = ()>,
) -> Ended {
    // A panic in one job must not take the worker down with it.
    let work = AssertUnwindSafe(work).catch_unwind();
    tokio::pin!(work);
    tokio::pin!(abandon);
    let mut heartbeat =
        tokio::time::interval_at(Instant::now() + settings.heartbeat, settings.heartbeat);
    heartbeat.set_missed_tick_behavior(MissedTickBehavior::Delay);
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
            _ = heartbeat.tick() => {
                match extend_lease(ctx, job, claimer, settings.lease).await {
                    Ok(true) => {}
                    Ok(false) => return Ended::LostLease,
                    // The database may be back by the next beat; the lease has time left.
                    Err(error) => tracing::warn!(error = %error, "cannot extend the job's lease"),
                }
            }
            () = &mut abandon => return Ended::Abandoned,
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

/// Writes the outcome to the job's row and logs it (kind, id, attempt, outcome, duration;
/// never the payload).
async fn record(
    ctx: &JobContext,
    job: &ClaimedJob,
    claimer: &str,
    ended: Ended,
    duration: Duration,
) {
    let duration_ms = u64::try_from(duration.as_millis()).unwrap_or(u64::MAX);
    let mut conn = match ctx.pool.get().await {
        Ok(conn) => conn,
        Err(_) => {
            tracing::warn!(
                duration_ms,
                "cannot record the job's outcome (database unavailable); it runs again when \
                 its lease ends"
            );
            return;
        }
    };
    let written = match &ended {
        Ended::Succeeded => {
            tracing::info!(outcome = "completed", duration_ms, "job done");
            queue::complete(&mut conn, job, claimer).await
        }
        Ended::Failed(error) if error.is_permanent() || job.attempts >= job.max_attempts => {
            tracing::error!(outcome = "dead", error = %error, duration_ms, "job failed for good");
            queue::bury(&mut conn, job, claimer, error.reason()).await
        }
        Ended::Failed(error) => {
            let delay = backoff_delay(job.attempts);
            tracing::warn!(
                outcome = "retry",
                error = %error,
                retry_in_s = delay.as_secs(),
                duration_ms,
                "job failed; retrying later"
            );
            queue::retry_later(&mut conn, job, claimer, delay, error.reason()).await
        }
        Ended::Abandoned => {
            tracing::warn!(
                outcome = "abandoned",
                duration_ms,
                "job unfinished at shutdown; released"
            );
            queue::release(&mut conn, job, claimer).await
        }
        Ended::LostLease => {
            tracing::warn!(
                outcome = "lost_lease",
                duration_ms,
                "job was claimed by another worker after this one's lease ran out; stopped"
            );
            return;
        }
    };
    match written {
        Ok(true) => {}
        Ok(false) => tracing::warn!("the job's lease had run out; its outcome was not recorded"),
        Err(error) => tracing::warn!(
            error = %JobError::from(error),
            "cannot record the job's outcome; it runs again when its lease ends"
        ),
    }
}
