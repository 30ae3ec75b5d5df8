//! The phone's top bar: below 768 px the left menu does not fit beside the page, so a 56 px
//! bar holds the product's name and a Menu button that opens the left menu as a drawer over
//! the page. On a wider screen the bar is hidden and the menu stands beside the page as always.

use leptos::html;
use leptos::prelude::*;

use super::brand::BrandMark;
use super::unread::Unread;

/// The id of the left menu, which the Menu button controls.
pub const MENU_ID: &str = "main-menu";

/// Whether the drawer is open, and the button that opens it. `Copy`, so it goes into every
/// closure.
#[derive(Clone, Copy)]
pub struct Menu {
    open: RwSignal<bool>,
    button: NodeRef<html::Button>,
}

impl Menu {
    /// A closed drawer.
    pub fn new() -> Self {
        Self {
            open: RwSignal::new(false),
            button: NodeRef::new(),
        }
    }

    /// True while the drawer is open (tracked).
    pub fn is_open(&self) -> bool {
        self.open.get()
    }

    /// Closes the drawer. `return_focus` when the person closed it themselves (Escape), so
    /// that the keyboard goes on from the button; not when they followed a link, whose page
    /// takes the focus.
    pub fn close(&self, return_focus: bool) {
        if !self.open.get_untracked() {
            return;
        }
        self.open.set(false);
        if return_focus && let Some(button) = self.button.get_untracked() {
            button.focus().ok();
        }
    }
}

impl Default for Menu {
    fn default() -> Self {
        Self::new()
    }
}

/// The bar: the Menu button (with the unread count, which is otherwise inside the drawer) and
/// the product's name.
#[component]
pub fn TopBar(menu: Menu) -> impl IntoView {
    let unread = Unread::get();
    // A window made wide while the drawer is open shows the menu beside the page again: the
    // drawer must not stay open unseen, keeping the page inert.
    let on_resize = window_event_listener(leptos::ev::resize, move |_| {
        let hidden = menu
            .button
            .get_untracked()
            .is_none_or(|button| button.offset_width() == 0);
        if hidden {
            menu.close(false);
        }
    });
    on_cleanup(move || on_resize.remove());
    view! {
        <header class="topbar" data-testid="top-bar">
            <button
                class="menu-button"
                type="button"
                aria-controls=MENU_ID
                aria-expanded=move || menu.is_open().to_string()
                data-testid="menu-button"
                node_ref=menu.button
                on:click=move |_| menu.open.update(|open| *open = !*open)
            >
                {move || if menu.is_open() { close_icon().into_any() } else { menu_icon().into_any() }}
                <span>"Menu"</span>
                {move || {
                    let count = unread.conversations();
                    (count > 0).then(|| view! {
                        <span class="badge">
                            {count}
                            <span class="visually-hidden">" unread"</span>
                        </span>
                    })
                }}
            </button>
            <a class="brand" href="/messages">
                <BrandMark />
                <span class="brand-name">"Confidant"</span>
            </a>
        </header>
    }
}

fn menu_icon() -> impl IntoView {
    view! {
        <svg viewBox="0 0 24 24" width="22" height="22" aria-hidden="true">
            <path d="M4 7h16M4 12h16M4 17h16" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" />
        </svg>
    }
}

fn close_icon() -> impl IntoView {
    view! {
        <svg viewBox="0 0 24 24" width="22" height="22" aria-hidden="true">
            <path d="M6 6l12 12M18 6L6 18" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" />
        </svg>
    }
}
