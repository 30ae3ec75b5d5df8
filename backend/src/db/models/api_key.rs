//! Personal API keys (R-KEY-SCOPE): stored as a SHA-256 of the key, with its scopes.

use chrono::{DateTime, Utc};
use confidant_openapi::api_keys::ApiKeyScope;
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use crate::db::models::person::Person;
use crate::db::schema::{api_keys, people};

/// A key row.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = api_keys, check_for_backend(diesel::pg::Pg))]
pub struct ApiKeyRow {
    /// Its id.
    pub id: Uuid,
    /// Whose key.
    pub person_id: Uuid,
    /// What it is for.
    pub name: String,
    /// The key's first characters.
    pub prefix: String,
    /// Scope names.
    pub scopes: Vec<String>,
    /// When it stops working.
    pub expires_at: Option<DateTime<Utc>>,
    /// When it was last used.
    pub last_used_at: Option<DateTime<Utc>>,
    /// When it was made.
    pub created_at: DateTime<Utc>,
}

impl ApiKeyRow {
    /// Its scopes.
    pub fn scopes(&self) -> Vec<ApiKeyScope> {
        self.scopes
            .iter()
            .filter_map(|name| ApiKeyScope::parse(name))
            .collect()
    }

    /// Stores a new key.
    pub async fn insert(
        conn: &mut AsyncPgConnection,
        person: &Person,
        name: &str,
        prefix: &str,
        key_hash: &[u8],
        scopes: &[ApiKeyScope],
        expires_at: Option<DateTime<Utc>>,
    ) -> QueryResult<Self> {
        diesel::insert_into(api_keys::table)
            .values((
                api_keys::id.eq(Uuid::now_v7()),
                api_keys::practice_id.eq(person.practice_id),
                api_keys::person_id.eq(person.id),
                api_keys::name.eq(name),
                api_keys::prefix.eq(prefix),
                api_keys::key_hash.eq(key_hash),
                api_keys::scopes.eq(scopes.iter().map(|s| s.as_str()).collect::<Vec<_>>()),
                api_keys::expires_at.eq(expires_at),
            ))
            .returning(Self::as_returning())
            .get_result(conn)
            .await
    }

    /// The keys in use (not revoked) of the practice, or of one person in it, newest first.
    pub async fn in_use(
        conn: &mut AsyncPgConnection,
        practice_id: Uuid,
        person_id: Option<Uuid>,
    ) -> QueryResult<Vec<Self>> {
        let mut query = api_keys::table
            .filter(api_keys::practice_id.eq(practice_id))
            .filter(api_keys::revoked_at.is_null())
            .order((api_keys::created_at.desc(), api_keys::id.desc()))
            .limit(500)
            .select(Self::as_select())
            .into_boxed();
        if let Some(person_id) = person_id {
            query = query.filter(api_keys::person_id.eq(person_id));
        }
        query.load(conn).await
    }

    /// Revokes a key of the practice (of `person_id` when given); false when there was none.
    pub async fn revoke(
        conn: &mut AsyncPgConnection,
        practice_id: Uuid,
        person_id: Option<Uuid>,
        id: Uuid,
    ) -> QueryResult<bool> {
        let mut query = diesel::update(api_keys::table)
            .filter(api_keys::practice_id.eq(practice_id))
            .filter(api_keys::id.eq(id))
            .filter(api_keys::revoked_at.is_null())
            .into_boxed();
        if let Some(person_id) = person_id {
            query = query.filter(api_keys::person_id.eq(person_id));
        }
        let rows = query
            .set(api_keys::revoked_at.eq(diesel::dsl::now))
            .execute(conn)
            .await?;
        Ok(rows == 1)
    }

    /// The live key with this hash and its person: not revoked, not expired, the person
    /// active. Notes the use (at most once a minute, to spare the row).
    pub async fn authenticate(
        conn: &mut AsyncPgConnection,
        key_hash: &[u8],
    ) -> QueryResult<Option<(Self, Person)>> {
        let found: Option<(Self, Person)> = api_keys::table
            .inner_join(people::table.on(people::id.eq(api_keys::person_id)))
            .filter(api_keys::key_hash.eq(key_hash))
            .filter(api_keys::revoked_at.is_null())
            .filter(
                api_keys::expires_at
                    .is_null()
                    .or(api_keys::expires_at.gt(diesel::dsl::now)),
            )
            .filter(people::status.eq("active"))
            .filter(people::kind.eq("staff"))
            .select((Self::as_select(), Person::as_select()))
            .first(conn)
            .await
            .optional()?;
        if let Some((key, _)) = &found {
            diesel::update(api_keys::table.find(key.id))
                .filter(
                    api_keys::last_used_at
                        .is_null()
                        .or(api_keys::last_used_at.lt(Utc::now() - chrono::Duration::minutes(1))),
                )
                .set(api_keys::last_used_at.eq(diesel::dsl::now))
                .execute(conn)
                .await?;
        }
        Ok(found)
    }
}
