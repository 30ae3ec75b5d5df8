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

    /// The practice with this id.
    pub async fn find(conn: &mut AsyncPgConnection, id: Uuid) -> QueryResult<Self> {
        practices::table
            .find(id)
            .select(Self::as_select())
            .first(conn)
            .await
    }
}
