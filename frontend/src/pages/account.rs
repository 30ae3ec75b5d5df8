//! Your account: two-step sign-in (R-MFA), change your password, and see where you are
//! signed in and end any of it (R-SESSIONS). While the practice requires a second factor the
//! person has not set up, this is the only page open to them, and it says why.

use confidant_openapi::me::SessionInfo;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::{use_navigate, use_query_map};
use uuid::Uuid;

use crate::api;
use crate::auth::Auth;
use crate::components::new_password::{NewPasswordFields, password_problem};
use crate::components::time::Time;
use crate::components::totp_setup::TwoStepSignIn;

/// The account page.
#[component]
pub fn AccountPage() -> impl IntoView {
    let auth = Auth::get();
    let current = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let repeat = RwSignal::new(String::new());
    let touched = RwSignal::new(false);
    let busy = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    // Changing the password signs in afresh, which renders the page anew: the outcome lives
    // in the address so that it survives.
    let query = use_query_map();
    let navigate = use_navigate();
    let changed = move || query.read().get("password").as_deref() == Some("changed");

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        touched.set(true);
        if busy.get_untracked()
            || password_problem(&password.get_untracked(), &repeat.get_untracked()).is_some()
        {
            return;
        }
        if current.get_untracked().is_empty() {
            error.set(Some("Enter your current password.".into()));
            return;
        }
        busy.set(true);
        error.set(None);
        let (old, new) = (current.get_untracked(), password.get_untracked());
        let navigate = navigate.clone();
        spawn_local(async move {
            let result = auth
                .call(|token| {
                    let (old, new) = (old.clone(), new.clone());
                    async move { api::auth::change_password(&token, old, new).await }
                })
                .await;
            let result = match result {
                Ok(tokens) => auth.start(tokens).await,
                Err(failure) => Err(failure),
            };
            match result {
                Ok(()) => {
                    for field in [current, password, repeat] {
                        field.try_set(String::new());
                    }
                    touched.try_set(false);
                    navigate("/account?password=changed", Default::default());
                }
                Err(failure) => error.set(Some(
                    failure
                        .field("current_password")
                        .or_else(|| failure.field("new_password"))
                        .unwrap_or_else(|| failure.message()),
                )),
            }
            busy.try_set(false);
        });
    };

    view! {
        <header class="page-header">
            <h1>"Your account"</h1>
        </header>
        <Show when=move || auth.enrolment_required()>
            <p class="notice enrolment-notice" role="status" data-testid="mfa-enrolment-notice">
                "Your practice requires two-step sign-in. Set up an authenticator app to continue."
            </p>
        </Show>
        <TwoStepSignIn />
        <Sessions />
        <section class="panel settings-panel" aria-labelledby="password-heading">
            <h2 id="password-heading">"Password"</h2>
            <form class="stack-form" on:submit=submit novalidate data-testid="change-password">
                <label class="field">
                    <span>"Current password"</span>
                    <input type="password" name="current" autocomplete="current-password" bind:value=current />
                </label>
                <NewPasswordFields password repeat touched />
                {move || error.get().map(|text| view! { <p class="form-error" role="alert" data-testid="form-error">{text}</p> })}
                {move || changed().then(|| view! {
                    <p class="notice" role="status" data-testid="password-changed">
                        "Your password was changed. Every other place you were signed in was signed out."
                    </p>
                })}
                <button class="button" type="submit" disabled=move || busy.get()>
                    {move || if busy.get() { "Saving…" } else { "Change password" }}
                </button>
            </form>
        </section>
    }
}

/// Where you are signed in: each session with its device, network and last use; end one, or
/// every one but this.
#[component]
fn Sessions() -> impl IntoView {
    let auth = Auth::get();
    let list = RwSignal::new(None::<Vec<SessionInfo>>);
    let error = RwSignal::new(None::<String>);
    let notice = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let load = move || {
        spawn_local(async move {
            match auth
                .call(|token| async move { api::auth::sessions(&token).await })
                .await
            {
                Ok(found) => list.set(Some(found.items)),
                Err(failure) => error.set(Some(failure.message())),
            }
        });
    };
    load();
    let end = move |id: Uuid| {
        busy.set(true);
        notice.set(None);
        spawn_local(async move {
            match auth
                .call(|token| async move { api::auth::end_session(&token, id).await })
                .await
            {
                Ok(()) => notice.set(Some("That session was signed out.".into())),
                Err(failure) => error.set(Some(failure.message())),
            }
            busy.set(false);
            load();
        });
    };
    let end_others = move |_| {
        busy.set(true);
        notice.set(None);
        spawn_local(async move {
            match auth
                .call(|token| async move { api::auth::end_other_sessions(&token).await })
                .await
            {
                Ok(ended) => notice.set(Some(match ended.ended {
                    0 => "You were signed in nowhere else.".to_owned(),
                    1 => "Signed out of 1 other session.".to_owned(),
                    n => format!("Signed out of {n} other sessions."),
                })),
                Err(failure) => error.set(Some(failure.message())),
            }
            busy.set(false);
            load();
        });
    };
    view! {
        <section class="panel settings-panel" aria-labelledby="sessions-heading" data-testid="sessions">
            <h2 id="sessions-heading">"Where you are signed in"</h2>
            {move || notice.get().map(|text| view! { <p class="notice" role="status">{text}</p> })}
            {move || error.get().map(|text| view! { <p class="form-error" role="alert">{text}</p> })}
            {move || match list.get() {
                None => view! { <p class="muted">"Loading…"</p> }.into_any(),
                Some(items) => view! {
                    <ul class="session-list">
                        {items.into_iter().map(|session| {
                            let id = session.id;
                            let place = session.network.clone().map(|n| format!(" · from {n}")).unwrap_or_default();
                            view! {
                                <li class="session" data-testid="session" data-current=session.current.to_string()>
                                    <span class="session-text">
                                        <span class="session-device">{session.device.clone()}</span>
                                        <span class="muted">
                                            {if session.current { "This session · ".to_owned() } else { "Last used ".to_owned() }}
                                            <Time millis=session.last_used_at.timestamp_millis() />
                                            {place}
                                        </span>
                                    </span>
                                    {(!session.current).then(|| view! {
                                        <button class="button button-secondary" type="button" data-testid="end-session"
                                            disabled=move || busy.get() on:click=move |_| end(id)>
                                            "Sign out"
                                        </button>
                                    })}
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                }.into_any(),
            }}
            <button class="button button-secondary" type="button" data-testid="end-other-sessions"
                disabled=move || busy.get() on:click=end_others>
                "Sign out everywhere else"
            </button>
        </section>
    }
}
