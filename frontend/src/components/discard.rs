//! Discard for a message being written: with nothing typed it leaves at once; with typed text
//! it first asks, in the page, because the text would be lost for good. A draft kept on the
//! server is removed before leaving, or it would come back the next time.

use leptos::prelude::*;
use leptos_router::hooks::use_navigate;

use super::confirm::ConfirmPanel;
use crate::api::ApiError;

/// The Discard button, and the confirmation it opens below it (the enclosing row wraps).
#[component]
pub fn DiscardButton(
    /// Where discarding goes (the list the writer came from).
    href: &'static str,
    /// True while the writer has typed something that would be lost.
    #[prop(into)]
    typed: Signal<bool>,
    /// Removes the message's draft from the server; leaving waits for it, and its failure is
    /// said in the confirmation (opened for it if need be) so that it can be tried again.
    #[prop(optional)]
    forget: Option<Action<(), Result<(), ApiError>>>,
) -> impl IntoView {
    let navigate = use_navigate();
    let asking = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let leave = move || navigate(href, Default::default());
    let go = {
        let leave = leave.clone();
        move || match forget {
            Some(forget) => {
                error.set(None);
                forget.dispatch_local(());
            }
            None => leave(),
        }
    };
    if let Some(forget) = forget {
        Effect::new(move |_| match forget.value().get() {
            Some(Ok(())) => leave(),
            Some(Err(failure)) => {
                error.set(Some(format!(
                    "Could not discard the draft: {}",
                    failure.message()
                )));
                asking.set(true);
            }
            None => {}
        });
    }
    let busy = Signal::derive(move || forget.is_some_and(|forget| forget.pending().get()));
    let discard = {
        let go = go.clone();
        move |_| {
            if typed.get_untracked() {
                asking.set(true);
            } else {
                go();
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
                busy_label="Discarding…"
                busy
                error
                on_confirm=go.clone()
                on_cancel=move || {
                    asking.set(false);
                    error.set(None);
                }
            />
        </Show>
    }
}
