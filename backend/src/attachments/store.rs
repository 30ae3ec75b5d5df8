//! The one storage interface for attachment files (SPEC §4): a local folder by default, any
//! S3-compatible store by URL, through `object_store`. Everything written is sealed first
//! (see [`crate::encryption`]); everything read is opened and checked against its SHA-256
//! before a single byte leaves the server.

use std::sync::Arc;

use object_store::path::Path;
use object_store::{ObjectStore, ObjectStoreExt, PutPayload};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::config::{Config, StorageKey, StorageLocation};
use crate::encryption;

/// Attachment files, encrypted at rest. Cheap to clone.
#[derive(Clone)]
pub struct FileStore {
    objects: Arc<dyn ObjectStore>,
    master: StorageKey,
}

/// Storage could not be reached or refused the operation.
#[derive(Debug, thiserror::Error)]
#[error("object storage")]
pub struct StorageError(
    #[from]
    #[source]
    object_store::Error,
);

impl StorageError {
    /// True when a remote store (S3) failed to answer or answered with an error, as opposed to
    /// a local folder (whose I/O error says what happened) or our own encryption.
    pub fn is_remote_unavailable(&self) -> bool {
        matches!(&self.0, object_store::Error::Generic { store, .. } if *store != "confidant" && *store != "LocalFileSystem")
    }
}

/// Why a stored file cannot be served.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// Storage failed (or the file is missing).
    #[error(transparent)]
    Storage(#[from] StorageError),
    /// The stored bytes do not decrypt, or decrypt to something with another SHA-256: changed
    /// in storage, or stored under another master key.
    #[error("the stored file failed its integrity check")]
    Damaged,
}

impl FileStore {
    /// The store `CONFIDANT_STORAGE` names; a local folder is created when missing.
    pub fn from_config(config: &Config) -> anyhow::Result<Self> {
        let objects: Arc<dyn ObjectStore> = match &config.storage {
            StorageLocation::Folder(folder) => {
                std::fs::create_dir_all(folder).map_err(|error| {
                    anyhow::anyhow!(
                        "CONFIDANT_STORAGE: cannot create `{}`: {error}",
                        folder.display()
                    )
                })?;
                Arc::new(
                    object_store::local::LocalFileSystem::new_with_prefix(folder)?
                        .with_automatic_cleanup(true),
                )
            }
            StorageLocation::S3(url) => {
                // Credentials, region and endpoint come from the usual AWS_* variables.
                let bucket = object_store::aws::AmazonS3Builder::from_env()
                    .with_url(url.as_str())
                    .build()?;
                let prefix = url.path().trim_matches('/');
                if prefix.is_empty() {
                    Arc::new(bucket)
                } else {
                    Arc::new(object_store::prefix::PrefixStore::new(bucket, prefix))
                }
            }
        };
        Ok(Self {
            objects,
            master: config.storage_key.clone(),
        })
    }

    /// Encrypts and stores the file of attachment `id`; answers the wrapped data key, which
    /// belongs in the attachment's row.
    pub async fn save(&self, id: Uuid, plaintext: Vec<u8>) -> Result<Vec<u8>, StorageError> {
        let master = self.master.clone();
        // 10 MB of AES-GCM is milliseconds, but not on the async threads.
        let sealed = tokio::task::spawn_blocking(move || encryption::seal(&master, id, &plaintext))
            .await
            .map_err(|_| StorageError(generic("encryption was interrupted")))?
            .map_err(|_| StorageError(generic("the file could not be encrypted")))?;
        self.objects
            .put(&object_path(id), PutPayload::from(sealed.object))
            .await?;
        Ok(sealed.wrapped_key)
    }

    /// The plaintext of attachment `id`, only when it decrypts and matches `sha256`.
    pub async fn load(
        &self,
        id: Uuid,
        wrapped_key: Vec<u8>,
        sha256: Vec<u8>,
    ) -> Result<Vec<u8>, LoadError> {
        let object = self
            .objects
            .get(&object_path(id))
            .await
            .map_err(StorageError)?
            .bytes()
            .await
            .map_err(StorageError)?;
        let master = self.master.clone();
        tokio::task::spawn_blocking(move || {
            let plaintext = encryption::open(&master, id, &object, &wrapped_key)
                .map_err(|_| LoadError::Damaged)?;
            if Sha256::digest(&plaintext).as_slice() == sha256.as_slice() {
                Ok(plaintext)
            } else {
                Err(LoadError::Damaged)
            }
        })
        .await
        .map_err(|_| LoadError::Damaged)?
    }

    /// Removes the file of attachment `id`. A file that is already gone counts as removed, so
    /// retries are safe.
    pub async fn remove(&self, id: Uuid) -> Result<(), StorageError> {
        match self.objects.delete(&object_path(id)).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(other) => Err(StorageError(other)),
        }
    }
}

/// Where the file of attachment `id` is kept: a name made by the server, never by a person.
pub fn object_path(id: Uuid) -> Path {
    Path::from(format!("attachments/{id}"))
}

fn generic(message: &'static str) -> object_store::Error {
    object_store::Error::Generic {
        store: "confidant",
        source: message.into(),
    }
}
