//! The PostgreSQL connection pool, the embedded migrations, the schema and the row types.

pub mod models;
pub mod prepared;
pub mod schema;
pub mod thread_pools;
pub mod watch;

use std::time::Duration;

use diesel::Connection;
use diesel_async::AsyncPgConnection;
use diesel_async::RunQueryDsl;
use diesel_async::async_connection_wrapper::AsyncConnectionWrapper;
use diesel_async::pooled_connection::deadpool::{Object, Pool};
use diesel_async::pooled_connection::{
    AsyncDieselConnectionManager, ManagerConfig, RecyclingMethod,
};
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

use crate::config::DatabaseUrl;

/// The migrations in `backend/migrations`, compiled into the binary.
pub const MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations");

/// A pool of async PostgreSQL connections.
pub type DbPool = Pool<AsyncPgConnection>;
/// One connection borrowed from the pool.
pub type DbConn = Object<AsyncPgConnection>;

/// How long a new connection may take to be made, TCP handshake to ready (the server may
/// accept the connection and then say nothing, when it hangs).
const CONNECT_TIMEOUT: Duration = Duration::from_secs(3);
/// How long readying an idle connection for reuse may take.
const RECYCLE_TIMEOUT: Duration = Duration::from_secs(1);
/// How long a caller waits for a free connection.
const WAIT_TIMEOUT: Duration = Duration::from_secs(3);
/// How long borrowing a connection may take in all, checks of idle ones and making a new one
/// included.
pub const CHECKOUT_DEADLINE: Duration = Duration::from_secs(4);
/// TCP keepalive: a connection whose peer vanished (host down, network cut) is noticed after
/// about `idle + interval × retries`.
const KEEPALIVE_IDLE: Duration = Duration::from_secs(30);
const KEEPALIVE_INTERVAL: Duration = Duration::from_secs(10);
const KEEPALIVE_RETRIES: u32 = 3;
/// How long a statement may run before PostgreSQL cancels it, unless configured otherwise.
pub const DEFAULT_STATEMENT_TIMEOUT: Duration = Duration::from_secs(10);

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

/// Builds the pool with the default statement timeout. Connections are opened lazily; call
/// [`check`] to fail fast.
pub fn pool(url: &DatabaseUrl, size: usize) -> Result<DbPool, DbError> {
    pool_with(url, size, DEFAULT_STATEMENT_TIMEOUT)
}

/// Builds the pool. Every wait has a deadline: making a connection ([`CONNECT_TIMEOUT`]),
/// readying an idle one ([`RECYCLE_TIMEOUT`]), waiting for a free one ([`WAIT_TIMEOUT`]), and
/// each statement (`statement_timeout`, enforced by PostgreSQL). TCP keepalive finds
/// connections whose peer vanished. (A database that is frozen rather than gone answers
/// nothing at all: the probe of [`watch`] notices, and [`crate::deadline`] bounds the rest.)
pub fn pool_with(
    url: &DatabaseUrl,
    size: usize,
    statement_timeout: Duration,
) -> Result<DbPool, DbError> {
    let mut config = ManagerConfig::default();
    // No `SELECT 1` when a connection is borrowed (it was a round trip on each of them): a
    // database that stops answering is noticed by the instance's probe instead
    // ([`watch::DbWatch`]), which refuses new borrows and cuts waiting requests short.
    // Connections left broken (a transaction cut short) are still discarded on return.
    config.recycling_method = RecyclingMethod::Fast;
    config.custom_setup = Box::new(move |url| Box::pin(connect(url.to_owned(), statement_timeout)));
    let manager =
        AsyncDieselConnectionManager::<AsyncPgConnection>::new_with_config(url.expose(), config);
    Pool::builder(manager)
        .max_size(size)
        // The connection used last is used next: its prepared statements, and the plans
        // PostgreSQL settled on for them after their first runs, are warm. First in, first out
        // handed each request the connection idle longest, so a quiet server spread its
        // requests over the whole pool and each connection stayed in its first runs.
        .queue_mode(deadpool::managed::QueueMode::Lifo)
        .wait_timeout(Some(WAIT_TIMEOUT))
        .create_timeout(Some(CONNECT_TIMEOUT))
        .recycle_timeout(Some(RECYCLE_TIMEOUT))
        .runtime(deadpool::Runtime::Tokio1)
        .build()
        .map_err(|error| DbError::Pool(error.to_string()))
}

/// Opens one connection with the deadlines and keepalive above, and the statement timeout
/// set for the whole session.
async fn connect(
    url: String,
    statement_timeout: Duration,
) -> diesel::ConnectionResult<AsyncPgConnection> {
    let (client, connection) = client_config(&url, statement_timeout)
        .map_err(|_| diesel::ConnectionError::InvalidConnectionUrl("not a PostgreSQL URL".into()))?
        .connect(tokio_postgres::NoTls)
        .await
        .map_err(|error| diesel::ConnectionError::BadConnection(error.to_string()))?;
    AsyncPgConnection::try_from_client_and_connection(client, connection).await
}

/// The driver's settings for `url` with this module's deadlines, keepalive and statement
/// timeout: pooled connections and the event listener's own connection are made alike.
///
/// Without JIT compilation (`jit=off`): PostgreSQL compiles a plan whose estimate passes
/// `jit_above_cost`, and a generic plan's estimate can pass it for a statement that reads a
/// page. A search's generic plan spent 83 ms compiling 207 functions to run 1 ms of work
/// (0.7–1 s on a busy 2-core machine). Every statement here reads or writes a page's worth:
/// compiling one never pays.
pub fn client_config(
    url: &str,
    statement_timeout: Duration,
) -> Result<tokio_postgres::Config, tokio_postgres::Error> {
    let mut settings: tokio_postgres::Config = url.parse()?;
    let options = settings.get_options().unwrap_or_default().to_owned();
    settings
        .connect_timeout(CONNECT_TIMEOUT)
        .keepalives(true)
        .keepalives_idle(KEEPALIVE_IDLE)
        .keepalives_interval(KEEPALIVE_INTERVAL)
        .keepalives_retries(KEEPALIVE_RETRIES)
        .options(format!(
            "{options} -c statement_timeout={} -c jit=off",
            statement_timeout.as_millis()
        ));
    Ok(settings)
}

/// Borrows a connection and runs `SELECT 1` within `deadline`: true when the database
/// answers in time.
pub async fn is_reachable(pool: &DbPool, deadline: Duration) -> bool {
    let check = async {
        match pool.get().await {
            Ok(mut conn) => diesel::sql_query("SELECT 1")
                .execute(&mut conn)
                .await
                .is_ok(),
            Err(_) => false,
        }
    };
    tokio::time::timeout(deadline, check).await.unwrap_or(false)
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
