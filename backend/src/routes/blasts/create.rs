//! `POST /api/v1/blasts`.

use std::collections::BTreeMap;

use actix_web::{HttpResponse, post, web};
use confidant_openapi::Problem;
use confidant_openapi::blasts::{Blast as BlastView, CreateBlastRequest};
use diesel_async::AsyncConnection;
use uuid::Uuid;

use crate::auth::CurrentPerson;
use crate::blasts::BlastFanOutJob;
use crate::db::models::attachment::Carrier;
use crate::db::models::audit::AuditAction;
use crate::db::models::blast::Blast;
use crate::domain::blasts as blast_rules;
use crate::error::{ApiError, field_error, unknown_ids};
use crate::extract::ApiJson;
use crate::jobs;
use crate::routes::conversations::{attach, check_attachment_ids, check_subject_and_body};
use crate::state::AppState;

/// Send one message to many clients, each as a **new** private thread with the sender only
///: to each client it looks like a personal message. The selection is the
/// listed `client_ids`, plus the sender's active assigned clients with `all_my_active_clients`
///, minus `exclude_client_ids`; at least 2. It is resolved and
/// stored now, and the answer comes at once (202); a background worker makes
/// the threads, skipping clients who are not active. Follow its progress
/// with `GET /api/v1/blasts/{id}`.
#[utoipa::path(
    tag = "blasts",
    security(("bearer" = [])),
    request_body = CreateBlastRequest,
    responses(
        (status = 202, description = "Accepted; threads are being made", body = BlastView),
        (status = 403, description = "Not staff", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Some `client_ids` are not clients of the practice, or some `attachment_ids` are not the caller's unsent uploads (`errors` names the field)", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Fewer than 2 clients selected (after `exclude_client_ids` and leaving out clients who are not active), or an invalid subject or body", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/blasts")]
pub async fn create_blast(
    state: web::Data<AppState>,
    me: CurrentPerson,
    body: ApiJson<CreateBlastRequest>,
) -> Result<HttpResponse, ApiError> {
    me.require_staff()?;
    let body = body.into_inner();
    let (subject, text) = check_subject_and_body(BTreeMap::new(), &body.subject, &body.body)?;
    check_attachment_ids(&body.attachment_ids)?;

    let practice_id = me.practice_id();
    let mut conn = state.conn().await?;
    let mine = if body.all_my_active_clients {
        Blast::active_clients_of(&mut conn, practice_id, me.id()).await?
    } else {
        Vec::new()
    };
    let selected = blast_rules::select(&body.client_ids, &mine, &body.exclude_client_ids);
    // Every selected id must be a client of this practice; which one is not, is not said.
    if Blast::count_clients(&mut conn, practice_id, &selected).await? != selected.len() as i64 {
        return Err(unknown_ids(
            "client_ids",
            "Some selected people are not clients of your practice.",
        ));
    }
    blast_rules::check_selection_size(selected.len()).map_err(|e| field_error("client_ids", e))?;

    let blast = Blast {
        id: Uuid::now_v7(),
        practice_id,
        sender_id: me.id(),
        subject,
        body: text,
        state: "queued".into(),
        total: i32::try_from(selected.len()).unwrap_or(i32::MAX),
        sent: 0,
        skipped: 0,
        failed: 0,
        created_at: chrono::Utc::now(),
        finished_at: None,
    };
    conn.transaction(async |conn| {
        blast.insert(conn, &selected).await?;
        attach(
            conn,
            &me.person,
            Carrier::Blast(blast.id),
            &body.attachment_ids,
        )
        .await?;
        jobs::enqueue(
            conn,
            &BlastFanOutJob { blast_id: blast.id },
            Some(&BlastFanOutJob::key(blast.id)),
        )
        .await?;
        me.audit(AuditAction::BlastSent)
            .target("blast", blast.id)
            .details(serde_json::json!({
                "clients": selected.len(),
                "attachments": body.attachment_ids.len(),
            }))
            .record(conn)
            .await?;
        Ok::<_, ApiError>(())
    })
    .await?;
    Ok(HttpResponse::Accepted().json(blast.view()))
}
