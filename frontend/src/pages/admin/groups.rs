//! Staff groups: create, change members, rename, delete (after an in-page confirmation).

use confidant_openapi::people::Person;
use confidant_openapi::staff_groups::{
    CreateStaffGroupRequest, StaffGroup, UpdateStaffGroupRequest,
};
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::api;
use crate::auth::Auth;
use crate::components::confirm::ConfirmPanel;

/// The staff groups page.
#[component]
pub fn GroupsPage() -> impl IntoView {
    let auth = Auth::get();
    let groups = RwSignal::new(Vec::<StaffGroup>::new());
    let staff = RwSignal::new(Vec::<Person>::new());
    let error = RwSignal::new(None::<String>);
    let loading = RwSignal::new(true);
    let new_name = RwSignal::new(String::new());

    spawn_local(async move {
        let loaded = auth
            .call(|token| async move { api::staff_groups::list(&token).await })
            .await;
        match loaded {
            Ok(list) => groups.set(list.items),
            Err(failure) => error.set(Some(failure.message())),
        }
        if let Ok(page) = auth
            .call(|token| async move { api::people::list(&token, "kind=staff&limit=200").await })
            .await
        {
            staff.set(page.items);
        }
        loading.set(false);
    });

    let create = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let body = CreateStaffGroupRequest {
            name: new_name.get_untracked(),
            member_ids: Vec::new(),
        };
        spawn_local(async move {
            match auth
                .call(|token| {
                    let body = body.clone();
                    async move { api::staff_groups::create(&token, &body).await }
                })
                .await
            {
                Ok(group) => {
                    groups.update(|list| {
                        list.push(group);
                        list.sort_by(|a, b| a.name.cmp(&b.name));
                    });
                    new_name.set(String::new());
                    error.set(None);
                }
                Err(failure) => error.set(Some(
                    failure.field("name").unwrap_or_else(|| failure.message()),
                )),
            }
        });
    };
    let save = move |id: uuid::Uuid, body: UpdateStaffGroupRequest| {
        spawn_local(async move {
            match auth
                .call(|token| {
                    let body = body.clone();
                    async move { api::staff_groups::update(&token, id, &body).await }
                })
                .await
            {
                Ok(group) => groups.update(|list| {
                    if let Some(slot) = list.iter_mut().find(|g| g.id == group.id) {
                        *slot = group;
                    }
                }),
                Err(failure) => error.set(Some(failure.message())),
            }
        });
    };
    let removed = move |id: uuid::Uuid| groups.update(|list| list.retain(|g| g.id != id));

    view! {
        <header class="page-header">
            <h1>"Staff groups"</h1>
        </header>
        <form class="toolbar" on:submit=create data-testid="new-group-form">
            <input class="search" name="group-name" aria-label="New group name" placeholder="New group name, e.g. Front desk" bind:value=new_name />
            <button class="button" type="submit">"Create group"</button>
        </form>
        {move || error.get().map(|text| view! { <p class="form-error" role="alert">{text}</p> })}
        <Show when=move || !loading.get() && groups.with(Vec::is_empty)>
            <p class="empty-line">"No groups yet. Groups let staff write to, say, the front desk in one go."</p>
        </Show>
        <div class="cards">
            <For each=move || groups.get() key=|g| (g.id, g.name.clone(), g.member_ids.clone()) let:group>
                <GroupCard group staff save on_deleted=removed />
            </For>
        </div>
    }
}

/// One group: its members as checkboxes (a change saves at once) and Delete, which asks first.
#[component]
fn GroupCard(
    group: StaffGroup,
    staff: RwSignal<Vec<Person>>,
    save: impl Fn(uuid::Uuid, UpdateStaffGroupRequest) + Copy + Send + Sync + 'static,
    on_deleted: impl Fn(uuid::Uuid) + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let auth = Auth::get();
    let id = group.id;
    let members = group.member_ids.clone();
    let question = format!(
        "Delete the group \u{201c}{}\u{201d}? Its members stay on the staff.",
        group.name
    );
    let confirming = RwSignal::new(false);
    let deleting = RwSignal::new(false);
    let delete_error = RwSignal::new(None::<String>);
    let delete = move || {
        deleting.set(true);
        delete_error.set(None);
        spawn_local(async move {
            match auth
                .call(|token| async move { api::staff_groups::delete(&token, id).await })
                .await
            {
                Ok(()) => on_deleted(id),
                Err(failure) => {
                    delete_error.try_set(Some(failure.message()));
                    deleting.try_set(false);
                }
            }
        });
    };
    view! {
        <section class="card" data-testid="group-card">
            <header class="card-header">
                <h2>{group.name}</h2>
                <button class="link-button danger" type="button" data-testid="delete-group" on:click=move |_| confirming.set(true)>
                    "Delete"
                </button>
            </header>
            <Show when=move || confirming.get()>
                <ConfirmPanel
                    message=question.clone()
                    confirm_label="Delete group"
                    busy=deleting
                    error=delete_error
                    on_confirm=delete
                    on_cancel=move || confirming.set(false)
                />
            </Show>
            <fieldset class="choices">
                <legend>"Members"</legend>
                <For each=move || staff.get() key=|p| p.id let:person>
                    {
                        let member = members.contains(&person.id);
                        let all = members.clone();
                        view! {
                            <label class="choice">
                                <input type="checkbox" checked=member on:change=move |ev| {
                                    let on = event_target_checked(&ev);
                                    let mut ids = all.clone();
                                    if on { ids.push(person.id) } else { ids.retain(|i| *i != person.id) }
                                    save(id, UpdateStaffGroupRequest { member_ids: Some(ids), ..Default::default() });
                                } />
                                {person.name.clone()}
                            </label>
                        }
                    }
                </For>
            </fieldset>
        </section>
    }
}
