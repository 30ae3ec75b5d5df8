//! `PATCH /api/v1/practice`.

use actix_web::{patch, web};
use confidant_openapi::Problem;
use confidant_openapi::me::{Practice as PracticeView, UpdatePracticeRequest};
use diesel_async::AsyncConnection;

use crate::auth::CurrentPerson;
use crate::db::models::audit::AuditAction;
use crate::db::models::practice::Practice;
use crate::error::ApiError;
use crate::extract::ApiJson;
use crate::state::AppState;
use crate::views;

/// Change the practice's settings (owner/admin).
///
/// `require_staff_mfa: true` puts every staff member without a second factor into an
/// enrolment-only state at their next request: they keep their session but reach only
/// `/api/v1/me` routes (to set up TOTP) until they have one; everything else answers 403 with
/// code `mfa_enrolment_required`. Clients are not affected.
#[utoipa::path(
    tag = "me",
    security(("bearer" = [])),
    request_body = UpdatePracticeRequest,
    responses(
        (status = 200, description = "The practice as it is now", body = PracticeView),
        (status = 403, description = "Not an owner or admin", body = Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/practice")]
pub async fn update_practice(
    state: web::Data<AppState>,
    me: CurrentPerson,
    body: ApiJson<UpdatePracticeRequest>,
) -> Result<web::Json<PracticeView>, ApiError> {
    me.require_admin()?;
    let body = body.into_inner();
    let mut conn = state.conn().await?;
    let practice = conn
        .transaction(async |conn| {
            if let Some(combine) = body.combine_notifications {
                Practice::set_combine_notifications(conn, me.practice_id(), combine).await?;
            }
            if let Some(require) = body.require_staff_mfa {
                Practice::set_require_staff_mfa(conn, me.practice_id(), require).await?;
            }
            me.audit(AuditAction::PracticeUpdated)
                .target("practice", me.practice_id())
                .details(serde_json::json!({
                    "combine_notifications": body.combine_notifications,
                    "require_staff_mfa": body.require_staff_mfa,
                }))
                .record(conn)
                .await?;
            Practice::find(conn, me.practice_id()).await
        })
        .await?;
    Ok(web::Json(views::practice(practice)))
}
