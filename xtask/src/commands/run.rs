//! `cargo xtask run`: Confidant on http://127.0.0.1:8080 from a fresh clone, with a demo
//! practice to sign in to when the database holds no practice yet, and a mail catcher
//! (MailDev, http://127.0.0.1:1080) that shows every email Confidant sends.

use std::net::{SocketAddr, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use local_postgres::LocalPostgres;

use crate::Result;
use crate::tools;
use crate::workspace::{self, step};

/// The port of the development database (not 5432, which a system PostgreSQL may hold).
const DEV_DB_PORT: u16 = 55432;
const DEV_DB_NAME: &str = "confidant";

/// The command.
pub fn run() -> Result {
    tools::build_web()?;
    let database_url = match std::env::var("DATABASE_URL")
        .ok()
        .filter(|url| !url.is_empty())
    {
        Some(url) => {
            eprintln!("xtask: using DATABASE_URL");
            url
        }
        None => start_dev_database()?,
    };
    let storage = std::env::var("CONFIDANT_STORAGE").unwrap_or_else(|_| {
        workspace::root()
            .join(".data/storage")
            .display()
            .to_string()
    });
    let storage_key = dev_storage_key()?;
    // Emails go where CONFIDANT_SMTP_URL says; without it, to a mail catcher started here,
    // which stops with this command.
    let (smtp_url, catcher) = match std::env::var("CONFIDANT_SMTP_URL")
        .ok()
        .filter(|url| !url.is_empty())
    {
        Some(url) => (url, None),
        None => {
            let catcher = MailCatcher::start()?;
            (catcher.smtp_url(), Some(catcher))
        }
    };
    // Compiled in its own step, saying so: the first build takes minutes, and under
    // "seeding the demo practice" a silent wait looked like a hang.
    step(
        workspace::cargo().args(["build", "-p", "confidant"]),
        "compiling the server (the first time takes several minutes; later runs seconds)",
    )?;
    seed_demo(&database_url, &storage, &storage_key)?;
    let listen = std::env::var("CONFIDANT_LISTEN").unwrap_or_else(|_| "127.0.0.1:8080".into());
    let metrics_token = dev_metrics_token()?;
    eprintln!("xtask: Confidant will be at http://{listen} (API docs at http://{listen}/docs)");
    if let Some(catcher) = &catcher {
        eprintln!(
            "xtask: every email Confidant sends shows at {} (the mail catcher)",
            catcher.web_url()
        );
    }
    eprintln!(
        "xtask: metrics: curl -H 'Authorization: Bearer {metrics_token}' http://{listen}/metrics"
    );
    step(
        workspace::cargo()
            .args(["run", "--quiet", "-p", "confidant", "--", "serve"])
            .env("DATABASE_URL", database_url)
            .env("CONFIDANT_LISTEN", &listen)
            .env("CONFIDANT_WEB_DIR", workspace::web_dist())
            .env("CONFIDANT_JWT_SECRET", dev_jwt_secret()?)
            .env("CONFIDANT_STORAGE_KEY", storage_key)
            .env("CONFIDANT_STORAGE", storage)
            .env("CONFIDANT_SMTP_URL", smtp_url)
            .env("CONFIDANT_METRICS_TOKEN", metrics_token),
        "starting Confidant",
    )
}

/// MailDev on loopback: SMTP on 1025, its web view on 1080 (`CONFIDANT_MAILCATCHER_SMTP_PORT`
/// and `CONFIDANT_MAILCATCHER_WEB_PORT` choose others). Stopped when dropped.
struct MailCatcher {
    child: Child,
    smtp: u16,
    web: u16,
}

impl MailCatcher {
    fn start() -> Result<Self> {
        let program = tools::ensure_mail_catcher()?;
        let port = |variable: &str, default: u16| -> Result<u16> {
            std::env::var(variable).map_or(Ok(default), |raw| {
                raw.parse()
                    .map_err(|_| format!("{variable} must be a port number, not {raw:?}"))
            })
        };
        let smtp = port("CONFIDANT_MAILCATCHER_SMTP_PORT", 1025)?;
        let web = port("CONFIDANT_MAILCATCHER_WEB_PORT", 1080)?;
        if let Some(taken) = [smtp, web].into_iter().find(|port| listening(*port)) {
            return Err(format!(
                "port {taken} on 127.0.0.1 is taken, so the mail catcher cannot start: stop \
                 what holds it, choose other ports with CONFIDANT_MAILCATCHER_SMTP_PORT and \
                 CONFIDANT_MAILCATCHER_WEB_PORT, or send email elsewhere with CONFIDANT_SMTP_URL"
            ));
        }
        eprintln!("xtask: starting the mail catcher (MailDev) on 127.0.0.1");
        let child = Command::new("node")
            .arg(&program)
            .args(["--ip", "127.0.0.1", "--web-ip", "127.0.0.1"])
            .args(["--smtp", &smtp.to_string(), "--web", &web.to_string()])
            .arg("--silent")
            .stdin(Stdio::null())
            .spawn()
            .map_err(|error| format!("could not start {}: {error}", program.display()))?;
        let mut catcher = Self { child, smtp, web };
        let deadline = Instant::now() + Duration::from_secs(30);
        while !(listening(smtp) && listening(web)) {
            if let Ok(Some(status)) = catcher.child.try_wait() {
                return Err(format!("the mail catcher stopped at once ({status})"));
            }
            if Instant::now() > deadline {
                return Err("the mail catcher did not listen within 30 s".into());
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        Ok(catcher)
    }

    fn smtp_url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.smtp)
    }

    fn web_url(&self) -> String {
        format!("http://127.0.0.1:{}", self.web)
    }
}

impl Drop for MailCatcher {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Whether something accepts connections on `port` of 127.0.0.1.
fn listening(port: u16) -> bool {
    TcpStream::connect_timeout(
        &SocketAddr::from(([127, 0, 0, 1], port)),
        Duration::from_millis(200),
    )
    .is_ok()
}

/// Seeds the demo practice into a database without practices (a new one included) and prints
/// its sign-ins; prints them again while the demo practice is there; leaves a database with
/// other practices alone. `confidant seed-demo --if-empty` decides (and migrates first), so
/// that xtask needs no database client of its own.
fn seed_demo(database_url: &str, storage: &str, storage_key: &str) -> Result {
    step(
        workspace::cargo()
            .args([
                "run",
                "--quiet",
                "-p",
                "confidant",
                "--",
                "seed-demo",
                "--if-empty",
            ])
            .env("DATABASE_URL", database_url)
            // The demo's file is stored as the server will read it.
            .env("CONFIDANT_STORAGE", storage)
            .env("CONFIDANT_STORAGE_KEY", storage_key),
        "seeding the demo practice if the database holds no practice yet",
    )
}

/// `cargo xtask stop`: stops the development PostgreSQL that `run` started, if it runs.
pub fn stop() -> Result {
    let data_dir = dev_data_dir();
    let cluster = LocalPostgres::new(&data_dir, DEV_DB_PORT).map_err(|e| e.to_string())?;
    if cluster.is_running() {
        cluster.stop().map_err(|e| e.to_string())?;
        eprintln!(
            "xtask: stopped the local PostgreSQL in {}",
            data_dir.display()
        );
    } else {
        eprintln!("xtask: the local PostgreSQL is not running");
    }
    Ok(())
}

/// Starts (creating on first use) the development cluster in `.data/postgres`.
fn start_dev_database() -> Result<String> {
    let data_dir = dev_data_dir();
    let cluster = LocalPostgres::new(&data_dir, DEV_DB_PORT).map_err(|e| e.to_string())?;
    cluster.init_if_needed().map_err(|e| e.to_string())?;
    if !cluster.is_running() {
        eprintln!(
            "xtask: starting the local PostgreSQL in {} on port {DEV_DB_PORT}",
            data_dir.display()
        );
        cluster.start().map_err(|e| e.to_string())?;
    }
    eprintln!(
        "xtask: the local PostgreSQL keeps running when Confidant stops, so the next start is \
         quick; `cargo xtask stop` stops it"
    );
    cluster
        .create_database_if_missing(DEV_DB_NAME)
        .map_err(|e| e.to_string())?;
    Ok(cluster.url(DEV_DB_NAME))
}

/// `.data/postgres` in the checkout, unless the `postgres` user (who runs the server when we
/// are root) cannot reach it there; then a folder under /var/tmp named after the checkout.
fn dev_data_dir() -> PathBuf {
    let preferred = workspace::root().join(".data/postgres");
    if LocalPostgres::can_host_data_in(&preferred) {
        return preferred;
    }
    let tag: u32 = workspace::root()
        .to_string_lossy()
        .bytes()
        .fold(2_166_136_261_u32, |hash, byte| {
            (hash ^ u32::from(byte)).wrapping_mul(16_777_619)
        });
    PathBuf::from(format!("/var/tmp/confidant-dev-{tag:08x}/postgres"))
}

/// A signing key kept in `.data/jwt-secret`, so that sign-ins survive restarts in development.
fn dev_jwt_secret() -> Result<String> {
    dev_secret("CONFIDANT_JWT_SECRET", "jwt-secret", |bytes| {
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    })
}

/// The token that opens `/metrics`, kept in `.data/metrics-token`.
fn dev_metrics_token() -> Result<String> {
    dev_secret("CONFIDANT_METRICS_TOKEN", "metrics-token", |bytes| {
        bytes.iter().take(16).map(|b| format!("{b:02x}")).collect()
    })
}

/// An attachment master key kept in `.data/storage-key`, so that files uploaded in development
/// can still be read after a restart.
fn dev_storage_key() -> Result<String> {
    dev_secret("CONFIDANT_STORAGE_KEY", "storage-key", |bytes| {
        // Base64 of 32 bytes is 43 characters and `=`; the last character carries only 4 bits,
        // so it must be one whose low two bits are zero.
        const ALPHABET: &[u8; 64] =
            b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        let mut key: String = bytes
            .iter()
            .cycle()
            .zip(0..42)
            .map(|(b, i)| ALPHABET[usize::from(b.rotate_left(i % 8)) % 64] as char)
            .collect();
        key.push(ALPHABET[usize::from(bytes[0] % 16) * 4] as char);
        key.push('=');
        key
    })
}

/// The secret in `variable` if set, else the one kept in `.data/<file>`, else a new one made
/// from 32 random bytes by `make` and kept there.
fn dev_secret(variable: &str, file: &str, make: fn(&[u8; 32]) -> String) -> Result<String> {
    if let Ok(secret) = std::env::var(variable) {
        return Ok(secret);
    }
    let path = workspace::root().join(".data").join(file);
    if let Ok(secret) = std::fs::read_to_string(&path)
        && secret.trim().len() >= 32
    {
        return Ok(secret.trim().to_owned());
    }
    let mut bytes = [0u8; 32];
    std::fs::File::open("/dev/urandom")
        .and_then(|mut file| std::io::Read::read_exact(&mut file, &mut bytes))
        .map_err(|error| format!("reading /dev/urandom for a development secret: {error}"))?;
    let secret = make(&bytes);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(|e| format!("{}: {e}", parent.display()))?;
    }
    std::fs::write(&path, &secret).map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(secret)
}
