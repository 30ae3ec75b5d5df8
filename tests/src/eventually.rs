//! Waiting for something that happens in the background (a job, a debounced save, a server
//! that comes back), by asking again until it holds or a deadline passes. One helper, so that
//! every such wait in the suite has a deadline, a steady pace and a failure that says what was
//! last seen.

use std::fmt::Debug;
use std::time::{Duration, Instant};

/// How long to wait between two looks.
const PACE: Duration = Duration::from_millis(100);

/// Asks `look` until it answers `Ok`, and returns that. `Err` carries what was seen instead;
/// after `within`, the test fails with `what` and the last thing seen.
pub async fn eventually<T, Seen: Debug>(
    what: &str,
    within: Duration,
    mut look: impl AsyncFnMut() -> Result<T, Seen>,
) -> T {
    let deadline = Instant::now() + within;
    loop {
        let seen = match look().await {
            Ok(value) => return value,
            Err(seen) => seen,
        };
        assert!(
            Instant::now() < deadline,
            "{what}: not within {within:?}; last seen {seen:?}"
        );
        tokio::time::sleep(PACE).await;
    }
}

/// [`eventually`] for a condition with nothing to show when it does not hold.
pub async fn until(what: &str, within: Duration, mut holds: impl AsyncFnMut() -> bool) {
    eventually(what, within, async || {
        if holds().await {
            Ok(())
        } else {
            Err("not yet")
        }
    })
    .await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn returns_what_it_waited_for_once_it_comes() {
        let mut looks = 0;
        let found = eventually("the third look", Duration::from_secs(5), async || {
            looks += 1;
            if looks == 3 { Ok(looks) } else { Err(looks) }
        })
        .await;
        assert_eq!(found, 3);
    }

    #[tokio::test]
    #[should_panic(expected = "never: not within 200ms; last seen \"not yet\"")]
    async fn fails_after_the_deadline_naming_what_it_last_saw() {
        until("never", Duration::from_millis(200), async || false).await;
    }
}
