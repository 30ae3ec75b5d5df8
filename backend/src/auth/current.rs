//! The signed-in person, as an extractor: `async fn handler(me: CurrentPerson, …)`.
//!
//! The bearer token must be genuine and current, and the database must agree: the session is
//! not revoked (logout ends tokens at once), not idle past `CONFIDANT_SESSION_IDLE_MINUTES`
//! since its last sign-in or refresh, the person's security stamp is unchanged (a password
//! change or withdrawn access ends every older token) and they are not deactivated.
//!
//! When the practice requires a second factor of staff and this staff member has none, they
//! are in an enrolment-only state: [`CurrentPerson`] refuses them (403
//! `mfa_enrolment_required`) and only routes that take [`SignedIn`] (their own account: who
//! they are, setting up MFA, passwords, sessions) answer. The check is part of the same query.

use actix_web::http::header::AUTHORIZATION;
use actix_web::{FromRequest, HttpRequest, dev::Payload, web};
use chrono::{DateTime, Utc};
use confidant_openapi::ProblemCode;
use confidant_openapi::people::{PersonKind, Role};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use futures_util::future::LocalBoxFuture;
use uuid::Uuid;

use crate::auth::refresh::token_hash;
use crate::auth::throttle::peer_address;
use crate::db::models::api_key::ApiKeyRow;
use crate::db::models::audit::{AuditAction, AuditEvent};
use crate::db::models::person::Person;
use crate::db::schema::{people, practices, sessions, totp_authenticators};
use crate::domain::key_scopes::{self, Needs};
use crate::error::ApiError;
use crate::state::AppState;

/// The person making the request.
#[derive(Debug, Clone)]
pub struct CurrentPerson {
    /// Their row.
    pub person: Person,
    /// The session their token belongs to.
    pub session_id: Uuid,
    /// When their access token expires (seconds since the epoch): a live stream it opens
    /// ends then.
    pub token_expires_at: i64,
    /// The address the request came from, for the audit trail.
    pub source_address: String,
    /// The practice requires a second factor of staff and they have none yet.
    pub enrolment_required: bool,
    /// The API key that made the request, when a key did (then `session_id` is nil: keys
    /// never reach the routes that use sessions, see [`crate::domain::key_scopes`]).
    pub api_key_id: Option<Uuid>,
}

/// A signed-in person who may be in the enrolment-only state (see the module comment): for
/// the routes of their own account.
#[derive(Debug, Clone)]
pub struct SignedIn(pub CurrentPerson);

impl CurrentPerson {
    /// Their id.
    pub fn id(&self) -> Uuid {
        self.person.id
    }

    /// Their practice.
    pub fn practice_id(&self) -> Uuid {
        self.person.practice_id
    }

    /// Their role, or 403 for clients (staff-only routes).
    pub fn require_staff(&self) -> Result<Role, ApiError> {
        match (self.person.kind(), self.person.role()) {
            (PersonKind::Staff, Some(role)) => Ok(role),
            _ => Err(ApiError::new(
                ProblemCode::Forbidden,
                "Only staff of the practice can do this.",
            )),
        }
    }

    /// An audit event by this person, from their address.
    pub fn audit(&self, action: AuditAction) -> AuditEvent {
        let event = AuditEvent::new(action, Some(self.practice_id()), Some(self.id()))
            .from_address(&self.source_address);
        match self.api_key_id {
            Some(key) => event.by_key(key),
            None => event,
        }
    }

    /// Nothing, or 403 unless owner or admin.
    pub fn require_admin(&self) -> Result<Role, ApiError> {
        match self.require_staff()? {
            role @ (Role::Owner | Role::Admin) => Ok(role),
            _ => Err(ApiError::new(
                ProblemCode::Forbidden,
                "Only the practice's owners and admins can do this.",
            )),
        }
    }
}

fn unauthorized() -> ApiError {
    ApiError::new(
        ProblemCode::Unauthorized,
        "Sign in to continue: the access token is missing, invalid or expired.",
    )
}

impl FromRequest for CurrentPerson {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(request: &HttpRequest, _payload: &mut Payload) -> Self::Future {
        let signed_in = authenticate(request);
        Box::pin(async move {
            let me = signed_in.await?;
            if me.enrolment_required {
                return Err(ApiError::new(
                    ProblemCode::MfaEnrolmentRequired,
                    "Your practice requires a second sign-in step: set up an authenticator app \
                     under Your account first.",
                ));
            }
            Ok(me)
        })
    }
}

impl FromRequest for SignedIn {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(request: &HttpRequest, _payload: &mut Payload) -> Self::Future {
        let signed_in = authenticate(request);
        Box::pin(async move { signed_in.await.map(Self) })
    }
}

/// Checks the bearer token against the database (one query).
fn authenticate(request: &HttpRequest) -> LocalBoxFuture<'static, Result<CurrentPerson, ApiError>> {
    let state = request.app_data::<web::Data<AppState>>().cloned();
    let source_address = peer_address(request);
    let method = request.method().as_str().to_owned();
    let pattern = request.match_pattern().unwrap_or_default();
    let token = request
        .headers()
        .get(AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.strip_prefix("Bearer "))
        .map(|token| token.trim().to_owned());
    Box::pin(async move {
        let state = state.ok_or_else(unauthorized)?;
        let token = token.ok_or_else(unauthorized)?;
        if token.starts_with(API_KEY_PREFIX) {
            return by_api_key(&state, &token, &method, &pattern, source_address).await;
        }
        let claims = state.tokens.verify(&token).map_err(|_| unauthorized())?;
        let mut conn = state.conn().await?;
        // A session idle past the limit ends for its access tokens too, not only at the
        // next refresh (automatic logoff).
        let idle_since = chrono::Utc::now()
            - chrono::Duration::from_std(state.config.session_idle)
                .unwrap_or(chrono::Duration::minutes(30));
        let found: Option<(Person, bool, Option<DateTime<Utc>>)> = people::table
            .inner_join(sessions::table.on(sessions::person_id.eq(people::id)))
            .inner_join(practices::table.on(practices::id.eq(people::practice_id)))
            .left_join(totp_authenticators::table.on(totp_authenticators::person_id.eq(people::id)))
            .filter(people::id.eq(claims.sub))
            .filter(people::practice_id.eq(claims.pid))
            .filter(people::security_stamp.eq(claims.stm))
            .filter(people::status.ne("deactivated"))
            .filter(sessions::id.eq(claims.sid))
            .filter(sessions::revoked_at.is_null())
            .filter(sessions::last_active_at.gt(idle_since))
            .select((
                Person::as_select(),
                practices::require_staff_mfa,
                totp_authenticators::confirmed_at.nullable(),
            ))
            .first(&mut conn)
            .await
            .optional()?;
        let (person, required, confirmed) = found.ok_or_else(unauthorized)?;
        let enrolment_required =
            required && person.kind() == PersonKind::Staff && confirmed.is_none();
        Ok(CurrentPerson {
            person,
            session_id: claims.sid,
            token_expires_at: claims.exp,
            source_address,
            enrolment_required,
            api_key_id: None,
        })
    })
}

/// What every API key begins with, so that a key is recognised at a glance (and by secret
/// scanners) and told apart from an access token here.
pub const API_KEY_PREFIX: &str = "cfk_";

/// Authenticates a request made with an API key: a live key of an active staff member, with
/// the scope the route needs (R-KEY-SCOPE).
async fn by_api_key(
    state: &AppState,
    key: &str,
    method: &str,
    pattern: &str,
    source_address: String,
) -> Result<CurrentPerson, ApiError> {
    let mut conn = state.conn().await?;
    let (row, person) = ApiKeyRow::authenticate(&mut conn, &token_hash(key))
        .await?
        .ok_or_else(|| {
            ApiError::new(
                ProblemCode::Unauthorized,
                "This API key is not valid: it was revoked, has expired, or its person no longer has access.",
            )
        })?;
    match key_scopes::needs(method, pattern) {
        Needs::Nothing => {}
        Needs::Scope(scope) if row.scopes().contains(&scope) => {}
        Needs::Scope(scope) => {
            return Err(ApiError::new(
                ProblemCode::Forbidden,
                format!("This API key lacks the scope `{}`.", scope.as_str()),
            ));
        }
        Needs::NotForKeys => {
            return Err(ApiError::new(
                ProblemCode::Forbidden,
                "API keys cannot do this: sign in as a person.",
            ));
        }
    }
    Ok(CurrentPerson {
        person,
        session_id: Uuid::nil(),
        token_expires_at: i64::MAX,
        source_address,
        enrolment_required: false,
        api_key_id: Some(row.id),
    })
}
