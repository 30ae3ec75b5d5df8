//! Forgot password: ask for a reset link by email. The answer is the same whether or not the
//! email has an account (the server tells nothing either way), so the page says so.

use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::api;
use crate::components::auth_card::AuthCard;

/// The forgot-password page.
#[component]
pub fn ForgotPasswordPage() -> impl IntoView {
    let email = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let sent = RwSignal::new(false);

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let address = email.get_untracked().trim().to_owned();
        if busy.get_untracked() {
            return;
        }
        if !address.contains('@') {
            error.set(Some("Enter the email address you sign in with.".into()));
            return;
        }
        busy.set(true);
        error.set(None);
        spawn_local(async move {
            match api::auth::request_password_reset(address).await {
                Ok(()) => sent.set(true),
                Err(failure) => error.set(Some(
                    failure.field("email").unwrap_or_else(|| failure.message()),
                )),
            }
            busy.set(false);
        });
    };

    view! {
        <main class="auth-page">
            <AuthCard on_submit=submit>
                <h1>"Reset your password"</h1>
                {move || if sent.get() {
                    view! {
                        <p class="notice" role="status" data-testid="reset-sent">
                            "If an account uses this email, a link to choose a new password is on its way. It works once, for 60 minutes. Check your spam folder if it does not arrive."
                        </p>
                    }.into_any()
                } else {
                    view! {
                        <p class="auth-lead">"Enter the email you sign in with. We will send you a link to choose a new password."</p>
                        <label class="field">
                            <span>"Email"</span>
                            <input type="email" name="email" autocomplete="username" required bind:value=email />
                        </label>
                        {move || error.get().map(|message| view! { <p class="form-error" role="alert" data-testid="form-error">{message}</p> })}
                        <button class="button button-wide" type="submit" disabled=move || busy.get()>
                            {move || if busy.get() { "Sending…" } else { "Send the link" }}
                        </button>
                    }.into_any()
                }}
                <a class="auth-link" href="/sign-in">"Back to sign in"</a>
            </AuthCard>
        </main>
    }
}
