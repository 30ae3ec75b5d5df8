//! A real SMTP server on loopback that keeps what it receives, for tests of email.
//!
//! It speaks enough SMTP for lettre (greeting, EHLO/HELO, MAIL FROM, RCPT TO, DATA with
//! dot-unstuffing, RSET, NOOP, QUIT) and keeps each message's envelope recipients and raw
//! bytes. [`SmtpSink::fail_next`] makes it refuse the next messages at DATA, to test retries.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

/// The longest line the sink accepts (RFC 5321 allows 1000 octets; lettre stays well below).
const MAX_LINE: usize = 64 * 1024;

/// One message as it arrived.
#[derive(Clone, Debug)]
pub struct ReceivedMail {
    /// The `MAIL FROM` address.
    pub envelope_from: String,
    /// The `RCPT TO` addresses.
    pub recipients: Vec<String>,
    /// The message as sent after `DATA`, dot-unstuffed, with CRLF line ends.
    pub raw: Vec<u8>,
}

/// A received message, decoded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParsedMail {
    /// The `From` header's address.
    pub from: Option<String>,
    /// The `To` header's addresses.
    pub to: Vec<String>,
    /// The decoded subject.
    pub subject: String,
    /// The decoded `text/plain` part, if any.
    pub text: Option<String>,
    /// The decoded `text/html` part, if any.
    pub html: Option<String>,
}

impl ReceivedMail {
    /// Decodes the message with mail-parser. Panics when it is not a message at all.
    pub fn parse(&self) -> ParsedMail {
        use mail_parser::{Address, PartType};
        let message = mail_parser::MessageParser::default()
            .parse(&self.raw)
            .expect("the sink received a parseable message");
        // The first text and HTML parts as they are, not converted from one another (which
        // mail-parser's `body_text`/`body_html` would do when a part is missing).
        let part = |html: bool| {
            message
                .parts
                .iter()
                .find_map(|part| match (&part.body, html) {
                    (PartType::Text(text), false) | (PartType::Html(text), true) => {
                        Some(text.to_string())
                    }
                    _ => None,
                })
        };
        let addresses = |header: Option<&Address<'_>>| -> Vec<String> {
            header
                .map(|list| {
                    list.iter()
                        .filter_map(|addr| addr.address().map(str::to_owned))
                        .collect()
                })
                .unwrap_or_default()
        };
        ParsedMail {
            from: addresses(message.from()).into_iter().next(),
            to: addresses(message.to()),
            subject: message.subject().unwrap_or_default().to_owned(),
            text: part(false),
            html: part(true),
        }
    }

    /// The whole message as text (headers and encoded parts), for asserting that something
    /// appears nowhere in it.
    pub fn raw_text(&self) -> String {
        String::from_utf8_lossy(&self.raw).into_owned()
    }
}

#[derive(Default)]
struct State {
    received: Vec<ReceivedMail>,
    /// Refuse this many more messages at DATA, with `failure_code`.
    failures_left: usize,
    failure_code: u16,
    /// While set, the reply to each message's end of DATA waits for the hold's release.
    hold: Option<DataHold>,
}

/// Holds the sink's replies to the end of DATA (the `250` that tells the client its message
/// is accepted) until released: a client then waits in the middle of the exchange.
#[derive(Clone)]
pub struct DataHold {
    arrived: Arc<tokio::sync::Notify>,
    released: tokio::sync::watch::Sender<bool>,
}

impl DataHold {
    /// Waits until a message has arrived and its reply is being held.
    pub async fn arrived(&self) {
        self.arrived.notified().await;
    }

    /// Lets every held and later reply go.
    pub fn release(&self) {
        self.released.send_replace(true);
    }
}

/// A running SMTP sink; it stops when dropped.
pub struct SmtpSink {
    address: SocketAddr,
    state: Arc<Mutex<State>>,
    task: JoinHandle<()>,
}

impl SmtpSink {
    /// Starts a sink on a free port of 127.0.0.1.
    pub async fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind the SMTP sink");
        let address = listener.local_addr().expect("the sink's address");
        let state = Arc::new(Mutex::new(State::default()));
        let shared = Arc::clone(&state);
        let task = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let state = Arc::clone(&shared);
                tokio::spawn(async move {
                    // A client that hangs up mid-conversation is not the sink's problem.
                    let _ended = session(stream, state).await;
                });
            }
        });
        Self {
            address,
            state,
            task,
        }
    }

    /// `smtp://127.0.0.1:PORT`, for `CONFIDANT_SMTP_URL`.
    pub fn url(&self) -> String {
        format!("smtp://{}", self.address)
    }

    /// Where the sink listens.
    pub fn address(&self) -> SocketAddr {
        self.address
    }

    /// Every message received so far.
    pub fn messages(&self) -> Vec<ReceivedMail> {
        self.lock().received.clone()
    }

    /// How many messages were received so far (cheaper than [`SmtpSink::messages`], which
    /// copies them all).
    pub fn count(&self) -> usize {
        self.lock().received.len()
    }

    /// Answers `code` (e.g. 451 for "try again later", 554 for "rejected") to `DATA` for the
    /// next `messages` messages, which are then not received. `usize::MAX` fails them all.
    pub fn fail_next(&self, messages: usize, code: u16) {
        let mut state = self.lock();
        state.failures_left = messages;
        state.failure_code = code;
    }

    /// Holds the replies to the end of DATA from now on; see [`DataHold`].
    pub fn hold_data_replies(&self) -> DataHold {
        let hold = DataHold {
            arrived: Arc::new(tokio::sync::Notify::new()),
            released: tokio::sync::watch::channel(false).0,
        };
        self.lock().hold = Some(hold.clone());
        hold
    }

    /// Waits until at least `count` messages have arrived and returns them all; panics after
    /// `timeout`.
    pub async fn wait_for(&self, count: usize, timeout: Duration) -> Vec<ReceivedMail> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let received = self.count();
            if received >= count {
                return self.messages();
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "expected {count} emails within {timeout:?}, got {received}"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().expect("the sink's state lock")
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// One SMTP conversation.
async fn session(stream: TcpStream, state: Arc<Mutex<State>>) -> std::io::Result<()> {
    let (reader, mut writer) = stream.into_split();
    let mut reader = BufReader::new(reader);
    writer
        .write_all(b"220 confidant-test-sink ESMTP ready\r\n")
        .await?;
    let mut envelope_from: Option<String> = None;
    let mut recipients: Vec<String> = Vec::new();
    let mut line = Vec::new();
    loop {
        line.clear();
        if read_line(&mut reader, &mut line).await? == 0 {
            return Ok(());
        }
        let command = String::from_utf8_lossy(&line);
        let command = command.trim_end();
        let verb = command
            .split_whitespace()
            .next()
            .unwrap_or_default()
            .to_ascii_uppercase();
        let reply: &[u8] = match verb.as_str() {
            "EHLO" => {
                b"250-confidant-test-sink\r\n250-8BITMIME\r\n250-SMTPUTF8\r\n250 SIZE 10485760\r\n"
            }
            "HELO" => b"250 confidant-test-sink\r\n",
            "MAIL" => {
                envelope_from = Some(angle_address(command));
                recipients.clear();
                b"250 OK\r\n"
            }
            "RCPT" => {
                if envelope_from.is_none() {
                    b"503 MAIL first\r\n"
                } else {
                    recipients.push(angle_address(command));
                    b"250 OK\r\n"
                }
            }
            "DATA" => {
                if recipients.is_empty() {
                    b"503 RCPT first\r\n"
                } else if let Some(code) = take_failure(&state) {
                    envelope_from = None;
                    recipients.clear();
                    writer
                        .write_all(
                            format!("{code} sink told to refuse this message\r\n").as_bytes(),
                        )
                        .await?;
                    continue;
                } else {
                    writer
                        .write_all(b"354 End data with <CR><LF>.<CR><LF>\r\n")
                        .await?;
                    let raw = read_data(&mut reader).await?;
                    let mail = ReceivedMail {
                        envelope_from: envelope_from.take().unwrap_or_default(),
                        recipients: std::mem::take(&mut recipients),
                        raw,
                    };
                    let hold = {
                        let mut state = state.lock().expect("the sink's state lock");
                        state.received.push(mail);
                        state.hold.clone()
                    };
                    if let Some(hold) = hold {
                        let mut released = hold.released.subscribe();
                        hold.arrived.notify_one();
                        let _closed = released.wait_for(|released| *released).await;
                    }
                    b"250 OK: queued\r\n"
                }
            }
            "RSET" => {
                envelope_from = None;
                recipients.clear();
                b"250 OK\r\n"
            }
            "NOOP" => b"250 OK\r\n",
            "QUIT" => {
                writer.write_all(b"221 Bye\r\n").await?;
                return Ok(());
            }
            _ => b"502 Command not implemented\r\n",
        };
        writer.write_all(reply).await?;
    }
}

/// Takes one planned failure, if any.
fn take_failure(state: &Mutex<State>) -> Option<u16> {
    let mut state = state.lock().expect("the sink's state lock");
    if state.failures_left == 0 {
        return None;
    }
    if state.failures_left != usize::MAX {
        state.failures_left -= 1;
    }
    Some(state.failure_code)
}

/// Reads one line (up to and including `\n`); 0 at end of stream.
async fn read_line(
    reader: &mut BufReader<tokio::net::tcp::OwnedReadHalf>,
    line: &mut Vec<u8>,
) -> std::io::Result<usize> {
    let read = reader.read_until(b'\n', line).await?;
    if line.len() > MAX_LINE {
        return Err(std::io::Error::other("line too long"));
    }
    Ok(read)
}

/// Reads the message after `354` up to the lone `.` line, undoing dot-stuffing.
async fn read_data(
    reader: &mut BufReader<tokio::net::tcp::OwnedReadHalf>,
) -> std::io::Result<Vec<u8>> {
    let mut raw = Vec::new();
    let mut line = Vec::new();
    loop {
        line.clear();
        if read_line(reader, &mut line).await? == 0 {
            return Err(std::io::Error::new(
                std::io::ErrorKind::UnexpectedEof,
                "connection closed inside DATA",
            ));
        }
        if line == b".\r\n" || line == b".\n" {
            return Ok(raw);
        }
        let content = line.strip_prefix(b".").unwrap_or(&line);
        raw.extend_from_slice(content);
    }
}

/// `MAIL FROM:<a@b> BODY=8BITMIME` → `a@b`.
fn angle_address(command: &str) -> String {
    match (command.find('<'), command.find('>')) {
        (Some(start), Some(end)) if start < end => command[start + 1..end].to_owned(),
        _ => command
            .split_once(':')
            .map(|(_, rest)| rest.trim().to_owned())
            .unwrap_or_default(),
    }
}

#[cfg(test)]
mod tests {
    use super::angle_address;

    #[test]
    fn envelope_addresses_are_taken_from_angle_brackets() {
        assert_eq!(
            angle_address("MAIL FROM:<no-reply@x.test> BODY=8BITMIME"),
            "no-reply@x.test"
        );
        assert_eq!(angle_address("RCPT TO:<a@b.test>"), "a@b.test");
        assert_eq!(angle_address("MAIL FROM:<>"), "");
    }
}
