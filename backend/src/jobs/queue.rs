//! The SQL of the queue: insert, claim, extend a lease, and record how an attempt ended.
//!
//! Times are the database's `now()`, never the worker's clock, so that workers on machines with
//! skewed clocks agree on what is due and whose lease ran out. Every update after the claim is
//! fenced by `(id, locked_by, attempts)`: a worker that lost its lease (it stalled, the job was
//! claimed again) can no longer change the job's row.

use std::time::Duration;

use diesel::sql_types::{Double, Integer, Nullable, Text, Uuid as SqlUuid};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::Lane;
use crate::db::prepared::Prepared;

/// The condition of every update after the claim: this worker still holds this attempt. (A
/// macro, so that each statement is one constant text, prepared once per connection.)
macro_rules! held {
    () => {
        "id = $1 AND locked_by = $2 AND attempts = $3 AND state = 'running'"
    };
}

/// The claim of the first row `$next` selects (see [`claim`]).
macro_rules! claim_sql {
    ($next:expr) => {
        concat!(
            "WITH next AS MATERIALIZED (",
            $next,
            ") UPDATE jobs SET state = 'running', attempts = jobs.attempts + 1, \
                 locked_until = now() + make_interval(secs => $1), locked_by = $2 \
             FROM next WHERE jobs.id = next.id \
             RETURNING jobs.id, jobs.kind, jobs.payload::text AS payload, jobs.attempts, \
                 jobs.max_attempts"
        )
    };
}

/// A job this worker now holds. (No `Debug`: it carries the payload.)
#[derive(diesel::QueryableByName)]
pub(super) struct ClaimedJob {
    #[diesel(sql_type = SqlUuid)]
    pub id: Uuid,
    #[diesel(sql_type = Text)]
    pub kind: String,
    /// The JSON payload, as text (it is only ever handed to `serde_json`).
    #[diesel(sql_type = Text)]
    pub payload: String,
    /// This attempt's number, counting from 1.
    #[diesel(sql_type = Integer)]
    pub attempts: i32,
    #[diesel(sql_type = Integer)]
    pub max_attempts: i32,
}

/// Inserts a job; `false` when its idempotency key is already taken.
pub(super) async fn insert(
    conn: &mut AsyncPgConnection,
    kind: &str,
    lane: Lane,
    payload: &str,
    max_attempts: i32,
    idempotency_key: Option<&str>,
    delay_seconds: i64,
) -> diesel::QueryResult<bool> {
    let inserted = Prepared::sql(
        "INSERT INTO jobs (id, kind, payload, max_attempts, idempotency_key, run_at, lane) \
         VALUES ($1, $2, $3::jsonb, $4, $5, now() + make_interval(secs => $6), $7) \
         ON CONFLICT (idempotency_key) DO NOTHING",
    )
    .bind::<SqlUuid, _>(Uuid::now_v7())
    .bind::<Text, _>(kind)
    .bind::<Text, _>(payload)
    .bind::<Integer, _>(max_attempts.max(1))
    .bind::<Nullable<Text>, _>(idempotency_key)
    .bind::<diesel::sql_types::Double, _>(delay_seconds.max(0) as f64)
    .bind::<Text, _>(lane.as_str())
    .execute(conn)
    .await?;
    Ok(inserted == 1)
}

/// What the jobs of one [`insert_many`] share.
pub(super) struct Batch<'a> {
    pub kind: &'a str,
    pub lane: Lane,
    pub max_attempts: i32,
    pub priority: i16,
    pub delay_seconds: i64,
}

/// Inserts many jobs of one kind in one statement; answers how many were new (the others'
/// idempotency keys were taken).
pub(super) async fn insert_many(
    conn: &mut AsyncPgConnection,
    batch: Batch<'_>,
    payloads: &[String],
    idempotency_keys: &[Option<String>],
) -> diesel::QueryResult<usize> {
    let Batch {
        kind,
        lane,
        max_attempts,
        priority,
        delay_seconds,
    } = batch;
    use diesel::sql_types::{Array, SmallInt};
    let ids: Vec<Uuid> = payloads.iter().map(|_| Uuid::now_v7()).collect();
    Prepared::sql(
        "INSERT INTO jobs (id, kind, payload, max_attempts, idempotency_key, run_at, priority, \
             lane) \
         SELECT id, $2, payload::jsonb, $4, key, now() + make_interval(secs => $5), $6, $8 \
         FROM unnest($1::uuid[], $3::text[], $7::text[]) AS j(id, payload, key) \
         ON CONFLICT (idempotency_key) DO NOTHING",
    )
    .bind::<Array<SqlUuid>, _>(&ids)
    .bind::<Text, _>(kind)
    .bind::<Array<Text>, _>(payloads)
    .bind::<Integer, _>(max_attempts.max(1))
    .bind::<Double, _>(delay_seconds.max(0) as f64)
    .bind::<SmallInt, _>(priority)
    .bind::<Array<Nullable<Text>>, _>(idempotency_keys)
    .bind::<Text, _>(lane.as_str())
    .execute(conn)
    .await
}

/// Claims the next due job for `worker` in `lane` (every lane with `None`), holding it for
/// `lease`.
///
/// Due means running with an expired lease (its worker died: taken first, so that a crashed
/// worker's job is not starved by a long queue), or else available with `run_at` in the past,
/// the highest priority first, then the oldest. `SKIP LOCKED` lets concurrent claimers pass
/// over each other's rows instead of waiting; the re-check of the `WHERE` clause after
/// locking makes a row that another claimer just took fail the condition. `MATERIALIZED`
/// keeps PostgreSQL from inlining the CTE, which could evaluate the `LIMIT` more than once.
///
/// Two statements rather than one with `OR`: each reads its partial index in claim order and
/// stops at the first row, where the `OR` made PostgreSQL sort every due job on each claim.
pub(super) async fn claim(
    conn: &mut AsyncPgConnection,
    worker: &str,
    lease: Duration,
    lane: Option<Lane>,
) -> diesel::QueryResult<Option<ClaimedJob>> {
    // Four constant texts (expired or available, one lane or all), each prepared once.
    let (expired, available) = if lane.is_some() {
        (
            claim_sql!(
                "SELECT id FROM jobs WHERE state = 'running' AND locked_until < now() \
                 AND lane = $3 ORDER BY locked_until LIMIT 1 FOR UPDATE SKIP LOCKED"
            ),
            claim_sql!(
                "SELECT id FROM jobs WHERE state = 'available' AND run_at <= now() \
                 AND lane = $3 ORDER BY priority DESC, run_at, id LIMIT 1 \
                 FOR UPDATE SKIP LOCKED"
            ),
        )
    } else {
        (
            claim_sql!(
                "SELECT id FROM jobs WHERE state = 'running' AND locked_until < now() \
                 AND $3::text IS NULL ORDER BY locked_until LIMIT 1 FOR UPDATE SKIP LOCKED"
            ),
            claim_sql!(
                "SELECT id FROM jobs WHERE state = 'available' AND run_at <= now() \
                 AND $3::text IS NULL ORDER BY priority DESC, run_at, id LIMIT 1 \
                 FOR UPDATE SKIP LOCKED"
            ),
        )
    };
    for next in [expired, available] {
        let mut claimed: Vec<ClaimedJob> = Prepared::sql(next)
            .bind::<Double, _>(lease.as_secs_f64())
            .bind::<Text, _>(worker)
            .bind::<Nullable<Text>, _>(lane.map(Lane::as_str))
            .load(conn)
            .await?;
        if let Some(job) = claimed.pop() {
            return Ok(Some(job));
        }
    }
    Ok(None)
}

/// Extends the lease of a job this worker holds; `false` when it no longer holds it.
pub(super) async fn extend_lease(
    conn: &mut AsyncPgConnection,
    job: &ClaimedJob,
    worker: &str,
    lease: Duration,
) -> diesel::QueryResult<bool> {
    let updated = Prepared::sql(concat!(
        "UPDATE jobs SET locked_until = now() + make_interval(secs => $4) WHERE ",
        held!()
    ))
    .bind::<SqlUuid, _>(job.id)
    .bind::<Text, _>(worker)
    .bind::<Integer, _>(job.attempts)
    .bind::<Double, _>(lease.as_secs_f64())
    .execute(conn)
    .await?;
    Ok(updated == 1)
}

/// Marks the job completed; `false` when this worker no longer held it (its lease ran out
/// and another worker claimed it), in which case nothing changed. The same holds for the
/// other outcomes below.
pub(super) async fn complete(
    conn: &mut AsyncPgConnection,
    job: &ClaimedJob,
    worker: &str,
) -> diesel::QueryResult<bool> {
    let updated = Prepared::sql(concat!(
        "UPDATE jobs SET state = 'completed', finished_at = now(), \
             locked_until = NULL, locked_by = NULL \
         WHERE ",
        held!()
    ))
    .bind::<SqlUuid, _>(job.id)
    .bind::<Text, _>(worker)
    .bind::<Integer, _>(job.attempts)
    .execute(conn)
    .await?;
    Ok(updated == 1)
}

/// Makes the job available again after `delay`, recording why this attempt failed.
pub(super) async fn retry_later(
    conn: &mut AsyncPgConnection,
    job: &ClaimedJob,
    worker: &str,
    delay: Duration,
    error: &str,
) -> diesel::QueryResult<bool> {
    let updated = Prepared::sql(concat!(
        "UPDATE jobs SET state = 'available', run_at = now() + make_interval(secs => $4), \
             last_error = $5, locked_until = NULL, locked_by = NULL \
         WHERE ",
        held!()
    ))
    .bind::<SqlUuid, _>(job.id)
    .bind::<Text, _>(worker)
    .bind::<Integer, _>(job.attempts)
    .bind::<Double, _>(delay.as_secs_f64())
    .bind::<Text, _>(error)
    .execute(conn)
    .await?;
    Ok(updated == 1)
}

/// Marks the job dead: no further attempts.
pub(super) async fn bury(
    conn: &mut AsyncPgConnection,
    job: &ClaimedJob,
    worker: &str,
    error: &str,
) -> diesel::QueryResult<bool> {
    let updated = Prepared::sql(concat!(
        "UPDATE jobs SET state = 'dead', finished_at = now(), last_error = $4, \
             locked_until = NULL, locked_by = NULL \
         WHERE ",
        held!()
    ))
    .bind::<SqlUuid, _>(job.id)
    .bind::<Text, _>(worker)
    .bind::<Integer, _>(job.attempts)
    .bind::<Text, _>(error)
    .execute(conn)
    .await?;
    Ok(updated == 1)
}

/// Gives a job back unfinished (at shutdown): due again at once, for another worker or the
/// next start. The attempt still counts, so a job that always hangs ends dead.
pub(super) async fn release(
    conn: &mut AsyncPgConnection,
    job: &ClaimedJob,
    worker: &str,
) -> diesel::QueryResult<bool> {
    let updated = Prepared::sql(concat!(
        "UPDATE jobs SET state = 'available', run_at = now(), \
             last_error = 'abandoned unfinished at shutdown', \
             locked_until = NULL, locked_by = NULL \
         WHERE ",
        held!()
    ))
    .bind::<SqlUuid, _>(job.id)
    .bind::<Text, _>(worker)
    .bind::<Integer, _>(job.attempts)
    .execute(conn)
    .await?;
    Ok(updated == 1)
}

/// One group of the queue's census.
#[derive(diesel::QueryableByName)]
pub(super) struct CensusRow {
    #[diesel(sql_type = Text)]
    pub kind: String,
    #[diesel(sql_type = Text)]
    pub lane: String,
    /// `due`, `scheduled` or `running`.
    #[diesel(sql_type = Text)]
    pub state: String,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    pub jobs: i64,
    /// Seconds since the oldest job of the group became due.
    #[diesel(sql_type = Double)]
    pub oldest_seconds: f64,
}

/// How many unfinished jobs there are, by kind, lane and state (due, scheduled for later,
/// running), with the age of each group's oldest. Reads the two partial indexes' rows only.
pub(super) async fn census(conn: &mut AsyncPgConnection) -> diesel::QueryResult<Vec<CensusRow>> {
    Prepared::sql(
        "SELECT kind, lane, \
             CASE WHEN state = 'running' THEN 'running' \
                  WHEN run_at <= now() THEN 'due' ELSE 'scheduled' END AS state, \
             count(*) AS jobs, \
             GREATEST(EXTRACT(EPOCH FROM now() - min(run_at)), 0)::float8 AS oldest_seconds \
         FROM jobs WHERE state IN ('available', 'running') \
         GROUP BY 1, 2, 3",
    )
    .load(conn)
    .await
}
