//! What an API key must hold to make a request (R-KEY-SCOPE), from the route it reaches: a
//! key does no more than its person may (the handlers check that, as for anyone) and no more
//! than its scopes allow (checked here, once, before any handler runs). Routes about a
//! person's own sign-in (sessions, passwords, MFA, keys), the practice's settings, its audit
//! trail and the live stream are for people, not keys.

use confidant_openapi::api_keys::ApiKeyScope;

/// What a request needs of a key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Needs {
    /// This scope.
    Scope(ApiKeyScope),
    /// Nothing (who the key's person is).
    Nothing,
    /// Keys may not do this at all.
    NotForKeys,
}

/// What a request with `method` to the route `pattern` (as the router names it,
/// `/api/v1/conversations/{id}`) needs of a key.
pub fn needs(method: &str, pattern: &str) -> Needs {
    let reads = method == "GET" || method == "HEAD";
    let pick = |read, write| Needs::Scope(if reads { read } else { write });
    let rest = pattern.strip_prefix("/api/v1/").unwrap_or("");
    let first = rest.split('/').next().unwrap_or("");
    match first {
        "me" if rest == "me" && reads => Needs::Nothing,
        "conversations" | "unread" | "recipients" => pick(
            ApiKeyScope::ConversationsRead,
            ApiKeyScope::ConversationsWrite,
        ),
        "attachments" => pick(ApiKeyScope::AttachmentsRead, ApiKeyScope::AttachmentsWrite),
        "blasts" => pick(ApiKeyScope::BlastsRead, ApiKeyScope::BlastsWrite),
        "people" | "staff-groups" => pick(ApiKeyScope::PeopleRead, ApiKeyScope::PeopleWrite),
        _ => Needs::NotForKeys,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_and_writes_need_their_own_scope() {
        // R-KEY-SCOPE
        assert_eq!(
            needs("GET", "/api/v1/conversations/{id}"),
            Needs::Scope(ApiKeyScope::ConversationsRead)
        );
        assert_eq!(
            needs("POST", "/api/v1/conversations/{id}/messages"),
            Needs::Scope(ApiKeyScope::ConversationsWrite)
        );
        assert_eq!(
            needs("GET", "/api/v1/unread"),
            Needs::Scope(ApiKeyScope::ConversationsRead)
        );
        assert_eq!(
            needs("DELETE", "/api/v1/attachments/{id}"),
            Needs::Scope(ApiKeyScope::AttachmentsWrite)
        );
        assert_eq!(
            needs("PATCH", "/api/v1/staff-groups/{id}"),
            Needs::Scope(ApiKeyScope::PeopleWrite)
        );
        assert_eq!(
            needs("GET", "/api/v1/blasts/{id}"),
            Needs::Scope(ApiKeyScope::BlastsRead)
        );
    }

    #[test]
    fn keys_never_touch_sign_in_settings_or_the_audit_trail() {
        // R-KEY-SCOPE
        assert_eq!(needs("GET", "/api/v1/me"), Needs::Nothing);
        for (method, pattern) in [
            ("POST", "/api/v1/me/api-keys"),
            ("GET", "/api/v1/me/sessions"),
            ("POST", "/api/v1/me/password"),
            ("POST", "/api/v1/me/mfa/totp"),
            ("PATCH", "/api/v1/practice"),
            ("GET", "/api/v1/audit-events"),
            ("GET", "/api/v1/api-keys"),
            ("POST", "/api/v1/events/tickets"),
            ("GET", "/api/v1/events"),
        ] {
            assert_eq!(
                needs(method, pattern),
                Needs::NotForKeys,
                "{method} {pattern}"
            );
        }
    }
}
