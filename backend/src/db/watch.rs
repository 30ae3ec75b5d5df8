//! Is the database answering? One probe connection per instance asks `SELECT 1` every second
//! with a 2 s deadline, so that a database that stops answering is known within about 3 s,
//! whatever the requests are doing.
//!
//! Why a probe and not a check on each borrow: the pool used to run `SELECT 1` on every
//! checkout (two per request: a round trip each). Without it a frozen database (SIGSTOP:
//! sockets open, nothing answers) would hold each request until its deadline (15 s). With the
//! probe, borrowing a connection while the database is down fails at once (503), and requests
//! already waiting on it are answered 503 as soon as it goes down ([`crate::deadline`]).
//!
//! The probe has its own connection, outside the pool: a pool busy with slow requests is not
//! a database that is down. Only silence or a refused connection counts as down: an error the
//! server answers with (too many connections, say) means it is there.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;
use tokio_postgres::Client;

use crate::config::DatabaseUrl;

/// The probe connection's `application_name`.
pub const PROBE_APPLICATION: &str = "confidant-db-probe";
/// How often the probe asks.
const PROBE_EVERY: Duration = Duration::from_secs(1);
/// How long an answer may take before the database counts as down.
const PROBE_DEADLINE: Duration = Duration::from_secs(2);

/// Whether the database answers, as last probed. Cheap to clone; starts as up (a server that
/// starts has just checked it).
#[derive(Clone)]
pub struct DbWatch {
    down: Arc<watch::Sender<bool>>,
}

impl Default for DbWatch {
    fn default() -> Self {
        Self {
            down: Arc::new(watch::Sender::new(false)),
        }
    }
}

impl DbWatch {
    /// True while the last probe went unanswered.
    pub fn is_down(&self) -> bool {
        *self.down.borrow()
    }

    /// Resolves when the database goes from answering to not answering after this call (not
    /// when it is down already: a request that started then has been refused its connection).
    pub async fn goes_down(&self) {
        let mut state = self.down.subscribe();
        loop {
            if state.changed().await.is_err() {
                // The watch is gone with the server: nothing will go down any more.
                return std::future::pending().await;
            }
            if *state.borrow_and_update() {
                return;
            }
        }
    }

    fn set(&self, down: bool) {
        let changed = self.down.send_if_modified(|state| {
            let changed = *state != down;
            *state = down;
            changed
        });
        if changed {
            if down {
                tracing::error!(
                    deadline_ms = PROBE_DEADLINE.as_millis() as u64,
                    "the database does not answer; requests get 503 until it does"
                );
            } else {
                tracing::info!("the database answers again");
            }
        }
    }

    /// Starts probing `url` on the current tokio runtime, until the runtime ends.
    pub fn spawn(&self, url: DatabaseUrl, statement_timeout: Duration) {
        let watch = self.clone();
        tokio::spawn(async move {
            let mut ticks = tokio::time::interval(PROBE_EVERY);
            ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            let mut client: Option<Client> = None;
            loop {
                ticks.tick().await;
                let answered = match &client {
                    Some(connected) => probe(connected).await,
                    None => match connect(&url, statement_timeout).await {
                        Ok(connected) => {
                            let answered = probe(&connected).await;
                            client = Some(connected);
                            answered
                        }
                        Err(answered) => answered,
                    },
                };
                if !answered {
                    // Silence may leave the connection stuck: the next probe makes a new one.
                    client = None;
                }
                watch.set(!answered);
            }
        });
    }
}

/// Asks `SELECT 1`: true when the server answers in time (an error it sends is an answer).
async fn probe(client: &Client) -> bool {
    match tokio::time::timeout(PROBE_DEADLINE, client.simple_query("SELECT 1")).await {
        Ok(Ok(_)) => true,
        Ok(Err(error)) => error.as_db_error().is_some(),
        Err(_) => false,
    }
}

/// A probe connection, or whether the server answered the attempt at all (it refused us with
/// an error of its own: it is up, merely full or unwilling).
async fn connect(url: &DatabaseUrl, statement_timeout: Duration) -> Result<Client, bool> {
    let mut settings = super::client_config(url.expose(), statement_timeout).map_err(|_| false)?;
    // Named, so that it can be told apart in `pg_stat_activity` (and by the tests' wire
    // counter, which leaves it out of a request's statements).
    settings.application_name(PROBE_APPLICATION);
    match tokio::time::timeout(PROBE_DEADLINE, settings.connect(tokio_postgres::NoTls)).await {
        Ok(Ok((client, connection))) => {
            tokio::spawn(async move {
                // Its errors surface as failed probes.
                let _ended = connection.await;
            });
            Ok(client)
        }
        Ok(Err(error)) => Err(error.as_db_error().is_some()),
        Err(_) => Err(false),
    }
}
