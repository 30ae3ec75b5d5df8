//! Checking a password someone chose (accepting an invitation, a reset, a change) against the
//! strength rule in [`crate::domain::passwords`], with the words of their own record; and
//! the steps every emailed password link (an invitation, a reset) takes before it sets one.

use actix_web::HttpRequest;
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use crate::auth::keyed_hash::KeyedHash;
use crate::auth::password;
use crate::auth::throttle::{self, Limit};
use crate::db::models::person::Person;
use crate::db::schema::practices;
use crate::domain::passwords;
use crate::error::{ApiError, field_error};
use crate::state::AppState;

/// The new password's hash, after the steps an emailed link takes before it sets `password`,
/// in the order that keeps refusing cheap:
/// the attempt counts under the caller's address's `limit` (429 beyond it); `open` finds the
/// link (none: the attempt stays counted and `spent` answers); the link's person, from
/// `person_of` (practice, person), must not be deactivated (R-OFFBOARD: a link sent before
/// opens nothing); a weak password is refused; and only then is it hashed (19 MiB and real
/// time, which must not be something anyone can make the server do with made-up tokens),
/// with no connection held. The caller sets the password, checking the link again under its
/// row's lock: it may have been used meanwhile.
pub async fn from_link<L>(
    state: &AppState,
    request: &HttpRequest,
    limit: Limit,
    password: String,
    spent: fn() -> ApiError,
    open: impl AsyncFnOnce(&mut AsyncPgConnection) -> QueryResult<Option<L>>,
    person_of: impl FnOnce(&L) -> (Uuid, Uuid),
) -> Result<String, ApiError> {
    let mut conn = state.conn().await?;
    let hashes = KeyedHash::new(&state.config.hash_key);
    let attempt =
        throttle::per_address(&mut conn, hashes, limit, &throttle::peer_address(request)).await?;
    let Some(link) = open(&mut conn).await? else {
        attempt.keep();
        return Err(spent());
    };
    attempt.refund(&mut conn).await?;
    let (practice_id, person_id) = person_of(&link);
    let person = Person::find(&mut conn, practice_id, person_id)
        .await?
        .filter(|person| !person.is_deactivated())
        .ok_or_else(spent)?;
    refuse_weak(&mut conn, &person, &password, "password").await?;
    drop(conn);
    Ok(password::hash(password).await?)
}

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
