//! `POST /api/v1/conversations/{id}/messages`.

use actix_web::{HttpResponse, post, web};
use confidant_openapi::Problem;
use confidant_openapi::conversations::{CreateMessageRequest, Message as MessageView};
use diesel_async::AsyncConnection;
use uuid::Uuid;

use super::{attach, cannot_send, check_attachment_ids};
use crate::auth::CurrentPerson;
use crate::db::models::attachment::{Attachment, Carrier};
use crate::db::models::audit::AuditAction;
use crate::db::models::conversation::{Conversation, NewMessage, ReplyContext};
use crate::domain::conversations as rules;
use crate::error::{ApiError, field_error};
use crate::events::{self, Event};
use crate::extract::ApiJson;
use crate::jobs;
use crate::messaging::{self, message_view};
use crate::state::AppState;

/// Reply in a conversation, when the caller may (`can_reply`): not a client in a thread sent
/// to several clients, not an inactive or archived client.
/// The other participants with portal accounts are notified.
#[utoipa::path(
    tag = "conversations",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The conversation's id")),
    request_body = CreateMessageRequest,
    responses(
        (status = 201, description = "Sent", body = MessageView),
        (status = 403, description = "The caller may not post here; the detail says why", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such conversation among the caller's, or some `attachment_ids` are not the caller's unsent uploads (`errors` names the field)", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "An empty or too long body", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/conversations/{id}/messages")]
pub async fn post_message(
    state: web::Data<AppState>,
    me: CurrentPerson,
    id: web::Path<Uuid>,
    body: ApiJson<CreateMessageRequest>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let practice_id = me.practice_id();
    let viewer = messaging::viewer(&me.person);
    let mut conn = state.conn().await?;
    // The thread, everyone else in it and whom to email, in one statement before the
    // transaction; then the message with its audit record, the emails, the participants and
    // the event: a reply is 8 statements with the session check, BEGIN and COMMIT.
    let ReplyContext {
        conversation,
        others,
        reachable,
        combine_notifications,
    } = Conversation::for_reply(&mut conn, practice_id, id.into_inner(), me.id())
        .await?
        .ok_or_else(ApiError::not_found)?;
    rules::may_post(conversation.kind(), viewer).map_err(cannot_send)?;
    let text = rules::check_body(&body.body).map_err(|e| field_error("body", e))?;
    check_attachment_ids(&body.attachment_ids)?;
    let message_id = Uuid::now_v7();
    let new = NewMessage {
        id: message_id,
        practice_id,
        conversation_id: conversation.id,
        author_id: me.id(),
        body: &text,
    };
    let audit = me
        .audit(AuditAction::MessageSent)
        .target("conversation", conversation.id)
        .details(serde_json::json!({
            "message_id": message_id,
            "attachments": body.attachment_ids.len(),
        }));
    let deliveries: Vec<(Uuid, Uuid)> = reachable
        .iter()
        .map(|person| (message_id, *person))
        .collect();
    let message = conn
        .transaction(async |conn| {
            let message = Conversation::add_message(conn, new, audit).await?;
            attach(
                conn,
                &me.person,
                Carrier::Message(message.id),
                &body.attachment_ids,
            )
            .await?;
            messaging::enqueue_notifications(
                conn,
                &deliveries,
                combine_notifications,
                jobs::Priority::Normal,
            )
            .await?;
            let audience: Vec<_> = std::iter::once(me.id())
                .chain(others.iter().copied())
                .collect();
            // Last but the event: it locks the recipients' unread counters until commit.
            Conversation::mark_posted(conn, &message).await?;
            let created = Event::MessageCreated {
                conversation_id: conversation.id,
                message_id: message.id,
                author_id: me.id(),
            };
            events::record(conn, practice_id, &created, &audience).await?;
            Ok::<_, ApiError>(message)
        })
        .await?;
    let author = confidant_openapi::conversations::Participant {
        id: me.id(),
        name: me.person.name.clone(),
        kind: me.person.kind(),
    };
    // A reply without files has none to look up.
    let attachments = if body.attachment_ids.is_empty() {
        Vec::new()
    } else {
        Attachment::of_messages(&mut conn, &[message.id])
            .await?
            .remove(&message.id)
            .unwrap_or_default()
    };
    Ok(HttpResponse::Created().json(message_view(&message, author, attachments, viewer)))
}
