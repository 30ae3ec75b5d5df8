//! `/api/v1/me/api-keys`: a staff member's own API keys (R-KEY-SCOPE).

use actix_web::{HttpResponse, delete, get, post, web};
use confidant_openapi::Problem;
use confidant_openapi::api_keys::{ApiKeyList, CreateApiKeyRequest, CreatedApiKey};
use diesel_async::AsyncConnection;
use uuid::Uuid;

use crate::auth::CurrentPerson;
use crate::auth::current::API_KEY_PREFIX;
use crate::auth::refresh::{new_token, token_hash};
use crate::db::models::api_key::ApiKeyRow;
use crate::db::models::audit::AuditAction;
use crate::error::{ApiError, field_error};
use crate::extract::ApiJson;
use crate::routes::api_keys::view;
use crate::state::AppState;

/// Characters of a key kept as its prefix (`cfk_` and eight of its 43 random ones).
const PREFIX_LEN: usize = 12;

/// Make an API key for yourself (staff only): the key is in the answer, this once, and is
/// stored only as a hash. It acts as you, limited to its scopes, until it expires, is
/// revoked, or you are deactivated. Send it as `Authorization: Bearer <key>`. An
/// `expires_at` that is not in the future is a 422.
#[utoipa::path(
    tag = "api-keys",
    security(("bearer" = [])),
    request_body = CreateApiKeyRequest,
    responses(
        (status = 201, description = "The key, shown this once", body = CreatedApiKey),
        (status = 403, description = "Clients cannot make keys; keys cannot make keys; a staff member who must set up a second factor first", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/me/api-keys")]
pub async fn create_api_key(
    state: web::Data<AppState>,
    me: CurrentPerson,
    body: ApiJson<CreateApiKeyRequest>,
) -> Result<HttpResponse, ApiError> {
    me.require_staff()?;
    let body = body.into_inner();
    let name = body.name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(field_error("name", "Enter a name of 1 to 100 characters."));
    }
    if body.scopes.is_empty() {
        return Err(field_error("scopes", "Choose at least one scope."));
    }
    if body.expires_at.is_some_and(|at| at <= chrono::Utc::now()) {
        return Err(field_error("expires_at", "Choose a time in the future."));
    }
    let mut scopes = body.scopes.clone();
    scopes.sort_by_key(|scope| scope.as_str());
    scopes.dedup();
    let key = format!("{API_KEY_PREFIX}{}", new_token());
    let mut conn = state.conn().await?;
    let row = conn
        .transaction(async |conn| {
            let row = ApiKeyRow::insert(
                conn,
                &me.person,
                name,
                &key[..PREFIX_LEN],
                &token_hash(&key),
                &scopes,
                body.expires_at,
            )
            .await?;
            me.audit(AuditAction::ApiKeyCreated)
                .target("api_key", row.id)
                .record(conn)
                .await?;
            Ok::<_, diesel::result::Error>(row)
        })
        .await?;
    Ok(HttpResponse::Created().json(CreatedApiKey {
        key,
        api_key: view(row),
    }))
}

/// Your API keys in use (never the keys themselves).
#[utoipa::path(
    tag = "api-keys",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Your keys, newest first", body = ApiKeyList),
        (status = 403, description = "Clients have no keys; keys cannot list keys", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/me/api-keys")]
pub async fn list_my_api_keys(
    state: web::Data<AppState>,
    me: CurrentPerson,
) -> Result<web::Json<ApiKeyList>, ApiError> {
    me.require_staff()?;
    let mut conn = state.conn().await?;
    let rows = ApiKeyRow::in_use(&mut conn, me.practice_id(), Some(me.id())).await?;
    Ok(web::Json(ApiKeyList {
        items: rows.into_iter().map(view).collect(),
    }))
}

/// Revoke one of your API keys: it stops working at once.
#[utoipa::path(
    tag = "api-keys",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The key's id")),
    responses(
        (status = 204, description = "Revoked"),
        (status = 403, description = "Keys cannot revoke keys", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No key of yours in use has this id", body = Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/me/api-keys/{id}")]
pub async fn revoke_my_api_key(
    state: web::Data<AppState>,
    me: CurrentPerson,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    crate::routes::api_keys::revoke(&state, &me, Some(me.id()), id.into_inner()).await
}
