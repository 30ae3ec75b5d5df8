//! The practice's settings and storage, for owners and admins: whether message notifications
//! are combined, and what the practice stores.

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

    let toggle = move |ev: leptos::ev::Event| {
        let wanted = event_target_checked(&ev);
        saving.set(true);
        notice.set(None);
        spawn_local(async move {
            let body = UpdatePracticeRequest {
                combine_notifications: Some(wanted),
            };
            let result = auth
                .call(|token| {
                    let body = body.clone();
                    async move { api::practice::update(&token, &body).await }
                })
                .await;
            match result {
                Ok(saved) => {
                    combine.set(saved.combine_notifications);
                    notice.set(Some("Saved.".into()));
                    error.set(None);
                }
                Err(failure) => {
                    // The box goes back to what the server has.
                    combine.set(!wanted);
                    error.set(Some(failure.message()));
                }
            }
            saving.set(false);
        });
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
