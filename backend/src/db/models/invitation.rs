//! Invitations: one-time, expiring links to set a password.

use chrono::{DateTime, Duration, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use crate::db::schema::{invitations, people, practices};

/// How long an invitation link works.
pub const VALID_DAYS: i64 = 7;

/// An invitation row.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = invitations, check_for_backend(diesel::pg::Pg))]
pub struct Invitation {
    /// Its id.
    pub id: Uuid,
    /// The practice.
    pub practice_id: Uuid,
    /// Who is invited.
    pub person_id: Uuid,
    /// When the link stops working.
    pub expires_at: DateTime<Utc>,
    /// When it was used (or superseded).
    pub used_at: Option<DateTime<Utc>>,
}

impl Invitation {
    /// Creates an invitation for `person_id`, ending any earlier unused one (only the newest
    /// link works). Its token is minted later, by the job that emails it.
    pub async fn issue(
        conn: &mut AsyncPgConnection,
        practice_id: Uuid,
        person_id: Uuid,
        invited_by: Uuid,
    ) -> QueryResult<Self> {
        Self::end_open(conn, person_id).await?;
        diesel::insert_into(invitations::table)
            .values((
                invitations::id.eq(Uuid::now_v7()),
                invitations::practice_id.eq(practice_id),
                invitations::person_id.eq(person_id),
                invitations::invited_by.eq(invited_by),
                invitations::expires_at.eq(Utc::now() + Duration::days(VALID_DAYS)),
            ))
            .returning(Self::as_returning())
            .get_result(conn)
            .await
    }

    /// The open invitation (unused; at most one each) of each of `person_ids`: who, when it
    /// was sent, when it expires.
    pub async fn open_of(
        conn: &mut AsyncPgConnection,
        person_ids: &[Uuid],
    ) -> QueryResult<Vec<(Uuid, DateTime<Utc>, DateTime<Utc>)>> {
        invitations::table
            .filter(invitations::person_id.eq_any(person_ids))
            .filter(invitations::used_at.is_null())
            .select((
                invitations::person_id,
                invitations::created_at,
                invitations::expires_at,
            ))
            .load(conn)
            .await
    }

    /// Marks every unused invitation of the person as used.
    pub async fn end_open(conn: &mut AsyncPgConnection, person_id: Uuid) -> QueryResult<()> {
        diesel::update(
            invitations::table
                .filter(invitations::person_id.eq(person_id))
                .filter(invitations::used_at.is_null()),
        )
        .set(invitations::used_at.eq(diesel::dsl::now))
        .execute(conn)
        .await
        .map(|_| ())
    }

    /// Stores the hash of a freshly minted token on an open invitation; false when the
    /// invitation is used, superseded or expired meanwhile.
    pub async fn set_token(
        conn: &mut AsyncPgConnection,
        id: Uuid,
        token_hash: &[u8],
    ) -> QueryResult<bool> {
        diesel::update(
            invitations::table
                .filter(invitations::id.eq(id))
                .filter(invitations::used_at.is_null())
                .filter(invitations::expires_at.gt(diesel::dsl::now)),
        )
        .set(invitations::token_hash.eq(token_hash))
        .execute(conn)
        .await
        .map(|rows| rows == 1)
    }

    /// The open, unexpired invitation with this token hash, locked for the caller's
    /// transaction.
    pub async fn open_by_token(
        conn: &mut AsyncPgConnection,
        token_hash: &[u8],
    ) -> QueryResult<Option<Self>> {
        invitations::table
            .filter(invitations::token_hash.eq(token_hash))
            .filter(invitations::used_at.is_null())
            .filter(invitations::expires_at.gt(diesel::dsl::now))
            .select(Self::as_select())
            .for_update()
            .first(conn)
            .await
            .optional()
    }

    /// For emailing: the invitee's email and the practice's name, if the invitation is open.
    pub async fn delivery(
        conn: &mut AsyncPgConnection,
        id: Uuid,
    ) -> QueryResult<Option<(String, String)>> {
        invitations::table
            .inner_join(people::table.on(people::id.eq(invitations::person_id)))
            .inner_join(practices::table.on(practices::id.eq(invitations::practice_id)))
            .filter(invitations::id.eq(id))
            .filter(invitations::used_at.is_null())
            .filter(invitations::expires_at.gt(diesel::dsl::now))
            .select((people::email, practices::name))
            .first(conn)
            .await
            .optional()
    }
}
