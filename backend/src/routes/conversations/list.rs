//! `GET /api/v1/conversations`.

use actix_web::{get, web};
use chrono::{DateTime, Utc};
use confidant_openapi::Problem;
use confidant_openapi::conversations::{
    ConversationPage, ConversationSummary, ConversationsQuery, Folder,
};
use uuid::Uuid;

use crate::auth::CurrentPerson;
use crate::db::models::conversation::{Conversation, FolderFilter, InboxRow};
use crate::domain::conversations as rules;
use crate::domain::search;
use crate::error::ApiError;
use crate::extract::ApiQuery;
use crate::messaging::{self, Visibility};
use crate::pagination;
use crate::state::AppState;

/// How much of the latest message a row shows.
const PREVIEW_CHARS: usize = 140;

/// The caller's conversations, newest activity first: `inbox` (threads with messages from
/// others, not archived), `sent` (with messages from the caller), `archived` or `all`; with
/// `q`, a search of all of them, newest activity first too; with `with`, only threads with that
/// person. Each row shows only the participants the caller may see and the caller's own
/// unread count.
#[utoipa::path(
    tag = "conversations",
    security(("bearer" = [])),
    params(ConversationsQuery),
    responses(
        (status = 200, description = "A page of conversations", body = ConversationPage),
        (status = 400, description = "A malformed cursor or folder", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A bad limit", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/conversations")]
pub async fn list_conversations(
    state: web::Data<AppState>,
    me: CurrentPerson,
    query: ApiQuery<ConversationsQuery>,
) -> Result<web::Json<ConversationPage>, ApiError> {
    let query = query.into_inner();
    let limit = pagination::page_size(query.limit, 25, 100)?;
    let folder = match query.folder.unwrap_or_default() {
        Folder::Inbox => FolderFilter::Inbox,
        Folder::Sent => FolderFilter::Sent,
        Folder::Archived => FolderFilter::Archived,
        Folder::All => FolderFilter::All,
    };
    let viewer = messaging::viewer(&me.person);
    let with = query.with_person;
    let mut conn = state.conn().await?;
    // A blank `q` is no search; one without a letter or digit finds nothing.
    let search = query.q.as_deref().map(str::trim).filter(|q| !q.is_empty());
    // A search pages as its folder does: newest activity first, after the last row shown.
    let after = query
        .cursor
        .as_deref()
        .map(pagination::decode::<(DateTime<Utc>, Uuid)>)
        .transpose()?;
    let rows = match search.map(search::prefix_query) {
        Some(None) => Vec::new(),
        Some(Some(tsquery)) => {
            Conversation::search(&mut conn, viewer, &tsquery, with, after, limit + 1).await?
        }
        None => {
            Conversation::page(
                &mut conn,
                viewer,
                folder,
                with,
                query.blast_threads.unwrap_or(true),
                after,
                limit + 1,
            )
            .await?
        }
    };
    let (rows, next_cursor) = cut(rows, limit);
    let ids: Vec<Uuid> = rows.iter().map(|row| row.conversation.id).collect();
    let people = Conversation::participants(&mut conn, &ids).await?;
    let items = rows
        .into_iter()
        .map(|row| {
            let InboxRow {
                conversation,
                participant: part,
                latest_body,
            } = row;
            let writers = messaging::writers(conversation.id, conversation.started_by, &people);
            let kind = conversation.kind();
            let visibility = Visibility::new(kind, viewer, writers);
            let in_thread: Vec<_> = people
                .iter()
                .filter(|p| p.conversation_id == conversation.id)
                .cloned()
                .collect();
            ConversationSummary {
                id: conversation.id,
                subject: conversation.subject,
                preview: latest_body.as_deref().map(preview).unwrap_or_default(),
                last_message_at: part.last_message_at,
                unread_count: part.unread_count,
                archived: part.archived_at.is_some(),
                can_reply: rules::may_post(kind, viewer).is_ok(),
                participants: visibility.participants(&in_thread),
            }
        })
        .collect();
    Ok(web::Json(ConversationPage { items, next_cursor }))
}

/// `rows` (fetched one over `limit`) cut to `limit`, with the cursor of the next page when
/// there is one: the last row kept, by its place in the order (its `last_message_at`, then
/// its thread).
fn cut(mut rows: Vec<InboxRow>, limit: i64) -> (Vec<InboxRow>, Option<String>) {
    if rows.len() as i64 > limit {
        rows.truncate(limit as usize);
        let next = rows.last().map(|last| {
            pagination::encode(&(
                last.participant.last_message_at,
                last.participant.conversation_id,
            ))
        });
        (rows, next)
    } else {
        (rows, None)
    }
}

/// The start of a message on one line: its words joined by single spaces, cut after
/// [`PREVIEW_CHARS`] characters (with "…" when cut). It stops reading at the cut, so a long
/// message costs a row no more than a short one (the whole body was split and joined).
fn preview(body: &str) -> String {
    let mut line = String::with_capacity(PREVIEW_CHARS + 4);
    let mut count = 0;
    for (index, word) in body.split_whitespace().enumerate() {
        let space = if index == 0 { "" } else { " " };
        for c in space.chars().chain(word.chars()) {
            if count == PREVIEW_CHARS {
                line.truncate(line.trim_end().len());
                line.push('…');
                return line;
            }
            line.push(c);
            count += 1;
        }
    }
    line
}

#[cfg(test)]
mod tests {
    use super::preview;

    #[test]
    fn previews_are_one_short_line() {
        assert_eq!(preview("Hello\n\nthere  you"), "Hello there you");
        let long = "é".repeat(300);
        let short = preview(&long);
        assert_eq!(short.chars().count(), 141);
        assert!(short.ends_with('…'));
    }

    #[test]
    fn a_preview_is_cut_after_140_characters_and_never_ends_in_a_space() {
        let exactly = "a".repeat(140);
        assert_eq!(preview(&exactly), exactly, "140 characters fit");
        assert_eq!(
            preview(&format!("{exactly}  \n ")),
            exactly,
            "trailing space is no text"
        );
        assert_eq!(
            preview(&format!("{exactly} b")),
            format!("{exactly}…"),
            "the space after the 140th character is cut, not kept"
        );
        let words = format!("{} bcd", "a".repeat(138));
        assert_eq!(
            preview(&words),
            format!("{} b…", "a".repeat(138)),
            "a word is cut where the line is"
        );
        let spaced = format!("{} \t\n  b", "a".repeat(139));
        assert_eq!(preview(&spaced), format!("{}…", "a".repeat(139)));
    }
}
