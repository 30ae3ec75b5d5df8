//! Keeping the event log short: every hour, events older than `CONFIDANT_EVENT_RETENTION_HOURS`
//! (24 by default) are removed, once the webhook dispatcher has read them. One job per hour
//! across every instance (its idempotency key names the hour); each run schedules the next. A
//! stream asking to resume from a pruned event is told to fetch afresh. Stream tickets past
//! their minute go at the same time.

use chrono::{DateTime, Duration, DurationRound, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use serde::{Deserialize, Serialize};

use crate::db::schema::{events, webhook_dispatch_cursor};
use crate::jobs::{self, BackgroundJob, JobContext, JobError};

/// The pruning of one hour.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PruneEventsJob {
    /// The hour it is for (UTC, on the hour).
    pub hour: DateTime<Utc>,
}

impl PruneEventsJob {
    /// The job for the hour of now.
    pub fn this_hour() -> Self {
        let now = Utc::now();
        Self {
            hour: now.duration_trunc(Duration::hours(1)).unwrap_or(now),
        }
    }

    /// One job per hour, whichever instance enqueues it.
    pub fn idempotency_key(&self) -> String {
        format!("prune-events:{}", self.hour.format("%Y-%m-%dT%H"))
    }

    /// Enqueues it to run after `delay` (a no-op if that hour's job exists already).
    pub async fn schedule(
        &self,
        conn: &mut AsyncPgConnection,
        delay: std::time::Duration,
    ) -> diesel::QueryResult<bool> {
        jobs::enqueue_after(conn, self, Some(&self.idempotency_key()), delay).await
    }
}

/// Removes the events recorded before `before` that the webhook dispatcher has read;
/// answers how many. An event past the window that webhooks have not carried yet (every
/// instance was down for longer than the window) stays until the dispatcher moves past it,
/// so a long outage delays deliveries but never loses them.
pub async fn prune(conn: &mut AsyncPgConnection, before: DateTime<Utc>) -> QueryResult<usize> {
    let dispatched = webhook_dispatch_cursor::table
        .select(webhook_dispatch_cursor::last_event_id)
        .single_value();
    diesel::delete(
        events::table
            .filter(events::created_at.lt(before))
            .filter(events::id.nullable().le(dispatched)),
    )
    .execute(conn)
    .await
}

impl BackgroundJob for PruneEventsJob {
    const KIND: &'static str = "prune_events";

    async fn run(self, ctx: JobContext) -> Result<(), JobError> {
        let mut conn = ctx.pool.get().await?;
        let retention =
            Duration::from_std(ctx.config.event_retention).unwrap_or(Duration::hours(24));
        let pruned = prune(&mut conn, Utc::now() - retention).await?;
        let tickets = super::tickets::prune(&mut conn).await?;
        tracing::info!(
            pruned,
            tickets,
            "pruned the event log and spent stream tickets"
        );
        let next = Self {
            hour: self.hour + Duration::hours(1),
        };
        let due = (next.hour - Utc::now()).to_std().unwrap_or_default();
        next.schedule(&mut conn, due).await?;
        Ok(())
    }
}
