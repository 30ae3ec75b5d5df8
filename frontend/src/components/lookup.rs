//! Lookups made while someone types (a name in To, a client in the blast picker, the search
//! box) and loads of a list that can change under them (the folders, a blast's recipients):
//! only the newest one's answer is shown, so that a slow answer to an older request never
//! replaces a newer one. Typed lookups also wait for typing to pause.
//!
//! Hand-written: it is a counter and a timer, smaller than a dependency would be.

use gloo_timers::future::TimeoutFuture;
use leptos::prelude::*;

/// How long typing pauses before a lookup is made.
const PAUSE_MS: u32 = 180;

/// The number of one lookup.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Ticket(u64);

/// The lookups of one field. `Copy`, so it goes into every closure.
#[derive(Clone, Copy)]
pub struct LatestOnly {
    latest: StoredValue<u64>,
}

impl LatestOnly {
    pub fn new() -> Self {
        Self {
            latest: StoredValue::new(0),
        }
    }

    /// Starts a lookup: every earlier one is stale from now on. `None` once the field is
    /// gone (the page was left): there is nothing to look up for.
    pub fn next(&self) -> Option<Ticket> {
        let ticket = self.latest.try_get_value()? + 1;
        self.latest.try_set_value(ticket);
        Some(Ticket(ticket))
    }

    /// Makes every lookup on its way stale, starting none (the list it was for is gone).
    pub fn cancel(&self) {
        let _stale = self.next();
    }

    /// True while no newer lookup has started (and the field is still there).
    pub fn is_latest(&self, ticket: Ticket) -> bool {
        self.latest.try_get_value() == Some(ticket.0)
    }

    /// Waits for typing to pause; true when the lookup is still wanted then.
    pub async fn after_pause(&self, ticket: Ticket) -> bool {
        TimeoutFuture::new(PAUSE_MS).await;
        self.is_latest(ticket)
    }
}

impl Default for LatestOnly {
    fn default() -> Self {
        Self::new()
    }
}
