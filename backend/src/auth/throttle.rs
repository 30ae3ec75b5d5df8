//! Throttling failed sign-ins, per account and per network address, so that passwords cannot
//! be guessed at speed. The account key is a hash of the email: the table holds no addresses.

use chrono::{Duration, Utc};
use diesel::QueryResult;
use diesel_async::AsyncPgConnection;

use crate::auth::refresh::email_key;
use crate::db::models::sign_in_failure::SignInFailures;

/// The window failures are counted in.
pub const WINDOW_MINUTES: i64 = 15;
/// Failed sign-ins allowed per account in a window.
pub const ACCOUNT_LIMIT: i32 = 5;
/// Failed sign-ins allowed per network address in a window (several people may share one).
pub const ADDRESS_LIMIT: i32 = 20;

/// The two counters a sign-in attempt touches.
pub struct ThrottleKeys {
    account: String,
    address: String,
}

impl ThrottleKeys {
    /// Keys for `email` from `address` (the peer address, never a forwarded header a client
    /// could forge).
    pub fn new(email: &str, address: &str) -> Self {
        Self {
            account: format!("account:{}", email_key(email)),
            address: format!("address:{address}"),
        }
    }
}

fn window() -> Duration {
    Duration::minutes(WINDOW_MINUTES)
}

/// `Some(seconds to wait)` when either counter is at its limit.
pub async fn blocked_for(
    conn: &mut AsyncPgConnection,
    keys: &ThrottleKeys,
) -> QueryResult<Option<u64>> {
    let mut wait = None;
    for (key, limit) in [
        (&keys.account, ACCOUNT_LIMIT),
        (&keys.address, ADDRESS_LIMIT),
    ] {
        if let Some(row) = SignInFailures::current(conn, key, window()).await?
            && row.failures >= limit
        {
            let left = (row.window_started_at + window() - Utc::now())
                .num_seconds()
                .max(1) as u64;
            wait = Some(wait.map_or(left, |w: u64| w.max(left)));
        }
    }
    Ok(wait)
}

/// Counts a failed attempt against both keys.
pub async fn record_failure(conn: &mut AsyncPgConnection, keys: &ThrottleKeys) -> QueryResult<()> {
    SignInFailures::record(conn, &keys.account, window()).await?;
    SignInFailures::record(conn, &keys.address, window()).await
}

/// A successful sign-in forgets the account's failures (not the address's).
pub async fn record_success(conn: &mut AsyncPgConnection, keys: &ThrottleKeys) -> QueryResult<()> {
    SignInFailures::clear(conn, &keys.account).await
}
