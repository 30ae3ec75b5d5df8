//! Drafts kept on the server while people type (`/api/v1/drafts/new` for the new message,
//! `/api/v1/conversations/{id}/draft` for a thread's reply). Never in the browser's storage:
//! clinic computers are shared.

use confidant_openapi::drafts::{Draft, ReplyDraft, SaveDraftRequest, SaveReplyDraftRequest};
use gloo_net::http::Response;
use serde::de::DeserializeOwned;
use uuid::Uuid;

use super::{ApiError, Delivery, Method, call_empty, decode, send, send_as};

const NEW: &str = "/api/v1/drafts/new";

fn reply_path(id: Uuid) -> String {
    format!("/api/v1/conversations/{id}/draft")
}

/// The answer of a read or a save: `None` when there is no draft (404 on a read, 204 after
/// saving empty text, which deletes it).
async fn maybe<T: DeserializeOwned>(response: Response) -> Result<Option<T>, ApiError> {
    match response.status() {
        204 | 404 => Ok(None),
        _ => decode(response, false).await.map(Some),
    }
}

/// `GET /api/v1/drafts/new`: the new message the caller was writing, if any.
pub async fn get_new(token: &str) -> Result<Option<Draft>, ApiError> {
    maybe(send::<()>(Method::Get, NEW, Some(token), None).await?).await
}

/// `PUT /api/v1/drafts/new`: saves it as it is now; `None` when everything was empty and the
/// draft is gone. [`Delivery::KeepAlive`] as the page goes away.
pub async fn save_new(
    token: &str,
    body: &SaveDraftRequest,
    delivery: Delivery,
) -> Result<Option<Draft>, ApiError> {
    maybe(send_as(Method::Put, NEW, Some(token), body, delivery).await?).await
}

/// `DELETE /api/v1/drafts/new`: the writer discarded it.
pub async fn delete_new(token: &str) -> Result<(), ApiError> {
    call_empty::<()>(Method::Delete, NEW, Some(token), None).await
}

/// `GET /api/v1/conversations/{id}/draft`: the reply the caller was writing there, if any.
pub async fn get_reply(token: &str, id: Uuid) -> Result<Option<ReplyDraft>, ApiError> {
    maybe(send::<()>(Method::Get, &reply_path(id), Some(token), None).await?).await
}

/// `PUT /api/v1/conversations/{id}/draft`: saves the reply as it is now; `None` when the text
/// was empty and the draft is gone. [`Delivery::KeepAlive`] as the page goes away.
pub async fn save_reply(
    token: &str,
    id: Uuid,
    body: &SaveReplyDraftRequest,
    delivery: Delivery,
) -> Result<Option<ReplyDraft>, ApiError> {
    maybe(send_as(Method::Put, &reply_path(id), Some(token), body, delivery).await?).await
}
