//! A round tile with someone's initials, as mail clients show beside names.

use leptos::prelude::*;

/// Up to two initials of `name`, upper case.
pub fn initials(name: &str) -> String {
    name.split_whitespace()
        .filter_map(|word| word.chars().next())
        .take(2)
        .collect::<String>()
        .to_uppercase()
}

/// The initials of `name` on a tile; `muted` for the grey variant (clients, groups).
#[component]
pub fn Avatar(#[prop(into)] name: String, #[prop(optional)] muted: bool) -> impl IntoView {
    view! {
        <span class="avatar" class:avatar-muted=muted aria-hidden="true">{initials(&name)}</span>
    }
}
