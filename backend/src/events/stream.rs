//! One person's live stream (`GET /api/v1/events`, Server-Sent Events): what was missed, then
//! every new event whose audience names them, until their access ends.
//!
//! A stream starts with either
//! - the events after the client's `Last-Event-ID` (read from the log up to the subscription's
//!   cut, so replay and live events neither overlap nor leave a gap), then `ready`; or
//! - `resync`, when that id is older than what the log still holds (or unknown): the client
//!   fetches afresh, then follows live; or
//! - just `ready`, for a client with no `Last-Event-ID`.
//!
//! `ready` and `resync` carry the id from which the stream continues, so even a client that
//! heard nothing else resumes without a gap. The stream ends when the access token that opened
//! it expires, when its session ends (sign-out, idleness: a `session_ended` event is sent
//! first), when the person's access changes (their security stamp), when the instance stops,
//! or when the client does not keep up (it then resumes from the log).

use std::time::Duration;

use actix_web_lab::sse;
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use tokio::sync::mpsc;
use uuid::Uuid;

use super::hub::{LoggedEvent, Subscription};
use crate::db::DbPool;
use crate::db::schema::{events, people, sessions};
use crate::monitoring;

/// The most missed events replayed on reconnect; past it the client is told to resync.
pub const REPLAY_LIMIT: i64 = 1000;
/// How often a comment is sent on a quiet stream, so that proxies keep it open.
pub const HEARTBEAT: Duration = Duration::from_secs(15);
/// What browsers wait before reconnecting on their own (`retry:`).
pub const RETRY: Duration = Duration::from_secs(3);

/// Who a stream is for, and until when.
#[derive(Debug, Clone)]
pub struct Grant {
    pub person_id: Uuid,
    pub session_id: Uuid,
    /// The person's security stamp when access was checked: a change ends the stream.
    pub security_stamp: Uuid,
    /// When the access token (or the ticket's token) expires.
    pub until: DateTime<Utc>,
}

/// Where the stream begins.
#[derive(Debug, Clone, PartialEq)]
pub enum Start {
    /// Replay these events, then `ready`.
    Replay(Vec<LoggedEvent>),
    /// Send `resync`: the missed events are no longer in the log.
    Resync,
}

/// Decides where a stream that resumes after `last_event_id` begins; `None` (no id) is an
/// empty replay. Reads the log on `conn` up to the subscription's `cut`.
pub async fn start(
    conn: &mut AsyncPgConnection,
    person_id: Uuid,
    last_event_id: Option<i64>,
    cut: i64,
) -> QueryResult<Start> {
    let Some(last) = last_event_id else {
        return Ok(Start::Replay(Vec::new()));
    };
    if last > cut {
        // An id this log never gave out (another deployment, a restored database).
        return Ok(Start::Resync);
    }
    let oldest: Option<i64> = events::table
        .select(diesel::dsl::min(events::id))
        .first(conn)
        .await?;
    // Rows before the oldest kept one were pruned (or never committed): a client that last
    // saw an id before them may have missed some. An empty log after `last` is complete only
    // if nothing after `last` was ever handed out.
    let pruned = match oldest {
        Some(oldest) => last < oldest - 1,
        None => last < cut,
    };
    if pruned {
        return Ok(Start::Resync);
    }
    let rows: Vec<(i64, String, serde_json::Value, Vec<Uuid>)> = events::table
        .filter(events::id.gt(last))
        .filter(events::id.le(cut))
        .filter(events::audience.contains(vec![person_id]))
        .order(events::id)
        .limit(REPLAY_LIMIT + 1)
        .select((events::id, events::kind, events::data, events::audience))
        .load(conn)
        .await?;
    if rows.len() as i64 > REPLAY_LIMIT {
        return Ok(Start::Resync);
    }
    Ok(Start::Replay(
        rows.into_iter()
            .map(|(id, kind, data, audience)| LoggedEvent {
                id,
                kind,
                data: data.to_string(),
                audience,
            })
            .collect(),
    ))
}

/// The stream's events, produced by a task of its own until one of the endings above. The
/// task stops when the client goes away (the receiver is dropped).
pub fn run(
    pool: DbPool,
    grant: Grant,
    subscription: Subscription,
    start: Start,
) -> mpsc::Receiver<sse::Event> {
    let (sender, receiver) = mpsc::channel(16);
    tokio::spawn(async move {
        metrics::gauge!(monitoring::EVENT_STREAMS).increment(1.0);
        let _ended = OnDrop(|| metrics::gauge!(monitoring::EVENT_STREAMS).decrement(1.0));
        follow(&pool, &grant, subscription, start, &sender).await;
    });
    receiver
}

async fn follow(
    pool: &DbPool,
    grant: &Grant,
    mut subscription: Subscription,
    start: Start,
    sender: &mpsc::Sender<sse::Event>,
) {
    let cut = subscription.cut;
    let opening = match start {
        Start::Replay(missed) => {
            let mut opening: Vec<_> = missed.iter().map(message).collect();
            opening.push(marker("ready", cut));
            opening
        }
        Start::Resync => vec![marker("resync", cut)],
    };
    for event in opening {
        if sender.send(event).await.is_err() {
            return;
        }
    }
    let until = tokio::time::Instant::now()
        + (grant.until - Utc::now())
            .to_std()
            .unwrap_or(Duration::ZERO);
    loop {
        let event = tokio::select! {
            event = subscription.events.recv() => event,
            () = tokio::time::sleep_until(until) => return,
            () = sender.closed() => return,
        };
        let Some(event) = event else {
            // Dropped by the hub (too slow, or the instance stops).
            return;
        };
        match Ending::of(&event, grant) {
            Ending::NotMine => continue,
            Ending::No => {}
            Ending::Now => {
                // Sent so the client knows why; best effort, the stream ends either way.
                let _told = sender.send(message(&event)).await;
                return;
            }
            Ending::IfAccessChanged => {
                if !still_allowed(pool, grant).await {
                    return;
                }
            }
        }
        if sender.send(message(&event)).await.is_err() {
            return;
        }
    }
}

/// What an event means for the stream itself.
#[derive(Debug, PartialEq, Eq)]
enum Ending {
    /// An ordinary event.
    No,
    /// Another session of the same person ended: not this stream's business.
    NotMine,
    /// This stream's session ended.
    Now,
    /// The person's record changed: their access may have.
    IfAccessChanged,
}

impl Ending {
    fn of(event: &LoggedEvent, grant: &Grant) -> Self {
        let names = |field: &str, id: Uuid| {
            serde_json::from_str::<serde_json::Value>(&event.data)
                .ok()
                .and_then(|data| data.get(field).and_then(|v| v.as_str()).map(str::to_owned))
                .is_some_and(|value| value == id.to_string())
        };
        match event.kind.as_str() {
            "session_ended" if names("session_id", grant.session_id) => Self::Now,
            "session_ended" => Self::NotMine,
            "person_changed" if names("person_id", grant.person_id) => Self::IfAccessChanged,
            _ => Self::No,
        }
    }
}

/// Whether the grant's session is still open and the person's security stamp unchanged.
pub async fn access_holds(conn: &mut AsyncPgConnection, grant: &Grant) -> QueryResult<bool> {
    let open: Option<Uuid> = people::table
        .inner_join(sessions::table.on(sessions::person_id.eq(people::id)))
        .filter(sessions::id.eq(grant.session_id))
        .filter(sessions::revoked_at.is_null())
        .filter(people::id.eq(grant.person_id))
        .filter(people::security_stamp.eq(grant.security_stamp))
        .select(sessions::id)
        .first(conn)
        .await
        .optional()?;
    Ok(open.is_some())
}

/// [`access_holds`] on a pooled connection, within the checkout deadline; a database that
/// cannot answer ends the stream too (the client reconnects and is checked afresh).
async fn still_allowed(pool: &DbPool, grant: &Grant) -> bool {
    let check = async {
        let mut conn = pool.get().await.ok()?;
        access_holds(&mut conn, grant).await.ok()
    };
    tokio::time::timeout(crate::db::CHECKOUT_DEADLINE, check)
        .await
        .ok()
        .flatten()
        .unwrap_or(false)
}

/// A logged event on the wire: `id:`, `event:` (its kind) and `data:` (its ids and counts).
fn message(event: &LoggedEvent) -> sse::Event {
    sse::Data::new(event.data.clone())
        .id(event.id.to_string())
        .event(event.kind.clone())
        .into()
}

/// `ready` or `resync`, carrying the id from which the stream continues.
fn marker(kind: &'static str, cut: i64) -> sse::Event {
    let data = serde_json::json!({ "last_event_id": cut }).to_string();
    sse::Data::new(data).id(cut.to_string()).event(kind).into()
}

/// Runs a closure when dropped (when the stream's task ends, however it ends).
struct OnDrop<F: FnMut()>(F);

impl<F: FnMut()> Drop for OnDrop<F> {
    fn drop(&mut self) {
        (self.0)();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grant() -> Grant {
        Grant {
            person_id: Uuid::new_v4(),
            session_id: Uuid::new_v4(),
            security_stamp: Uuid::new_v4(),
            until: Utc::now(),
        }
    }

    fn logged(kind: &str, data: serde_json::Value) -> LoggedEvent {
        LoggedEvent {
            id: 1,
            kind: kind.into(),
            data: data.to_string(),
            audience: Vec::new(),
        }
    }

    #[test]
    fn only_its_own_session_ending_ends_a_stream() {
        let grant = grant();
        let mine = logged(
            "session_ended",
            serde_json::json!({ "session_id": grant.session_id }),
        );
        let other = logged(
            "session_ended",
            serde_json::json!({ "session_id": Uuid::new_v4() }),
        );
        let me_changed = logged(
            "person_changed",
            serde_json::json!({ "person_id": grant.person_id }),
        );
        let someone_changed = logged(
            "person_changed",
            serde_json::json!({ "person_id": Uuid::new_v4() }),
        );
        assert_eq!(Ending::of(&mine, &grant), Ending::Now);
        assert_eq!(Ending::of(&other, &grant), Ending::NotMine);
        assert_eq!(Ending::of(&me_changed, &grant), Ending::IfAccessChanged);
        assert_eq!(Ending::of(&someone_changed, &grant), Ending::No);
        let message = logged("message_created", serde_json::json!({}));
        assert_eq!(Ending::of(&message, &grant), Ending::No);
    }
}
