//! `Idempotency-Key` on creating POSTs (R-IDEMPOTENT, the Stripe convention), as middleware:
//! the first answer to a request sent with a key is kept for 24 hours per person and key; the
//! same key with the same request gets that answer again (with `Idempotent-Replayed: true`)
//! without the work being done again; with a different request it is a 422; while the first
//! is still being worked on, a 409.
//!
//! Written here rather than taken from a crate: none fits actix-web with a PostgreSQL store
//! that survives restarts and is shared by every instance. The caller is the person the
//! bearer credential names (an access token or an API key); a request without a valid one is
//! passed on untouched and refused by the route. Answers 5xx, 429 and 503 are not kept: the
//! caller should retry them, and a retry does the work.

use std::pin::Pin;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::error::PayloadError;
use actix_web::http::header::{CONTENT_TYPE, HeaderValue};
use actix_web::http::{Method, StatusCode};
use actix_web::middleware::Next;
use actix_web::{Error, HttpMessage, HttpResponse, web};
use bytes::{Bytes, BytesMut};
use confidant_openapi::ProblemCode;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use futures_util::StreamExt;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::auth::current::{API_KEY_PREFIX, bearer_token};
use crate::auth::refresh::token_hash;
use crate::db::models::idempotency_key::IdempotencyKey;
use crate::db::schema::api_keys;
use crate::error::{ApiError, field_error};
use crate::state::AppState;

/// The request header.
pub const HEADER: &str = "Idempotency-Key";
/// The header on a replayed answer.
pub const REPLAYED: &str = "Idempotent-Replayed";
/// The longest key accepted.
pub const MAX_KEY_LEN: usize = 255;
/// The largest body remembered (an upload's limit, with room for its form).
const MAX_BODY: usize = 11 * 1024 * 1024;

/// Whether `POST path` is a creating route that honours the header.
pub fn applies_to(method: &Method, path: &str) -> bool {
    if method != Method::POST {
        return false;
    }
    let segments: Vec<&str> = path.trim_end_matches('/').split('/').collect();
    matches!(
        segments.as_slice(),
        [
            "",
            "api",
            "v1",
            "conversations" | "blasts" | "attachments" | "people"
        ] | ["", "api", "v1", "conversations", _, "messages"]
    )
}

/// The middleware: `App::new().wrap(from_fn(idempotency::remember))`.
pub async fn remember(
    mut request: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    let key = request
        .headers()
        .get(HEADER)
        .map(|value| value.to_str().map(str::to_owned));
    let Some(key) = key.filter(|_| applies_to(request.method(), request.path())) else {
        return Ok(next.call(request).await?.map_into_boxed_body());
    };
    let key = match key {
        Ok(key) if is_valid_key(&key) => key,
        _ => {
            return Err(field_error(
                HEADER,
                format!("Send 1 to {MAX_KEY_LEN} visible ASCII characters (a UUID is a good key)."),
            )
            .into());
        }
    };
    let Some(state) = request.app_data::<web::Data<AppState>>().cloned() else {
        return Ok(next.call(request).await?.map_into_boxed_body());
    };
    let Some(person_id) = caller(&state, &request).await? else {
        return Ok(next.call(request).await?.map_into_boxed_body());
    };
    let body = read_body(&mut request).await?;
    let fingerprint = fingerprint(&request, &body);
    request.set_payload(payload_of(body));

    let mut conn = state.conn().await?;
    if !IdempotencyKey::claim(&mut conn, person_id, &key, &fingerprint)
        .await
        .map_err(ApiError::from)?
    {
        let Some(kept) = IdempotencyKey::find(&mut conn, person_id, &key)
            .await
            .map_err(ApiError::from)?
        else {
            return Err(in_progress().into());
        };
        if kept.request_hash != fingerprint {
            return Err(field_error(
                HEADER,
                "This key was used with a different request: use a new key for a new request.",
            )
            .into());
        }
        let Some(status) = kept.status_code else {
            return Err(in_progress().into());
        };
        let (http_request, _) = request.into_parts();
        let mut answer = HttpResponse::build(
            StatusCode::from_u16(u16::try_from(status).unwrap_or(500))
                .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
        );
        if let Some(content_type) = kept.content_type {
            answer.insert_header((CONTENT_TYPE, content_type));
        }
        answer.insert_header((REPLAYED, HeaderValue::from_static("true")));
        let answer = answer.body(kept.body.unwrap_or_default());
        return Ok(ServiceResponse::new(http_request, answer));
    }
    drop(conn);

    let response = next.call(request).await?;
    let (http_request, response) = response.into_parts();
    let status = response.status();
    let (head, body) = response.into_parts();
    let bytes = actix_web::body::to_bytes(body)
        .await
        .map_err(|_| ApiError::new(ProblemCode::Internal, "The answer could not be read."))?;
    let mut conn = state.conn().await?;
    let transient = status.is_server_error() || status == StatusCode::TOO_MANY_REQUESTS;
    if transient {
        IdempotencyKey::release(&mut conn, person_id, &key)
            .await
            .map_err(ApiError::from)?;
    } else {
        let content_type = head
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|value| value.to_str().ok());
        IdempotencyKey::complete(
            &mut conn,
            person_id,
            &key,
            status.as_u16(),
            content_type,
            &bytes,
        )
        .await
        .map_err(ApiError::from)?;
    }
    Ok(ServiceResponse::new(
        http_request,
        head.set_body(BoxBody::new(bytes)),
    ))
}

/// 1 to [`MAX_KEY_LEN`] visible ASCII characters (the pattern the document states).
fn is_valid_key(key: &str) -> bool {
    (1..=MAX_KEY_LEN).contains(&key.len()) && key.bytes().all(|b| b.is_ascii_graphic())
}

fn in_progress() -> ApiError {
    ApiError::new(
        ProblemCode::Conflict,
        "A request with this Idempotency-Key is still being worked on: retry it in a moment.",
    )
}

/// The person the request's bearer credential names, if it is valid.
async fn caller(state: &AppState, request: &ServiceRequest) -> Result<Option<Uuid>, ApiError> {
    let Some(token) = bearer_token(request.headers()) else {
        return Ok(None);
    };
    if token.starts_with(API_KEY_PREFIX) {
        let mut conn = state.conn().await?;
        let person: Option<Uuid> = api_keys::table
            .filter(api_keys::key_hash.eq(token_hash(token)))
            .filter(api_keys::revoked_at.is_null())
            .select(api_keys::person_id)
            .first(&mut conn)
            .await
            .optional()?;
        return Ok(person);
    }
    Ok(state.tokens.verify(token).ok().map(|claims| claims.sub))
}

/// The whole body, up to [`MAX_BODY`].
async fn read_body(request: &mut ServiceRequest) -> Result<Bytes, ApiError> {
    let mut payload = request.take_payload();
    let mut body = BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|_| {
            ApiError::new(
                ProblemCode::BadRequest,
                "The request body could not be read.",
            )
        })?;
        if body.len() + chunk.len() > MAX_BODY {
            return Err(ApiError::new(
                ProblemCode::PayloadTooLarge,
                "The body is too large.",
            ));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body.freeze())
}

fn payload_of(body: Bytes) -> Payload {
    let stream: Pin<Box<dyn futures_util::Stream<Item = Result<Bytes, PayloadError>>>> =
        Box::pin(futures_util::stream::once(async move { Ok(body) }));
    Payload::from(stream)
}

/// What makes two requests the same: the route and the body. A form's boundary is chosen
/// anew by the client for each attempt, so it is left out.
fn fingerprint(request: &ServiceRequest, body: &[u8]) -> Vec<u8> {
    let content_type = request
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default();
    let boundary = content_type
        .split(';')
        .filter_map(|part| part.trim().strip_prefix("boundary="))
        .next()
        .map(|boundary| boundary.trim_matches('"'));
    let mut hash = Sha256::new();
    hash.update(request.path().as_bytes());
    hash.update([0]);
    match boundary.filter(|b| !b.is_empty()) {
        Some(boundary) => {
            let mut rest = body;
            let finder = memchr::memmem::Finder::new(boundary.as_bytes());
            while let Some(at) = finder.find(rest) {
                hash.update(&rest[..at]);
                rest = &rest[at + boundary.len()..];
            }
            hash.update(rest);
        }
        None => hash.update(body),
    }
    hash.finalize().to_vec()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_creating_posts_take_a_key() {
        // R-IDEMPOTENT
        for path in [
            "/api/v1/conversations",
            "/api/v1/blasts",
            "/api/v1/attachments",
            "/api/v1/people",
            "/api/v1/conversations/0193a5b0-0000-7000-8000-000000000000/messages",
        ] {
            assert!(applies_to(&Method::POST, path), "{path}");
        }
        assert!(!applies_to(&Method::GET, "/api/v1/conversations"));
        assert!(is_valid_key("9c1e7e8a-5b0e-4f7e-9a53-3f3c2b1a0d9e"));
        assert!(!is_valid_key(""));
        assert!(!is_valid_key("has space"));
        assert!(!is_valid_key(&"k".repeat(MAX_KEY_LEN + 1)));
        assert!(!applies_to(&Method::POST, "/api/v1/auth/login"));
        assert!(!applies_to(
            &Method::POST,
            "/api/v1/conversations/0193a5b0-0000-7000-8000-000000000000/read"
        ));
    }
}
