//! What every request handler can reach: the database pool, the settings, the token keys,
//! the attachment store, the live streams.

use std::sync::Arc;

use crate::attachments::FileStore;
use crate::auth::tokens::TokenKeys;
use crate::config::Config;
use crate::db::thread_pools::ThreadPools;
use crate::db::watch::DbWatch;
use crate::db::{DbConn, DbPool};
use crate::error::ApiError;
use crate::events::EventHub;

/// Shared application state, cheap to clone.
#[derive(Clone)]
pub struct AppState {
    /// The PostgreSQL pool: in a request, its worker thread's own (see
    /// [`crate::db::thread_pools`]); elsewhere the process's first.
    pub pool: DbPool,
    /// Every pool of the process, for the metrics.
    pub pools: ThreadPools,
    /// Whether the database answers (this instance's probe).
    pub db_watch: DbWatch,
    /// The settings the server was started with.
    pub config: Arc<Config>,
    /// Issues and verifies access tokens.
    pub tokens: TokenKeys,
    /// Attachment files.
    pub files: FileStore,
    /// This instance's live streams.
    pub events: EventHub,
}

impl AppState {
    /// This state for an HTTP worker thread: with a pool of `size` connections of its own.
    pub fn for_worker_thread(&self, size: usize) -> Self {
        let mut state = self.clone();
        if let Some(pool) = self.pools.for_this_thread(&self.config, size) {
            state.pool = pool;
        }
        state
    }

    /// A connection from the pool, or 503 when the database does not answer in time (the
    /// pool's own deadlines apply to each step; this bounds them all together), at once while
    /// the probe finds it down.
    pub async fn conn(&self) -> Result<DbConn, ApiError> {
        let unavailable = |error: &(dyn std::error::Error + 'static)| {
            ApiError::database_unavailable("borrowing a connection", error)
        };
        if self.db_watch.is_down() {
            return Err(unavailable(&std::io::Error::new(
                std::io::ErrorKind::NotConnected,
                "the database's probe goes unanswered",
            )));
        }
        match tokio::time::timeout(crate::db::CHECKOUT_DEADLINE, self.pool.get()).await {
            Ok(Ok(conn)) => Ok(conn),
            Ok(Err(error)) => Err(unavailable(&error)),
            Err(_) => Err(unavailable(&std::io::Error::new(
                std::io::ErrorKind::TimedOut,
                "no connection within the checkout deadline",
            ))),
        }
    }
}
