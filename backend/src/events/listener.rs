//! The one `LISTEN` connection of an instance: it hears `confidant_events` (a new event was
//! committed) and `confidant_jobs` (a job was committed), reads the new events from the log
//! and hands them to this instance's streams ([`EventHub`]), and wakes the job workers.
//!
//! One connection per instance, not one per subscriber: 5,000 open streams cost one database
//! connection. A notification only says "look": the listener reads every row after the last id
//! it handed over, so notifications that arrive together cost one read, and none is needed to
//! be exact. When the connection breaks (a database restart, a network cut) it reconnects with
//! backoff and reads everything after the last id it saw, so a connected stream loses no
//! event to a blip. Every read has a deadline and the log is also read every few seconds
//! without a notification: a database that freezes with its sockets open (it answers nothing,
//! yet keepalive sees a live peer) is noticed and the connection made again.

use std::time::Duration;

use futures_util::StreamExt;
use tokio::sync::mpsc;
use tokio_postgres::{AsyncMessage, Client, Statement};

use super::hub::{EventHub, LoggedEvent};
use crate::config::DatabaseUrl;
use crate::jobs::{JobWake, jittered_backoff};
use crate::monitoring;

/// The channel the `events` table's trigger notifies.
const EVENTS_CHANNEL: &str = "confidant_events";
/// The channel the `jobs` table's trigger notifies.
const JOBS_CHANNEL: &str = "confidant_jobs";
/// How long one statement of the listener may take before the connection is given up.
const QUERY_DEADLINE: Duration = Duration::from_secs(5);
/// How often the log is read without a notification (the connection's health check).
const SAFETY_READ: Duration = Duration::from_secs(10);
/// Reconnecting waits 100 ms, doubling to at most 5 s.
const RECONNECT_BASE: Duration = Duration::from_millis(100);
const RECONNECT_CAP: Duration = Duration::from_secs(5);
/// Events read per statement.
const PAGE: i64 = 1000;

/// Starts the listener on the current tokio runtime; it runs until the runtime ends.
pub fn spawn(url: DatabaseUrl, statement_timeout: Duration, hub: EventHub, wake: JobWake) {
    tokio::spawn(run(url, statement_timeout, hub, wake));
}

async fn run(url: DatabaseUrl, statement_timeout: Duration, hub: EventHub, wake: JobWake) {
    let mut failures = 0;
    loop {
        let cause = listen(&url, statement_timeout, &hub, &wake, &mut failures).await;
        metrics::gauge!(monitoring::EVENT_LISTENER_CONNECTED).set(0.0);
        failures += 1;
        let pause = jittered_backoff(RECONNECT_BASE, RECONNECT_CAP, failures);
        tracing::warn!(
            %cause,
            retry_in_ms = pause.as_millis() as u64,
            "the event listener lost its database connection; reconnecting"
        );
        tokio::time::sleep(pause).await;
    }
}

/// Why a listening connection ended (a driver error's own text names the cause; it never
/// holds request values, as the listener sends none).
#[derive(Debug, thiserror::Error)]
enum Lost {
    #[error("{0}")]
    Database(#[from] tokio_postgres::Error),
    #[error("the database did not answer within {} s", QUERY_DEADLINE.as_secs())]
    Timeout,
    #[error("the connection closed")]
    Closed,
}

/// Connects, listens and hands over events until the connection fails; returns why.
async fn listen(
    url: &DatabaseUrl,
    statement_timeout: Duration,
    hub: &EventHub,
    wake: &JobWake,
    failures: &mut i32,
) -> Lost {
    let connected = async {
        let settings = crate::db::client_config(url.expose(), statement_timeout)?;
        let (client, connection) = settings.connect(tokio_postgres::NoTls).await?;
        Ok::<_, Lost>((client, connection))
    };
    let (client, mut connection) = match deadline(connected).await {
        Ok(pair) => pair,
        Err(lost) => return lost,
    };
    // The driver delivers notifications while it is polled: a task of its own polls it and
    // forwards them, ending when the connection does (or when this function drops `notes`).
    let (sender, mut notes) = mpsc::unbounded_channel();
    let driver = tokio::spawn(async move {
        let mut messages = futures_util::stream::poll_fn(move |cx| connection.poll_message(cx));
        while let Some(message) = messages.next().await {
            let forwarded = match message {
                Ok(AsyncMessage::Notification(note)) => {
                    sender.send(Ok(note.channel() == JOBS_CHANNEL))
                }
                Ok(_) => Ok(()),
                Err(error) => sender.send(Err(error)),
            };
            if forwarded.is_err() {
                break;
            }
        }
    });
    let _abort = AbortOnDrop(driver);
    let ready = async {
        client
            .batch_execute(&format!("LISTEN {EVENTS_CHANNEL}; LISTEN {JOBS_CHANNEL}"))
            .await?;
        let read = client
            .prepare(
                "SELECT id, kind, data, audience FROM events WHERE id > $1 ORDER BY id LIMIT $2",
            )
            .await?;
        if hub.last_id().is_none() {
            let newest: Option<i64> = client
                .query_one("SELECT max(id) FROM events", &[])
                .await?
                .get(0);
            hub.start_at(newest.unwrap_or(0));
        }
        Ok::<_, Lost>(read)
    };
    let read = match deadline(ready).await {
        Ok(read) => read,
        Err(lost) => return lost,
    };
    *failures = 0;
    metrics::gauge!(monitoring::EVENT_LISTENER_CONNECTED).set(1.0);
    tracing::info!("the event listener is connected");
    // Whatever was committed while nobody listened: jobs to run, events to hand over.
    wake.wake();
    loop {
        if let Err(lost) = catch_up(&client, &read, hub).await {
            return lost;
        }
        let first = tokio::select! {
            note = notes.recv() => note,
            () = tokio::time::sleep(SAFETY_READ) => continue,
        };
        // Notifications that came together cost one read.
        let mut pending = vec![first];
        while let Ok(note) = notes.try_recv() {
            pending.push(Some(note));
        }
        for note in pending {
            match note {
                Some(Ok(true)) => wake.wake(),
                Some(Ok(false)) => {}
                Some(Err(error)) => return Lost::Database(error),
                None => return Lost::Closed,
            }
        }
    }
}

/// Hands over every event after the hub's last id, a page at a time.
async fn catch_up(client: &Client, read: &Statement, hub: &EventHub) -> Result<(), Lost> {
    loop {
        let after = hub.last_id().unwrap_or(0);
        let rows = deadline(async { Ok(client.query(read, &[&after, &PAGE]).await?) }).await?;
        let full = rows.len() as i64 == PAGE;
        let batch = rows
            .iter()
            .map(|row| {
                let data: serde_json::Value = row.get(2);
                LoggedEvent {
                    id: row.get(0),
                    kind: row.get(1),
                    data: data.to_string(),
                    audience: row.get(3),
                }
            })
            .collect::<Vec<_>>();
        if !batch.is_empty() {
            hub.publish(batch);
        }
        if !full {
            return Ok(());
        }
    }
}

async fn deadline<T>(work: impl Future<Output = Result<T, Lost>>) -> Result<T, Lost> {
    tokio::time::timeout(QUERY_DEADLINE, work)
        .await
        .unwrap_or(Err(Lost::Timeout))
}

/// Stops the connection's driver task when the listening session ends.
struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}
