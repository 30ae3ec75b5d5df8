//! The worker tasks of `confidant serve`: each polls for due jobs and runs one at a time.
//!
//! Stopping is graceful: a worker that is idle stops at once; one that holds a job lets it
//! finish within the grace period, then gives it back (it is due again at once, for another
//! process or the next start). A worker that is killed outright leaves its lease to expire,
//! after which the job is claimed again.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;
use tokio::task::JoinHandle;

use super::runner;
use super::settings::WorkerSettings;
use super::{JobContext, Lane, Registry};

/// How long a worker waits after it could not reach the database, so that an outage does not
/// fill the log.
const ERROR_PAUSE: Duration = Duration::from_secs(5);

/// Running worker tasks. Stop them with [`Workers::shutdown`].
pub struct Workers {
    /// `Some(grace)` once shutdown was asked for.
    stop: watch::Sender<Option<Duration>>,
    tasks: Vec<JoinHandle<()>>,
}

impl Workers {
    /// Starts `settings.count` general workers, `settings.mail_count` mail workers and
    /// `settings.webhook_count` webhook workers on the current tokio runtime.
    pub fn start(ctx: JobContext, registry: Registry, settings: WorkerSettings) -> Self {
        let (stop, _) = watch::channel(None);
        let registry = Arc::new(registry);
        // Unless every other lane has workers of its own, the general ones take every lane.
        let general =
            (settings.mail_count > 0 && settings.webhook_count > 0).then_some(Lane::General);
        let lanes = [
            ("worker", settings.count, general),
            ("mail", settings.mail_count, Some(Lane::Mail)),
            ("webhook", settings.webhook_count, Some(Lane::Webhook)),
        ];
        let mut tasks = Vec::new();
        for (role, count, lane) in lanes {
            for index in 0..count {
                tasks.push(tokio::spawn(work(
                    runner::claimer_name(&format!("{role}{index}")),
                    ctx.clone(),
                    Arc::clone(&registry),
                    settings.clone(),
                    lane,
                    stop.subscribe(),
                )));
            }
        }
        if !tasks.is_empty() {
            tracing::info!(
                workers = settings.count,
                mail_workers = settings.mail_count,
                webhook_workers = settings.webhook_count,
                "background workers started"
            );
        }
        Self { stop, tasks }
    }

    /// How many workers run.
    pub fn count(&self) -> usize {
        self.tasks.len()
    }

    /// Stops every worker: idle ones at once, busy ones when their job finishes or, at the
    /// latest, after `grace` (the job is then given back unfinished).
    pub async fn shutdown(self, grace: Duration) {
        if self.tasks.is_empty() {
            return;
        }
        self.stop.send_replace(Some(grace));
        for task in self.tasks {
            if task.await.is_err() {
                tracing::warn!("a background worker ended abnormally");
            }
        }
        tracing::info!("background workers stopped");
    }
}

/// One worker's loop.
async fn work(
    name: String,
    ctx: JobContext,
    registry: Arc<Registry>,
    settings: WorkerSettings,
    lane: Option<Lane>,
    mut stop: watch::Receiver<Option<Duration>>,
) {
    loop {
        if stop.borrow().is_some() {
            break;
        }
        // Listening before the claim: a wake that comes while claiming is not missed.
        let woken = ctx.wake.notified();
        tokio::pin!(woken);
        woken.as_mut().enable();
        let pause = match runner::claim_next(&ctx.pool, &name, settings.lease, lane).await {
            Ok(Some(job)) => {
                let abandon = grace_ended(stop.clone());
                runner::run_claimed(&ctx, &registry, &name, job, &settings, abandon).await;
                // There may be more due work: look again at once.
                continue;
            }
            Ok(None) => settings.poll_interval,
            Err(error) => {
                tracing::warn!(worker = %name, error = %error, "cannot claim jobs");
                ERROR_PAUSE
            }
        };
        tokio::select! {
            () = tokio::time::sleep(pause) => {}
            () = &mut woken => {}
            changed = stop.changed() => {
                // An error means the `Workers` handle is gone: nobody can stop us later.
                if changed.is_err() {
                    break;
                }
            }
        }
    }
}

/// Resolves when shutdown was asked for and its grace period has passed (at once if the
/// `Workers` handle was dropped).
async fn grace_ended(mut stop: watch::Receiver<Option<Duration>>) {
    let grace = match stop.wait_for(Option::is_some).await {
        Ok(grace) => grace.unwrap_or_default(),
        Err(_) => Duration::ZERO,
    };
    tokio::time::sleep(grace).await;
}
