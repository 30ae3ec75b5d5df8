//! Opaque cursors for keyset pagination: a page continues after the last row's sort key, so
//! pages stay correct while rows are added and cost the same at any depth.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Serialize, de::DeserializeOwned};

use crate::error::ApiError;

/// Encodes a sort key as a cursor.
pub fn encode<K: Serialize>(key: &K) -> String {
    URL_SAFE_NO_PAD.encode(serde_json::to_vec(key).unwrap_or_default())
}

/// Decodes a cursor made by [`encode`], passed as `cursor`; a 400 naming it for anything
/// else.
pub fn decode<K: DeserializeOwned>(cursor: &str) -> Result<K, ApiError> {
    decode_param("cursor", cursor)
}

/// [`decode`] for a cursor passed as the query parameter `param` (`before`, …), which the
/// 400 names.
pub fn decode_param<K: DeserializeOwned>(param: &str, cursor: &str) -> Result<K, ApiError> {
    URL_SAFE_NO_PAD
        .decode(cursor)
        .ok()
        .and_then(|bytes| serde_json::from_slice(&bytes).ok())
        .ok_or_else(|| {
            ApiError::from(crate::contract::Refusal::bad_request(
                param,
                "Is not a cursor this API issued: pass back one from a previous answer.",
            ))
        })
}

/// A page size from `limit`: `default` when absent, at most `max`.
pub fn page_size(limit: Option<u32>, default: u32, max: u32) -> Result<i64, ApiError> {
    match limit {
        None => Ok(i64::from(default)),
        Some(n) if (1..=max).contains(&n) => Ok(i64::from(n)),
        Some(_) => Err(crate::error::field_error(
            "limit",
            format!("Use a number from 1 to {max}."),
        )),
    }
}

/// A `LIKE` pattern matching `text` anywhere, with its wildcards escaped.
pub fn contains_pattern(text: &str) -> String {
    let escaped = text
        .trim()
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    format!("%{escaped}%")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_garbage_is_refused() {
        let key = ("Ada".to_owned(), uuid::Uuid::nil());
        let cursor = encode(&key);
        assert_eq!(decode::<(String, uuid::Uuid)>(&cursor).expect("valid"), key);
        assert!(decode::<(String, uuid::Uuid)>("not a cursor").is_err());
    }

    #[test]
    fn like_patterns_escape_wildcards() {
        assert_eq!(contains_pattern(" 50%_off "), "%50\\%\\_off%");
    }
}
