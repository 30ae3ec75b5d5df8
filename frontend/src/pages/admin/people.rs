//! Clients or staff of the practice: list, search, add, change status or role, assign
//! providers, invite. One page for both kinds, since the two differ only in a few columns.

use confidant_openapi::people::{
    CreatePersonRequest, Person, PersonKind, PersonStatus, Role, UpdatePersonRequest,
};
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::api;
use crate::auth::Auth;
use crate::components::confirm::ConfirmPanel;

/// The clients page.
#[component]
pub fn ClientsPage() -> impl IntoView {
    view! { <PeopleAdmin kind=PersonKind::Client /> }
}

/// The staff page.
#[component]
pub fn StaffPage() -> impl IntoView {
    view! { <PeopleAdmin kind=PersonKind::Staff /> }
}

fn status_label(status: PersonStatus) -> &'static str {
    match status {
        PersonStatus::Active => "Active",
        PersonStatus::Inactive => "Inactive",
        PersonStatus::Archived => "Archived",
        PersonStatus::Deactivated => "Deactivated",
    }
}

fn role_label(role: Role) -> &'static str {
    match role {
        Role::Owner => "Owner",
        Role::Admin => "Admin",
        Role::Provider => "Provider",
        Role::Staff => "Staff",
    }
}

#[component]
fn PeopleAdmin(kind: PersonKind) -> impl IntoView {
    let auth = Auth::get();
    let is_clients = kind == PersonKind::Client;
    let people = RwSignal::new(Vec::<Person>::new());
    let next_cursor = RwSignal::new(None::<String>);
    let loading = RwSignal::new(true);
    let error = RwSignal::new(None::<String>);
    let notice = RwSignal::new(None::<String>);
    let search = RwSignal::new(String::new());
    let providers = RwSignal::new(Vec::<Person>::new());
    let adding = RwSignal::new(false);
    // The staff member whose deactivation waits for confirmation.
    let confirming = RwSignal::new(None::<uuid::Uuid>);
    let deactivating = RwSignal::new(false);
    let deactivate_error = RwSignal::new(None::<String>);
    let my_id = move || auth.session().map(|s| s.me.person.id);

    let query = move |cursor: Option<String>| {
        let mut query = format!("kind={}&limit=50", kind.as_str());
        let q = search.get_untracked();
        if !q.trim().is_empty() {
            query.push_str(&format!("&q={}", api::query_value(q.trim())));
        }
        if let Some(cursor) = cursor {
            query.push_str(&format!("&cursor={}", api::query_value(&cursor)));
        }
        query
    };
    let load = move |append: bool| {
        let cursor = if append {
            next_cursor.get_untracked()
        } else {
            None
        };
        let query = query(cursor);
        loading.set(true);
        spawn_local(async move {
            match auth
                .call(|token| {
                    let query = query.clone();
                    async move { api::people::list(&token, &query).await }
                })
                .await
            {
                Ok(page) => {
                    if append {
                        people.update(|list| list.extend(page.items));
                    } else {
                        people.set(page.items);
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
    if is_clients {
        spawn_local(async move {
            let result = auth
                .call(
                    |token| async move { api::people::list(&token, "kind=staff&limit=200").await },
                )
                .await;
            if let Ok(page) = result {
                providers.set(
                    page.items
                        .into_iter()
                        .filter(|p| p.role == Some(Role::Provider))
                        .collect(),
                );
            }
        });
    }

    let replace = move |person: Person| {
        people.update(|list| {
            if let Some(slot) = list.iter_mut().find(|p| p.id == person.id) {
                *slot = person;
            }
        });
    };
    let change = move |id: uuid::Uuid, body: UpdatePersonRequest| {
        spawn_local(async move {
            let result = auth
                .call(|token| {
                    let body = body.clone();
                    async move { api::people::update(&token, id, &body).await }
                })
                .await;
            match result {
                Ok(person) => {
                    notice.set(Some(format!("Saved {}.", person.name)));
                    replace(person);
                }
                Err(failure) => error.set(Some(failure.message())),
            }
        });
    };
    let deactivate = move |id: uuid::Uuid| {
        deactivating.set(true);
        spawn_local(async move {
            let body = UpdatePersonRequest {
                status: Some(PersonStatus::Deactivated),
                ..Default::default()
            };
            let result = auth
                .call(|token| {
                    let body = body.clone();
                    async move { api::people::update(&token, id, &body).await }
                })
                .await;
            deactivating.set(false);
            match result {
                Ok(person) => {
                    notice.set(Some(format!(
                        "{} is deactivated and signed out everywhere.",
                        person.name
                    )));
                    confirming.set(None);
                    deactivate_error.set(None);
                    replace(person);
                }
                Err(failure) => deactivate_error.set(Some(failure.message())),
            }
        });
    };
    let invite = move |person: Person| {
        spawn_local(async move {
            match auth
                .call(|token| async move { api::people::invite(&token, person.id).await })
                .await
            {
                Ok(_) => notice.set(Some(format!("Invitation sent to {}.", person.email))),
                Err(failure) => error.set(Some(failure.message())),
            }
        });
    };
    let provider_name = move |id: uuid::Uuid| {
        providers.with(|list| {
            list.iter()
                .find(|p| p.id == id)
                .map(|p| p.name.clone())
                .unwrap_or_default()
        })
    };

    let title = if is_clients { "Clients" } else { "Staff" };
    view! {
        <header class="page-header">
            <h1>{title}</h1>
            <button class="button" type="button" data-testid="add-person" on:click=move |_| adding.update(|a| *a = !*a)>
                {if is_clients { "Add client" } else { "Add staff member" }}
            </button>
        </header>
        <Show when=move || adding.get()>
            <AddPersonForm kind providers on_added=move |person: Person| {
                notice.set(Some(format!("Added {}.", person.name)));
                people.update(|list| list.insert(0, person));
                adding.set(false);
            } />
        </Show>
        <div class="toolbar">
            <input
                class="search"
                type="search"
                placeholder=if is_clients { "Search clients by name or email" } else { "Search staff by name or email" }
                bind:value=search
                on:input=move |_| load(false)
            />
        </div>
        {move || notice.get().map(|text| view! { <p class="notice" role="status">{text}</p> })}
        {move || error.get().map(|text| view! { <p class="form-error" role="alert">{text}</p> })}
        <table class="table" data-testid="people-table">
            <thead>
                <tr>
                    <th>"Name"</th>
                    <th>"Email"</th>
                    <th>{if is_clients { "Status" } else { "Role" }}</th>
                    {is_clients.then(|| view! { <th>"Providers"</th> })}
                    {(!is_clients).then(|| view! { <th>"Access"</th> })}
                    <th>"Portal"</th>
                </tr>
            </thead>
            <tbody>
                <For each=move || people.get() key=|p| (p.id, p.status, p.role, p.has_portal_account, p.provider_ids.clone(), p.email.clone(), p.pending_email.clone()) let:person>
                    {
                        let id = person.id;
                        let invitee = person.clone();
                        view! {
                            <tr>
                                <td class="strong">{person.name.clone()}</td>
                                <td class="muted">
                                    {person.email.clone()}
                                    {person.pending_email.clone().map(|pending| view! {
                                        <span class="pending-email" data-testid="pending-email">
                                            {format!("Changing to {pending}: waiting for that address to confirm")}
                                        </span>
                                    })}
                                </td>
                                <td>
                                    {match (person.kind, person.status, person.role) {
                                        (PersonKind::Client, status, _) => view! {
                                            <select aria-label="Status" on:change=move |ev| {
                                                let status = match event_target_value(&ev).as_str() {
                                                    "inactive" => PersonStatus::Inactive,
                                                    "archived" => PersonStatus::Archived,
                                                    _ => PersonStatus::Active,
                                                };
                                                change(id, UpdatePersonRequest { status: Some(status), ..Default::default() });
                                            }>
                                                {[PersonStatus::Active, PersonStatus::Inactive, PersonStatus::Archived].map(|s| view! {
                                                    <option value=s.as_str() selected=s == status>{status_label(s)}</option>
                                                })}
                                            </select>
                                        }.into_any(),
                                        (PersonKind::Staff, _, Some(role)) => view! {
                                            <select aria-label="Role" on:change=move |ev| {
                                                let role = Role::parse(&event_target_value(&ev)).unwrap_or(Role::Staff);
                                                change(id, UpdatePersonRequest { role: Some(role), ..Default::default() });
                                            }>
                                                {[Role::Owner, Role::Admin, Role::Provider, Role::Staff].map(|r| view! {
                                                    <option value=r.as_str() selected=r == role>{role_label(r)}</option>
                                                })}
                                            </select>
                                        }.into_any(),
                                        _ => view! { <span /> }.into_any(),
                                    }}
                                </td>
                                {(!is_clients).then(|| {
                                    let name = person.name.clone();
                                    // Nobody changes their own access, and only an owner an owner's.
                                    let i_am_owner = auth.session().is_some_and(|s| s.me.person.role == Some(Role::Owner));
                                    let fixed = my_id() == Some(id) || (person.role == Some(Role::Owner) && !i_am_owner);
                                    let deactivated = person.status == PersonStatus::Deactivated;
                                    view! {
                                        <td data-testid="staff-access" data-person=id.to_string()>
                                            {if deactivated {
                                                view! {
                                                    <span class="pill pill-warn">"Deactivated"</span>
                                                    <button class="link-button" type="button" on:click=move |_| change(id, UpdatePersonRequest { status: Some(PersonStatus::Active), ..Default::default() })>
                                                        "Reactivate"
                                                    </button>
                                                }.into_any()
                                            } else if fixed {
                                                view! { <span class="pill pill-ok">"Active"</span> }.into_any()
                                            } else {
                                                view! {
                                                    <span class="pill pill-ok">"Active"</span>
                                                    <button class="link-button" type="button" data-testid="deactivate" on:click=move |_| { deactivate_error.set(None); confirming.set(Some(id)); }>
                                                        "Deactivate"
                                                    </button>
                                                }.into_any()
                                            }}
                                            <Show when=move || confirming.get() == Some(id)>
                                                <ConfirmPanel
                                                    message=format!("Deactivate {name}? They are signed out of every device at once, cannot sign in, and leave every staff group and the To list. Their past messages stay, with their name. You can reactivate them later.")
                                                    confirm_label=format!("Deactivate {name}")
                                                    busy_label="Deactivating…"
                                                    busy=deactivating
                                                    error=deactivate_error
                                                    on_confirm=move || deactivate(id)
                                                    on_cancel=move || confirming.set(None)
                                                />
                                            </Show>
                                        </td>
                                    }
                                })}
                                {is_clients.then(|| {
                                    let names = person.provider_ids.clone().unwrap_or_default();
                                    view! {
                                        <td class="muted">{move || names.iter().map(|id| provider_name(*id)).collect::<Vec<_>>().join(", ")}</td>
                                    }
                                })}
                                <td>
                                    {if person.has_portal_account {
                                        // Someone with an account resets a forgotten password
                                        // themselves: nobody else may set one for them.
                                        view! { <span class="pill pill-ok">"Active"</span> }.into_any()
                                    } else {
                                        view! {
                                            <span class="pill">"No account"</span>
                                            <button class="link-button" type="button" on:click=move |_| invite(invitee.clone())>
                                                "Invite"
                                            </button>
                                        }.into_any()
                                    }}
                                </td>
                            </tr>
                        }
                    }
                </For>
            </tbody>
        </table>
        <Show when=move || !loading.get() && people.with(Vec::is_empty)>
            <p class="empty-line">{if is_clients { "No clients match." } else { "No staff match." }}</p>
        </Show>
        <Show when=move || loading.get()>
            <p class="empty-line">"Loading…"</p>
        </Show>
        <Show when=move || next_cursor.with(Option::is_some)>
            <button class="button button-quiet" type="button" on:click=move |_| load(true)>"Load more"</button>
        </Show>
    }
}

#[component]
fn AddPersonForm(
    kind: PersonKind,
    providers: RwSignal<Vec<Person>>,
    on_added: impl Fn(Person) + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let auth = Auth::get();
    let name = RwSignal::new(String::new());
    let email = RwSignal::new(String::new());
    let role = RwSignal::new(Role::Provider);
    let chosen = RwSignal::new(Vec::<uuid::Uuid>::new());
    let error = RwSignal::new(None::<api::ApiError>);
    let busy = RwSignal::new(false);
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
            match result {
                Ok(person) => {
                    error.set(None);
                    on_added(person);
                }
                Err(failure) => error.set(Some(failure)),
            }
            busy.set(false);
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
                            {[Role::Provider, Role::Staff, Role::Admin, Role::Owner].map(|r| view! {
                                <option value=r.as_str() selected=r == Role::Provider>{role_label(r)}</option>
                            })}
                        </select>
                        {field_error("role")}
                    </label>
                })}
            </div>
            {(kind == PersonKind::Client).then(|| view! {
                <fieldset class="choices">
                    <legend>"Providers"</legend>
                    <For each=move || providers.get() key=|p| p.id let:provider>
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
