//! Accept an invitation: set a password with the token from the emailed link.

use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::use_navigate;

use crate::api;
use crate::auth::Auth;
use crate::components::auth_card::AuthCard;
use crate::components::new_password::{NewPasswordFields, password_problem};

/// The token from `#token=…` in the address (a fragment never reaches a server).
pub fn token_from_address() -> Option<String> {
    let hash = web_sys::window()?.location().hash().ok()?;
    hash.trim_start_matches('#')
        .split('&')
        .find_map(|part| part.strip_prefix("token="))
        .map(str::to_owned)
        .filter(|token| !token.is_empty())
}

/// The accept-invitation page.
#[component]
pub fn AcceptInvitationPage() -> impl IntoView {
    let auth = Auth::get();
    let navigate = use_navigate();
    let token = token_from_address();
    let has_token = token.is_some();
    let password = RwSignal::new(String::new());
    let repeat = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let touched = RwSignal::new(false);

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        touched.set(true);
        let Some(token) = token.clone() else { return };
        if busy.get_untracked()
            || password_problem(&password.get_untracked(), &repeat.get_untracked()).is_some()
        {
            return;
        }
        busy.set(true);
        error.set(None);
        let navigate = navigate.clone();
        let password = password.get_untracked();
        spawn_local(async move {
            let result = match api::auth::accept_invitation(token, password).await {
                Ok(tokens) => auth.start(tokens).await,
                Err(failure) => Err(failure),
            };
            match result {
                Ok(()) => navigate("/messages", Default::default()),
                Err(failure) => error.set(Some(
                    failure
                        .field("token")
                        .or_else(|| failure.field("password"))
                        .unwrap_or_else(|| failure.message()),
                )),
            }
            busy.set(false);
        });
    };

    view! {
        <main class="auth-page">
            <AuthCard on_submit=submit>
                <h1>"Set your password"</h1>
                {if has_token {
                    view! {
                        <p class="auth-lead">"Choose a password for your secure messages. You will use it with your email address to sign in."</p>
                    }.into_any()
                } else {
                    view! {
                        <p class="form-error" role="alert">"This link is incomplete. Open the link from your invitation email again, or ask your practice for a new invitation."</p>
                    }.into_any()
                }}
                <NewPasswordFields password repeat touched />
                {move || error.get().map(|message| view! { <p class="form-error" role="alert" data-testid="form-error">{message}</p> })}
                <button class="button button-wide" type="submit" disabled=move || busy.get() || !has_token>
                    {move || if busy.get() { "Saving…" } else { "Set password and sign in" }}
                </button>
            </AuthCard>
        </main>
    }
}
