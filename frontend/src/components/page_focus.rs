//! Where the keyboard focus goes in the signed-in frame. A "Skip to content" link comes first
//! on every page, and after each navigation (and so after signing in) the focus moves to the
//! new page's main heading: a screen reader announces the page, and Tab goes on from its top
//! instead of from the body or from a link that is gone.

use gloo_timers::future::TimeoutFuture;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::use_location;
use wasm_bindgen::JsCast;
use web_sys::{Element, HtmlElement};

/// The id of the page's main region, where the skip link goes.
pub const MAIN_ID: &str = "main";

/// How often, and how many times, a new page is looked at for its heading: most pages draw it
/// at once, a thread only once it has loaded.
const HEADING_POLL_MS: u32 = 50;
const HEADING_TRIES: u32 = 60;

fn document() -> Option<web_sys::Document> {
    web_sys::window().and_then(|window| window.document())
}

/// Focuses `element`, made focusable from script only (it stays out of the Tab order).
fn focus_from_script(element: Element) {
    if !element.has_attribute("tabindex") {
        element.set_attribute("tabindex", "-1").ok();
    }
    if let Ok(element) = element.dyn_into::<HtmlElement>() {
        element.focus().ok();
    }
}

/// The main region's first heading, if the page has drawn it.
fn main_heading() -> Option<Element> {
    document()?
        .query_selector(&format!("#{MAIN_ID} h1"))
        .ok()
        .flatten()
}

/// Focuses the page's main heading, or the main region itself when the page has none.
pub fn focus_main() {
    if let Some(target) = main_heading().or_else(|| document()?.get_element_by_id(MAIN_ID)) {
        focus_from_script(target);
    }
}

/// True when moving the focus takes nothing from the person: it is nowhere (the element that
/// had it was removed with the old page), or on the menu link they just followed. Someone who
/// has already clicked or typed into the new page keeps their place.
fn focus_is_free() -> bool {
    let Some(document) = document() else {
        return false;
    };
    match document.active_element() {
        None => true,
        Some(active) => {
            document
                .body()
                .is_some_and(|body| active.is_same_node(Some(&body)))
                || active.closest(".sidebar, .topbar").ok().flatten().is_some()
        }
    }
}

/// Moves the focus to the main heading after every change of page (not of the query string:
/// the Inbox and Sent tabs keep it). Call once, in the signed-in frame.
pub fn focus_heading_on_navigation() {
    let location = use_location();
    // The number of the latest page, so that a slow wait for one page stops at the next.
    let latest = StoredValue::new(0u64);
    Effect::new(move |_| {
        location.pathname.track();
        let Some(ticket) = latest.try_get_value().map(|n| n + 1) else {
            return;
        };
        latest.set_value(ticket);
        spawn_local(async move {
            for _ in 0..HEADING_TRIES {
                // Also lets the old page go first, so that its heading is never the one taken.
                TimeoutFuture::new(HEADING_POLL_MS).await;
                if latest.try_get_value() != Some(ticket) || !focus_is_free() {
                    return;
                }
                if let Some(heading) = main_heading() {
                    focus_from_script(heading);
                    return;
                }
            }
            if focus_is_free() {
                focus_main();
            }
        });
    });
}

/// The first thing Tab reaches: a link, shown only while focused, to the page's content.
/// `before` runs first (the frame closes its menu drawer, which holds the page inert).
#[component]
pub fn SkipLink(before: impl Fn() + 'static) -> impl IntoView {
    view! {
        <a
            class="skip-link"
            href=format!("#{MAIN_ID}")
            data-testid="skip-link"
            on:click=move |ev| {
                // Not a navigation (the router, listening on the window after this, leaves a
                // prevented click alone): it would only scroll, and the focus would stay here.
                ev.prevent_default();
                before();
                // After the frame has drawn what `before` changed.
                request_animation_frame(focus_main);
            }
        >
            "Skip to content"
        </a>
    }
}
