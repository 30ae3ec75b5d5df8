//! The practice's settings and storage, for owners and admins: whether message notifications
//! are combined, whether staff must sign in in two steps, and what the practice stores.

use confidant_openapi::me::{PracticeUsage, UpdatePracticeRequest};
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::api;
use crate::auth::Auth;
use crate::components::attachments::human_size;

/// The practice page.
#[component]
pub fn PracticePage() -> impl IntoView {
    let auth = Auth::get();
    let practice = move || auth.session().map(|s| s.me.practice);
    let combine = RwSignal::new(practice().is_some_and(|p| p.combine_notifications));
    let require_mfa = RwSignal::new(practice().is_some_and(|p| p.require_staff_mfa));
    // Whether the person changing the setting has a second factor themselves.
    let own_mfa = move || auth.session().is_some_and(|s| s.me.mfa.enabled);
    let usage = RwSignal::new(None::<PracticeUsage>);
    let error = RwSignal::new(None::<String>);
    let notice = RwSignal::new(None::<String>);
    let saving = RwSignal::new(false);

    spawn_local(async move {
        match auth
            .call(|token| async move { api::practice::usage(&token).await })
            .await
        {
            Ok(found) => usage.set(Some(found)),
            Err(failure) => error.set(Some(failure.message())),
        }
    });

    // Saves one setting; `shown` is its box, which goes back to what the server has when
    // saving fails.
    let save = move |body: UpdatePracticeRequest, shown: RwSignal<bool>, wanted: bool| {
        saving.set(true);
        notice.set(None);
        spawn_local(async move {
            let result = auth
                .call(|token| {
                    let body = body.clone();
                    async move { api::practice::update(&token, &body).await }
                })
                .await;
            match result {
                Ok(saved) => {
                    combine.try_set(saved.combine_notifications);
                    require_mfa.try_set(saved.require_staff_mfa);
                    notice.try_set(Some("Saved.".into()));
                    error.try_set(None);
                    // Every page sees the practice as it is now (and someone who now needs
                    // a second factor is sent to set one up).
                    auth.reload_me().await.ok();
                }
                Err(failure) => {
                    shown.try_set(!wanted);
                    error.try_set(Some(failure.message()));
                }
            }
            saving.try_set(false);
        });
    };

    let toggle = move |ev: leptos::ev::Event| {
        let wanted = event_target_checked(&ev);
        save(
            UpdatePracticeRequest {
                combine_notifications: Some(wanted),
                ..Default::default()
            },
            combine,
            wanted,
        );
    };

    let toggle_mfa = move |ev: leptos::ev::Event| {
        let wanted = event_target_checked(&ev);
        save(
            UpdatePracticeRequest {
                require_staff_mfa: Some(wanted),
                ..Default::default()
            },
            require_mfa,
            wanted,
        );
    };

    view! {
        <header class="page-header">
            <h1>{move || practice().map(|p| p.name).unwrap_or_else(|| "Practice".into())}</h1>
        </header>
        {move || notice.get().map(|text| view! { <p class="notice" role="status">{text}</p> })}
        {move || error.get().map(|text| view! { <p class="form-error" role="alert">{text}</p> })}
        <section class="panel settings-panel" aria-labelledby="notifications-heading">
            <h2 id="notifications-heading">"Email notifications"</h2>
            <label class="choice">
                <input
                    type="checkbox"
                    data-testid="combine-notifications"
                    prop:checked=move || combine.get()
                    disabled=move || saving.get()
                    on:change=toggle
                />
                "Combine notifications: at most one email per person every five minutes"
            </label>
            <p class="muted">"Emails never hold message content: they say that a secure message is waiting and link to the portal."</p>
        </section>
        <section class="panel settings-panel" aria-labelledby="sign-in-heading">
            <h2 id="sign-in-heading">"Sign-in"</h2>
            <label class="choice">
                <input
                    type="checkbox"
                    data-testid="require-staff-mfa"
                    aria-describedby="require-staff-mfa-hint"
                    prop:checked=move || require_mfa.get()
                    disabled=move || saving.get()
                    on:change=toggle_mfa
                />
                "Require two-step sign-in for all staff"
            </label>
            <p class="muted" id="require-staff-mfa-hint">
                "Staff who have not set up an authenticator app keep their session but can do nothing else until they set one up on their account page; clients are not affected."
            </p>
            {move || (!own_mfa() && !require_mfa.get()).then(|| view! {
                <p class="muted" data-testid="require-staff-mfa-self">
                    "You have not set up two-step sign-in yourself: once this is on, you will be asked to set it up first too."
                </p>
            })}
        </section>
        <section class="panel settings-panel" aria-labelledby="storage-heading" data-testid="storage">
            <h2 id="storage-heading">"Storage"</h2>
            {move || match usage.get() {
                None => view! { <p class="muted">"Loading…"</p> }.into_any(),
                Some(u) => view! {
                    <dl class="facts">
                        <div><dt>"Attachments stored"</dt><dd data-testid="storage-total">{format!("{} in {} files", human_size(u.bytes.max(0) as u64), u.files)}</dd></div>
                        <div><dt>"Uploaded, not sent yet"</dt><dd>{format!("{} in {} files (removed after a day)", human_size(u.unsent_bytes.max(0) as u64), u.unsent_files)}</dd></div>
                        <div><dt>"Unsent uploads allowed per person"</dt><dd>{human_size(u.upload_quota_bytes.max(0) as u64)}</dd></div>
                    </dl>
                }.into_any(),
            }}
        </section>
    }
}
