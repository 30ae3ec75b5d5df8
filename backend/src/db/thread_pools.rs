//! A pool of its own for each HTTP worker thread.
//!
//! actix-web runs each worker on a single-threaded runtime, and a pooled connection's driver
//! (the task that reads and writes its socket) runs on the runtime that opened it. With one
//! pool for the process, a request on one worker often borrows a connection opened by
//! another worker or by the background runtime: each statement then wakes that other thread
//! to write the query and again to hand back the rows — two thread switches per round trip,
//! which on two cores cost more than PostgreSQL's own work (`cargo xtask bench send`, 2
//! connections, medians of 3–5 runs: the inbox page went from 1,404 to 2,324 requests per
//! second, a reply from 684 to 1,218 and the badge from 3,020 to 5,020 with a pool per worker).
//! So each worker thread opens, drives and uses only its own connections; background work
//! keeps the process's first pool.
//!
//! [`ThreadPools`] remembers every pool made, so that the metrics count them all. It holds
//! them weakly: a worker that actix restarts drops its pool and its connections with it.

use std::sync::{Arc, Mutex, PoisonError};

use deadpool::managed::WeakPool;
use diesel_async::AsyncPgConnection;
use diesel_async::pooled_connection::AsyncDieselConnectionManager;

use crate::config::Config;
use crate::db::{self, DbPool};

type Weak = WeakPool<AsyncDieselConnectionManager<AsyncPgConnection>>;

/// The process's pools: the first one (background work) and one per HTTP worker thread.
#[derive(Clone)]
pub struct ThreadPools {
    all: Arc<Mutex<Vec<Weak>>>,
}

impl ThreadPools {
    /// Starts with the process's first pool.
    pub fn new(first: &DbPool) -> Self {
        Self {
            all: Arc::new(Mutex::new(vec![first.weak()])),
        }
    }

    /// A new pool of `size` connections for the calling thread (opened lazily, by that
    /// thread's requests), or `None` without a database address to open it with.
    pub fn for_this_thread(&self, config: &Config, size: usize) -> Option<DbPool> {
        let url = config.database_url.as_ref()?;
        match db::pool_with(url, size, config.db_statement_timeout) {
            Ok(pool) => {
                self.all
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .push(pool.weak());
                Some(pool)
            }
            Err(error) => {
                tracing::warn!(%error, "a worker thread shares the process's pool");
                None
            }
        }
    }

    /// All pools' connections and waiters, added up.
    pub fn status(&self) -> deadpool::Status {
        let mut all = self.all.lock().unwrap_or_else(PoisonError::into_inner);
        all.retain(|pool| pool.upgrade().is_some());
        all.iter()
            .filter_map(Weak::upgrade)
            .map(|pool| pool.status())
            .fold(
                deadpool::Status {
                    max_size: 0,
                    size: 0,
                    available: 0,
                    waiting: 0,
                },
                |sum, one| deadpool::Status {
                    max_size: sum.max_size + one.max_size,
                    size: sum.size + one.size,
                    available: sum.available + one.available,
                    waiting: sum.waiting + one.waiting,
                },
            )
    }
}

/// How many connections each of `threads` HTTP worker threads may open: the configured pool
/// size shared out, at least one each.
pub fn per_thread(pool_size: usize, threads: usize) -> usize {
    pool_size.div_ceil(threads.max(1)).max(1)
}

#[cfg(test)]
mod tests {
    use super::per_thread;

    #[test]
    fn the_pool_size_is_shared_out_and_never_leaves_a_thread_without() {
        assert_eq!(per_thread(10, 2), 5);
        assert_eq!(per_thread(5, 2), 3);
        assert_eq!(per_thread(1, 4), 1);
        assert_eq!(per_thread(32, 1), 32);
        assert_eq!(per_thread(3, 0), 3);
    }
}
