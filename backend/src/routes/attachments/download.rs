//! `GET /api/v1/attachments/{id}`.

use actix_web::http::header::{
    CacheControl, CacheDirective, Charset, ContentDisposition, DispositionParam, DispositionType,
    ExtendedValue,
};
use actix_web::{HttpResponse, get, http::header, web};
use bytes::Bytes;
use confidant_openapi::attachments::FileBytes;
use confidant_openapi::{Problem, ProblemCode};
use uuid::Uuid;

use crate::attachments::file_names::with_true_extension;
use crate::attachments::file_types::FileKind;
use crate::attachments::store::LoadError;
use crate::auth::CurrentPerson;
use crate::db::models::attachment::Attachment;
use crate::db::models::audit::AuditAction;
use crate::error::ApiError;
use crate::state::AppState;

/// The size of the pieces a download is sent in.
const CHUNK: usize = 64 * 1024;

/// Download a file, for someone who can see a message that carries it; to
/// anyone else it does not exist (404). It is always a download (`Content-Disposition:
/// attachment`), typed as what its content was found to be, with `nosniff`. The stored file is
/// decrypted and checked against its SHA-256 before the first byte is sent; one that fails is
/// never served.
#[utoipa::path(
    tag = "attachments",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The attachment's id")),
    responses(
        (status = 200, description = "The file, as a download (`Content-Disposition: attachment`), typed as what its content was found to be", content(
            (FileBytes = "application/pdf"),
            (FileBytes = "application/msword"),
            (FileBytes = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
            (FileBytes = "text/plain"),
            (FileBytes = "image/jpeg"),
            (FileBytes = "image/png"),
            (FileBytes = "image/bmp"),
            (FileBytes = "image/gif"),
        ), headers(
            ("Content-Disposition" = String, description = "`attachment` with the file's name"),
        )),
        (status = 404, description = "No such attachment on a message the caller can see", body = Problem, content_type = "application/problem+json"),
        (status = 500, description = "The stored file failed its integrity check", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/attachments/{id}")]
pub async fn download_attachment(
    state: web::Data<AppState>,
    me: CurrentPerson,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let row = {
        let mut conn = state.conn().await?;
        let row = Attachment::visible_to(&mut conn, me.practice_id(), me.id(), id)
            .await?
            .ok_or_else(ApiError::not_found)?;
        // Who opened which file (R-AUDIT-READ); never its name.
        me.audit(AuditAction::AttachmentDownloaded)
            .target("attachment", id)
            .record(&mut conn)
            .await?;
        row
    };
    let plaintext = state
        .files
        .load(id, row.wrapped_key, row.sha256)
        .await
        .map_err(|error| match error {
            LoadError::Damaged => {
                tracing::error!(attachment_id = %id, "a stored file failed its integrity check and was not served");
                ApiError::new(
                    ProblemCode::Internal,
                    "This file failed its integrity check, so it cannot be downloaded. The \
                     problem has been logged.",
                )
            }
            LoadError::Storage(error) => ApiError::storage("reading a stored file", &error),
        })?;
    let name = match FileKind::from_content_type(&row.content_type) {
        Some(kind) => with_true_extension(&row.file_name, kind),
        None => row.file_name,
    };
    let body = Bytes::from(plaintext);
    let chunks = (0..body.len())
        .step_by(CHUNK)
        .map(move |start| {
            Ok::<_, std::convert::Infallible>(body.slice(start..(start + CHUNK).min(body.len())))
        })
        .collect::<Vec<_>>();
    Ok(HttpResponse::Ok()
        .content_type(row.content_type)
        .insert_header(download_disposition(&name))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .insert_header(CacheControl(vec![
            CacheDirective::Private,
            CacheDirective::NoStore,
        ]))
        .streaming(futures_util::stream::iter(chunks)))
}

/// `attachment` with an ASCII fallback name and the exact UTF-8 name (RFC 6266).
fn download_disposition(name: &str) -> ContentDisposition {
    let fallback: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || " .-_()".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    ContentDisposition {
        disposition: DispositionType::Attachment,
        parameters: vec![
            DispositionParam::Filename(fallback),
            DispositionParam::FilenameExt(ExtendedValue {
                charset: Charset::Ext("UTF-8".into()),
                language_tag: None,
                value: name.as_bytes().to_vec(),
            }),
        ],
    }
}
