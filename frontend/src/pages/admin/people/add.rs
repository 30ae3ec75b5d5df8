//! Adding a client or a staff member. Nobody is emailed until they are invited.

use confidant_openapi::people::{CreatePersonRequest, Person, PersonKind, PersonStatus, Role};
use leptos::prelude::*;
use leptos::task::spawn_local;

use super::{Roster, permissions, role_label};
use crate::api;
use crate::auth::Auth;

/// The form. Staff get a role among those the signed-in person may give; clients get
/// providers.
#[component]
pub(super) fn AddPersonForm(
    roster: Roster,
    on_added: impl Fn(Person) + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let auth = Auth::get();
    let kind = roster.kind;
    let name = RwSignal::new(String::new());
    let email = RwSignal::new(String::new());
    let role = RwSignal::new(Role::Provider);
    let chosen = RwSignal::new(Vec::<uuid::Uuid>::new());
    let error = RwSignal::new(None::<api::ApiError>);
    let busy = RwSignal::new(false);
    // A new client is not given a provider who has left.
    let providers = move || {
        roster.staff.with(|staff| {
            staff
                .iter()
                .filter(|p| p.role == Some(Role::Provider) && p.status != PersonStatus::Deactivated)
                .cloned()
                .collect::<Vec<_>>()
        })
    };
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        busy.set(true);
        let body = CreatePersonRequest {
            kind,
            name: name.get_untracked(),
            email: email.get_untracked(),
            role: (kind == PersonKind::Staff).then(|| role.get_untracked()),
            provider_ids: (kind == PersonKind::Client).then(|| chosen.get_untracked()),
        };
        spawn_local(async move {
            let result = auth
                .call(|token| {
                    let body = body.clone();
                    async move { api::people::create(&token, &body).await }
                })
                .await;
            busy.set(false);
            match result {
                Ok(person) => {
                    error.set(None);
                    on_added(person);
                }
                Err(failure) => error.set(Some(failure)),
            }
        });
    };
    let field_error = move |field: &'static str| {
        move || {
            error
                .get()
                .and_then(|e| e.field(field))
                .map(|m| view! { <span class="field-error">{m}</span> })
        }
    };
    view! {
        <form class="panel" on:submit=submit data-testid="add-person-form" novalidate>
            <div class="form-row">
                <label class="field">
                    <span>"Full name"</span>
                    <input name="name" bind:value=name required />
                    {field_error("name")}
                </label>
                <label class="field">
                    <span>"Email"</span>
                    <input name="email" type="email" bind:value=email required />
                    {field_error("email")}
                </label>
                {(kind == PersonKind::Staff).then(|| view! {
                    <label class="field">
                        <span>"Role"</span>
                        <select name="role" on:change=move |ev| role.set(Role::parse(&event_target_value(&ev)).unwrap_or(Role::Staff))>
                            {permissions::grantable_roles(roster.my_role).into_iter().map(|r| view! {
                                <option value=r.as_str() selected=r == Role::Provider>{role_label(r)}</option>
                            }).collect_view()}
                        </select>
                        {field_error("role")}
                    </label>
                })}
            </div>
            {(kind == PersonKind::Client).then(|| view! {
                <fieldset class="choices">
                    <legend>"Providers"</legend>
                    <For each=providers key=|p| p.id let:provider>
                        <label class="choice">
                            <input type="checkbox" on:change=move |ev| {
                                let on = event_target_checked(&ev);
                                chosen.update(|ids| if on { ids.push(provider.id) } else { ids.retain(|id| *id != provider.id) });
                            } />
                            {provider.name.clone()}
                        </label>
                    </For>
                    {field_error("provider_ids")}
                </fieldset>
            })}
            {move || error.get().filter(|e| e.field("name").is_none() && e.field("email").is_none() && e.field("role").is_none() && e.field("provider_ids").is_none())
                .map(|e| view! { <p class="form-error" role="alert">{e.message()}</p> })}
            <div class="form-actions">
                <button class="button" type="submit" disabled=move || busy.get()>"Add"</button>
                <span class="muted">"They are emailed only when you invite them."</span>
            </div>
        </form>
    }
}
