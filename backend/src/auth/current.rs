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
//!
//! [`Caller`] is the same check left to the handler, for a read that needs only the caller's
//! id: it goes to the database together with the check, in one round trip.

use std::future::Future;
use std::net::IpAddr;

use actix_web::http::header::{AUTHORIZATION, HeaderMap};
use actix_web::{FromRequest, HttpRequest, dev::Payload, web};
use chrono::{DateTime, Utc};
use confidant_openapi::ProblemCode;
use confidant_openapi::people::{PersonKind, Role};
use diesel::prelude::*;
use diesel::sql_types::{Bool, Nullable, Timestamptz, Uuid as SqlUuid};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use futures_util::future::{BoxFuture, LocalBoxFuture};
use uuid::Uuid;

use crate::auth::refresh::token_hash;
use crate::auth::throttle::{address_text, peer_ip};
use crate::auth::tokens::Claims;
use crate::db::models::api_key::ApiKeyRow;
use crate::db::models::audit::{AuditAction, AuditEvent};
use crate::db::models::person::Person;
use crate::db::prepared::Prepared;
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
    /// The address the request came from, for the audit trail (formatted only there).
    pub source_address: Option<IpAddr>,
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
            .from_address(&address_text(self.source_address));
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
        let caller = Caller::of(request);
        Box::pin(async move { refuse_while_enrolling(caller?.authenticate().await?) })
    }
}

impl FromRequest for SignedIn {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(request: &HttpRequest, _payload: &mut Payload) -> Self::Future {
        let caller = Caller::of(request);
        Box::pin(async move { caller?.authenticate().await.map(Self) })
    }
}

/// [`CurrentPerson`] refuses a staff member who must set up a second factor first.
fn refuse_while_enrolling(me: CurrentPerson) -> Result<CurrentPerson, ApiError> {
    if me.enrolment_required {
        return Err(ApiError::new(
            ProblemCode::MfaEnrolmentRequired,
            "Your practice requires a second sign-in step: set up an authenticator app under \
             Your account first.",
        ));
    }
    Ok(me)
}

/// The credential a request presents, read and (an access token) verified, but not yet
/// checked against the database.
///
/// As an extractor it serves read routes whose first statement needs only the caller's id
/// (the unread badge): [`Caller::check_with`] sends that statement together with the session
/// check, so the request waits for the database once instead of twice. Every other route
/// takes [`CurrentPerson`] or [`SignedIn`], which make the same check on its own.
pub struct Caller {
    state: web::Data<AppState>,
    credential: Credential,
    source_address: Option<IpAddr>,
}

enum Credential {
    /// A genuine, unexpired access token.
    Token(Claims),
    /// Something that looks like an API key, and what the route needs of one (only keys
    /// need the route's method and pattern, so tokens skip working them out).
    Key(String, Needs),
}

impl Caller {
    /// The request's credential, or 401 when it has none or its token is not genuine.
    fn of(request: &HttpRequest) -> Result<Self, ApiError> {
        let state = request
            .app_data::<web::Data<AppState>>()
            .cloned()
            .ok_or_else(unauthorized)?;
        let token = bearer_token(request.headers()).ok_or_else(unauthorized)?;
        let credential = if token.starts_with(API_KEY_PREFIX) {
            let pattern = crate::route_pattern::of(request).unwrap_or_default();
            Credential::Key(
                token.to_owned(),
                key_scopes::needs(request.method().as_str(), &pattern),
            )
        } else {
            Credential::Token(state.tokens.verify(token).map_err(|_| unauthorized())?)
        };
        Ok(Self {
            credential,
            source_address: peer_ip(request),
            state,
        })
    }

    /// Who the caller is, when the database agrees (one query).
    async fn authenticate(self) -> Result<CurrentPerson, ApiError> {
        match self.credential {
            Credential::Key(key, needs) => {
                by_api_key(&self.state, &key, needs, self.source_address).await
            }
            Credential::Token(claims) => {
                let conn = self.state.conn().await?;
                let found = session_check(&conn, &claims, idle_since(&self.state)).await?;
                signed_in(found, &claims, self.source_address)
            }
        }
    }

    /// Checks the caller as [`CurrentPerson`] does and runs `read` for them on `conn`, sent
    /// in the same round trip as the session check (pipelined: PostgreSQL still runs the two
    /// one after the other). The read's answer is used only once the check has passed, so a
    /// revoked session learns nothing from it; it must only read.
    ///
    /// An API key is looked up first, as the read needs the person it belongs to.
    pub async fn check_with<T>(
        self,
        conn: &AsyncPgConnection,
        read: impl for<'c> FnOnce(&'c AsyncPgConnection, Uuid) -> BoxFuture<'c, QueryResult<T>>,
    ) -> Result<(CurrentPerson, T), ApiError> {
        let claims = match self.credential {
            Credential::Token(claims) => claims,
            Credential::Key(..) => {
                let me = refuse_while_enrolling(self.authenticate().await?)?;
                let value = read(conn, me.id()).await?;
                return Ok((me, value));
            }
        };
        let (found, value) = futures_util::join!(
            session_check(conn, &claims, idle_since(&self.state)),
            read(conn, claims.sub),
        );
        let me = refuse_while_enrolling(signed_in(found?, &claims, self.source_address)?)?;
        Ok((me, value?))
    }
}

impl FromRequest for Caller {
    type Error = ApiError;
    type Future = std::future::Ready<Result<Self, Self::Error>>;

    fn from_request(request: &HttpRequest, _payload: &mut Payload) -> Self::Future {
        std::future::ready(Self::of(request))
    }
}

/// A session idle past the limit ends for its access tokens too, not only at the next
/// refresh (automatic logoff).
fn idle_since(state: &AppState) -> DateTime<Utc> {
    Utc::now()
        - chrono::Duration::from_std(state.config.session_idle)
            .unwrap_or(chrono::Duration::minutes(30))
}

/// The person behind a token, their practice's second-factor rule and their authenticator.
#[derive(QueryableByName)]
struct SessionRow {
    #[diesel(embed)]
    person: Person,
    #[diesel(sql_type = Bool)]
    require_staff_mfa: bool,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    confirmed_at: Option<DateTime<Utc>>,
}

/// The session check, one statement: the row of the person behind `claims`, when their
/// session is current (see the module comment).
///
/// Constant SQL rather than diesel's query builder: every authenticated request runs it, and
/// diesel-async writes a statement's text again on each call (it caches the prepared
/// statement, not the text). For this four-table join that was a fifth of the server's CPU for
/// the badge, half of it quoting identifiers (`cargo xtask bench send --only badge`).
fn session_check<'c>(
    mut conn: &'c AsyncPgConnection,
    claims: &Claims,
    idle_since: DateTime<Utc>,
) -> impl Future<Output = QueryResult<Option<SessionRow>>> + Send + 'c {
    let query = Prepared::sql(
        "SELECT p.id, p.practice_id, p.kind, p.name, p.email, p.role, p.status, \
                p.security_stamp, p.created_at, pr.require_staff_mfa, t.confirmed_at \
         FROM people p \
         JOIN sessions s ON s.person_id = p.id \
         JOIN practices pr ON pr.id = p.practice_id \
         LEFT JOIN totp_authenticators t ON t.person_id = p.id \
         WHERE p.id = $1 AND p.practice_id = $2 AND p.security_stamp = $3 \
           AND p.status <> 'deactivated' \
           AND s.id = $4 AND s.revoked_at IS NULL AND s.last_active_at > $5",
    )
    .bind::<SqlUuid, _>(claims.sub)
    .bind::<SqlUuid, _>(claims.pid)
    .bind::<SqlUuid, _>(claims.stm)
    .bind::<SqlUuid, _>(claims.sid)
    .bind::<Timestamptz, _>(idle_since);
    async move { query.get_result(&mut conn).await.optional() }
}

/// The signed-in person the session check found, or 401.
fn signed_in(
    found: Option<SessionRow>,
    claims: &Claims,
    source_address: Option<IpAddr>,
) -> Result<CurrentPerson, ApiError> {
    let SessionRow {
        person,
        require_staff_mfa,
        confirmed_at,
    } = found.ok_or_else(unauthorized)?;
    let enrolment_required =
        require_staff_mfa && person.kind() == PersonKind::Staff && confirmed_at.is_none();
    Ok(CurrentPerson {
        person,
        session_id: claims.sid,
        token_expires_at: claims.exp,
        source_address,
        enrolment_required,
        api_key_id: None,
    })
}

/// The credential of an `Authorization: Bearer …` header, if the request has one.
pub fn bearer_token(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.strip_prefix("Bearer "))
        .map(str::trim)
}

/// What every API key begins with, so that a key is recognised at a glance (and by secret
/// scanners) and told apart from an access token here.
pub const API_KEY_PREFIX: &str = "cfk_";

/// Authenticates a request made with an API key: a live key of an active staff member, with
/// the scope the route needs (R-KEY-SCOPE).
async fn by_api_key(
    state: &AppState,
    key: &str,
    needs: Needs,
    source_address: Option<IpAddr>,
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
    match needs {
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
