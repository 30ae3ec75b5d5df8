//! A staff member's access: active or deactivated. Deactivating ends every session of theirs
//! at once, so it waits for a confirmation that says what it means; reactivating takes
//! nothing away and needs none.

use confidant_openapi::people::{Person, PersonStatus, UpdatePersonRequest};
use leptos::html;
use leptos::prelude::*;
use leptos::task::spawn_local;

use super::{Roster, permissions};
use crate::api;
use crate::auth::Auth;
use crate::components::confirm::ConfirmPanel;

/// The Access cell of a staff member's row.
#[component]
pub(super) fn AccessCell(person: Memo<Person>, roster: Roster) -> impl IntoView {
    let auth = Auth::get();
    let id = person.with_untracked(|p| p.id);
    let confirming = RwSignal::new(false);
    let busy = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    // Deactivate or Reactivate, whichever is shown: the keyboard's place after either.
    let button = NodeRef::<html::Button>::new();
    let focus_button = move || {
        // After a change the other button is drawn on the next frame.
        request_animation_frame(move || {
            if let Some(button) = button.try_get_untracked().flatten() {
                button.focus().ok();
            }
        });
    };
    let set_status = move |status: PersonStatus| {
        busy.set(true);
        spawn_local(async move {
            let body = UpdatePersonRequest {
                status: Some(status),
                ..Default::default()
            };
            let result = auth
                .call(|token| {
                    let body = body.clone();
                    async move { api::people::update(&token, id, &body).await }
                })
                .await;
            busy.set(false);
            match result {
                Ok(person) => {
                    roster
                        .notice
                        .set(Some(if person.status == PersonStatus::Deactivated {
                            format!("{} is deactivated and signed out everywhere.", person.name)
                        } else {
                            format!("{} is active again and can sign in.", person.name)
                        }));
                    confirming.set(false);
                    error.set(None);
                    roster.replace(person);
                    focus_button();
                }
                Err(failure) => error.set(Some(failure.message())),
            }
        });
    };
    // Nobody changes their own access, and only an owner an owner's.
    let fixed = move || {
        person.with(|p| roster.me == Some(p.id) || !permissions::may_change(roster.my_role, p.role))
    };
    // A memo, so that the buttons are drawn anew (losing the focus) only when this changes.
    let deactivated = Memo::new(move |_| person.with(|p| p.status == PersonStatus::Deactivated));
    let name = move || person.with(|p| p.name.clone());
    view! {
        <td data-testid="staff-access" data-person=id.to_string()>
            {move || if deactivated.get() {
                view! { <span class="pill pill-warn">"Deactivated"</span> }.into_any()
            } else {
                view! { <span class="pill pill-ok">"Active"</span> }.into_any()
            }}
            <Show when=move || !fixed()>
                {move || if deactivated.get() {
                    view! {
                        <button class="link-button" type="button" node_ref=button disabled=move || busy.get() on:click=move |_| set_status(PersonStatus::Active)>
                            "Reactivate"
                        </button>
                    }.into_any()
                } else {
                    view! {
                        <button class="link-button" type="button" data-testid="deactivate" node_ref=button aria-expanded=move || confirming.get().to_string() on:click=move |_| { error.set(None); confirming.set(true); }>
                            "Deactivate"
                        </button>
                    }.into_any()
                }}
            </Show>
            // A failed reactivation says why here; a failed deactivation, in its confirmation.
            {move || error.get().filter(|_| !confirming.get()).map(|text| view! { <p class="form-error" role="alert">{text}</p> })}
            <Show when=move || confirming.get()>
                <ConfirmPanel
                    message=format!("Deactivate {}? They are signed out of every device at once, cannot sign in, and leave every staff group and the To list. Their past messages stay, with their name. You can reactivate them later.", name())
                    confirm_label=format!("Deactivate {}", name())
                    busy_label="Deactivating…"
                    busy
                    error
                    on_confirm=move || set_status(PersonStatus::Deactivated)
                    on_cancel=move || confirming.set(false)
                />
            </Show>
        </td>
    }
}
