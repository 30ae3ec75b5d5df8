//! Webhook endpoints of a practice (R-WEBHOOK).

use chrono::{DateTime, Utc};
use confidant_openapi::webhooks::WebhookEventType;
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use crate::db::schema::webhook_endpoints;

/// An endpoint row.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = webhook_endpoints, check_for_backend(diesel::pg::Pg))]
pub struct WebhookEndpoint {
    /// Its id.
    pub id: Uuid,
    /// Where deliveries go.
    pub url: String,
    /// Event type names.
    pub events: Vec<String>,
    /// The sealed `whsec_…` secret.
    pub secret_encrypted: Vec<u8>,
    /// When deliveries were paused or stopped.
    pub disabled_at: Option<DateTime<Utc>>,
    /// When it was registered.
    pub created_at: DateTime<Utc>,
    /// The sealed secret the last rotation replaced.
    pub previous_secret_encrypted: Option<Vec<u8>>,
    /// Until when that secret signs deliveries too.
    pub previous_secret_expires_at: Option<DateTime<Utc>>,
    /// Since when every attempt failed.
    pub failing_since: Option<DateTime<Utc>>,
    /// `paused` or `failing`, while disabled.
    pub disabled_reason: Option<String>,
}

/// Changes to an endpoint; `None` leaves a column as it is.
#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = webhook_endpoints)]
pub struct WebhookChanges {
    /// A new URL.
    pub url: Option<String>,
    /// New event types.
    pub events: Option<Vec<String>>,
    /// Paused (`Some(Some(now))`) or resumed (`Some(None)`).
    pub disabled_at: Option<Option<DateTime<Utc>>>,
    /// `Some(Some("paused"))` with a pause, `Some(None)` with a resumption.
    pub disabled_reason: Option<Option<&'static str>>,
    /// Cleared (`Some(None)`) with a resumption: the endpoint gets a fresh start.
    pub failing_since: Option<Option<DateTime<Utc>>>,
}

impl WebhookChanges {
    /// The changes that pause (`false`) or resume (`true`) deliveries.
    pub fn enabled(mut self, enabled: Option<bool>) -> Self {
        match enabled {
            Some(false) => {
                self.disabled_at = Some(Some(Utc::now()));
                self.disabled_reason = Some(Some("paused"));
            }
            Some(true) => {
                self.disabled_at = Some(None);
                self.disabled_reason = Some(None);
                self.failing_since = Some(None);
            }
            None => {}
        }
        self
    }

    fn is_empty(&self) -> bool {
        self.url.is_none() && self.events.is_none() && self.disabled_at.is_none()
    }
}

/// Names of `events`, sorted and without repeats.
pub fn event_names(events: &[WebhookEventType]) -> Vec<String> {
    let mut names: Vec<String> = events.iter().map(|e| e.as_str().to_owned()).collect();
    names.sort();
    names.dedup();
    names
}

impl WebhookEndpoint {
    /// Its event types.
    pub fn event_types(&self) -> Vec<WebhookEventType> {
        self.events
            .iter()
            .filter_map(|name| WebhookEventType::parse(name))
            .collect()
    }

    /// Registers an endpoint.
    pub async fn insert(
        conn: &mut AsyncPgConnection,
        practice_id: Uuid,
        url: &str,
        events: &[WebhookEventType],
        secret_encrypted: &[u8],
        id: Uuid,
    ) -> QueryResult<Self> {
        diesel::insert_into(webhook_endpoints::table)
            .values((
                webhook_endpoints::id.eq(id),
                webhook_endpoints::practice_id.eq(practice_id),
                webhook_endpoints::url.eq(url),
                webhook_endpoints::events.eq(event_names(events)),
                webhook_endpoints::secret_encrypted.eq(secret_encrypted),
            ))
            .returning(Self::as_returning())
            .get_result(conn)
            .await
    }

    /// The practice's endpoints, oldest first.
    pub async fn of_practice(
        conn: &mut AsyncPgConnection,
        practice_id: Uuid,
    ) -> QueryResult<Vec<Self>> {
        webhook_endpoints::table
            .filter(webhook_endpoints::practice_id.eq(practice_id))
            .order((webhook_endpoints::created_at, webhook_endpoints::id))
            .limit(100)
            .select(Self::as_select())
            .load(conn)
            .await
    }

    /// Applies `changes` to endpoint `id` of the practice; `None` when there is none.
    pub async fn change(
        conn: &mut AsyncPgConnection,
        practice_id: Uuid,
        id: Uuid,
        changes: &WebhookChanges,
    ) -> QueryResult<Option<Self>> {
        let target = webhook_endpoints::table
            .filter(webhook_endpoints::practice_id.eq(practice_id))
            .filter(webhook_endpoints::id.eq(id));
        if changes.is_empty() {
            return target
                .select(Self::as_select())
                .first(conn)
                .await
                .optional();
        }
        diesel::update(target)
            .set(changes)
            .returning(Self::as_returning())
            .get_result(conn)
            .await
            .optional()
    }

    /// Endpoint `id` of the practice, if any.
    pub async fn find(
        conn: &mut AsyncPgConnection,
        practice_id: Uuid,
        id: Uuid,
    ) -> QueryResult<Option<Self>> {
        webhook_endpoints::table
            .filter(webhook_endpoints::practice_id.eq(practice_id))
            .filter(webhook_endpoints::id.eq(id))
            .select(Self::as_select())
            .first(conn)
            .await
            .optional()
    }

    /// Replaces the secret of endpoint `id` with `sealed`, keeping the current one as the
    /// previous secret until `overlap_until`.
    pub async fn rotate_secret(
        conn: &mut AsyncPgConnection,
        practice_id: Uuid,
        id: Uuid,
        sealed: &[u8],
        overlap_until: DateTime<Utc>,
    ) -> QueryResult<Option<Self>> {
        diesel::update(
            webhook_endpoints::table
                .filter(webhook_endpoints::practice_id.eq(practice_id))
                .filter(webhook_endpoints::id.eq(id)),
        )
        .set((
            webhook_endpoints::previous_secret_encrypted
                .eq(webhook_endpoints::secret_encrypted.nullable()),
            webhook_endpoints::previous_secret_expires_at.eq(Some(overlap_until)),
            webhook_endpoints::secret_encrypted.eq(sealed),
        ))
        .returning(Self::as_returning())
        .get_result(conn)
        .await
        .optional()
    }

    /// Deletes endpoint `id` of the practice; false when there was none.
    pub async fn delete(
        conn: &mut AsyncPgConnection,
        practice_id: Uuid,
        id: Uuid,
    ) -> QueryResult<bool> {
        let rows = diesel::delete(
            webhook_endpoints::table
                .filter(webhook_endpoints::practice_id.eq(practice_id))
                .filter(webhook_endpoints::id.eq(id)),
        )
        .execute(conn)
        .await?;
        Ok(rows == 1)
    }
}
