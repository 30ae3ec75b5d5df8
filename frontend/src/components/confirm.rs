//! An inline confirmation for permanent actions: it says what will be lost and that it cannot
//! be undone, right where the person clicked, without a browser dialog.
//!
//! It follows the alert dialog pattern: the focus moves to Cancel when it opens (the safe
//! choice), Tab stays between its two buttons, and Escape or Cancel closes it and gives the
//! focus back to the control that opened it.

use std::sync::atomic::{AtomicU32, Ordering};

use leptos::html;
use leptos::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::HtmlElement;

/// Numbers the panels, so that each names its own message as its description.
static PANELS: AtomicU32 = AtomicU32::new(0);

/// Whatever has the focus now (the control that opened the panel), if anything does.
fn focused_element() -> Option<HtmlElement> {
    web_sys::window()?
        .document()?
        .active_element()?
        .dyn_into::<HtmlElement>()
        .ok()
}

/// The panel. `on_confirm` runs the action; while `busy` the buttons wait, and `error` (the
/// action's failure, in words) is shown inside the panel.
#[component]
pub fn ConfirmPanel(
    /// What will happen, in one or two sentences.
    #[prop(into)]
    message: String,
    /// The label of the button that does it ("Delete message").
    #[prop(into)]
    confirm_label: String,
    /// The button's label while the action runs (default "Deleting…").
    #[prop(into, optional)]
    busy_label: Option<String>,
    /// True while the action runs.
    #[prop(into)]
    busy: Signal<bool>,
    /// Why the action failed, if it did.
    #[prop(into)]
    error: Signal<Option<String>>,
    /// Does it.
    on_confirm: impl Fn() + Send + Sync + 'static,
    /// Closes the panel.
    on_cancel: impl Fn() + Send + Sync + 'static,
) -> impl IntoView {
    let label = confirm_label.clone();
    let busy_label = busy_label.unwrap_or_else(|| "Deleting…".to_owned());
    let confirm_button = NodeRef::<html::Button>::new();
    let cancel_button = NodeRef::<html::Button>::new();
    // Taken as the panel is drawn, before the focus moves into it.
    let opener = StoredValue::new_local(focused_element());
    let cancel = move || {
        on_cancel();
        if let Some(opener) = opener.get_value().filter(|opener| opener.is_connected()) {
            opener.focus().ok();
        }
    };
    let cancel = Callback::new(move |()| cancel());
    Effect::new(move |_| {
        if let Some(button) = cancel_button.get() {
            button.focus().ok();
        }
    });
    // Tab from the last button goes to the first, Shift+Tab from the first to the last.
    let keep_focus_inside = move |ev: &leptos::ev::KeyboardEvent| {
        let (Some(first), Some(last), Some(active)) = (
            confirm_button.get_untracked(),
            cancel_button.get_untracked(),
            focused_element(),
        ) else {
            return;
        };
        let (from, to) = if ev.shift_key() {
            (first, last)
        } else {
            (last, first)
        };
        if active.is_same_node(Some(&from)) {
            ev.prevent_default();
            to.focus().ok();
        }
    };
    let message_id = format!("confirm-text-{}", PANELS.fetch_add(1, Ordering::Relaxed));
    let described_by = message_id.clone();
    view! {
        <div
            class="confirm"
            role="alertdialog"
            aria-label=label
            aria-describedby=described_by
            data-testid="confirm-panel"
            on:keydown=move |ev| match ev.key().as_str() {
                "Escape" if !busy.get_untracked() => {
                    ev.prevent_default();
                    cancel.run(());
                }
                "Tab" => keep_focus_inside(&ev),
                _ => {}
            }
        >
            <p class="confirm-text" id=message_id>{message}</p>
            {move || error.get().map(|text| view! { <p class="form-error" role="alert">{text}</p> })}
            <div class="confirm-actions">
                <button
                    class="button button-danger"
                    type="button"
                    data-testid="confirm-delete"
                    node_ref=confirm_button
                    disabled=move || busy.get()
                    on:click=move |_| on_confirm()
                >
                    {move || if busy.get() { busy_label.clone() } else { confirm_label.clone() }}
                </button>
                <button
                    class="button button-secondary"
                    type="button"
                    data-testid="confirm-cancel"
                    node_ref=cancel_button
                    disabled=move || busy.get()
                    on:click=move |_| cancel.run(())
                >
                    "Cancel"
                </button>
            </div>
        </div>
    }
}
