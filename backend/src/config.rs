//! Settings from environment variables (SPEC §7), each with a sane default where one exists.
//!
//! A missing or malformed setting is reported as one line naming the variable and what it
//! should look like; nothing here panics.

use std::net::SocketAddr;
use std::ops::RangeInclusive;
use std::path::PathBuf;
use std::time::Duration;

use lettre::message::Mailbox;
use url::Url;

/// Everything the server needs to know about its surroundings.
#[derive(Clone, Debug)]
pub struct Config {
    /// `DATABASE_URL`: the PostgreSQL database. Needed by `serve` and `migrate` only.
    pub database_url: Option<DatabaseUrl>,
    /// `CONFIDANT_DB_POOL_SIZE`: connections for requests, shared out among the HTTP worker
    /// threads' pools (see [`crate::db::thread_pools`]); background work has a pool as large.
    pub db_pool_size: usize,
    /// `CONFIDANT_LISTEN`: the address to bind; port 0 picks a free port.
    pub listen: SocketAddr,
    /// `CONFIDANT_PUBLIC_URL`: the address people use to reach the web app (links in emails).
    pub public_url: Url,
    /// `CONFIDANT_SMTP_URL`: where notification and invitation emails are sent.
    pub smtp_url: SmtpUrl,
    /// `CONFIDANT_MAIL_FROM`: the sender of every email.
    pub mail_from: Mailbox,
    /// `CONFIDANT_WORKERS`: background job workers in this process; 0 runs none.
    pub workers: usize,
    /// `CONFIDANT_JOB_LEASE_SECONDS`: how long a job stays with a worker that stopped
    /// reporting (it crashed) before another worker takes it over.
    pub job_lease: Duration,
    /// `CONFIDANT_STORAGE`: where attachments are stored.
    pub storage: StorageLocation,
    /// `CONFIDANT_STORAGE_KEY`: the master key that wraps each attachment's data key.
    pub storage_key: StorageKey,
    /// `CONFIDANT_JWT_SECRET`: the key that signs access tokens.
    pub jwt_secret: JwtSecret,
    /// `CONFIDANT_HASH_KEY`: the key of the keyed hashes stored instead of emails and
    /// addresses (throttling counters, audit records). Derived from the JWT secret when unset.
    pub hash_key: HashKey,
    /// `CONFIDANT_UPLOAD_QUOTA_MB`: how many bytes of uploads not yet sent one person may hold.
    pub upload_quota_bytes: u64,
    /// `CONFIDANT_WEB_DIR`: the built web app, served at `/` when set.
    pub web_dir: Option<PathBuf>,
    /// `CONFIDANT_LOG_FORMAT`: `text` (default) or `json`.
    pub log_format: LogFormat,
    /// `CONFIDANT_SHUTDOWN_SECONDS`: how long in-flight requests may finish after SIGTERM.
    pub shutdown_timeout: Duration,
    /// `CONFIDANT_SESSION_IDLE_MINUTES`: a session without activity for this long ends
    /// (HIPAA automatic logoff).
    pub session_idle: Duration,
    /// `CONFIDANT_REQUEST_TIMEOUT_SECONDS`: an API request still running after this long is
    /// answered 503 (a frozen database cannot hold requests forever).
    pub request_timeout: Duration,
    /// `CONFIDANT_DB_STATEMENT_TIMEOUT_SECONDS`: PostgreSQL cancels a statement running longer.
    pub db_statement_timeout: Duration,
    /// `CONFIDANT_EVENT_RETENTION_HOURS`: how long the event log keeps an event (live streams
    /// resume from it after a disconnection).
    pub event_retention: Duration,
    /// `CONFIDANT_SMTP_TIMEOUT_SECONDS`: the deadline of one whole SMTP exchange (connecting,
    /// greeting, each command, the message): past it the email is retried later.
    pub smtp_timeout: Duration,
    /// `CONFIDANT_MAIL_WORKERS`: workers of this process that only send email, so that a slow
    /// mail relay holds up no other background work; 0 leaves email to the general workers.
    pub mail_workers: usize,
    /// `CONFIDANT_METRICS_TOKEN`: the bearer token Prometheus sends to read `GET /metrics`
    /// (at least 16 characters); unset, `/metrics` is off (404).
    pub metrics_token: Option<MetricsToken>,
    /// `CONFIDANT_WEBHOOK_ALLOW_PRIVATE_NETWORKS`: `true` lets webhooks point at loopback and
    /// private addresses — for development and tests only (default `false`).
    pub webhook_allow_private_networks: bool,
    /// `CONFIDANT_WEBHOOK_WORKERS`: workers of this process that only deliver webhooks (the
    /// webhook lane), so a receiver that hangs holds up nothing else (default 2).
    pub webhook_workers: usize,
    /// `CONFIDANT_WEBHOOK_DISABLE_AFTER_HOURS`: an endpoint whose deliveries all failed for
    /// this long is disabled and the owners emailed (default 120: five days).
    pub webhook_disable_after: Duration,
}

/// The token that opens `GET /metrics`, kept only as its SHA-256 digest: its `Debug` shows
/// nothing, and checking a presented token compares digests (no timing on the token).
#[derive(Clone)]
pub struct MetricsToken([u8; 32]);

impl MetricsToken {
    /// The token `raw`.
    pub fn new(raw: &str) -> Self {
        use sha2::Digest;
        Self(sha2::Sha256::digest(raw.as_bytes()).into())
    }

    /// Whether `presented` is the token.
    pub fn matches(&self, presented: &str) -> bool {
        Self::new(presented).0 == self.0
    }
}

impl std::fmt::Debug for MetricsToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MetricsToken(…)")
    }
}

/// A PostgreSQL URL. Its `Debug` and `Display` never show the password.
#[derive(Clone)]
pub struct DatabaseUrl(Url);

/// The SMTP URL, which may hold credentials: its `Debug` shows only scheme, host and port.
#[derive(Clone)]
pub struct SmtpUrl(Url);

impl std::ops::Deref for SmtpUrl {
    type Target = Url;

    fn deref(&self) -> &Url {
        &self.0
    }
}

impl std::fmt::Debug for SmtpUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "SmtpUrl({}://{}:{})",
            self.0.scheme(),
            self.0.host_str().unwrap_or("?"),
            self.0.port().map(|p| p.to_string()).unwrap_or_default()
        )
    }
}

/// Where attachment files live.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StorageLocation {
    /// A folder on local disk.
    Folder(PathBuf),
    /// An S3-compatible object store (`s3://bucket/prefix`).
    S3(Url),
}

/// The access-token signing key. Never printed.
#[derive(Clone)]
pub struct JwtSecret {
    bytes: Vec<u8>,
    /// True when no secret was configured and a random one was made for this process.
    pub generated: bool,
}

/// The attachment master key: 32 bytes, given as standard base64. Never printed.
#[derive(Clone)]
pub struct StorageKey {
    bytes: [u8; 32],
    /// True when no key was configured and a random one was made for this process: files
    /// stored now cannot be read after a restart.
    pub generated: bool,
}

impl StorageKey {
    /// The raw key, for the encryption code only.
    pub fn bytes(&self) -> &[u8; 32] {
        &self.bytes
    }

    /// A key from its raw bytes (tests and tools).
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        Self {
            bytes,
            generated: false,
        }
    }

    fn parse(raw: &str) -> Result<Self, ConfigError> {
        use base64::Engine as _;
        base64::engine::general_purpose::STANDARD
            .decode(raw.trim())
            .ok()
            .and_then(|bytes| <[u8; 32]>::try_from(bytes).ok())
            .map(Self::from_bytes)
            .ok_or_else(|| {
                ConfigError::new(
                    "CONFIDANT_STORAGE_KEY",
                    "expected 32 random bytes in base64 (e.g. `openssl rand -base64 32`)",
                )
            })
    }

    fn random() -> Self {
        Self {
            bytes: rand::random(),
            generated: true,
        }
    }
}

impl std::fmt::Debug for StorageKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("StorageKey(…)")
    }
}

/// The key of the keyed hashes (HMAC-SHA256) that stand in for emails and network addresses
/// wherever a lookup needs them but the value itself must not be stored. Never printed.
#[derive(Clone)]
pub struct HashKey {
    bytes: Vec<u8>,
    /// True when it is derived from a JWT secret that was itself generated for this process:
    /// hashes then change on every restart (throttling counters start afresh).
    pub generated: bool,
}

impl HashKey {
    /// The key material, for [`crate::auth::keyed_hash`] only.
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// A key from raw bytes (tests and tools).
    pub fn from_bytes(bytes: &[u8]) -> Self {
        Self {
            bytes: bytes.to_vec(),
            generated: false,
        }
    }

    fn parse(raw: &str) -> Result<Self, ConfigError> {
        if raw.trim().len() < MIN_JWT_SECRET_LEN {
            return Err(ConfigError::new(
                "CONFIDANT_HASH_KEY",
                format!("too short; use at least {MIN_JWT_SECRET_LEN} random characters"),
            ));
        }
        Ok(Self::from_bytes(raw.trim().as_bytes()))
    }

    /// A key of its own derived from the JWT secret (HMAC with a fixed label), so that an
    /// installation that set only `CONFIDANT_JWT_SECRET` keeps stable hashes across restarts,
    /// and the token key itself is never used for anything but tokens.
    fn derived_from(jwt: &JwtSecret) -> Self {
        use hmac::{KeyInit, Mac};
        let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(jwt.as_bytes())
            .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
        mac.update(b"confidant keyed lookup hashes v1");
        Self {
            bytes: mac.finalize().into_bytes().to_vec(),
            generated: jwt.generated,
        }
    }
}

impl std::fmt::Debug for HashKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("HashKey(…)")
    }
}

/// How log lines are written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LogFormat {
    /// Human-readable lines.
    Text,
    /// One JSON object per line, for log collectors.
    Json,
}

/// A setting that is missing or malformed, with the variable's name and what was expected.
#[derive(Debug, thiserror::Error)]
#[error("{variable}: {problem}")]
pub struct ConfigError {
    variable: &'static str,
    problem: String,
}

impl ConfigError {
    fn new(variable: &'static str, problem: impl Into<String>) -> Self {
        Self {
            variable,
            problem: problem.into(),
        }
    }
}

const MIN_JWT_SECRET_LEN: usize = 32;

impl Config {
    /// Reads the settings from the process environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok().filter(|v| !v.trim().is_empty()))
    }

    /// Reads the settings through `lookup`, which returns a variable's value or `None`.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let database_url = lookup("DATABASE_URL")
            .map(|raw| DatabaseUrl::parse(&raw))
            .transpose()?;
        let db_pool_size = match lookup("CONFIDANT_DB_POOL_SIZE") {
            None => 10,
            Some(raw) => raw
                .trim()
                .parse::<usize>()
                .ok()
                .filter(|n| (1..=1000).contains(n))
                .ok_or_else(|| {
                    ConfigError::new(
                        "CONFIDANT_DB_POOL_SIZE",
                        format!("`{raw}` is not a number from 1 to 1000"),
                    )
                })?,
        };
        let listen_raw = lookup("CONFIDANT_LISTEN").unwrap_or_else(|| "127.0.0.1:8080".into());
        let listen: SocketAddr = listen_raw.trim().parse().map_err(|_| {
            ConfigError::new(
                "CONFIDANT_LISTEN",
                format!("`{listen_raw}` is not an address like 127.0.0.1:8080"),
            )
        })?;
        let public_url = match lookup("CONFIDANT_PUBLIC_URL") {
            Some(raw) => parse_http_url("CONFIDANT_PUBLIC_URL", &raw)?,
            None => parse_http_url("CONFIDANT_PUBLIC_URL", &format!("http://{listen}"))?,
        };
        let smtp_raw =
            lookup("CONFIDANT_SMTP_URL").unwrap_or_else(|| "smtp://127.0.0.1:1025".into());
        let smtp_url = Url::parse(smtp_raw.trim())
            .ok()
            .filter(|u| matches!(u.scheme(), "smtp" | "smtps") && u.host().is_some())
            .ok_or_else(|| {
                ConfigError::new(
                    "CONFIDANT_SMTP_URL",
                    "expected a URL like smtp://127.0.0.1:1025 or smtps://user:pass@mail.example.com",
                )
            })?;
        let mail_from_raw = lookup("CONFIDANT_MAIL_FROM")
            .unwrap_or_else(|| "Confidant <no-reply@confidant.local>".into());
        let mail_from: Mailbox = mail_from_raw.trim().parse().map_err(|_| {
            ConfigError::new(
                "CONFIDANT_MAIL_FROM",
                format!("`{mail_from_raw}` is not a sender like Confidant <no-reply@example.com>"),
            )
        })?;
        let workers = number(&lookup, "CONFIDANT_WORKERS", 2, 0..=64, "")? as usize;
        let job_lease = Duration::from_secs(number(
            &lookup,
            "CONFIDANT_JOB_LEASE_SECONDS",
            60,
            3..=3600,
            " of seconds",
        )?);
        let storage = StorageLocation::parse(
            &lookup("CONFIDANT_STORAGE").unwrap_or_else(|| ".data/storage".into()),
        )?;
        let storage_key = match lookup("CONFIDANT_STORAGE_KEY") {
            Some(raw) => StorageKey::parse(&raw)?,
            None => StorageKey::random(),
        };
        let jwt_secret = match lookup("CONFIDANT_JWT_SECRET") {
            Some(raw) => JwtSecret::parse(&raw)?,
            None => JwtSecret::random(),
        };
        let hash_key = match lookup("CONFIDANT_HASH_KEY") {
            Some(raw) => HashKey::parse(&raw)?,
            None => HashKey::derived_from(&jwt_secret),
        };
        let upload_quota_bytes = number(
            &lookup,
            "CONFIDANT_UPLOAD_QUOTA_MB",
            50,
            10..=100_000,
            " of megabytes",
        )? * 1_000_000;
        let web_dir = lookup("CONFIDANT_WEB_DIR").map(PathBuf::from);
        if let Some(dir) = &web_dir
            && !dir.join("index.html").is_file()
        {
            return Err(ConfigError::new(
                "CONFIDANT_WEB_DIR",
                format!(
                    "`{}` holds no index.html (build the web app with `cargo xtask run`)",
                    dir.display()
                ),
            ));
        }
        let log_format = match lookup("CONFIDANT_LOG_FORMAT").as_deref().map(str::trim) {
            None | Some("text") => LogFormat::Text,
            Some("json") => LogFormat::Json,
            Some(other) => {
                return Err(ConfigError::new(
                    "CONFIDANT_LOG_FORMAT",
                    format!("`{other}` is neither `text` nor `json`"),
                ));
            }
        };
        let shutdown_timeout = match lookup("CONFIDANT_SHUTDOWN_SECONDS") {
            None => Duration::from_secs(30),
            Some(raw) => raw
                .trim()
                .parse::<u64>()
                .map(Duration::from_secs)
                .map_err(|_| {
                    ConfigError::new(
                        "CONFIDANT_SHUTDOWN_SECONDS",
                        format!("`{raw}` is not a whole number of seconds"),
                    )
                })?,
        };
        let session_idle = Duration::from_secs(
            60 * number(
                &lookup,
                "CONFIDANT_SESSION_IDLE_MINUTES",
                30,
                1..=24 * 60,
                " of minutes",
            )?,
        );
        let seconds = |name: &'static str, default: u64, range: RangeInclusive<u64>| {
            number(&lookup, name, default, range, " of seconds").map(Duration::from_secs)
        };
        let request_timeout = seconds("CONFIDANT_REQUEST_TIMEOUT_SECONDS", 15, 1..=600)?;
        let db_statement_timeout = seconds("CONFIDANT_DB_STATEMENT_TIMEOUT_SECONDS", 10, 1..=3600)?;
        let smtp_timeout = seconds("CONFIDANT_SMTP_TIMEOUT_SECONDS", 30, 1..=30)?;
        let event_retention = Duration::from_secs(
            3600 * number(
                &lookup,
                "CONFIDANT_EVENT_RETENTION_HOURS",
                24,
                1..=720,
                " of hours",
            )?,
        );
        let mail_workers = number(&lookup, "CONFIDANT_MAIL_WORKERS", 4, 0..=64, "")? as usize;
        let metrics_token = match lookup("CONFIDANT_METRICS_TOKEN") {
            None => None,
            Some(raw) if raw.trim().chars().count() >= 16 => Some(MetricsToken::new(raw.trim())),
            Some(_) => {
                return Err(ConfigError::new(
                    "CONFIDANT_METRICS_TOKEN",
                    "too short: use at least 16 random characters (or leave it unset to turn \
                     /metrics off)",
                ));
            }
        };
        let webhook_allow_private_networks =
            match lookup("CONFIDANT_WEBHOOK_ALLOW_PRIVATE_NETWORKS")
                .as_deref()
                .map(str::trim)
            {
                None | Some("" | "false" | "0") => false,
                Some("true" | "1") => true,
                Some(_) => {
                    return Err(ConfigError::new(
                        "CONFIDANT_WEBHOOK_ALLOW_PRIVATE_NETWORKS",
                        "use true or false",
                    ));
                }
            };
        let webhook_workers = number(&lookup, "CONFIDANT_WEBHOOK_WORKERS", 2, 0..=64, "")? as usize;
        let webhook_disable_after = Duration::from_secs(
            3600 * number(
                &lookup,
                "CONFIDANT_WEBHOOK_DISABLE_AFTER_HOURS",
                120,
                0..=2160,
                " of hours",
            )?,
        );
        Ok(Self {
            webhook_allow_private_networks,
            webhook_workers,
            webhook_disable_after,
            metrics_token,
            request_timeout,
            db_statement_timeout,
            event_retention,
            smtp_timeout,
            mail_workers,
            session_idle,
            database_url,
            db_pool_size,
            listen,
            public_url,
            smtp_url: SmtpUrl(smtp_url),
            mail_from,
            workers,
            job_lease,
            storage,
            storage_key,
            jwt_secret,
            hash_key,
            upload_quota_bytes,
            web_dir,
            log_format,
            shutdown_timeout,
        })
    }

    /// The database URL, or the one-line error that says how to set it.
    pub fn require_database_url(&self) -> Result<&DatabaseUrl, ConfigError> {
        self.database_url.as_ref().ok_or_else(|| {
            ConfigError::new(
                "DATABASE_URL",
                "not set; expected a URL like postgres://user:password@127.0.0.1:5432/confidant \
                 (or run `cargo xtask run`, which starts a local database)",
            )
        })
    }
}

/// The whole number in `name`, within `range` (`default` when unset); `unit` names what it
/// counts in the error (" of seconds"), which quotes the value and the range.
fn number(
    lookup: &impl Fn(&str) -> Option<String>,
    name: &'static str,
    default: u64,
    range: RangeInclusive<u64>,
    unit: &str,
) -> Result<u64, ConfigError> {
    let Some(raw) = lookup(name) else {
        return Ok(default);
    };
    raw.trim()
        .parse::<u64>()
        .ok()
        .filter(|n| range.contains(n))
        .ok_or_else(|| {
            ConfigError::new(
                name,
                format!(
                    "`{raw}` is not a number{unit} from {} to {}",
                    range.start(),
                    range.end()
                ),
            )
        })
}

fn parse_http_url(variable: &'static str, raw: &str) -> Result<Url, ConfigError> {
    Url::parse(raw.trim())
        .ok()
        .filter(|u| matches!(u.scheme(), "http" | "https") && u.host().is_some())
        .ok_or_else(|| {
            ConfigError::new(
                variable,
                format!("`{raw}` is not an http(s) URL like https://confidant.example.com"),
            )
        })
}

impl DatabaseUrl {
    /// Accepts `postgres://` and `postgresql://` URLs with a host and a database name.
    pub fn parse(raw: &str) -> Result<Self, ConfigError> {
        let bad = || {
            ConfigError::new(
                "DATABASE_URL",
                "expected a URL like postgres://user:password@127.0.0.1:5432/confidant",
            )
        };
        let url = Url::parse(raw.trim()).map_err(|_| bad())?;
        let has_database = !url.path().trim_start_matches('/').is_empty();
        if !matches!(url.scheme(), "postgres" | "postgresql")
            || url.host().is_none()
            || !has_database
        {
            return Err(bad());
        }
        Ok(Self(url))
    }

    /// The full URL, password included: for connecting only, never for printing.
    pub fn expose(&self) -> &str {
        self.0.as_str()
    }

    /// `host:port/database`, safe to print.
    pub fn redacted(&self) -> String {
        format!(
            "{}:{}{}",
            self.0.host_str().unwrap_or("?"),
            self.0.port().unwrap_or(5432),
            self.0.path()
        )
    }
}

impl std::fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "DatabaseUrl({})", self.redacted())
    }
}

impl std::fmt::Display for DatabaseUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.redacted())
    }
}

impl StorageLocation {
    fn parse(raw: &str) -> Result<Self, ConfigError> {
        let raw = raw.trim();
        if raw.starts_with("s3://") {
            let url = Url::parse(raw)
                .ok()
                .filter(|u| u.host_str().is_some_and(|h| !h.is_empty()))
                .ok_or_else(|| {
                    ConfigError::new(
                        "CONFIDANT_STORAGE",
                        "expected s3://bucket[/prefix] or a folder",
                    )
                })?;
            return Ok(Self::S3(url));
        }
        if raw.contains("://") {
            return Err(ConfigError::new(
                "CONFIDANT_STORAGE",
                format!("`{raw}` is neither a folder nor an s3:// URL"),
            ));
        }
        Ok(Self::Folder(PathBuf::from(raw)))
    }
}

impl JwtSecret {
    fn parse(raw: &str) -> Result<Self, ConfigError> {
        if raw.len() < MIN_JWT_SECRET_LEN {
            return Err(ConfigError::new(
                "CONFIDANT_JWT_SECRET",
                format!("too short; use at least {MIN_JWT_SECRET_LEN} random characters"),
            ));
        }
        Ok(Self {
            bytes: raw.as_bytes().to_vec(),
            generated: false,
        })
    }

    /// A random secret for this process only: tokens do not survive a restart.
    fn random() -> Self {
        let bytes: [u8; 32] = rand::random();
        Self {
            bytes: bytes.to_vec(),
            generated: true,
        }
    }

    /// The key material.
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes
    }
}

impl std::fmt::Debug for JwtSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("JwtSecret(…)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn config(vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        Config::from_lookup(|name| map.get(name).cloned())
    }

    #[test]
    fn bounded_numbers_name_the_variable_the_value_and_the_range() {
        for (name, raw) in [
            ("CONFIDANT_MAIL_WORKERS", "65"),
            ("CONFIDANT_EVENT_RETENTION_HOURS", "0"),
            ("CONFIDANT_SMTP_TIMEOUT_SECONDS", "31"),
            ("CONFIDANT_UPLOAD_QUOTA_MB", "many"),
        ] {
            let error = Config::from_lookup(|asked| (asked == name).then(|| raw.to_owned()))
                .expect_err("refused")
                .to_string();
            assert!(error.contains(name) && error.contains(raw), "{error}");
        }
        let config = Config::from_lookup(|asked| {
            (asked == "CONFIDANT_EVENT_RETENTION_HOURS").then(|| " 48 ".to_owned())
        })
        .expect("48 hours");
        assert_eq!(config.event_retention, Duration::from_secs(48 * 3600));
        assert_eq!(config.mail_workers, 4);
        assert_eq!(config.upload_quota_bytes, 50_000_000);
    }

    #[test]
    fn defaults_need_nothing_set() {
        let config = config(&[]).expect("defaults are valid");
        assert_eq!(config.listen.to_string(), "127.0.0.1:8080");
        assert_eq!(config.public_url.as_str(), "http://127.0.0.1:8080/");
        assert_eq!(config.smtp_url.as_str(), "smtp://127.0.0.1:1025");
        assert_eq!(
            config.storage,
            StorageLocation::Folder(".data/storage".into())
        );
        assert!(config.jwt_secret.generated);
        assert!(config.storage_key.generated);
        assert!(
            config.hash_key.generated,
            "derived from a generated JWT secret"
        );
        assert_eq!(config.upload_quota_bytes, 50_000_000);
        assert_eq!(config.session_idle, Duration::from_secs(30 * 60));
        assert!(config.database_url.is_none());
        assert!(config.require_database_url().is_err());
    }

    #[test]
    fn bad_values_name_their_variable() {
        for (name, value) in [
            ("CONFIDANT_LISTEN", "localhost"),
            ("DATABASE_URL", "mysql://x/y"),
            ("DATABASE_URL", "postgres://127.0.0.1:5432"),
            ("CONFIDANT_PUBLIC_URL", "ftp://x"),
            ("CONFIDANT_SMTP_URL", "http://x"),
            ("CONFIDANT_STORAGE", "gs://bucket"),
            ("CONFIDANT_JWT_SECRET", "short"),
            ("CONFIDANT_HASH_KEY", "short"),
            ("CONFIDANT_UPLOAD_QUOTA_MB", "5"),
            ("CONFIDANT_REQUEST_TIMEOUT_SECONDS", "0"),
            ("CONFIDANT_DB_STATEMENT_TIMEOUT_SECONDS", "soon"),
            ("CONFIDANT_SMTP_TIMEOUT_SECONDS", "120"),
            ("CONFIDANT_MAIL_WORKERS", "100"),
            ("CONFIDANT_STORAGE_KEY", "c2hvcnQ="),
            ("CONFIDANT_STORAGE_KEY", "not base64!"),
            ("CONFIDANT_LOG_FORMAT", "xml"),
            ("CONFIDANT_DB_POOL_SIZE", "0"),
            ("CONFIDANT_MAIL_FROM", "not an address"),
            ("CONFIDANT_WORKERS", "many"),
            ("CONFIDANT_JOB_LEASE_SECONDS", "1"),
            ("CONFIDANT_SESSION_IDLE_MINUTES", "0"),
            ("CONFIDANT_WEB_DIR", "/definitely/not/here"),
        ] {
            let error = config(&[(name, value)]).expect_err(name).to_string();
            assert!(error.starts_with(name), "{error}");
            assert!(!error.contains('\n'), "one line: {error}");
        }
    }

    #[test]
    fn database_url_never_prints_its_password() {
        let url = DatabaseUrl::parse("postgres://app:s3cret@db.internal:6543/confidant")
            .expect("valid URL");
        assert_eq!(url.to_string(), "db.internal:6543/confidant");
        assert!(!format!("{url:?}").contains("s3cret"));
        assert!(url.expose().contains("s3cret"));
    }

    #[test]
    fn mail_sender_and_workers_have_defaults_and_can_be_set() {
        let defaults = config(&[]).expect("defaults are valid");
        assert_eq!(
            defaults.mail_from.to_string(),
            "Confidant <no-reply@confidant.local>"
        );
        assert_eq!(defaults.workers, 2);
        let set = config(&[
            ("CONFIDANT_MAIL_FROM", "Riverside <care@riverside.example>"),
            ("CONFIDANT_WORKERS", "0"),
        ])
        .expect("valid settings");
        assert_eq!(set.mail_from.email.to_string(), "care@riverside.example");
        assert_eq!(set.workers, 0);
    }

    #[test]
    fn debug_output_of_the_config_holds_no_secret() {
        let config = config(&[
            (
                "CONFIDANT_SMTP_URL",
                "smtps://mailer:smtp-s3cret@mail.example.com:465",
            ),
            ("DATABASE_URL", "postgres://app:db-s3cret@db:5432/confidant"),
            (
                "CONFIDANT_JWT_SECRET",
                "jwt-s3cret-jwt-s3cret-jwt-s3cret-jwt-s3cret",
            ),
        ])
        .expect("valid");
        let printed = format!("{config:?}");
        assert!(!printed.contains("s3cret"), "{printed}");
        assert!(printed.contains("mail.example.com"), "{printed}");
    }

    #[test]
    fn storage_key_is_32_base64_bytes_and_never_printed() {
        use base64::Engine as _;
        let raw = base64::engine::general_purpose::STANDARD.encode([7u8; 32]);
        let config = config(&[("CONFIDANT_STORAGE_KEY", &raw)]).expect("valid");
        assert_eq!(config.storage_key.bytes(), &[7u8; 32]);
        assert!(!config.storage_key.generated);
        assert!(!format!("{config:?}").contains(&raw));
        assert!(!format!("{config:?}").contains("7, 7"));
    }

    #[test]
    fn the_hash_key_is_its_own_or_derived_but_never_the_jwt_secret() {
        let jwt = "jwt-s3cret-jwt-s3cret-jwt-s3cret-jwt-s3cret";
        let derived = config(&[("CONFIDANT_JWT_SECRET", jwt)]).expect("valid");
        assert!(!derived.hash_key.generated);
        assert_ne!(derived.hash_key.as_bytes(), jwt.as_bytes());
        let again = config(&[("CONFIDANT_JWT_SECRET", jwt)]).expect("valid");
        assert_eq!(derived.hash_key.as_bytes(), again.hash_key.as_bytes());
        let own = "hash-key-hash-key-hash-key-hash-key-0123";
        let set =
            config(&[("CONFIDANT_JWT_SECRET", jwt), ("CONFIDANT_HASH_KEY", own)]).expect("valid");
        assert_eq!(set.hash_key.as_bytes(), own.as_bytes());
        assert!(!format!("{set:?}").contains(own));
    }

    #[test]
    fn s3_storage_is_recognised() {
        let config = config(&[("CONFIDANT_STORAGE", "s3://bucket/prefix")]).expect("valid");
        assert!(matches!(config.storage, StorageLocation::S3(_)));
    }
}
