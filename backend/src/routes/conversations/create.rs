//! `POST /api/v1/conversations`.

use std::collections::BTreeMap;

use actix_web::{HttpResponse, post, web};
use confidant_openapi::Problem;
use confidant_openapi::conversations::{
    Conversation as ConversationView, CreateConversationRequest,
};
use diesel_async::AsyncConnection;
use uuid::Uuid;

use super::{
    MESSAGE_PAGE, attach, cannot_send, check_attachment_ids, check_subject_and_body, detail,
};
use crate::auth::CurrentPerson;
use crate::db::models::attachment::Carrier;
use crate::db::models::audit::AuditAction;
use crate::db::models::conversation::{Conversation, NewMessage, NewThread};
use crate::db::models::draft::{self, Place};
use crate::domain::conversations as rules;
use crate::error::ApiError;
use crate::events::{self, Event};
use crate::extract::ApiJson;
use crate::messaging;
use crate::state::AppState;

/// Start a conversation. The recipients decide its kind and so who may reply and who sees
/// whom. Staff groups and "All staff" are
/// expanded now; every recipient with a portal account is notified by email (with no content).
#[utoipa::path(
    tag = "conversations",
    security(("bearer" = [])),
    request_body = CreateConversationRequest,
    responses(
        (status = 201, description = "Sent", body = ConversationView),
        (status = 403, description = "An inactive or archived client cannot send", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Some recipients are not people the caller can write to, or some `attachment_ids` are not the caller's unsent uploads (`errors` names the field)", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Missing or invalid recipients, subject, body or attachments", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/conversations")]
pub async fn create_conversation(
    state: web::Data<AppState>,
    me: CurrentPerson,
    body: ApiJson<CreateConversationRequest>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    rules::may_compose(messaging::viewer(&me.person)).map_err(cannot_send)?;
    // R-COMPOSE: every field's problem at once.
    let mut errors = BTreeMap::new();
    if body.recipients.is_empty() {
        errors.insert(
            "recipients".to_owned(),
            vec!["Add at least one recipient.".to_owned()],
        );
    }
    let (subject, text) = check_subject_and_body(errors, &body.subject, &body.body)?;
    check_attachment_ids(&body.attachment_ids)?;

    let practice_id = me.practice_id();
    let mut conn = state.conn().await?;
    let recipients = messaging::expand_recipients(&mut conn, &me.person, &body.recipients).await?;
    let kinds: Vec<_> = recipients.iter().map(|(_, kind)| *kind).collect();
    let kind = rules::kind_for(&kinds);
    let ids: Vec<_> = recipients.iter().map(|(id, _)| *id).collect();
    let (conversation_id, message_id) = (Uuid::now_v7(), Uuid::now_v7());
    let audit = me
        .audit(AuditAction::MessageSent)
        .target("conversation", conversation_id)
        .details(serde_json::json!({
            "message_id": message_id,
            "recipients": ids.len(),
            "attachments": body.attachment_ids.len(),
        }));
    let thread = NewThread {
        id: conversation_id,
        kind,
        subject: &subject,
        recipient_ids: &ids,
        first: NewMessage {
            id: message_id,
            practice_id,
            conversation_id,
            author_id: me.id(),
            body: &text,
        },
    };
    let conversation = conn
        .transaction(async |conn| {
            let (conversation, message) = Conversation::start(conn, thread, audit).await?;
            attach(
                conn,
                &me.person,
                Carrier::Message(message.id),
                &body.attachment_ids,
            )
            .await?;
            messaging::notify(conn, practice_id, message.id, &ids).await?;
            // What was being written is sent: its draft goes with the same commit.
            draft::remove(conn, me.id(), Place::NewMessage).await?;
            let audience: Vec<_> = std::iter::once(me.id())
                .chain(ids.iter().copied())
                .collect();
            let created = Event::ConversationCreated {
                conversation_id: conversation.id,
                message_id: message.id,
                author_id: me.id(),
            };
            events::record(conn, practice_id, &created, &audience).await?;
            Ok::<_, ApiError>(conversation)
        })
        .await?;
    Ok(HttpResponse::Created().json(
        detail(
            &mut conn,
            &conversation,
            &me.person,
            i64::from(MESSAGE_PAGE),
        )
        .await?,
    ))
}
