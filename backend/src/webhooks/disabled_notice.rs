//! Telling a practice's owners that one of its webhook endpoints was turned off for failing
//! too long. The email names neither the endpoint's address nor anything sent to it; it links
//! to the Integrations page, where the owner sees which one and its delivery log.

use chrono::Utc;
use confidant_openapi::people::{PersonStatus, Role};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::db::schema::{people, portal_accounts, practices};
use crate::email::{self, OutgoingEmail, templates};
use crate::jobs::{BackgroundJob, JobContext, JobError, Lane, MAIL_JOB_DEADLINE};

/// Emails the owners of `practice_id` that endpoint `endpoint_id` was turned off.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SendWebhookDisabledEmailJob {
    /// The practice.
    pub practice_id: Uuid,
    /// The endpoint.
    pub endpoint_id: Uuid,
    /// When it was turned off (one notice per time).
    pub disabled_at: chrono::DateTime<Utc>,
}

impl SendWebhookDisabledEmailJob {
    /// The notice for endpoint `endpoint_id`, turned off now.
    pub fn new(practice_id: Uuid, endpoint_id: Uuid) -> Self {
        Self {
            practice_id,
            endpoint_id,
            disabled_at: Utc::now(),
        }
    }

    /// The queue's idempotency key: one notice each time the endpoint is turned off.
    pub fn idempotency_key(&self) -> String {
        format!(
            "webhook-disabled:{}:{}",
            self.endpoint_id,
            self.disabled_at.timestamp()
        )
    }
}

impl BackgroundJob for SendWebhookDisabledEmailJob {
    const KIND: &'static str = "send_webhook_disabled_email";
    const LANE: Lane = Lane::Mail;
    const DEADLINE: std::time::Duration = MAIL_JOB_DEADLINE;

    async fn run(self, ctx: JobContext) -> Result<(), JobError> {
        let mut conn = ctx.pool.get().await?;
        let practice_name: String = practices::table
            .find(self.practice_id)
            .select(practices::name)
            .first(&mut conn)
            .await?;
        let owners: Vec<String> = portal_accounts::table
            .inner_join(people::table.on(people::id.eq(portal_accounts::person_id)))
            .filter(people::practice_id.eq(self.practice_id))
            .filter(people::role.eq(Role::Owner.as_str()))
            .filter(people::status.eq(PersonStatus::Active.as_str()))
            .select(portal_accounts::email)
            .load(&mut conn)
            .await?;
        drop(conn);
        let days = ctx.config.webhook_disable_after.as_secs() / (24 * 3600);
        let link = email::app_link(&ctx.config.public_url, "/integrations", None);
        // One email per owner, all or none retried: a repeat is harmless, a gap is not.
        for owner in owners {
            let content = templates::webhook_disabled(&practice_name, days, &link);
            ctx.mailer
                .send(&OutgoingEmail::new(owner, content))
                .await
                .map_err(JobError::from)?;
        }
        Ok(())
    }
}
