//! The demo practice's history, written by `seed-demo`: threads between staff and clients over
//! the past weeks (some unread, one to several clients, one among staff, one carrying a file),
//! a finished blast that a client answered, and invitations to two people without an account
//! yet. Every demo sign-in opens onto an inbox that shows the product, and the mail catcher of
//! `cargo xtask run` holds the invitation and notification emails that go with it.
//!
//! Everything goes through the model functions and rules the API uses (who may address whom,
//! the thread's kind, who may reply, the blast fan-out, notifications, invitations), inside
//! `seed-demo`'s transaction, so the demo can never show what the product would refuse. Then
//! the messages are dated back and read state is set as people would have left it: everyone
//! has read a thread up to their own last message, and "read" threads to the end. Whoever
//! still has something unread gets the notification email for it.

use std::collections::HashMap;

use confidant_openapi::conversations::RecipientRef;
use diesel::result::Error as DieselError;
use diesel::sql_types::{Array, Double, Uuid as SqlUuid};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use crate::attachments::{self, FileStore, Inspected};
use crate::blasts;
use crate::db::models::attachment::{Attachment, Carrier};
use crate::db::models::audit::{AuditAction, AuditEvent};
use crate::db::models::blast::Blast;
use crate::db::models::conversation::{Conversation, NewMessage, NewThread};
use crate::db::models::invitation::Invitation;
use crate::db::models::person::Person;
use crate::domain::conversations as rules;
use crate::invitations::SendInvitationEmailJob;
use crate::jobs;
use crate::messaging;

use super::{
    ALEX, ARTHUR, CASEY, DREW, EMERY, FELIX, JORDAN, JUNIPER, MORGAN, OLIVE, PENNY, QUINN, RILEY,
    ROBIN, ROWAN, SAGE, TAYLOR,
};

/// Why the history could not be written: the database, or a rule the script broke (a
/// mistake in the tables below, caught by `seed-demo`'s test).
#[derive(Debug, thiserror::Error)]
pub enum StoryError {
    /// The database failed.
    #[error(transparent)]
    Database(#[from] DieselError),
    /// The script asks for something the product refuses.
    #[error("the demo history breaks a rule: {0}")]
    Rule(String),
}

/// Who a thread is addressed to.
enum To {
    /// People, by email.
    People(&'static [&'static str]),
    /// A staff group, by name.
    Group(&'static str),
}

/// One thread: its first message is `from`'s, the rest are replies, each `hours` ago.
struct DemoThread {
    subject: &'static str,
    from: &'static str,
    to: To,
    messages: &'static [(&'static str, f64, &'static str)],
    /// A file on the first message: its name and bytes.
    file: Option<(&'static str, &'static [u8])>,
    /// Everyone has read it to the end (else each up to their own last message).
    read: bool,
}

const BOX_BREATHING: &[u8] = b"Box breathing\n\n\
1. Breathe in through your nose for a count of four.\n\
2. Hold your breath for a count of four.\n\
3. Breathe out slowly for a count of four.\n\
4. Hold for a count of four.\n\n\
Repeat four times, twice a day. Note how you feel before and after.\n";

const THREADS: &[DemoThread] = &[
    DemoThread {
        subject: "Moving Thursday's session",
        from: JUNIPER,
        to: To::People(&[ROWAN]),
        messages: &[
            (
                JUNIPER,
                74.0,
                "Hi Rowan, I need to move Thursday's session to 3 pm. Does that still work for you?",
            ),
            (ROWAN, 72.5, "3 pm works for me. See you then."),
            (JUNIPER, 71.0, "Thank you, see you Thursday."),
        ],
        file: None,
        read: true,
    },
    DemoThread {
        subject: "Question about the thought record",
        from: SAGE,
        to: To::People(&[JUNIPER]),
        messages: &[
            (
                SAGE,
                26.0,
                "I started the thought record, but I wasn't sure what goes under \"evidence against\". Is it what other people would say?",
            ),
            (
                JUNIPER,
                24.0,
                "Good question. It is anything that doesn't fit the thought: facts, past experiences, what you would tell a friend. Bring what you have on Tuesday.",
            ),
            (
                SAGE,
                2.0,
                "That helps. I filled in two more rows this morning.",
            ),
        ],
        file: None,
        read: false,
    },
    DemoThread {
        subject: "Box breathing, as promised",
        from: JUNIPER,
        to: To::People(&[QUINN]),
        messages: &[(
            JUNIPER,
            20.0,
            "As promised, here is the breathing exercise we practiced. Try it twice a day this week and note how you feel before and after.",
        )],
        file: Some(("Box breathing.txt", BOX_BREATHING)),
        read: false,
    },
    DemoThread {
        subject: "Welcome to Confidant",
        from: JUNIPER,
        to: To::People(&[ROBIN]),
        messages: &[
            (
                JUNIPER,
                240.0,
                "Welcome, Robin. You can message me here between sessions; I reply within one working day.",
            ),
            (ROBIN, 238.0, "Thank you! Good to have this."),
        ],
        file: None,
        read: true,
    },
    DemoThread {
        subject: "Thursday group: room change",
        from: FELIX,
        to: To::People(&[TAYLOR, ALEX, MORGAN]),
        messages: &[(
            FELIX,
            30.0,
            "Our Thursday evening group meets in Room 4 this week, same time. The elevator is out, so allow a minute for the stairs.",
        )],
        file: None,
        read: false,
    },
    DemoThread {
        subject: "Holiday hours at the front desk",
        from: PENNY,
        to: To::Group("Clinicians"),
        messages: &[
            (
                PENNY,
                50.0,
                "The office closes at noon on December 24 and 31. I will move the afternoon sessions; tell me if a client would rather have a call.",
            ),
            (
                FELIX,
                47.0,
                "Thanks, Penny. Two of my Thursday clients would prefer a call; I will send you their names.",
            ),
        ],
        file: None,
        read: false,
    },
    DemoThread {
        subject: "Scheduling software renewal",
        from: ARTHUR,
        to: To::People(&[OLIVE]),
        messages: &[
            (
                ARTHUR,
                52.0,
                "The renewal quote for the scheduling software came in 8% higher than last year. Shall I ask for a two-year price?",
            ),
            (
                OLIVE,
                5.0,
                "Yes, please ask. Anything under last year's total per year is fine.",
            ),
        ],
        file: None,
        read: false,
    },
    DemoThread {
        subject: "Forms before your first couples session",
        from: FELIX,
        to: To::People(&[JORDAN]),
        messages: &[
            (
                FELIX,
                98.0,
                "Jordan, before our first couples session, could you both fill in the intake forms? The front desk can email them to you.",
            ),
            (
                JORDAN,
                3.0,
                "We have filled them in and will bring them on Friday.",
            ),
        ],
        file: None,
        read: false,
    },
    DemoThread {
        subject: "Checking in",
        from: JUNIPER,
        to: To::People(&[CASEY]),
        messages: &[(
            JUNIPER,
            500.0,
            "Hi Casey, it has been a while since our last session. If you would like to come back, reply here or call the front desk.",
        )],
        file: None,
        read: true,
    },
    DemoThread {
        subject: "Closing your file",
        from: FELIX,
        to: To::People(&[DREW]),
        messages: &[(
            FELIX,
            340.0,
            "Drew, as we discussed, I am closing your file for now. You are welcome back any time; the front desk can book you in.",
        )],
        file: None,
        read: true,
    },
    DemoThread {
        subject: "Your records request",
        from: JUNIPER,
        to: To::People(&[EMERY]),
        // Emery's file is archived: they can read this, and no longer reply.
        messages: &[(
            JUNIPER,
            720.0,
            "Emery, the summary you asked for has been sent to your new provider. Take good care.",
        )],
        file: None,
        read: true,
    },
];

/// The finished blast: from whom, to all their active clients, how long ago, and one client's
/// answer in their own thread.
struct DemoBlast {
    from: &'static str,
    subject: &'static str,
    body: &'static str,
    hours: f64,
    reply: (&'static str, f64, &'static str),
}

const BLAST: DemoBlast = DemoBlast {
    from: FELIX,
    subject: "Office closed next Monday",
    body: "The office is closed next Monday for maintenance. If you have a session that day, \
           the front desk will call you to find a new time.",
    hours: 28.0,
    reply: (
        RILEY,
        27.0,
        "Thanks for letting me know. Tuesday afternoon would suit me.",
    ),
};

/// The people of the demo practice without an account yet, and who invited them.
pub(super) const INVITED: [(&str, &str); 2] = [(super::AVERY, ARTHUR), (super::SAM, OLIVE)];

/// Writes the history on `conn` (inside `seed-demo`'s transaction). `ids` holds every demo
/// person's id by email, `groups` the staff groups' ids by name. Without `files` (no
/// `CONFIDANT_STORAGE_KEY`, so a file stored now could not be read by the server later), the
/// thread that carries a file goes without it.
pub(super) async fn write(
    conn: &mut AsyncPgConnection,
    practice_id: Uuid,
    ids: &HashMap<&str, Uuid>,
    groups: &HashMap<&str, Uuid>,
    files: Option<&FileStore>,
) -> Result<(), StoryError> {
    let mut story = Story {
        conn,
        practice_id,
        ids,
        ages: Vec::new(),
        threads: Vec::new(),
    };
    for thread in THREADS {
        story.thread(thread, groups, files).await?;
    }
    story.blast(&BLAST).await?;
    story.date_back().await?;
    story.notify_unread().await?;
    for (invited, by) in INVITED {
        story.invite(invited, by).await?;
    }
    Ok(())
}

struct Story<'a, 'c> {
    conn: &'c mut AsyncPgConnection,
    practice_id: Uuid,
    ids: &'a HashMap<&'a str, Uuid>,
    /// Every message written, with how many hours ago it was sent.
    ages: Vec<(Uuid, f64)>,
    /// Every thread written, and whether everyone has read it to the end.
    threads: Vec<(Uuid, bool)>,
}

impl Story<'_, '_> {
    fn id(&self, email: &str) -> Result<Uuid, StoryError> {
        self.ids
            .get(email)
            .copied()
            .ok_or_else(|| StoryError::Rule(format!("{email} is not a demo person")))
    }

    async fn person(&mut self, email: &str) -> Result<Person, StoryError> {
        let id = self.id(email)?;
        Person::find(self.conn, self.practice_id, id)
            .await?
            .ok_or_else(|| StoryError::Rule(format!("{email} is not in the demo practice")))
    }

    async fn thread(
        &mut self,
        thread: &DemoThread,
        groups: &HashMap<&str, Uuid>,
        files: Option<&FileStore>,
    ) -> Result<(), StoryError> {
        let author = self.person(thread.from).await?;
        let refs: Vec<RecipientRef> = match thread.to {
            To::People(emails) => emails
                .iter()
                .map(|email| self.id(email).map(|id| RecipientRef::Person { id }))
                .collect::<Result<_, _>>()?,
            To::Group(name) => vec![RecipientRef::StaffGroup {
                id: *groups
                    .get(name)
                    .ok_or_else(|| StoryError::Rule(format!("no group {name}")))?,
            }],
        };
        rules::may_compose(messaging::viewer(&author)).map_err(rule)?;
        let recipients = messaging::expand_recipients(self.conn, &author, &refs)
            .await
            .map_err(|_| StoryError::Rule(format!("{} may not address them", thread.from)))?;
        let kinds: Vec<_> = recipients.iter().map(|(_, kind)| *kind).collect();
        let kind = rules::kind_for(&kinds);
        let recipient_ids: Vec<Uuid> = recipients.iter().map(|(id, _)| *id).collect();
        let Some(((_, hours, body), replies)) = thread.messages.split_first() else {
            return Err(StoryError::Rule(format!(
                "{} has no message",
                thread.subject
            )));
        };
        let conversation_id = Uuid::now_v7();
        let message_id = Uuid::now_v7();
        let (conversation, first) = Conversation::start(
            self.conn,
            NewThread {
                id: conversation_id,
                kind,
                subject: thread.subject,
                recipient_ids: &recipient_ids,
                first: NewMessage {
                    id: message_id,
                    practice_id: self.practice_id,
                    conversation_id,
                    author_id: author.id,
                    body,
                },
            },
            message_audit(self.practice_id, author.id, conversation_id, message_id),
        )
        .await?;
        self.ages.push((first.id, *hours));
        self.threads.push((conversation.id, thread.read));
        if let (Some((name, bytes)), Some(files)) = (thread.file, files) {
            self.attach(files, &author, first.id, name, bytes).await?;
        }
        for (from, hours, body) in replies {
            let message = self.reply(conversation.id, from, body).await?;
            self.ages.push((message, *hours));
        }
        Ok(())
    }

    /// A reply by `from`, if the rules let them post in the thread.
    async fn reply(
        &mut self,
        conversation_id: Uuid,
        from: &str,
        body: &str,
    ) -> Result<Uuid, StoryError> {
        let author = self.person(from).await?;
        let conversation =
            Conversation::for_participant(self.conn, self.practice_id, conversation_id, author.id)
                .await?
                .ok_or_else(|| StoryError::Rule(format!("{from} is not in the thread")))?;
        rules::may_post(conversation.kind(), messaging::viewer(&author)).map_err(rule)?;
        let message_id = Uuid::now_v7();
        let message = Conversation::post(
            self.conn,
            NewMessage {
                id: message_id,
                practice_id: self.practice_id,
                conversation_id,
                author_id: author.id,
                body,
            },
            message_audit(self.practice_id, author.id, conversation_id, message_id),
        )
        .await?;
        Ok(message.id)
    }

    /// Stores `bytes` as `author`'s upload, checked like any upload, and puts it on the
    /// message.
    async fn attach(
        &mut self,
        files: &FileStore,
        author: &Person,
        message_id: Uuid,
        name: &str,
        bytes: &[u8],
    ) -> Result<(), StoryError> {
        let Inspected {
            kind,
            file_name,
            sha256,
        } = attachments::inspect(Some(name), bytes)
            .map_err(|refusal| StoryError::Rule(refusal.0))?;
        let id = Uuid::now_v7();
        let wrapped_key = files
            .save(id, bytes.to_vec())
            .await
            .map_err(|error| StoryError::Rule(format!("storing the demo file: {error}")))?;
        Attachment {
            id,
            practice_id: self.practice_id,
            uploaded_by: author.id,
            file_name,
            content_type: kind.content_type().to_owned(),
            size: i64::try_from(bytes.len()).unwrap_or(i64::MAX),
            sha256: sha256.to_vec(),
            wrapped_key,
            attached_at: None,
            created_at: chrono::Utc::now(),
        }
        .insert(self.conn)
        .await?;
        Attachment::attach(
            self.conn,
            self.practice_id,
            author.id,
            Carrier::Message(message_id),
            &[id],
        )
        .await
        .map_err(|error| StoryError::Rule(format!("attaching the demo file: {error}")))
    }

    /// The blast to all of `from`'s active clients, fanned out by the job's own code, and one
    /// client's reply.
    async fn blast(&mut self, blast: &DemoBlast) -> Result<(), StoryError> {
        let sender = self.person(blast.from).await?;
        let clients = Blast::active_clients_of(self.conn, self.practice_id, sender.id).await?;
        let row = Blast {
            id: Uuid::now_v7(),
            practice_id: self.practice_id,
            sender_id: sender.id,
            subject: blast.subject.to_owned(),
            body: blast.body.to_owned(),
            state: "queued".to_owned(),
            total: i32::try_from(clients.len()).unwrap_or(i32::MAX),
            sent: 0,
            skipped: 0,
            failed: 0,
            created_at: chrono::Utc::now(),
            finished_at: None,
        };
        row.insert(self.conn, &clients).await?;
        while blasts::send_chunk(self.conn, row.id)
            .await
            .map_err(|error| StoryError::Rule(format!("the demo blast: {error}")))?
        {}
        let threads: Vec<(Uuid, Uuid)> = diesel::sql_query(
            "SELECT r.conversation_id AS conversation_id, m.id AS message_id \
             FROM blast_recipients r JOIN messages m ON m.conversation_id = r.conversation_id \
             WHERE r.blast_id = $1",
        )
        .bind::<SqlUuid, _>(row.id)
        .load::<BlastThread>(self.conn)
        .await?
        .into_iter()
        .map(|thread| (thread.conversation_id, thread.message_id))
        .collect();
        let (replier, hours, body) = blast.reply;
        let replier_id = self.id(replier)?;
        let mut replied_in = None;
        for (conversation_id, message_id) in &threads {
            self.ages.push((*message_id, blast.hours));
            let with_replier = Conversation::for_participant(
                self.conn,
                self.practice_id,
                *conversation_id,
                replier_id,
            )
            .await?
            .is_some();
            if with_replier {
                replied_in = Some(*conversation_id);
            }
            // The other clients read it; the sender has the reply to read.
            self.threads.push((*conversation_id, !with_replier));
        }
        let replied_in =
            replied_in.ok_or_else(|| StoryError::Rule(format!("{replier} got no blast thread")))?;
        let reply = self.reply(replied_in, replier, body).await?;
        self.ages.push((reply, hours));
        diesel::sql_query(
            "UPDATE blasts SET created_at = now() - make_interval(secs => $2 * 3600), \
             finished_at = now() - make_interval(secs => $2 * 3600 - 2) WHERE id = $1",
        )
        .bind::<SqlUuid, _>(row.id)
        .bind::<Double, _>(blast.hours)
        .execute(self.conn)
        .await?;
        Ok(())
    }

    /// Dates every message back to its time, each thread's start to its first message, and
    /// sets read state: to the end where everyone read the thread, else up to each person's
    /// own last message. Then the inbox fields are derived again from the messages.
    async fn date_back(&mut self) -> Result<(), StoryError> {
        let (messages, hours): (Vec<Uuid>, Vec<f64>) = self.ages.iter().copied().unzip();
        diesel::sql_query(
            "UPDATE messages m SET created_at = now() - make_interval(secs => a.hours * 3600) \
             FROM unnest($1::uuid[], $2::float8[]) AS a(id, hours) WHERE m.id = a.id",
        )
        .bind::<Array<SqlUuid>, _>(&messages)
        .bind::<Array<Double>, _>(&hours)
        .execute(self.conn)
        .await?;
        let (threads, read): (Vec<Uuid>, Vec<bool>) = self.threads.iter().copied().unzip();
        diesel::sql_query(
            "UPDATE conversations c SET created_at = \
               (SELECT min(m.created_at) FROM messages m WHERE m.conversation_id = c.id) \
             WHERE c.id = ANY($1)",
        )
        .bind::<Array<SqlUuid>, _>(&threads)
        .execute(self.conn)
        .await?;
        diesel::sql_query(
            "UPDATE conversation_participants p SET last_read_at = CASE WHEN t.read THEN now() \
               ELSE (SELECT max(m.created_at) FROM messages m \
                     WHERE m.conversation_id = p.conversation_id AND m.author_id = p.person_id) END \
             FROM unnest($1::uuid[], $2::bool[]) AS t(id, read) WHERE p.conversation_id = t.id",
        )
        .bind::<Array<SqlUuid>, _>(&threads)
        .bind::<Array<diesel::sql_types::Bool>, _>(&read)
        .execute(self.conn)
        .await?;
        Conversation::derive_inbox_fields(self.conn, &threads).await?;
        Ok(())
    }

    /// Emails everyone who has something unread about their thread's latest message, as the
    /// product did when it arrived.
    async fn notify_unread(&mut self) -> Result<(), StoryError> {
        let threads: Vec<Uuid> = self.threads.iter().map(|(id, _)| *id).collect();
        let unread: Vec<Unread> = diesel::sql_query(
            "SELECT p.person_id, \
               (SELECT m.id FROM messages m WHERE m.conversation_id = p.conversation_id \
                ORDER BY m.created_at DESC, m.id DESC LIMIT 1) AS message_id \
             FROM conversation_participants p \
             WHERE p.conversation_id = ANY($1) AND p.unread_count > 0",
        )
        .bind::<Array<SqlUuid>, _>(&threads)
        .load(self.conn)
        .await?;
        let deliveries: Vec<(Uuid, Uuid)> = unread
            .into_iter()
            .map(|row| (row.message_id, row.person_id))
            .collect();
        messaging::notify_many(
            self.conn,
            self.practice_id,
            &deliveries,
            jobs::Priority::Normal,
        )
        .await?;
        Ok(())
    }

    /// An invitation for `invited` from `by`, with its email job, as `POST
    /// /people/{id}/invitation` makes it.
    async fn invite(&mut self, invited: &str, by: &str) -> Result<(), StoryError> {
        let (person, by) = (self.id(invited)?, self.id(by)?);
        let invitation = Invitation::issue(self.conn, self.practice_id, person, by).await?;
        let job = SendInvitationEmailJob {
            invitation_id: invitation.id,
        };
        jobs::enqueue(self.conn, &job, Some(&job.idempotency_key())).await?;
        Ok(())
    }
}

fn rule(block: confidant_openapi::conversations::ReplyBlock) -> StoryError {
    StoryError::Rule(format!("{block:?}"))
}

#[derive(diesel::QueryableByName)]
struct BlastThread {
    #[diesel(sql_type = SqlUuid)]
    conversation_id: Uuid,
    #[diesel(sql_type = SqlUuid)]
    message_id: Uuid,
}

#[derive(diesel::QueryableByName)]
struct Unread {
    #[diesel(sql_type = SqlUuid)]
    person_id: Uuid,
    #[diesel(sql_type = SqlUuid)]
    message_id: Uuid,
}

/// The audit record of a story's message, as the app writes one for every message sent
/// (without a request, so without a source address).
fn message_audit(
    practice_id: Uuid,
    author_id: Uuid,
    conversation_id: Uuid,
    message_id: Uuid,
) -> AuditEvent {
    AuditEvent::new(AuditAction::MessageSent, Some(practice_id), Some(author_id))
        .target("conversation", conversation_id)
        .details(serde_json::json!({ "message_id": message_id }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_thread_opens_with_its_author_and_runs_back_to_front() {
        for thread in THREADS {
            assert_eq!(thread.messages[0].0, thread.from, "{}", thread.subject);
            assert!(
                thread.messages.windows(2).all(|pair| pair[0].1 > pair[1].1),
                "{}: each message is later than the one before",
                thread.subject
            );
        }
        assert!(BLAST.hours > BLAST.reply.1, "the reply follows the blast");
    }
}
