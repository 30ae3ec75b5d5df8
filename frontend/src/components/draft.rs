//! Saving what someone is writing as a draft on the server while they type, and the quiet line
//! that says how that went. Never in the browser's storage: clinic computers are shared.
//!
//! Saves follow one another (one at a time, so an older text never lands after a newer one);
//! sending and discarding pause them and wait for the one under way, which would otherwise
//! bring back the draft the server has just removed.
//!
//! A reload or a closed tab ends the page before the pause after typing has passed, and
//! cancels a save under way: on `pagehide` what the server may not hold yet is sent at once,
//! in a request the browser completes after the page is gone.

use std::cell::{Cell, RefCell};
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;

use gloo_timers::future::TimeoutFuture;
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::api::{ApiError, Delivery};

/// How long typing pauses before the draft is saved.
const SAVE_DELAY_MS: u32 = 800;

/// The longest sending or discarding waits for a save under way.
const SETTLE_LIMIT_MS: u32 = 5_000;
const SETTLE_STEP_MS: u32 = 50;

/// What the status line says.
#[derive(Clone, Debug, PartialEq)]
pub enum DraftState {
    /// Nothing to say (nothing typed yet, or just sent).
    Quiet,
    /// A saved draft was put back into the form, with a word about what could not be.
    Restored(Option<String>),
    /// A save is under way.
    Saving,
    /// The server holds the draft.
    Saved,
    /// The last save failed, in the server's words.
    Failed(String),
    /// The saved draft could not be read.
    LoadFailed(String),
}

impl DraftState {
    fn text(&self) -> String {
        match self {
            Self::Quiet => String::new(),
            Self::Restored(None) => "Draft restored".into(),
            Self::Restored(Some(note)) => format!("Draft restored. {note}"),
            Self::Saving => "Saving draft…".into(),
            Self::Saved => "Draft saved".into(),
            Self::Failed(words) => format!("Could not save the draft: {words}"),
            Self::LoadFailed(words) => format!("Could not load your draft: {words}"),
        }
    }

    fn failed(&self) -> bool {
        matches!(self, Self::Failed(_) | Self::LoadFailed(_))
    }
}

/// Why a save failed, in words. A 422 names a field (too long a subject or text): that
/// field's own message says more than the problem's summary.
fn failure_words(error: &ApiError) -> String {
    let fields = [
        ("subject", "Subject"),
        ("body", "Message"),
        ("recipients", "To"),
    ]
    .into_iter()
    .filter_map(|(name, label)| error.field(name).map(|words| format!("{label}: {words}")))
    .collect::<Vec<_>>();
    if fields.is_empty() {
        error.message()
    } else {
        fields.join(" ")
    }
}

type SaveFn<T> = Box<dyn Fn(T, Delivery) -> Pin<Box<dyn Future<Output = Result<(), ApiError>>>>>;

/// Shared with the saves under way, which may outlive the form (the last one, on leaving).
struct Inner<T> {
    save: SaveFn<T>,
    /// What the server holds, as far as this page knows: nothing is saved while it matches.
    on_server: RefCell<T>,
    /// Typed and not saved yet.
    pending: RefCell<Option<T>>,
    /// Counts changes, so that a pause timer saves only when no change came after it.
    changes: Cell<u64>,
    /// What the save under way sends, if one is: leaving the page cancels it.
    under_way: RefCell<Option<T>>,
    /// A save was due while another ran: it follows at once.
    due: Cell<bool>,
    /// Sending or discarding: nothing is saved.
    paused: Cell<bool>,
}

/// The draft of one form. `Copy`, so it goes into every closure.
pub struct DraftSaver<T: 'static> {
    inner: StoredValue<Rc<Inner<T>>, LocalStorage>,
    state: RwSignal<DraftState>,
}

impl<T: 'static> Clone for DraftSaver<T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T: 'static> Copy for DraftSaver<T> {}

impl<T: Clone + PartialEq + 'static> DraftSaver<T> {
    /// A saver for a form that holds `empty` now; `save` stores a content on the server, the
    /// way it is told ([`Delivery::KeepAlive`] as the page goes away). What is waiting is saved
    /// when the form goes away (the person leaves the page), or the page itself does.
    pub fn new<F, Fut>(empty: T, save: F) -> Self
    where
        F: Fn(T, Delivery) -> Fut + 'static,
        Fut: Future<Output = Result<(), ApiError>> + 'static,
    {
        let saver = Self {
            inner: StoredValue::new_local(Rc::new(Inner {
                save: Box::new(move |content, delivery| Box::pin(save(content, delivery))),
                on_server: RefCell::new(empty),
                pending: RefCell::new(None),
                changes: Cell::new(0),
                under_way: RefCell::new(None),
                due: Cell::new(false),
                paused: Cell::new(false),
            })),
            state: RwSignal::new(DraftState::Quiet),
        };
        let page_hidden = window_event_listener(leptos::ev::pagehide, move |_| saver.leave());
        on_cleanup(move || {
            page_hidden.remove();
            saver.flush();
        });
        saver
    }

    /// What the status line says (tracked).
    pub fn state(&self) -> Signal<DraftState> {
        self.state.into()
    }

    /// The form now holds the draft read from the server: it is not saved again.
    pub fn restored(&self, content: T, note: Option<String>) {
        if let Some(inner) = self.inner.try_get_value() {
            *inner.on_server.borrow_mut() = content;
            inner.pending.borrow_mut().take();
        }
        self.state.try_set(DraftState::Restored(note));
    }

    /// The saved draft could not be read.
    pub fn load_failed(&self, error: &ApiError) {
        self.state.try_set(DraftState::LoadFailed(error.message()));
    }

    /// The form changed: it is saved once typing pauses.
    pub fn changed(&self, content: T) {
        let Some(inner) = self.inner.try_get_value() else {
            return;
        };
        if *inner.on_server.borrow() == content {
            inner.pending.borrow_mut().take();
            return;
        }
        *inner.pending.borrow_mut() = Some(content);
        let ticket = inner.changes.get() + 1;
        inner.changes.set(ticket);
        let state = self.state;
        spawn_local(async move {
            TimeoutFuture::new(SAVE_DELAY_MS).await;
            if inner.changes.get() == ticket {
                save_pending(inner, state).await;
            }
        });
    }

    /// Saves what is waiting now (a field lost the focus, or the form goes away).
    pub fn flush(&self) {
        if let Some(inner) = self.inner.try_get_value() {
            spawn_local(save_pending(inner, self.state));
        }
    }

    /// The page is going away (reloaded, its tab closed, another site opened): what waits goes
    /// at once, kept alive past the page, or else the save under way again, since leaving
    /// cancels it. The one save not made one at a time: the page will not live to wait, and
    /// the one under way, sent first, is all but always first to arrive.
    fn leave(&self) {
        let Some(inner) = self.inner.try_get_value() else {
            return;
        };
        if inner.paused.get() {
            return;
        }
        let waiting = inner.pending.borrow_mut().take();
        let Some(content) = waiting.or_else(|| inner.under_way.borrow().clone()) else {
            return;
        };
        let state = self.state;
        // Started before the page ends: spawned futures run as soon as this handler returns.
        spawn_local(async move {
            let result = (inner.save)(content.clone(), Delivery::KeepAlive).await;
            settle(&inner, state, content, result);
        });
    }

    /// Stops saving and waits (a bounded time) for a save under way: the server is about to
    /// remove the draft (sending, discarding).
    pub async fn pause(&self) {
        let Some(inner) = self.inner.try_get_value() else {
            return;
        };
        inner.paused.set(true);
        let mut waited = 0;
        while inner.under_way.borrow().is_some() && waited < SETTLE_LIMIT_MS {
            TimeoutFuture::new(SETTLE_STEP_MS).await;
            waited += SETTLE_STEP_MS;
        }
    }

    /// Saves again after a send or discard that failed, starting with what waits.
    pub fn resume(&self) {
        if let Some(inner) = self.inner.try_get_value() {
            inner.paused.set(false);
        }
        self.flush();
    }

    /// The message went out and the server removed its draft; the form now holds `now`.
    pub fn sent(&self, now: T) {
        if let Some(inner) = self.inner.try_get_value() {
            *inner.on_server.borrow_mut() = now;
            inner.pending.borrow_mut().take();
            inner.paused.set(false);
        }
        self.state.try_set(DraftState::Quiet);
    }
}

/// Saves what waits, then what was typed meanwhile if its pause has passed. The state may be
/// gone (the form was left): the save still happens.
async fn save_pending<T: Clone + PartialEq>(inner: Rc<Inner<T>>, state: RwSignal<DraftState>) {
    if inner.under_way.borrow().is_some() {
        inner.due.set(true);
        return;
    }
    loop {
        if inner.paused.get() {
            return;
        }
        let Some(content) = inner.pending.borrow_mut().take() else {
            return;
        };
        *inner.under_way.borrow_mut() = Some(content.clone());
        inner.due.set(false);
        state.try_set(DraftState::Saving);
        let result = (inner.save)(content.clone(), Delivery::Normal).await;
        inner.under_way.borrow_mut().take();
        if !settle(&inner, state, content, result) || !inner.due.get() {
            return;
        }
    }
}

/// Takes in how a save of `content` went; false when it failed.
fn settle<T>(
    inner: &Inner<T>,
    state: RwSignal<DraftState>,
    content: T,
    result: Result<(), ApiError>,
) -> bool {
    match result {
        Ok(()) => {
            *inner.on_server.borrow_mut() = content;
            state.try_set(DraftState::Saved);
            true
        }
        Err(error) => {
            // Kept for the next try (the next change, or leaving a field).
            inner.pending.borrow_mut().get_or_insert(content);
            state.try_set(DraftState::Failed(failure_words(&error)));
            false
        }
    }
}

/// The status line under a form, spoken politely by screen readers. Always there, with its
/// height kept, so that a status coming and going never moves the fields.
#[component]
pub fn DraftStatus(
    /// What to say.
    state: Signal<DraftState>,
    /// The line's `data-testid`.
    testid: &'static str,
) -> impl IntoView {
    view! {
        <p
            class="draft-status"
            class:draft-status-failed=move || state.with(DraftState::failed)
            role="status"
            aria-live="polite"
            data-testid=testid
        >
            {move || state.with(DraftState::text)}
        </p>
    }
}
