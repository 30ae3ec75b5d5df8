//! Sessions and their refresh tokens.
//!
//! A session is one sign-in. Each refresh spends the presented token and issues the next one
//! (rotation). Presenting a spent token means it was copied: the whole session is revoked, so
//! both the thief and the owner must sign in again.

use chrono::{DateTime, Duration, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use crate::auth::device::Device;
use crate::db::models::person::Person;
use crate::db::schema::{people, refresh_tokens, sessions};
use crate::events::{self, Event};

/// A session row.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = sessions, check_for_backend(diesel::pg::Pg))]
pub struct Session {
    /// Its id.
    pub id: Uuid,
    /// The person's practice.
    pub practice_id: Uuid,
    /// Who signed in.
    pub person_id: Uuid,
    /// Last sign-in or refresh.
    pub last_active_at: DateTime<Utc>,
    /// Set by logout, idleness or token reuse.
    pub revoked_at: Option<DateTime<Utc>>,
}

/// The most sessions listed for one person (sign-ins without sign-outs pile up until they
/// go idle).
pub const MAX_LISTED: i64 = 100;

/// A session as its person sees it.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = sessions, check_for_backend(diesel::pg::Pg))]
pub struct ActiveSession {
    /// Its id.
    pub id: Uuid,
    /// When it was signed in.
    pub created_at: DateTime<Utc>,
    /// Its last sign-in or refresh.
    pub last_active_at: DateTime<Utc>,
    /// The browser's `User-Agent`, when known.
    pub user_agent: Option<String>,
    /// The network it signed in from, when known.
    pub network: Option<String>,
}

/// What presenting a refresh token led to.
pub enum Rotation {
    /// The token was current: here is the session, and the token that replaces it.
    Rotated(Session),
    /// The token was already spent: the session has now been revoked.
    Reused,
    /// The session was idle too long: it has now been revoked.
    Idle,
    /// Unknown token, or its session was already revoked.
    Invalid,
}

impl Session {
    /// Starts a session with its first refresh token (given as its hash).
    pub async fn start(
        conn: &mut AsyncPgConnection,
        practice_id: Uuid,
        person_id: Uuid,
        token_hash: &[u8],
        device: &Device,
    ) -> QueryResult<Self> {
        let session = diesel::insert_into(sessions::table)
            .values((
                sessions::id.eq(Uuid::now_v7()),
                sessions::practice_id.eq(practice_id),
                sessions::person_id.eq(person_id),
                sessions::user_agent.eq(device.user_agent.as_deref()),
                sessions::network.eq(device.network.as_deref()),
            ))
            .returning(Self::as_returning())
            .get_result(conn)
            .await?;
        diesel::insert_into(refresh_tokens::table)
            .values((
                refresh_tokens::token_hash.eq(token_hash),
                refresh_tokens::session_id.eq(session.id),
            ))
            .execute(conn)
            .await?;
        Ok(session)
    }

    /// Spends the token hashed as `old`, and if all is well stores `new` as its successor.
    /// Run inside a transaction.
    pub async fn rotate(
        conn: &mut AsyncPgConnection,
        old: &[u8],
        new: &[u8],
        idle_limit: Duration,
    ) -> QueryResult<Rotation> {
        // Spending is one conditional UPDATE, so two concurrent refreshes with the same token
        // cannot both succeed.
        let spent: Option<Uuid> = diesel::update(
            refresh_tokens::table
                .filter(refresh_tokens::token_hash.eq(old))
                .filter(refresh_tokens::used_at.is_null()),
        )
        .set(refresh_tokens::used_at.eq(diesel::dsl::now))
        .returning(refresh_tokens::session_id)
        .get_result(conn)
        .await
        .optional()?;
        let Some(session_id) = spent else {
            let reused: Option<Uuid> = refresh_tokens::table
                .filter(refresh_tokens::token_hash.eq(old))
                .select(refresh_tokens::session_id)
                .first(conn)
                .await
                .optional()?;
            return match reused {
                Some(session_id) => {
                    Self::revoke(conn, session_id).await?;
                    Ok(Rotation::Reused)
                }
                None => Ok(Rotation::Invalid),
            };
        };
        let session: Self = sessions::table
            .find(session_id)
            .select(Self::as_select())
            .for_update()
            .first(conn)
            .await?;
        if session.revoked_at.is_some() {
            return Ok(Rotation::Invalid);
        }
        if Utc::now() - session.last_active_at > idle_limit {
            Self::revoke(conn, session_id).await?;
            return Ok(Rotation::Idle);
        }
        diesel::insert_into(refresh_tokens::table)
            .values((
                refresh_tokens::token_hash.eq(new),
                refresh_tokens::session_id.eq(session_id),
            ))
            .execute(conn)
            .await?;
        let session = diesel::update(sessions::table.find(session_id))
            .set(sessions::last_active_at.eq(diesel::dsl::now))
            .returning(Self::as_returning())
            .get_result(conn)
            .await?;
        Ok(Rotation::Rotated(session))
    }

    /// Ends a session; its access and refresh tokens stop working at once, and its live
    /// streams close (the `session_ended` event, in the same transaction).
    pub async fn revoke(conn: &mut AsyncPgConnection, session_id: Uuid) -> QueryResult<()> {
        conn.transaction(async |conn| {
            let ended: Option<(Uuid, Uuid)> = diesel::update(
                sessions::table
                    .find(session_id)
                    .filter(sessions::revoked_at.is_null()),
            )
            .set(sessions::revoked_at.eq(diesel::dsl::now))
            .returning((sessions::practice_id, sessions::person_id))
            .get_result(conn)
            .await
            .optional()?;
            if let Some((practice_id, person_id)) = ended {
                let event = Event::SessionEnded { session_id };
                events::record(conn, practice_id, &event, &[person_id]).await?;
            }
            Ok(())
        })
        .await
    }

    /// Ends every way `person_id` is signed in, at once (a new password, a reset,
    /// deactivation): a new security stamp, so that every access token already issued is
    /// refused on its next request; every session revoked, so that no refresh token works;
    /// and a `person_changed` event, so that their open live streams close. Run inside the
    /// change's transaction. Answers the person with the new stamp.
    pub async fn end_all(conn: &mut AsyncPgConnection, person_id: Uuid) -> QueryResult<Person> {
        let person: Person = diesel::update(people::table.find(person_id))
            .set(people::security_stamp.eq(Uuid::new_v4()))
            .returning(Person::as_returning())
            .get_result(conn)
            .await?;
        diesel::update(
            sessions::table
                .filter(sessions::person_id.eq(person_id))
                .filter(sessions::revoked_at.is_null()),
        )
        .set(sessions::revoked_at.eq(diesel::dsl::now))
        .execute(conn)
        .await?;
        let changed = Event::PersonChanged { person_id };
        events::record(conn, person.practice_id, &changed, &[person_id]).await?;
        Ok(person)
    }

    /// The sessions of `person_id` still in use (not ended, used within `idle_limit`), most
    /// recently used first.
    pub async fn active_of(
        conn: &mut AsyncPgConnection,
        person_id: Uuid,
        idle_limit: Duration,
    ) -> QueryResult<Vec<ActiveSession>> {
        sessions::table
            .filter(sessions::person_id.eq(person_id))
            .filter(sessions::revoked_at.is_null())
            .filter(sessions::last_active_at.gt(Utc::now() - idle_limit))
            .order((sessions::last_active_at.desc(), sessions::id.desc()))
            .limit(MAX_LISTED)
            .select(ActiveSession::as_select())
            .load(conn)
            .await
    }

    /// Ends every session of `person_id` but `keep`; answers the ids ended.
    pub async fn revoke_others(
        conn: &mut AsyncPgConnection,
        person_id: Uuid,
        keep: Uuid,
    ) -> QueryResult<Vec<Uuid>> {
        let open: Vec<Uuid> = sessions::table
            .filter(sessions::person_id.eq(person_id))
            .filter(sessions::revoked_at.is_null())
            .filter(sessions::id.ne(keep))
            .select(sessions::id)
            .load(conn)
            .await?;
        for session_id in &open {
            Self::revoke(conn, *session_id).await?;
        }
        Ok(open)
    }

    /// Whether `session_id` is an open session of `person_id`.
    pub async fn is_open_of(
        conn: &mut AsyncPgConnection,
        person_id: Uuid,
        session_id: Uuid,
    ) -> QueryResult<bool> {
        diesel::select(diesel::dsl::exists(
            sessions::table
                .filter(sessions::id.eq(session_id))
                .filter(sessions::person_id.eq(person_id))
                .filter(sessions::revoked_at.is_null()),
        ))
        .get_result(conn)
        .await
    }

    /// The session a refresh token belongs to, whether or not the token is spent.
    pub async fn of_token(
        conn: &mut AsyncPgConnection,
        token_hash: &[u8],
    ) -> QueryResult<Option<Uuid>> {
        refresh_tokens::table
            .filter(refresh_tokens::token_hash.eq(token_hash))
            .select(refresh_tokens::session_id)
            .first(conn)
            .await
            .optional()
    }
}
