//! The SMTP client: one [`Mailer`] per process, built from `CONFIDANT_SMTP_URL`.
//!
//! - `smtp://host:port` talks plain SMTP, for a sink on loopback or a relay on a private network.
//! - `smtp://user:pass@host:587?starttls=true` upgrades to TLS before anything else is said.
//! - `smtps://user:pass@host:465` speaks TLS from the first byte.
//!
//! TLS checks the server's certificate against the system's CA bundle (`SSL_CERT_FILE`, else
//! the usual Linux locations); credentials are refused without TLS.
//!
//! Connections are kept in a pool and reused: an email is then a handful of round trips on a
//! warm connection, not a new TCP (and TLS) handshake. Each connection's socket has
//! `TCP_NODELAY`: SMTP writes small pieces and waits for each reply, and with Nagle's
//! algorithm the last piece of a message waits for the server's delayed acknowledgement
//! (~40 ms an email; 0.6 ms without). lettre's own transport sets neither, so this module
//! makes the sockets itself (tokio, tokio-rustls for implicit TLS) and hands them to
//! lettre's `AsyncSmtpConnection`, which speaks the protocol.
//!
//! Every exchange has one deadline (`CONFIDANT_SMTP_TIMEOUT_SECONDS`, 30 s at most), from
//! borrowing or opening a connection to the server's reply to the message: a relay that
//! accepts the connection and then says nothing fails the attempt, which is retried later.
//! A connection that failed or was cut off by the deadline is never reused.

use std::sync::Arc;
use std::time::Duration;

use deadpool::managed::{self, Metrics, Object, RecycleError, RecycleResult};
use lettre::Message;
use lettre::message::{Mailbox, MultiPart};
use lettre::transport::smtp::authentication::{Credentials, Mechanism};
use lettre::transport::smtp::client::{
    AsyncSmtpConnection, AsyncTokioStream, Certificate, TlsParameters,
};
use lettre::transport::smtp::extension::ClientId;
use url::Url;

use crate::config::Config;

/// A pooled connection that has not been used for this long is checked (`NOOP`) before the
/// next email: relays close idle connections after a few minutes.
const CHECK_IDLE_AFTER: Duration = Duration::from_secs(20);

/// Where Linux distributions keep the CA bundle: Debian/Ubuntu, Fedora/RHEL, Alpine/macOS,
/// openSUSE.
const CA_BUNDLES: &[&str] = &[
    "/etc/ssl/certs/ca-certificates.crt",
    "/etc/pki/tls/certs/ca-bundle.crt",
    "/etc/ssl/cert.pem",
    "/etc/ssl/ca-bundle.pem",
];

/// Reply codes that mean "your credentials were refused": permanent to SMTP, but a setting to
/// fix for us, so the email is kept and retried rather than given up.
const AUTHENTICATION_CODES: &[u16] = &[530, 534, 535, 538];

/// One email to one person, sent as `multipart/alternative` (plain text and HTML).
///
/// Its `Debug` shows no address and no content, so it is safe in a log line by mistake.
#[derive(Clone, PartialEq, Eq)]
pub struct OutgoingEmail {
    /// The recipient, `person@example.com` or `Name <person@example.com>`.
    pub to: String,
    /// The subject line.
    pub subject: String,
    /// The plain-text part.
    pub text: String,
    /// The HTML part.
    pub html: String,
}

impl OutgoingEmail {
    /// An email to `to` with a template's `(subject, text, html)`.
    pub fn new(to: String, (subject, text, html): (String, String, String)) -> Self {
        Self {
            to,
            subject,
            text,
            html,
        }
    }
}

impl std::fmt::Debug for OutgoingEmail {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("OutgoingEmail { .. }")
    }
}

/// Sends emails through the configured SMTP server. Cheap to share behind an `Arc`.
pub struct Mailer {
    connections: managed::Pool<Connector>,
    from: Mailbox,
    /// `host:port (security)`, for logs: never the credentials.
    server: String,
    /// The deadline of one whole exchange.
    deadline: Duration,
}

/// How connections to the relay are made.
struct Connector {
    host: String,
    port: u16,
    security: Security,
    credentials: Option<Credentials>,
    hello: ClientId,
}

/// How a connection is protected.
enum Security {
    Plain,
    /// `STARTTLS` after the greeting (lettre upgrades the socket).
    StartTls(TlsParameters),
    /// TLS from the first byte (`smtps://`).
    Implicit(tokio_rustls::TlsConnector),
}

/// A pooled connection, and whether it is between exchanges (safe to reuse).
pub struct Session {
    smtp: AsyncSmtpConnection,
    clean: bool,
}

/// `CONFIDANT_SMTP_URL` cannot be used; the text says why in one line.
#[derive(Debug, thiserror::Error)]
#[error("CONFIDANT_SMTP_URL: {0}")]
pub struct MailSetupError(String);

/// Sending failed. The text says whether a retry may help and gives the SMTP reply code if
/// there was one — never the recipient, the content or the server's reply text (which often
/// quotes the address).
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum MailError {
    /// Retrying later may succeed: the server was unreachable or slow, answered 4xx, or refused
    /// our credentials (a setting to fix; the email is kept meanwhile).
    #[error("transient mail failure: {0}")]
    Transient(MailFailure),
    /// This email will never be accepted (e.g. 550: no such mailbox; a malformed address).
    #[error("permanent mail failure: {0}")]
    Permanent(MailFailure),
}

/// What went wrong while sending, without any content.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MailFailure {
    /// The server answered with this SMTP reply code.
    Smtp(u16),
    /// The server did not answer in time.
    Timeout,
    /// No connection could be made, or it broke.
    Connection,
    /// The TLS handshake or certificate check failed.
    Tls,
    /// The server's reply could not be understood.
    Protocol,
    /// The SMTP client refused to go on (e.g. a feature the server lacks).
    Client,
    /// The recipient is not an email address.
    InvalidRecipient,
    /// The message could not be assembled.
    InvalidMessage,
}

impl MailFailure {
    /// A short name for metrics (`timeout`, `smtp_4xx`, …): a fixed set, whatever happened.
    pub fn label(self) -> &'static str {
        match self {
            Self::Smtp(400..=499) => "smtp_4xx",
            Self::Smtp(500..=599) => "smtp_5xx",
            Self::Smtp(_) => "smtp_other",
            Self::Timeout => "timeout",
            Self::Connection => "connection",
            Self::Tls => "tls",
            Self::Protocol => "protocol",
            Self::Client => "client",
            Self::InvalidRecipient => "invalid_recipient",
            Self::InvalidMessage => "invalid_message",
        }
    }
}

impl std::fmt::Display for MailFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Smtp(code) => write!(f, "SMTP {code}"),
            Self::Timeout => f.write_str("timed out"),
            Self::Connection => f.write_str("connection failed"),
            Self::Tls => f.write_str("TLS failed"),
            Self::Protocol => f.write_str("unexpected server reply"),
            Self::Client => f.write_str("SMTP client error"),
            Self::InvalidRecipient => f.write_str("invalid recipient address"),
            Self::InvalidMessage => f.write_str("message could not be built"),
        }
    }
}

impl MailError {
    /// True when a later attempt may succeed.
    pub fn is_transient(&self) -> bool {
        matches!(self, Self::Transient(_))
    }

    /// The SMTP reply code, when the server gave one.
    pub fn smtp_code(&self) -> Option<u16> {
        match self {
            Self::Transient(MailFailure::Smtp(code)) | Self::Permanent(MailFailure::Smtp(code)) => {
                Some(*code)
            }
            _ => None,
        }
    }

    fn from_smtp(error: &lettre::transport::smtp::Error) -> Self {
        if let Some(code) = error.status() {
            let code = u16::from(code);
            return if error.is_permanent() && !AUTHENTICATION_CODES.contains(&code) {
                Self::Permanent(MailFailure::Smtp(code))
            } else {
                Self::Transient(MailFailure::Smtp(code))
            };
        }
        let failure = if error.is_timeout() {
            MailFailure::Timeout
        } else if error.is_tls() {
            MailFailure::Tls
        } else if error.is_response() {
            MailFailure::Protocol
        } else if error.is_client() {
            MailFailure::Client
        } else {
            MailFailure::Connection
        };
        Self::Transient(failure)
    }
}

impl Mailer {
    /// The mailer for the server's settings (`CONFIDANT_SMTP_URL`, `CONFIDANT_MAIL_FROM`,
    /// `CONFIDANT_SMTP_TIMEOUT_SECONDS`), with a connection per mail worker.
    pub fn from_config(config: &Config) -> Result<Self, MailSetupError> {
        let connections = (config.mail_workers + config.workers).max(1);
        Self::new(
            &config.smtp_url,
            config.mail_from.clone(),
            config.smtp_timeout,
            connections,
        )
    }

    /// A mailer that sends through `smtp_url` as `from`, each exchange within `deadline`,
    /// keeping up to `connections` open. Connects only when sending.
    pub fn new(
        smtp_url: &Url,
        from: Mailbox,
        deadline: Duration,
        connections: usize,
    ) -> Result<Self, MailSetupError> {
        let setup = |problem: &str| MailSetupError(problem.to_owned());
        let host = smtp_url
            .host_str()
            .filter(|host| !host.is_empty())
            .ok_or_else(|| setup("the URL names no host"))?;
        let mut starttls = false;
        for (name, value) in smtp_url.query_pairs() {
            match (name.as_ref(), value.as_ref()) {
                ("starttls", "true") => starttls = true,
                ("starttls", "false") => starttls = false,
                _ => {
                    return Err(setup(
                        "the only query setting understood is starttls=true or starttls=false",
                    ));
                }
            }
        }
        let (security, default_port, label) = match (smtp_url.scheme(), starttls) {
            ("smtp", false) => (Security::Plain, 25, "plain"),
            ("smtp", true) => (Security::StartTls(tls_parameters(host)?), 587, "STARTTLS"),
            ("smtps", false) => (Security::Implicit(tls_connector()?), 465, "TLS"),
            ("smtps", true) => {
                return Err(setup(
                    "starttls=true applies to smtp:// only; smtps:// is TLS from the start",
                ));
            }
            _ => return Err(setup("expected an smtp:// or smtps:// URL")),
        };
        let port = smtp_url.port().unwrap_or(default_port);
        let mut credentials = None;
        if !smtp_url.username().is_empty() {
            if !starttls && smtp_url.scheme() == "smtp" {
                return Err(setup(
                    "credentials need TLS: use smtps://, or smtp://…?starttls=true",
                ));
            }
            let decode_error = || setup("the user name or password is not valid percent-encoding");
            let user = percent_decode(smtp_url.username()).ok_or_else(decode_error)?;
            let password =
                percent_decode(smtp_url.password().unwrap_or_default()).ok_or_else(decode_error)?;
            credentials = Some(Credentials::new(user, password));
        }
        let connector = Connector {
            host: host.to_owned(),
            port,
            security,
            credentials,
            hello: ClientId::default(),
        };
        let connections = managed::Pool::builder(connector)
            .max_size(connections.max(1))
            .runtime(deadpool::Runtime::Tokio1)
            .build()
            .map_err(|_| setup("the connection pool could not be built"))?;
        Ok(Self {
            connections,
            from,
            server: format!("{host}:{port} ({label})"),
            deadline,
        })
    }

    /// Sends one email. The error says whether retrying may help, and nothing about the email.
    pub async fn send(&self, email: &OutgoingEmail) -> Result<(), MailError> {
        let to: Mailbox = email
            .to
            .parse()
            .map_err(|_| MailError::Permanent(MailFailure::InvalidRecipient))?;
        let message = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(one_line(&email.subject))
            .multipart(MultiPart::alternative_plain_html(
                email.text.clone(),
                email.html.clone(),
            ))
            .map_err(|_| MailError::Permanent(MailFailure::InvalidMessage))?;
        let envelope = message.envelope().clone();
        let bytes = message.formatted();
        let exchange = async {
            let mut session = self.connections.get().await.map_err(|error| match error {
                managed::PoolError::Backend(error) => error.mail_error(),
                _ => MailError::Transient(MailFailure::Connection),
            })?;
            session.clean = false;
            let sent = session.smtp.send(&envelope, &bytes).await;
            match sent {
                Ok(_) => {
                    session.clean = true;
                    Ok(())
                }
                Err(error) => {
                    // The connection's state is unknown after a failure: never reuse it.
                    drop(Object::take(session));
                    Err(MailError::from_smtp(&error))
                }
            }
        };
        // A connection cut off by the deadline is dropped unclean, so it is not reused.
        let started = std::time::Instant::now();
        let result = tokio::time::timeout(self.deadline, exchange)
            .await
            .unwrap_or(Err(MailError::Transient(MailFailure::Timeout)));
        let outcome = match result {
            Ok(()) => "sent",
            Err(MailError::Transient(failure) | MailError::Permanent(failure)) => failure.label(),
        };
        crate::monitoring::smtp_send(outcome, started.elapsed());
        result
    }

    /// The sender every email carries.
    pub fn from_address(&self) -> &Mailbox {
        &self.from
    }

    /// `host:port (security)`, safe to log.
    pub fn server(&self) -> &str {
        &self.server
    }
}

impl std::fmt::Debug for Mailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Mailer")
            .field("server", &self.server)
            .finish_non_exhaustive()
    }
}

/// Why a connection could not be made.
enum ConnectError {
    /// The socket or the TLS handshake failed.
    Socket(std::io::Error),
    /// The SMTP greeting, `EHLO`, `STARTTLS` or `AUTH` failed.
    Smtp(lettre::transport::smtp::Error),
}

impl From<lettre::transport::smtp::Error> for ConnectError {
    fn from(error: lettre::transport::smtp::Error) -> Self {
        Self::Smtp(error)
    }
}

impl ConnectError {
    fn mail_error(&self) -> MailError {
        match self {
            Self::Smtp(error) => MailError::from_smtp(error),
            Self::Socket(error) if error.kind() == std::io::ErrorKind::TimedOut => {
                MailError::Transient(MailFailure::Timeout)
            }
            Self::Socket(error) if error.kind() == std::io::ErrorKind::InvalidData => {
                MailError::Transient(MailFailure::Tls)
            }
            Self::Socket(_) => MailError::Transient(MailFailure::Connection),
        }
    }
}

impl managed::Manager for Connector {
    type Type = Session;
    type Error = ConnectError;

    async fn create(&self) -> Result<Session, Self::Error> {
        let tcp = tokio::net::TcpStream::connect((self.host.as_str(), self.port))
            .await
            .map_err(ConnectError::Socket)?;
        tcp.set_nodelay(true).map_err(ConnectError::Socket)?;
        let stream: Box<dyn AsyncTokioStream> = match &self.security {
            Security::Plain | Security::StartTls(_) => Box::new(tcp),
            Security::Implicit(connector) => {
                let name =
                    rustls_pki_types::ServerName::try_from(self.host.clone()).map_err(|_| {
                        ConnectError::Socket(std::io::Error::new(
                            std::io::ErrorKind::InvalidData,
                            "the SMTP host is not a valid TLS name",
                        ))
                    })?;
                let tls = connector
                    .connect(name, tcp)
                    .await
                    .map_err(ConnectError::Socket)?;
                Box::new(TlsSocket(tls))
            }
        };
        let mut smtp = AsyncSmtpConnection::connect_with_transport(stream, &self.hello).await?;
        if let Security::StartTls(parameters) = &self.security {
            smtp.starttls(parameters.clone(), &self.hello).await?;
        }
        if let Some(credentials) = &self.credentials {
            smtp.auth(&[Mechanism::Plain, Mechanism::Login], credentials)
                .await?;
        }
        Ok(Session { smtp, clean: true })
    }

    async fn recycle(
        &self,
        session: &mut Session,
        metrics: &Metrics,
    ) -> RecycleResult<Self::Error> {
        if !session.clean || session.smtp.has_broken() {
            return Err(RecycleError::Message(
                "the connection was left mid-exchange".into(),
            ));
        }
        if metrics.last_used() > CHECK_IDLE_AFTER && !session.smtp.test_connected().await {
            return Err(RecycleError::Message(
                "the relay closed the idle connection".into(),
            ));
        }
        Ok(())
    }
}

/// A TLS socket, as lettre's `AsyncSmtpConnection` takes it.
#[derive(Debug)]
struct TlsSocket(tokio_rustls::client::TlsStream<tokio::net::TcpStream>);

impl AsyncTokioStream for TlsSocket {
    fn peer_addr(&self) -> std::io::Result<std::net::SocketAddr> {
        self.0.get_ref().0.peer_addr()
    }
}

impl tokio::io::AsyncRead for TlsSocket {
    fn poll_read(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &mut tokio::io::ReadBuf<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::pin::Pin::new(&mut self.0).poll_read(cx, buf)
    }
}

impl tokio::io::AsyncWrite for TlsSocket {
    fn poll_write(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &[u8],
    ) -> std::task::Poll<std::io::Result<usize>> {
        std::pin::Pin::new(&mut self.0).poll_write(cx, buf)
    }

    fn poll_flush(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::pin::Pin::new(&mut self.0).poll_flush(cx)
    }

    fn poll_shutdown(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::pin::Pin::new(&mut self.0).poll_shutdown(cx)
    }
}

/// The system's CA bundle, as PEM.
fn ca_bundle() -> Result<Vec<u8>, MailSetupError> {
    let path = std::env::var_os("SSL_CERT_FILE")
        .map(std::path::PathBuf::from)
        .or_else(|| {
            CA_BUNDLES
                .iter()
                .map(std::path::PathBuf::from)
                .find(|path| path.is_file())
        })
        .ok_or_else(|| {
            MailSetupError(
                "TLS needs the system's CA certificates, and none were found (install \
                 ca-certificates or set SSL_CERT_FILE)"
                    .to_owned(),
            )
        })?;
    std::fs::read(&path).map_err(|error| {
        MailSetupError(format!(
            "cannot read the CA certificates in {}: {error}",
            path.display()
        ))
    })
}

/// TLS for implicit-TLS connections (`smtps://`), trusting the system's CA bundle.
fn tls_connector() -> Result<tokio_rustls::TlsConnector, MailSetupError> {
    use rustls_pki_types::pem::PemObject;
    let pem = ca_bundle()?;
    let mut roots = rustls::RootCertStore::empty();
    for certificate in rustls_pki_types::CertificateDer::pem_slice_iter(&pem).flatten() {
        // A certificate rustls cannot use is skipped, as lettre's own loader does.
        let _unusable = roots.add(certificate);
    }
    if roots.is_empty() {
        return Err(MailSetupError(
            "the CA bundle holds no usable certificates".to_owned(),
        ));
    }
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|_| MailSetupError("the TLS settings could not be built".to_owned()))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(tokio_rustls::TlsConnector::from(Arc::new(config)))
}

/// TLS settings for `STARTTLS` that trust the system's CA bundle. (lettre is built without a
/// bundled root store, so without this every certificate would be refused.)
fn tls_parameters(host: &str) -> Result<TlsParameters, MailSetupError> {
    let pem = ca_bundle()?;
    let roots = Certificate::from_pem(&pem)
        .map_err(|_| MailSetupError("the CA bundle holds no usable certificates".to_owned()))?;
    TlsParameters::builder(host.to_owned())
        .add_root_certificate(roots)
        .build()
        .map_err(|_| MailSetupError("the TLS settings could not be built".to_owned()))
}

/// Decodes `%XX` escapes (URL user names and passwords).
fn percent_decode(raw: &str) -> Option<String> {
    let bytes = raw.as_bytes();
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while let Some(&byte) = bytes.get(index) {
        if byte == b'%' {
            let hex = raw.get(index + 1..index + 3)?;
            decoded.push(u8::from_str_radix(hex, 16).ok()?);
            index += 3;
        } else {
            decoded.push(byte);
            index += 1;
        }
    }
    String::from_utf8(decoded).ok()
}

/// Subjects are one line: a line break from a stored name must not start a new header.
fn one_line(text: &str) -> String {
    text.split(char::is_control)
        .filter(|part| !part.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn from() -> Mailbox {
        "Confidant <no-reply@confidant.local>"
            .parse()
            .expect("a valid mailbox")
    }

    fn mailer(url: &str) -> Result<Mailer, MailSetupError> {
        Mailer::new(
            &Url::parse(url).expect("a URL"),
            from(),
            Duration::from_secs(30),
            2,
        )
    }

    #[test]
    fn plain_smtp_needs_no_tls() {
        let mailer = mailer("smtp://127.0.0.1:1025").expect("a plain mailer");
        assert_eq!(mailer.server(), "127.0.0.1:1025 (plain)");
    }

    #[test]
    fn credentials_without_tls_are_refused() {
        let error =
            mailer("smtp://user:secret@mail.example.com:25").expect_err("no credentials in clear");
        let text = error.to_string();
        assert!(text.starts_with("CONFIDANT_SMTP_URL: "), "{text}");
        assert!(!text.contains("secret"), "{text}");
    }

    #[test]
    fn unknown_query_settings_are_refused() {
        assert!(mailer("smtp://127.0.0.1:1025?tls=yes").is_err());
        assert!(mailer("smtps://mail.example.com?starttls=true").is_err());
    }

    #[test]
    fn tls_urls_use_the_system_certificates_and_never_show_the_password() {
        let has_bundle = std::env::var_os("SSL_CERT_FILE").is_some()
            || CA_BUNDLES
                .iter()
                .any(|path| std::path::Path::new(path).is_file());
        if !has_bundle {
            return;
        }
        let implicit =
            mailer("smtps://user%40example.com:p%40ss@mail.example.com").expect("an smtps mailer");
        assert_eq!(implicit.server(), "mail.example.com:465 (TLS)");
        assert!(!format!("{implicit:?}").contains("p@ss"));
        let upgraded = mailer("smtp://user:pass@mail.example.com:2587?starttls=true")
            .expect("a STARTTLS mailer");
        assert_eq!(upgraded.server(), "mail.example.com:2587 (STARTTLS)");
    }

    #[test]
    fn percent_decoding_handles_escapes_and_refuses_broken_ones() {
        assert_eq!(percent_decode("a%40b%2Fc").as_deref(), Some("a@b/c"));
        assert_eq!(percent_decode("plain").as_deref(), Some("plain"));
        assert_eq!(percent_decode("bad%4"), None);
        assert_eq!(percent_decode("bad%zz"), None);
    }

    #[test]
    fn mail_errors_say_transient_or_permanent_and_the_code_only() {
        let transient = MailError::Transient(MailFailure::Smtp(451));
        assert_eq!(transient.to_string(), "transient mail failure: SMTP 451");
        assert!(transient.is_transient());
        assert_eq!(transient.smtp_code(), Some(451));
        let permanent = MailError::Permanent(MailFailure::InvalidRecipient);
        assert_eq!(
            permanent.to_string(),
            "permanent mail failure: invalid recipient address"
        );
        assert_eq!(permanent.smtp_code(), None);
    }

    #[test]
    fn outgoing_email_debug_hides_address_and_content() {
        let email = OutgoingEmail {
            to: "jane@example.com".into(),
            subject: "Private".into(),
            text: "Private text".into(),
            html: "<p>Private</p>".into(),
        };
        let debug = format!("{email:?}");
        assert!(
            !debug.contains("jane") && !debug.contains("Private"),
            "{debug}"
        );
    }

    #[test]
    fn subjects_are_one_line() {
        assert_eq!(one_line("Hello\r\nBcc: x@y"), "Hello Bcc: x@y");
    }

    #[tokio::test]
    async fn an_invalid_recipient_is_a_permanent_failure_without_the_address() {
        let mailer = mailer("smtp://127.0.0.1:9").expect("a plain mailer");
        let email = OutgoingEmail {
            to: "not an address".into(),
            subject: "s".into(),
            text: "t".into(),
            html: "h".into(),
        };
        let error = mailer.send(&email).await.expect_err("no such address");
        assert_eq!(error, MailError::Permanent(MailFailure::InvalidRecipient));
        assert!(!error.to_string().contains("not an address"));
    }
}
