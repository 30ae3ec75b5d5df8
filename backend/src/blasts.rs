//! Blast fan-out (SPEC §6, R-BLAST-QUEUE): the background job that turns one accepted blast
//! into a new private thread per selected client.
//!
//! Work goes in chunks of [`CHUNK`] clients. A chunk is one transaction of a fixed handful
//! of set-based statements (threads, participants, messages, attachment links, notification
//! jobs, outcomes, counters), so 10,000 clients take about 20 statements per thousand rather
//! than 10,000 round trips, and a crash or retry finds each chunk either wholly written or
//! not at all. Clients are taken only while their `(blast, client)` row is still pending, so
//! nobody ever gets a second thread. Between chunks the job yields, and its notification
//! emails are queued at bulk priority, so ordinary messages keep flowing while it runs.

use chrono::Utc;
use confidant_openapi::blasts::BlastState;
use diesel_async::{AsyncConnection, AsyncPgConnection};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::attachments;
use crate::db::models::attachment::Attachment;
use crate::db::models::blast::{Blast, NewThreads};
use crate::domain::blasts::{self as rules, Outcome};
use crate::events::{self, Event};
use crate::jobs::{self, BackgroundJob, JobContext, JobError};
use crate::messaging;

/// Clients per chunk: large enough that per-statement costs vanish, small enough that a
/// chunk's transaction stays well under a second and progress moves visibly.
pub const CHUNK: i64 = 1_000;

/// Fans blast `blast_id` out, resuming where an earlier attempt stopped.
#[derive(Debug, Serialize, Deserialize)]
pub struct BlastFanOutJob {
    /// The blast.
    pub blast_id: Uuid,
}

impl BlastFanOutJob {
    /// The job's idempotency key: one fan-out per blast.
    pub fn key(blast_id: Uuid) -> String {
        format!("blast-fan-out:{blast_id}")
    }
}

impl BackgroundJob for BlastFanOutJob {
    const KIND: &'static str = "blast_fan_out";
    const MAX_ATTEMPTS: i32 = 20;

    async fn run(self, ctx: JobContext) -> Result<(), JobError> {
        let mut conn = ctx.pool.get().await?;
        while send_chunk(&mut conn, self.blast_id).await? {
            // Let the runtime serve requests between chunks.
            tokio::task::yield_now().await;
        }
        Ok(())
    }
}

/// Writes the next chunk of blast `blast_id`; `false` when nothing was left.
pub async fn send_chunk(conn: &mut AsyncPgConnection, blast_id: Uuid) -> Result<bool, JobError> {
    let more = conn
        .transaction(async |conn| {
            let Some(mut blast) = Blast::lock(conn, blast_id).await? else {
                return Ok::<_, diesel::result::Error>(false);
            };
            let pending = blast.pending(conn, CHUNK).await?;
            if pending.is_empty() {
                release_files(conn, &blast).await?;
                return Ok(false);
            }
            let mut clients = Vec::new();
            let mut outcomes = Vec::with_capacity(pending.len());
            for person in &pending {
                match person.status().map(rules::outcome_for) {
                    Some(Outcome::Send) => clients.push(person.client_id),
                    Some(Outcome::Skip) => outcomes.push((person.client_id, "skipped", None)),
                    None => outcomes.push((person.client_id, "failed", None)),
                }
            }
            let conversation_ids: Vec<Uuid> = clients.iter().map(|_| Uuid::now_v7()).collect();
            let message_ids: Vec<Uuid> = clients.iter().map(|_| Uuid::now_v7()).collect();
            blast
                .write_threads(
                    conn,
                    &NewThreads {
                        clients: &clients,
                        conversation_ids: &conversation_ids,
                        message_ids: &message_ids,
                        at: Utc::now(),
                    },
                )
                .await?;
            let deliveries: Vec<(Uuid, Uuid)> = message_ids
                .iter()
                .copied()
                .zip(clients.iter().copied())
                .collect();
            messaging::notify_many(conn, blast.practice_id, &deliveries, jobs::Priority::Bulk)
                .await?;
            outcomes.extend(
                clients
                    .iter()
                    .zip(&conversation_ids)
                    .map(|(client, thread)| (*client, "sent", Some(*thread))),
            );
            let handled = blast.sent + blast.skipped + blast.failed + outcomes.len() as i32;
            let state = rules::state(blast.total, handled);
            blast.record_outcomes(conn, &outcomes, state).await?;
            if state == BlastState::Done {
                release_files(conn, &blast).await?;
            }
            // Each client hears of their new thread; the sender of the progress (or the end).
            let mut news: Vec<(Event, Vec<Uuid>)> = clients
                .iter()
                .zip(conversation_ids.iter().zip(&message_ids))
                .map(|(client, (conversation_id, message_id))| {
                    let created = Event::ConversationCreated {
                        conversation_id: *conversation_id,
                        message_id: *message_id,
                        author_id: blast.sender_id,
                    };
                    (created, vec![blast.sender_id, *client])
                })
                .collect();
            news.push((progress_event(&blast, state), vec![blast.sender_id]));
            events::record_many(conn, blast.practice_id, &news).await?;
            Ok(state != BlastState::Done)
        })
        .await?;
    Ok(more)
}

/// The blast's counters (as recorded after a chunk), as its sender hears of them.
fn progress_event(blast: &Blast, state: BlastState) -> Event {
    let (blast_id, total, sent, skipped, failed) = (
        blast.id,
        blast.total,
        blast.sent,
        blast.skipped,
        blast.failed,
    );
    if state == BlastState::Done {
        Event::BlastDone {
            blast_id,
            total,
            sent,
            skipped,
            failed,
        }
    } else {
        Event::BlastProgress {
            blast_id,
            total,
            sent,
            skipped,
            failed,
        }
    }
}

/// Once every thread's message carries the blast's files, the blast lets go of them; any that
/// no message carries (every client skipped) are removed.
async fn release_files(conn: &mut AsyncPgConnection, blast: &Blast) -> diesel::QueryResult<()> {
    let ids = blast.attachment_ids(conn).await?;
    if ids.is_empty() {
        return Ok(());
    }
    let held = Attachment::hold(conn, &ids).await?;
    blast.drop_attachment_hold(conn).await?;
    attachments::release(conn, held).await?;
    Ok(())
}
