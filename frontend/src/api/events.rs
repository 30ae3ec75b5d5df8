//! Live updates (`/api/v1/events`): the ticket that lets `EventSource` open the stream, and the
//! stream's address. The stream itself is followed by [`crate::live`].

use confidant_openapi::events::StreamTicket;

use super::{ApiError, Method, call, query_value};

/// `POST /api/v1/events/tickets`: a single-use ticket for one stream.
pub async fn ticket(token: &str) -> Result<StreamTicket, ApiError> {
    call::<(), _>(Method::Post, "/api/v1/events/tickets", Some(token), None).await
}

/// The stream's address for `ticket`, resuming after `last_event_id` when known.
pub fn stream_url(ticket: &str, last_event_id: Option<i64>) -> String {
    let mut url = format!("/api/v1/events?ticket={}", query_value(ticket));
    if let Some(id) = last_event_id {
        url.push_str(&format!("&last_event_id={id}"));
    }
    url
}
