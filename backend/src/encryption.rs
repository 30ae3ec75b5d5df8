//! Encryption at rest: every file gets a fresh random data key (AES-256-GCM); the data key is
//! stored with the attachment's row, wrapped (AES-256-GCM again) by the master key from
//! `CONFIDANT_STORAGE_KEY`. Someone holding the storage bucket but not the database and the
//! master key learns nothing; both ciphertexts are bound to the attachment's id, so swapping
//! stored files or keys between attachments fails to decrypt instead of serving the wrong file.
//!
//! Small secrets kept in the database (a person's TOTP secret) are wrapped the same way by
//! [`seal_secret`], bound to what they belong to: a copy of the database alone does not give
//! anyone a second factor.

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use uuid::Uuid;

use crate::config::StorageKey;

/// The first byte of a wrapped key: which scheme (and, later, which master key) made it.
const WRAP_VERSION: u8 = 1;
const NONCE_LEN: usize = 12;

/// A file ready for storage.
pub struct Sealed {
    /// What goes to object storage: nonce, then ciphertext and tag.
    pub object: Vec<u8>,
    /// What goes into the row: version, nonce, then the wrapped data key and tag.
    pub wrapped_key: Vec<u8>,
}

/// Decryption failed: the stored file or key was changed, or belongs to another attachment,
/// or the master key is not the one it was stored with.
#[derive(Debug, thiserror::Error)]
#[error("the stored file does not decrypt")]
pub struct Undecryptable;

/// Encrypts `plaintext` for attachment `id` under a fresh data key. (AES-GCM only refuses
/// inputs beyond 64 GiB.)
pub fn seal(master: &StorageKey, id: Uuid, plaintext: &[u8]) -> Result<Sealed, aes_gcm::Error> {
    let data_key: [u8; 32] = rand::random();
    Ok(Sealed {
        object: encrypt(&data_key, &content_aad(id), plaintext)?,
        wrapped_key: [
            vec![WRAP_VERSION],
            encrypt(master.bytes(), &key_aad(id), &data_key)?,
        ]
        .concat(),
    })
}

/// Decrypts what [`seal`] made for attachment `id`.
pub fn open(
    master: &StorageKey,
    id: Uuid,
    object: &[u8],
    wrapped_key: &[u8],
) -> Result<Vec<u8>, Undecryptable> {
    let (&version, wrapped) = wrapped_key.split_first().ok_or(Undecryptable)?;
    if version != WRAP_VERSION {
        return Err(Undecryptable);
    }
    let data_key = decrypt(master.bytes(), &key_aad(id), wrapped)?;
    let data_key = <[u8; 32]>::try_from(data_key.as_slice()).map_err(|_| Undecryptable)?;
    decrypt(&data_key, &content_aad(id), object)
}

/// Encrypts a small secret under the master key, bound to `purpose` and `owner`.
pub fn seal_secret(
    master: &StorageKey,
    purpose: &str,
    owner: Uuid,
    secret: &[u8],
) -> Result<Vec<u8>, aes_gcm::Error> {
    Ok([
        vec![WRAP_VERSION],
        encrypt(master.bytes(), &secret_aad(purpose, owner), secret)?,
    ]
    .concat())
}

/// Decrypts what [`seal_secret`] made for the same `purpose` and `owner`.
pub fn open_secret(
    master: &StorageKey,
    purpose: &str,
    owner: Uuid,
    sealed: &[u8],
) -> Result<Vec<u8>, Undecryptable> {
    let (&version, wrapped) = sealed.split_first().ok_or(Undecryptable)?;
    if version != WRAP_VERSION {
        return Err(Undecryptable);
    }
    decrypt(master.bytes(), &secret_aad(purpose, owner), wrapped)
}

fn secret_aad(purpose: &str, owner: Uuid) -> Vec<u8> {
    [
        b"confidant secret ".as_slice(),
        purpose.as_bytes(),
        b" ",
        owner.as_bytes(),
    ]
    .concat()
}

fn content_aad(id: Uuid) -> Vec<u8> {
    [b"confidant attachment ".as_slice(), id.as_bytes()].concat()
}

fn key_aad(id: Uuid) -> Vec<u8> {
    [b"confidant attachment key ".as_slice(), id.as_bytes()].concat()
}

fn encrypt(key: &[u8; 32], aad: &[u8], plaintext: &[u8]) -> Result<Vec<u8>, aes_gcm::Error> {
    let cipher = Aes256Gcm::new(&(*key).into());
    let nonce: [u8; NONCE_LEN] = rand::random();
    let sealed = cipher.encrypt(
        &Nonce::from(nonce),
        Payload {
            msg: plaintext,
            aad,
        },
    )?;
    Ok([nonce.as_slice(), &sealed].concat())
}

fn decrypt(key: &[u8; 32], aad: &[u8], sealed: &[u8]) -> Result<Vec<u8>, Undecryptable> {
    if sealed.len() < NONCE_LEN {
        return Err(Undecryptable);
    }
    let (nonce, ciphertext) = sealed.split_at(NONCE_LEN);
    let nonce = <[u8; NONCE_LEN]>::try_from(nonce).map_err(|_| Undecryptable)?;
    Aes256Gcm::new(&(*key).into())
        .decrypt(
            &Nonce::from(nonce),
            Payload {
                msg: ciphertext,
                aad,
            },
        )
        .map_err(|_| Undecryptable)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn master() -> StorageKey {
        StorageKey::from_bytes([42; 32])
    }

    #[test]
    fn sealed_files_open_again_and_hide_their_content() {
        let id = Uuid::new_v4();
        let plaintext = b"Session notes: feeling better this week.".repeat(10);
        let sealed = seal(&master(), id, &plaintext).expect("seals");
        assert!(
            !sealed
                .object
                .windows(16)
                .any(|w| plaintext.windows(16).any(|p| p == w))
        );
        let opened = open(&master(), id, &sealed.object, &sealed.wrapped_key).expect("opens");
        assert_eq!(opened, plaintext);
    }

    #[test]
    fn secrets_open_only_for_their_owner_and_purpose() {
        let owner = Uuid::new_v4();
        let sealed = seal_secret(&master(), "totp", owner, b"12345678901234567890").expect("seals");
        let opened = open_secret(&master(), "totp", owner, &sealed).expect("opens");
        assert_eq!(opened, b"12345678901234567890");
        assert!(open_secret(&master(), "totp", Uuid::new_v4(), &sealed).is_err());
        assert!(open_secret(&master(), "other", owner, &sealed).is_err());
        assert!(open_secret(&StorageKey::from_bytes([7; 32]), "totp", owner, &sealed).is_err());
    }

    #[test]
    fn each_file_gets_its_own_key() {
        let id = Uuid::new_v4();
        let a = seal(&master(), id, b"same").expect("seals");
        let b = seal(&master(), id, b"same").expect("seals");
        assert_ne!(a.wrapped_key, b.wrapped_key);
        assert_ne!(a.object, b.object);
    }

    #[test]
    fn tampering_swapping_or_the_wrong_master_key_fails() {
        let id = Uuid::new_v4();
        let sealed = seal(&master(), id, b"private").expect("seals");
        let mut flipped = sealed.object.clone();
        if let Some(byte) = flipped.last_mut() {
            *byte ^= 1;
        }
        assert!(open(&master(), id, &flipped, &sealed.wrapped_key).is_err());
        assert!(
            open(
                &master(),
                Uuid::new_v4(),
                &sealed.object,
                &sealed.wrapped_key
            )
            .is_err()
        );
        let other = StorageKey::from_bytes([7; 32]);
        assert!(open(&other, id, &sealed.object, &sealed.wrapped_key).is_err());
        assert!(open(&master(), id, &sealed.object, &[]).is_err());
        assert!(open(&master(), id, &[], &sealed.wrapped_key).is_err());
    }
}
