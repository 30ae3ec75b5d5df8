//! The limit an API call is measured against: the very statements it ran, recorded on the wire
//! (`WireCount::recording`, texts and bound values as the server sent them), replayed straight
//! on PostgreSQL by as many connections, each preparing them once and running them as the
//! server did: one after the other, except that statements the server pipelined (sent before
//! the answer to the one before came back) are pipelined here too. What is left between the
//! two is HTTP, JSON, auth, Rust and waiting on the pool.
//!
//! Rows a call creates get new ids on every replay: a UUID (v7) made during the recorded call
//! is replaced, wherever it occurs in the values (binary, or as text inside JSON and keys), by
//! a fresh one, so that inserts insert and idempotency keys do not collide.

use std::error::Error;

use bytes::BytesMut;
use confidant_tests::wire_count::Recorded;
use tokio_postgres::types::{Format, IsNull, ToSql, Type, to_sql_checked};
use tokio_postgres::{Client, NoTls, Statement};
use uuid::Uuid;

/// The type OIDs of `uuid` and `uuid[]`.
const UUID_OID: u32 = 2950;
const UUID_ARRAY_OID: u32 = 2951;

/// One API call's statements, ready to replay.
pub struct Replay {
    steps: Vec<Recorded>,
    /// Ids the recorded call made, to be new on each replay.
    made: Vec<Uuid>,
}

impl Replay {
    /// `steps` as recorded during a call that started at `since_ms` (Unix milliseconds).
    pub fn new(steps: Vec<Recorded>, since_ms: u64) -> Self {
        let mut made = Vec::new();
        for step in &steps {
            if let Recorded::Prepared { types, values, .. } = step {
                for (oid, value) in types.iter().zip(values) {
                    for id in uuids_in(*oid, value.as_deref()) {
                        let recent = id.get_version_num() == 7
                            && id.get_timestamp().is_some_and(|at| {
                                let (seconds, nanos) = at.to_unix();
                                seconds * 1000 + u64::from(nanos / 1_000_000) >= since_ms
                            });
                        if recent && !made.contains(&id) {
                            made.push(id);
                        }
                    }
                }
            }
        }
        assert!(
            steps
                .iter()
                .any(|step| matches!(step, Recorded::Prepared { .. })),
            "nothing was recorded: {steps:?}"
        );
        Self { steps, made }
    }

    /// How many statements one call ran.
    pub fn statements(&self) -> usize {
        self.steps.len()
    }

    /// How many times one call waited for the database (statements not pipelined).
    pub fn round_trips(&self) -> usize {
        self.steps
            .iter()
            .filter(|step| {
                !matches!(
                    step,
                    Recorded::Prepared {
                        pipelined: true,
                        ..
                    }
                )
            })
            .count()
    }

    /// A connection to `url` with every statement prepared, and the session settings the
    /// server's connections have (`confidant::db::client_config`).
    pub async fn connect(&self, url: &str) -> Session {
        let (client, connection) =
            confidant::db::client_config(url, std::time::Duration::from_secs(30))
                .expect("a PostgreSQL URL")
                .connect(NoTls)
                .await
                .expect("connect for the replay");
        tokio::spawn(connection);
        let mut trips: Vec<Vec<Step>> = Vec::new();
        for step in &self.steps {
            let pipelined = matches!(
                step,
                Recorded::Prepared {
                    pipelined: true,
                    ..
                }
            );
            let step = match step {
                Recorded::Simple(text) => Step::Simple(text.clone()),
                Recorded::Prepared {
                    text,
                    types,
                    values,
                    binary,
                    ..
                } => {
                    let known: Option<Vec<Type>> =
                        types.iter().map(|oid| Type::from_oid(*oid)).collect();
                    let statement = match known {
                        Some(types) => client.prepare_typed(text, &types).await,
                        None => client.prepare(text).await,
                    }
                    .unwrap_or_else(|error| panic!("prepare {text}: {error}"));
                    let values = values
                        .iter()
                        .zip(binary)
                        .map(|(bytes, binary)| Raw {
                            bytes: bytes.clone(),
                            binary: *binary,
                        })
                        .collect();
                    Step::Prepared(statement, values)
                }
            };
            match trips.last_mut() {
                Some(trip) if pipelined => trip.push(step),
                _ => trips.push(vec![step]),
            }
        }
        Session {
            client,
            trips,
            made: self.made.clone(),
        }
    }
}

/// One connection's replay.
pub struct Session {
    client: Client,
    /// The statements, by round trip: those of one trip are sent together.
    trips: Vec<Vec<Step>>,
    made: Vec<Uuid>,
}

enum Step {
    Simple(String),
    Prepared(Statement, Vec<Raw>),
}

impl Session {
    /// Runs the call's statements once, with new ids for what it makes.
    pub async fn run(&self) {
        let renamed: Vec<(Uuid, Uuid)> =
            self.made.iter().map(|old| (*old, Uuid::now_v7())).collect();
        for trip in &self.trips {
            // Polled together, tokio-postgres sends them before it waits for any answer.
            futures_util::future::join_all(trip.iter().map(|step| self.step(step, &renamed))).await;
        }
    }

    async fn step(&self, step: &Step, renamed: &[(Uuid, Uuid)]) {
        match step {
            Step::Simple(text) => self
                .client
                .batch_execute(text)
                .await
                .unwrap_or_else(|error| panic!("replay {text}: {error}")),
            Step::Prepared(statement, values) => {
                let values: Vec<Raw> = values.iter().map(|value| value.renamed(renamed)).collect();
                self.client
                    .execute_raw(statement, values.iter().map(|value| value as &dyn ToSql))
                    .await
                    .unwrap_or_else(|error| panic!("replay a statement: {error:?}"));
            }
        }
    }
}

/// A recorded value, sent as it was.
#[derive(Debug, Clone)]
struct Raw {
    bytes: Option<Vec<u8>>,
    binary: bool,
}

impl Raw {
    /// The value with each old id replaced by its new one, in binary and in text form.
    fn renamed(&self, renamed: &[(Uuid, Uuid)]) -> Self {
        let mut value = self.clone();
        if let Some(bytes) = &mut value.bytes {
            for (old, new) in renamed {
                replace_all(bytes, old.as_bytes(), new.as_bytes());
                replace_all(
                    bytes,
                    old.hyphenated().to_string().as_bytes(),
                    new.hyphenated().to_string().as_bytes(),
                );
            }
        }
        value
    }
}

impl ToSql for Raw {
    fn to_sql(
        &self,
        _type: &Type,
        out: &mut BytesMut,
    ) -> Result<IsNull, Box<dyn Error + Sync + Send>> {
        match &self.bytes {
            Some(bytes) => {
                out.extend_from_slice(bytes);
                Ok(IsNull::No)
            }
            None => Ok(IsNull::Yes),
        }
    }

    fn accepts(_type: &Type) -> bool {
        true
    }

    fn encode_format(&self, _type: &Type) -> Format {
        if self.binary {
            Format::Binary
        } else {
            Format::Text
        }
    }

    to_sql_checked!();
}

/// Replaces every occurrence of `from` in `bytes` by `to` (of the same length).
fn replace_all(bytes: &mut [u8], from: &[u8], to: &[u8]) {
    let mut at = 0;
    while at + from.len() <= bytes.len() {
        if &bytes[at..at + from.len()] == from {
            bytes[at..at + from.len()].copy_from_slice(to);
            at += from.len();
        } else {
            at += 1;
        }
    }
}

/// The UUIDs in a binary `uuid` or `uuid[]` value.
fn uuids_in(oid: u32, value: Option<&[u8]>) -> Vec<Uuid> {
    let Some(value) = value else {
        return Vec::new();
    };
    match oid {
        UUID_OID => Uuid::from_slice(value).into_iter().collect(),
        // ndim, has-null flag, element type, then (length, lower bound) per dimension, then
        // each element as its length and bytes.
        UUID_ARRAY_OID if value.len() >= 12 => {
            let int = |at: usize| {
                i32::from_be_bytes([value[at], value[at + 1], value[at + 2], value[at + 3]])
            };
            let dimensions = usize::try_from(int(0)).unwrap_or(0);
            let mut at = 12 + dimensions * 8;
            let mut ids = Vec::new();
            while at + 4 <= value.len() {
                let length = int(at);
                at += 4;
                if let Ok(length) = usize::try_from(length) {
                    if let Ok(id) = Uuid::from_slice(&value[at..at + length]) {
                        ids.push(id);
                    }
                    at += length;
                }
            }
            ids
        }
        _ => Vec::new(),
    }
}
