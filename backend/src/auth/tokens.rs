//! Access tokens: short-lived JWTs signed with HS256 and `CONFIDANT_JWT_SECRET`.
//!
//! Verification pins the algorithm (a token claiming `none` or another algorithm is refused)
//! and checks issuer, audience and expiry. The token also names its session and the person's
//! security stamp, which the extractor checks against the database, so logging out, a password
//! change or withdrawn access ends a token before it expires.
//!
//! An app sends the same token with every request for up to 15 minutes, and checking it again
//! (two base64 decodings, two JSON parsings, the HMAC) was about 6 % of the server's CPU for
//! the unread badge. So each [`TokenKeys`] remembers the tokens it verified, by their exact
//! text, signature included: only the same bytes, already verified with the same secret, skip
//! the work, and their expiry is still checked on every use. The session check in the database
//! (which makes logout and password changes end a token at once) runs on every request as
//! before.

use std::sync::Arc;

use chrono::Utc;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use quick_cache::sync::Cache;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::config::JwtSecret;

/// How long an access token lives.
pub const ACCESS_TOKEN_SECONDS: u64 = 15 * 60;
const ISSUER: &str = "confidant";
const AUDIENCE: &str = "confidant-api";
/// Seconds a token is still taken after its `exp`, for clocks a little apart.
const LEEWAY_SECONDS: u64 = 5;
/// How many verified tokens are remembered: about as many as people active at once in 15
/// minutes; beyond it the least used are forgotten (and verified again when they come back).
/// About 450 bytes each.
const VERIFIED_CAPACITY: usize = 10_000;

/// What an access token says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    /// Issuer: always `confidant`.
    pub iss: String,
    /// Audience: always `confidant-api`.
    pub aud: String,
    /// The person.
    pub sub: Uuid,
    /// Their practice.
    pub pid: Uuid,
    /// The session the token belongs to.
    pub sid: Uuid,
    /// The person's security stamp when the token was issued.
    pub stm: Uuid,
    /// Issued at (seconds since the epoch).
    pub iat: i64,
    /// Expires at (seconds since the epoch).
    pub exp: i64,
}

/// Issues and verifies access tokens.
#[derive(Clone)]
pub struct TokenKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    /// What a genuine token must say, built once: every request verifies a token, and
    /// building the rules allocates three sets.
    validation: Validation,
    /// Tokens these keys verified, by their whole text (see the module comment).
    verified: Arc<Cache<Box<str>, Claims>>,
}

/// The token is malformed, forged, expired or for someone else.
#[derive(Debug, thiserror::Error)]
#[error("invalid access token")]
pub struct InvalidToken;

impl TokenKeys {
    /// Keys from the configured secret.
    pub fn new(secret: &JwtSecret) -> Self {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_issuer(&[ISSUER]);
        validation.set_audience(&[AUDIENCE]);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        validation.leeway = LEEWAY_SECONDS;
        Self {
            encoding: EncodingKey::from_secret(secret.as_bytes()),
            decoding: DecodingKey::from_secret(secret.as_bytes()),
            validation,
            verified: Arc::new(Cache::new(VERIFIED_CAPACITY)),
        }
    }

    /// A token for `person` in `session`, valid for [`ACCESS_TOKEN_SECONDS`].
    pub fn issue(
        &self,
        person_id: Uuid,
        practice_id: Uuid,
        session_id: Uuid,
        security_stamp: Uuid,
    ) -> Result<String, InvalidToken> {
        let now = Utc::now().timestamp();
        let claims = Claims {
            iss: ISSUER.into(),
            aud: AUDIENCE.into(),
            sub: person_id,
            pid: practice_id,
            sid: session_id,
            stm: security_stamp,
            iat: now,
            exp: now + ACCESS_TOKEN_SECONDS as i64,
        };
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .map_err(|_| InvalidToken)
    }

    /// The claims of a genuine, current token.
    pub fn verify(&self, token: &str) -> Result<Claims, InvalidToken> {
        self.verify_at(token, jsonwebtoken::get_current_timestamp())
    }

    /// [`Self::verify`] at `now` (seconds since the epoch) for a token verified before, as
    /// jsonwebtoken checks expiry: past `exp` by more than the leeway, it is refused.
    fn verify_at(&self, token: &str, now: u64) -> Result<Claims, InvalidToken> {
        if let Some(claims) = self.verified.get(token) {
            let expired = u64::try_from(claims.exp)
                .map_or(true, |exp| exp < now.saturating_sub(LEEWAY_SECONDS));
            if expired {
                self.verified.remove(token);
                return Err(InvalidToken);
            }
            return Ok(claims);
        }
        let claims = jsonwebtoken::decode::<Claims>(token, &self.decoding, &self.validation)
            .map(|data| data.claims)
            .map_err(|_| InvalidToken)?;
        self.verified.insert(token.into(), claims.clone());
        Ok(claims)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;
    use base64::Engine;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;

    fn keys_for(secret: &str) -> TokenKeys {
        let config =
            Config::from_lookup(|name| (name == "CONFIDANT_JWT_SECRET").then(|| secret.to_owned()))
                .expect("config");
        TokenKeys::new(&config.jwt_secret)
    }

    const SECRET: &str = "a-test-secret-that-is-at-least-32-chars";

    /// A fresh token from `keys` for made-up ids.
    fn any_token(keys: &TokenKeys) -> String {
        keys.issue(
            Uuid::new_v4(),
            Uuid::new_v4(),
            Uuid::new_v4(),
            Uuid::new_v4(),
        )
        .expect("a token")
    }

    #[test]
    fn a_fresh_token_verifies() {
        let keys = keys_for(SECRET);
        let (person, practice, session, stamp) = (
            Uuid::new_v4(),
            Uuid::new_v4(),
            Uuid::new_v4(),
            Uuid::new_v4(),
        );
        let token = keys
            .issue(person, practice, session, stamp)
            .expect("a token");
        let claims = keys.verify(&token).expect("valid");
        assert_eq!(
            (claims.sub, claims.pid, claims.sid, claims.stm),
            (person, practice, session, stamp)
        );
        assert_eq!(claims.exp - claims.iat, ACCESS_TOKEN_SECONDS as i64);
    }

    #[test]
    fn tampered_and_foreign_tokens_are_refused() {
        let keys = keys_for(SECRET);
        let token = any_token(&keys);
        // Signed with another secret.
        assert!(
            keys_for("another-secret-that-is-at-least-32-chars")
                .verify(&token)
                .is_err()
        );
        // Payload changed after signing.
        let mut parts: Vec<String> = token.split('.').map(str::to_owned).collect();
        let mut payload: serde_json::Value =
            serde_json::from_slice(&URL_SAFE_NO_PAD.decode(&parts[1]).expect("base64"))
                .expect("json");
        payload["sub"] = serde_json::json!(Uuid::new_v4());
        parts[1] = URL_SAFE_NO_PAD.encode(payload.to_string());
        assert!(keys.verify(&parts.join(".")).is_err());
    }

    #[test]
    fn a_verified_token_is_remembered_only_by_its_exact_text_and_its_keys() {
        let keys = keys_for(SECRET);
        let token = any_token(&keys);
        let first = keys.verify(&token).expect("valid");
        assert_eq!(keys.verified.len(), 1, "remembered");
        assert_eq!(keys.verify(&token).expect("still valid"), first);
        // The same token but for its signature's last character, and the same token under
        // other keys: neither is taken for the remembered one.
        let mut forged = token.clone();
        let last = forged.pop().expect("a signature");
        forged.push(if last == 'A' { 'B' } else { 'A' });
        assert!(keys.verify(&forged).is_err(), "another signature");
        assert!(
            keys_for("another-secret-that-is-at-least-32-chars")
                .verify(&token)
                .is_err(),
            "another secret"
        );
        assert_eq!(keys.verified.len(), 1, "only genuine tokens are remembered");
    }

    #[test]
    fn a_remembered_token_still_expires() {
        let keys = keys_for(SECRET);
        let token = any_token(&keys);
        let claims = keys.verify(&token).expect("valid");
        let exp = u64::try_from(claims.exp).expect("a positive time");
        assert!(
            keys.verify_at(&token, exp + LEEWAY_SECONDS).is_ok(),
            "within the leeway"
        );
        assert!(
            keys.verify_at(&token, exp + LEEWAY_SECONDS + 1).is_err(),
            "past it"
        );
        assert_eq!(keys.verified.len(), 0, "an expired token is forgotten");
    }

    #[test]
    fn alg_none_is_refused() {
        let keys = keys_for(SECRET);
        let header = URL_SAFE_NO_PAD.encode(r#"{"alg":"none","typ":"JWT"}"#);
        let now = Utc::now().timestamp();
        let payload = URL_SAFE_NO_PAD.encode(
            serde_json::json!({
                "iss": ISSUER, "aud": AUDIENCE, "sub": Uuid::new_v4(), "pid": Uuid::new_v4(),
                "sid": Uuid::new_v4(), "stm": Uuid::new_v4(), "iat": now, "exp": now + 600
            })
            .to_string(),
        );
        assert!(keys.verify(&format!("{header}.{payload}.")).is_err());
    }

    #[test]
    fn expired_and_wrong_audience_tokens_are_refused() {
        let keys = keys_for(SECRET);
        let now = Utc::now().timestamp();
        let claims = |aud: &str, exp: i64| Claims {
            iss: ISSUER.into(),
            aud: aud.into(),
            sub: Uuid::new_v4(),
            pid: Uuid::new_v4(),
            sid: Uuid::new_v4(),
            stm: Uuid::new_v4(),
            iat: now - 3600,
            exp,
        };
        let sign = |claims: &Claims| {
            jsonwebtoken::encode(&Header::new(Algorithm::HS256), claims, &keys.encoding)
                .expect("encode")
        };
        assert!(
            keys.verify(&sign(&claims(AUDIENCE, now - 60))).is_err(),
            "expired"
        );
        assert!(
            keys.verify(&sign(&claims("another-api", now + 600)))
                .is_err(),
            "audience"
        );
        assert!(
            keys.verify(&sign(&claims(AUDIENCE, now + 600))).is_ok(),
            "control"
        );
    }
}
