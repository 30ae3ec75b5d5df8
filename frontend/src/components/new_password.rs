//! Choosing a new password (accepting an invitation, a reset, a change): the rules, the field
//! and its repetition, and what is wrong before anything is sent. Whether it is hard enough to
//! guess is the server's to say (its zxcvbn check knows the person's name and practice).

use confidant_openapi::auth::{MAX_PASSWORD_LEN, MIN_PASSWORD_LEN};
use leptos::prelude::*;

/// What is wrong with the new password, if anything.
pub fn password_problem(password: &str, repeat: &str) -> Option<String> {
    let length = password.chars().count();
    if length < MIN_PASSWORD_LEN {
        return Some(format!("Use at least {MIN_PASSWORD_LEN} characters."));
    }
    if length > MAX_PASSWORD_LEN {
        return Some(format!("Use at most {MAX_PASSWORD_LEN} characters."));
    }
    if password != repeat {
        return Some("The two passwords are not the same.".into());
    }
    None
}

/// The rules, "New password" and "Repeat it"; the problem shows once `touched`.
#[component]
pub fn NewPasswordFields(
    password: RwSignal<String>,
    repeat: RwSignal<String>,
    touched: RwSignal<bool>,
) -> impl IntoView {
    view! {
        <ul class="rules">
            <li>{format!("{MIN_PASSWORD_LEN} to {MAX_PASSWORD_LEN} characters, hard to guess")}</li>
            <li>"A few unrelated words you will remember work well"</li>
        </ul>
        <label class="field">
            <span>"New password"</span>
            <input type="password" name="password" autocomplete="new-password" bind:value=password />
        </label>
        <label class="field">
            <span>"Repeat it"</span>
            <input type="password" name="repeat" autocomplete="new-password" bind:value=repeat />
        </label>
        {move || {
            touched.get()
                .then(|| password_problem(&password.get(), &repeat.get()))
                .flatten()
                .map(|problem| view! { <p class="field-error" data-testid="password-problem">{problem}</p> })
        }}
    }
}
