//! Checking a password someone chose (accepting an invitation, a reset, a change) against the
//! strength rule in [`crate::domain::passwords`], with the words of their own record.

use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use crate::db::models::person::Person;
use crate::db::schema::practices;
use crate::domain::passwords;
use crate::error::{ApiError, field_error};

/// A 422 on `field` saying why, when `password` is too easy to guess for `person`.
pub async fn refuse_weak(
    conn: &mut AsyncPgConnection,
    person: &Person,
    password: &str,
    field: &str,
) -> Result<(), ApiError> {
    let practice: String = practices::table
        .find(person.practice_id)
        .select(practices::name)
        .first(conn)
        .await?;
    let words = passwords::personal_words(&person.name, &person.email, &practice);
    let password = password.to_owned();
    // Up to ~30 ms of CPU: not on a thread that serves requests.
    let weakness = tokio::task::spawn_blocking(move || passwords::weakness(&password, &words))
        .await
        .map_err(|error| ApiError::internal("checking a password's strength", &error))?;
    match weakness {
        Some(reason) => Err(field_error(field, reason)),
        None => Ok(()),
    }
}
