//! The unread badge's count, shared through a context. The sidebar shows it; it is polled
//! every 20 seconds, and pages that change it (opening a thread, sending) call
//! [`Unread::refresh`] so the badge follows at once instead of at the next poll.

use std::time::Duration;

use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::api;
use crate::auth::Auth;

/// How often the count is re-read while someone is signed in.
const POLL: Duration = Duration::from_secs(20);

/// The unread state: `Copy`, so it can go into every closure.
#[derive(Clone, Copy)]
pub struct Unread {
    auth: Auth,
    conversations: RwSignal<i64>,
    error: RwSignal<Option<String>>,
    /// The number of the latest request, so that a slow answer never overwrites a newer one.
    latest: StoredValue<u64>,
}

impl Unread {
    /// Creates the state, provides it as context, reads the count and starts polling.
    /// Provided by the signed-in layout, so polling stops when the person signs out.
    pub fn provide() -> Self {
        let unread = Self {
            auth: Auth::get(),
            conversations: RwSignal::new(0),
            error: RwSignal::new(None),
            latest: StoredValue::new(0),
        };
        provide_context(unread);
        unread.refresh();
        let handle = set_interval_with_handle(move || unread.refresh(), POLL);
        on_cleanup(move || {
            if let Ok(handle) = handle {
                handle.clear();
            }
        });
        unread
    }

    /// The state from context.
    pub fn get() -> Self {
        expect_context::<Self>()
    }

    /// Conversations with unread messages, tracked.
    pub fn conversations(&self) -> i64 {
        self.conversations.get()
    }

    /// Why the count could not be read the last time, tracked.
    pub fn error(&self) -> Option<String> {
        self.error.get()
    }

    /// Reads the count again now.
    pub fn refresh(&self) {
        let unread = *self;
        let Some(ticket) = unread.latest.try_get_value().map(|n| n + 1) else {
            return;
        };
        unread.latest.set_value(ticket);
        spawn_local(async move {
            let result = unread
                .auth
                .call(|token| async move { api::conversations::unread(&token).await })
                .await;
            if unread.latest.try_get_value() != Some(ticket) {
                return;
            }
            match result {
                Ok(counts) => {
                    unread.conversations.set(counts.conversations);
                    unread.error.set(None);
                }
                Err(failure) => unread.error.set(Some(failure.message())),
            }
        });
    }
}
