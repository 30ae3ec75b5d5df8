//! `DELETE /api/v1/attachments/{id}`.

use actix_web::{HttpResponse, delete, web};
use confidant_openapi::Problem;
use diesel_async::AsyncConnection;
use uuid::Uuid;

use crate::attachments::cleanup::RemoveStoredFilesJob;
use crate::auth::CurrentPerson;
use crate::db::models::attachment::Attachment;
use crate::error::ApiError;
use crate::jobs;
use crate::state::AppState;

/// Remove an upload of your own that was not sent (a file taken out of a composer), so that
/// it no longer counts against the upload quota. Sent files go only with their message; to
/// anyone but the uploader, and for a sent file, this is a 404.
#[utoipa::path(
    tag = "attachments",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The upload's id")),
    responses(
        (status = 204, description = "Removed"),
        (status = 404, description = "No unsent upload of the caller with this id", body = Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/attachments/{id}")]
pub async fn delete_attachment(
    state: web::Data<AppState>,
    me: CurrentPerson,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let mut conn = state.conn().await?;
    // The row and the job that removes the file go together: the file is removed once the
    // row is gone, by a job that retries until storage confirms.
    let removed = conn
        .transaction(async |conn| {
            if !Attachment::delete_own_unsent(conn, me.practice_id(), me.id(), id).await? {
                return Ok(false);
            }
            jobs::enqueue(
                conn,
                &RemoveStoredFilesJob {
                    attachment_ids: vec![id],
                },
                None,
            )
            .await?;
            Ok::<_, diesel::result::Error>(true)
        })
        .await?;
    if !removed {
        return Err(ApiError::not_found());
    }
    Ok(HttpResponse::NoContent().finish())
}
