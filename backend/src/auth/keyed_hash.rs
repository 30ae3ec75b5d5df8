//! Keyed hashes (HMAC-SHA256 under `CONFIDANT_HASH_KEY`) of emails, network addresses and
//! recovery codes:
//! what throttling counters and audit records store when they must recognise a value again
//! without holding it. An unkeyed hash of an email is reversed by hashing likely addresses
//! until one matches; without the key that is not possible.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{KeyInit, Mac};

use crate::config::HashKey;

/// Hashes values under one key. Each kind of value has its own label, so an email and an
/// address that happen to be the same text never share a hash.
#[derive(Clone, Copy)]
pub struct KeyedHash<'k> {
    key: &'k HashKey,
}

impl<'k> KeyedHash<'k> {
    /// Hashes under `key`.
    pub fn new(key: &'k HashKey) -> Self {
        Self { key }
    }

    /// An email, compared without regard to case or surrounding spaces.
    pub fn email(&self, email: &str) -> String {
        self.digest(&[b"email", normalized(email).as_bytes()])
    }

    /// A network address as text (`203.0.113.7`, `2001:db8::1`).
    pub fn address(&self, address: &str) -> String {
        self.digest(&[b"address", address.as_bytes()])
    }

    /// An email signing in from an address: the pair, as one value.
    pub fn email_at_address(&self, email: &str, address: &str) -> String {
        self.digest(&[
            b"email-at-address",
            normalized(email).as_bytes(),
            address.as_bytes(),
        ])
    }

    /// A recovery code of `person_id` (normalised by the caller), as stored.
    pub fn recovery_code(&self, person_id: uuid::Uuid, code: &str) -> String {
        self.digest(&[b"recovery-code", person_id.as_bytes(), code.as_bytes()])
    }

    /// 128 bits of the HMAC, URL-safe base64: enough to never collide in a lookup table.
    fn digest(&self, parts: &[&[u8]]) -> String {
        let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(self.key.as_bytes())
            .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
        for part in parts {
            // Length-prefixed, so that ("ab", "c") and ("a", "bc") differ.
            mac.update(&(part.len() as u64).to_be_bytes());
            mac.update(part);
        }
        URL_SAFE_NO_PAD.encode(&mac.finalize().into_bytes()[..16])
    }
}

fn normalized(email: &str) -> String {
    email.trim().to_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;
    use sha2::Digest;

    #[test]
    fn hashes_are_keyed_stable_and_separated_by_kind() {
        let key = HashKey::from_bytes(b"a key of at least thirty-two characters");
        let other = HashKey::from_bytes(b"another key, also thirty-two characters");
        let hash = KeyedHash::new(&key);
        assert_eq!(
            hash.email("Jane@Example.com "),
            hash.email("jane@example.com")
        );
        assert_ne!(
            hash.email("jane@example.com"),
            KeyedHash::new(&other).email("jane@example.com")
        );
        assert_ne!(hash.email("127.0.0.1"), hash.address("127.0.0.1"));
        assert_ne!(
            hash.email_at_address("jane@example.com", "127.0.0.2"),
            hash.email_at_address("jane@example.com", "127.0.0.3")
        );
        // Not the unkeyed SHA-256 in any of its usual spellings.
        let plain = sha2::Sha256::digest(b"jane@example.com");
        let unkeyed = URL_SAFE_NO_PAD.encode(&plain[..16]);
        assert_ne!(hash.email("jane@example.com"), unkeyed);
        assert!(!hash.email("jane@example.com").contains("jane"));
    }
}
