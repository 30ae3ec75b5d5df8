//! `/api/v1/me/mfa/totp`: setting up, confirming and turning off sign-in with a TOTP code
//! (R-MFA).

use actix_web::{HttpResponse, delete, post, web};
use confidant_openapi::me::{RecoveryCodeList, TotpCodeRequest, TotpEnrolment};
use confidant_openapi::people::PersonKind;
use confidant_openapi::{Problem, ProblemCode};
use diesel_async::AsyncConnection;

use crate::auth::SignedIn;
use crate::auth::keyed_hash::KeyedHash;
use crate::auth::second_factor::{self, SECRET_PURPOSE};
use crate::auth::totp::{self, Authenticator, Code};
use crate::db::models::audit::AuditAction;
use crate::db::models::practice::Practice;
use crate::db::models::totp::{RecoveryCodes, TotpAuthenticator};
use crate::encryption;
use crate::error::ApiError;
use crate::extract::ApiJson;
use crate::jobs;
use crate::sign_in_emails::{SecondFactorChange, SendSecondFactorNoticeJob};
use crate::state::AppState;

fn already_on() -> ApiError {
    ApiError::new(
        ProblemCode::Conflict,
        "Sign-in with an authenticator app is on already: turn it off first to set up another app.",
    )
}

/// Start setting up sign-in with an authenticator app: answers a new secret (as text and as
/// an `otpauth://` URI for a QR code). Nothing changes at sign-in until a code from the app is
/// confirmed; asking again replaces an unconfirmed secret.
#[utoipa::path(
    tag = "me",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Put this in the app, then confirm with a code", body = TotpEnrolment),
        (status = 409, description = "MFA is on already", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/me/mfa/totp")]
pub async fn start_totp(
    state: web::Data<AppState>,
    SignedIn(me): SignedIn,
) -> Result<web::Json<TotpEnrolment>, ApiError> {
    let secret = totp::new_secret();
    let app = Authenticator::new(&secret, &me.person.email)
        .map_err(|error| ApiError::internal("making a TOTP secret", &error))?;
    let sealed =
        encryption::seal_secret(&state.config.storage_key, SECRET_PURPOSE, me.id(), &secret)
            .map_err(|error| ApiError::internal("sealing a TOTP secret", &error))?;
    let mut conn = state.conn().await?;
    if !TotpAuthenticator::begin(&mut conn, me.id(), &sealed).await? {
        return Err(already_on());
    }
    let otpauth_uri = app
        .uri()
        .map_err(|error| ApiError::internal("writing a TOTP URI", &error))?;
    Ok(web::Json(TotpEnrolment {
        secret: app.secret_base32(),
        otpauth_uri,
    }))
}

/// Confirm the app with a code it shows: sign-in now asks for a code, and the answer holds
/// ten single-use recovery codes, shown this once.
#[utoipa::path(
    tag = "me",
    security(("bearer" = [])),
    request_body = TotpCodeRequest,
    responses(
        (status = 200, description = "MFA is on; keep the recovery codes safe", body = RecoveryCodeList),
        (status = 409, description = "Nothing to confirm: MFA is on already, or setting up was not started", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "The code is not right", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many wrong codes", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/me/mfa/totp/confirm")]
pub async fn confirm_totp(
    state: web::Data<AppState>,
    SignedIn(me): SignedIn,
    body: ApiJson<TotpCodeRequest>,
) -> Result<web::Json<RecoveryCodeList>, ApiError> {
    let mut conn = state.conn().await?;
    let row = match TotpAuthenticator::find(&mut conn, me.id()).await? {
        Some(row) if row.confirmed_at.is_some() => return Err(already_on()),
        Some(row) => row,
        None => {
            return Err(ApiError::new(
                ProblemCode::Conflict,
                "Start setting up first: no authenticator app is waiting to be confirmed.",
            ));
        }
    };
    if !matches!(Code::parse(&body.code), Code::Totp(_)) {
        return Err(crate::error::field_error(
            "code",
            "Enter the six digits your authenticator app shows.",
        ));
    }
    let codes = totp::new_recovery_codes();
    let hashes = KeyedHash::new(&state.config.hash_key);
    let stored: Vec<String> = codes
        .iter()
        .map(|code| hashes.recovery_code(me.id(), &code.replace('-', "")))
        .collect();
    let attempt = second_factor::count_attempt(&mut conn, &me.person).await?;
    let accepted = conn
        .transaction(async |conn| {
            let accepted =
                second_factor::check(&state, conn, &me.person, &row, &body.code, false).await?;
            if accepted.is_some() {
                RecoveryCodes::replace(conn, me.id(), &stored).await?;
                me.audit(AuditAction::MfaEnabled)
                    .target("person", me.id())
                    .record(conn)
                    .await?;
            }
            Ok::<_, ApiError>(accepted)
        })
        .await?;
    second_factor::settle(&mut conn, attempt, accepted).await?;
    Ok(web::Json(RecoveryCodeList {
        recovery_codes: codes,
    }))
}

/// Turn sign-in with an authenticator app off, with a current code from it (or a recovery
/// code). Refused while the practice requires a second factor of staff. The account's
/// sign-in address is told by email.
#[utoipa::path(
    tag = "me",
    security(("bearer" = [])),
    request_body = TotpCodeRequest,
    responses(
        (status = 204, description = "MFA is off; recovery codes are gone"),
        (status = 403, description = "The practice requires a second factor of staff", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "MFA is not on", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "The code is not right", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many wrong codes", body = Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/me/mfa/totp")]
pub async fn disable_totp(
    state: web::Data<AppState>,
    SignedIn(me): SignedIn,
    body: ApiJson<TotpCodeRequest>,
) -> Result<HttpResponse, ApiError> {
    let mut conn = state.conn().await?;
    let row = match TotpAuthenticator::find(&mut conn, me.id()).await? {
        Some(row) if row.confirmed_at.is_some() => row,
        _ => {
            return Err(ApiError::new(
                ProblemCode::Conflict,
                "Sign-in with an authenticator app is not on.",
            ));
        }
    };
    let practice = Practice::find(&mut conn, me.practice_id()).await?;
    if practice.require_staff_mfa && me.person.kind() == PersonKind::Staff {
        return Err(ApiError::new(
            ProblemCode::Forbidden,
            "Your practice requires staff to sign in with an authenticator app: it cannot be turned off.",
        ));
    }
    let attempt = second_factor::count_attempt(&mut conn, &me.person).await?;
    let accepted = conn
        .transaction(async |conn| {
            let accepted =
                second_factor::check(&state, conn, &me.person, &row, &body.code, true).await?;
            if let Some(kind) = accepted {
                TotpAuthenticator::remove(conn, me.id()).await?;
                let notice = SendSecondFactorNoticeJob::new(me.id(), SecondFactorChange::TurnedOff);
                jobs::enqueue(conn, &notice, Some(&notice.idempotency_key())).await?;
                me.audit(AuditAction::MfaDisabled)
                    .target("person", me.id())
                    .details(serde_json::json!({"with": kind.as_str()}))
                    .record(conn)
                    .await?;
            }
            Ok::<_, ApiError>(accepted)
        })
        .await?;
    second_factor::settle(&mut conn, attempt, accepted).await?;
    Ok(HttpResponse::NoContent().finish())
}
