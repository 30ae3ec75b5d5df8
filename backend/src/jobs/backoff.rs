//! How long a failed job waits before its next attempt.
//!
//! Capped exponential backoff with jitter: `min(BASE × 2^(attempt−1), CAP) ± 20%`, i.e. about
//! 15 s, 30 s, 1 min, 2 min … then an hour between attempts. Jitter spreads out the jobs that
//! failed together (an SMTP outage fails every email at once), so that they do not all hit the
//! recovering server in the same second.

use std::time::Duration;

/// The wait after the first failed attempt.
pub const BACKOFF_BASE: Duration = Duration::from_secs(15);
/// The longest wait between two attempts.
pub const BACKOFF_CAP: Duration = Duration::from_secs(60 * 60);
/// Each wait is scaled by a random factor in `1 ± JITTER`.
const JITTER: f64 = 0.2;

/// The wait after failed attempt number `attempt` (1 for the first), jitter included.
pub fn backoff_delay(attempt: i32) -> Duration {
    with_jitter(undisturbed(attempt), rand::random::<f64>())
}

/// The wait before jitter.
fn undisturbed(attempt: i32) -> Duration {
    capped_doubling(BACKOFF_BASE, BACKOFF_CAP, attempt)
}

/// `min(base × 2^(attempt−1), cap)` with the same ± 20% jitter as jobs: the schedule of any
/// reconnecting loop (the event listener's is 100 ms doubling to 5 s).
pub fn jittered_backoff(base: Duration, cap: Duration, attempt: i32) -> Duration {
    with_jitter(capped_doubling(base, cap, attempt), rand::random::<f64>())
}

fn capped_doubling(base: Duration, cap: Duration, attempt: i32) -> Duration {
    // 2^16 × any base used here is already far past its cap.
    let exponent = attempt.saturating_sub(1).clamp(0, 16).unsigned_abs();
    base.saturating_mul(2_u32.pow(exponent)).min(cap)
}

/// Scales `delay` by `1 − JITTER + 2·JITTER·unit`, `unit` being uniform in `[0, 1)`.
fn with_jitter(delay: Duration, unit: f64) -> Duration {
    delay.mul_f64(1.0 - JITTER + 2.0 * JITTER * unit.clamp(0.0, 1.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_double_from_the_base_up_to_the_cap() {
        assert_eq!(undisturbed(1), Duration::from_secs(15));
        assert_eq!(undisturbed(2), Duration::from_secs(30));
        assert_eq!(undisturbed(3), Duration::from_secs(60));
        assert_eq!(undisturbed(9), Duration::from_secs(3600));
        assert_eq!(undisturbed(100), BACKOFF_CAP);
        // Nonsense attempts (0, negative) wait the base, never less.
        assert_eq!(undisturbed(0), BACKOFF_BASE);
        assert_eq!(undisturbed(-5), BACKOFF_BASE);
    }

    #[test]
    fn jitter_stays_within_twenty_percent() {
        let base = Duration::from_secs(100);
        assert_eq!(with_jitter(base, 0.0), Duration::from_secs(80));
        assert_eq!(with_jitter(base, 0.5), Duration::from_secs(100));
        assert!(with_jitter(base, 0.999_999) <= Duration::from_secs(120));
        for attempt in 1..20 {
            let delay = backoff_delay(attempt);
            let plain = undisturbed(attempt);
            assert!(delay >= plain.mul_f64(0.8) && delay <= plain.mul_f64(1.2));
        }
    }
}
