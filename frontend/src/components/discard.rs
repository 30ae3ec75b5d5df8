//! Discard for a message being written: with nothing typed it leaves at once; with typed text
//! it first asks, in the page, because the text would be lost for good.

use leptos::prelude::*;
use leptos_router::hooks::use_navigate;

use super::confirm::ConfirmPanel;

/// The Discard button, and the confirmation it opens below it (the enclosing row wraps).
#[component]
pub fn DiscardButton(
    /// Where discarding goes (the list the writer came from).
    href: &'static str,
    /// True while the writer has typed something that would be lost.
    #[prop(into)]
    typed: Signal<bool>,
) -> impl IntoView {
    let navigate = use_navigate();
    let asking = RwSignal::new(false);
    let leave = move || navigate(href, Default::default());
    let discard = {
        let leave = leave.clone();
        move |_| {
            if typed.get_untracked() {
                asking.set(true);
            } else {
                leave();
            }
        }
    };
    view! {
        <button class="button button-secondary" type="button" data-testid="discard" on:click=discard>
            "Discard"
        </button>
        <Show when=move || asking.get()>
            <ConfirmPanel
                message="Discard this message? What you have written will be lost."
                confirm_label="Discard message"
                busy=false
                error=Signal::stored(None::<String>)
                on_confirm=leave.clone()
                on_cancel=move || asking.set(false)
            />
        </Show>
    }
}
