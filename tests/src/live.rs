//! A reader of `GET /api/v1/events` (Server-Sent Events), parsed by the `eventsource-stream`
//! crate rather than by code of ours, so the tests read the stream as a third party would.

use std::pin::Pin;
use std::time::Duration;

use eventsource_stream::Eventsource;
use futures_util::{Stream, StreamExt};
use serde_json::Value;

/// One event as received.
#[derive(Debug, Clone)]
pub struct Received {
    /// `id:` as a number.
    pub id: i64,
    /// `event:`.
    pub kind: String,
    /// `data:` as JSON.
    pub data: Value,
    /// `data:` exactly as sent, to look for things that must not be there.
    pub raw: String,
}

/// What waiting for the next event gave.
#[derive(Debug)]
pub enum Next {
    /// An event.
    Event(Received),
    /// Nothing within the wait.
    Quiet,
    /// The server ended the stream.
    Ended,
}

type Events = Pin<Box<dyn Stream<Item = Result<eventsource_stream::Event, String>> + Send>>;

/// An open stream.
pub struct LiveStream {
    events: Events,
}

/// How to authenticate the stream.
pub enum Auth<'a> {
    /// `Authorization: Bearer`.
    Bearer(&'a str),
    /// `?ticket=`.
    Ticket(&'a str),
}

impl LiveStream {
    /// Opens `base` + `/api/v1/events`, resuming after `last_event_id` (sent as the header)
    /// when given; the answer itself when it is not a 200 stream.
    pub async fn open(
        client: &reqwest::Client,
        base: &str,
        auth: Auth<'_>,
        last_event_id: Option<i64>,
    ) -> Result<Self, reqwest::Response> {
        let mut request = match auth {
            Auth::Bearer(token) => client
                .get(format!("{base}/api/v1/events"))
                .bearer_auth(token),
            // Tickets are URL-safe base64: no escaping needed.
            Auth::Ticket(ticket) => client.get(format!("{base}/api/v1/events?ticket={ticket}")),
        };
        if let Some(id) = last_event_id {
            request = request.header("Last-Event-ID", id.to_string());
        }
        let response = request.send().await.expect("the server answers");
        let is_stream = response
            .headers()
            .get("content-type")
            .and_then(|value| value.to_str().ok())
            .is_some_and(|value| value.starts_with("text/event-stream"));
        if response.status() != 200 || !is_stream {
            return Err(response);
        }
        let events = response
            .bytes_stream()
            .eventsource()
            .map(|event| event.map_err(|error| error.to_string()));
        Ok(Self {
            events: Box::pin(events),
        })
    }

    /// The next event, waiting at most `within`.
    pub async fn next(&mut self, within: Duration) -> Next {
        match tokio::time::timeout(within, self.events.next()).await {
            Err(_) => Next::Quiet,
            Ok(None | Some(Err(_))) => Next::Ended,
            Ok(Some(Ok(event))) => Next::Event(Received {
                id: event.id.parse().expect("a numeric id"),
                kind: event.event.clone(),
                data: serde_json::from_str(&event.data).expect("JSON data"),
                raw: event.data,
            }),
        }
    }

    /// The next event, which must come within `within`.
    pub async fn expect(&mut self, within: Duration) -> Received {
        match self.next(within).await {
            Next::Event(event) => event,
            other => panic!("expected an event within {within:?}, got {other:?}"),
        }
    }

    /// Every event that comes until the stream is quiet for `quiet`.
    pub async fn drain(&mut self, quiet: Duration) -> Vec<Received> {
        let mut received = Vec::new();
        while let Next::Event(event) = self.next(quiet).await {
            received.push(event);
        }
        received
    }

    /// Whether the server ends the stream within `within` (events before the end are skipped).
    pub async fn ends_within(&mut self, within: Duration) -> bool {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            match self.next(left).await {
                Next::Ended => return true,
                Next::Quiet => return false,
                Next::Event(_) => {}
            }
        }
    }
}
