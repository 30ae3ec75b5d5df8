//! `/api/v1/conversations`: threads, messages, read marks and deletion. A conversation is
//! visible only to its participants (R-READ); to anyone else it does not exist (404).

pub mod archive;
pub mod create;
pub mod delete;
pub mod delete_message;
pub mod get;
pub mod list;
pub mod list_messages;
pub mod post_message;
pub mod read;

use std::collections::{BTreeMap, HashMap, HashSet};

use confidant_openapi::ProblemCode;
use confidant_openapi::attachments::MAX_ATTACHMENTS_PER_MESSAGE;
use confidant_openapi::conversations::{Conversation as ConversationView, MessagePage, ReplyBlock};
use diesel_async::AsyncPgConnection;
use uuid::Uuid;

use crate::db::models::attachment::{AttachError, Attachment, Carrier};
use crate::db::models::conversation::{Conversation, ParticipantInfo};
use crate::db::models::person::Person;
use crate::domain::conversations as rules;
use crate::error::{ApiError, field_error, unknown_ids};
use crate::messaging::{self, Visibility, message_view, participant};
use crate::pagination;

/// The refusal of every route on one of the caller's conversations, declared once for the
/// document: to anyone who does not take part, a conversation does not exist.
#[derive(utoipa::IntoResponses)]
#[expect(dead_code, reason = "only the OpenAPI derive reads it")]
pub(crate) enum NotTheCallers {
    /// No such conversation among the caller's
    #[response(status = 404, content_type = "application/problem+json")]
    NotFound(confidant_openapi::Problem),
}

/// How many messages a page of a thread holds unless `limit` says otherwise, and at most.
pub const MESSAGE_PAGE: u32 = 50;
/// See [`MESSAGE_PAGE`].
pub const MESSAGE_PAGE_MAX: u32 = 200;

/// The thread as `me` may see it, with its latest `limit` messages.
pub async fn detail(
    conn: &mut AsyncPgConnection,
    conversation: &Conversation,
    me: &Person,
    limit: i64,
) -> Result<ConversationView, ApiError> {
    let viewer = messaging::viewer(me);
    let kind = conversation.kind();
    let people = Conversation::participants(conn, &[conversation.id]).await?;
    let page = message_page(conn, conversation.id, &people, viewer, None, limit).await?;
    let writers = messaging::writers(conversation.id, conversation.started_by, &people);
    let visibility = Visibility::new(kind, viewer, writers);
    let started_by = people
        .iter()
        .find(|p| p.person_id == conversation.started_by)
        .map(participant)
        .ok_or(diesel::result::Error::NotFound)?;
    let reply = rules::may_post(kind, viewer);
    Ok(ConversationView {
        id: conversation.id,
        subject: conversation.subject.clone(),
        kind,
        started_by,
        participants: visibility.participants(&people),
        can_reply: reply.is_ok(),
        reply_blocked: reply.err(),
        can_delete: rules::may_delete_conversation(viewer, conversation.started_by),
        messages: page.items,
        older_messages_cursor: page.next_cursor,
    })
}

/// Up to `limit` messages of thread `id` before `before` (or its latest), oldest first, with
/// the cursor for the ones before them.
pub async fn message_page(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    people: &[ParticipantInfo],
    viewer: rules::Viewer,
    before: Option<(chrono::DateTime<chrono::Utc>, Uuid)>,
    limit: i64,
) -> Result<MessagePage, ApiError> {
    let mut rows = Conversation::messages_before(conn, id, before, limit + 1).await?;
    let more = rows.len() as i64 > limit;
    rows.truncate(usize::try_from(limit).unwrap_or_default());
    let next_cursor = more
        .then(|| {
            rows.last()
                .map(|row| pagination::encode(&(row.created_at, row.id)))
        })
        .flatten();
    rows.reverse();
    let by_id: HashMap<_, _> = people
        .iter()
        .map(|p| (p.person_id, participant(p)))
        .collect();
    let mut files =
        Attachment::of_messages(conn, &rows.iter().map(|m| m.id).collect::<Vec<_>>()).await?;
    let items = rows
        .iter()
        .map(|row| {
            let author = by_id
                .get(&row.author_id)
                .cloned()
                .ok_or(diesel::result::Error::NotFound)?;
            let attachments = files.remove(&row.id).unwrap_or_default();
            Ok(message_view(row, author, attachments, viewer))
        })
        .collect::<Result<Vec<_>, diesel::result::Error>>()?;
    Ok(MessagePage { items, next_cursor })
}

/// The 403 that says why someone may not send.
pub fn cannot_send(block: ReplyBlock) -> ApiError {
    ApiError::new(
        ProblemCode::Forbidden,
        match block {
            ReplyBlock::Inactive => {
                "Your account is inactive: you can read your messages but not send new ones. \
                 Please contact your practice."
            }
            ReplyBlock::MultiClient => {
                "This message was sent to several clients, so it cannot be answered here. \
                 Write a new message to reply."
            }
        },
    )
}

/// The `attachment_ids` of a new message, checked before anything is written: at most
/// [`MAX_ATTACHMENTS_PER_MESSAGE`], none twice. Whether each is the sender's own unsent upload
/// is checked as they are claimed, in the message's transaction.
pub fn check_attachment_ids(ids: &[Uuid]) -> Result<(), ApiError> {
    if ids.len() > MAX_ATTACHMENTS_PER_MESSAGE {
        return Err(field_error(
            "attachment_ids",
            format!("A message can carry at most {MAX_ATTACHMENTS_PER_MESSAGE} files."),
        ));
    }
    if ids.iter().collect::<HashSet<_>>().len() != ids.len() {
        return Err(field_error(
            "attachment_ids",
            "The same file is attached twice.",
        ));
    }
    Ok(())
}

/// Puts the uploads on a message or blast, inside its transaction: a refusal undoes the
/// message too.
pub async fn attach(
    conn: &mut AsyncPgConnection,
    me: &Person,
    carrier: Carrier,
    ids: &[Uuid],
) -> Result<(), ApiError> {
    Attachment::attach(conn, me.practice_id, me.id, carrier, ids)
        .await
        .map_err(|error| match error {
            AttachError::NotYours => unknown_ids(
                "attachment_ids",
                "Some files are not uploads of yours waiting to be sent (they may already have \
                 been sent, or have expired). Upload them again.",
            ),
            AttachError::Database(error) => error.into(),
        })
}

/// R-COMPOSE: the subject and body of a new thread or blast, checked, with every problem
/// (these and those already in `errors`) answered at once.
pub fn check_subject_and_body(
    mut errors: BTreeMap<String, Vec<String>>,
    subject: &str,
    body: &str,
) -> Result<(String, String), ApiError> {
    let subject = rules::check_subject(subject)
        .map_err(|e| errors.insert("subject".to_owned(), vec![e]))
        .ok();
    let body = rules::check_body(body)
        .map_err(|e| errors.insert("body".to_owned(), vec![e]))
        .ok();
    match (subject, body) {
        (Some(subject), Some(body)) if errors.is_empty() => Ok((subject, body)),
        _ => Err(ApiError::validation(errors)),
    }
}
