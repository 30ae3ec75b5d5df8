//! A person's TOTP authenticator and recovery codes (R-MFA). The secret is stored sealed
//! (see [`crate::encryption::seal_secret`]); recovery codes only as keyed hashes.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use crate::db::schema::{totp_authenticators, totp_recovery_codes};

/// An authenticator row.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = totp_authenticators, check_for_backend(diesel::pg::Pg))]
pub struct TotpAuthenticator {
    /// Whose.
    pub person_id: Uuid,
    /// The sealed secret.
    pub secret_encrypted: Vec<u8>,
    /// When the person proved their app has it; `None` while enrolment is under way.
    pub confirmed_at: Option<DateTime<Utc>>,
    /// The step of the last code accepted.
    pub last_step: i64,
}

impl TotpAuthenticator {
    /// The person's authenticator, confirmed or not.
    pub async fn find(conn: &mut AsyncPgConnection, person_id: Uuid) -> QueryResult<Option<Self>> {
        totp_authenticators::table
            .find(person_id)
            .select(Self::as_select())
            .first(conn)
            .await
            .optional()
    }

    /// Whether the person signs in with a code.
    pub async fn is_on(conn: &mut AsyncPgConnection, person_id: Uuid) -> QueryResult<bool> {
        diesel::select(diesel::dsl::exists(
            totp_authenticators::table
                .filter(totp_authenticators::person_id.eq(person_id))
                .filter(totp_authenticators::confirmed_at.is_not_null()),
        ))
        .get_result(conn)
        .await
    }

    /// Stores a new unconfirmed secret (replacing an earlier unconfirmed one); false when the
    /// person has a confirmed authenticator already.
    pub async fn begin(
        conn: &mut AsyncPgConnection,
        person_id: Uuid,
        sealed: &[u8],
    ) -> QueryResult<bool> {
        diesel::delete(
            totp_authenticators::table
                .filter(totp_authenticators::person_id.eq(person_id))
                .filter(totp_authenticators::confirmed_at.is_null()),
        )
        .execute(conn)
        .await?;
        // A confirmed authenticator stays: nothing is inserted over it.
        let rows = diesel::insert_into(totp_authenticators::table)
            .values((
                totp_authenticators::person_id.eq(person_id),
                totp_authenticators::secret_encrypted.eq(sealed),
            ))
            .on_conflict_do_nothing()
            .execute(conn)
            .await?;
        Ok(rows == 1)
    }

    /// Records that a code of `step` was used: it turns an unconfirmed authenticator on, and
    /// fails (false) when that step or a later one was used before, so each code works once
    /// even when two requests race.
    pub async fn use_step(
        conn: &mut AsyncPgConnection,
        person_id: Uuid,
        step: i64,
    ) -> QueryResult<bool> {
        let rows = diesel::update(
            totp_authenticators::table
                .filter(totp_authenticators::person_id.eq(person_id))
                .filter(totp_authenticators::last_step.lt(step)),
        )
        .set((
            totp_authenticators::last_step.eq(step),
            totp_authenticators::confirmed_at.eq(diesel::dsl::sql::<
                diesel::sql_types::Nullable<diesel::sql_types::Timestamptz>,
            >("coalesce(confirmed_at, now())")),
        ))
        .execute(conn)
        .await?;
        Ok(rows == 1)
    }

    /// Removes the person's authenticator and recovery codes.
    pub async fn remove(conn: &mut AsyncPgConnection, person_id: Uuid) -> QueryResult<()> {
        diesel::delete(
            totp_recovery_codes::table.filter(totp_recovery_codes::person_id.eq(person_id)),
        )
        .execute(conn)
        .await?;
        diesel::delete(totp_authenticators::table.find(person_id))
            .execute(conn)
            .await
            .map(|_| ())
    }
}

/// Recovery codes.
pub struct RecoveryCodes;

impl RecoveryCodes {
    /// Replaces the person's codes with these hashes.
    pub async fn replace(
        conn: &mut AsyncPgConnection,
        person_id: Uuid,
        hashes: &[String],
    ) -> QueryResult<()> {
        diesel::delete(
            totp_recovery_codes::table.filter(totp_recovery_codes::person_id.eq(person_id)),
        )
        .execute(conn)
        .await?;
        let rows: Vec<_> = hashes
            .iter()
            .map(|hash| {
                (
                    totp_recovery_codes::person_id.eq(person_id),
                    totp_recovery_codes::code_hash.eq(hash),
                )
            })
            .collect();
        diesel::insert_into(totp_recovery_codes::table)
            .values(rows)
            .execute(conn)
            .await
            .map(|_| ())
    }

    /// Spends the code with this hash; false when it is not one of theirs or was used.
    pub async fn spend(
        conn: &mut AsyncPgConnection,
        person_id: Uuid,
        hash: &str,
    ) -> QueryResult<bool> {
        let rows = diesel::update(
            totp_recovery_codes::table
                .filter(totp_recovery_codes::person_id.eq(person_id))
                .filter(totp_recovery_codes::code_hash.eq(hash))
                .filter(totp_recovery_codes::used_at.is_null()),
        )
        .set(totp_recovery_codes::used_at.eq(diesel::dsl::now))
        .execute(conn)
        .await?;
        Ok(rows == 1)
    }

    /// How many of the person's codes are left.
    pub async fn left(conn: &mut AsyncPgConnection, person_id: Uuid) -> QueryResult<i64> {
        totp_recovery_codes::table
            .filter(totp_recovery_codes::person_id.eq(person_id))
            .filter(totp_recovery_codes::used_at.is_null())
            .count()
            .get_result(conn)
            .await
    }
}
