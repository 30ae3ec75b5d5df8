//! Stream tickets: how a browser's `EventSource`, which cannot send an `Authorization` header,
//! opens `GET /api/v1/events`.
//!
//! A signed-in person asks for a ticket with their access token; the ticket is 256 random
//! bits, valid for one minute and for one stream only, and stands for the session and the
//! token that asked for it (the stream ends when that token would have expired). It travels
//! in the URL (`?ticket=`), which is why it is short-lived and spent on first use: a ticket
//! found later in a proxy's log opens nothing. Confidant's own logs never record query
//! strings. Only its SHA-256 is stored, in PostgreSQL, so any instance redeems it.

use chrono::{DateTime, Duration, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::stream::{Grant, access_holds};
use crate::auth::refresh::{new_token, token_hash};
use crate::db::schema::event_stream_tickets;

/// How long a ticket may wait to be redeemed.
pub const TICKET_SECONDS: i64 = 60;

/// Issues a ticket for `session_id` of `person_id`, whose access token expires at
/// `token_expires_at`; answers the ticket (shown once).
pub async fn issue(
    conn: &mut AsyncPgConnection,
    person_id: Uuid,
    session_id: Uuid,
    security_stamp: Uuid,
    token_expires_at: DateTime<Utc>,
) -> QueryResult<String> {
    let ticket = new_token();
    diesel::insert_into(event_stream_tickets::table)
        .values((
            event_stream_tickets::token_hash.eq(token_hash(&ticket)),
            event_stream_tickets::session_id.eq(session_id),
            event_stream_tickets::person_id.eq(person_id),
            event_stream_tickets::security_stamp.eq(security_stamp),
            event_stream_tickets::expires_at.eq(Utc::now() + Duration::seconds(TICKET_SECONDS)),
            event_stream_tickets::stream_until.eq(token_expires_at),
        ))
        .execute(conn)
        .await?;
    Ok(ticket)
}

/// Spends `ticket`: the stream it grants, or `None` if it is unknown, spent, expired, or its
/// session or the person's access has ended since.
pub async fn redeem(conn: &mut AsyncPgConnection, ticket: &str) -> QueryResult<Option<Grant>> {
    let spent: Option<(Uuid, Uuid, Uuid, DateTime<Utc>)> = diesel::delete(
        event_stream_tickets::table
            .filter(event_stream_tickets::token_hash.eq(token_hash(ticket)))
            .filter(event_stream_tickets::expires_at.gt(diesel::dsl::now)),
    )
    .returning((
        event_stream_tickets::person_id,
        event_stream_tickets::session_id,
        event_stream_tickets::security_stamp,
        event_stream_tickets::stream_until,
    ))
    .get_result(conn)
    .await
    .optional()?;
    let Some((person_id, session_id, security_stamp, until)) = spent else {
        return Ok(None);
    };
    let grant = Grant {
        person_id,
        session_id,
        security_stamp,
        until,
    };
    Ok(access_holds(conn, &grant).await?.then_some(grant))
}

/// Removes tickets that can no longer be redeemed; answers how many.
pub async fn prune(conn: &mut AsyncPgConnection) -> QueryResult<usize> {
    diesel::delete(
        event_stream_tickets::table.filter(event_stream_tickets::expires_at.le(diesel::dsl::now)),
    )
    .execute(conn)
    .await
}
