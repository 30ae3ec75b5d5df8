//! Who an entry of the To picker is, told apart by more than a name: its kind (a staff
//! member's role), a partly masked email and the person's status. Two clients with the same
//! name are then not confused, and an inactive client is seen to be one before the message
//! goes out.

use confidant_openapi::people::{Person, PersonKind, PersonStatus};
use confidant_openapi::recipients::Recipient;
use leptos::prelude::*;

use super::avatar::Avatar;
use super::recipient_labels::{kind_text, mask_email, recipient_name, status_text};

/// The entry: initials, name, kind, how the writer is tied to the person ("Your provider"),
/// and, when the practice's directory gave them, the masked email and the status.
#[component]
pub fn RecipientSummary(
    recipient: Recipient,
    /// The person's record, when the writer may read it (staff do).
    details: Option<Person>,
    /// "Your provider" or "Your client".
    tie: Option<&'static str>,
) -> impl IntoView {
    let name = recipient_name(&recipient);
    let kind = kind_text(&recipient, details.as_ref());
    // Groups and clients get the grey tile, staff the coloured one, as elsewhere in the app.
    let muted = !matches!(
        recipient,
        Recipient::Person {
            kind: PersonKind::Staff,
            ..
        }
    );
    let email = details.as_ref().map(|person| mask_email(&person.email));
    let status = details.as_ref().map(|person| person.status);
    view! {
        <Avatar name=name.clone() muted />
        <span class="recipient-text">
            // `to-option` is what the browser tests have always clicked by name.
            <span class="suggestion-name" data-testid="to-option">{name}</span>
            <span class="recipient-facts">
                <span class="suggestion-kind">{kind}</span>
                {tie.map(|tie| view! { <span class="recipient-tie">{tie}</span> })}
                {email.map(|email| view! {
                    <span class="recipient-email" data-testid="recipient-email">{email}</span>
                })}
            </span>
        </span>
        {status.map(|status| view! {
            <span
                class="pill recipient-status"
                class:pill-ok=status == PersonStatus::Active
                class:recipient-status-away=status != PersonStatus::Active
                data-testid="recipient-status"
                data-status=status.as_str()
            >
                {status_text(status)}
            </span>
        })}
    }
}
