//! `/api/v1/webhooks`: the practice's webhook endpoints, for its owners and admins
//! (R-WEBHOOK). Registration checks where the URL leads ([`crate::webhooks::target`]) and
//! answers the signing secret once. (Deliveries from the event log come next.)

use actix_web::{HttpResponse, delete, get, patch, post, web};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use confidant_openapi::Problem;
use confidant_openapi::webhooks::{
    CreateWebhookRequest, CreatedWebhook, UpdateWebhookRequest, Webhook, WebhookList,
};
use uuid::Uuid;

use crate::auth::CurrentPerson;
use crate::db::models::audit::AuditAction;
use crate::db::models::webhook::{WebhookChanges, WebhookEndpoint, event_names};
use crate::encryption;
use crate::error::{ApiError, field_error};
use crate::extract::ApiJson;
use crate::state::AppState;
use crate::webhooks::target;

/// What the sealed secrets are bound to.
const SECRET_PURPOSE: &str = "webhook";

fn view(row: WebhookEndpoint) -> Webhook {
    Webhook {
        id: row.id,
        events: row.event_types(),
        url: row.url,
        enabled: row.disabled_at.is_none(),
        created_at: row.created_at,
    }
}

/// The URL, checked: a 422 on `url` that says why when webhooks may not go there.
async fn checked_url(state: &AppState, raw: &str) -> Result<String, ApiError> {
    let (url, _) = target::check(raw, state.config.webhook_allow_private_networks)
        .await
        .map_err(|refused| field_error("url", refused.to_string()))?;
    Ok(url.to_string())
}

/// Register a webhook endpoint (owner/admin). The URL must be `http` or `https` and resolve
/// only to public addresses (never loopback, private, link-local or metadata addresses);
/// the answer holds the endpoint's `whsec_…` signing secret, this once.
#[utoipa::path(
    tag = "webhooks",
    security(("bearer" = [])),
    request_body = CreateWebhookRequest,
    responses(
        (status = 201, description = "Registered; keep the secret", body = CreatedWebhook),
        (status = 403, description = "Not an owner or admin", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "The URL is not one webhooks may go to (`errors.url` says why), or no event types", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/webhooks")]
pub async fn create_webhook(
    state: web::Data<AppState>,
    me: CurrentPerson,
    body: ApiJson<CreateWebhookRequest>,
) -> Result<HttpResponse, ApiError> {
    me.require_admin()?;
    let body = body.into_inner();
    if body.events.is_empty() {
        return Err(field_error("events", "Choose at least one event type."));
    }
    let url = checked_url(&state, &body.url).await?;
    let id = Uuid::now_v7();
    let secret = format!("whsec_{}", STANDARD.encode(rand::random::<[u8; 32]>()));
    let sealed = encryption::seal_secret(
        &state.config.storage_key,
        SECRET_PURPOSE,
        id,
        secret.as_bytes(),
    )
    .map_err(|error| ApiError::internal("sealing a webhook secret", &error))?;
    let mut conn = state.conn().await?;
    let row = WebhookEndpoint::insert(&mut conn, me.practice_id(), &url, &body.events, &sealed, id)
        .await?;
    me.audit(AuditAction::WebhookChanged)
        .target("webhook", row.id)
        .details(serde_json::json!({"change": "created"}))
        .record(&mut conn)
        .await?;
    Ok(HttpResponse::Created().json(CreatedWebhook {
        secret,
        webhook: view(row),
    }))
}

/// The practice's webhook endpoints (owner/admin), oldest first.
#[utoipa::path(
    tag = "webhooks",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The endpoints", body = WebhookList),
        (status = 403, description = "Not an owner or admin", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/webhooks")]
pub async fn list_webhooks(
    state: web::Data<AppState>,
    me: CurrentPerson,
) -> Result<web::Json<WebhookList>, ApiError> {
    me.require_admin()?;
    let mut conn = state.conn().await?;
    let rows = WebhookEndpoint::of_practice(&mut conn, me.practice_id()).await?;
    Ok(web::Json(WebhookList {
        items: rows.into_iter().map(view).collect(),
    }))
}

/// Change an endpoint (owner/admin): its URL (checked as at registration), its event types,
/// or pause (`enabled: false`) and resume it.
#[utoipa::path(
    tag = "webhooks",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The endpoint's id")),
    request_body = UpdateWebhookRequest,
    responses(
        (status = 200, description = "Changed", body = Webhook),
        (status = 403, description = "Not an owner or admin", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such endpoint in this practice", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "The URL is not one webhooks may go to, or no event types", body = Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/webhooks/{id}")]
pub async fn update_webhook(
    state: web::Data<AppState>,
    me: CurrentPerson,
    id: web::Path<Uuid>,
    body: ApiJson<UpdateWebhookRequest>,
) -> Result<web::Json<Webhook>, ApiError> {
    me.require_admin()?;
    let body = body.into_inner();
    if body.events.as_ref().is_some_and(Vec::is_empty) {
        return Err(field_error("events", "Choose at least one event type."));
    }
    let url = match &body.url {
        Some(raw) => Some(checked_url(&state, raw).await?),
        None => None,
    };
    let changes = WebhookChanges {
        url,
        events: body.events.as_deref().map(event_names),
        disabled_at: body
            .enabled
            .map(|enabled| (!enabled).then(chrono::Utc::now)),
    };
    let mut conn = state.conn().await?;
    let row = WebhookEndpoint::change(&mut conn, me.practice_id(), id.into_inner(), &changes)
        .await?
        .ok_or_else(ApiError::not_found)?;
    me.audit(AuditAction::WebhookChanged)
        .target("webhook", row.id)
        .details(serde_json::json!({"change": "updated"}))
        .record(&mut conn)
        .await?;
    Ok(web::Json(view(row)))
}

/// Remove an endpoint (owner/admin): nothing more is sent to it.
#[utoipa::path(
    tag = "webhooks",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The endpoint's id")),
    responses(
        (status = 204, description = "Removed"),
        (status = 403, description = "Not an owner or admin", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such endpoint in this practice", body = Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/webhooks/{id}")]
pub async fn delete_webhook(
    state: web::Data<AppState>,
    me: CurrentPerson,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    me.require_admin()?;
    let id = id.into_inner();
    let mut conn = state.conn().await?;
    if !WebhookEndpoint::delete(&mut conn, me.practice_id(), id).await? {
        return Err(ApiError::not_found());
    }
    me.audit(AuditAction::WebhookChanged)
        .target("webhook", id)
        .details(serde_json::json!({"change": "deleted"}))
        .record(&mut conn)
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
