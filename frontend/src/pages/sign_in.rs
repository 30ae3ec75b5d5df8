//! Sign in with email and password, then, for someone who has set up two-step sign-in, with
//! a code from their authenticator app (or one of their recovery codes).

use confidant_openapi::auth::LoginResponse;
use leptos::html;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::{use_navigate, use_query_map};

use crate::api;
use crate::auth::Auth;
use crate::components::auth_card::AuthCard;
use crate::components::status_line::StatusLine;

/// The password was right and a code is due: the server's token for the second step, and
/// when it expires (milliseconds since the epoch).
#[derive(Clone, Debug, PartialEq)]
struct Challenge {
    token: String,
    expires_at: f64,
}

/// Milliseconds since the epoch.
fn now_ms() -> f64 {
    js_sys::Date::now()
}

/// The page to go on to after signing in, from the `next` parameter: only a path of this app
/// (`/messages/…`), never another site (`//evil.example`, `https://…`).
fn return_to(next: &str) -> Option<String> {
    let safe = next.starts_with('/')
        && !next.starts_with("//")
        && next
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '/' | '-' | '_'));
    safe.then(|| next.to_owned())
}

/// The sign-in page.
#[component]
pub fn SignInPage() -> impl IntoView {
    let auth = Auth::get();
    let navigate = use_navigate();
    let query = use_query_map();
    let email = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let code = RwSignal::new(String::new());
    let challenge = RwSignal::new(None::<Challenge>);
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let password_input = NodeRef::<html::Input>::new();
    let code_input = NodeRef::<html::Input>::new();

    // Someone already signed in has no business here. Someone whose practice requires a
    // second factor they have not set up yet goes straight to setting one up.
    Effect::new({
        let navigate = navigate.clone();
        move || {
            if let Some(session) = auth.session() {
                let to = if session.me.mfa.enrolment_required {
                    "/account".to_owned()
                } else {
                    query
                        .with_untracked(|query| query.get("next"))
                        .and_then(|next| return_to(&next))
                        .unwrap_or_else(|| "/messages".to_owned())
                };
                navigate(&to, Default::default());
            }
        }
    });

    let on_code_step = Memo::new(move |_| challenge.with(Option::is_some));
    // After a change of step, its field gets the focus, so the keyboard goes on from there.
    let step_changed = StoredValue::new(false);
    Effect::new(move || {
        let input = if on_code_step.get() {
            code_input.get()
        } else {
            password_input.get()
        };
        if let Some(input) = input
            && step_changed.get_value()
        {
            input.focus().ok();
        }
    });

    let start_over = move || {
        step_changed.set_value(true);
        challenge.set(None);
        code.set(String::new());
        password.set(String::new());
    };

    let submit_password = move || {
        busy.set(true);
        error.set(None);
        let (email, secret) = (email.get_untracked(), password.get_untracked());
        spawn_local(async move {
            let result = match api::auth::login(email, secret).await {
                Ok(LoginResponse::Tokens(tokens)) => auth.start(tokens).await,
                Ok(LoginResponse::MfaRequired(step)) => {
                    // The password is no longer needed: it does not stay in the page.
                    password.set(String::new());
                    code.set(String::new());
                    step_changed.set_value(true);
                    challenge.set(Some(Challenge {
                        token: step.mfa_token,
                        expires_at: now_ms() + step.expires_in as f64 * 1000.0,
                    }));
                    Ok(())
                }
                Err(failure) => Err(failure),
            };
            if let Err(failure) = result {
                error.set(Some(failure.message()));
            }
            busy.set(false);
        });
    };

    let submit_code = move |step: Challenge| {
        let typed = code.get_untracked().trim().to_owned();
        if typed.is_empty() {
            error.set(Some(
                "Enter the code your authenticator app shows, or one of your recovery codes."
                    .into(),
            ));
            return;
        }
        if now_ms() >= step.expires_at {
            start_over();
            error.set(Some(
                "This sign-in step has expired: sign in with your password again.".into(),
            ));
            return;
        }
        busy.set(true);
        error.set(None);
        spawn_local(async move {
            let result = match api::auth::login_mfa(step.token, typed).await {
                Ok(tokens) => auth.start(tokens).await,
                Err(failure) => Err(failure),
            };
            if let Err(failure) = result {
                // A used code cannot be tried again: the field is cleared for the next one.
                code.try_set(String::new());
                error.try_set(Some(failure.message()));
                if let Some(input) = code_input.get_untracked() {
                    input.focus().ok();
                }
            }
            busy.try_set(false);
        });
    };

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        match challenge.get_untracked() {
            Some(step) => submit_code(step),
            None => submit_password(),
        }
    };

    let error_line = move || {
        error.get().map(|message| {
            view! { <p class="form-error" role="alert" data-testid="form-error">{message}</p> }
        })
    };

    let password_step = move || {
        view! {
            <h1>"Sign in"</h1>
            <p class="auth-lead">"Secure messages with your practice."</p>
            {move || auth.notice().map(|notice| view! { <p class="notice" role="status">{notice}</p> })}
            <label class="field">
                <span>"Email"</span>
                <input type="email" name="email" autocomplete="username" required bind:value=email />
            </label>
            <label class="field">
                <span>"Password"</span>
                <input type="password" name="password" autocomplete="current-password" required
                    node_ref=password_input bind:value=password />
            </label>
            {error_line}
            <button class="button button-wide" type="submit" disabled=move || busy.get()>
                {move || if busy.get() { "Signing in…" } else { "Sign in" }}
            </button>
            <a class="auth-link" href="/forgot-password" data-testid="forgot-password">"Forgot password?"</a>
            <p class="auth-foot">
                "New here? Your practice sends you an invitation by email; its link lets you set a password."
            </p>
        }
    };

    let code_step = move || {
        view! {
            <h1>"Two-step sign-in"</h1>
            <p class="auth-lead" id="mfa-hint">
                "Open your authenticator app and enter the 6-digit code, or use one of your recovery codes."
            </p>
            <label class="field">
                <span>"Authentication code"</span>
                <input
                    type="text"
                    name="code"
                    autocomplete="one-time-code"
                    autocapitalize="off"
                    spellcheck="false"
                    maxlength="64"
                    required
                    aria-describedby="mfa-hint"
                    data-testid="mfa-code"
                    node_ref=code_input
                    bind:value=code
                />
            </label>
            {error_line}
            <button class="button button-wide" type="submit" data-testid="mfa-submit" disabled=move || busy.get()>
                {move || if busy.get() { "Checking…" } else { "Verify" }}
            </button>
            <a
                class="auth-link"
                href="/sign-in"
                data-testid="mfa-start-over"
                on:click=move |ev| {
                    ev.prevent_default();
                    error.set(None);
                    start_over();
                }
            >
                "Start over"
            </a>
        }
    };

    view! {
        <main class="auth-page">
            <AuthCard on_submit=submit>
                {move || if on_code_step.get() {
                    code_step().into_any()
                } else {
                    password_step().into_any()
                }}
            </AuthCard>
            <footer class="auth-status"><StatusLine /></footer>
        </main>
    }
}
