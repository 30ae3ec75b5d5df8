//! Emailing invitations. The job mints the token when it sends, so no usable token is ever
//! stored (only its hash), not even in the job queue; a retried send mints a new one and the
//! older link stops working.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::auth::refresh::{new_token, token_hash};
use crate::db::models::invitation::Invitation;
use crate::email::{self, OutgoingEmail, templates};
use crate::jobs::{BackgroundJob, JobContext, JobError, Lane, MAIL_JOB_DEADLINE};

/// Sends the invitation email for one invitation.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SendInvitationEmailJob {
    /// The invitation.
    pub invitation_id: Uuid,
}

impl SendInvitationEmailJob {
    /// The queue's idempotency key: one email job per invitation.
    pub fn idempotency_key(&self) -> String {
        format!("invitation-email:{}", self.invitation_id)
    }
}

impl BackgroundJob for SendInvitationEmailJob {
    const KIND: &'static str = "send_invitation_email";
    const LANE: Lane = Lane::Mail;
    const DEADLINE: std::time::Duration = MAIL_JOB_DEADLINE;

    async fn run(self, ctx: JobContext) -> Result<(), JobError> {
        let mut conn = ctx
            .pool
            .get()
            .await
            .map_err(|_| JobError::retryable("no database connection"))?;
        let delivery = Invitation::delivery(&mut conn, self.invitation_id)
            .await
            .map_err(|_| JobError::retryable("loading the invitation failed"))?;
        // Used, superseded or expired meanwhile: nothing to send.
        let Some((email, practice_name)) = delivery else {
            return Ok(());
        };
        let token = new_token();
        let stored = Invitation::set_token(&mut conn, self.invitation_id, &token_hash(&token))
            .await
            .map_err(|_| JobError::retryable("storing the token failed"))?;
        if !stored {
            return Ok(());
        }
        let link = email::app_link(&ctx.config.public_url, "/accept-invitation", Some(&token));
        let content = templates::invitation(&practice_name, &link);
        ctx.mailer
            .send(&OutgoingEmail::new(email, content))
            .await
            // Keeps permanence: a mailbox that does not exist is not retried for hours.
            .map_err(JobError::from)
    }
}
