//! Password reset links (R-RESET): made by the job that emails them, used once, valid for
//! [`crate::email::templates::PASSWORD_RESET_VALID_MINUTES`].

use chrono::{Duration, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use crate::db::schema::password_resets;
use crate::email::templates::PASSWORD_RESET_VALID_MINUTES;

/// An open link: whose password it resets.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = password_resets, check_for_backend(diesel::pg::Pg))]
pub struct PasswordReset {
    /// Its id.
    pub id: Uuid,
    /// The person's practice.
    pub practice_id: Uuid,
    /// Whose password.
    pub person_id: Uuid,
}

impl PasswordReset {
    /// Stores a new link for `person_id`, given its token's hash.
    pub async fn create(
        conn: &mut AsyncPgConnection,
        practice_id: Uuid,
        person_id: Uuid,
        token_hash: &[u8],
    ) -> QueryResult<Uuid> {
        let id = Uuid::now_v7();
        diesel::insert_into(password_resets::table)
            .values((
                password_resets::id.eq(id),
                password_resets::practice_id.eq(practice_id),
                password_resets::person_id.eq(person_id),
                password_resets::token_hash.eq(token_hash),
                password_resets::expires_at
                    .eq(Utc::now() + Duration::minutes(i64::from(PASSWORD_RESET_VALID_MINUTES))),
            ))
            .execute(conn)
            .await?;
        Ok(id)
    }

    /// The unused, unexpired link with this token hash; locked when `lock` (to use it).
    pub async fn open_by_token(
        conn: &mut AsyncPgConnection,
        token_hash: &[u8],
        lock: bool,
    ) -> QueryResult<Option<Self>> {
        let query = password_resets::table
            .filter(password_resets::token_hash.eq(token_hash))
            .filter(password_resets::used_at.is_null())
            .filter(password_resets::expires_at.gt(diesel::dsl::now))
            .select(Self::as_select());
        if lock {
            query.for_update().first(conn).await.optional()
        } else {
            query.first(conn).await.optional()
        }
    }

    /// Marks every open link of `person_id` used: one reset ends them all.
    pub async fn end_open(conn: &mut AsyncPgConnection, person_id: Uuid) -> QueryResult<()> {
        diesel::update(
            password_resets::table
                .filter(password_resets::person_id.eq(person_id))
                .filter(password_resets::used_at.is_null()),
        )
        .set(password_resets::used_at.eq(diesel::dsl::now))
        .execute(conn)
        .await
        .map(|_| ())
    }

    /// Removes links that expired more than a day ago (the daily housekeeping).
    pub async fn prune(conn: &mut AsyncPgConnection) -> QueryResult<usize> {
        diesel::delete(
            password_resets::table
                .filter(password_resets::expires_at.lt(Utc::now() - Duration::days(1))),
        )
        .execute(conn)
        .await
    }
}
