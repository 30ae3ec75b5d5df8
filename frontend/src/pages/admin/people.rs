//! Clients or staff of the practice: list, search, add, edit, invite. One page for both
//! kinds, since the two differ only in a few columns. A person is edited in place, in a form
//! that opens below their row.

mod access;
mod add;
mod edit;
mod invitation;
mod permissions;

use std::collections::HashMap;

use confidant_openapi::people::{Person, PersonKind, PersonStatus, Role};
use leptos::html;
use leptos::prelude::*;
use leptos::task::spawn_local;
use uuid::Uuid;

use crate::api;
use crate::auth::Auth;

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

/// What the parts of the page share.
#[derive(Clone, Copy)]
struct Roster {
    /// Clients or staff.
    kind: PersonKind,
    /// Who is signed in, and their role: what the page offers depends on both.
    me: Option<Uuid>,
    my_role: Option<Role>,
    /// The people listed.
    people: RwSignal<Vec<Person>>,
    /// The practice's staff, on the clients page only: to name and choose providers.
    staff: RwSignal<Vec<Person>>,
    /// What was just done, in words.
    notice: RwSignal<Option<String>>,
    /// Whose edit form is open.
    editing: RwSignal<Option<Uuid>>,
    /// The invitations sent from this page while it is open.
    invitations: RwSignal<HashMap<Uuid, invitation::Sent>>,
}

impl Roster {
    /// Puts the server's answer in place of the listed person.
    fn replace(self, person: Person) {
        self.people.update(|list| {
            if let Some(slot) = list.iter_mut().find(|p| p.id == person.id) {
                *slot = person;
            }
        });
    }

    /// The listed person as the list changes. A row follows its person this way instead of
    /// being drawn anew on each change, so its buttons (and the focus on them) stay.
    fn watch(self, initial: Person) -> Memo<Person> {
        let id = initial.id;
        Memo::new(move |_| {
            self.people
                .with(|list| list.iter().find(|p| p.id == id).cloned())
                .unwrap_or_else(|| initial.clone())
        })
    }

    /// A staff member's name, once the staff are loaded.
    fn staff_name(self, id: Uuid) -> Option<String> {
        self.staff
            .with(|staff| staff.iter().find(|p| p.id == id).map(|p| p.name.clone()))
    }
}

#[component]
fn PeopleAdmin(kind: PersonKind) -> impl IntoView {
    let auth = Auth::get();
    let session = auth.session();
    let roster = Roster {
        kind,
        me: session.as_ref().map(|s| s.me.person.id),
        my_role: session.and_then(|s| s.me.person.role),
        people: RwSignal::new(Vec::new()),
        staff: RwSignal::new(Vec::new()),
        notice: RwSignal::new(None),
        editing: RwSignal::new(None),
        invitations: RwSignal::new(HashMap::new()),
    };
    let is_clients = kind == PersonKind::Client;
    let next_cursor = RwSignal::new(None::<String>);
    let loading = RwSignal::new(true);
    let load_error = RwSignal::new(None::<String>);
    let search = RwSignal::new(String::new());
    let adding = RwSignal::new(false);

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
                        roster.people.update(|list| list.extend(page.items));
                    } else {
                        roster.people.set(page.items);
                    }
                    next_cursor.set(page.next_cursor);
                    load_error.set(None);
                }
                Err(failure) => load_error.set(Some(failure.message())),
            }
            loading.set(false);
        });
    };
    load(false);
    if is_clients {
        // Every staff member, not only providers: a client may still be assigned to someone
        // who has since left or changed role, and that name is shown too.
        spawn_local(async move {
            let result = auth
                .call(
                    |token| async move { api::people::list(&token, "kind=staff&limit=200").await },
                )
                .await;
            if let Ok(page) = result {
                roster.staff.set(page.items);
            }
        });
    }

    let title = if is_clients { "Clients" } else { "Staff" };
    let placeholder = if is_clients {
        "Search clients by name or email"
    } else {
        "Search staff by name or email"
    };
    let empty_text = move || match (is_clients, search.with(|q| q.trim().is_empty())) {
        (true, false) => "No clients match.",
        (false, false) => "No staff match.",
        (true, true) => "No clients yet. Add the first with \u{201c}Add client\u{201d}.",
        (false, true) => "No staff yet. Add the first with \u{201c}Add staff member\u{201d}.",
    };
    view! {
        <header class="page-header">
            <h1>{title}</h1>
            <button class="button" type="button" data-testid="add-person" aria-expanded=move || adding.get().to_string() on:click=move |_| adding.update(|a| *a = !*a)>
                {if is_clients { "Add client" } else { "Add staff member" }}
            </button>
        </header>
        <Show when=move || adding.get()>
            <add::AddPersonForm roster on_added=move |person: Person| {
                roster.notice.set(Some(format!("Added {}.", person.name)));
                roster.people.update(|list| list.insert(0, person));
                adding.set(false);
            } />
        </Show>
        <div class="toolbar">
            <input
                class="search"
                type="search"
                placeholder=placeholder
                aria-label=placeholder
                bind:value=search
                on:input=move |_| load(false)
            />
        </div>
        {move || roster.notice.get().map(|text| view! { <p class="notice" role="status">{text}</p> })}
        {move || load_error.get().map(|text| view! { <p class="form-error" role="alert">{text}</p> })}
        <div class="table-scroll" tabindex="0" role="region" aria-label="People">
            <table class="table" data-testid="people-table">
                <thead>
                    <tr>
                        <th>"Name"</th>
                        <th>"Email"</th>
                        <th>{if is_clients { "Status" } else { "Role" }}</th>
                        <th>{if is_clients { "Providers" } else { "Access" }}</th>
                        <th>"Portal"</th>
                        <th><span class="visually-hidden">"Actions"</span></th>
                    </tr>
                </thead>
                <tbody>
                    <For each=move || roster.people.get() key=|p| p.id let:person>
                        <PersonRow person=roster.watch(person) roster />
                    </For>
                </tbody>
            </table>
        </div>
        <Show when=move || !loading.get() && load_error.with(Option::is_none) && roster.people.with(Vec::is_empty)>
            <p class="empty-line">{empty_text}</p>
        </Show>
        <Show when=move || loading.get()>
            <p class="empty-line" role="status">"Loading…"</p>
        </Show>
        <Show when=move || next_cursor.with(Option::is_some)>
            <button class="button button-quiet" type="button" disabled=move || loading.get() on:click=move |_| load(true)>"Load more"</button>
        </Show>
    }
}

/// The number of columns, for the edit form's row.
const COLUMNS: &str = "6";

/// One person's row, and below it their edit form while it is open.
#[component]
fn PersonRow(person: Memo<Person>, roster: Roster) -> impl IntoView {
    let id = person.with_untracked(|p| p.id);
    let is_clients = roster.kind == PersonKind::Client;
    let edit_button = NodeRef::<html::Button>::new();
    let open = move || roster.editing.get() == Some(id);
    // The focus goes back to the Edit button, where the keyboard left off.
    let close = move || {
        roster.editing.update(|editing| {
            if *editing == Some(id) {
                *editing = None;
            }
        });
        if let Some(button) = edit_button.try_get_untracked().flatten() {
            button.focus().ok();
        }
    };
    let editable = move || person.with(|p| permissions::may_change(roster.my_role, p.role));
    let provider_names = move || {
        person
            .with(|p| p.provider_ids.clone().unwrap_or_default())
            .into_iter()
            .filter_map(|id| roster.staff_name(id))
            .collect::<Vec<_>>()
            .join(", ")
    };
    view! {
        <tr data-person=id.to_string()>
            <td class="strong">{move || person.with(|p| p.name.clone())}</td>
            <td class="muted">
                {move || person.with(|p| p.email.clone())}
                {move || person.with(|p| p.pending_email.clone()).map(|pending| view! {
                    <span class="pending-email" data-testid="pending-email">
                        {format!("Changing to {pending}: waiting for that address to confirm")}
                    </span>
                })}
            </td>
            {if is_clients {
                view! {
                    <td data-testid="client-status">
                        {move || {
                            let status = person.with(|p| p.status);
                            let class = if status == PersonStatus::Active { "pill pill-ok" } else { "pill" };
                            view! { <span class=class>{status_label(status)}</span> }
                        }}
                    </td>
                    <td class="muted">{provider_names}</td>
                }.into_any()
            } else {
                view! {
                    <td data-testid="staff-role">{move || person.with(|p| p.role.map(role_label))}</td>
                    <access::AccessCell person roster />
                }.into_any()
            }}
            <invitation::InvitationCell person roster />
            <td>
                <Show when=editable>
                    <button
                        class="link-button"
                        type="button"
                        data-testid="edit-person"
                        node_ref=edit_button
                        aria-expanded=move || open().to_string()
                        on:click=move |_| roster.editing.set((!open()).then_some(id))
                    >
                        "Edit"
                        <span class="visually-hidden">{move || person.with(|p| format!(" {}", p.name))}</span>
                    </button>
                </Show>
            </td>
        </tr>
        <Show when=open>
            <tr class="edit-row">
                <td colspan=COLUMNS>
                    <edit::EditPerson person=person.get_untracked() roster on_close=close />
                </td>
            </tr>
        </Show>
    }
}
