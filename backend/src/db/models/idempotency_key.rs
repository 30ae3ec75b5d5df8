//! Remembered answers to creating POSTs sent with an `Idempotency-Key` (R-IDEMPOTENT).

use chrono::Utc;
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use crate::db::schema::idempotency_keys;

/// How long a key is remembered.
pub const KEEP_HOURS: i64 = 24;

/// A remembered key.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = idempotency_keys, check_for_backend(diesel::pg::Pg))]
pub struct IdempotencyKey {
    /// The request it was first used with.
    pub request_hash: Vec<u8>,
    /// The first answer's status; `None` while it is being worked on.
    pub status_code: Option<i32>,
    /// Its content type.
    pub content_type: Option<String>,
    /// Its body.
    pub body: Option<Vec<u8>>,
}

impl IdempotencyKey {
    /// Claims `key` for `person_id`'s request: true when this request is the first (a key
    /// older than a day counts as new); false when the key is taken.
    pub async fn claim(
        conn: &mut AsyncPgConnection,
        person_id: Uuid,
        key: &str,
        request_hash: &[u8],
    ) -> QueryResult<bool> {
        diesel::delete(
            idempotency_keys::table
                .filter(idempotency_keys::person_id.eq(person_id))
                .filter(idempotency_keys::key.eq(key))
                .filter(
                    idempotency_keys::created_at
                        .lt(Utc::now() - chrono::Duration::hours(KEEP_HOURS)),
                ),
        )
        .execute(conn)
        .await?;
        let rows = diesel::insert_into(idempotency_keys::table)
            .values((
                idempotency_keys::person_id.eq(person_id),
                idempotency_keys::key.eq(key),
                idempotency_keys::request_hash.eq(request_hash),
            ))
            .on_conflict_do_nothing()
            .execute(conn)
            .await?;
        Ok(rows == 1)
    }

    /// What is remembered for `key`.
    pub async fn find(
        conn: &mut AsyncPgConnection,
        person_id: Uuid,
        key: &str,
    ) -> QueryResult<Option<Self>> {
        idempotency_keys::table
            .filter(idempotency_keys::person_id.eq(person_id))
            .filter(idempotency_keys::key.eq(key))
            .select(Self::as_select())
            .first(conn)
            .await
            .optional()
    }

    /// Keeps the first answer.
    pub async fn complete(
        conn: &mut AsyncPgConnection,
        person_id: Uuid,
        key: &str,
        status: u16,
        content_type: Option<&str>,
        body: &[u8],
    ) -> QueryResult<()> {
        diesel::update(
            idempotency_keys::table
                .filter(idempotency_keys::person_id.eq(person_id))
                .filter(idempotency_keys::key.eq(key)),
        )
        .set((
            idempotency_keys::status_code.eq(i32::from(status)),
            idempotency_keys::content_type.eq(content_type),
            idempotency_keys::body.eq(body),
        ))
        .execute(conn)
        .await
        .map(|_| ())
    }

    /// Forgets `key` (its request failed in a way worth retrying).
    pub async fn release(
        conn: &mut AsyncPgConnection,
        person_id: Uuid,
        key: &str,
    ) -> QueryResult<()> {
        diesel::delete(
            idempotency_keys::table
                .filter(idempotency_keys::person_id.eq(person_id))
                .filter(idempotency_keys::key.eq(key)),
        )
        .execute(conn)
        .await
        .map(|_| ())
    }

    /// Deletes keys older than a day (daily maintenance).
    pub async fn prune(conn: &mut AsyncPgConnection) -> QueryResult<usize> {
        diesel::delete(idempotency_keys::table.filter(
            idempotency_keys::created_at.lt(Utc::now() - chrono::Duration::hours(KEEP_HOURS)),
        ))
        .execute(conn)
        .await
    }
}
