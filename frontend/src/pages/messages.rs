//! Messages: the inbox. Conversations arrive with the messaging feature; until then the page
//! shows its empty state.

use leptos::prelude::*;

use crate::auth::{Auth, messages_title};

/// The Messages page ("My Messages" for clients, as in their menu).
#[component]
pub fn MessagesPage() -> impl IntoView {
    let auth = Auth::get();
    let title = move || messages_title(auth.session().as_ref());
    view! {
        <header class="page-header">
            <h1>{title}</h1>
        </header>
        <section class="empty-state" aria-labelledby="empty-title">
            <div class="empty-icon" aria-hidden="true">
                <svg viewBox="0 0 48 48" width="44" height="44">
                    <rect x="6" y="10" width="36" height="28" rx="5" fill="none" stroke="currentColor" stroke-width="2.4" />
                    <path d="M7 13l17 12 17-12" fill="none" stroke="currentColor" stroke-width="2.4" stroke-linejoin="round" />
                </svg>
            </div>
            <h2 id="empty-title">"No messages yet"</h2>
            <p>"Secure conversations with your practice will appear here."</p>
        </section>
    }
}
