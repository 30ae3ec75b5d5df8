//! The second step of a sign-in with MFA: the password was right, a code is due. The token
//! the client holds is stored as a hash; a challenge lasts five minutes, allows
//! [`MAX_WRONG_CODES`] wrong codes, and is spent by the right one.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use crate::db::schema::mfa_challenges;

/// How long a challenge waits for its code.
pub const CHALLENGE_MINUTES: i64 = 5;
/// Wrong codes one challenge allows; then the password must be given again.
pub const MAX_WRONG_CODES: i32 = 5;

/// An open challenge.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = mfa_challenges, check_for_backend(diesel::pg::Pg))]
pub struct MfaChallenge {
    /// Its id.
    pub id: Uuid,
    /// Who is signing in.
    pub person_id: Uuid,
    /// Wrong codes so far.
    pub wrong_codes: i32,
    /// When it stops working.
    pub expires_at: DateTime<Utc>,
}

impl MfaChallenge {
    /// Opens a challenge for `person_id` under `token_hash`.
    pub async fn issue(
        conn: &mut AsyncPgConnection,
        person_id: Uuid,
        token_hash: &[u8],
    ) -> QueryResult<Self> {
        diesel::insert_into(mfa_challenges::table)
            .values((
                mfa_challenges::id.eq(Uuid::now_v7()),
                mfa_challenges::person_id.eq(person_id),
                mfa_challenges::token_hash.eq(token_hash),
                mfa_challenges::expires_at
                    .eq(Utc::now() + chrono::Duration::minutes(CHALLENGE_MINUTES)),
            ))
            .returning(Self::as_returning())
            .get_result(conn)
            .await
    }

    /// The open challenge with this token, locked until the caller's transaction ends.
    pub async fn open_by_token(
        conn: &mut AsyncPgConnection,
        token_hash: &[u8],
    ) -> QueryResult<Option<Self>> {
        mfa_challenges::table
            .filter(mfa_challenges::token_hash.eq(token_hash))
            .filter(mfa_challenges::used_at.is_null())
            .filter(mfa_challenges::expires_at.gt(diesel::dsl::now))
            .filter(mfa_challenges::wrong_codes.lt(MAX_WRONG_CODES))
            .select(Self::as_select())
            .for_update()
            .first(conn)
            .await
            .optional()
    }

    /// Counts a wrong code.
    pub async fn count_wrong(conn: &mut AsyncPgConnection, id: Uuid) -> QueryResult<()> {
        diesel::update(mfa_challenges::table.find(id))
            .set(mfa_challenges::wrong_codes.eq(mfa_challenges::wrong_codes + 1))
            .execute(conn)
            .await
            .map(|_| ())
    }

    /// Spends the challenge (the right code came).
    pub async fn spend(conn: &mut AsyncPgConnection, id: Uuid) -> QueryResult<()> {
        diesel::update(mfa_challenges::table.find(id))
            .set(mfa_challenges::used_at.eq(diesel::dsl::now))
            .execute(conn)
            .await
            .map(|_| ())
    }

    /// Deletes challenges that ended more than a day ago (daily maintenance).
    pub async fn prune(conn: &mut AsyncPgConnection) -> QueryResult<usize> {
        diesel::delete(
            mfa_challenges::table
                .filter(mfa_challenges::expires_at.lt(Utc::now() - chrono::Duration::days(1))),
        )
        .execute(conn)
        .await
    }
}
