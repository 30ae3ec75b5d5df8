//! When a failed delivery is tried again: the Standard Webhooks schedule (R-WEBHOOK). The
//! first attempt is immediate; after each failure the next waits 5 s, 5 min, 30 min, 2 h,
//! 5 h, 10 h and 10 h — eight attempts over about 28 hours, all with the same `webhook-id`.

use std::time::Duration;

const MINUTE: u64 = 60;
const HOUR: u64 = 60 * MINUTE;

/// The waits before the 2nd, 3rd, … 8th attempt.
pub const SCHEDULE: [Duration; 7] = [
    Duration::from_secs(5),
    Duration::from_secs(5 * MINUTE),
    Duration::from_secs(30 * MINUTE),
    Duration::from_secs(2 * HOUR),
    Duration::from_secs(5 * HOUR),
    Duration::from_secs(10 * HOUR),
    Duration::from_secs(10 * HOUR),
];

/// How long to wait after `attempts_made` failed attempts (counting from 1), or `None` when
/// that was the last.
pub fn next_delay(attempts_made: i32) -> Option<Duration> {
    let index = usize::try_from(attempts_made.checked_sub(1)?).ok()?;
    SCHEDULE.get(index).copied()
}

#[cfg(test)]
mod tests {
    use super::*;

    // R-WEBHOOK
    #[test]
    fn failures_are_retried_on_the_standard_webhooks_schedule_then_given_up() {
        let waits: Vec<u64> = (1..=7)
            .map(|made| next_delay(made).expect("a retry").as_secs())
            .collect();
        assert_eq!(waits, [5, 300, 1800, 7200, 18_000, 36_000, 36_000]);
        assert_eq!(next_delay(8), None, "eight attempts in all");
        assert_eq!(next_delay(0), None);
        assert_eq!(next_delay(-1), None);
    }
}

/// Whether an endpoint that has failed every attempt since `failing_since` has failed long
/// enough (`limit`, five days by default) to be turned off.
pub fn should_disable(
    failing_since: chrono::DateTime<chrono::Utc>,
    now: chrono::DateTime<chrono::Utc>,
    limit: Duration,
) -> bool {
    chrono::Duration::from_std(limit).is_ok_and(|limit| now - failing_since >= limit)
}

#[cfg(test)]
mod disable_tests {
    use super::*;

    #[test]
    fn an_endpoint_is_turned_off_once_it_failed_for_the_whole_limit() {
        let now = chrono::Utc::now();
        let five_days = Duration::from_secs(5 * 24 * 3600);
        assert!(!should_disable(
            now - chrono::Duration::days(4),
            now,
            five_days
        ));
        assert!(should_disable(
            now - chrono::Duration::days(5),
            now,
            five_days
        ));
        assert!(should_disable(now, now, Duration::ZERO));
    }
}
