//! The unread badge's count, shared through a context. The sidebar shows it and the tab's
//! title carries it ("(3) Confidant"). It follows the live stream: a read on any device sends
//! the new count, and a new, changed or deleted thread makes it read the count again. Pages
//! that change it themselves (opening a thread, marking read) call [`Unread::refresh`] too.

use confidant_openapi::events::EventKind;
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::api;
use crate::auth::Auth;
use crate::live::Live;

/// The tab's title without a count.
const TITLE: &str = "Confidant";

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
    /// Creates the state, provides it as context, reads the count and follows the live
    /// stream. Provided by the signed-in layout (after [`Live`]).
    pub fn provide() -> Self {
        let unread = Self {
            auth: Auth::get(),
            conversations: RwSignal::new(0),
            error: RwSignal::new(None),
            latest: StoredValue::new(0),
        };
        provide_context(unread);
        unread.refresh();
        // Nothing to count while a second factor must be set up; once it is, count.
        Effect::new(move |was_enrolling: Option<bool>| {
            let enrolling = unread.auth.enrolment_required();
            if was_enrolling == Some(true) && !enrolling {
                unread.refresh();
            }
            enrolling
        });
        Live::get().on_event(move |event| match event.kind {
            EventKind::ReadStateChanged => {
                if let Some(count) = event.data.unread_conversations {
                    unread.conversations.set(count);
                    unread.error.set(None);
                }
            }
            _ if event.changes_threads() => unread.refresh(),
            _ => {}
        });
        Effect::new(move |_| {
            let count = unread.conversations.get();
            let title = if count > 0 {
                format!("({count}) {TITLE}")
            } else {
                TITLE.to_owned()
            };
            if let Some(document) = web_sys::window().and_then(|w| w.document()) {
                document.set_title(&title);
            }
        });
        on_cleanup(|| {
            if let Some(document) = web_sys::window().and_then(|w| w.document()) {
                document.set_title(TITLE);
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
        if unread.auth.enrolment_required_untracked() {
            return;
        }
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
                // The frame sends the person to set up a second factor: no warning here.
                Err(failure) if failure.is_enrolment_required() => {}
                Err(failure) => unread.error.set(Some(failure.message())),
            }
        });
    }
}
