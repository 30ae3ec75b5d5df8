//! Time-based one-time passwords (RFC 6238) as a second sign-in factor (R-MFA), and the
//! recovery codes that stand in for a lost phone. totp-rs computes the codes; what it leaves to
//! its caller is here: one code per 30-second step at most (the step is stored and a code of
//! that step or an earlier one is refused), secrets made from the operating system's random
//! source, and recovery codes people can type.

use totp_rs::{Builder, Totp};

/// The name authenticator apps show above the code.
const ISSUER: &str = "Confidant";
/// Recovery codes given at enrolment.
pub const RECOVERY_CODES: usize = 10;
/// Letters and digits nobody confuses when reading them off paper (no 0/o, 1/l/i).
const CODE_ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";

/// A fresh 160-bit secret (the size RFC 4226 recommends).
pub fn new_secret() -> [u8; 20] {
    rand::random()
}

/// A person's authenticator: their secret and the name it is filed under in their app.
pub struct Authenticator(Totp);

/// What a person typed at the second step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Code {
    /// Six digits from the authenticator app.
    Totp(String),
    /// One of the recovery codes, normalised (lower-case, no spaces or dashes).
    Recovery(String),
}

impl Code {
    /// Reads what was typed: six digits (spaces allowed) are a TOTP code, anything else a
    /// recovery code.
    pub fn parse(typed: &str) -> Self {
        let compact: String = typed
            .chars()
            .filter(|c| !c.is_whitespace() && *c != '-')
            .collect::<String>()
            .to_lowercase();
        if compact.len() == 6 && compact.bytes().all(|b| b.is_ascii_digit()) {
            Self::Totp(compact)
        } else {
            Self::Recovery(compact)
        }
    }
}

impl Authenticator {
    /// The authenticator for `secret`, filed under `account` (the person's email).
    pub fn new(secret: &[u8], account: &str) -> Result<Self, totp_rs::TotpError> {
        // An account name may not hold a colon; emails do not, but be sure.
        let account = account.replace(':', "");
        Builder::new()
            .with_secret(secret.to_vec())
            .with_issuer(Some(ISSUER))
            .with_account_name(account)
            .build()
            .map(Self)
    }

    /// The secret in base32, for typing into an app by hand.
    pub fn secret_base32(&self) -> String {
        self.0.secret().to_base32()
    }

    /// The `otpauth://` URI an app reads from the QR code.
    pub fn uri(&self) -> Result<String, totp_rs::TotpError> {
        self.0.to_url()
    }

    /// The step of `code` if it is right at `now` (seconds since the epoch; the step before
    /// and after count too, for clocks that drift) and later than `last_step`: a code is
    /// good once.
    pub fn accepts(&self, code: &str, now: u64, last_step: i64) -> Option<i64> {
        let step = i64::try_from(self.0.check(code, now)?).ok()?;
        (step > last_step).then_some(step)
    }

    /// The code at `now` (for tests, which play the person's app).
    pub fn code_at(&self, now: u64) -> String {
        self.0.generate(now).to_string()
    }
}

/// [`RECOVERY_CODES`] new recovery codes, each 50 random bits as `xxxxx-xxxxx`.
pub fn new_recovery_codes() -> Vec<String> {
    (0..RECOVERY_CODES)
        .map(|_| {
            let chars: String = (0..10)
                .map(|_| {
                    let index = rand::random_range(0..CODE_ALPHABET.len());
                    char::from(CODE_ALPHABET[index])
                })
                .collect();
            format!("{}-{}", &chars[..5], &chars[5..])
        })
        .collect()
}

/// The seconds since the epoch now.
pub fn now() -> u64 {
    u64::try_from(chrono::Utc::now().timestamp()).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    // RFC 6238 appendix B: the SHA-1 secret "12345678901234567890" gives 94287082 (eight
    // digits) at 59 s; six digits are its last six.
    #[test]
    fn codes_match_the_rfc_test_vector() {
        let authenticator = Authenticator::new(b"12345678901234567890", "a@b.test").expect("valid");
        assert_eq!(authenticator.code_at(59), "287082");
        assert_eq!(authenticator.accepts("287082", 59, 0), Some(1));
    }

    #[test]
    fn a_code_is_good_once_and_only_near_its_time() {
        let authenticator = Authenticator::new(&new_secret(), "a@b.test").expect("valid");
        let now = 1_800_000_000;
        let code = authenticator.code_at(now);
        let step = authenticator.accepts(&code, now, 0).expect("right now");
        assert_eq!(authenticator.accepts(&code, now, step), None, "replayed");
        assert!(
            authenticator.accepts(&code, now + 30, 0).is_some(),
            "a step late"
        );
        assert_eq!(authenticator.accepts(&code, now + 120, 0), None, "too late");
    }

    #[test]
    fn the_uri_names_the_issuer_and_account_and_holds_the_secret() {
        let authenticator =
            Authenticator::new(&new_secret(), "olive@riverbend.test").expect("valid");
        let uri = authenticator.uri().expect("a uri");
        assert!(
            uri.starts_with("otpauth://totp/Confidant:olive%40riverbend.test?"),
            "{uri}"
        );
        assert!(uri.contains(&format!("secret={}", authenticator.secret_base32())));
    }

    #[test]
    fn typed_codes_are_read_generously() {
        assert_eq!(Code::parse(" 123 456 "), Code::Totp("123456".into()));
        assert_eq!(
            Code::parse("ABCDE-fghjk"),
            Code::Recovery("abcdefghjk".into())
        );
        let codes = new_recovery_codes();
        assert_eq!(codes.len(), RECOVERY_CODES);
        assert!(
            codes
                .iter()
                .all(|c| c.len() == 11 && c.as_bytes()[5] == b'-')
        );
        let distinct: std::collections::HashSet<_> = codes.iter().collect();
        assert_eq!(distinct.len(), RECOVERY_CODES);
    }
}
