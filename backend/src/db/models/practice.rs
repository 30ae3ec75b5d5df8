//! Practices: the tenants.

use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use crate::db::schema::practices;

/// A practice row.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = practices, check_for_backend(diesel::pg::Pg))]
pub struct Practice {
    /// Its id.
    pub id: Uuid,
    /// Its name.
    pub name: String,
    /// Whether message notifications are combined into fewer emails.
    pub combine_notifications: bool,
    /// Whether staff must sign in with a second factor.
    pub require_staff_mfa: bool,
}

/// A practice to insert.
#[derive(Debug, Insertable)]
#[diesel(table_name = practices)]
pub struct NewPractice<'a> {
    /// Its id (UUID v7).
    pub id: Uuid,
    /// Its name.
    pub name: &'a str,
}

impl Practice {
    /// Inserts a practice.
    pub async fn insert(conn: &mut AsyncPgConnection, new: &NewPractice<'_>) -> QueryResult<Self> {
        diesel::insert_into(practices::table)
            .values(new)
            .returning(Self::as_returning())
            .get_result(conn)
            .await
    }

    /// Turns combined notifications on or off.
    pub async fn set_combine_notifications(
        conn: &mut AsyncPgConnection,
        id: Uuid,
        combine: bool,
    ) -> QueryResult<Self> {
        diesel::update(practices::table.find(id))
            .set(practices::combine_notifications.eq(combine))
            .returning(Self::as_returning())
            .get_result(conn)
            .await
    }

    /// Requires, or stops requiring, a second factor of staff.
    pub async fn set_require_staff_mfa(
        conn: &mut AsyncPgConnection,
        id: Uuid,
        require: bool,
    ) -> QueryResult<Self> {
        diesel::update(practices::table.find(id))
            .set(practices::require_staff_mfa.eq(require))
            .returning(Self::as_returning())
            .get_result(conn)
            .await
    }

    /// The practice with this id.
    pub async fn find(conn: &mut AsyncPgConnection, id: Uuid) -> QueryResult<Self> {
        practices::table
            .find(id)
            .select(Self::as_select())
            .first(conn)
            .await
    }
}
