//! Checking what a person typed at a second-factor prompt against their stored authenticator
//! and recovery codes, spending what it uses (a TOTP step or a recovery code works once).
//! Shared by the sign-in step, setting MFA up and turning it off.

use confidant_openapi::ProblemCode;
use diesel_async::AsyncPgConnection;

use crate::auth::keyed_hash::KeyedHash;
use crate::auth::throttle::{Attempt, MFA_CODE_PERSON};
use crate::auth::totp::{self, Authenticator, Code};
use crate::db::models::person::Person;
use crate::db::models::totp::{RecoveryCodes, TotpAuthenticator};
use crate::encryption;
use crate::error::ApiError;
use crate::state::AppState;

/// What the sealed secrets are bound to.
pub const SECRET_PURPOSE: &str = "totp";

/// Which kind of code was accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Accepted {
    /// A code from the authenticator app.
    Totp,
    /// A recovery code (now spent).
    RecoveryCode,
}

impl Accepted {
    /// The name in audit details.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Totp => "totp",
            Self::RecoveryCode => "recovery_code",
        }
    }
}

/// The person's authenticator app, from its stored row.
pub fn authenticator(
    state: &AppState,
    person: &Person,
    row: &TotpAuthenticator,
) -> Result<Authenticator, ApiError> {
    let secret = encryption::open_secret(
        &state.config.storage_key,
        SECRET_PURPOSE,
        person.id,
        &row.secret_encrypted,
    )
    .map_err(|error| ApiError::internal("opening a TOTP secret", &error))?;
    Authenticator::new(&secret, &person.email)
        .map_err(|error| ApiError::internal("reading a TOTP secret", &error))
}

/// Counts a code attempt of `person`, refusing with 429 beyond [`MFA_CODE_PERSON`]. Refund it
/// when the code is right.
pub async fn count_attempt(
    conn: &mut AsyncPgConnection,
    person: &Person,
) -> Result<Attempt, ApiError> {
    Attempt::count(conn, &[(MFA_CODE_PERSON, person.id.to_string())])
        .await?
        .refuse_if_beyond(conn, &[MFA_CODE_PERSON])
        .await
}

/// Checks `typed` for `person` against `row` (and, when `recovery` is allowed, their recovery
/// codes), spending the step or code it uses. `None` when it is not right now, or was used.
pub async fn check(
    state: &AppState,
    conn: &mut AsyncPgConnection,
    person: &Person,
    row: &TotpAuthenticator,
    typed: &str,
    recovery: bool,
) -> Result<Option<Accepted>, ApiError> {
    match Code::parse(typed) {
        Code::Totp(code) => {
            let app = authenticator(state, person, row)?;
            let Some(step) = app.accepts(&code, totp::now(), row.last_step) else {
                return Ok(None);
            };
            let fresh = TotpAuthenticator::use_step(conn, person.id, step).await?;
            Ok(fresh.then_some(Accepted::Totp))
        }
        Code::Recovery(code) if recovery && !code.is_empty() => {
            let hash = KeyedHash::new(&state.config.hash_key).recovery_code(person.id, &code);
            let spent = RecoveryCodes::spend(conn, person.id, &hash).await?;
            Ok(spent.then_some(Accepted::RecoveryCode))
        }
        Code::Recovery(_) => Ok(None),
    }
}

/// Settles an attempt counted by [`count_attempt`] for a code a signed-in person typed: a
/// right code is refunded, a wrong one kept (it counts) and answered with the 422 on `code`.
/// (The check itself runs in the caller's transaction, with what the code does, so that a
/// code which turns MFA on or off does both or neither; wrong codes commit as `None`.)
pub async fn settle(
    conn: &mut AsyncPgConnection,
    attempt: Attempt,
    accepted: Option<Accepted>,
) -> Result<Accepted, ApiError> {
    match accepted {
        Some(accepted) => {
            attempt.refund(conn).await?;
            Ok(accepted)
        }
        None => {
            attempt.keep();
            Err(wrong_code())
        }
    }
}

/// The 422 for a wrong code where a signed-in person typed it.
pub fn wrong_code() -> ApiError {
    crate::error::field_error(
        "code",
        "That code is not right (or was used already): enter the code your app shows now.",
    )
}

/// The 401 for a wrong code at sign-in.
pub fn wrong_sign_in_code() -> ApiError {
    ApiError::new(
        ProblemCode::Unauthorized,
        "That code is not right (or was used already): enter the code your app shows now, or a recovery code.",
    )
}
