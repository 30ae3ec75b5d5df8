//! Confirm a new sign-in email with the token from the link sent to that address.

use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::api;
use crate::components::auth_card::AuthCard;
use crate::pages::accept_invitation::token_from_address;

/// Where confirming stands.
#[derive(Clone, Debug, PartialEq)]
enum Outcome {
    Waiting,
    Confirmed,
    Failed(String),
}

/// The confirm-email page.
#[component]
pub fn ConfirmEmailPage() -> impl IntoView {
    let token = token_from_address();
    let has_token = token.is_some();
    let outcome = RwSignal::new(Outcome::Waiting);
    let busy = RwSignal::new(false);

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Some(token) = token.clone() else { return };
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        spawn_local(async move {
            outcome.set(match api::auth::confirm_email_change(token).await {
                Ok(()) => Outcome::Confirmed,
                Err(failure) => {
                    Outcome::Failed(failure.field("token").unwrap_or_else(|| failure.message()))
                }
            });
            busy.set(false);
        });
    };

    view! {
        <main class="auth-page">
            <AuthCard on_submit=submit>
                <h1>"Confirm your email address"</h1>
                {move || match outcome.get() {
                    Outcome::Confirmed => view! {
                        <p class="notice" role="status" data-testid="confirmed">
                            "Done: this address is your sign-in email now. Sign in with it from now on."
                        </p>
                        <a class="button button-wide" href="/sign-in">"Sign in"</a>
                    }.into_any(),
                    Outcome::Failed(message) => view! {
                        <p class="form-error" role="alert" data-testid="form-error">{message}</p>
                    }.into_any(),
                    Outcome::Waiting if has_token => view! {
                        <p class="auth-lead">"Your practice asked to make this address the email you sign in with. Confirm it to make the change."</p>
                        <button class="button button-wide" type="submit" disabled=move || busy.get()>
                            {move || if busy.get() { "Confirming…" } else { "Confirm this address" }}
                        </button>
                    }.into_any(),
                    Outcome::Waiting => view! {
                        <p class="form-error" role="alert">"This link is incomplete. Open the link from the email again."</p>
                    }.into_any(),
                }}
            </AuthCard>
        </main>
    }
}
