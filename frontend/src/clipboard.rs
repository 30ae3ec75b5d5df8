//! Copying text the person must keep (a recovery code, a signing secret) to the clipboard.

use wasm_bindgen::JsValue;

/// Copies `text` to the clipboard; false when the browser would not.
pub async fn copy(text: &str) -> bool {
    let Some(navigator) = web_sys::window().map(|w| w.navigator()) else {
        return false;
    };
    // Only secure pages have a clipboard: elsewhere `navigator.clipboard` is undefined.
    let has_clipboard = js_sys::Reflect::get(&navigator, &JsValue::from_str("clipboard"))
        .is_ok_and(|value| !value.is_undefined() && !value.is_null());
    if !has_clipboard {
        return false;
    }
    let promise = navigator.clipboard().write_text(text);
    wasm_bindgen_futures::JsFuture::from(promise).await.is_ok()
}
