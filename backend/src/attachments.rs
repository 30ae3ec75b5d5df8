//! Attachments (SPEC §4): what a file is (from its content), what it is called (display text
//! only), how it is kept (encrypted, in object storage) and when it goes (with its messages,
//! or a day after an upload that was never sent).

pub mod cleanup;
pub mod file_names;
pub mod file_types;
pub mod store;

use diesel_async::AsyncPgConnection;
use sha2::{Digest, Sha256};

pub use store::FileStore;

use crate::db::models::attachment::Held;
use crate::jobs;
use file_types::{FileKind, Refusal};

/// An upload that passed every check.
#[derive(Debug, PartialEq, Eq)]
pub struct Inspected {
    /// What the content is.
    pub kind: FileKind,
    /// The cleaned display name.
    pub file_name: String,
    /// SHA-256 of the content.
    pub sha256: [u8; 32],
}

/// R-ATT-TYPES: decides whether `bytes`, uploaded under `raw_name`, may be attached. The type
/// comes from the content; the name is only checked for disguise (an allowed extension of
/// another type). CPU-bound (a DOCX is expanded): call it on a blocking thread.
pub fn inspect(raw_name: Option<&str>, bytes: &[u8]) -> Result<Inspected, Refusal> {
    let kind = file_types::detect(bytes)?;
    let file_name = file_names::display_name(raw_name.unwrap_or_default());
    if let Some(claimed) = file_names::claimed_kind_conflicts(&file_name, kind) {
        return Err(Refusal(format!(
            "The name says {} but the content is {}; the file may be disguised, so it cannot \
             be attached. Save it again as the right type.",
            claimed.extensions()[0].to_uppercase(),
            kind.extensions()[0].to_uppercase(),
        )));
    }
    Ok(Inspected {
        kind,
        file_name,
        sha256: Sha256::digest(bytes).into(),
    })
}

/// After messages were deleted: removes the rows of their attachments that nothing carries
/// any more and schedules their stored files' removal, in the caller's transaction
/// (R-DEL-PERMANENT). Answers how many attachments went with the messages, for the audit.
pub async fn release(conn: &mut AsyncPgConnection, held: Held) -> diesel::QueryResult<usize> {
    let (removed, links) = held.release(conn).await?;
    if !removed.is_empty() {
        jobs::enqueue(
            conn,
            &cleanup::RemoveStoredFilesJob {
                attachment_ids: removed,
            },
            None,
        )
        .await?;
    }
    Ok(links)
}

/// Lowercase hex, for the SHA-256 in answers.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    // R-ATT-TYPES
    #[test]
    fn the_content_decides_and_a_lying_name_is_refused() {
        let pdf = inspect(Some("../../scan.pdf"), b"%PDF-1.4 ...").expect("a pdf");
        assert_eq!(pdf.kind, FileKind::Pdf);
        assert_eq!(pdf.file_name, "scan.pdf");
        let text_as_png = inspect(Some("photo.png"), b"just some words").expect_err("disguised");
        assert!(text_as_png.0.contains("PNG"), "{}", text_as_png.0);
        let unnamed = inspect(None, b"notes").expect("text");
        assert_eq!(unnamed.file_name, "attachment");
        assert_eq!(
            hex(&unnamed.sha256),
            "ab5aa97074c454a0632057e704220d9a6678fbf773a0a5806fc09b8173b07309"
        );
    }
}
