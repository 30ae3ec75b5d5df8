//! The rules of conversations (SPEC §2, §3) as plain functions: what kind a new thread is,
//! who may post, who sees whom, who may delete.

use confidant_openapi::conversations::{ConversationKind, ReplyBlock};
use confidant_openapi::people::{PersonKind, PersonStatus};
use uuid::Uuid;

/// The person looking at or acting on a thread.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Viewer {
    /// Their id.
    pub id: Uuid,
    /// Staff or client.
    pub kind: PersonKind,
    /// Their status.
    pub status: PersonStatus,
}

impl Viewer {
    fn is_client(self) -> bool {
        self.kind == PersonKind::Client
    }

    /// R-INACTIVE: an inactive or archived client reads but does not send (and a
    /// deactivated staff member does nothing at all).
    fn may_send_at_all(self) -> bool {
        self.status == PersonStatus::Active
    }
}

/// The kind of a new thread, from its recipients' kinds (the author not counted).
pub fn kind_for(recipients: &[PersonKind]) -> ConversationKind {
    let clients = recipients
        .iter()
        .filter(|k| **k == PersonKind::Client)
        .count();
    if clients > 1 {
        ConversationKind::MultiClient // R-MULTI-CLIENT
    } else if recipients.len() == 1 {
        ConversationKind::Direct // R-REPLY-ONE
    } else {
        ConversationKind::Group // R-REPLY-ALL
    }
}

/// Whether `viewer` may start a conversation (R-INACTIVE).
pub fn may_compose(viewer: Viewer) -> Result<(), ReplyBlock> {
    if viewer.may_send_at_all() {
        Ok(())
    } else {
        Err(ReplyBlock::Inactive)
    }
}

/// Whether `viewer`, a participant, may post in a thread of `kind`.
pub fn may_post(kind: ConversationKind, viewer: Viewer) -> Result<(), ReplyBlock> {
    if !viewer.may_send_at_all() {
        return Err(ReplyBlock::Inactive); // R-INACTIVE
    }
    match kind {
        // R-MULTI-CLIENT: clients there only read; to answer they compose a new message.
        ConversationKind::MultiClient if viewer.is_client() => Err(ReplyBlock::MultiClient),
        // R-REPLY-ONE, R-REPLY-ALL, R-BLAST-REPLY (a blast thread has the sender and one client).
        _ => Ok(()),
    }
}

/// Whether `viewer` sees every participant of a thread of `kind`. When not, they see only
/// themselves and the people who wrote in it (R-MULTI-CLIENT).
pub fn sees_everyone(kind: ConversationKind, viewer: Viewer) -> bool {
    !(kind == ConversationKind::MultiClient && viewer.is_client())
}

/// R-DEL-MSG: staff delete messages they wrote, and nobody deletes another's.
pub fn may_delete_message(viewer: Viewer, author_id: Uuid) -> bool {
    !viewer.is_client() && viewer.id == author_id
}

/// R-DEL-THREAD: staff delete whole threads they started.
pub fn may_delete_conversation(viewer: Viewer, started_by: Uuid) -> bool {
    !viewer.is_client() && viewer.id == started_by
}

#[cfg(test)]
mod tests {
    use super::*;
    use PersonKind::{Client, Staff};

    fn staff() -> Viewer {
        Viewer {
            id: Uuid::new_v4(),
            kind: Staff,
            status: PersonStatus::Active,
        }
    }

    fn client(status: PersonStatus) -> Viewer {
        Viewer {
            id: Uuid::new_v4(),
            kind: Client,
            status,
        }
    }

    #[test]
    fn one_recipient_makes_a_direct_thread() {
        // R-REPLY-ONE
        assert_eq!(kind_for(&[Client]), ConversationKind::Direct);
        assert_eq!(kind_for(&[Staff]), ConversationKind::Direct);
        assert_eq!(
            may_post(ConversationKind::Direct, client(PersonStatus::Active)),
            Ok(())
        );
    }

    #[test]
    fn staff_and_at_most_one_client_reply_to_all() {
        // R-REPLY-ALL
        assert_eq!(kind_for(&[Staff, Staff, Client]), ConversationKind::Group);
        assert_eq!(kind_for(&[Staff, Staff]), ConversationKind::Group);
        assert_eq!(
            may_post(ConversationKind::Group, client(PersonStatus::Active)),
            Ok(())
        );
        assert!(sees_everyone(
            ConversationKind::Group,
            client(PersonStatus::Active)
        ));
    }

    #[test]
    fn several_clients_see_only_the_content_and_cannot_reply() {
        // R-MULTI-CLIENT
        assert_eq!(kind_for(&[Client, Client]), ConversationKind::MultiClient);
        assert_eq!(
            kind_for(&[Staff, Client, Client]),
            ConversationKind::MultiClient
        );
        let c = client(PersonStatus::Active);
        assert_eq!(
            may_post(ConversationKind::MultiClient, c),
            Err(ReplyBlock::MultiClient)
        );
        assert!(!sees_everyone(ConversationKind::MultiClient, c));
        assert_eq!(may_post(ConversationKind::MultiClient, staff()), Ok(()));
        assert!(sees_everyone(ConversationKind::MultiClient, staff()));
    }

    #[test]
    fn inactive_and_archived_clients_read_but_do_not_send() {
        // R-INACTIVE
        for status in [PersonStatus::Inactive, PersonStatus::Archived] {
            let c = client(status);
            assert_eq!(may_compose(c), Err(ReplyBlock::Inactive));
            assert_eq!(
                may_post(ConversationKind::Direct, c),
                Err(ReplyBlock::Inactive)
            );
        }
        assert_eq!(may_compose(client(PersonStatus::Active)), Ok(()));
        assert_eq!(may_compose(staff()), Ok(()));
    }

    #[test]
    fn staff_delete_only_their_own_messages_and_threads() {
        // R-DEL-MSG, R-DEL-THREAD
        let me = staff();
        assert!(may_delete_message(me, me.id));
        assert!(!may_delete_message(me, Uuid::new_v4()));
        assert!(may_delete_conversation(me, me.id));
        assert!(!may_delete_conversation(me, Uuid::new_v4()));
        let c = client(PersonStatus::Active);
        assert!(!may_delete_message(c, c.id), "clients cannot delete");
        assert!(!may_delete_conversation(c, c.id));
    }
}

/// R-COMPOSE: a subject of 1 to 200 characters, not only spaces. Returns it trimmed.
pub fn check_subject(subject: &str) -> Result<String, String> {
    use confidant_openapi::conversations::MAX_SUBJECT_CHARS;
    let subject = subject.trim();
    if subject.is_empty() {
        return Err("Enter a subject.".into());
    }
    if subject.chars().count() > MAX_SUBJECT_CHARS {
        return Err(format!(
            "Keep the subject to {MAX_SUBJECT_CHARS} characters."
        ));
    }
    Ok(subject.to_owned())
}

/// R-COMPOSE: a body of 1 to 50,000 characters, not only spaces. Kept as written (line
/// breaks and indentation matter in messages), only trailing whitespace trimmed.
pub fn check_body(body: &str) -> Result<String, String> {
    use confidant_openapi::conversations::MAX_BODY_CHARS;
    if body.trim().is_empty() {
        return Err("Write a message.".into());
    }
    let body = body.trim_end();
    if body.chars().count() > MAX_BODY_CHARS {
        return Err(format!("Keep the message to {MAX_BODY_CHARS} characters."));
    }
    Ok(body.to_owned())
}

#[cfg(test)]
mod compose_tests {
    use super::*;

    #[test]
    fn subject_and_body_must_have_text_within_limits() {
        // R-COMPOSE
        assert!(check_subject("   ").is_err());
        assert_eq!(check_subject("  Hello ").as_deref(), Ok("Hello"));
        assert!(check_subject(&"x".repeat(200)).is_ok());
        assert!(check_subject(&"x".repeat(201)).is_err());
        assert!(check_body("\n \t").is_err());
        assert!(check_body(&"y".repeat(50_000)).is_ok());
        assert!(check_body(&"y".repeat(50_001)).is_err());
        assert_eq!(
            check_body("  indented\nline  \n").as_deref(),
            Ok("  indented\nline")
        );
    }
}
