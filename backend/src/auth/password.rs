//! Password hashing with argon2id (m = 19 MiB, t = 2, p = 1: OWASP's minimum).
//!
//! Every hash and verification runs on a small pool of dedicated threads, one per core, and
//! waits at most [`ADMISSION_WAIT`] for a turn: beyond that the caller gets [`HashError::Busy`]
//! (a 503 with `Retry-After`). Request workers never block on it.
//!
//! Each thread owns its 19 MiB of argon2 memory for good and hashes in it
//! (`hash_password_into_with_memory`), so however many requests arrive, hashing holds one
//! thread's memory per core and nothing else. (Letting argon2 allocate per hash was not
//! enough: the allocator kept freed 19 MiB blocks in per-thread arenas, and a burst of 200
//! sign-ins left the process at 400 MB.)
//!
//! Written by hand because what is needed is small (a fixed set of threads fed by a channel,
//! a semaphore with a deadline, PHC strings from the `argon2` crate's own types) and no
//! maintained crate offers a bounded hashing pool with an admission deadline.

use std::sync::mpsc;
use std::sync::{Arc, LazyLock, Mutex};
use std::time::Duration;

use argon2::password_hash::phc::{Output, PasswordHash, Salt};
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use tokio::sync::{OwnedSemaphorePermit, Semaphore, oneshot};

const MEMORY_KIB: u32 = 19_456;
const ITERATIONS: u32 = 2;
const LANES: u32 = 1;

/// How long a request waits for a free hashing thread before it is told to come back.
pub const ADMISSION_WAIT: Duration = Duration::from_secs(3);

fn params() -> Params {
    Params::new(MEMORY_KIB, ITERATIONS, LANES, None).unwrap_or_default()
}

fn hasher() -> Argon2<'static> {
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params())
}

/// Hashes `password` with a fresh salt in `memory` into a PHC string.
fn hash_in(memory: &mut [Block], password: &[u8]) -> Result<String, HashError> {
    let salt: [u8; 16] = rand::random();
    let mut out = [0u8; 32];
    let blocks = memory
        .get_mut(..params().block_count())
        .ok_or(HashError::Failed)?;
    hasher()
        .hash_password_into_with_memory(password, &salt, &mut out, blocks)
        .map_err(|_| HashError::Failed)?;
    let phc = PasswordHash {
        algorithm: Algorithm::Argon2id.ident(),
        version: Some(Version::V0x13.into()),
        params: (&params()).try_into().map_err(|_| HashError::Failed)?,
        salt: Some(Salt::new(&salt).map_err(|_| HashError::Failed)?),
        hash: Some(Output::new(&out).map_err(|_| HashError::Failed)?),
    };
    Ok(phc.to_string())
}

/// Whether `password` matches the PHC string `stored`, computed in `memory`. A hash made with
/// other parameters than fit in it (from an older setting) is verified the ordinary way.
fn verify_in(memory: &mut [Block], password: &[u8], stored: &str) -> bool {
    let Ok(parsed) = PasswordHash::new(stored) else {
        return false;
    };
    let (Some(salt), Some(expected)) = (&parsed.salt, &parsed.hash) else {
        return false;
    };
    let (Ok(params), Ok(algorithm)) = (
        Params::try_from(&parsed),
        Algorithm::try_from(parsed.algorithm.as_str()),
    ) else {
        return false;
    };
    let version = parsed
        .version
        .and_then(|v| Version::try_from(v).ok())
        .unwrap_or_default();
    let Some(blocks) = memory.get_mut(..params.block_count()) else {
        return hasher().verify_password(password, stored).is_ok();
    };
    let mut out = vec![0u8; expected.len()];
    let computed = Argon2::new(algorithm, version, params).hash_password_into_with_memory(
        password,
        salt.as_ref(),
        &mut out,
        blocks,
    );
    // `Output` compares in constant time.
    computed.is_ok() && Output::new(&out).is_ok_and(|output| output == *expected)
}

/// A hash of a password nobody has, verified when the email is unknown so that an unknown
/// email costs as much time as a wrong password (no account enumeration by timing).
static DUMMY_HASH: LazyLock<String> = LazyLock::new(|| {
    hasher()
        .hash_password(b"confidant-dummy-password-for-equal-timing")
        .map(|hash| hash.to_string())
        .unwrap_or_default()
});

/// Hashing could not be done.
#[derive(Debug, thiserror::Error)]
pub enum HashError {
    /// Every hashing thread stayed busy for [`ADMISSION_WAIT`]: try again shortly.
    #[error("all password hashing threads are busy")]
    Busy,
    /// An internal fault (no randomness, a hashing thread gone).
    #[error("password hashing failed")]
    Failed,
}

/// Work for a hashing thread, given that thread's argon2 memory.
type Task = Box<dyn FnOnce(&mut [Block]) + Send>;

/// A fixed set of hashing threads and the admission to them.
struct Pool {
    admission: Arc<Semaphore>,
    tasks: Mutex<mpsc::Sender<Task>>,
    wait: Duration,
}

impl Pool {
    /// Starts `threads` threads; callers wait at most `wait` for one.
    fn start(threads: usize, wait: Duration) -> Self {
        let (sender, receiver) = mpsc::channel::<Task>();
        let receiver = Arc::new(Mutex::new(receiver));
        for index in 0..threads {
            let receiver = Arc::clone(&receiver);
            let spawned = std::thread::Builder::new()
                .name(format!("password-hash-{index}"))
                .spawn(move || {
                    // Allocated once; argon2 writes every block of it on each hash.
                    let mut memory = vec![Block::default(); params().block_count()];
                    loop {
                        // The lock is held only while waiting for the next task.
                        let task = match receiver.lock() {
                            Ok(receiver) => receiver.recv(),
                            Err(_) => return,
                        };
                        match task {
                            Ok(task) => task(&mut memory),
                            Err(_) => return,
                        }
                    }
                });
            if let Err(error) = spawned {
                tracing::error!(%error, "could not start a password hashing thread");
            }
        }
        Self {
            admission: Arc::new(Semaphore::new(threads)),
            tasks: Mutex::new(sender),
            wait,
        }
    }

    /// Runs `work` on a hashing thread once one is free.
    async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce(&mut [Block]) -> T + Send + 'static,
    ) -> Result<T, HashError> {
        let permit: OwnedSemaphorePermit =
            tokio::time::timeout(self.wait, Arc::clone(&self.admission).acquire_owned())
                .await
                .map_err(|_| HashError::Busy)?
                .map_err(|_| HashError::Failed)?;
        let (reply, answer) = oneshot::channel();
        let task: Task = Box::new(move |memory| {
            // The permit goes back when the work is done, even if the request stopped
            // waiting: the thread is busy until then.
            let _permit = permit;
            let _unheard = reply.send(work(memory));
        });
        self.tasks
            .lock()
            .map_err(|_| HashError::Failed)?
            .send(task)
            .map_err(|_| HashError::Failed)?;
        answer.await.map_err(|_| HashError::Failed)
    }
}

/// The process's hashing threads: one per core (at most 8).
static POOL: LazyLock<Pool> = LazyLock::new(|| {
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get().clamp(1, 8));
    Pool::start(threads, ADMISSION_WAIT)
});

async fn run<T: Send + 'static>(
    work: impl FnOnce(&mut [Block]) -> T + Send + 'static,
) -> Result<T, HashError> {
    POOL.run(work).await
}

/// Hashes `password` into a PHC string (`$argon2id$v=19$m=19456,t=2,p=1$…`).
pub async fn hash(password: String) -> Result<String, HashError> {
    run(move |memory| hash_in(memory, password.as_bytes())).await?
}

/// True when `password` matches `hash`. With no hash (unknown account) it verifies against a
/// dummy hash and answers false, taking the same time.
pub async fn verify(password: String, hash: Option<String>) -> Result<bool, HashError> {
    run(move |memory| {
        let known = hash.is_some();
        let hash = hash.unwrap_or_else(|| DUMMY_HASH.clone());
        let matches = verify_in(memory, password.as_bytes(), &hash);
        known && matches
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hashes_are_argon2id_with_owasp_parameters() {
        let hash = hash("correct horse battery".into()).await.expect("a hash");
        assert!(
            hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
            "{hash}"
        );
        assert!(
            verify("correct horse battery".into(), Some(hash.clone()))
                .await
                .expect("verified")
        );
        assert!(
            !verify("wrong horse battery".into(), Some(hash))
                .await
                .expect("verified")
        );
    }

    #[test]
    fn hashes_made_in_our_memory_verify_the_ordinary_way_and_back() {
        let mut memory = vec![Block::default(); params().block_count()];
        let ours = hash_in(&mut memory, b"correct horse battery").expect("a hash");
        assert!(
            hasher()
                .verify_password(b"correct horse battery", ours.as_str())
                .is_ok()
        );
        let theirs = hasher()
            .hash_password(b"correct horse battery")
            .expect("a hash")
            .to_string();
        assert!(verify_in(&mut memory, b"correct horse battery", &theirs));
        assert!(!verify_in(&mut memory, b"wrong horse battery", &theirs));
        assert!(!verify_in(&mut memory, b"anything", "not a phc string"));
        // A hash with bigger parameters than the memory holds still verifies.
        let bigger = Argon2::new(
            Algorithm::Argon2id,
            Version::V0x13,
            Params::new(MEMORY_KIB * 2, 1, 1, None).expect("params"),
        )
        .hash_password(b"correct horse battery")
        .expect("a hash")
        .to_string();
        assert!(verify_in(&mut memory, b"correct horse battery", &bigger));
    }

    #[tokio::test]
    async fn an_unknown_account_never_verifies() {
        assert!(
            !verify("confidant-dummy-password-for-equal-timing".into(), None)
                .await
                .expect("verified")
        );
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_burst_runs_on_the_pools_own_threads_only() {
        let pool = Arc::new(Pool::start(2, Duration::from_secs(30)));
        let started = (0..12).map(|_| {
            let pool = Arc::clone(&pool);
            tokio::spawn(async move {
                pool.run(|_| {
                    std::thread::sleep(Duration::from_millis(5));
                    std::thread::current().name().map(str::to_owned)
                })
                .await
            })
        });
        let names: std::collections::BTreeSet<String> = futures_util::future::join_all(started)
            .await
            .into_iter()
            .map(|joined| joined.expect("joined").expect("ran").expect("named"))
            .collect();
        assert!(names.len() <= 2, "{names:?}");
        assert!(names.iter().all(|name| name.starts_with("password-hash-")));
    }

    #[tokio::test]
    async fn a_caller_that_finds_every_thread_busy_is_turned_away_in_time() {
        let pool = Arc::new(Pool::start(1, Duration::from_millis(100)));
        let (release, hold) = std::sync::mpsc::channel::<()>();
        let busy = {
            let pool = Arc::clone(&pool);
            tokio::spawn(async move { pool.run(move |_| hold.recv().is_ok()).await })
        };
        tokio::time::sleep(Duration::from_millis(50)).await;
        let turned_away = pool.run(|_| ()).await;
        assert!(
            matches!(turned_away, Err(HashError::Busy)),
            "{turned_away:?}"
        );
        release.send(()).expect("the busy task waits");
        assert!(busy.await.expect("joined").expect("ran"));
        assert!(pool.run(|_| ()).await.is_ok(), "free again");
    }
}
