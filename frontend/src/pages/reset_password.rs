//! Reset password: choose a new one with the token from the emailed link, then sign in with
//! it (a reset signs out every session, so nobody is signed in by it).

use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::use_navigate;

use crate::api;
use crate::auth::Auth;
use crate::components::auth_card::AuthCard;
use crate::components::new_password::{NewPasswordFields, password_problem};
use crate::pages::accept_invitation::token_from_address;

/// The reset-password page.
#[component]
pub fn ResetPasswordPage() -> impl IntoView {
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
            match api::auth::confirm_password_reset(token, password).await {
                Ok(()) => {
                    auth.set_notice(
                        "Your password was changed and you were signed out everywhere. Sign in with your new password."
                            .into(),
                    );
                    navigate("/sign-in", Default::default());
                }
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
                <h1>"Choose a new password"</h1>
                {if has_token {
                    view! {
                        <p class="auth-lead">"Choosing a new password signs you out everywhere you are signed in."</p>
                    }.into_any()
                } else {
                    view! {
                        <p class="form-error" role="alert">"This link is incomplete. Open the link from the email again, or ask for a new one."</p>
                    }.into_any()
                }}
                <NewPasswordFields password repeat touched />
                {move || error.get().map(|message| view! { <p class="form-error" role="alert" data-testid="form-error">{message}</p> })}
                <button class="button button-wide" type="submit" disabled=move || busy.get() || !has_token>
                    {move || if busy.get() { "Saving…" } else { "Change password" }}
                </button>
                <a class="auth-link" href="/forgot-password">"Ask for a new link"</a>
            </AuthCard>
        </main>
    }
}
