//! `POST /api/v1/attachments`.

use actix_multipart::{Field, Multipart, MultipartError};
use actix_web::{HttpRequest, HttpResponse, http::header, post, web};
use confidant_openapi::attachments::{
    Attachment as AttachmentView, AttachmentUpload, MAX_ATTACHMENT_BYTES,
};
use confidant_openapi::{Problem, ProblemCode};
use futures_util::TryStreamExt;
use uuid::Uuid;

use crate::attachments::cleanup::{ExpireUploadJob, UNSENT_UPLOAD_LIFETIME};
use crate::attachments::{self, Inspected, hex};
use crate::auth::CurrentPerson;
use crate::db::models::attachment::Attachment;
use crate::db::models::person::Person;
use crate::domain::conversations as rules;
use crate::error::{ApiError, field_error};
use crate::jobs;
use crate::messaging;
use crate::routes::conversations::cannot_send;
use crate::state::AppState;

/// What multipart framing may add around the file before a declared length is hopeless.
const FRAMING_ALLOWANCE: u64 = 64 * 1024;

/// Upload a file to send with a message.
///
/// The file is read as it arrives and refused with 413 the moment it passes 10,000,000 bytes.
/// Its type is decided from its content alone (PDF, DOC, DOCX, TXT, JPEG, PNG, BMP, GIF; 415
/// for anything else, 422 for an empty file), and it is stored encrypted under a name the
/// server makes. Send it by putting its id in `attachment_ids`. It is not downloadable until a
/// message carries it. An upload not sent within a day is removed, and one no longer wanted
/// can be removed with `DELETE`. The uploads a person holds unsent are limited in total
/// (50 MB by default; 413 with code `quota_exceeded` beyond it).
#[utoipa::path(
    tag = "attachments",
    security(("bearer" = [])),
    request_body(content = AttachmentUpload, content_type = "multipart/form-data"),
    responses(
        (status = 201, description = "Stored", body = AttachmentView),
        (status = 400, description = "Not a multipart body", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "An inactive or archived client cannot send", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Larger than 10,000,000 bytes (`payload_too_large`), or the uploads not yet sent would pass the quota (`quota_exceeded`)", body = Problem, content_type = "application/problem+json"),
        (status = 507, description = "File storage is full: nothing was stored", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not an allowed type of file", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "No part named `file`, or an empty file", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/attachments")]
pub async fn upload_attachment(
    state: web::Data<AppState>,
    me: CurrentPerson,
    request: HttpRequest,
    mut form: Multipart,
) -> Result<HttpResponse, ApiError> {
    rules::may_compose(messaging::viewer(&me.person)).map_err(cannot_send)?;
    // A body declared far larger than any allowed file is refused before it is read.
    if declared_length(&request).is_some_and(|n| n > MAX_ATTACHMENT_BYTES + FRAMING_ALLOWANCE) {
        return Err(too_large());
    }
    // Someone at the quota already is told before the file is read.
    let quota = state.config.upload_quota_bytes;
    {
        let mut conn = state.conn().await?;
        let unsent = Attachment::unsent_bytes(&mut conn, me.id()).await?;
        if unsent as u64 >= quota {
            return Err(over_quota(unsent, quota));
        }
    }
    let mut upload = None;
    while let Some(field) = form.try_next().await.map_err(malformed)? {
        if field.name() != Some("file") || upload.is_some() {
            return Err(field_error(
                "file",
                "Send exactly one part, named `file`, holding the file.",
            ));
        }
        let name = field
            .content_disposition()
            .and_then(|d| d.get_filename())
            .map(str::to_owned);
        upload = Some((name, read_capped(field).await?));
    }
    let Some((name, bytes)) = upload else {
        return Err(field_error("file", "Choose a file to upload."));
    };
    let (inspected, bytes) =
        web::block(move || (attachments::inspect(name.as_deref(), &bytes), bytes))
            .await
            .map_err(|error| ApiError::internal("inspecting an upload", &error))?;
    let Inspected {
        kind,
        file_name,
        sha256,
    } = inspected.map_err(|refusal| {
        let code = if bytes.is_empty() {
            ProblemCode::ValidationFailed
        } else {
            ProblemCode::UnsupportedMediaType
        };
        ApiError::new(code, refusal.0)
    })?;

    let id = Uuid::now_v7();
    let size = i64::try_from(bytes.len()).unwrap_or(i64::MAX);
    // Stored first, recorded second: a failure in between leaves no row pointing at nothing.
    let wrapped_key = state
        .files
        .save(id, bytes)
        .await
        .map_err(|error| ApiError::storage("storing an upload", &error))?;
    let row = Attachment {
        id,
        practice_id: me.practice_id(),
        uploaded_by: me.id(),
        file_name,
        content_type: kind.content_type().to_owned(),
        size,
        sha256: sha256.to_vec(),
        wrapped_key,
        attached_at: None,
        created_at: chrono::Utc::now(),
    };
    let recorded = record(&state, &row, quota).await;
    if let Err(error) = recorded {
        if let Err(cleanup) = state.files.remove(id).await {
            tracing::warn!(attachment_id = %id, error = %cleanup, "an unrecorded upload stays in storage");
        }
        return Err(error);
    }
    Ok(HttpResponse::Created().json(AttachmentView {
        id,
        file_name: row.file_name,
        content_type: row.content_type,
        size,
        sha256: hex(&row.sha256),
    }))
}

/// The row and the job that removes the upload if it is never sent, together, if the
/// uploader's unsent uploads stay within `quota`. The uploader's row is locked while their
/// uploads are summed, so two uploads at once cannot both squeeze under the quota.
async fn record(state: &AppState, row: &Attachment, quota: u64) -> Result<(), ApiError> {
    use diesel_async::AsyncConnection;
    let mut conn = state.conn().await?;
    conn.transaction(async |conn| {
        Person::lock(conn, row.practice_id, row.uploaded_by).await?;
        let unsent = Attachment::unsent_bytes(conn, row.uploaded_by).await?;
        if (unsent + row.size) as u64 > quota {
            return Err(over_quota(unsent, quota));
        }
        row.insert(conn).await?;
        jobs::enqueue_after(
            conn,
            &ExpireUploadJob {
                attachment_id: row.id,
            },
            Some(&ExpireUploadJob::key(row.id)),
            UNSENT_UPLOAD_LIFETIME,
        )
        .await?;
        Ok::<_, ApiError>(())
    })
    .await
}

/// 413 `quota_exceeded`, with what is held and the limit in words.
fn over_quota(unsent: i64, quota: u64) -> ApiError {
    let megabytes = |bytes: f64| format!("{:.1} MB", bytes / 1_000_000.0);
    ApiError::new(
        ProblemCode::QuotaExceeded,
        format!(
            "You have {} of uploaded files that are not sent yet, and at most {} may wait. \
             Send them or remove some first (unsent files are also removed after a day).",
            megabytes(unsent as f64),
            megabytes(quota as f64),
        ),
    )
}

/// The part's bytes, refusing with 413 as soon as they pass the limit: at most the limit plus
/// one chunk is ever held.
async fn read_capped(mut field: Field) -> Result<Vec<u8>, ApiError> {
    let mut bytes = Vec::new();
    while let Some(chunk) = field.try_next().await.map_err(malformed)? {
        if (bytes.len() + chunk.len()) as u64 > MAX_ATTACHMENT_BYTES {
            return Err(too_large());
        }
        bytes.extend_from_slice(&chunk);
    }
    Ok(bytes)
}

fn declared_length(request: &HttpRequest) -> Option<u64> {
    request
        .headers()
        .get(header::CONTENT_LENGTH)?
        .to_str()
        .ok()?
        .parse()
        .ok()
}

fn too_large() -> ApiError {
    ApiError::new(
        ProblemCode::PayloadTooLarge,
        "This file is larger than 10 MB (10,000,000 bytes), the most that can be attached.",
    )
}

fn malformed(error: MultipartError) -> ApiError {
    match error {
        MultipartError::ContentTypeMissing
        | MultipartError::ContentTypeParse
        | MultipartError::ContentTypeIncompatible
        | MultipartError::BoundaryMissing => ApiError::new(
            ProblemCode::UnsupportedMediaType,
            "Send the file as multipart/form-data, in a part named `file`.",
        ),
        _ => ApiError::bad_request("The upload was cut off or is not well-formed multipart data."),
    }
}
