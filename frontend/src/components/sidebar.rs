//! The left menu: the product's name, the sections, and the API status at the bottom.

use leptos::prelude::*;
use leptos_router::components::A;

use super::status_line::StatusLine;

/// The left menu.
#[component]
pub fn Sidebar() -> impl IntoView {
    view! {
        <nav class="sidebar" aria-label="Main">
            <a class="brand" href="/messages">
                <svg class="brand-mark" viewBox="0 0 32 32" width="28" height="28" aria-hidden="true">
                    <rect width="32" height="32" rx="8" fill="#2f5bd3" />
                    <path
                        d="M8 11.5A2.5 2.5 0 0 1 10.5 9h11a2.5 2.5 0 0 1 2.5 2.5v7a2.5 2.5 0 0 1-2.5 2.5H15l-4.5 3.5V21A2.5 2.5 0 0 1 8 18.5z"
                        fill="#fff"
                    />
                </svg>
                <span class="brand-name">"Confidant"</span>
            </a>
            <ul class="nav">
                <li>
                    <A href="/messages" attr:class="nav-link">
                        <span class="nav-icon" aria-hidden="true">
                            <svg viewBox="0 0 24 24" width="18" height="18">
                                <path
                                    d="M4 6.5A2.5 2.5 0 0 1 6.5 4h11A2.5 2.5 0 0 1 20 6.5v8a2.5 2.5 0 0 1-2.5 2.5H11l-4.5 3.5V17A2.5 2.5 0 0 1 4 14.5z"
                                    fill="none"
                                    stroke="currentColor"
                                    stroke-width="1.7"
                                    stroke-linejoin="round"
                                />
                            </svg>
                        </span>
                        <span>"Messages"</span>
                    </A>
                </li>
            </ul>
            <div class="sidebar-foot">
                <StatusLine />
            </div>
        </nav>
    }
}
