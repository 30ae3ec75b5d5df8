//! `GET /api/v1/events` (the live stream) and `POST /api/v1/events/tickets` (a ticket to open
//! it from a browser). How a stream begins, runs and ends is in [`crate::events::stream`].

use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::{FromRequest, HttpRequest, HttpResponse, Responder, get, post, web};
use actix_web_lab::sse::Sse;
use chrono::{DateTime, Utc};
use confidant_openapi::events::{EventsQuery, StreamTicket};
use confidant_openapi::{Problem, ProblemCode};

use crate::auth::CurrentPerson;
use crate::contract::Refusal;
use crate::error::ApiError;
use crate::events::Unavailable;
use crate::events::stream::{self, Grant, HEARTBEAT, RETRY};
use crate::events::tickets::{self, TICKET_SECONDS};
use crate::extract::ApiQuery;
use crate::state::AppState;

/// Follow live updates: a `text/event-stream` of the events the caller may hear of.
///
/// Each event has `id:` (its place in the log), `event:` (its kind, see `EventKind`) and
/// `data:` (JSON of ids and counts, see `EventData`; never content, names or addresses).
/// Fetch what changed through the usual routes. A comment line (`: keep-alive`) is sent every
/// 15 seconds on a quiet stream.
///
/// **Authentication**: `Authorization: Bearer <access_token>`, or — for a browser's
/// `EventSource`, which cannot send headers — `?ticket=` from `POST /api/v1/events/tickets`.
///
/// **Resuming**: send the last `id:` you received as `Last-Event-ID` (or `last_event_id`):
/// the stream first replays what you missed, then sends `ready`. If the missed events are no
/// longer kept (the log keeps 24 hours by default), it sends `resync` instead: fetch afresh.
///
/// **Ending**: the stream closes when the access token that opened it expires, when its
/// session ends (a `session_ended` event comes first), when the person's access changes, or
/// when the server stops. Reconnect with a fresh token or ticket and `Last-Event-ID`.
#[utoipa::path(
    tag = "events",
    security((), ("bearer" = [])),
    params(
        EventsQuery,
        ("Last-Event-ID" = Option<i64>, Header, description = "The last event id received: replay what came after it"),
    ),
    responses(
        (status = 200, description = "The stream (Server-Sent Events): `id:`, `event:` and `data:` lines per event", content_type = "text/event-stream", body = String,
            example = json!("retry: 3000\n\nid: 41\nevent: ready\ndata: {\"last_event_id\":41}\n\nid: 42\nevent: message_created\ndata: {\"author_id\":\"0192…\",\"conversation_id\":\"0192…\",\"message_id\":\"0192…\"}\n\n")),
        (status = 400, description = "`Last-Event-ID` is not a number", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid access token or ticket", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "Live updates are starting or the server is stopping: retry after `Retry-After`", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/events")]
pub async fn stream_events(
    state: web::Data<AppState>,
    request: HttpRequest,
    query: ApiQuery<EventsQuery>,
) -> Result<HttpResponse, ApiError> {
    let last_event_id = match last_event_id_header(&request)? {
        Some(id) => Some(id),
        None => query.last_event_id,
    };
    let grant = grant(&state, &request, query.ticket.as_deref()).await?;
    let subscription = state
        .events
        .subscribe(grant.person_id)
        .map_err(|unavailable| match unavailable {
            Unavailable::Starting => ApiError::busy("live updates (starting)"),
            Unavailable::Stopping => ApiError::busy("live updates (stopping)"),
        })?;
    let start = {
        let mut conn = state.conn().await?;
        stream::start(&mut conn, grant.person_id, last_event_id, subscription.cut).await?
    };
    let events = stream::run(state.pool.clone(), grant, subscription, start);
    let mut response = Sse::from_infallible_receiver(events)
        .with_keep_alive(HEARTBEAT)
        .with_retry_duration(RETRY)
        .respond_to(&request);
    // Like every API answer: nothing of it may be stored by a browser or a proxy.
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    // Proxies such as nginx would otherwise hold events back to fill a buffer.
    response.headers_mut().insert(
        HeaderName::from_static("x-accel-buffering"),
        HeaderValue::from_static("no"),
    );
    Ok(response)
}

/// Who the stream is for: the bearer token's person when one is sent, else the ticket's.
async fn grant(
    state: &AppState,
    request: &HttpRequest,
    ticket: Option<&str>,
) -> Result<Grant, ApiError> {
    if request.headers().contains_key(header::AUTHORIZATION) || ticket.is_none() {
        let me = CurrentPerson::extract(request).await?;
        return Ok(Grant {
            person_id: me.id(),
            session_id: me.session_id,
            security_stamp: me.person.security_stamp,
            until: expiry(me.token_expires_at),
        });
    }
    let mut conn = state.conn().await?;
    let ticket = ticket.unwrap_or_default();
    tickets::redeem(&mut conn, ticket).await?.ok_or_else(|| {
        ApiError::new(
            ProblemCode::Unauthorized,
            "The ticket is unknown, spent or expired: ask for a new one with \
             POST /api/v1/events/tickets.",
        )
    })
}

fn last_event_id_header(request: &HttpRequest) -> Result<Option<i64>, ApiError> {
    let Some(value) = request.headers().get("last-event-id") else {
        return Ok(None);
    };
    let parsed = value
        .to_str()
        .ok()
        .map(str::trim)
        .and_then(|text| text.parse::<i64>().ok())
        .filter(|id| *id >= 0);
    match parsed {
        Some(id) => Ok(Some(id)),
        None => Err(ApiError::from(Refusal::bad_request(
            "Last-Event-ID",
            "Must be an event id (a whole number of at least 0) from an earlier stream.",
        ))),
    }
}

fn expiry(seconds: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(seconds, 0).unwrap_or_else(Utc::now)
}

/// A ticket to open one live stream from a browser: `EventSource` cannot send an
/// `Authorization` header, so it passes `?ticket=` instead. Works once, within a minute; the
/// stream it opens ends when the access token that asked for it expires.
#[utoipa::path(
    tag = "events",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "A fresh ticket", body = StreamTicket),
    )
)]
#[post("/events/tickets")]
pub async fn create_stream_ticket(
    state: web::Data<AppState>,
    me: CurrentPerson,
) -> Result<web::Json<StreamTicket>, ApiError> {
    let mut conn = state.conn().await?;
    let ticket = tickets::issue(
        &mut conn,
        me.id(),
        me.session_id,
        me.person.security_stamp,
        expiry(me.token_expires_at),
    )
    .await?;
    Ok(web::Json(StreamTicket {
        ticket,
        expires_in: TICKET_SECONDS as u32,
    }))
}
