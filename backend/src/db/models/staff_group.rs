//! Staff groups ("Front desk", "Billing") and their members.

use std::collections::HashMap;

use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use crate::db::schema::{people, staff_group_members, staff_groups};

/// A group row.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = staff_groups, check_for_backend(diesel::pg::Pg))]
pub struct StaffGroup {
    /// Its id.
    pub id: Uuid,
    /// Its practice.
    pub practice_id: Uuid,
    /// Its name.
    pub name: String,
}

impl StaffGroup {
    /// The practice's groups in name order, each with its member ids.
    pub async fn list(
        conn: &mut AsyncPgConnection,
        practice_id: Uuid,
    ) -> QueryResult<Vec<(Self, Vec<Uuid>)>> {
        let groups: Vec<Self> = staff_groups::table
            .filter(staff_groups::practice_id.eq(practice_id))
            .select(Self::as_select())
            .order((staff_groups::name, staff_groups::id))
            .load(conn)
            .await?;
        let mut members = Self::members_of(
            conn,
            practice_id,
            &groups.iter().map(|g| g.id).collect::<Vec<_>>(),
        )
        .await?;
        Ok(groups
            .into_iter()
            .map(|group| {
                let ids = members.remove(&group.id).unwrap_or_default();
                (group, ids)
            })
            .collect())
    }

    /// One group of the practice with its members.
    pub async fn find(
        conn: &mut AsyncPgConnection,
        practice_id: Uuid,
        id: Uuid,
    ) -> QueryResult<Option<(Self, Vec<Uuid>)>> {
        let group: Option<Self> = staff_groups::table
            .filter(staff_groups::practice_id.eq(practice_id))
            .filter(staff_groups::id.eq(id))
            .select(Self::as_select())
            .first(conn)
            .await
            .optional()?;
        let Some(group) = group else {
            return Ok(None);
        };
        let mut members = Self::members_of(conn, practice_id, &[group.id]).await?;
        let ids = members.remove(&group.id).unwrap_or_default();
        Ok(Some((group, ids)))
    }

    async fn members_of(
        conn: &mut AsyncPgConnection,
        practice_id: Uuid,
        group_ids: &[Uuid],
    ) -> QueryResult<HashMap<Uuid, Vec<Uuid>>> {
        let pairs: Vec<(Uuid, Uuid)> = staff_group_members::table
            .inner_join(people::table.on(people::id.eq(staff_group_members::person_id)))
            .filter(staff_group_members::practice_id.eq(practice_id))
            .filter(staff_group_members::group_id.eq_any(group_ids))
            .select((
                staff_group_members::group_id,
                staff_group_members::person_id,
            ))
            .order((staff_group_members::group_id, people::name, people::id))
            .load(conn)
            .await?;
        let mut members: HashMap<Uuid, Vec<Uuid>> = HashMap::new();
        for (group, person) in pairs {
            members.entry(group).or_default().push(person);
        }
        Ok(members)
    }

    /// Inserts a group.
    pub async fn insert(
        conn: &mut AsyncPgConnection,
        practice_id: Uuid,
        name: &str,
    ) -> QueryResult<Self> {
        diesel::insert_into(staff_groups::table)
            .values((
                staff_groups::id.eq(Uuid::now_v7()),
                staff_groups::practice_id.eq(practice_id),
                staff_groups::name.eq(name),
            ))
            .returning(Self::as_returning())
            .get_result(conn)
            .await
    }

    /// Renames a group.
    pub async fn rename(
        conn: &mut AsyncPgConnection,
        practice_id: Uuid,
        id: Uuid,
        name: &str,
    ) -> QueryResult<()> {
        diesel::update(
            staff_groups::table
                .filter(staff_groups::practice_id.eq(practice_id))
                .filter(staff_groups::id.eq(id)),
        )
        .set(staff_groups::name.eq(name))
        .execute(conn)
        .await
        .map(|_| ())
    }

    /// Replaces a group's members.
    pub async fn set_members(
        conn: &mut AsyncPgConnection,
        practice_id: Uuid,
        id: Uuid,
        member_ids: &[Uuid],
    ) -> QueryResult<()> {
        diesel::delete(
            staff_group_members::table
                .filter(staff_group_members::practice_id.eq(practice_id))
                .filter(staff_group_members::group_id.eq(id)),
        )
        .execute(conn)
        .await?;
        let rows: Vec<_> = member_ids
            .iter()
            .map(|person| {
                (
                    staff_group_members::practice_id.eq(practice_id),
                    staff_group_members::group_id.eq(id),
                    staff_group_members::person_id.eq(*person),
                )
            })
            .collect();
        diesel::insert_into(staff_group_members::table)
            .values(rows)
            .on_conflict_do_nothing()
            .execute(conn)
            .await
            .map(|_| ())
    }

    /// Takes `person_id` out of every group (a deactivated staff member belongs to none).
    pub async fn remove_member_everywhere(
        conn: &mut AsyncPgConnection,
        practice_id: Uuid,
        person_id: Uuid,
    ) -> QueryResult<()> {
        diesel::delete(
            staff_group_members::table
                .filter(staff_group_members::practice_id.eq(practice_id))
                .filter(staff_group_members::person_id.eq(person_id)),
        )
        .execute(conn)
        .await
        .map(|_| ())
    }

    /// Deletes a group (its memberships go with it); false when there was none.
    pub async fn delete(
        conn: &mut AsyncPgConnection,
        practice_id: Uuid,
        id: Uuid,
    ) -> QueryResult<bool> {
        diesel::delete(
            staff_groups::table
                .filter(staff_groups::practice_id.eq(practice_id))
                .filter(staff_groups::id.eq(id)),
        )
        .execute(conn)
        .await
        .map(|rows| rows == 1)
    }

    /// Of `ids`, the staff of the practice.
    pub async fn staff_among(
        conn: &mut AsyncPgConnection,
        practice_id: Uuid,
        ids: &[Uuid],
    ) -> QueryResult<Vec<Uuid>> {
        people::table
            .filter(people::practice_id.eq(practice_id))
            .filter(people::kind.eq("staff"))
            .filter(people::status.eq("active"))
            .filter(people::id.eq_any(ids))
            .select(people::id)
            .load(conn)
            .await
    }
}
