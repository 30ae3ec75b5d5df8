//! Rate-limit counters: hits per key in fixed windows, counted and read in one atomic
//! statement so that concurrent requests can never all pass a check made before any of them
//! counted.

use chrono::{DateTime, Duration, Utc};
use diesel::dsl::case_when;
use diesel::prelude::*;
use diesel::upsert::excluded;
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use crate::db::schema::{known_sign_in_addresses, rate_limits};

/// A counter after a hit.
#[derive(Debug, Clone, Queryable)]
pub struct Counter {
    /// The key counted under.
    pub key: String,
    /// Hits in the current window, this one included.
    pub hits: i32,
    /// When the window closes and counting starts afresh.
    pub window_ends_at: DateTime<Utc>,
}

/// Counts one hit under each `(key, window)` and answers every counter as it is now. A key
/// whose window has closed starts a new one with this hit. One statement: under concurrency
/// each caller sees a distinct count.
pub async fn hit(
    conn: &mut AsyncPgConnection,
    keys: &[(String, Duration)],
) -> QueryResult<Vec<Counter>> {
    let now = Utc::now();
    let rows: Vec<_> = keys
        .iter()
        .map(|(key, window)| {
            (
                rate_limits::key.eq(key),
                rate_limits::hits.eq(1),
                rate_limits::window_ends_at.eq(now + *window),
            )
        })
        .collect();
    let open = rate_limits::window_ends_at.gt(now);
    diesel::insert_into(rate_limits::table)
        .values(rows)
        .on_conflict(rate_limits::key)
        .do_update()
        .set((
            rate_limits::hits.eq(case_when(open, rate_limits::hits + 1).otherwise(1)),
            rate_limits::window_ends_at.eq(case_when(open, rate_limits::window_ends_at)
                .otherwise(excluded(rate_limits::window_ends_at))),
        ))
        .returning((
            rate_limits::key,
            rate_limits::hits,
            rate_limits::window_ends_at,
        ))
        .get_results(conn)
        .await
}

/// Takes one hit back from each key (an attempt that turned out not to count).
pub async fn refund(conn: &mut AsyncPgConnection, keys: &[String]) -> QueryResult<()> {
    diesel::update(
        rate_limits::table
            .filter(rate_limits::key.eq_any(keys))
            .filter(rate_limits::hits.gt(0)),
    )
    .set(rate_limits::hits.eq(rate_limits::hits - 1))
    .execute(conn)
    .await
    .map(|_| ())
}

/// Forgets a key's hits.
pub async fn clear(conn: &mut AsyncPgConnection, key: &str) -> QueryResult<()> {
    diesel::delete(rate_limits::table.find(key))
        .execute(conn)
        .await
        .map(|_| ())
}

/// Removes counters whose window closed before `before`; answers how many.
pub async fn prune(conn: &mut AsyncPgConnection, before: DateTime<Utc>) -> QueryResult<usize> {
    diesel::delete(rate_limits::table.filter(rate_limits::window_ends_at.lt(before)))
        .execute(conn)
        .await
}

/// Whether a sign-in succeeded under this (account, address) key before.
pub async fn is_known_address(conn: &mut AsyncPgConnection, key: &str) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        known_sign_in_addresses::table.find(key),
    ))
    .get_result(conn)
    .await
}

/// Remembers a successful sign-in under this (account, address) key.
pub async fn remember_address(conn: &mut AsyncPgConnection, key: &str) -> QueryResult<()> {
    diesel::insert_into(known_sign_in_addresses::table)
        .values(known_sign_in_addresses::key.eq(key))
        .on_conflict(known_sign_in_addresses::key)
        .do_update()
        .set(known_sign_in_addresses::last_success_at.eq(diesel::dsl::now))
        .execute(conn)
        .await
        .map(|_| ())
}

/// Forgets addresses not used for a sign-in since `before`; answers how many.
pub async fn prune_addresses(
    conn: &mut AsyncPgConnection,
    before: DateTime<Utc>,
) -> QueryResult<usize> {
    diesel::delete(
        known_sign_in_addresses::table.filter(known_sign_in_addresses::last_success_at.lt(before)),
    )
    .execute(conn)
    .await
}
