//! `/api/v1/people`: the practice's staff and clients. Staff may look; owners and admins may
//! change. Anything outside the caller's practice is a 404.

pub mod create;
pub mod get;
pub mod invite;
pub mod list;
pub mod update;

use std::collections::BTreeSet;

use confidant_openapi::ProblemCode;
use diesel_async::AsyncPgConnection;
use uuid::Uuid;

use crate::db::models::person::Person;
use crate::error::{ApiError, unknown_ids};

/// Checks that `ids` are distinct providers of the practice; answers them de-duplicated.
async fn checked_providers(
    conn: &mut AsyncPgConnection,
    practice_id: Uuid,
    ids: &[Uuid],
) -> Result<Vec<Uuid>, ApiError> {
    let wanted: BTreeSet<Uuid> = ids.iter().copied().collect();
    let wanted: Vec<Uuid> = wanted.into_iter().collect();
    let found = Person::providers_among(conn, practice_id, &wanted).await?;
    if found.len() != wanted.len() {
        return Err(unknown_ids(
            "provider_ids",
            "Each id must be a provider of this practice.",
        ));
    }
    Ok(wanted)
}

/// The 409 for an email that another person of the practice (or another account) has.
fn email_taken() -> ApiError {
    ApiError::new(
        ProblemCode::Conflict,
        "Someone with this email exists already.",
    )
}
