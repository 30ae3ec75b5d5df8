//! A button that opens a short menu of actions, following the ARIA menu button pattern: the
//! button says whether the menu is open; opening it (click, Enter, Space or Arrow Down; Arrow
//! Up for the last item) puts the focus on an item; Arrow Up and Down move between the items,
//! Home and End go to the ends; Escape closes it and gives the focus back to the button, as
//! choosing an item does; Tab or a click elsewhere closes it.

use leptos::html;
use leptos::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{Element, HtmlElement};

/// Which item gets the focus.
#[derive(Clone, Copy)]
enum Item {
    First,
    Last,
    Next,
    Previous,
}

/// The menu's items: each `<li role="none">` holds one `role="menuitem"` control.
fn items(list: &Element) -> Vec<HtmlElement> {
    let mut found = Vec::new();
    let mut row = list.first_element_child();
    while let Some(li) = row {
        if let Some(item) = li
            .first_element_child()
            .and_then(|item| item.dyn_into::<HtmlElement>().ok())
        {
            found.push(item);
        }
        row = li.next_element_sibling();
    }
    found
}

/// Moves the focus to `which` item of `list`, counting from the focused one for Next and
/// Previous (round the ends).
fn focus_item(list: &Element, which: Item) {
    let items = items(list);
    if items.is_empty() {
        return;
    }
    let active = web_sys::window()
        .and_then(|window| window.document())
        .and_then(|document| document.active_element());
    let current = items
        .iter()
        .position(|item| active.as_ref().is_some_and(|a| a.is_same_node(Some(item))));
    let last = items.len() - 1;
    let index = match (which, current) {
        (Item::First, _) | (Item::Next, None) => 0,
        (Item::Last, _) | (Item::Previous, None) => last,
        (Item::Next, Some(i)) => (i + 1) % items.len(),
        (Item::Previous, Some(i)) => (i + last) % items.len(),
    };
    items[index].focus().ok();
}

/// The button and its menu. `children` are the items, each
/// `<li role="none"><button type="button" role="menuitem" tabindex="-1">…</button></li>`;
/// their own click handlers do the work, and the menu closes after.
#[component]
pub fn MenuButton(
    /// The button's text.
    #[prop(into)]
    label: String,
    /// The button's `data-testid`.
    test_id: &'static str,
    /// The menu's id, which the button names as the element it controls.
    menu_id: &'static str,
    children: ChildrenFn,
) -> impl IntoView {
    let open = RwSignal::new(false);
    let wrapper = NodeRef::<html::Div>::new();
    let button = NodeRef::<html::Button>::new();
    let list = NodeRef::<html::Ul>::new();
    let open_at = move |which: Item| {
        open.set(true);
        // Once the menu is drawn.
        request_animation_frame(move || {
            if let Some(list) = list.get_untracked() {
                focus_item(&list, which);
            }
        });
    };
    let button_id = format!("{menu_id}-button");
    let close_to_button = move || {
        open.set(false);
        if let Some(button) = button.get_untracked() {
            button.focus().ok();
        }
    };
    view! {
        <div
            class="menu"
            node_ref=wrapper
            on:focusout=move |ev| {
                // The focus went outside (Tab, a click elsewhere): the menu closes.
                let inside = ev
                    .related_target()
                    .and_then(|target| target.dyn_into::<web_sys::Node>().ok())
                    .zip(wrapper.get_untracked())
                    .is_some_and(|(target, wrapper)| wrapper.contains(Some(&target)));
                if !inside {
                    open.set(false);
                }
            }
        >
            <button
                class="button button-secondary button-small"
                type="button"
                aria-haspopup="menu"
                aria-controls=menu_id
                aria-expanded=move || open.get().to_string()
                id=button_id.clone()
                data-testid=test_id
                node_ref=button
                on:click=move |_| if open.get_untracked() { open.set(false) } else { open_at(Item::First) }
                on:keydown=move |ev| match ev.key().as_str() {
                    "ArrowDown" => {
                        ev.prevent_default();
                        open_at(Item::First);
                    }
                    "ArrowUp" => {
                        ev.prevent_default();
                        open_at(Item::Last);
                    }
                    _ => {}
                }
            >
                {label}
                <span aria-hidden="true">" ▾"</span>
            </button>
            <Show when=move || open.get()>
                <ul
                    class="menu-list"
                    id=menu_id
                    role="menu"
                    aria-labelledby=button_id.clone()
                    node_ref=list
                    on:keydown=move |ev| {
                        let Some(list) = list.get_untracked() else { return };
                        let which = match ev.key().as_str() {
                            "ArrowDown" => Item::Next,
                            "ArrowUp" => Item::Previous,
                            "Home" => Item::First,
                            "End" => Item::Last,
                            "Escape" => {
                                ev.prevent_default();
                                close_to_button();
                                return;
                            }
                            // The focus moves on as usual, and the menu closes behind it.
                            "Tab" => {
                                open.set(false);
                                return;
                            }
                            _ => return,
                        };
                        ev.prevent_default();
                        focus_item(&list, which);
                    }
                    // After the item's own handler: the choice is made.
                    on:click=move |ev| {
                        let on_item = ev
                            .target()
                            .and_then(|target| target.dyn_into::<Element>().ok())
                            .is_some_and(|target| target.closest("[role=menuitem]").ok().flatten().is_some());
                        if on_item {
                            close_to_button();
                        }
                    }
                >
                    {children()}
                </ul>
            </Show>
        </div>
    }
}
