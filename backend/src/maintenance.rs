//! Daily housekeeping: forgets rate-limit counters whose window closed, sign-in addresses
//! not used for half a year, spent links and keys, and webhook deliveries older than
//! [`WEBHOOK_LOG_DAYS`]. One job per day across every instance (its idempotency key
//! names the day); each run schedules the next.

use chrono::{Duration, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::db::models::idempotency_key::IdempotencyKey;
use crate::db::models::mfa_challenge::MfaChallenge;
use crate::db::models::password_reset::PasswordReset;
use crate::db::models::rate_limit;
use crate::db::models::webhook_delivery;
use crate::jobs::{self, BackgroundJob, JobContext, JobError};

/// How long a sign-in address stays known after its last successful sign-in.
pub const KNOWN_ADDRESS_DAYS: i64 = 180;

/// How long finished webhook deliveries stay in an endpoint's log.
pub const WEBHOOK_LOG_DAYS: i64 = 30;

/// The housekeeping of one day.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DailyMaintenanceJob {
    /// The day it is for (UTC).
    pub day: NaiveDate,
}

impl DailyMaintenanceJob {
    /// The job for the day of `now`.
    pub fn today() -> Self {
        Self {
            day: Utc::now().date_naive(),
        }
    }

    /// One job per day, whichever instance enqueues it.
    pub fn idempotency_key(&self) -> String {
        format!("daily-maintenance:{}", self.day)
    }

    /// Enqueues it (a no-op if that day's job exists already).
    pub async fn schedule(
        &self,
        conn: &mut diesel_async::AsyncPgConnection,
        delay: std::time::Duration,
    ) -> diesel::QueryResult<bool> {
        jobs::enqueue_after(conn, self, Some(&self.idempotency_key()), delay).await
    }
}

impl BackgroundJob for DailyMaintenanceJob {
    const KIND: &'static str = "daily_maintenance";

    async fn run(self, ctx: JobContext) -> Result<(), JobError> {
        let mut conn = ctx.pool.get().await?;
        let now = Utc::now();
        let counters = rate_limit::prune(&mut conn, now - Duration::hours(1)).await?;
        let addresses =
            rate_limit::prune_addresses(&mut conn, now - Duration::days(KNOWN_ADDRESS_DAYS))
                .await?;
        let reset_links = PasswordReset::prune(&mut conn).await?;
        let mfa_challenges = MfaChallenge::prune(&mut conn).await?;
        let idempotency_keys = IdempotencyKey::prune(&mut conn).await?;
        let webhook_deliveries =
            webhook_delivery::prune(&mut conn, now - Duration::days(WEBHOOK_LOG_DAYS)).await?;
        tracing::info!(
            counters,
            addresses,
            reset_links,
            mfa_challenges,
            idempotency_keys,
            webhook_deliveries,
            "daily maintenance pruned old rows"
        );
        let next = Self {
            day: self.day + Duration::days(1),
        };
        let due = next
            .day
            .and_hms_opt(3, 0, 0)
            .map(|at| at.and_utc() - now)
            .and_then(|wait| wait.to_std().ok())
            .unwrap_or_default();
        next.schedule(&mut conn, due).await?;
        Ok(())
    }
}
