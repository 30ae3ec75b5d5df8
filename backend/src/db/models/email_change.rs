//! Pending changes of a sign-in email: a one-time link to the new address confirms them.

use chrono::{DateTime, Duration, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use crate::db::schema::{email_changes, people, portal_accounts, practices};

/// How long a confirmation link works.
pub const VALID_HOURS: i64 = 24;

/// An email change row.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = email_changes, check_for_backend(diesel::pg::Pg))]
pub struct EmailChange {
    /// Its id.
    pub id: Uuid,
    /// The practice.
    pub practice_id: Uuid,
    /// Whose email changes.
    pub person_id: Uuid,
    /// The address before the change.
    pub old_email: String,
    /// The address to confirm.
    pub new_email: String,
    /// When the link stops working.
    pub expires_at: DateTime<Utc>,
}

/// What the emails of a change need: both addresses and the practice's name.
pub struct Delivery {
    /// The address before the change (told of it).
    pub old_email: String,
    /// The address asked for (confirms it).
    pub new_email: String,
    /// The practice's name, for the emails.
    pub practice_name: String,
}

impl EmailChange {
    /// Records a change of `person_id`'s email to `new_email`, ending any earlier open one.
    /// Its token is minted later, by the job that emails it.
    pub async fn request(
        conn: &mut AsyncPgConnection,
        practice_id: Uuid,
        person_id: Uuid,
        old_email: &str,
        new_email: &str,
        requested_by: Uuid,
    ) -> QueryResult<Self> {
        Self::end_open(conn, person_id).await?;
        diesel::insert_into(email_changes::table)
            .values((
                email_changes::id.eq(Uuid::now_v7()),
                email_changes::practice_id.eq(practice_id),
                email_changes::person_id.eq(person_id),
                email_changes::old_email.eq(old_email),
                email_changes::new_email.eq(new_email),
                email_changes::requested_by.eq(requested_by),
                email_changes::expires_at.eq(Utc::now() + Duration::hours(VALID_HOURS)),
            ))
            .returning(Self::as_returning())
            .get_result(conn)
            .await
    }

    /// Ends every open change of the person (a newer one replaces it).
    pub async fn end_open(conn: &mut AsyncPgConnection, person_id: Uuid) -> QueryResult<()> {
        diesel::update(
            email_changes::table
                .filter(email_changes::person_id.eq(person_id))
                .filter(email_changes::ended_at.is_null()),
        )
        .set(email_changes::ended_at.eq(diesel::dsl::now))
        .execute(conn)
        .await
        .map(|_| ())
    }

    /// Ends this change, confirmed or refused.
    pub async fn end(&self, conn: &mut AsyncPgConnection, confirmed: bool) -> QueryResult<()> {
        diesel::update(email_changes::table.find(self.id))
            .set((
                email_changes::ended_at.eq(diesel::dsl::now),
                email_changes::confirmed.eq(confirmed),
            ))
            .execute(conn)
            .await
            .map(|_| ())
    }

    /// Stores the hash of a freshly minted token on an open change; false when it ended or
    /// expired meanwhile.
    pub async fn set_token(
        conn: &mut AsyncPgConnection,
        id: Uuid,
        token_hash: &[u8],
    ) -> QueryResult<bool> {
        diesel::update(
            email_changes::table
                .filter(email_changes::id.eq(id))
                .filter(email_changes::ended_at.is_null())
                .filter(email_changes::expires_at.gt(diesel::dsl::now)),
        )
        .set(email_changes::token_hash.eq(token_hash))
        .execute(conn)
        .await
        .map(|rows| rows == 1)
    }

    /// The open, unexpired change with this token hash, locked for the caller's transaction.
    pub async fn open_by_token(
        conn: &mut AsyncPgConnection,
        token_hash: &[u8],
    ) -> QueryResult<Option<Self>> {
        email_changes::table
            .filter(email_changes::token_hash.eq(token_hash))
            .filter(email_changes::ended_at.is_null())
            .filter(email_changes::expires_at.gt(diesel::dsl::now))
            .select(Self::as_select())
            .for_update()
            .first(conn)
            .await
            .optional()
    }

    /// `(person, new email)` of the open, unexpired changes of `person_ids`.
    pub async fn pending_of(
        conn: &mut AsyncPgConnection,
        person_ids: &[Uuid],
    ) -> QueryResult<Vec<(Uuid, String)>> {
        email_changes::table
            .filter(email_changes::person_id.eq_any(person_ids))
            .filter(email_changes::ended_at.is_null())
            .filter(email_changes::expires_at.gt(diesel::dsl::now))
            .select((email_changes::person_id, email_changes::new_email))
            .load(conn)
            .await
    }

    /// For emailing: both addresses and the practice's name. `open_only` leaves out changes
    /// that ended or expired (the confirmation link is only worth sending for an open one).
    pub async fn delivery(
        conn: &mut AsyncPgConnection,
        id: Uuid,
        open_only: bool,
    ) -> QueryResult<Option<Delivery>> {
        let mut query = email_changes::table
            .inner_join(practices::table.on(practices::id.eq(email_changes::practice_id)))
            .filter(email_changes::id.eq(id))
            .select((
                email_changes::old_email,
                email_changes::new_email,
                practices::name,
            ))
            .into_boxed();
        if open_only {
            query = query
                .filter(email_changes::ended_at.is_null())
                .filter(email_changes::expires_at.gt(diesel::dsl::now));
        }
        let found: Option<(String, String, String)> = query.first(conn).await.optional()?;
        Ok(found.map(|(old_email, new_email, practice_name)| Delivery {
            old_email,
            new_email,
            practice_name,
        }))
    }

    /// Whether `email` is taken by someone else: a portal account of anyone but `person_id`
    /// (in any practice), or another person of the same practice.
    pub async fn address_taken(&self, conn: &mut AsyncPgConnection) -> QueryResult<bool> {
        let account_elsewhere: bool = diesel::select(diesel::dsl::exists(
            portal_accounts::table
                .filter(portal_accounts::email.eq(&self.new_email))
                .filter(portal_accounts::person_id.ne(self.person_id)),
        ))
        .get_result(conn)
        .await?;
        let person_here: bool = diesel::select(diesel::dsl::exists(
            people::table
                .filter(people::practice_id.eq(self.practice_id))
                .filter(people::email.eq(&self.new_email))
                .filter(people::id.ne(self.person_id)),
        ))
        .get_result(conn)
        .await?;
        Ok(account_elsewhere || person_here)
    }
}
