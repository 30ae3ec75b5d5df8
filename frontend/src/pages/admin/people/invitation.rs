//! Whether a person can sign in yet, and inviting them (again).
//!
//! A person from the API says whether they have an account (`has_portal_account`) and, while
//! one is open, when their invitation was sent and until when its link works (`invitation`).
//! An invitation sent from this page shows at once, without reloading the list.

use confidant_openapi::people::{Person, PersonStatus};
use leptos::prelude::*;
use leptos::task::spawn_local;

use super::{Roster, permissions};
use crate::api;
use crate::auth::Auth;
use crate::components::time::Time;

/// An invitation sent from this page: when, and until when its link works (milliseconds
/// since the epoch).
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) struct Sent {
    at: i64,
    expires_at: i64,
}

/// What the Portal column says.
enum State {
    /// They set a password and can sign in.
    Account,
    /// An invitation whose link still works.
    Invited(Sent),
    /// An invitation whose link no longer works.
    Expired(Sent),
    /// No account, and no open invitation.
    NoAccount,
}

fn state(person: &Person, sent: Option<Sent>, now: i64) -> State {
    match sent {
        _ if person.has_portal_account => State::Account,
        Some(sent) if sent.expires_at > now => State::Invited(sent),
        Some(sent) => State::Expired(sent),
        None => State::NoAccount,
    }
}

fn now() -> i64 {
    js_sys::Date::now() as i64
}

/// The Portal cell of a person's row, with Invite or Resend where the server would accept it.
#[component]
pub(super) fn InvitationCell(person: Memo<Person>, roster: Roster) -> impl IntoView {
    let auth = Auth::get();
    let id = person.with_untracked(|p| p.id);
    let busy = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    // Sent from this page just now, else as the server last said.
    let sent = move || {
        roster
            .invitations
            .with(|sent| sent.get(&id).copied())
            .or_else(|| {
                person.with(|p| {
                    p.invitation.as_ref().map(|open| Sent {
                        at: open.sent_at.timestamp_millis(),
                        expires_at: open.expires_at.timestamp_millis(),
                    })
                })
            })
    };
    let current = move || person.with(|p| state(p, sent(), now()));
    // Someone deactivated is made active before being invited, and only an owner invites an
    // owner.
    let may_invite = move || {
        person.with(|p| {
            !p.has_portal_account
                && p.status != PersonStatus::Deactivated
                && permissions::may_change(roster.my_role, p.role)
        })
    };
    let invite = move || {
        let email = person.with_untracked(|p| p.email.clone());
        let again = roster
            .invitations
            .with_untracked(|sent| sent.contains_key(&id))
            || person.with_untracked(|p| p.invitation.is_some());
        busy.set(true);
        error.set(None);
        spawn_local(async move {
            let result = auth
                .call(|token| async move { api::people::invite(&token, id).await })
                .await;
            busy.set(false);
            match result {
                Ok(invitation) => {
                    let sent = Sent {
                        at: now(),
                        expires_at: invitation.expires_at.timestamp_millis(),
                    };
                    roster.invitations.update(|all| {
                        all.insert(id, sent);
                    });
                    roster.notice.set(Some(if again {
                        format!(
                            "A new invitation was sent to {email}; the earlier link no longer works."
                        )
                    } else {
                        format!("Invitation sent to {email}.")
                    }));
                }
                Err(failure) => error.set(Some(failure.message())),
            }
        });
    };
    view! {
        <td data-testid="invitation" data-person=id.to_string()>
            {move || match current() {
                State::Account => view! {
                    <span class="pill pill-ok" data-testid="invitation-state" data-state="account">"Has account"</span>
                }.into_any(),
                State::Invited(sent) => view! {
                    <span class="pill" data-testid="invitation-state" data-state="invited">"Invited"</span>
                    " "
                    <span class="field-hint">
                        <Time millis=sent.at />
                        "; the link works until "
                        <Time millis=sent.expires_at />
                    </span>
                }.into_any(),
                State::Expired(sent) => view! {
                    <span class="pill" data-testid="invitation-state" data-state="expired">"Invitation expired"</span>
                    " "
                    <span class="field-hint">"Sent " <Time millis=sent.at /></span>
                }.into_any(),
                State::NoAccount => view! {
                    <span class="pill" data-testid="invitation-state" data-state="none">"No account"</span>
                }.into_any(),
            }}
            <Show when=may_invite>
                <button class="link-button" type="button" data-testid="invite" disabled=move || busy.get() on:click=move |_| invite()>
                    {move || match (busy.get(), sent().is_some()) {
                        (true, _) => "Sending…",
                        (false, true) => "Resend",
                        (false, false) => "Invite",
                    }}
                    <span class="visually-hidden">{move || person.with(|p| format!(" {}", p.name))}</span>
                </button>
            </Show>
            {move || error.get().map(|text| view! { <p class="form-error" role="alert">{text}</p> })}
        </td>
    }
}
