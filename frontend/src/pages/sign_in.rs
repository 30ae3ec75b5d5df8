//! Sign in with email and password.

use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::use_navigate;

use crate::api;
use crate::auth::Auth;
use crate::components::status_line::StatusLine;

/// The sign-in page.
#[component]
pub fn SignInPage() -> impl IntoView {
    let auth = Auth::get();
    let navigate = use_navigate();
    let email = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);

    // Someone already signed in has no business here.
    Effect::new({
        let navigate = navigate.clone();
        move || {
            if auth.session().is_some() {
                navigate("/messages", Default::default());
            }
        }
    });

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        error.set(None);
        let (email, password) = (email.get_untracked(), password.get_untracked());
        spawn_local(async move {
            let result = match api::auth::login(email, password).await {
                Ok(tokens) => auth.start(tokens).await,
                Err(failure) => Err(failure),
            };
            if let Err(failure) = result {
                error.set(Some(failure.message()));
            }
            busy.set(false);
        });
    };

    view! {
        <main class="auth-page">
            <form class="auth-card" on:submit=submit novalidate>
                <div class="auth-brand">
                    <crate::components::brand::BrandMark />
                    <span>"Confidant"</span>
                </div>
                <h1>"Sign in"</h1>
                <p class="auth-lead">"Secure messages with your practice."</p>
                {move || auth.notice().map(|notice| view! { <p class="notice" role="status">{notice}</p> })}
                <label class="field">
                    <span>"Email"</span>
                    <input type="email" name="email" autocomplete="username" required bind:value=email />
                </label>
                <label class="field">
                    <span>"Password"</span>
                    <input type="password" name="password" autocomplete="current-password" required bind:value=password />
                </label>
                {move || error.get().map(|message| view! { <p class="form-error" role="alert" data-testid="form-error">{message}</p> })}
                <button class="button button-wide" type="submit" disabled=move || busy.get()>
                    {move || if busy.get() { "Signing in…" } else { "Sign in" }}
                </button>
                <a class="auth-link" href="/forgot-password" data-testid="forgot-password">"Forgot password?"</a>
                <p class="auth-foot">
                    "New here? Your practice sends you an invitation by email; its link lets you set a password."
                </p>
            </form>
            <footer class="auth-status"><StatusLine /></footer>
        </main>
    }
}
