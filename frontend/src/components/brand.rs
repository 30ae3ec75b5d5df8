//! The product mark.

use leptos::prelude::*;

/// Confidant's mark: a speech bubble on a blue tile.
#[component]
pub fn BrandMark() -> impl IntoView {
    view! {
        <svg class="brand-mark" viewBox="0 0 32 32" width="28" height="28" aria-hidden="true">
            <rect width="32" height="32" rx="8" fill="#2f5bd3" />
            <path
                d="M8 11.5A2.5 2.5 0 0 1 10.5 9h11a2.5 2.5 0 0 1 2.5 2.5v7a2.5 2.5 0 0 1-2.5 2.5H15l-4.5 3.5V21A2.5 2.5 0 0 1 8 18.5z"
                fill="#fff"
            />
        </svg>
    }
}
