//! What the To picker says about an entry, as plain text: its name, its kind (a staff
//! member's role), a partly masked email, the person's status, and all of it in one line for a
//! screen reader; and which of a blast's selected clients its chips show. Pure functions of the wire types, so that `cargo xtask test` runs their
//! tests on the host (`tests/tests/web_logic.rs`); the component that shows them is
//! [`super::recipient_summary`].

use confidant_openapi::people::{Person, PersonKind, PersonStatus, Role};
use confidant_openapi::recipients::Recipient;

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
pub fn status_text(status: PersonStatus) -> &'static str {
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
pub fn kind_text(recipient: &Recipient, details: Option<&Person>) -> &'static str {
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

/// The chips of a selection, by name (then id, so that equal names keep their place), and
/// how many more there are beyond the first `room`.
pub fn shown_chips(
    mut chips: Vec<(uuid::Uuid, String)>,
    room: usize,
) -> (Vec<(uuid::Uuid, String)>, usize) {
    chips.sort_by(|a, b| {
        a.1.to_lowercase()
            .cmp(&b.1.to_lowercase())
            .then(a.0.cmp(&b.0))
    });
    let more = chips.len().saturating_sub(room);
    chips.truncate(room);
    (chips, more)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn selection_chips_go_by_name_and_count_what_does_not_fit() {
        let id = |n: u128| uuid::Uuid::from_u128(n);
        let chips = vec![
            (id(3), "cleo".to_owned()),
            (id(2), "Ben".to_owned()),
            (id(1), "Cleo".to_owned()),
            (id(4), "Ava".to_owned()),
        ];
        let (shown, more) = shown_chips(chips.clone(), 3);
        assert_eq!(
            shown,
            vec![
                (id(4), "Ava".to_owned()),
                (id(2), "Ben".to_owned()),
                (id(1), "Cleo".to_owned()),
            ]
        );
        assert_eq!(more, 1);
        assert_eq!(shown_chips(chips, 10).1, 0);
    }

    #[test]
    fn masks_all_but_the_first_two_characters_of_the_local_part() {
        assert_eq!(mask_email("anna.berg@example.com"), "an•••@example.com");
        assert_eq!(mask_email("a@example.org"), "a•••@example.org");
        // Characters, not bytes: a name is never cut inside a letter.
        assert_eq!(mask_email("éva@example.org"), "év•••@example.org");
        // Not an address: nothing of it is shown.
        assert_eq!(mask_email("no-at-sign"), "•••@");
    }

    fn client(name: &str) -> Recipient {
        Recipient::Person {
            id: uuid::Uuid::nil(),
            name: name.to_owned(),
            kind: PersonKind::Client,
        }
    }

    #[test]
    fn only_deactivated_people_cannot_receive() {
        // R-OFFBOARD, R-INACTIVE: inactive and archived clients still receive.
        assert!(can_receive(PersonStatus::Active));
        assert!(can_receive(PersonStatus::Inactive));
        assert!(can_receive(PersonStatus::Archived));
        assert!(!can_receive(PersonStatus::Deactivated));
    }

    #[test]
    fn a_screen_reader_hears_name_kind_tie_masked_email_and_status_in_one_line() {
        let recipient = client("Anna Berg");
        assert_eq!(spoken_label(&recipient, None, None), "Anna Berg, Client");
        assert_eq!(
            spoken_label(&recipient, None, Some("Your client")),
            "Anna Berg, Client, your client"
        );
        assert_eq!(recipient_name(&Recipient::AllStaff), "All staff");
        assert_eq!(kind_text(&Recipient::AllStaff, None), "Everyone on staff");
        assert_eq!(person_id(&recipient), Some(uuid::Uuid::nil()));
        assert_eq!(person_id(&Recipient::AllStaff), None);
    }
}
