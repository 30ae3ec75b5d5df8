//! What every request handler can reach: the database pool and the settings.

use std::sync::Arc;

use crate::config::Config;
use crate::db::DbPool;

/// Shared application state, cheap to clone.
#[derive(Clone)]
pub struct AppState {
    /// The PostgreSQL pool.
    pub pool: DbPool,
    /// The settings the server was started with.
    pub config: Arc<Config>,
}
