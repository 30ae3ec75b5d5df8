//! The PostgreSQL connection pool, the embedded migrations, the schema and the row types.

pub mod models;
pub mod schema;

use std::time::Duration;

use diesel::Connection;
use diesel_async::AsyncPgConnection;
use diesel_async::RunQueryDsl;
use diesel_async::async_connection_wrapper::AsyncConnectionWrapper;
use diesel_async::pooled_connection::AsyncDieselConnectionManager;
use diesel_async::pooled_connection::deadpool::{Object, Pool};
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

use crate::config::DatabaseUrl;

/// The migrations in `backend/migrations`, compiled into the binary.
pub const MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations");

/// A pool of async PostgreSQL connections.
pub type DbPool = Pool<AsyncPgConnection>;
/// One connection borrowed from the pool.
pub type DbConn = Object<AsyncPgConnection>;

/// How long a request waits for a connection (or the pool for a new one) before giving up.
const POOL_TIMEOUT: Duration = Duration::from_secs(5);

/// Any key, as long as every Confidant process uses the same one: it makes concurrent
/// start-ups run migrations one after the other.
const MIGRATION_LOCK_KEY: i64 = 0x00C0_F1DA_u32 as i64;

/// The database could not be reached or migrated.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    /// No connection could be made.
    #[error("cannot connect to the database at {url}: {reason}")]
    Connect { url: String, reason: String },
    /// A migration failed.
    #[error("migrating the database at {url} failed: {reason}")]
    Migrate { url: String, reason: String },
    /// The pool could not be built.
    #[error("cannot set up the database pool: {0}")]
    Pool(String),
}

/// Builds the pool. Connections are opened lazily; call [`check`] to fail fast.
pub fn pool(url: &DatabaseUrl, size: usize) -> Result<DbPool, DbError> {
    let manager = AsyncDieselConnectionManager::<AsyncPgConnection>::new(url.expose());
    Pool::builder(manager)
        .max_size(size)
        .wait_timeout(Some(POOL_TIMEOUT))
        .create_timeout(Some(POOL_TIMEOUT))
        .recycle_timeout(Some(POOL_TIMEOUT))
        .runtime(deadpool::Runtime::Tokio1)
        .build()
        .map_err(|error| DbError::Pool(error.to_string()))
}

/// Borrows a connection and runs `SELECT 1`: true when the database answers.
pub async fn is_reachable(pool: &DbPool) -> bool {
    match pool.get().await {
        Ok(mut conn) => diesel::sql_query("SELECT 1")
            .execute(&mut conn)
            .await
            .is_ok(),
        Err(_) => false,
    }
}

/// Fails with a one-line reason when the database does not answer.
pub async fn check(pool: &DbPool, url: &DatabaseUrl) -> Result<(), DbError> {
    let mut conn = pool.get().await.map_err(|error| DbError::Connect {
        url: url.redacted(),
        reason: one_line(&error.to_string()),
    })?;
    diesel::sql_query("SELECT 1")
        .execute(&mut conn)
        .await
        .map_err(|error| DbError::Connect {
            url: url.redacted(),
            reason: one_line(&error.to_string()),
        })?;
    Ok(())
}

/// Applies every pending migration, holding an advisory lock so that two servers starting at
/// once do not race.
pub async fn run_migrations(url: &DatabaseUrl) -> Result<(), DbError> {
    let url = url.clone();
    // diesel_migrations is synchronous; the wrapper drives the async connection on its own
    // runtime, so it runs on a blocking thread (this also works under any tokio flavour).
    tokio::task::spawn_blocking(move || {
        let migrate_error = |reason: String| DbError::Migrate {
            url: url.redacted(),
            reason: one_line(&reason),
        };
        let mut conn = AsyncConnectionWrapper::<AsyncPgConnection>::establish(url.expose())
            .map_err(|error| DbError::Connect {
                url: url.redacted(),
                reason: one_line(&error.to_string()),
            })?;
        let lock = format!("SELECT pg_advisory_lock({MIGRATION_LOCK_KEY})");
        diesel::RunQueryDsl::execute(diesel::sql_query(lock), &mut conn)
            .map_err(|error| migrate_error(error.to_string()))?;
        let result = conn
            .run_pending_migrations(MIGRATIONS)
            .map(|_| ())
            .map_err(|error| migrate_error(error.to_string()));
        let unlock = format!("SELECT pg_advisory_unlock({MIGRATION_LOCK_KEY})");
        // The lock also ends with the connection, so a failed unlock changes nothing.
        let _unlocked = diesel::RunQueryDsl::execute(diesel::sql_query(unlock), &mut conn);
        result
    })
    .await
    .map_err(|error| DbError::Pool(error.to_string()))?
}

/// Error texts from the driver can span lines; the command line promises one.
fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}
