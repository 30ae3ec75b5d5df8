//! From the event log to deliveries (R-WEBHOOK): the dispatcher reads the events after its
//! cursor, makes one delivery for each endpoint that subscribes to an event's type (and was
//! registered before it happened), enqueues a [`DeliverWebhookJob`] for each, and moves the
//! cursor — all in one transaction, so a crash between the steps leaves nothing half done.
//!
//! The cursor is one locked row: instances take turns, and since events commit in id order
//! (see [`crate::events`]) nothing committed before the cursor can appear later. Events of
//! practices without an enabled endpoint cost one read of the page's ids: the log is not
//! joined with anything in the writers' transactions, so a blast's 10,000 new threads do not
//! slow down for webhooks that nobody registered.
//!
//! Each instance runs [`spawn`]: woken by every batch the event listener hands over, and every
//! few seconds in case it missed one. Tests call [`run`] themselves.

use std::collections::HashMap;
use std::time::Duration;

use chrono::{DateTime, Utc};
use confidant_openapi::webhooks::{WebhookData, WebhookEventType, WebhookPayload};
use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::delivery::DeliverWebhookJob;
use crate::db::DbPool;
use crate::db::models::webhook_delivery::{self, NewDelivery};
use crate::db::schema::{events, webhook_dispatch_cursor, webhook_endpoints};
use crate::events::EventHub;
use crate::jobs::{self, Priority};

/// Events read per transaction.
const PAGE: i64 = 1000;
/// How often the dispatcher looks without being woken.
const TICK: Duration = Duration::from_secs(5);

/// The event log's kinds that webhooks carry, and the type each is sent as.
const KINDS: [(&str, WebhookEventType); 7] = [
    (
        "conversation_created",
        WebhookEventType::ConversationCreated,
    ),
    ("message_created", WebhookEventType::MessageCreated),
    ("message_deleted", WebhookEventType::MessageDeleted),
    (
        "conversation_deleted",
        WebhookEventType::ConversationDeleted,
    ),
    ("blast_done", WebhookEventType::BlastCompleted),
    ("person_created", WebhookEventType::PersonCreated),
    ("person_changed", WebhookEventType::PersonUpdated),
];

/// A logged event as the dispatcher reads it: id, practice, kind, data, when.
type Logged = (i64, Uuid, String, serde_json::Value, DateTime<Utc>);

/// An enabled endpoint as the dispatcher reads it: id, practice, event types, registered.
type Subscriber = (Uuid, Uuid, Vec<String>, DateTime<Utc>);

fn webhook_type(kind: &str) -> Option<WebhookEventType> {
    KINDS
        .iter()
        .find(|(logged, _)| *logged == kind)
        .map(|(_, sent)| *sent)
}

/// The JSON body of a delivery: the type, when it happened, and the event's ids and counts
/// — through [`WebhookData`], whose fields are ids and counts only, so nothing else an event
/// might hold can reach a receiver.
pub fn body(event_type: &str, timestamp: DateTime<Utc>, data: WebhookData) -> String {
    serde_json::to_string(&WebhookPayload {
        event_type: event_type.to_owned(),
        timestamp,
        data,
    })
    .unwrap_or_default()
}

/// Why a dispatch stopped.
#[derive(Debug, thiserror::Error)]
pub enum DispatchError {
    /// No connection from the pool in time.
    #[error("no database connection")]
    Unavailable,
    /// A statement failed.
    #[error("a database statement failed")]
    Database(#[from] diesel::result::Error),
}

/// Makes the deliveries of every event logged since the last run; answers how many.
pub async fn run(pool: &DbPool) -> Result<usize, DispatchError> {
    let mut made = 0;
    loop {
        let mut conn = pool.get().await.map_err(|_| DispatchError::Unavailable)?;
        let (page_made, more) = conn
            .transaction(async |conn| dispatch_page(conn).await)
            .await?;
        made += page_made;
        if !more {
            return Ok(made);
        }
    }
}

/// One page of events: answers the deliveries made and whether more events wait.
async fn dispatch_page(conn: &mut AsyncPgConnection) -> QueryResult<(usize, bool)> {
    let cursor: i64 = webhook_dispatch_cursor::table
        .select(webhook_dispatch_cursor::last_event_id)
        .for_update()
        .first(conn)
        .await?;
    let ids: Vec<i64> = events::table
        .filter(events::id.gt(cursor))
        .order(events::id)
        .limit(PAGE)
        .select(events::id)
        .load(conn)
        .await?;
    let Some(&upto) = ids.last() else {
        return Ok((0, false));
    };
    let kinds: Vec<&str> = KINDS.iter().map(|(kind, _)| *kind).collect();
    let logged: Vec<Logged> = events::table
        .filter(events::id.gt(cursor))
        .filter(events::id.le(upto))
        .filter(events::kind.eq_any(&kinds))
        .filter(
            events::practice_id.eq_any(
                webhook_endpoints::table
                    .filter(webhook_endpoints::disabled_at.is_null())
                    .select(webhook_endpoints::practice_id),
            ),
        )
        .order(events::id)
        .select((
            events::id,
            events::practice_id,
            events::kind,
            events::data,
            events::created_at,
        ))
        .load(conn)
        .await?;
    let mut made = 0;
    if !logged.is_empty() {
        let deliveries = deliveries_of(conn, &logged).await?;
        let created = webhook_delivery::insert_new(conn, &deliveries).await?;
        let jobs: Vec<(DeliverWebhookJob, Option<String>)> = created
            .into_iter()
            .map(|delivery_id| {
                let job = DeliverWebhookJob { delivery_id };
                let key = job.idempotency_key(1);
                (job, Some(key))
            })
            .collect();
        made = jobs::enqueue_many(conn, &jobs, Priority::Normal, Duration::ZERO).await?;
    }
    diesel::update(webhook_dispatch_cursor::table)
        .set(webhook_dispatch_cursor::last_event_id.eq(upto))
        .execute(conn)
        .await?;
    Ok((made, ids.len() as i64 == PAGE))
}

/// The deliveries `logged` events call for: one per enabled endpoint of the event's practice
/// that subscribes to its type and existed when it happened.
async fn deliveries_of(
    conn: &mut AsyncPgConnection,
    logged: &[Logged],
) -> QueryResult<Vec<NewDelivery>> {
    let mut practices: Vec<Uuid> = logged.iter().map(|(_, practice, ..)| *practice).collect();
    practices.sort_unstable();
    practices.dedup();
    let endpoints: Vec<Subscriber> = webhook_endpoints::table
        .filter(webhook_endpoints::practice_id.eq_any(&practices))
        .filter(webhook_endpoints::disabled_at.is_null())
        .select((
            webhook_endpoints::id,
            webhook_endpoints::practice_id,
            webhook_endpoints::events,
            webhook_endpoints::created_at,
        ))
        .load(conn)
        .await?;
    let mut by_practice: HashMap<Uuid, Vec<&Subscriber>> = HashMap::new();
    for endpoint in &endpoints {
        by_practice.entry(endpoint.1).or_default().push(endpoint);
    }
    let mut deliveries = Vec::new();
    for (event_id, practice_id, kind, data, happened) in logged {
        let Some(event_type) = webhook_type(kind) else {
            continue;
        };
        let name = event_type.as_str();
        let data: WebhookData = serde_json::from_value(data.clone()).unwrap_or_default();
        for (endpoint_id, _, subscribed, registered) in
            by_practice.get(practice_id).into_iter().flatten().copied()
        {
            if registered > happened || !subscribed.iter().any(|wanted| wanted == name) {
                continue;
            }
            deliveries.push(NewDelivery {
                id: Uuid::now_v7(),
                endpoint_id: *endpoint_id,
                event_id: Some(*event_id),
                event_type: name.to_owned(),
                body: body(name, *happened, data.clone()),
            });
        }
    }
    Ok(deliveries)
}

/// Runs the dispatcher of this instance until the runtime ends: after every batch of events
/// the listener hands over, and every [`TICK`].
pub fn spawn(pool: DbPool, hub: EventHub) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut failures = 0;
        loop {
            tokio::select! {
                () = hub.wait_for_published() => {}
                () = tokio::time::sleep(TICK) => {}
            }
            match run(&pool).await {
                Ok(_) => failures = 0,
                Err(error) => {
                    failures += 1;
                    let pause = jobs::jittered_backoff(TICK, Duration::from_secs(60), failures);
                    tracing::warn!(
                        cause = %crate::error::log_safe(&error),
                        retry_in_ms = pause.as_millis() as u64,
                        "could not make webhook deliveries from the event log"
                    );
                    tokio::time::sleep(pause).await;
                }
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::events::Event;

    #[test]
    fn each_webhook_type_comes_from_a_logged_kind() {
        let id = Uuid::nil();
        let logged = [
            Event::ConversationCreated {
                conversation_id: id,
                message_id: id,
                author_id: id,
            },
            Event::MessageCreated {
                conversation_id: id,
                message_id: id,
                author_id: id,
            },
            Event::MessageDeleted {
                conversation_id: id,
                message_id: id,
            },
            Event::ConversationDeleted {
                conversation_id: id,
            },
            Event::BlastDone {
                blast_id: id,
                total: 1,
                sent: 1,
                skipped: 0,
                failed: 0,
            },
            Event::PersonCreated { person_id: id },
            Event::PersonChanged { person_id: id },
        ];
        let sent: Vec<_> = logged
            .iter()
            .map(|event| webhook_type(event.kind()).expect("a webhook type"))
            .collect();
        assert_eq!(sent, WebhookEventType::ALL);
        assert_eq!(webhook_type("read_state_changed"), None);
        assert_eq!(webhook_type("session_ended"), None);
    }

    // R-WEBHOOK
    #[test]
    fn a_body_holds_the_type_the_time_and_ids_only() {
        let id = Uuid::now_v7();
        let data: WebhookData = serde_json::from_value(serde_json::json!({
            "conversation_id": id,
            "subject": "Lab results",
            "body": "anything",
        }))
        .expect("data");
        let text = body("conversation.created", Utc::now(), data);
        let json: serde_json::Value = serde_json::from_str(&text).expect("JSON");
        assert_eq!(json["type"], "conversation.created");
        assert_eq!(json["data"]["conversation_id"], id.to_string());
        assert_eq!(json["data"].as_object().map(|data| data.len()), Some(1));
        assert!(!text.contains("Lab results") && !text.contains("anything"));
    }
}
