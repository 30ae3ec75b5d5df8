//! Emails about how a person signs in, to the account's sign-in address only: the reset link
//! and the notice that the password changed (R-RESET), and the notices that the second
//! sign-in step was turned off or a recovery code was used (R-MFA), so that someone who did
//! not do it notices at once. None names more than the practice.
//!
//! The reset request enqueues a job whether or not the email belongs to an account (`person_id`
//! is then `None` and the job sends nothing), so that the request does the same work and
//! answers in the same time either way (R-NO-ORACLE). As for invitations, the job mints the
//! token as it sends: only its hash is stored, never the token, not even in the queue.

use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::auth::refresh::{new_token, token_hash};
use crate::db::DbConn;
use crate::db::models::password_reset::PasswordReset;
use crate::db::schema::{people, portal_accounts, practices};
use crate::email::{self, OutgoingEmail, templates};
use crate::jobs::{BackgroundJob, JobContext, JobError, Lane, MAIL_JOB_DEADLINE};

/// Emails a reset link to the account of `person_id`, if any.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SendPasswordResetJob {
    /// The request (one job per request).
    pub request_id: Uuid,
    /// Whose account the email named; `None` when it named none.
    pub person_id: Option<Uuid>,
}

/// Tells the account of `person_id` that its password changed.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SendPasswordChangedNoticeJob {
    /// The change (one notice per change).
    pub change_id: Uuid,
    /// Whose password.
    pub person_id: Uuid,
}

/// Tells the account of `person_id` of a change to its second sign-in step.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SendSecondFactorNoticeJob {
    /// The change (one notice per change).
    pub change_id: Uuid,
    /// Whose account.
    pub person_id: Uuid,
    /// What happened.
    pub change: SecondFactorChange,
}

/// What happened to a person's second sign-in step.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SecondFactorChange {
    /// Sign-in with an authenticator app was turned off.
    TurnedOff,
    /// A recovery code was used to sign in (and is now spent).
    RecoveryCodeUsed,
}

impl SendSecondFactorNoticeJob {
    /// A notice for `change`, just made to `person_id`'s account.
    pub fn new(person_id: Uuid, change: SecondFactorChange) -> Self {
        Self {
            change_id: Uuid::now_v7(),
            person_id,
            change,
        }
    }

    /// The queue's idempotency key: one notice per change.
    pub fn idempotency_key(&self) -> String {
        format!("second-factor:{}", self.change_id)
    }
}

impl SendPasswordResetJob {
    /// The queue's idempotency key: one email per request.
    pub fn idempotency_key(&self) -> String {
        format!("password-reset:{}", self.request_id)
    }
}

impl SendPasswordChangedNoticeJob {
    /// A notice for a change just made to `person_id`'s password.
    pub fn new(person_id: Uuid) -> Self {
        Self {
            change_id: Uuid::now_v7(),
            person_id,
        }
    }

    /// The queue's idempotency key: one notice per change.
    pub fn idempotency_key(&self) -> String {
        format!("password-changed:{}", self.change_id)
    }
}

/// Where an account's emails go: its sign-in address and its practice's name.
struct Delivery {
    practice_id: Uuid,
    email: String,
    practice_name: String,
}

/// A connection and where `person_id`'s email goes; `None` when the account has gone (or its
/// person been deactivated) since the job was queued. The connection is handed back for what
/// the job stores next.
async fn delivery(
    ctx: &JobContext,
    person_id: Uuid,
) -> Result<Option<(DbConn, Delivery)>, JobError> {
    let mut conn = ctx
        .pool
        .get()
        .await
        .map_err(|_| JobError::retryable("no database connection"))?;
    let found: Option<(Uuid, String, String)> = portal_accounts::table
        .inner_join(people::table.on(people::id.eq(portal_accounts::person_id)))
        .inner_join(practices::table.on(practices::id.eq(people::practice_id)))
        .filter(portal_accounts::person_id.eq(person_id))
        .filter(people::status.is_distinct_from("deactivated"))
        .select((practices::id, portal_accounts::email, practices::name))
        .first(&mut conn)
        .await
        .optional()
        .map_err(|_| JobError::retryable("loading the account failed"))?;
    Ok(found.map(|(practice_id, email, practice_name)| {
        (
            conn,
            Delivery {
                practice_id,
                email,
                practice_name,
            },
        )
    }))
}

impl BackgroundJob for SendPasswordResetJob {
    const KIND: &'static str = "send_password_reset";
    const LANE: Lane = Lane::Mail;
    const DEADLINE: std::time::Duration = MAIL_JOB_DEADLINE;

    async fn run(self, ctx: JobContext) -> Result<(), JobError> {
        let Some(person_id) = self.person_id else {
            return Ok(());
        };
        let Some((mut conn, delivery)) = delivery(&ctx, person_id).await? else {
            return Ok(());
        };
        let token = new_token();
        PasswordReset::create(
            &mut conn,
            delivery.practice_id,
            person_id,
            &token_hash(&token),
        )
        .await
        .map_err(|_| JobError::retryable("storing the reset link failed"))?;
        drop(conn);
        let link = email::app_link(&ctx.config.public_url, "/reset-password", Some(&token));
        let content = templates::password_reset(&delivery.practice_name, &link);
        ctx.mailer
            .send(&OutgoingEmail::new(delivery.email, content))
            .await
            .map_err(JobError::from)
    }
}

impl BackgroundJob for SendPasswordChangedNoticeJob {
    const KIND: &'static str = "send_password_changed_notice";
    const LANE: Lane = Lane::Mail;
    const DEADLINE: std::time::Duration = MAIL_JOB_DEADLINE;

    async fn run(self, ctx: JobContext) -> Result<(), JobError> {
        send_notice(
            &ctx,
            self.person_id,
            "/sign-in",
            templates::password_changed,
        )
        .await
    }
}

impl BackgroundJob for SendSecondFactorNoticeJob {
    const KIND: &'static str = "send_second_factor_notice";
    const LANE: Lane = Lane::Mail;
    const DEADLINE: std::time::Duration = MAIL_JOB_DEADLINE;

    async fn run(self, ctx: JobContext) -> Result<(), JobError> {
        let render = match self.change {
            SecondFactorChange::TurnedOff => templates::second_factor_off,
            SecondFactorChange::RecoveryCodeUsed => templates::recovery_code_used,
        };
        send_notice(&ctx, self.person_id, "/account", render).await
    }
}

/// Sends `person_id`'s account a notice that names its practice and links to `path` in the
/// app; nothing when the account has gone since.
async fn send_notice(
    ctx: &JobContext,
    person_id: Uuid,
    path: &str,
    render: fn(&str, &str) -> (String, String, String),
) -> Result<(), JobError> {
    let Some((conn, delivery)) = delivery(ctx, person_id).await? else {
        return Ok(());
    };
    drop(conn);
    let link = email::app_link(&ctx.config.public_url, path, None);
    let content = render(&delivery.practice_name, &link);
    ctx.mailer
        .send(&OutgoingEmail::new(delivery.email, content))
        .await
        .map_err(JobError::from)
}
