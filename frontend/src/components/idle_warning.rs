//! The warning a minute before automatic logoff (HIPAA §164.312(a)(2)(iii)), with a button to
//! stay signed in. Any key or tap counts as activity too; the button also refreshes the
//! session so that the server's idle clock starts again.

use leptos::prelude::*;

use crate::auth::Auth;

/// Shown while the idle sign-out is a minute away.
#[component]
pub fn IdleWarning() -> impl IntoView {
    let auth = Auth::get();
    view! {
        <Show when=move || auth.idle_warning()>
            <div
                class="idle-warning"
                role="alertdialog"
                aria-labelledby="idle-warning-text"
                data-testid="idle-warning"
            >
                <p id="idle-warning-text">
                    "You will be signed out in about a minute because nothing has happened for a while."
                </p>
                <button
                    class="button"
                    type="button"
                    data-testid="stay-signed-in"
                    autofocus
                    on:click=move |_| auth.stay_signed_in()
                >
                    "Stay signed in"
                </button>
            </div>
        </Show>
    }
}
