//! Who is signed in, shared through a context.
//!
//! The access token lives only in memory; the refresh token is an HttpOnly cookie page
//! scripts cannot read. On start the app restores a session from that cookie. Tokens are
//! refreshed silently shortly before they expire, but only when the person has been active
//! since the last refresh: an unattended screen is signed out after `IDLE_LIMIT` (HIPAA
//! automatic logoff) with a message saying why. A minute before, the page warns and offers to
//! stay signed in (which refreshes the session, so the server's idle clock starts again too).

use std::future::Future;
use std::time::Duration;

use confidant_openapi::auth::TokenResponse;
use confidant_openapi::me::Me;
use confidant_openapi::people::{PersonKind, Role};
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::api::{self, ApiError};

thread_local! {
    /// Set when this tab signs out (by choice or after the idle time), until someone signs in.
    static SIGNED_OUT: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Whether this tab's session ended by signing out (rather than a page opened while signed
/// out), until the next sign-in.
pub fn signed_out() -> bool {
    SIGNED_OUT.with(std::cell::Cell::get)
}

/// The client-side idle limit; the server enforces its own (30 minutes by default) too.
const IDLE_LIMIT: Duration = Duration::from_secs(30 * 60);
/// How long before the idle sign-out the warning shows.
const WARN_BEFORE: Duration = Duration::from_secs(60);
/// Refresh this long before the access token expires.
const REFRESH_MARGIN_SECONDS: u64 = 60;

/// A signed-in session.
#[derive(Clone, Debug, PartialEq)]
pub struct Session {
    /// The bearer token for API calls.
    pub token: String,
    /// Who is signed in, with their practice.
    pub me: Me,
}

impl Session {
    /// True for owners and admins.
    pub fn is_admin(&self) -> bool {
        matches!(self.me.person.role, Some(Role::Owner | Role::Admin))
    }

    /// True for staff (of any role).
    pub fn is_staff(&self) -> bool {
        self.me.person.kind == PersonKind::Staff
    }
}

/// The name of the messages section: "My Messages" for clients, as the product calls it.
pub fn messages_title(session: Option<&Session>) -> &'static str {
    if session.is_some_and(|s| !s.is_staff()) {
        "My Messages"
    } else {
        "Messages"
    }
}

/// The auth state: `Copy`, so it can go into every closure.
#[derive(Clone, Copy)]
pub struct Auth {
    session: RwSignal<Option<Session>>,
    restoring: RwSignal<bool>,
    notice: RwSignal<Option<String>>,
    last_activity: StoredValue<f64>,
    last_refresh: StoredValue<f64>,
    idle_warning: RwSignal<bool>,
}

/// Milliseconds since the epoch (`Date.now()`, through the Performance API).
fn now_ms() -> f64 {
    web_sys::window()
        .and_then(|w| w.performance())
        .map(|p| p.now() + p.time_origin())
        .unwrap_or_default()
}

impl Auth {
    /// Creates the state, provides it as context and starts restoring a session.
    pub fn provide() -> Self {
        let auth = Self {
            session: RwSignal::new(None),
            restoring: RwSignal::new(true),
            notice: RwSignal::new(None),
            last_activity: StoredValue::new(now_ms()),
            last_refresh: StoredValue::new(now_ms()),
            idle_warning: RwSignal::new(false),
        };
        provide_context(auth);
        auth.watch_activity();
        spawn_local(async move {
            if let Ok(tokens) = api::auth::refresh().await {
                auth.start(tokens).await.ok();
            }
            auth.restoring.set(false);
        });
        auth
    }

    /// Whether the idle sign-out is a minute away (tracked).
    pub fn idle_warning(&self) -> bool {
        self.idle_warning.get()
    }

    /// "Stay signed in": counts as activity and refreshes the session now.
    pub fn stay_signed_in(&self) {
        let auth = *self;
        auth.last_activity.set_value(now_ms());
        auth.idle_warning.set(false);
        spawn_local(async move {
            auth.refresh().await;
        });
    }

    /// The state from context.
    pub fn get() -> Self {
        expect_context::<Self>()
    }

    /// The session, tracked.
    pub fn session(&self) -> Option<Session> {
        self.session.get()
    }

    /// For protected routes: `None` while restoring, then whether someone is signed in.
    pub fn signed_in(&self) -> Option<bool> {
        if self.restoring.get() {
            None
        } else {
            Some(self.session.with(Option::is_some))
        }
    }

    /// Why the person was signed out, if they were (shown on the sign-in page).
    pub fn notice(&self) -> Option<String> {
        self.notice.get()
    }

    /// True while the practice requires a second factor of staff and this person has none:
    /// only the account page (to set one up) is open to them. Tracked.
    pub fn enrolment_required(&self) -> bool {
        self.session
            .with(|s| s.as_ref().is_some_and(|s| s.me.mfa.enrolment_required))
    }

    /// [`Self::enrolment_required`], untracked.
    pub fn enrolment_required_untracked(&self) -> bool {
        self.session
            .with_untracked(|s| s.as_ref().is_some_and(|s| s.me.mfa.enrolment_required))
    }

    /// Reads `GET /api/v1/me` again (after setting up or turning off a second factor, or
    /// changing the practice's settings), so that every page sees the change.
    pub async fn reload_me(&self) -> Result<(), ApiError> {
        let me = self
            .call(|token| async move { api::auth::me(&token).await })
            .await?;
        self.session.update(|session| {
            if let Some(session) = session {
                session.me = me;
            }
        });
        Ok(())
    }

    /// Shows `notice` on the sign-in page (e.g. after a password reset).
    pub fn set_notice(&self, notice: String) {
        self.notice.set(Some(notice));
    }

    /// Takes the tokens of a sign-in, refresh or accepted invitation.
    pub async fn start(&self, tokens: TokenResponse) -> Result<(), ApiError> {
        SIGNED_OUT.with(|flag| flag.set(false));
        let me = api::auth::me(&tokens.access_token).await?;
        self.notice.set(None);
        self.last_refresh.set_value(now_ms());
        self.session.set(Some(Session {
            token: tokens.access_token,
            me,
        }));
        self.schedule_refresh(tokens.expires_in);
        Ok(())
    }

    /// Calls the API with the current token; on a 401 refreshes once and retries, and when
    /// that fails too, signs out with a message. A 403 `mfa_enrolment_required` puts the app
    /// in its enrolment-only state (see [`Self::enrolment_required`]).
    pub async fn call<T, F, Fut>(&self, request: F) -> Result<T, ApiError>
    where
        F: Fn(String) -> Fut,
        Fut: Future<Output = Result<T, ApiError>>,
    {
        let token = self
            .session
            .with_untracked(|s| s.as_ref().map(|s| s.token.clone()))
            .ok_or(ApiError::Network)?;
        let result = match request(token).await {
            Err(error) if error.is_unauthorized() => match self.refresh().await {
                Some(token) => request(token).await,
                None => Err(error),
            },
            other => other,
        };
        // The practice has just begun to require a second factor: the shell sends the person
        // to their account page to set one up.
        if let Err(error) = &result
            && error.is_enrolment_required()
            && !self.enrolment_required_untracked()
        {
            self.session.update(|session| {
                if let Some(session) = session {
                    session.me.mfa.enrolment_required = true;
                }
            });
        }
        result
    }

    /// Signs out on the server and here; `notice` says why on the sign-in page. The sign-in
    /// page then sends whoever signs in next to their inbox, not back to the page this
    /// person was on (see [`signed_out`]): on a shared computer the next person is often
    /// someone else.
    pub fn sign_out(&self, notice: Option<String>) {
        SIGNED_OUT.with(|flag| flag.set(true));
        let auth = *self;
        spawn_local(async move {
            // The session ends locally whatever the server says.
            api::auth::logout().await.ok();
            auth.notice.set(notice);
            auth.session.set(None);
        });
    }

    /// A fresh token, or `None` (then signed out with a message).
    async fn refresh(&self) -> Option<String> {
        match api::auth::refresh().await {
            Ok(tokens) => {
                let token = tokens.access_token.clone();
                self.start(tokens).await.ok()?;
                Some(token)
            }
            Err(error) => {
                let why = match error {
                    ApiError::Problem(problem) => problem.detail,
                    _ => None,
                };
                self.notice.set(Some(
                    why.unwrap_or_else(|| "You were signed out. Please sign in again.".into()),
                ));
                self.session.set(None);
                None
            }
        }
    }

    fn schedule_refresh(&self, expires_in: u64) {
        let auth = *self;
        let delay = Duration::from_secs(expires_in.saturating_sub(REFRESH_MARGIN_SECONDS).max(5));
        set_timeout(
            move || {
                if auth.session.with_untracked(Option::is_none) {
                    return;
                }
                // Only someone who used the app since the last refresh keeps it alive.
                if auth.last_activity.get_value() > auth.last_refresh.get_value() {
                    spawn_local(async move {
                        auth.refresh().await;
                    });
                }
            },
            delay,
        );
    }

    fn watch_activity(&self) {
        let auth = *self;
        let touch = move || auth.last_activity.set_value(now_ms());
        // Handles are kept for the page's life: the app never unmounts.
        std::mem::forget(window_event_listener(leptos::ev::keydown, move |_| touch()));
        std::mem::forget(window_event_listener(leptos::ev::pointerdown, move |_| {
            touch()
        }));
        let idle_check = set_interval_with_handle(
            move || {
                let idle = now_ms() - auth.last_activity.get_value();
                let signed_in = auth.session.with_untracked(Option::is_some);
                let warn = signed_in && idle > (IDLE_LIMIT - WARN_BEFORE).as_millis() as f64;
                if auth.idle_warning.get_untracked() != warn {
                    auth.idle_warning.set(warn);
                }
                if signed_in && idle > IDLE_LIMIT.as_millis() as f64 {
                    auth.idle_warning.set(false);
                    auth.sign_out(Some(
                        "You were signed out after 30 minutes without activity.".into(),
                    ));
                }
            },
            Duration::from_secs(5),
        );
        std::mem::forget(idle_check);
    }
}
