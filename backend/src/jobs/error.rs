//! Why a job failed, and whether trying again may help.

use std::borrow::Cow;

use crate::email::MailError;

/// A failed run of a job.
///
/// Its description is stored in `jobs.last_error` and logged, so it is built from text chosen
/// by the code (`&'static str`) or from errors whose text is known to be free of data (mail
/// errors, database error kinds) — never from content, names or addresses.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JobError {
    permanent: bool,
    reason: Cow<'static, str>,
}

impl JobError {
    /// Try again later (with backoff), until the job's attempts run out.
    pub fn retryable(reason: &'static str) -> Self {
        Self {
            permanent: false,
            reason: Cow::Borrowed(reason),
        }
    }

    /// No retry can succeed: the job is dead at once.
    pub fn permanent(reason: &'static str) -> Self {
        Self {
            permanent: true,
            reason: Cow::Borrowed(reason),
        }
    }

    /// True when the job must not be retried.
    pub fn is_permanent(&self) -> bool {
        self.permanent
    }

    /// The short, data-free description stored in `jobs.last_error`.
    pub fn reason(&self) -> &str {
        &self.reason
    }

    /// For errors the queue itself finds (unknown kind, bad payload); `reason` must be free of
    /// data.
    pub(super) fn permanent_owned(reason: String) -> Self {
        Self {
            permanent: true,
            reason: Cow::Owned(reason),
        }
    }
}

impl std::fmt::Display for JobError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.reason)
    }
}

impl std::error::Error for JobError {}

/// A transient mail failure is retried; a permanent one (no such mailbox) is dead at once.
/// `MailError`'s text holds no address or content, only the kind and the SMTP code.
impl From<MailError> for JobError {
    fn from(error: MailError) -> Self {
        Self {
            permanent: !error.is_transient(),
            reason: Cow::Owned(error.to_string()),
        }
    }
}

/// Database trouble is usually passing (a restart, a lost connection): retried. The stored
/// text names the error's kind and constraint, never its message (which can quote values).
/// A job that treats a missing row as final should match `NotFound` itself.
impl From<diesel::result::Error> for JobError {
    fn from(error: diesel::result::Error) -> Self {
        use diesel::result::Error as Diesel;
        let reason = match &error {
            Diesel::DatabaseError(kind, info) => format!(
                "database error {kind:?} (constraint {})",
                info.constraint_name().unwrap_or("none")
            ),
            Diesel::NotFound => "database: row not found".to_owned(),
            Diesel::SerializationError(_) | Diesel::DeserializationError(_) => {
                "database: value conversion failed".to_owned()
            }
            _ => "database error".to_owned(),
        };
        Self {
            permanent: false,
            reason: Cow::Owned(reason),
        }
    }
}

/// No connection from the pool in time: retried.
impl From<diesel_async::pooled_connection::deadpool::PoolError> for JobError {
    fn from(_: diesel_async::pooled_connection::deadpool::PoolError) -> Self {
        Self::retryable("database unavailable")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::email::MailFailure;

    #[test]
    fn mail_errors_keep_their_permanence_and_code() {
        let retry = JobError::from(MailError::Transient(MailFailure::Smtp(451)));
        assert!(!retry.is_permanent());
        assert_eq!(retry.reason(), "transient mail failure: SMTP 451");
        let dead = JobError::from(MailError::Permanent(MailFailure::Smtp(550)));
        assert!(dead.is_permanent());
    }

    #[test]
    fn database_errors_are_retryable_and_hold_no_message() {
        let error = JobError::from(crate::error::unique_violation_quoting_an_email());
        assert!(!error.is_permanent());
        assert!(error.reason().contains("people_email_key"), "{error}");
        assert!(!error.reason().contains('@'), "{error}");
    }
}
