//! People (staff and clients) and their portal accounts.

use chrono::{DateTime, Utc};
use confidant_openapi::people::{PersonKind, PersonStatus, Role};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use crate::db::schema::{client_providers, people, portal_accounts};

/// A person row.
#[derive(Debug, Clone, Queryable, QueryableByName, Selectable)]
#[diesel(table_name = people, check_for_backend(diesel::pg::Pg))]
pub struct Person {
    /// Their id.
    pub id: Uuid,
    /// Their practice.
    pub practice_id: Uuid,
    /// `staff` or `client`.
    pub kind: String,
    /// Full name.
    pub name: String,
    /// Default email on file.
    pub email: String,
    /// Staff only.
    pub role: Option<String>,
    /// `active`, `inactive`, `archived` (clients) or `deactivated` (staff).
    pub status: String,
    /// Changes when access must be re-checked (password change, withdrawal).
    pub security_stamp: Uuid,
    /// When they were added.
    pub created_at: DateTime<Utc>,
}

/// A person to insert.
#[derive(Debug, Insertable)]
#[diesel(table_name = people)]
pub struct NewPerson<'a> {
    /// Their id (UUID v7).
    pub id: Uuid,
    /// Their practice.
    pub practice_id: Uuid,
    /// `staff` or `client`.
    pub kind: &'static str,
    /// Full name.
    pub name: &'a str,
    /// Email on file, lower-case.
    pub email: &'a str,
    /// Staff only.
    pub role: Option<&'static str>,
    /// `active` for staff; a client's status.
    pub status: &'static str,
    /// A fresh stamp.
    pub security_stamp: Uuid,
}

/// A portal account to insert.
#[derive(Debug, Insertable)]
#[diesel(table_name = portal_accounts)]
pub struct NewPortalAccount<'a> {
    /// The person.
    pub person_id: Uuid,
    /// Their practice.
    pub practice_id: Uuid,
    /// The sign-in email, lower-case.
    pub email: &'a str,
    /// The argon2id PHC string.
    pub password_hash: &'a str,
}

impl Person {
    /// Staff or client.
    pub fn kind(&self) -> PersonKind {
        PersonKind::parse(&self.kind).unwrap_or(PersonKind::Client)
    }

    /// The staff role, if staff.
    pub fn role(&self) -> Option<Role> {
        self.role.as_deref().and_then(Role::parse)
    }

    /// Their status.
    pub fn status(&self) -> PersonStatus {
        PersonStatus::parse(&self.status).unwrap_or(PersonStatus::Active)
    }

    /// Whether they are a staff member who left (R-OFFBOARD).
    pub fn is_deactivated(&self) -> bool {
        self.status() == PersonStatus::Deactivated
    }

    /// Inserts a person.
    pub async fn insert(conn: &mut AsyncPgConnection, new: &NewPerson<'_>) -> QueryResult<Self> {
        diesel::insert_into(people::table)
            .values(new)
            .returning(Self::as_returning())
            .get_result(conn)
            .await
    }

    /// The person with this id in this practice (`None` for another practice's person).
    pub async fn find(
        conn: &mut AsyncPgConnection,
        practice_id: Uuid,
        id: Uuid,
    ) -> QueryResult<Option<Self>> {
        people::table
            .filter(people::practice_id.eq(practice_id))
            .filter(people::id.eq(id))
            .select(Self::as_select())
            .first(conn)
            .await
            .optional()
    }

    /// The practice's owners and admins (who manage people).
    pub async fn administrator_ids(
        conn: &mut AsyncPgConnection,
        practice_id: Uuid,
    ) -> QueryResult<Vec<Uuid>> {
        people::table
            .filter(people::practice_id.eq(practice_id))
            .filter(people::role.eq_any(["owner", "admin"]))
            .filter(people::status.eq(PersonStatus::Active.as_str()))
            .select(people::id)
            .load(conn)
            .await
    }

    /// Whether this person has a portal account.
    pub async fn has_portal_account(conn: &mut AsyncPgConnection, id: Uuid) -> QueryResult<bool> {
        diesel::select(diesel::dsl::exists(
            portal_accounts::table.filter(portal_accounts::person_id.eq(id)),
        ))
        .get_result(conn)
        .await
    }

    /// Locks the person's row until the caller's transaction ends (to serialise work that
    /// counts something of theirs, such as their uploads).
    pub async fn lock(
        conn: &mut AsyncPgConnection,
        practice_id: Uuid,
        id: Uuid,
    ) -> QueryResult<()> {
        people::table
            .filter(people::practice_id.eq(practice_id))
            .filter(people::id.eq(id))
            .select(people::id)
            .for_no_key_update()
            .first::<Uuid>(conn)
            .await
            .map(|_| ())
    }

    /// Whether another person of the practice (not `except`) has `email` on file.
    pub async fn email_in_practice(
        conn: &mut AsyncPgConnection,
        practice_id: Uuid,
        email: &str,
        except: Uuid,
    ) -> QueryResult<bool> {
        diesel::select(diesel::dsl::exists(
            people::table
                .filter(people::practice_id.eq(practice_id))
                .filter(people::email.eq(email))
                .filter(people::id.ne(except)),
        ))
        .get_result(conn)
        .await
    }

    /// The providers assigned to a client.
    pub async fn provider_ids(
        conn: &mut AsyncPgConnection,
        practice_id: Uuid,
        client_id: Uuid,
    ) -> QueryResult<Vec<Uuid>> {
        client_providers::table
            .filter(client_providers::practice_id.eq(practice_id))
            .filter(client_providers::client_id.eq(client_id))
            .select(client_providers::provider_id)
            .order(client_providers::provider_id)
            .load(conn)
            .await
    }
}

/// A sign-in: the account's hash with the person it belongs to.
pub struct SignInRecord {
    /// The person.
    pub person: Person,
    /// Their argon2id hash.
    pub password_hash: String,
}

impl SignInRecord {
    /// The account signing in with `email` (lower-case), in any practice.
    pub async fn find_by_email(
        conn: &mut AsyncPgConnection,
        email: &str,
    ) -> QueryResult<Option<Self>> {
        portal_accounts::table
            .inner_join(people::table.on(people::id.eq(portal_accounts::person_id)))
            .filter(portal_accounts::email.eq(email))
            .select((Person::as_select(), portal_accounts::password_hash))
            .first::<(Person, String)>(conn)
            .await
            .optional()
            .map(|found| {
                found.map(|(person, password_hash)| Self {
                    person,
                    password_hash,
                })
            })
    }
}

impl NewPortalAccount<'_> {
    /// Creates the account, or replaces the password of an existing one.
    pub async fn upsert(&self, conn: &mut AsyncPgConnection) -> QueryResult<()> {
        diesel::insert_into(portal_accounts::table)
            .values(self)
            .on_conflict(portal_accounts::person_id)
            .do_update()
            .set((
                portal_accounts::password_hash.eq(self.password_hash),
                portal_accounts::email.eq(self.email),
                portal_accounts::password_set_at.eq(diesel::dsl::now),
            ))
            .execute(conn)
            .await
            .map(|_| ())
    }
}

/// Which people a directory page holds.
#[derive(Debug, Default)]
pub struct PeopleFilter {
    /// Only staff or only clients.
    pub kind: Option<PersonKind>,
    /// Only people with this status.
    pub status: Option<PersonStatus>,
    /// Leave out staff who were deactivated (lists of whom one may write to).
    pub without_deactivated: bool,
    /// A `LIKE` pattern on name or email.
    pub pattern: Option<String>,
    /// Continue after this (name, id).
    pub after: Option<(String, Uuid)>,
    /// Rows to load.
    pub limit: i64,
}

impl Person {
    /// A page of the practice's people in (name, id) order.
    pub async fn list(
        conn: &mut AsyncPgConnection,
        practice_id: Uuid,
        filter: &PeopleFilter,
    ) -> QueryResult<Vec<Self>> {
        let mut query = people::table
            .filter(people::practice_id.eq(practice_id))
            .select(Self::as_select())
            .order((people::name, people::id))
            .limit(filter.limit)
            .into_boxed();
        if let Some(kind) = filter.kind {
            query = query.filter(people::kind.eq(kind.as_str()));
        }
        if let Some(status) = filter.status {
            query = query.filter(people::status.eq(status.as_str()));
        }
        if filter.without_deactivated {
            query = query.filter(people::status.ne(PersonStatus::Deactivated.as_str()));
        }
        if let Some(pattern) = &filter.pattern {
            query = query.filter(
                people::name
                    .ilike(pattern.clone())
                    .or(people::email.ilike(pattern.clone())),
            );
        }
        if let Some((name, id)) = &filter.after {
            // A row comparison, so the directory index serves it as a range (see
            // `Conversation::page`).
            query = query.filter(
                diesel::dsl::sql::<diesel::sql_types::Bool>("(people.name, people.id) > (")
                    .bind::<diesel::sql_types::Text, _>(name.clone())
                    .sql(", ")
                    .bind::<diesel::sql_types::Uuid, _>(*id)
                    .sql(")"),
            );
        }
        query.load(conn).await
    }

    /// Of `ids`, those with a portal account.
    pub async fn with_portal_accounts(
        conn: &mut AsyncPgConnection,
        ids: &[Uuid],
    ) -> QueryResult<Vec<Uuid>> {
        portal_accounts::table
            .filter(portal_accounts::person_id.eq_any(ids))
            .select(portal_accounts::person_id)
            .load(conn)
            .await
    }

    /// (client, provider) pairs for the clients in `client_ids`.
    pub async fn provider_pairs(
        conn: &mut AsyncPgConnection,
        practice_id: Uuid,
        client_ids: &[Uuid],
    ) -> QueryResult<Vec<(Uuid, Uuid)>> {
        client_providers::table
            .filter(client_providers::practice_id.eq(practice_id))
            .filter(client_providers::client_id.eq_any(client_ids))
            .select((client_providers::client_id, client_providers::provider_id))
            .order((client_providers::client_id, client_providers::provider_id))
            .load(conn)
            .await
    }

    /// Of `ids`, the staff of this practice whose role is `provider`.
    pub async fn providers_among(
        conn: &mut AsyncPgConnection,
        practice_id: Uuid,
        ids: &[Uuid],
    ) -> QueryResult<Vec<Uuid>> {
        people::table
            .filter(people::practice_id.eq(practice_id))
            .filter(people::id.eq_any(ids))
            .filter(people::role.eq("provider"))
            .select(people::id)
            .load(conn)
            .await
    }

    /// Replaces a client's providers.
    pub async fn set_providers(
        conn: &mut AsyncPgConnection,
        practice_id: Uuid,
        client_id: Uuid,
        provider_ids: &[Uuid],
    ) -> QueryResult<()> {
        diesel::delete(
            client_providers::table
                .filter(client_providers::practice_id.eq(practice_id))
                .filter(client_providers::client_id.eq(client_id)),
        )
        .execute(conn)
        .await?;
        let rows: Vec<_> = provider_ids
            .iter()
            .map(|provider_id| {
                (
                    client_providers::practice_id.eq(practice_id),
                    client_providers::client_id.eq(client_id),
                    client_providers::provider_id.eq(*provider_id),
                )
            })
            .collect();
        diesel::insert_into(client_providers::table)
            .values(rows)
            .on_conflict_do_nothing()
            .execute(conn)
            .await
            .map(|_| ())
    }
}

/// Changes to a person; `None` leaves a column as it is.
#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = people)]
pub struct PersonChanges {
    /// New name.
    pub name: Option<String>,
    /// New email, lower-case.
    pub email: Option<String>,
    /// New role (staff).
    pub role: Option<&'static str>,
    /// New status (clients).
    pub status: Option<&'static str>,
}

impl PersonChanges {
    /// Applies the changes (and keeps the sign-in email equal to the email on file).
    pub async fn apply(
        &self,
        conn: &mut AsyncPgConnection,
        practice_id: Uuid,
        id: Uuid,
    ) -> QueryResult<Person> {
        let person = if self.name.is_none()
            && self.email.is_none()
            && self.role.is_none()
            && self.status.is_none()
        {
            Person::find(conn, practice_id, id)
                .await?
                .ok_or(diesel::result::Error::NotFound)?
        } else {
            diesel::update(
                people::table
                    .filter(people::practice_id.eq(practice_id))
                    .filter(people::id.eq(id)),
            )
            .set(self)
            .returning(Person::as_returning())
            .get_result(conn)
            .await?
        };
        if let Some(email) = &self.email {
            diesel::update(portal_accounts::table.filter(portal_accounts::person_id.eq(id)))
                .set(portal_accounts::email.eq(email))
                .execute(conn)
                .await?;
        }
        Ok(person)
    }
}
