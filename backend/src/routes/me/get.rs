//! `GET /api/v1/me`.

use actix_web::{get, web};
use confidant_openapi::me::{Me, MfaStatus};

use crate::auth::SignedIn;
use crate::db::models::practice::Practice;
use crate::db::models::totp::{RecoveryCodes, TotpAuthenticator};
use crate::error::ApiError;
use crate::state::AppState;
use crate::views;

/// The signed-in person, their practice and their second factor. Answers in the
/// enrolment-only state too (see `mfa.enrolment_required`).
#[utoipa::path(
    tag = "me",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The signed-in person", body = Me),
    )
)]
#[get("/me")]
pub async fn me(
    state: web::Data<AppState>,
    SignedIn(me): SignedIn,
) -> Result<web::Json<Me>, ApiError> {
    let mut conn = state.conn().await?;
    let practice = Practice::find(&mut conn, me.practice_id()).await?;
    let enabled = TotpAuthenticator::is_on(&mut conn, me.id()).await?;
    let recovery_codes_left = if enabled {
        RecoveryCodes::left(&mut conn, me.id()).await?
    } else {
        0
    };
    Ok(web::Json(Me {
        person: views::person(&mut conn, &me.person).await?,
        practice: views::practice(practice),
        mfa: MfaStatus {
            enabled,
            recovery_codes_left,
            enrolment_required: me.enrolment_required,
        },
    }))
}
