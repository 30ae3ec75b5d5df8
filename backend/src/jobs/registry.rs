//! The map from a stored `kind` to the code that runs it, filled at the composition root
//! (`crate::startup::job_registry`): this module knows no job type.

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use super::{BackgroundJob, JobContext, JobError};

/// A job's work, ready to be polled.
pub(super) type JobFuture = Pin<Box<dyn Future<Output = Result<(), JobError>> + Send>>;

/// Turns a stored payload into the job's work.
type Start = fn(&str, JobContext) -> Result<JobFuture, JobError>;

/// Which workers run a kind of job.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Lane {
    /// Anything that is not email.
    General,
    /// Jobs that send email: they mostly wait on the mail relay, so they get workers of their
    /// own (`CONFIDANT_MAIL_WORKERS`) and a slow relay holds up nothing else.
    Mail,
    /// Webhook deliveries: they wait on receivers the practice chose (up to 10 s each), so
    /// they get workers of their own (`CONFIDANT_WEBHOOK_WORKERS`) and a receiver that hangs
    /// holds up neither email nor a blast.
    Webhook,
}

impl Lane {
    /// The stored name (`jobs.lane`).
    pub(super) fn as_str(self) -> &'static str {
        match self {
            Self::General => "general",
            Self::Mail => "mail",
            Self::Webhook => "webhook",
        }
    }
}

/// How to run one kind.
#[derive(Clone, Copy)]
struct Entry {
    start: Start,
    deadline: Duration,
}

/// The job types a worker can run, by kind.
#[derive(Clone, Default)]
pub struct Registry {
    jobs: HashMap<&'static str, Entry>,
}

impl Registry {
    /// A registry that knows no job type (every job would be dead as unknown).
    pub fn empty() -> Self {
        Self::default()
    }

    /// This registry plus `J`.
    ///
    /// # Panics
    /// When another registered type has the same `KIND`: a programming error that any test
    /// running the registry reveals.
    pub fn with<J: BackgroundJob>(mut self) -> Self {
        let entry = Entry {
            start: start::<J>,
            deadline: J::DEADLINE,
        };
        let previous = self.jobs.insert(J::KIND, entry);
        assert!(
            previous.is_none(),
            "two job types share the kind `{}`",
            J::KIND
        );
        self
    }

    /// The kinds this registry runs.
    pub fn kinds(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.jobs.keys().copied()
    }

    /// The work of a stored job and its deadline, or a permanent error for an unknown kind or
    /// a payload that does not fit its kind.
    pub(super) fn start(
        &self,
        kind: &str,
        payload: &str,
        ctx: JobContext,
    ) -> Result<(JobFuture, Duration), JobError> {
        let entry = self.jobs.get(kind).ok_or_else(|| {
            // A kind is a name from the code, not data; it is cut short in case the row was
            // written by hand.
            let shown: String = kind.chars().take(64).collect();
            JobError::permanent_owned(format!(
                "unknown job kind `{shown}`: no job type is registered for it"
            ))
        })?;
        Ok(((entry.start)(payload, ctx)?, entry.deadline))
    }
}

impl std::fmt::Debug for Registry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut kinds: Vec<&str> = self.kinds().collect();
        kinds.sort_unstable();
        f.debug_struct("Registry").field("kinds", &kinds).finish()
    }
}

fn start<J: BackgroundJob>(payload: &str, ctx: JobContext) -> Result<JobFuture, JobError> {
    // serde's message can quote the payload's values; only its category is kept.
    let job: J = serde_json::from_str(payload).map_err(|error| {
        JobError::permanent_owned(format!(
            "the payload does not fit job kind `{}` ({:?} error)",
            J::KIND,
            error.classify()
        ))
    })?;
    Ok(Box::pin(job.run(ctx)))
}
