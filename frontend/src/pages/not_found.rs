//! The page for addresses the app does not know.

use leptos::prelude::*;

/// Shown for any unknown path.
#[component]
pub fn NotFoundPage() -> impl IntoView {
    view! {
        <section class="empty-state" data-testid="not-found">
            <h1>"Page not found"</h1>
            <p>"There is nothing at this address."</p>
            <a class="button" href="/messages">"Go to Messages"</a>
        </section>
    }
}
