//! How many workers run and how they hold their jobs: read by the workers that claim jobs
//! ([`super::worker`]) and by the claiming and running of one job ([`super::runner`]).

use std::time::Duration;

use crate::config::Config;

/// How long a claim holds a job before others may take it over. A crashed worker's job is
/// claimed again within this time (plus one poll).
pub const LEASE: Duration = Duration::from_secs(60);
/// How often a running job's lease is extended: a third of the lease, so two beats may fail
/// (a database restart) before the lease runs out.
pub const HEARTBEAT: Duration = Duration::from_secs(20);
/// How long an idle worker waits before looking for due jobs again. New jobs wake the workers
/// of every instance at once (see `crate::events::listener`); polling finds jobs that become
/// due later (retries, delayed digests) and covers a listener that is reconnecting.
pub const DEFAULT_POLL_INTERVAL: Duration = Duration::from_secs(5);
/// How many workers run and how they hold their jobs.
#[derive(Clone, Debug)]
pub struct WorkerSettings {
    /// General worker tasks; 0 runs none.
    pub count: usize,
    /// Workers for the [`super::Lane::Mail`] jobs only.
    pub mail_count: usize,
    /// Workers for the [`super::Lane::Webhook`] jobs only. Unless both this and `mail_count`
    /// are above 0, the general workers take every lane (so no lane is left without workers).
    pub webhook_count: usize,
    /// See [`LEASE`].
    pub lease: Duration,
    /// See [`HEARTBEAT`]; must be well below `lease`.
    pub heartbeat: Duration,
    /// See [`DEFAULT_POLL_INTERVAL`].
    pub poll_interval: Duration,
}

impl Default for WorkerSettings {
    fn default() -> Self {
        Self {
            count: 2,
            mail_count: 0,
            webhook_count: 0,
            lease: LEASE,
            heartbeat: HEARTBEAT,
            poll_interval: DEFAULT_POLL_INTERVAL,
        }
    }
}

impl WorkerSettings {
    /// The defaults, with `CONFIDANT_WORKERS` workers and the configured lease (heartbeats
    /// at a third of it).
    pub fn from_config(config: &Config) -> Self {
        Self {
            count: config.workers,
            mail_count: config.mail_workers,
            webhook_count: config.webhook_workers,
            lease: config.job_lease,
            heartbeat: config.job_lease / 3,
            ..Self::default()
        }
    }
}
