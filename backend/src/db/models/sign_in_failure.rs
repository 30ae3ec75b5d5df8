//! Counting failed sign-ins per account and per address, in fixed windows.

use chrono::{DateTime, Duration, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use crate::db::schema::sign_in_failures;

/// Failures so far under one key.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = sign_in_failures, check_for_backend(diesel::pg::Pg))]
pub struct SignInFailures {
    /// `account:<hash>` or `address:<ip>`.
    pub key: String,
    /// Failures in the current window.
    pub failures: i32,
    /// When the window began.
    pub window_started_at: DateTime<Utc>,
}

impl SignInFailures {
    /// The current count under `key`, if its window is still open.
    pub async fn current(
        conn: &mut AsyncPgConnection,
        key: &str,
        window: Duration,
    ) -> QueryResult<Option<Self>> {
        let found: Option<Self> = sign_in_failures::table
            .find(key)
            .select(Self::as_select())
            .first(conn)
            .await
            .optional()?;
        Ok(found.filter(|row| row.window_started_at + window > Utc::now()))
    }

    /// Adds a failure under `key`, starting a new window when the last one has closed.
    pub async fn record(
        conn: &mut AsyncPgConnection,
        key: &str,
        window: Duration,
    ) -> QueryResult<()> {
        let window_seconds = window.num_seconds();
        diesel::sql_query(
            "INSERT INTO sign_in_failures (key, failures, window_started_at) VALUES ($1, 1, now()) \
             ON CONFLICT (key) DO UPDATE SET \
               failures = CASE WHEN sign_in_failures.window_started_at + make_interval(secs => $2) > now() \
                               THEN sign_in_failures.failures + 1 ELSE 1 END, \
               window_started_at = CASE WHEN sign_in_failures.window_started_at + make_interval(secs => $2) > now() \
                               THEN sign_in_failures.window_started_at ELSE now() END",
        )
        .bind::<diesel::sql_types::Text, _>(key)
        .bind::<diesel::sql_types::Double, _>(window_seconds as f64)
        .execute(conn)
        .await
        .map(|_| ())
    }

    /// Forgets the failures under `key` (after a successful sign-in).
    pub async fn clear(conn: &mut AsyncPgConnection, key: &str) -> QueryResult<()> {
        diesel::delete(sign_in_failures::table.find(key))
            .execute(conn)
            .await
            .map(|_| ())
    }
}
