//! Staff groups: create, change members, rename, delete.

use confidant_openapi::people::Person;
use confidant_openapi::staff_groups::{
    CreateStaffGroupRequest, StaffGroup, UpdateStaffGroupRequest,
};
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::api;
use crate::auth::Auth;

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
    let remove = move |group: StaffGroup| {
        let confirmed = web_sys::window()
            .and_then(|w| {
                w.confirm_with_message(&format!(
                    "Delete the group \u{201c}{}\u{201d}? Its members stay on the staff.",
                    group.name
                ))
                .ok()
            })
            .unwrap_or(false);
        if !confirmed {
            return;
        }
        spawn_local(async move {
            match auth
                .call(|token| async move { api::staff_groups::delete(&token, group.id).await })
                .await
            {
                Ok(()) => groups.update(|list| list.retain(|g| g.id != group.id)),
                Err(failure) => error.set(Some(failure.message())),
            }
        });
    };

    view! {
        <header class="page-header">
            <h1>"Staff groups"</h1>
        </header>
        <form class="toolbar" on:submit=create data-testid="new-group-form">
            <input class="search" name="group-name" placeholder="New group name, e.g. Front desk" bind:value=new_name />
            <button class="button" type="submit">"Create group"</button>
        </form>
        {move || error.get().map(|text| view! { <p class="form-error" role="alert">{text}</p> })}
        <Show when=move || !loading.get() && groups.with(Vec::is_empty)>
            <p class="empty-line">"No groups yet. Groups let staff write to, say, the front desk in one go."</p>
        </Show>
        <div class="cards">
            <For each=move || groups.get() key=|g| (g.id, g.name.clone(), g.member_ids.clone()) let:group>
                {
                    let id = group.id;
                    let members = group.member_ids.clone();
                    let doomed = group.clone();
                    view! {
                        <section class="card" data-testid="group-card">
                            <header class="card-header">
                                <h2>{group.name.clone()}</h2>
                                <button class="link-button danger" type="button" on:click=move |_| remove(doomed.clone())>"Delete"</button>
                            </header>
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
            </For>
        </div>
    }
}
