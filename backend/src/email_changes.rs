//! Emailing a change of sign-in email: the confirmation link to the new address, and the
//! notice to the old one (R-NO-TAKEOVER: nobody's sign-in moves without them hearing of it).
//!
//! As for invitations, the confirmation job mints the token as it sends, so no usable token
//! is ever stored; a retried send mints a new one and the older link stops working. The two
//! emails are two jobs, so that a failure of one never sends the other twice.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::auth::refresh::{new_token, token_hash};
use crate::db::models::email_change::EmailChange;
use crate::email::{self, OutgoingEmail, templates};
use crate::jobs::{BackgroundJob, JobContext, JobError, Lane, MAIL_JOB_DEADLINE};

/// Sends the confirmation link of one email change to its new address.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SendEmailConfirmationJob {
    /// The change.
    pub email_change_id: Uuid,
}

/// Tells the old address of one email change that it was asked for.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SendEmailChangeNoticeJob {
    /// The change.
    pub email_change_id: Uuid,
}

impl SendEmailConfirmationJob {
    /// The queue's idempotency key: one confirmation email per change.
    pub fn idempotency_key(&self) -> String {
        format!("email-confirmation:{}", self.email_change_id)
    }
}

impl SendEmailChangeNoticeJob {
    /// The queue's idempotency key: one notice per change.
    pub fn idempotency_key(&self) -> String {
        format!("email-change-notice:{}", self.email_change_id)
    }
}

impl BackgroundJob for SendEmailConfirmationJob {
    const KIND: &'static str = "send_email_confirmation";
    const LANE: Lane = Lane::Mail;
    const DEADLINE: std::time::Duration = MAIL_JOB_DEADLINE;

    async fn run(self, ctx: JobContext) -> Result<(), JobError> {
        let mut conn = ctx
            .pool
            .get()
            .await
            .map_err(|_| JobError::retryable("no database connection"))?;
        let delivery = EmailChange::delivery(&mut conn, self.email_change_id, true)
            .await
            .map_err(|_| JobError::retryable("loading the email change failed"))?;
        // Confirmed, replaced or expired meanwhile: nothing to send.
        let Some(delivery) = delivery else {
            return Ok(());
        };
        let token = new_token();
        let stored = EmailChange::set_token(&mut conn, self.email_change_id, &token_hash(&token))
            .await
            .map_err(|_| JobError::retryable("storing the token failed"))?;
        if !stored {
            return Ok(());
        }
        let link = email::app_link(&ctx.config.public_url, "/confirm-email", Some(&token));
        let content = templates::email_change_confirmation(&delivery.practice_name, &link);
        ctx.mailer
            .send(&OutgoingEmail::new(delivery.new_email, content))
            .await
            .map_err(JobError::from)
    }
}

impl BackgroundJob for SendEmailChangeNoticeJob {
    const KIND: &'static str = "send_email_change_notice";
    const LANE: Lane = Lane::Mail;
    const DEADLINE: std::time::Duration = MAIL_JOB_DEADLINE;

    async fn run(self, ctx: JobContext) -> Result<(), JobError> {
        let mut conn = ctx
            .pool
            .get()
            .await
            .map_err(|_| JobError::retryable("no database connection"))?;
        // Sent even when the change was confirmed meanwhile: the old address must hear of it.
        let delivery = EmailChange::delivery(&mut conn, self.email_change_id, false)
            .await
            .map_err(|_| JobError::retryable("loading the email change failed"))?;
        let Some(delivery) = delivery else {
            return Ok(());
        };
        let link = email::app_link(&ctx.config.public_url, "/sign-in", None);
        let content = templates::email_change_notice(&delivery.practice_name, &link);
        ctx.mailer
            .send(&OutgoingEmail::new(delivery.old_email, content))
            .await
            .map_err(JobError::from)
    }
}
