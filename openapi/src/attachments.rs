//! `/api/v1/attachments`: files uploaded before they are sent with a message (SPEC §4).

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

/// R-ATT-SIZE: the largest file that can be attached, in bytes.
pub const MAX_ATTACHMENT_BYTES: u64 = 10_000_000;

/// The most files one message can carry.
pub const MAX_ATTACHMENTS_PER_MESSAGE: usize = 10;

/// R-ATT-TYPES: the name endings of the allowed types, for an early, friendly check in a
/// client. The server decides from the content alone.
pub const ALLOWED_EXTENSIONS: [&str; 9] = [
    "pdf", "doc", "docx", "txt", "jpg", "jpeg", "png", "bmp", "gif",
];

/// `POST /api/v1/attachments`: a `multipart/form-data` body with one part named `file`.
#[derive(Debug, ToSchema)]
pub struct AttachmentUpload {
    /// The file, at most 10,000,000 bytes, of an allowed type (PDF, DOC, DOCX, TXT, JPEG,
    /// PNG, BMP, GIF), decided from its content. The part's file name is kept as display text.
    #[schema(value_type = String, format = Binary)]
    pub file: Vec<u8>,
}

/// A file's bytes, as a download sends them.
#[derive(Debug, ToSchema)]
#[schema(value_type = String, format = Binary)]
pub struct FileBytes(pub Vec<u8>);

/// An uploaded file, ready to be sent with a message through `attachment_ids`. Uploads that
/// are not sent within a day are removed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Attachment {
    /// Its id, for `attachment_ids` and `GET /api/v1/attachments/{id}`.
    pub id: Uuid,
    /// The display name: the uploaded name without folders or control characters.
    pub file_name: String,
    /// The type found in the content (e.g. `application/pdf`).
    pub content_type: String,
    /// Its size in bytes.
    pub size: i64,
    /// The SHA-256 of its content, in lowercase hex.
    pub sha256: String,
}
