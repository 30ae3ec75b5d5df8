//! The card every signed-out page is: the brand, then the page's form.

use leptos::ev::SubmitEvent;
use leptos::prelude::*;

use crate::components::brand::BrandMark;

/// A signed-out page's form (sign-in, invitation, reset, confirmation) under the brand.
#[component]
pub fn AuthCard(on_submit: impl FnMut(SubmitEvent) + 'static, children: Children) -> impl IntoView {
    view! {
        <form class="auth-card" on:submit=on_submit novalidate>
            <div class="auth-brand">
                <BrandMark />
                <span>"Confidant"</span>
            </div>
            {children()}
        </form>
    }
}
