//! `/api/v1/api-keys`: every API key of the practice, for its owners and admins.

use actix_web::{HttpResponse, delete, get, web};
use confidant_openapi::Problem;
use confidant_openapi::api_keys::{ApiKey, ApiKeyList};
use uuid::Uuid;

use crate::auth::CurrentPerson;
use crate::db::models::api_key::ApiKeyRow;
use crate::db::models::audit::AuditAction;
use crate::error::ApiError;
use crate::state::AppState;

/// A key as listed.
pub fn view(row: ApiKeyRow) -> ApiKey {
    ApiKey {
        id: row.id,
        person_id: row.person_id,
        scopes: row.scopes(),
        name: row.name,
        prefix: row.prefix,
        created_at: row.created_at,
        last_used_at: row.last_used_at,
        expires_at: row.expires_at,
    }
}

/// Revokes key `id` of the practice (of `owner` when given) and records it.
pub async fn revoke(
    state: &AppState,
    me: &CurrentPerson,
    owner: Option<Uuid>,
    id: Uuid,
) -> Result<HttpResponse, ApiError> {
    me.require_staff()?;
    let mut conn = state.conn().await?;
    if !ApiKeyRow::revoke(&mut conn, me.practice_id(), owner, id).await? {
        return Err(ApiError::not_found());
    }
    me.audit(AuditAction::ApiKeyRevoked)
        .target("api_key", id)
        .record(&mut conn)
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Every API key of the practice in use (owner/admin), newest first: whose, what for, its
/// scopes and when it was last used.
#[utoipa::path(
    tag = "api-keys",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The practice's keys", body = ApiKeyList),
        (status = 403, description = "Not an owner or admin", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/api-keys")]
pub async fn list_api_keys(
    state: web::Data<AppState>,
    me: CurrentPerson,
) -> Result<web::Json<ApiKeyList>, ApiError> {
    me.require_admin()?;
    let mut conn = state.conn().await?;
    let rows = ApiKeyRow::in_use(&mut conn, me.practice_id(), None).await?;
    Ok(web::Json(ApiKeyList {
        items: rows.into_iter().map(view).collect(),
    }))
}

/// Revoke any API key of the practice (owner/admin): it stops working at once.
#[utoipa::path(
    tag = "api-keys",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The key's id")),
    responses(
        (status = 204, description = "Revoked"),
        (status = 403, description = "Not an owner or admin", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No key of this practice in use has this id", body = Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/api-keys/{id}")]
pub async fn revoke_api_key(
    state: web::Data<AppState>,
    me: CurrentPerson,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    me.require_admin()?;
    revoke(&state, &me, None, id.into_inner()).await
}
