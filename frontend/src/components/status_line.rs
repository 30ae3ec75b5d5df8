//! A small line that says whether the API answers, re-checked every 30 seconds, and, for
//! someone signed in, when live updates are paused while the stream reconnects.

use std::time::Duration;

use confidant_openapi::CheckState;
use leptos::prelude::*;

use crate::api;
use crate::live::{Live, LiveState};

const RECHECK: Duration = Duration::from_secs(30);

/// What the app knows about the server.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Connection {
    Checking,
    Connected,
    DatabaseDown,
    Offline,
    /// The API answers, but the live stream is reconnecting.
    Reconnecting,
}

impl Connection {
    fn label(self) -> &'static str {
        match self {
            Self::Checking => "Connecting…",
            Self::Connected => "Connected",
            Self::DatabaseDown => "Server busy: database unavailable",
            Self::Offline => "Cannot reach the server",
            Self::Reconnecting => "Reconnecting live updates…",
        }
    }

    fn key(self) -> &'static str {
        match self {
            Self::Checking => "checking",
            Self::Connected => "connected",
            Self::DatabaseDown => "degraded",
            Self::Offline => "offline",
            Self::Reconnecting => "reconnecting",
        }
    }
}

/// The status line.
#[component]
pub fn StatusLine() -> impl IntoView {
    let (tick, set_tick) = signal(0u32);
    let readiness = LocalResource::new(move || {
        tick.track();
        api::health::readiness()
    });
    let handle = set_interval_with_handle(move || set_tick.update(|n| *n += 1), RECHECK);
    on_cleanup(move || {
        if let Ok(handle) = handle {
            handle.clear();
        }
    });
    let live = use_context::<Live>();
    let live_state = move || live.map(|live| live.state());
    let connection = move || match readiness.get() {
        None => Connection::Checking,
        Some(Ok(ready))
            if ready.status == CheckState::Ok && live_state() == Some(LiveState::Reconnecting) =>
        {
            Connection::Reconnecting
        }
        Some(Ok(ready)) if ready.status == CheckState::Ok => Connection::Connected,
        Some(Ok(_)) => Connection::DatabaseDown,
        Some(Err(_)) => Connection::Offline,
    };
    view! {
        <p
            class="status-line"
            data-testid="api-status"
            data-state=move || connection().key()
            data-live=move || live_state().map(|state| match state {
                LiveState::Connecting => "connecting",
                LiveState::Live => "live",
                LiveState::Reconnecting => "reconnecting",
            })
            role="status"
            aria-live="polite"
        >
            <span class="status-dot" aria-hidden="true"></span>
            <span>{move || connection().label()}</span>
        </p>
    }
}
