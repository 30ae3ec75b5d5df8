//! A TCP proxy in front of PostgreSQL that reads the frontend side of the wire protocol and
//! counts what the server is asked to do: statements run (`Query` and `Execute` messages)
//! and statements parsed (`Parse`). With it a test measures the round trips of one API call
//! as the database sees them, whatever library issued them.
//!
//! The connection that `LISTEN`s (the event listener) is left out: it reads the log after
//! every commit, which is the cost of live updates, not of the request being measured. So is
//! the server's database probe (`application_name` [`PROBE_APPLICATION`]), which asks
//! `SELECT 1` every second whatever the requests do.
//!
//! It reads the backend side only as far as its `ReadyForQuery` messages, to tell round trips
//! from statements: a statement sent while an earlier one's answer is still on its way is
//! *pipelined* with it, and the client waits for both at once.
//!
//! It can also record what was run, with its bound values ([`WireCount::recording`]), for a
//! benchmark to replay the same statements straight on PostgreSQL, pipelined as they were.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use confidant::db::watch::PROBE_APPLICATION;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// What was asked of the database since the last [`WireCount::reset`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Counts {
    /// Statements run: simple queries and executions of prepared statements.
    pub statements: u64,
    /// Statements parsed (prepared): a statement cache hit parses nothing.
    pub parses: u64,
    /// Times the client waited for the database: statements not pipelined with an earlier
    /// one.
    pub round_trips: u64,
}

/// One statement as the server was asked to run it.
#[derive(Debug, Clone)]
pub enum Recorded {
    /// A simple query (`BEGIN`, `COMMIT`).
    Simple(String),
    /// A prepared statement run with these values (binary format, `None` for NULL).
    Prepared {
        /// The SQL text.
        text: String,
        /// The parameters' type OIDs, as the client declared them.
        types: Vec<u32>,
        /// The bound values.
        values: Vec<Option<Vec<u8>>>,
        /// Whether each value is in binary format.
        binary: Vec<bool>,
        /// Sent before the answer to the statement before it had come back.
        pipelined: bool,
    },
}

#[derive(Default)]
struct Shared {
    statements: AtomicU64,
    parses: AtomicU64,
    round_trips: AtomicU64,
    /// Whether statements are being recorded.
    recording: AtomicBool,
    recorded: std::sync::Mutex<Vec<Recorded>>,
    /// The text of each statement parsed or run as a simple query, for a failing test to
    /// show.
    texts: std::sync::Mutex<Vec<String>>,
}

/// The proxy; stops when dropped.
pub struct WireCount {
    port: u16,
    shared: Arc<Shared>,
    task: tokio::task::JoinHandle<()>,
}

impl WireCount {
    /// Starts it on a free port in front of the server of `database_url`
    /// (`postgres://user@127.0.0.1:PORT/name`).
    pub async fn start(database_url: &str) -> Self {
        let url = url::Url::parse(database_url).expect("a database URL");
        let upstream = format!(
            "{}:{}",
            url.host_str().expect("a host"),
            url.port().unwrap_or(5432)
        );
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let port = listener.local_addr().expect("its address").port();
        let shared = Arc::new(Shared::default());
        let counters = Arc::clone(&shared);
        let task = tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let counters = Arc::clone(&counters);
                let upstream = upstream.clone();
                tokio::spawn(async move {
                    if let Ok(server) = TcpStream::connect(&upstream).await {
                        carry(client, server, counters).await;
                    }
                });
            }
        });
        Self { port, shared, task }
    }

    /// `database_url` with its address replaced by the proxy's.
    pub fn url(&self, database_url: &str) -> String {
        let mut url = url::Url::parse(database_url).expect("a database URL");
        url.set_port(Some(self.port)).expect("a port");
        url.to_string()
    }

    /// The counts so far.
    pub fn counts(&self) -> Counts {
        Counts {
            statements: self.shared.statements.load(Ordering::SeqCst),
            parses: self.shared.parses.load(Ordering::SeqCst),
            round_trips: self.shared.round_trips.load(Ordering::SeqCst),
        }
    }

    /// Starts counting afresh.
    pub fn reset(&self) {
        self.shared.statements.store(0, Ordering::SeqCst);
        self.shared.parses.store(0, Ordering::SeqCst);
        self.shared.round_trips.store(0, Ordering::SeqCst);
        self.texts_lock().clear();
    }

    /// Records every statement run from now on (and forgets earlier records), until
    /// [`Self::take_recorded`].
    pub fn recording(&self) {
        self.recorded_lock().clear();
        self.shared.recording.store(true, Ordering::SeqCst);
    }

    /// What was run since [`Self::recording`], in order; stops recording.
    pub fn take_recorded(&self) -> Vec<Recorded> {
        self.shared.recording.store(false, Ordering::SeqCst);
        std::mem::take(&mut *self.recorded_lock())
    }

    fn recorded_lock(&self) -> std::sync::MutexGuard<'_, Vec<Recorded>> {
        self.shared.recorded.lock().expect("the recorder's lock")
    }

    /// The statements parsed or run as simple queries since the last reset, in order.
    pub fn texts(&self) -> Vec<String> {
        self.texts_lock().clone()
    }

    fn texts_lock(&self) -> std::sync::MutexGuard<'_, Vec<String>> {
        self.shared.texts.lock().expect("the counter's lock")
    }
}

impl Drop for WireCount {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Copies both ways; reads the client's messages, and the server's `ReadyForQuery`, as they
/// pass.
async fn carry(client: TcpStream, server: TcpStream, counters: Arc<Shared>) {
    let (client_read, client_write) = client.into_split();
    let (server_read, server_write) = server.into_split();
    let in_flight = Arc::new(InFlight::default());
    let mut answers = Backend {
        in_flight: Arc::clone(&in_flight),
        ..Backend::default()
    };
    // Each answer is read before the client can see it: a client that waits for one sends
    // its next statement only after it was counted.
    let back = tokio::spawn(pump(server_read, client_write, move |bytes| {
        answers.take(bytes);
    }));
    let mut asked = Frontend {
        in_flight,
        ..Frontend::default()
    };
    pump(client_read, server_write, |bytes| {
        asked.take(bytes, &counters)
    })
    .await;
    back.abort();
}

/// Copies `from` to `to` until either ends, showing `look` each chunk before passing it on.
async fn pump(
    mut from: tokio::net::tcp::OwnedReadHalf,
    mut to: tokio::net::tcp::OwnedWriteHalf,
    mut look: impl FnMut(&[u8]),
) {
    let mut buffer = vec![0u8; 64 * 1024];
    loop {
        let read = match from.read(&mut buffer).await {
            Ok(0) | Err(_) => return,
            Ok(read) => read,
        };
        look(&buffer[..read]);
        if to.write_all(&buffer[..read]).await.is_err() {
            return;
        }
    }
}

/// The next whole message at the front of `pending`, taken off it: a type byte (when
/// `typed`), then a length that counts itself and what follows.
fn next_message(pending: &mut Vec<u8>, typed: bool) -> Option<Vec<u8>> {
    let at = usize::from(typed);
    let length = pending.get(at..at + 4)?;
    let total = at + u32::from_be_bytes([length[0], length[1], length[2], length[3]]) as usize;
    (pending.len() >= total).then(|| pending.drain(..total).collect())
}

/// What one connection's client has asked for and not yet had answered.
#[derive(Default)]
struct InFlight {
    /// `Sync` and `Query` messages sent whose `ReadyForQuery` has not come back.
    syncs: AtomicU64,
    /// SSL or GSS requests sent: the server answers each with a single byte.
    single_bytes: AtomicU64,
}

/// The backend side of one connection: after any single-byte answers, messages of a type
/// byte and a length that counts itself; only `ReadyForQuery` matters here.
#[derive(Default)]
struct Backend {
    pending: Vec<u8>,
    in_flight: Arc<InFlight>,
}

impl Backend {
    fn take(&mut self, bytes: &[u8]) {
        self.pending.extend_from_slice(bytes);
        let in_flight = &self.in_flight;
        let less = |count: &AtomicU64| {
            count
                .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
                .is_ok()
        };
        while !self.pending.is_empty() {
            if less(&in_flight.single_bytes) {
                self.pending.remove(0);
                continue;
            }
            let Some(message) = next_message(&mut self.pending, true) else {
                return;
            };
            if message[0] == b'Z' {
                // The first one, after the startup, answers no `Sync`: nothing to take off.
                less(&in_flight.syncs);
            }
        }
    }
}

/// The frontend side of one connection: a startup packet (no type byte), then messages of a
/// type byte and a length that counts itself.
#[derive(Default)]
struct Frontend {
    /// What the server has still to answer.
    in_flight: Arc<InFlight>,
    pending: Vec<u8>,
    started: bool,
    /// The event listener's or the probe's connection: not counted.
    listener: bool,
    /// Each prepared statement's text and parameter types, by name.
    statements: HashMap<String, (String, Vec<u32>)>,
    /// The last `Bind`.
    bound: Option<Bound>,
}

/// A `Bind`: the statement's name, whether each value is binary, and the values.
type Bound = (String, Vec<bool>, Vec<Option<Vec<u8>>>);

impl Frontend {
    fn take(&mut self, bytes: &[u8], counters: &Shared) {
        self.pending.extend_from_slice(bytes);
        while let Some(message) = next_message(&mut self.pending, self.started) {
            if !self.started {
                // An SSL or GSS request comes before the real startup packet.
                let code = u32::from_be_bytes([message[4], message[5], message[6], message[7]]);
                self.started = code == 196_608;
                if matches!(code, 80_877_103 | 80_877_104) {
                    self.in_flight.single_bytes.fetch_add(1, Ordering::SeqCst);
                }
                // The startup parameters: NUL-ended names and values.
                let mut fields = message[8..].split(|byte| *byte == 0);
                while let (Some(name), Some(value)) = (fields.next(), fields.next()) {
                    if name == b"application_name" && value == PROBE_APPLICATION.as_bytes() {
                        self.listener = true;
                    }
                }
                continue;
            }
            if self.listener {
                continue;
            }
            // Whether a statement run now waits on its own, or rides with one still in flight.
            let pipelined = self.in_flight.syncs.load(Ordering::SeqCst) > 0;
            match message[0] {
                b'Q' => {
                    let text = String::from_utf8_lossy(&message[5..]).into_owned();
                    self.in_flight.syncs.fetch_add(1, Ordering::SeqCst);
                    if text.contains("LISTEN ") {
                        self.listener = true;
                    } else {
                        counters.statements.fetch_add(1, Ordering::SeqCst);
                        if !pipelined {
                            counters.round_trips.fetch_add(1, Ordering::SeqCst);
                        }
                        let text = text.trim_end_matches('\0').to_owned();
                        record(counters, || Recorded::Simple(text.clone()));
                        keep(counters, format!("query: {text}"));
                    }
                }
                b'E' => {
                    counters.statements.fetch_add(1, Ordering::SeqCst);
                    if !pipelined {
                        counters.round_trips.fetch_add(1, Ordering::SeqCst);
                    }
                    if let Some((name, binary, values)) = self.bound.take()
                        && let Some((text, types)) = self.statements.get(&name)
                    {
                        record(counters, || Recorded::Prepared {
                            text: text.clone(),
                            types: types.clone(),
                            values,
                            binary,
                            pipelined,
                        });
                    }
                }
                b'S' => {
                    self.in_flight.syncs.fetch_add(1, Ordering::SeqCst);
                }
                b'P' => {
                    counters.parses.fetch_add(1, Ordering::SeqCst);
                    let (name, text, types) = parse_message(&message[5..]);
                    keep(counters, format!("parse: {text}"));
                    self.statements.insert(name, (text, types));
                }
                b'B' => self.bound = Some(bind_message(&message[5..])),
                _ => {}
            }
        }
    }
}

/// A `Parse` body: the statement's name and text (NUL-ended), then its parameter types.
fn parse_message(body: &[u8]) -> (String, String, Vec<u32>) {
    let mut at = 0;
    let name = c_string(body, &mut at);
    let text = c_string(body, &mut at);
    let count = u16_at(body, &mut at);
    let types = (0..count).map(|_| u32_at(body, &mut at)).collect();
    (name, text, types)
}

/// A `Bind` body: portal, statement, format codes, values (the result formats are not read).
fn bind_message(body: &[u8]) -> Bound {
    let mut at = 0;
    let _portal = c_string(body, &mut at);
    let statement = c_string(body, &mut at);
    let formats: Vec<bool> = (0..u16_at(body, &mut at))
        .map(|_| u16_at(body, &mut at) == 1)
        .collect();
    let count = u16_at(body, &mut at);
    let values: Vec<Option<Vec<u8>>> = (0..count)
        .map(|_| {
            let length = u32_at(body, &mut at) as i32;
            (length >= 0).then(|| {
                let value = body[at..at + length as usize].to_vec();
                at += length as usize;
                value
            })
        })
        .collect();
    // No codes: all text; one code: it applies to every value.
    let binary = match formats.as_slice() {
        [] => vec![false; values.len()],
        [one] => vec![*one; values.len()],
        each => each.to_vec(),
    };
    (statement, binary, values)
}

fn c_string(body: &[u8], at: &mut usize) -> String {
    let end = body[*at..]
        .iter()
        .position(|byte| *byte == 0)
        .map_or(body.len(), |end| *at + end);
    let text = String::from_utf8_lossy(&body[*at..end]).into_owned();
    *at = end + 1;
    text
}

fn u16_at(body: &[u8], at: &mut usize) -> u16 {
    let value = u16::from_be_bytes([body[*at], body[*at + 1]]);
    *at += 2;
    value
}

fn u32_at(body: &[u8], at: &mut usize) -> u32 {
    let value = u32::from_be_bytes([body[*at], body[*at + 1], body[*at + 2], body[*at + 3]]);
    *at += 4;
    value
}

fn record(counters: &Shared, statement: impl FnOnce() -> Recorded) {
    if counters.recording.load(Ordering::SeqCst) {
        counters
            .recorded
            .lock()
            .expect("the recorder's lock")
            .push(statement());
    }
}

fn keep(counters: &Shared, text: String) {
    counters
        .texts
        .lock()
        .expect("the counter's lock")
        .push(text.chars().take(160).collect());
}
