//! An inline confirmation for permanent actions: it says what will be lost and that it cannot
//! be undone, right where the person clicked, without a browser dialog.

use leptos::prelude::*;

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
    view! {
        <div class="confirm" role="alertdialog" aria-label=label data-testid="confirm-panel">
            <p class="confirm-text">{message}</p>
            {move || error.get().map(|text| view! { <p class="form-error" role="alert">{text}</p> })}
            <div class="confirm-actions">
                <button
                    class="button button-danger"
                    type="button"
                    data-testid="confirm-delete"
                    disabled=move || busy.get()
                    on:click=move |_| on_confirm()
                >
                    {move || if busy.get() { busy_label.clone() } else { confirm_label.clone() }}
                </button>
                <button class="button button-secondary" type="button" disabled=move || busy.get() on:click=move |_| on_cancel()>
                    "Cancel"
                </button>
            </div>
        </div>
    }
}
