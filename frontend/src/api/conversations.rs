//! Conversations (listed, searched, filtered by person), their messages, read marks, archiving,
//! deletion and the unread badge (`/api/v1/conversations`, `/api/v1/unread`).

use confidant_openapi::conversations::{
    Conversation, ConversationPage, ConversationsQuery, CreateConversationRequest,
    CreateMessageRequest, Folder, Message, MessagePage, UnreadCounts,
};
use uuid::Uuid;

use super::{ApiError, Method, call, call_empty, query_value};

/// The name of a folder in a query string (the API's and the app's own addresses).
pub fn folder_name(folder: Folder) -> &'static str {
    match folder {
        Folder::Inbox => "inbox",
        Folder::Sent => "sent",
        Folder::Archived => "archived",
        Folder::All => "all",
    }
}

/// `GET /api/v1/conversations?folder=…&q=…&with=…&blast_threads=…&cursor=…`: one page of a folder
/// or of a search over every folder (both newest activity first), narrowed by `with` to one
/// person's threads. Only the fields that are set are sent.
pub async fn list(token: &str, query: &ConversationsQuery) -> Result<ConversationPage, ApiError> {
    let mut params = Vec::new();
    if let Some(folder) = query.folder {
        params.push(format!("folder={}", folder_name(folder)));
    }
    if let Some(q) = &query.q {
        params.push(format!("q={}", query_value(q)));
    }
    if let Some(person) = query.with_person {
        params.push(format!("with={person}"));
    }
    if let Some(blast_threads) = query.blast_threads {
        params.push(format!("blast_threads={blast_threads}"));
    }
    if let Some(cursor) = &query.cursor {
        params.push(format!("cursor={}", query_value(cursor)));
    }
    if let Some(limit) = query.limit {
        params.push(format!("limit={limit}"));
    }
    let mut path = "/api/v1/conversations".to_owned();
    if !params.is_empty() {
        path.push('?');
        path.push_str(&params.join("&"));
    }
    call::<(), _>(Method::Get, &path, Some(token), None).await
}

/// `GET /api/v1/conversations/{id}`: the thread with its latest messages (50) and the cursor
/// for those before them; the server marks it read.
pub async fn get(token: &str, id: Uuid) -> Result<Conversation, ApiError> {
    call::<(), _>(
        Method::Get,
        &format!("/api/v1/conversations/{id}"),
        Some(token),
        None,
    )
    .await
}

/// `GET /api/v1/conversations/{id}/messages?before=…&limit=…`: the `limit` messages before
/// `before` (a thread's `older_messages_cursor` or a page's `next_cursor`), oldest first.
pub async fn older_messages(
    token: &str,
    id: Uuid,
    before: &str,
    limit: u32,
) -> Result<MessagePage, ApiError> {
    let path = format!(
        "/api/v1/conversations/{id}/messages?before={}&limit={limit}",
        query_value(before)
    );
    call::<(), _>(Method::Get, &path, Some(token), None).await
}

/// `POST /api/v1/conversations`: starts a thread.
pub async fn create(
    token: &str,
    body: &CreateConversationRequest,
) -> Result<Conversation, ApiError> {
    call(
        Method::Post,
        "/api/v1/conversations",
        Some(token),
        Some(body),
    )
    .await
}

/// `POST /api/v1/conversations/{id}/messages`: replies in a thread.
pub async fn reply(
    token: &str,
    id: Uuid,
    body: &CreateMessageRequest,
) -> Result<Message, ApiError> {
    call(
        Method::Post,
        &format!("/api/v1/conversations/{id}/messages"),
        Some(token),
        Some(body),
    )
    .await
}

/// `POST /api/v1/conversations/{id}/read`: marks a thread read without opening it.
pub async fn mark_read(token: &str, id: Uuid) -> Result<(), ApiError> {
    call_empty::<()>(
        Method::Post,
        &format!("/api/v1/conversations/{id}/read"),
        Some(token),
        None,
    )
    .await
}

/// `POST /api/v1/conversations/{id}/archive`: out of the caller's inbox (and read), for them
/// only; its next message brings it back.
pub async fn archive(token: &str, id: Uuid) -> Result<(), ApiError> {
    call_empty::<()>(
        Method::Post,
        &format!("/api/v1/conversations/{id}/archive"),
        Some(token),
        None,
    )
    .await
}

/// `DELETE /api/v1/conversations/{id}/archive`: back to the caller's inbox.
pub async fn unarchive(token: &str, id: Uuid) -> Result<(), ApiError> {
    call_empty::<()>(
        Method::Delete,
        &format!("/api/v1/conversations/{id}/archive"),
        Some(token),
        None,
    )
    .await
}

/// `DELETE /api/v1/conversations/{id}`: the whole thread, for good.
pub async fn delete_conversation(token: &str, id: Uuid) -> Result<(), ApiError> {
    call_empty::<()>(
        Method::Delete,
        &format!("/api/v1/conversations/{id}"),
        Some(token),
        None,
    )
    .await
}

/// `DELETE /api/v1/conversations/{id}/messages/{message_id}`: one message, for good.
pub async fn delete_message(token: &str, id: Uuid, message_id: Uuid) -> Result<(), ApiError> {
    call_empty::<()>(
        Method::Delete,
        &format!("/api/v1/conversations/{id}/messages/{message_id}"),
        Some(token),
        None,
    )
    .await
}

/// `GET /api/v1/unread`: the counts behind the badge.
pub async fn unread(token: &str) -> Result<UnreadCounts, ApiError> {
    call::<(), _>(Method::Get, "/api/v1/unread", Some(token), None).await
}
