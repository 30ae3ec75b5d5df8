//! Signing deliveries the Standard Webhooks way (R-WEBHOOK), with the `standardwebhooks`
//! crate: `webhook-signature` is `v1,<base64 HMAC-SHA256 of "id.timestamp.body">`, once per
//! secret in use, separated by spaces, so that during a rotation's overlap a receiver that
//! still holds the old secret verifies as well as one that holds the new.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use standardwebhooks::Webhook;

/// The prefix of a secret, as Standard Webhooks libraries expect it.
const SECRET_PREFIX: &str = "whsec_";

/// A new `whsec_…` secret: 256 random bits.
pub fn new_secret() -> String {
    format!(
        "{SECRET_PREFIX}{}",
        STANDARD.encode(rand::random::<[u8; 32]>())
    )
}

/// The `webhook-signature` value for `body` sent as `msg_id` at `timestamp` (Unix seconds),
/// signed with each of `secrets`. `None` when no secret could be read (none is then sent).
pub fn signature(secrets: &[String], msg_id: &str, timestamp: i64, body: &[u8]) -> Option<String> {
    let signatures: Vec<String> = secrets
        .iter()
        .filter_map(|secret| Webhook::new(secret).ok())
        .filter_map(|signer| signer.sign(msg_id, timestamp, body).ok())
        .collect();
    (!signatures.is_empty()).then(|| signatures.join(" "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signature_matches_the_standard_webhooks_test_vector() {
        // From the Standard Webhooks specification's examples.
        let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw".to_owned();
        let signed = signature(
            &[secret],
            "msg_p5jXN8AQM9LWM0D4loKWxJek",
            1_614_265_330,
            br#"{"test": 2432232314}"#,
        );
        assert_eq!(
            signed.as_deref(),
            Some("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=")
        );
    }

    #[test]
    fn during_a_rotation_both_secrets_sign() {
        let (old, new) = (new_secret(), new_secret());
        assert!(old.starts_with("whsec_") && old.len() > 40, "{old}");
        let signed = signature(&[new, old], "msg_1", 1, b"{}").expect("signed");
        let parts: Vec<&str> = signed.split(' ').collect();
        assert_eq!(parts.len(), 2);
        assert!(parts.iter().all(|part| part.starts_with("v1,")));
        assert_ne!(parts[0], parts[1]);
    }
}
