//! Who an entry of the To picker is, told apart by more than a name: its kind (a staff
//! member's role), a partly masked email and the person's status. Two clients with the same
//! name are then not confused, and an inactive client is seen to be one before the message
//! goes out.

use confidant_openapi::people::{Person, PersonKind, PersonStatus, Role};
use confidant_openapi::recipients::Recipient;
use leptos::prelude::*;

use super::avatar::Avatar;

/// The first two characters of the local part, and the domain: enough to tell two people
/// apart without showing the whole address to anyone who can see the screen.
fn email_parts(email: &str) -> (String, &str) {
    match email.rsplit_once('@') {
        Some((local, domain)) => (local.chars().take(2).collect(), domain),
        None => (String::new(), ""),
    }
}

/// `email` partly masked: "an•••@example.com".
pub fn mask_email(email: &str) -> String {
    let (start, domain) = email_parts(email);
    format!("{start}•••@{domain}")
}

/// The masked email as a screen reader should say it (it would read out each dot).
fn spoken_email(email: &str) -> String {
    let (start, domain) = email_parts(email);
    format!("email starting “{start}” at {domain}")
}

/// Whether a person with this status can be sent a new thread. The server refuses only
/// deactivated staff (R-OFFBOARD); inactive and archived clients still receive and read, they
/// just cannot reply (R-INACTIVE).
pub fn can_receive(status: PersonStatus) -> bool {
    status != PersonStatus::Deactivated
}

/// The status as the picker shows it, with what it means for this message.
fn status_text(status: PersonStatus) -> &'static str {
    match status {
        PersonStatus::Active => "Active",
        PersonStatus::Inactive => "Inactive: cannot reply",
        PersonStatus::Archived => "Archived: cannot reply",
        PersonStatus::Deactivated => "Deactivated: cannot receive",
    }
}

/// What a To entry is called.
pub fn recipient_name(recipient: &Recipient) -> String {
    match recipient {
        Recipient::Person { name, .. } | Recipient::StaffGroup { name, .. } => name.clone(),
        Recipient::AllStaff => "All staff".into(),
    }
}

/// The person's id, for entries that are one person.
pub fn person_id(recipient: &Recipient) -> Option<uuid::Uuid> {
    match recipient {
        Recipient::Person { id, .. } => Some(*id),
        _ => None,
    }
}

/// What kind of To entry it is, in a word or two: a staff member's role when it is known.
fn kind_text(recipient: &Recipient, details: Option<&Person>) -> &'static str {
    match recipient {
        Recipient::Person {
            kind: PersonKind::Client,
            ..
        } => "Client",
        Recipient::Person {
            kind: PersonKind::Staff,
            ..
        } => match details.and_then(|person| person.role) {
            Some(Role::Owner) => "Owner",
            Some(Role::Admin) => "Admin",
            Some(Role::Provider) => "Provider",
            Some(Role::Staff) | None => "Staff",
        },
        Recipient::StaffGroup { .. } => "Staff group",
        Recipient::AllStaff => "Everyone on staff",
    }
}

/// Everything the entry shows, in one line for a screen reader.
pub fn spoken_label(
    recipient: &Recipient,
    details: Option<&Person>,
    tie: Option<&'static str>,
) -> String {
    let mut parts = vec![
        recipient_name(recipient),
        kind_text(recipient, details).into(),
    ];
    parts.extend(tie.map(str::to_lowercase));
    if let Some(person) = details {
        parts.push(spoken_email(&person.email));
        parts.push(status_text(person.status).to_lowercase());
    }
    parts.join(", ")
}

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_all_but_the_first_two_characters_of_the_local_part() {
        assert_eq!(mask_email("anna.berg@example.com"), "an•••@example.com");
        assert_eq!(mask_email("a@example.org"), "a•••@example.org");
        // Characters, not bytes: a name is never cut inside a letter.
        assert_eq!(mask_email("éva@example.org"), "év•••@example.org");
    }
}
