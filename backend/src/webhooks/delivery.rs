//! The job that makes one attempt at a delivery (R-WEBHOOK) and records it: a 2xx delivers
//! it; anything else is retried on the Standard Webhooks schedule ([`super::retry`]) by
//! enqueuing the next attempt with its delay, under the same `webhook-id`; after the last
//! attempt the delivery has failed. An endpoint that fails every attempt for
//! `CONFIDANT_WEBHOOK_DISABLE_AFTER_HOURS` is turned off and its practice's owners emailed.
//!
//! The job's own retries (the queue's backoff) are for our side failing — the database
//! unreachable while recording; the receiver's failures are the schedule's business.

use chrono::Utc;
use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::disabled_notice::SendWebhookDisabledEmailJob;
use super::{retry, sender};
use crate::config::Config;
use crate::db::models::webhook::WebhookEndpoint;
use crate::db::models::webhook_delivery::{self, AttemptOutcome, WebhookDelivery, state};
use crate::db::schema::webhook_endpoints;
use crate::encryption;
use crate::jobs::{self, BackgroundJob, JobContext, JobError, Lane};

/// What sealed webhook secrets are bound to.
pub const SECRET_PURPOSE: &str = "webhook";

/// Makes the next attempt at delivery `delivery_id`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DeliverWebhookJob {
    /// The delivery.
    pub delivery_id: Uuid,
}

impl DeliverWebhookJob {
    /// The queue's idempotency key of attempt `number` (from 1): one job per attempt.
    pub fn idempotency_key(&self, number: i32) -> String {
        format!("webhook-delivery:{}:{number}", self.delivery_id)
    }
}

impl BackgroundJob for DeliverWebhookJob {
    const KIND: &'static str = "deliver_webhook";
    const LANE: Lane = Lane::Webhook;
    /// The HTTP deadline, the DNS deadline and the database work around them.
    const DEADLINE: std::time::Duration = std::time::Duration::from_secs(60);
    const MAX_ATTEMPTS: i32 = 5;

    async fn run(self, ctx: JobContext) -> Result<(), JobError> {
        let mut conn = ctx.pool.get().await?;
        let Some((delivery, endpoint, practice_id)) =
            webhook_delivery::with_endpoint(&mut conn, self.delivery_id).await?
        else {
            // The endpoint was removed, and its deliveries with it.
            return Ok(());
        };
        if delivery.state != state::PENDING {
            // Done already (this job ran before and its end was not recorded).
            return Ok(());
        }
        if endpoint.disabled_at.is_some() {
            webhook_delivery::set_state(
                &mut conn,
                delivery.id,
                state::FAILED,
                delivery.attempts,
                None,
            )
            .await?;
            return Ok(());
        }
        let secrets = secrets(&ctx.config, &endpoint);
        // No connection is held while the receiver takes its time.
        drop(conn);
        let message_id = delivery.message_id();
        let outcome = sender::attempt(&sender::Request {
            url: &endpoint.url,
            message_id: &message_id,
            body: &delivery.body,
            secrets: &secrets,
            allow_private: ctx.config.webhook_allow_private_networks,
        })
        .await;
        let mut conn = ctx.pool.get().await?;
        let config = &ctx.config;
        conn.transaction(async |conn| {
            record(conn, config, &delivery, &endpoint, practice_id, &outcome).await
        })
        .await?;
        Ok(())
    }
}

/// The secrets that sign a delivery: the current one, and the one a rotation replaced until
/// its overlap ends.
fn secrets(config: &Config, endpoint: &WebhookEndpoint) -> Vec<String> {
    let open = |sealed: &[u8]| {
        encryption::open_secret(&config.storage_key, SECRET_PURPOSE, endpoint.id, sealed)
            .ok()
            .and_then(|bytes| String::from_utf8(bytes).ok())
    };
    let mut secrets: Vec<String> = open(&endpoint.secret_encrypted).into_iter().collect();
    let overlapping = endpoint
        .previous_secret_expires_at
        .is_some_and(|until| until > Utc::now());
    if overlapping {
        secrets.extend(
            endpoint
                .previous_secret_encrypted
                .as_deref()
                .and_then(&open),
        );
    }
    secrets
}

/// Records `outcome` and decides what comes next.
async fn record(
    conn: &mut AsyncPgConnection,
    config: &Config,
    delivery: &WebhookDelivery,
    endpoint: &WebhookEndpoint,
    practice_id: Uuid,
    outcome: &AttemptOutcome,
) -> Result<(), diesel::result::Error> {
    webhook_delivery::record_attempt(conn, delivery.id, outcome).await?;
    let made = delivery.attempts + 1;
    if outcome.succeeded() {
        webhook_delivery::set_state(conn, delivery.id, state::DELIVERED, made, None).await?;
        if endpoint.failing_since.is_some() {
            diesel::update(webhook_endpoints::table.find(endpoint.id))
                .set(webhook_endpoints::failing_since.eq(None::<chrono::DateTime<Utc>>))
                .execute(conn)
                .await?;
        }
        return Ok(());
    }
    let failing_since: Option<chrono::DateTime<Utc>> =
        diesel::update(webhook_endpoints::table.find(endpoint.id))
            .set(webhook_endpoints::failing_since.eq(diesel::dsl::sql::<
                diesel::sql_types::Nullable<diesel::sql_types::Timestamptz>,
            >(
                "coalesce(failing_since, now())"
            )))
            .returning(webhook_endpoints::failing_since)
            .get_result(conn)
            .await?;
    let too_long = failing_since.is_some_and(|since| {
        retry::should_disable(since, Utc::now(), config.webhook_disable_after)
    });
    let next = retry::next_delay(made).filter(|_| !too_long);
    match next {
        Some(wait) => {
            let due = Utc::now() + chrono::Duration::from_std(wait).unwrap_or_default();
            webhook_delivery::set_state(conn, delivery.id, state::PENDING, made, Some(due)).await?;
            let job = DeliverWebhookJob {
                delivery_id: delivery.id,
            };
            jobs::enqueue_after(conn, &job, Some(&job.idempotency_key(made + 1)), wait).await?;
        }
        None => {
            webhook_delivery::set_state(conn, delivery.id, state::FAILED, made, None).await?;
        }
    }
    if too_long {
        disable_failing(conn, endpoint.id, practice_id).await?;
    }
    Ok(())
}

/// Turns off an endpoint that failed too long, ends its pending deliveries and emails the
/// practice's owners (once).
async fn disable_failing(
    conn: &mut AsyncPgConnection,
    endpoint_id: Uuid,
    practice_id: Uuid,
) -> Result<(), diesel::result::Error> {
    let turned_off = diesel::update(
        webhook_endpoints::table
            .find(endpoint_id)
            .filter(webhook_endpoints::disabled_at.is_null()),
    )
    .set((
        webhook_endpoints::disabled_at.eq(Some(Utc::now())),
        webhook_endpoints::disabled_reason.eq(Some("failing")),
    ))
    .execute(conn)
    .await?;
    if turned_off == 0 {
        return Ok(());
    }
    webhook_delivery::fail_pending(conn, endpoint_id).await?;
    tracing::warn!(%endpoint_id, "a webhook endpoint failed for too long and was turned off");
    let notice = SendWebhookDisabledEmailJob::new(practice_id, endpoint_id);
    jobs::enqueue(conn, &notice, Some(&notice.idempotency_key())).await?;
    Ok(())
}
