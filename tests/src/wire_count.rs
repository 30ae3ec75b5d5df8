//! A TCP proxy in front of PostgreSQL that reads the frontend side of the wire protocol and
//! counts what the server is asked to do: statements run (`Query` and `Execute` messages)
//! and statements parsed (`Parse`). With it a test measures the round trips of one API call
//! as the database sees them, whatever library issued them.
//!
//! The connection that `LISTEN`s (the event listener) is left out: it reads the log after
//! every commit, which is the cost of live updates, not of the request being measured.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// What was asked of the database since the last [`WireCount::reset`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Counts {
    /// Statements run: simple queries and executions of prepared statements.
    pub statements: u64,
    /// Statements parsed (prepared): a statement cache hit parses nothing.
    pub parses: u64,
}

#[derive(Default)]
struct Shared {
    statements: AtomicU64,
    parses: AtomicU64,
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
        }
    }

    /// Starts counting afresh.
    pub fn reset(&self) {
        self.shared.statements.store(0, Ordering::SeqCst);
        self.shared.parses.store(0, Ordering::SeqCst);
        self.texts_lock().clear();
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

/// Copies both ways; reads the client's messages as they pass.
async fn carry(client: TcpStream, server: TcpStream, counters: Arc<Shared>) {
    let (mut client_read, mut client_write) = client.into_split();
    let (mut server_read, mut server_write) = server.into_split();
    let back = tokio::spawn(async move {
        let _ended = tokio::io::copy(&mut server_read, &mut client_write).await;
    });
    let mut reader = Frontend::default();
    let mut buffer = vec![0u8; 64 * 1024];
    loop {
        let read = match client_read.read(&mut buffer).await {
            Ok(0) | Err(_) => break,
            Ok(read) => read,
        };
        reader.take(&buffer[..read], &counters);
        if server_write.write_all(&buffer[..read]).await.is_err() {
            break;
        }
    }
    back.abort();
}

/// The frontend side of one connection: a startup packet (no type byte), then messages of a
/// type byte and a length that counts itself.
#[derive(Default)]
struct Frontend {
    pending: Vec<u8>,
    started: bool,
    listener: bool,
}

impl Frontend {
    fn take(&mut self, bytes: &[u8], counters: &Shared) {
        self.pending.extend_from_slice(bytes);
        loop {
            let header = if self.started { 5 } else { 4 };
            if self.pending.len() < header {
                return;
            }
            let at = if self.started { 1 } else { 0 };
            let length = u32::from_be_bytes([
                self.pending[at],
                self.pending[at + 1],
                self.pending[at + 2],
                self.pending[at + 3],
            ]) as usize;
            let total = at + length;
            if self.pending.len() < total {
                return;
            }
            let message: Vec<u8> = self.pending.drain(..total).collect();
            if !self.started {
                // An SSL or GSS request comes before the real startup packet.
                let code = u32::from_be_bytes([message[4], message[5], message[6], message[7]]);
                self.started = code == 196_608;
                continue;
            }
            if self.listener {
                continue;
            }
            match message[0] {
                b'Q' => {
                    let text = String::from_utf8_lossy(&message[5..]).into_owned();
                    if text.contains("LISTEN ") {
                        self.listener = true;
                    } else {
                        counters.statements.fetch_add(1, Ordering::SeqCst);
                        keep(counters, format!("query: {text}"));
                    }
                }
                b'E' => {
                    counters.statements.fetch_add(1, Ordering::SeqCst);
                }
                b'P' => {
                    counters.parses.fetch_add(1, Ordering::SeqCst);
                    // The statement's name, then its text, each ended by a NUL.
                    let text = message[5..]
                        .split(|byte| *byte == 0)
                        .nth(1)
                        .map(|text| String::from_utf8_lossy(text).into_owned())
                        .unwrap_or_default();
                    keep(counters, format!("parse: {text}"));
                }
                _ => {}
            }
        }
    }
}

fn keep(counters: &Shared, text: String) {
    counters
        .texts
        .lock()
        .expect("the counter's lock")
        .push(text.chars().take(160).collect());
}
