//! Editing one person in place: name and email, a staff member's role, a client's status and
//! providers. Only what changed is sent. A status that takes something away from a client is
//! confirmed first, in words that say what it means for them; a refusal shows the server's
//! words where they belong.

use std::collections::BTreeSet;

use confidant_openapi::people::{Person, PersonKind, PersonStatus, Role, UpdatePersonRequest};
use leptos::ev::{KeyboardEvent, SubmitEvent};
use leptos::html;
use leptos::prelude::*;
use leptos::task::spawn_local;
use uuid::Uuid;

use super::{Roster, permissions, role_label, status_label};
use crate::api::{self, ApiError};
use crate::auth::Auth;
use crate::components::confirm::ConfirmPanel;

/// The fields whose errors show under them; any other refusal shows above the buttons.
const FIELDS: [&str; 5] = ["name", "email", "role", "status", "provider_ids"];

/// The form. `on_close` closes it (after Cancel, Escape or a save) and puts the focus back.
#[component]
pub(super) fn EditPerson(
    person: Person,
    roster: Roster,
    on_close: impl Fn() + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let auth = Auth::get();
    let id = person.id;
    let is_client = person.kind == PersonKind::Client;
    let heading = format!("edit-{id}-title");
    let email_editable =
        permissions::may_change_email(roster.my_role, person.role, roster.me == Some(id));
    let email_hint = email_hint(&person, email_editable);
    let name = RwSignal::new(person.name.clone());
    let email = RwSignal::new(person.email.clone());
    let role = RwSignal::new(person.role);
    let status = RwSignal::new(person.status);
    let providers = RwSignal::new(person.provider_ids.clone().unwrap_or_default());
    let error = RwSignal::new(None::<ApiError>);
    let busy = RwSignal::new(false);
    let confirming = RwSignal::new(false);
    let name_input = NodeRef::<html::Input>::new();
    let save_button = NodeRef::<html::Button>::new();
    // The person as the server has them.
    let saved = StoredValue::new(person);

    // The form opens with the focus on its first field.
    Effect::new(move || {
        if let Some(input) = name_input.get() {
            input.focus().ok();
        }
    });

    // After a failed save the focus (in the confirmation, now gone, or on a disabled Save) goes
    // back to Save, once the page has been drawn again.
    let focus_save = move || {
        request_animation_frame(move || {
            if let Some(button) = save_button.try_get_untracked().flatten() {
                button.focus().ok();
            }
        });
    };

    let changes = move || {
        saved.with_value(|saved| {
            let draft = Person {
                name: name.get_untracked(),
                email: email.get_untracked(),
                role: role.get_untracked(),
                status: status.get_untracked(),
                provider_ids: is_client.then(|| providers.get_untracked()),
                ..saved.clone()
            };
            changes(saved, &draft)
        })
    };
    let send = move |body: UpdatePersonRequest| {
        busy.set(true);
        let saved = saved.get_value();
        spawn_local(async move {
            let result = auth
                .call(|token| {
                    let body = body.clone();
                    async move { api::people::update(&token, id, &body).await }
                })
                .await;
            busy.set(false);
            confirming.set(false);
            match result {
                Ok(person) => {
                    roster.notice.set(Some(saved_notice(&body, &person)));
                    roster.replace(person);
                    on_close();
                }
                Err(failure) => {
                    // A dropdown the refusal is about shows again what is saved, so that it
                    // never shows a value the server refused; typed text stays, to be
                    // corrected. A refusal naming no field may be about either dropdown (an
                    // owner's record, the last owner), as may a change that got no answer.
                    let unplaced = FIELDS.iter().all(|f| failure.field(f).is_none());
                    if unplaced || failure.field("role").is_some() {
                        role.set(saved.role);
                    }
                    if unplaced || failure.field("status").is_some() {
                        status.set(saved.status);
                    }
                    error.set(Some(failure));
                    focus_save();
                }
            }
        });
    };
    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        let body = changes();
        if is_unchanged(&body) {
            on_close();
            return;
        }
        error.set(None);
        if body.status.is_some_and(takes_away) {
            confirming.set(true);
        } else {
            send(body);
        }
    };
    // Escape closes the form, unless something inside it (the confirmation) took it already.
    let on_keydown = move |ev: KeyboardEvent| {
        if ev.key() == "Escape" && !ev.default_prevented() && !busy.get_untracked() {
            ev.prevent_default();
            on_close();
        }
    };

    let field_error = move |field: &'static str| {
        move || {
            error
                .with(|e| e.as_ref().and_then(|e| e.field(field)))
                .map(|m| view! { <span class="field-error">{m}</span> })
        }
    };
    let invalid = move |field: &'static str| {
        move || {
            error
                .with(|e| e.as_ref().is_some_and(|e| e.field(field).is_some()))
                .then_some("true")
        }
    };
    let other_error = move || {
        error
            .with(|e| {
                e.as_ref()
                    .filter(|e| FIELDS.iter().all(|f| e.field(f).is_none()))
                    .map(ApiError::message)
            })
            .map(|text| view! { <p class="form-error" role="alert">{text}</p> })
    };

    view! {
        <form class="panel" data-testid="edit-person-form" aria-labelledby=heading on:submit=submit on:keydown=on_keydown novalidate>
            <header class="card-header">
                <h2 id=heading.clone()>{saved.with_value(|p| format!("Edit {}", p.name))}</h2>
            </header>
            <div class="form-row">
                <label class="field">
                    <span>"Full name"</span>
                    <input name="name" node_ref=name_input bind:value=name aria-invalid=invalid("name") required />
                    {field_error("name")}
                </label>
                <label class="field">
                    <span>"Email"</span>
                    <input name="email" type="email" bind:value=email disabled=!email_editable aria-invalid=invalid("email") required />
                    {email_hint.map(|hint| view! { <span class="field-hint">{hint}</span> })}
                    {field_error("email")}
                </label>
                {if is_client {
                    view! {
                        <label class="field">
                            <span>"Status"</span>
                            <select name="status" aria-invalid=invalid("status") on:change=move |ev| {
                                if let Some(chosen) = PersonStatus::parse(&event_target_value(&ev)) {
                                    status.set(chosen);
                                    // A confirmation open for another status no longer fits.
                                    confirming.set(false);
                                }
                            }>
                                {[PersonStatus::Active, PersonStatus::Inactive, PersonStatus::Archived].map(|s| view! {
                                    <option value=s.as_str() prop:selected=move || status.get() == s>{status_label(s)}</option>
                                })}
                            </select>
                            {field_error("status")}
                        </label>
                    }.into_any()
                } else {
                    view! {
                        <label class="field">
                            <span>"Role"</span>
                            <select name="role" aria-invalid=invalid("role") on:change=move |ev| role.set(Role::parse(&event_target_value(&ev)))>
                                {permissions::grantable_roles(roster.my_role).into_iter().map(|r| view! {
                                    <option value=r.as_str() prop:selected=move || role.get() == Some(r)>{role_label(r)}</option>
                                }).collect_view()}
                            </select>
                            {field_error("role")}
                        </label>
                    }.into_any()
                }}
            </div>
            {is_client.then(|| view! {
                <ProviderChoices roster chosen=providers saved=saved.with_value(|p| p.provider_ids.clone().unwrap_or_default()) />
                {field_error("provider_ids")}
            })}
            {other_error}
            <Show when=move || confirming.get()>
                {move || saved.with_value(|p| status_consequence(&p.name, status.get_untracked())).map(|(message, confirm_label)| view! {
                    <ConfirmPanel
                        message
                        confirm_label
                        busy_label="Saving…"
                        busy
                        error=Signal::stored(None::<String>)
                        on_confirm=move || send(changes())
                        on_cancel=move || confirming.set(false)
                    />
                })}
            </Show>
            <div class="form-actions">
                <button class="button" type="submit" data-testid="save-person" node_ref=save_button disabled=move || busy.get()>
                    {move || if busy.get() { "Saving…" } else { "Save" }}
                </button>
                <button class="button button-secondary" type="button" disabled=move || busy.get() on:click=move |_| on_close()>
                    "Cancel"
                </button>
            </div>
        </form>
    }
}

/// A client's providers to tick: the practice's providers, and whoever is assigned now even
/// if they left or changed role, so that nobody is dropped unseen.
#[component]
fn ProviderChoices(roster: Roster, chosen: RwSignal<Vec<Uuid>>, saved: Vec<Uuid>) -> impl IntoView {
    let choices = move || {
        roster.staff.with(|staff| {
            staff
                .iter()
                .filter(|p| {
                    saved.contains(&p.id)
                        || (p.role == Some(Role::Provider) && p.status != PersonStatus::Deactivated)
                })
                .map(|p| (p.id, provider_label(p)))
                .collect::<Vec<_>>()
        })
    };
    view! {
        <fieldset class="choices">
            <legend>"Providers"</legend>
            <For each=choices key=|(id, _)| *id let:choice>
                {
                    let (id, label) = choice;
                    view! {
                        <label class="choice">
                            <input
                                type="checkbox"
                                name="provider"
                                value=id.to_string()
                                prop:checked=move || chosen.with(|ids| ids.contains(&id))
                                on:change=move |ev| {
                                    let on = event_target_checked(&ev);
                                    chosen.update(|ids| if on { ids.push(id) } else { ids.retain(|i| *i != id) });
                                }
                            />
                            {label}
                        </label>
                    }
                }
            </For>
            <Show when=move || roster.staff.with(|staff| !staff.iter().any(|p| p.role == Some(Role::Provider)))>
                <span class="field-hint">"No providers yet: add staff with the Provider role first."</span>
            </Show>
        </fieldset>
    }
}

/// A provider's name, saying why they might not stay one.
fn provider_label(person: &Person) -> String {
    if person.status == PersonStatus::Deactivated {
        format!("{} (deactivated)", person.name)
    } else if person.role != Some(Role::Provider) {
        format!("{} (no longer a provider)", person.name)
    } else {
        person.name.clone()
    }
}

/// What to say under the email field, if anything.
fn email_hint(person: &Person, editable: bool) -> Option<String> {
    if !editable {
        Some("Only an owner can change the email of an admin or an owner.".into())
    } else if let Some(pending) = &person.pending_email {
        Some(format!(
            "{pending} is waiting to be confirmed from that inbox; a new address replaces it."
        ))
    } else if person.has_portal_account {
        Some(
            "They sign in with this address: a new one is used once they confirm it from \
             that inbox."
                .into(),
        )
    } else {
        None
    }
}

/// The request that turns `saved` into `draft`: only what differs, as the server compares
/// it (trimmed names, trimmed lower-case emails, providers as a set).
fn changes(saved: &Person, draft: &Person) -> UpdatePersonRequest {
    let name = draft.name.trim();
    let email = draft.email.trim().to_lowercase();
    let providers = |p: &Person| {
        p.provider_ids
            .iter()
            .flatten()
            .copied()
            .collect::<BTreeSet<_>>()
    };
    UpdatePersonRequest {
        name: (name != saved.name).then(|| name.to_owned()),
        email: (email != saved.email).then_some(email),
        role: draft.role.filter(|_| draft.role != saved.role),
        status: (draft.status != saved.status).then_some(draft.status),
        provider_ids: draft
            .provider_ids
            .clone()
            .filter(|_| providers(draft) != providers(saved)),
    }
}

fn is_unchanged(body: &UpdatePersonRequest) -> bool {
    body.name.is_none()
        && body.email.is_none()
        && body.role.is_none()
        && body.status.is_none()
        && body.provider_ids.is_none()
}

/// Whether a client status takes something away from the client (and so is confirmed first).
fn takes_away(status: PersonStatus) -> bool {
    status != PersonStatus::Active
}

/// The confirmation for giving a client `status`: what it means for them, and the button.
fn status_consequence(name: &str, status: PersonStatus) -> Option<(String, String)> {
    let keeps = "They can still sign in and read their messages, and staff can still write to \
                 them, but they cannot send or reply, and blasts skip them. Their threads are \
                 kept, and you can make them active again at any time.";
    match status {
        PersonStatus::Inactive => Some((
            format!("Make {name} inactive? {keeps}"),
            format!("Make {name} inactive"),
        )),
        PersonStatus::Archived => Some((
            format!("Archive {name}? They are no longer a client of the practice. {keeps}"),
            format!("Archive {name}"),
        )),
        PersonStatus::Active | PersonStatus::Deactivated => None,
    }
}

/// What the status line says after a save.
fn saved_notice(body: &UpdatePersonRequest, person: &Person) -> String {
    match (&body.email, &person.pending_email) {
        (Some(_), Some(pending)) => format!(
            "Saved {}. The new email, {pending}, is used once they confirm it from that inbox.",
            person.name
        ),
        _ => format!("Saved {}.", person.name),
    }
}
