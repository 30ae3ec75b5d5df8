//! Removing stored files: those of deleted messages (R-DEL-PERMANENT) and uploads that were
//! never sent. Both jobs are safe to repeat; a file already gone counts as removed.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::db::models::attachment::Attachment;
use crate::jobs::{BackgroundJob, JobContext, JobError};

/// How long an upload may wait in a composer before it is removed.
pub const UNSENT_UPLOAD_LIFETIME: std::time::Duration = std::time::Duration::from_secs(24 * 3600);

/// Removes the stored files of attachments whose rows are already gone, retrying until
/// storage confirms every one.
#[derive(Debug, Serialize, Deserialize)]
pub struct RemoveStoredFilesJob {
    /// The attachments whose files must go.
    pub attachment_ids: Vec<Uuid>,
}

impl BackgroundJob for RemoveStoredFilesJob {
    const KIND: &'static str = "remove_stored_files";
    // With the backoff capped at an hour, about two days of retries before the job is dead
    // (and visible to an operator as such).
    const MAX_ATTEMPTS: i32 = 50;

    async fn run(self, ctx: JobContext) -> Result<(), JobError> {
        for id in self.attachment_ids {
            ctx.files.remove(id).await.map_err(|error| {
                tracing::warn!(attachment_id = %id, %error, "a stored file could not be removed yet");
                JobError::retryable("object storage did not confirm the removal")
            })?;
        }
        Ok(())
    }
}

/// Enqueued with every upload, due a day later: removes the upload if it was never sent.
#[derive(Debug, Serialize, Deserialize)]
pub struct ExpireUploadJob {
    /// The upload.
    pub attachment_id: Uuid,
}

impl ExpireUploadJob {
    /// The job's idempotency key.
    pub fn key(attachment_id: Uuid) -> String {
        format!("expire-upload:{attachment_id}")
    }
}

impl BackgroundJob for ExpireUploadJob {
    const KIND: &'static str = "expire_upload";
    const MAX_ATTEMPTS: i32 = 50;

    async fn run(self, ctx: JobContext) -> Result<(), JobError> {
        let mut conn = ctx.pool.get().await?;
        let id = self.attachment_id;
        // Sent with a message: it lives as long as the message. (A row removed on an earlier
        // attempt, or with its message, leaves only the file to make sure of.)
        if !Attachment::delete_if_unattached(&mut conn, id).await?
            && Attachment::exists(&mut conn, id).await?
        {
            return Ok(());
        }
        ctx.files
            .remove(id)
            .await
            .map_err(|_| JobError::retryable("object storage did not confirm the removal"))
    }
}
