//! Live updates, shared through a context: one `EventSource` on `GET /api/v1/events` while
//! someone is signed in, and the events it brings for pages to react to (an open thread
//! reloads when a message arrives, the inbox when threads change, the badge and the tab title
//! when read state changes, a blast's progress as it moves). Nothing is polled.
//!
//! `EventSource` cannot send an `Authorization` header, so each connection asks for a
//! single-use ticket first. When the connection drops, the browser's own retry would reuse a
//! spent ticket, so the app closes it and reconnects itself with backoff (1 s doubling to
//! 30 s), a fresh ticket and the last event id it saw: the server replays what was missed, or
//! says `resync` and every page reloads what it shows. The state is shown quietly in the
//! sidebar.

use std::time::Duration;

use confidant_openapi::events::{EventData, EventKind};
use leptos::prelude::*;
use leptos::task::spawn_local;
use uuid::Uuid;
use wasm_bindgen::JsCast;
use wasm_bindgen::closure::Closure;
use web_sys::{EventSource, MessageEvent};

use crate::api;
use crate::auth::Auth;

/// The first wait before reconnecting; it doubles up to [`RECONNECT_CAP`].
const RECONNECT_BASE: Duration = Duration::from_secs(1);
const RECONNECT_CAP: Duration = Duration::from_secs(30);
/// Events kept for pages that subscribe late in the same tick.
const KEPT: usize = 200;

/// The kinds the stream sends, by their names on the wire.
const KINDS: &[(&str, EventKind)] = &[
    ("ready", EventKind::Ready),
    ("resync", EventKind::Resync),
    ("conversation_created", EventKind::ConversationCreated),
    ("message_created", EventKind::MessageCreated),
    ("message_deleted", EventKind::MessageDeleted),
    ("conversation_deleted", EventKind::ConversationDeleted),
    ("read_state_changed", EventKind::ReadStateChanged),
    ("blast_progress", EventKind::BlastProgress),
    ("blast_done", EventKind::BlastDone),
    ("person_created", EventKind::PersonCreated),
    ("person_changed", EventKind::PersonChanged),
    ("session_ended", EventKind::SessionEnded),
];

/// One event as pages see it.
#[derive(Clone, Debug, PartialEq)]
pub struct LiveEvent {
    /// Its place in this page's sequence (not the server's id).
    seq: u64,
    /// What happened.
    pub kind: EventKind,
    /// The ids and counts.
    pub data: EventData,
}

impl LiveEvent {
    /// True when it changes what a thread list shows (or everything must be reloaded).
    pub fn changes_threads(&self) -> bool {
        matches!(
            self.kind,
            EventKind::ConversationCreated
                | EventKind::MessageCreated
                | EventKind::MessageDeleted
                | EventKind::ConversationDeleted
                | EventKind::ReadStateChanged
                | EventKind::Resync
        )
    }

    /// True when it concerns the thread `id` (or everything must be reloaded).
    pub fn concerns_thread(&self, id: Uuid) -> bool {
        self.kind == EventKind::Resync || self.data.conversation_id == Some(id)
    }
}

/// The connection's state, for the quiet line in the sidebar.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LiveState {
    /// Opening the first connection.
    Connecting,
    /// Following live.
    Live,
    /// Lost; trying again.
    Reconnecting,
}

/// The open `EventSource` and the callbacks it holds (they must live as long as it does).
struct Connection {
    source: EventSource,
    _listeners: Vec<Closure<dyn FnMut(MessageEvent)>>,
    _on_error: Closure<dyn FnMut(web_sys::Event)>,
}

impl Drop for Connection {
    fn drop(&mut self) {
        self.source.close();
    }
}

/// The live state: `Copy`, so it can go into every closure.
#[derive(Clone, Copy)]
pub struct Live {
    auth: Auth,
    state: RwSignal<LiveState>,
    events: RwSignal<Vec<LiveEvent>>,
    next_seq: StoredValue<u64>,
    last_event_id: StoredValue<Option<i64>>,
    failures: StoredValue<u32>,
    connection: StoredValue<Option<Connection>, LocalStorage>,
    /// False once the signed-in layout is gone: no reconnecting after sign-out.
    active: StoredValue<bool>,
}

impl Live {
    /// Creates the state, provides it as context and connects. Provided by the signed-in
    /// layout, so the stream closes when the person signs out.
    pub fn provide() -> Self {
        let live = Self {
            auth: Auth::get(),
            state: RwSignal::new(LiveState::Connecting),
            events: RwSignal::new(Vec::new()),
            next_seq: StoredValue::new(0),
            last_event_id: StoredValue::new(None),
            failures: StoredValue::new(0),
            connection: StoredValue::new_local(None),
            active: StoredValue::new(true),
        };
        provide_context(live);
        live.connect();
        // Someone who must first set up a second factor gets no stream (the server would
        // refuse it): it opens once they have.
        Effect::new(move |was_enrolling: Option<bool>| {
            let enrolling = live.auth.enrolment_required();
            if was_enrolling == Some(true) && !enrolling {
                live.failures.set_value(0);
                live.connect();
            }
            enrolling
        });
        on_cleanup(move || {
            live.active.set_value(false);
            live.connection.set_value(None);
        });
        live
    }

    /// The state from context.
    pub fn get() -> Self {
        expect_context::<Self>()
    }

    /// The connection's state, tracked.
    pub fn state(&self) -> LiveState {
        self.state.get()
    }

    /// Calls `handler` for every event that arrives from now on, for as long as the calling
    /// component lives.
    pub fn on_event(&self, handler: impl Fn(&LiveEvent) + 'static) {
        let events = self.events;
        let seen = StoredValue::new(self.next_seq.get_value());
        Effect::new(move |_| {
            events.with(|events| {
                let from = seen.get_value();
                for event in events.iter().filter(|event| event.seq >= from) {
                    handler(event);
                }
                if let Some(last) = events.last() {
                    seen.set_value(last.seq + 1);
                }
            });
        });
    }

    fn connect(&self) {
        let live = *self;
        if live.auth.enrolment_required_untracked() {
            live.state.set(LiveState::Connecting);
            return;
        }
        spawn_local(async move {
            let ticket = live
                .auth
                .call(|token| async move { api::events::ticket(&token).await })
                .await;
            if !live.active.get_value() {
                return;
            }
            match ticket {
                Ok(ticket) => live.open(&ticket.ticket),
                Err(failure) if failure.is_unauthorized() => {
                    // Signed out: the auth state shows the sign-in page.
                }
                Err(failure) if failure.is_enrolment_required() => {
                    // A second factor must be set up first; the stream opens once it is.
                    live.state.set(LiveState::Connecting);
                }
                Err(_) => live.retry_later(),
            }
        });
    }

    fn open(&self, ticket: &str) {
        let live = *self;
        let url = api::events::stream_url(ticket, self.last_event_id.get_value());
        let Ok(source) = EventSource::new(&url) else {
            live.retry_later();
            return;
        };
        let mut listeners = Vec::new();
        for (name, kind) in KINDS {
            let kind = *kind;
            let listener = Closure::<dyn FnMut(MessageEvent)>::new(move |message: MessageEvent| {
                live.receive(kind, &message);
            });
            if source
                .add_event_listener_with_callback(name, listener.as_ref().unchecked_ref())
                .is_ok()
            {
                listeners.push(listener);
            }
        }
        let on_error = Closure::<dyn FnMut(web_sys::Event)>::new(move |_| {
            // The browser would retry with the spent ticket: close it and start afresh.
            live.connection.set_value(None);
            live.retry_later();
        });
        source.set_onerror(Some(on_error.as_ref().unchecked_ref()));
        self.connection.set_value(Some(Connection {
            source,
            _listeners: listeners,
            _on_error: on_error,
        }));
    }

    fn receive(&self, kind: EventKind, message: &MessageEvent) {
        if let Ok(id) = message.last_event_id().parse::<i64>() {
            self.last_event_id.set_value(Some(id));
        }
        if matches!(kind, EventKind::Ready | EventKind::Resync) {
            self.failures.set_value(0);
            self.state.set(LiveState::Live);
        }
        let data = message
            .data()
            .as_string()
            .and_then(|text| serde_json::from_str::<EventData>(&text).ok())
            .unwrap_or_default();
        let seq = self.next_seq.get_value();
        self.next_seq.set_value(seq + 1);
        self.events.update(|events| {
            events.push(LiveEvent { seq, kind, data });
            if events.len() > KEPT {
                events.drain(..events.len() - KEPT);
            }
        });
    }

    fn retry_later(&self) {
        let live = *self;
        if !live.active.get_value() {
            return;
        }
        live.state.set(LiveState::Reconnecting);
        let failures = live.failures.get_value();
        live.failures.set_value(failures.saturating_add(1));
        let wait = RECONNECT_BASE
            .saturating_mul(2_u32.saturating_pow(failures.min(5)))
            .min(RECONNECT_CAP);
        set_timeout(
            move || {
                if live.active.try_get_value() == Some(true) {
                    live.connect();
                }
            },
            wait,
        );
    }
}
