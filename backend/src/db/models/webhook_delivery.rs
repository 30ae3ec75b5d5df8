//! Webhook deliveries and their attempts (R-WEBHOOK): what was sent to which endpoint, and
//! how each try went. A delivery's body holds ids only.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use crate::db::models::webhook::WebhookEndpoint;
use crate::db::schema::{webhook_deliveries, webhook_delivery_attempts, webhook_endpoints};

/// Where a delivery stands (`webhook_deliveries.state`).
pub mod state {
    /// Not delivered yet.
    pub const PENDING: &str = "pending";
    /// Answered 2xx.
    pub const DELIVERED: &str = "delivered";
    /// No more attempts.
    pub const FAILED: &str = "failed";
}

/// A delivery row.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = webhook_deliveries, check_for_backend(diesel::pg::Pg))]
pub struct WebhookDelivery {
    /// Its id (the `webhook-id` is made from it).
    pub id: Uuid,
    /// The endpoint.
    pub endpoint_id: Uuid,
    /// The payload's `type`.
    pub event_type: String,
    /// The exact JSON body.
    pub body: String,
    /// See [`state`].
    pub state: String,
    /// Attempts made.
    pub attempts: i32,
    /// When the next attempt is due, while pending.
    pub next_attempt_at: Option<DateTime<Utc>>,
    /// When it was made.
    pub created_at: DateTime<Utc>,
}

impl WebhookDelivery {
    /// The `webhook-id` header: `msg_` and the id without dashes, the same on every attempt.
    pub fn message_id(&self) -> String {
        message_id(self.id)
    }
}

/// The `webhook-id` of delivery `id`.
pub fn message_id(id: Uuid) -> String {
    format!("msg_{}", id.simple())
}

/// A delivery to make.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = webhook_deliveries)]
pub struct NewDelivery {
    /// Its id.
    pub id: Uuid,
    /// The endpoint.
    pub endpoint_id: Uuid,
    /// The logged event, if any.
    pub event_id: Option<i64>,
    /// The payload's `type`.
    pub event_type: String,
    /// The JSON body.
    pub body: String,
}

/// One try.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = webhook_delivery_attempts, check_for_backend(diesel::pg::Pg))]
pub struct Attempt {
    /// The delivery.
    pub delivery_id: Uuid,
    /// When.
    pub attempted_at: DateTime<Utc>,
    /// The endpoint's status, if it answered.
    pub status_code: Option<i32>,
    /// How long it took.
    pub duration_ms: i32,
    /// What went wrong, in the code's words.
    pub error: Option<String>,
}

/// How an attempt went, to record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttemptOutcome {
    /// When it started.
    pub started_at: DateTime<Utc>,
    /// The endpoint's status, if it answered.
    pub status_code: Option<u16>,
    /// How long it took.
    pub duration_ms: u32,
    /// What went wrong (text chosen by the code), or `None` on a 2xx.
    pub error: Option<String>,
}

impl AttemptOutcome {
    /// Whether the endpoint took the delivery.
    pub fn succeeded(&self) -> bool {
        self.error.is_none()
    }
}

/// Makes `deliveries`, leaving out those already made (same endpoint and event); answers the
/// ids of the new ones.
pub async fn insert_new(
    conn: &mut AsyncPgConnection,
    deliveries: &[NewDelivery],
) -> QueryResult<Vec<Uuid>> {
    if deliveries.is_empty() {
        return Ok(Vec::new());
    }
    diesel::insert_into(webhook_deliveries::table)
        .values(deliveries)
        .on_conflict_do_nothing()
        .returning(webhook_deliveries::id)
        .get_results(conn)
        .await
}

/// Delivery `id` with its endpoint.
pub async fn with_endpoint(
    conn: &mut AsyncPgConnection,
    id: Uuid,
) -> QueryResult<Option<(WebhookDelivery, WebhookEndpoint, Uuid)>> {
    webhook_deliveries::table
        .inner_join(webhook_endpoints::table)
        .filter(webhook_deliveries::id.eq(id))
        .select((
            WebhookDelivery::as_select(),
            WebhookEndpoint::as_select(),
            webhook_endpoints::practice_id,
        ))
        .first(conn)
        .await
        .optional()
}

/// Records an attempt at delivery `id`.
pub async fn record_attempt(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    outcome: &AttemptOutcome,
) -> QueryResult<()> {
    diesel::insert_into(webhook_delivery_attempts::table)
        .values((
            webhook_delivery_attempts::delivery_id.eq(id),
            webhook_delivery_attempts::attempted_at.eq(outcome.started_at),
            webhook_delivery_attempts::status_code.eq(outcome.status_code.map(i32::from)),
            webhook_delivery_attempts::duration_ms
                .eq(i32::try_from(outcome.duration_ms).unwrap_or(i32::MAX)),
            webhook_delivery_attempts::error.eq(outcome.error.as_deref()),
        ))
        .execute(conn)
        .await
        .map(|_| ())
}

/// Sets where delivery `id` stands after `attempts` attempts.
pub async fn set_state(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    state: &str,
    attempts: i32,
    next_attempt_at: Option<DateTime<Utc>>,
) -> QueryResult<()> {
    diesel::update(webhook_deliveries::table.find(id))
        .set((
            webhook_deliveries::state.eq(state),
            webhook_deliveries::attempts.eq(attempts),
            webhook_deliveries::next_attempt_at.eq(next_attempt_at),
        ))
        .execute(conn)
        .await
        .map(|_| ())
}

/// Ends every pending delivery of `endpoint_id` (it was disabled): no more attempts.
pub async fn fail_pending(conn: &mut AsyncPgConnection, endpoint_id: Uuid) -> QueryResult<usize> {
    diesel::update(
        webhook_deliveries::table
            .filter(webhook_deliveries::endpoint_id.eq(endpoint_id))
            .filter(webhook_deliveries::state.eq(state::PENDING)),
    )
    .set((
        webhook_deliveries::state.eq(state::FAILED),
        webhook_deliveries::next_attempt_at.eq(None::<DateTime<Utc>>),
    ))
    .execute(conn)
    .await
}

/// A page of `endpoint_id`'s deliveries, newest first, older than `before` (a delivery id;
/// ids grow with time), with each one's attempts, oldest first.
pub async fn page(
    conn: &mut AsyncPgConnection,
    endpoint_id: Uuid,
    before: Option<Uuid>,
    limit: i64,
) -> QueryResult<Vec<(WebhookDelivery, Vec<Attempt>)>> {
    let mut query = webhook_deliveries::table
        .filter(webhook_deliveries::endpoint_id.eq(endpoint_id))
        .order(webhook_deliveries::id.desc())
        .limit(limit)
        .select(WebhookDelivery::as_select())
        .into_boxed();
    if let Some(before) = before {
        query = query.filter(webhook_deliveries::id.lt(before));
    }
    let deliveries: Vec<WebhookDelivery> = query.load(conn).await?;
    let ids: Vec<Uuid> = deliveries.iter().map(|delivery| delivery.id).collect();
    let attempts: Vec<Attempt> = webhook_delivery_attempts::table
        .filter(webhook_delivery_attempts::delivery_id.eq_any(&ids))
        .order(webhook_delivery_attempts::id)
        .select(Attempt::as_select())
        .load(conn)
        .await?;
    Ok(deliveries
        .into_iter()
        .map(|delivery| {
            let own = attempts
                .iter()
                .filter(|attempt| attempt.delivery_id == delivery.id)
                .cloned()
                .collect();
            (delivery, own)
        })
        .collect())
}

/// Removes finished deliveries made before `before` (with their attempts): the log keeps
/// a bounded past.
pub async fn prune(conn: &mut AsyncPgConnection, before: DateTime<Utc>) -> QueryResult<usize> {
    diesel::delete(
        webhook_deliveries::table
            .filter(webhook_deliveries::created_at.lt(before))
            .filter(webhook_deliveries::state.ne(state::PENDING)),
    )
    .execute(conn)
    .await
}
