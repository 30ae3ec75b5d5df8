//! Sending messages: expanding recipients, notifying them, and showing threads to each
//! participant as they may see them. Shared by the conversation routes (and, later, blasts).

use std::collections::{BTreeSet, HashMap, HashSet};

use confidant_openapi::conversations::{
    AttachmentRef, ConversationKind, Message as MessageView, Participant, RecipientRef,
};
use confidant_openapi::people::{PersonKind, PersonStatus};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::db::models::conversation::{Conversation, MessageRow, ParticipantInfo};
use crate::db::models::person::Person;
use crate::db::schema::{messages, people, portal_accounts, practices, staff_group_members};
use crate::domain::conversations::{self as rules, Viewer};
use crate::domain::recipients::addressable_by;
use crate::email::{self, OutgoingEmail, templates};
use crate::error::{ApiError, field_error, unknown_ids};
use crate::jobs::{self, BackgroundJob, JobContext, JobError, Lane, MAIL_JOB_DEADLINE};

/// The viewer of a person row.
pub fn viewer(person: &Person) -> Viewer {
    Viewer {
        id: person.id,
        kind: person.kind(),
        status: person.status(),
    }
}

/// Expands "To" into distinct people (without the author), checking that the author may
/// address each: R-TO-STAFF, R-TO-CLIENT, R-NO-ALL-CLIENTS. Groups and "All staff" are
/// expanded to who they hold now. Anything not addressable is one 422 on `recipients` that
/// does not say whether the id exists.
pub async fn expand_recipients(
    conn: &mut AsyncPgConnection,
    author: &Person,
    refs: &[RecipientRef],
) -> Result<Vec<(Uuid, PersonKind)>, ApiError> {
    let may = addressable_by(author.kind());
    let not_addressable = || {
        unknown_ids(
            "recipients",
            "Some recipients are not people you can write to.",
        )
    };
    let mut person_ids = BTreeSet::new();
    let mut group_ids = BTreeSet::new();
    let mut all_staff = false;
    for recipient in refs {
        match recipient {
            RecipientRef::Person { id } => {
                person_ids.insert(*id);
            }
            RecipientRef::StaffGroup { id } if may.staff_groups => {
                group_ids.insert(*id);
            }
            RecipientRef::AllStaff if may.staff_groups => all_staff = true,
            _ => return Err(not_addressable()),
        }
    }
    let practice_id = author.practice_id;
    let named: Vec<(Uuid, String)> = people::table
        .filter(people::practice_id.eq(practice_id))
        .filter(people::id.eq_any(person_ids.iter().copied().collect::<Vec<_>>()))
        // R-OFFBOARD: a deactivated staff member is nobody one can write to.
        .filter(people::status.ne(PersonStatus::Deactivated.as_str()))
        .select((people::id, people::kind))
        .load(conn)
        .await?;
    if named.len() != person_ids.len() {
        return Err(not_addressable());
    }
    let mut chosen: HashMap<Uuid, PersonKind> = HashMap::new();
    for (id, kind) in named {
        let kind = PersonKind::parse(&kind).unwrap_or(PersonKind::Client);
        let allowed = match kind {
            PersonKind::Staff => may.staff,
            PersonKind::Client => may.clients,
        };
        if !allowed {
            return Err(not_addressable());
        }
        chosen.insert(id, kind);
    }
    if !group_ids.is_empty() {
        let groups: Vec<Uuid> = group_ids.iter().copied().collect();
        let found: i64 = crate::db::schema::staff_groups::table
            .filter(crate::db::schema::staff_groups::practice_id.eq(practice_id))
            .filter(crate::db::schema::staff_groups::id.eq_any(&groups))
            .count()
            .get_result(conn)
            .await?;
        if found != groups.len() as i64 {
            return Err(not_addressable());
        }
        let members: Vec<Uuid> = staff_group_members::table
            .filter(staff_group_members::practice_id.eq(practice_id))
            .filter(staff_group_members::group_id.eq_any(&groups))
            .select(staff_group_members::person_id)
            .load(conn)
            .await?;
        chosen.extend(members.into_iter().map(|id| (id, PersonKind::Staff)));
    }
    if all_staff {
        let staff: Vec<Uuid> = people::table
            .filter(people::practice_id.eq(practice_id))
            .filter(people::kind.eq("staff"))
            .filter(people::status.eq(PersonStatus::Active.as_str()))
            .select(people::id)
            .load(conn)
            .await?;
        chosen.extend(staff.into_iter().map(|id| (id, PersonKind::Staff)));
    }
    chosen.remove(&author.id);
    if chosen.is_empty() {
        return Err(field_error(
            "recipients",
            "Add at least one recipient other than yourself.",
        ));
    }
    let mut recipients: Vec<_> = chosen.into_iter().collect();
    recipients.sort_by_key(|(id, _)| *id);
    Ok(recipients)
}

/// How long combined notifications gather before one email goes out.
pub const COMBINE_WINDOW_SECONDS: i64 = 5 * 60;

/// Enqueues a notification for each recipient who has a portal account (R-NOTIFY), on the
/// caller's connection so it commits with the message. Without combining: one email per
/// message and person. With the practice's `combine_notifications`: at most one email per
/// person per five-minute window, sent at its end.
pub async fn notify(
    conn: &mut AsyncPgConnection,
    practice_id: Uuid,
    message_id: Uuid,
    recipient_ids: &[Uuid],
) -> diesel::QueryResult<()> {
    let deliveries: Vec<(Uuid, Uuid)> = recipient_ids.iter().map(|p| (message_id, *p)).collect();
    notify_many(conn, practice_id, &deliveries, jobs::Priority::Normal).await
}

/// [`notify`] for many `(message, recipient)` pairs at once (a blast's chunk), with a few
/// statements whatever their number.
pub async fn notify_many(
    conn: &mut AsyncPgConnection,
    practice_id: Uuid,
    deliveries: &[(Uuid, Uuid)],
    priority: jobs::Priority,
) -> diesel::QueryResult<()> {
    let recipients: Vec<Uuid> = deliveries.iter().map(|(_, person)| *person).collect();
    // People who can sign in to read it (a deactivated staff member, still a participant of
    // their old threads, hears nothing more), and the practice's choice to combine emails,
    // in one statement: one row per such person, or one without a person when there is none.
    let found: Vec<(bool, Option<Uuid>)> = practices::table
        .left_join(
            people::table.on(people::practice_id
                .eq(practices::id)
                .and(people::id.eq_any(recipients))
                .and(people::status.ne(PersonStatus::Deactivated.as_str()))),
        )
        .left_join(portal_accounts::table.on(portal_accounts::person_id.eq(people::id)))
        .filter(practices::id.eq(practice_id))
        .select((
            practices::combine_notifications,
            portal_accounts::person_id.nullable(),
        ))
        .load(conn)
        .await?;
    let combine = found.iter().any(|(combine, _)| *combine);
    let with_accounts: HashSet<Uuid> = found.into_iter().filter_map(|(_, person)| person).collect();
    let deliveries: Vec<(Uuid, Uuid)> = deliveries
        .iter()
        .filter(|(_, person)| with_accounts.contains(person))
        .copied()
        .collect();
    enqueue_notifications(conn, &deliveries, combine, priority).await
}

/// Enqueues the notification emails of `deliveries` (`(message, person)` pairs of people
/// known to have an account, see [`notify_many`]), combined per person and window when the
/// practice `combine`s them.
pub async fn enqueue_notifications(
    conn: &mut AsyncPgConnection,
    deliveries: &[(Uuid, Uuid)],
    combine: bool,
    priority: jobs::Priority,
) -> diesel::QueryResult<()> {
    if deliveries.is_empty() {
        return Ok(());
    }
    if combine {
        let now = chrono::Utc::now().timestamp();
        let window = now.div_euclid(COMBINE_WINDOW_SECONDS);
        let until_window_end = (window + 1) * COMBINE_WINDOW_SECONDS - now;
        let digests: Vec<_> = deliveries
            .iter()
            .map(|(_, person_id)| {
                let key = format!("notification-digest:{person_id}:{window}");
                (
                    SendNotificationDigestJob {
                        person_id: *person_id,
                    },
                    Some(key),
                )
            })
            .collect();
        let delay = std::time::Duration::from_secs(until_window_end.max(0).unsigned_abs());
        jobs::enqueue_many(conn, &digests, priority, delay).await?;
    } else {
        let emails: Vec<_> = deliveries
            .iter()
            .map(|(message_id, person_id)| {
                let job = SendMessageNotificationJob {
                    message_id: *message_id,
                    person_id: *person_id,
                };
                let key = job.idempotency_key();
                (job, Some(key))
            })
            .collect();
        jobs::enqueue_many(conn, &emails, priority, std::time::Duration::ZERO).await?;
    }
    Ok(())
}

/// The email that a secure message is waiting, to `person_id` if they have an account:
/// the practice's name and a sign-in link, nothing else (R-NOTIFY-PRIVATE).
async fn send_waiting_email(
    ctx: &JobContext,
    conn: &mut AsyncPgConnection,
    person_id: Uuid,
    conversation_id: Option<Uuid>,
) -> Result<(), JobError> {
    let recipient: Option<(String, String)> = people::table
        .inner_join(practices::table.on(practices::id.eq(people::practice_id)))
        .inner_join(portal_accounts::table.on(portal_accounts::person_id.eq(people::id)))
        .filter(people::id.eq(person_id))
        // Deactivated since the message was sent (a reply reads whom to tell before its
        // transaction): they hear nothing more.
        .filter(people::status.ne(PersonStatus::Deactivated.as_str()))
        .select((people::email, practices::name))
        .first(conn)
        .await
        .optional()?;
    let Some((email, practice_name)) = recipient else {
        return Ok(());
    };
    // The thread's address (an id, never content): after signing in, the app opens it.
    let next = conversation_id.map(|id| format!("/messages/{id}"));
    let link = email::sign_in_link(&ctx.config.public_url, next.as_deref());
    let content = templates::secure_message_waiting(&practice_name, &link);
    ctx.mailer
        .send(&OutgoingEmail::new(email, content))
        .await
        .map_err(JobError::from)
}

/// One email for everything a person received in a combining window, if anything is still
/// unread when the window closes (read or deleted meanwhile: no email).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SendNotificationDigestJob {
    /// Who to tell.
    pub person_id: Uuid,
}

impl BackgroundJob for SendNotificationDigestJob {
    const KIND: &'static str = "send_notification_digest";
    const LANE: Lane = Lane::Mail;
    const DEADLINE: std::time::Duration = MAIL_JOB_DEADLINE;

    async fn run(self, ctx: JobContext) -> Result<(), JobError> {
        let mut conn = ctx.pool.get().await?;
        let (unread, _) = Conversation::unread(&conn, self.person_id).await?;
        if unread == 0 {
            return Ok(());
        }
        // Several threads may be waiting: the link opens the inbox.
        send_waiting_email(&ctx, &mut conn, self.person_id, None).await
    }
}

/// Emails one person that a secure message is waiting (R-NOTIFY-PRIVATE: the practice's
/// name and a sign-in link, nothing else).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SendMessageNotificationJob {
    /// The new message.
    pub message_id: Uuid,
    /// Who to tell.
    pub person_id: Uuid,
}

impl SendMessageNotificationJob {
    /// One email per message and person, even if enqueued twice.
    pub fn idempotency_key(&self) -> String {
        format!(
            "message-notification:{}:{}",
            self.message_id, self.person_id
        )
    }
}

impl BackgroundJob for SendMessageNotificationJob {
    const KIND: &'static str = "send_message_notification";
    const LANE: Lane = Lane::Mail;
    const DEADLINE: std::time::Duration = MAIL_JOB_DEADLINE;

    async fn run(self, ctx: JobContext) -> Result<(), JobError> {
        let mut conn = ctx.pool.get().await?;
        // Deleted in the meantime: nobody needs to hear of it any more.
        let conversation_id: Option<Uuid> = messages::table
            .filter(messages::id.eq(self.message_id))
            .select(messages::conversation_id)
            .first(&mut conn)
            .await
            .optional()?;
        let Some(conversation_id) = conversation_id else {
            return Ok(());
        };
        send_waiting_email(&ctx, &mut conn, self.person_id, Some(conversation_id)).await
    }
}

/// What one viewer may see of a thread's people.
pub struct Visibility {
    everyone: bool,
    viewer_id: Uuid,
    authors: HashSet<Uuid>,
}

impl Visibility {
    /// For `viewer` in a thread of `kind` whose messages were written by `authors`.
    pub fn new(kind: ConversationKind, viewer: Viewer, authors: HashSet<Uuid>) -> Self {
        Self {
            everyone: rules::sees_everyone(kind, viewer),
            viewer_id: viewer.id,
            authors,
        }
    }

    /// Whether the viewer may see `person_id` in this thread (R-MULTI-CLIENT: a client in a
    /// thread sent to several clients sees only themselves and those who wrote).
    pub fn shows(&self, person_id: Uuid) -> bool {
        self.everyone || person_id == self.viewer_id || self.authors.contains(&person_id)
    }

    /// The visible participants, in the given order.
    pub fn participants(&self, all: &[ParticipantInfo]) -> Vec<Participant> {
        all.iter()
            .filter(|p| self.shows(p.person_id))
            .map(participant)
            .collect()
    }
}

/// Who wrote in thread `conversation_id` (started by `started_by`): kept on each participant
/// (`has_sent`), so the thread's messages need not be read to know whom a client of a
/// multi-client thread may see.
pub fn writers(
    conversation_id: Uuid,
    started_by: Uuid,
    people: &[ParticipantInfo],
) -> HashSet<Uuid> {
    people
        .iter()
        .filter(|p| p.conversation_id == conversation_id && p.has_sent)
        .map(|p| p.person_id)
        .chain(std::iter::once(started_by))
        .collect()
}

/// The wire form of a participant.
pub fn participant(info: &ParticipantInfo) -> Participant {
    Participant {
        id: info.person_id,
        name: info.name.clone(),
        kind: PersonKind::parse(&info.kind).unwrap_or(PersonKind::Client),
    }
}

/// The wire form of a message for `viewer`.
pub fn message_view(
    row: &MessageRow,
    author: Participant,
    attachments: Vec<AttachmentRef>,
    viewer: Viewer,
) -> MessageView {
    MessageView {
        id: row.id,
        author,
        body: row.body.clone(),
        created_at: row.created_at,
        attachments,
        can_delete: rules::may_delete_message(viewer, row.author_id),
    }
}
