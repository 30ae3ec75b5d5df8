//! The audit trail page, `/admin/audit`, for owners and admins: who read, downloaded,
//! changed or signed in, newest first, filtered by person, action and dates, with a CSV
//! download of the same selection. Ids only: the trail holds no content.

use confidant_openapi::audit::AuditEvent;
use confidant_openapi::people::Person;
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::api;
use crate::auth::Auth;
use crate::components::time::Time;

/// The actions a person can filter by, with the words shown for them.
const ACTIONS: [(&str, &str); 33] = [
    ("sign_in", "Signed in"),
    ("sign_in_failed", "Failed sign-in"),
    ("sign_out", "Signed out"),
    ("session_revoked", "Ended a session"),
    ("session_idle", "Session ended for inactivity"),
    (
        "refresh_token_reused",
        "Reused sign-in token (session ended)",
    ),
    ("conversation_read", "Read a thread"),
    ("attachment_downloaded", "Downloaded a file"),
    ("message_sent", "Sent a message"),
    ("blast_sent", "Sent a blast"),
    ("message_deleted", "Deleted a message"),
    ("conversation_deleted", "Deleted a thread"),
    ("password_set", "Set a password (invitation)"),
    ("password_reset_requested", "Asked for a password reset"),
    ("password_reset", "Reset a password"),
    ("password_changed", "Changed their password"),
    ("mfa_enabled", "Turned on two-step sign-in"),
    ("mfa_disabled", "Turned off two-step sign-in"),
    ("recovery_code_used", "Used a recovery code"),
    ("person_created", "Added a person"),
    ("person_updated", "Changed a person"),
    ("status_changed", "Changed a client's status"),
    ("staff_deactivated", "Deactivated a staff member"),
    ("staff_reactivated", "Reactivated a staff member"),
    ("invitation_sent", "Sent an invitation"),
    ("email_changed", "Changed an email"),
    ("email_change_requested", "Asked to change an email"),
    ("email_change_confirmed", "Confirmed a new email"),
    ("practice_updated", "Changed practice settings"),
    ("audit_exported", "Downloaded the audit trail"),
    ("api_key_created", "Made an API key"),
    ("api_key_revoked", "Revoked an API key"),
    ("webhook_changed", "Changed a webhook"),
];

fn action_label(action: &str) -> String {
    ACTIONS
        .iter()
        .find(|(name, _)| *name == action)
        .map(|(_, label)| (*label).to_owned())
        .unwrap_or_else(|| action.replace('_', " "))
}

/// The last block of an id: enough to tell records apart on screen (ids begin with their
/// creation time, so their first blocks repeat); the CSV has them whole.
fn short_id(id: uuid::Uuid) -> String {
    let text = id.to_string();
    text[text.len() - 8..].to_owned()
}

/// The audit trail page.
#[component]
pub fn AuditPage() -> impl IntoView {
    let auth = Auth::get();
    let events = RwSignal::new(Vec::<AuditEvent>::new());
    let next_cursor = RwSignal::new(None::<String>);
    let loading = RwSignal::new(true);
    let downloading = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let people = RwSignal::new(Vec::<Person>::new());
    let actor = RwSignal::new(String::new());
    let action = RwSignal::new(String::new());
    let from = RwSignal::new(String::new());
    let to = RwSignal::new(String::new());

    // The filters as a query string; dates are whole days in UTC.
    let filters = move || {
        let mut parts = Vec::new();
        let actor = actor.get_untracked();
        if !actor.is_empty() {
            parts.push(format!("actor_id={actor}"));
        }
        let action = action.get_untracked();
        if !action.is_empty() {
            parts.push(format!("action={action}"));
        }
        let from = from.get_untracked();
        if !from.is_empty() {
            parts.push(format!(
                "from={}",
                api::query_value(&format!("{from}T00:00:00Z"))
            ));
        }
        let to = to.get_untracked();
        if !to.is_empty() {
            parts.push(format!(
                "to={}",
                api::query_value(&format!("{to}T23:59:59Z"))
            ));
        }
        parts.join("&")
    };
    let load = move |append: bool| {
        let mut query = filters();
        if append && let Some(cursor) = next_cursor.get_untracked() {
            query.push_str(&format!("&cursor={}", api::query_value(&cursor)));
        }
        query.push_str("&limit=50");
        loading.set(true);
        spawn_local(async move {
            let result = auth
                .call(|token| {
                    let query = query.clone();
                    async move { api::audit::list(&token, &query).await }
                })
                .await;
            match result {
                Ok(page) => {
                    if append {
                        events.update(|list| list.extend(page.items));
                    } else {
                        events.set(page.items);
                    }
                    next_cursor.set(page.next_cursor);
                    error.set(None);
                }
                Err(failure) => error.set(Some(failure.message())),
            }
            loading.set(false);
        });
    };
    load(false);
    spawn_local(async move {
        let result = auth
            .call(|token| async move { api::people::list(&token, "limit=200").await })
            .await;
        if let Ok(page) = result {
            people.set(page.items);
        }
    });
    let download = move |_| {
        let query = filters();
        downloading.set(true);
        spawn_local(async move {
            let result = auth
                .call(|token| {
                    let query = query.clone();
                    async move { api::audit::export(&token, &query).await }
                })
                .await;
            if let Err(failure) = result {
                error.set(Some(failure.message()));
            }
            downloading.set(false);
        });
    };

    view! {
        <header class="page-header">
            <h1>"Audit trail"</h1>
            <button
                class="button button-secondary"
                type="button"
                data-testid="audit-download"
                disabled=move || downloading.get()
                on:click=download
            >
                {move || if downloading.get() { "Preparing CSV…" } else { "Download CSV" }}
            </button>
        </header>
        <p class="muted">
            "Who signed in, read, downloaded or changed what, and from where. The trail holds ids, never message content."
        </p>
        <form
            class="filters"
            data-testid="audit-filters"
            on:submit=move |ev| {
                ev.prevent_default();
                load(false);
            }
        >
            <label class="field">
                <span>"Person"</span>
                <select bind:value=actor data-testid="audit-actor">
                    <option value="">"Anyone"</option>
                    <For each=move || people.get() key=|p| p.id let:person>
                        <option value=person.id.to_string()>{person.name.clone()}</option>
                    </For>
                </select>
            </label>
            <label class="field">
                <span>"Action"</span>
                <select bind:value=action data-testid="audit-action">
                    <option value="">"Any action"</option>
                    {ACTIONS.map(|(name, label)| view! { <option value=name>{label}</option> })}
                </select>
            </label>
            <label class="field">
                <span>"From"</span>
                <input type="date" bind:value=from />
            </label>
            <label class="field">
                <span>"To"</span>
                <input type="date" bind:value=to />
            </label>
            <button class="button" type="submit" data-testid="audit-apply">"Show"</button>
        </form>
        {move || error.get().map(|text| view! { <p class="form-error" role="alert">{text}</p> })}
        <div class="table-scroll" tabindex="0" role="region" aria-label="Audit records">
            <table class="table" data-testid="audit-table">
                <thead>
                    <tr>
                        <th>"When"</th>
                        <th>"What"</th>
                        <th>"Who"</th>
                        <th>"Record"</th>
                        <th>"From"</th>
                    </tr>
                </thead>
                <tbody>
                    <For each=move || events.get() key=|e| e.id let:event>
                        <tr data-testid="audit-row" data-action=event.action.clone()>
                            <td><Time millis=event.created_at.timestamp_millis() long=true /></td>
                            <td class="strong">{action_label(&event.action)}</td>
                            <td>{event.actor_name.clone().unwrap_or_else(|| "—".into())}</td>
                            <td class="muted">
                                {
                                    let target = (event.target_type.clone(), event.target_id);
                                    move || match &target {
                                        (Some(kind), Some(id)) => people
                                            .with(|list| list.iter().find(|p| p.id == *id).map(|p| p.name.clone()))
                                            .unwrap_or_else(|| format!("{kind} …{}", short_id(*id))),
                                        _ => "—".into(),
                                    }
                                }
                            </td>
                            <td class="muted">{event.source_address.clone().unwrap_or_else(|| "—".into())}</td>
                        </tr>
                    </For>
                </tbody>
            </table>
        </div>
        <Show when=move || !loading.get() && events.with(Vec::is_empty)>
            <p class="empty" data-testid="audit-empty">"Nothing recorded matches these filters."</p>
        </Show>
        <Show when=move || loading.get()>
            <p class="muted" role="status">"Loading…"</p>
        </Show>
        <Show when=move || next_cursor.get().is_some() && !loading.get()>
            <button class="button button-secondary" type="button" on:click=move |_| load(true)>
                "Show older"
            </button>
        </Show>
    }
}
