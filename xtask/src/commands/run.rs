//! `cargo xtask run`: Confidant on http://127.0.0.1:8080 from a fresh clone, with a demo
//! practice to sign in to when the database holds no practice yet.

use std::path::PathBuf;

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
    seed_demo(&database_url)?;
    let listen = std::env::var("CONFIDANT_LISTEN").unwrap_or_else(|_| "127.0.0.1:8080".into());
    eprintln!("xtask: Confidant will be at http://{listen} (API docs at http://{listen}/docs)");
    step(
        workspace::cargo()
            .args(["run", "--quiet", "-p", "confidant", "--", "serve"])
            .env("DATABASE_URL", database_url)
            .env("CONFIDANT_LISTEN", &listen)
            .env("CONFIDANT_WEB_DIR", workspace::web_dist())
            .env("CONFIDANT_JWT_SECRET", dev_jwt_secret()?)
            .env("CONFIDANT_STORAGE_KEY", dev_storage_key()?)
            .env(
                "CONFIDANT_STORAGE",
                std::env::var("CONFIDANT_STORAGE").unwrap_or_else(|_| {
                    workspace::root()
                        .join(".data/storage")
                        .display()
                        .to_string()
                }),
            ),
        "starting Confidant",
    )
}

/// Seeds the demo practice into a database without practices (a new one included) and prints
/// its sign-ins; prints them again while the demo practice is there; leaves a database with
/// other practices alone. `confidant seed-demo --if-empty` decides (and migrates first), so
/// that xtask needs no database client of its own.
fn seed_demo(database_url: &str) -> Result {
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
            .env("DATABASE_URL", database_url),
        "seeding the demo practice if the database holds no practice yet",
    )
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
