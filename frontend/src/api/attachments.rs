//! Attachments (`/api/v1/attachments`): uploading a file before it is sent with a message,
//! reporting progress as it goes, and saving a received one through the authenticated API.
//!
//! Uploads use `XMLHttpRequest` because `fetch` cannot report upload progress. Downloads need
//! the bearer token, so a plain link would not do: the file is fetched, then handed to the
//! browser's own download through a temporary object URL.

use std::cell::RefCell;
use std::rc::Rc;

use confidant_openapi::Problem;
use confidant_openapi::attachments::Attachment;
use gloo_net::http::Request;
use uuid::Uuid;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use web_sys::{
    Blob, BlobPropertyBag, File, FormData, HtmlAnchorElement, ProgressEvent, Url, XmlHttpRequest,
};

use super::ApiError;

/// How long an object URL outlives the click that starts its download. Revoking it at once
/// can cancel the download in some browsers.
const REVOKE_AFTER_MS: u32 = 60_000;

/// Stops a running upload (the person removed the file before it finished).
#[derive(Clone, Default)]
pub struct Abort(Rc<RefCell<Option<XmlHttpRequest>>>);

impl Abort {
    /// Stops the upload, if one is running; its `upload` call then ends with an error.
    pub fn abort(&self) {
        if let Some(request) = self.0.borrow_mut().take() {
            request.abort().ok();
        }
    }
}

/// `DELETE /api/v1/attachments/{id}`: an unsent upload of one's own.
pub async fn remove(token: &str, id: Uuid) -> Result<(), ApiError> {
    super::call_empty::<()>(
        super::Method::Delete,
        &format!("/api/v1/attachments/{id}"),
        Some(token),
        None,
    )
    .await
}

/// `POST /api/v1/attachments` with `file` as the part `file`, under its own name.
/// `on_progress` hears the share sent so far (0 to 1) while the bytes go up.
pub async fn upload(
    token: &str,
    file: &File,
    on_progress: impl Fn(f64) + 'static,
    abort: &Abort,
) -> Result<Attachment, ApiError> {
    let network = |_| ApiError::Network;
    let request = XmlHttpRequest::new().map_err(network)?;
    request
        .open("POST", "/api/v1/attachments")
        .map_err(network)?;
    request
        .set_request_header("Authorization", &format!("Bearer {token}"))
        .map_err(network)?;
    request
        .set_request_header("Accept", "application/json")
        .map_err(network)?;
    let form = FormData::new().map_err(network)?;
    form.append_with_blob_and_filename("file", file, &file.name())
        .map_err(network)?;

    let progress = Closure::<dyn FnMut(ProgressEvent)>::new(move |event: ProgressEvent| {
        if event.length_computable() && event.total() > 0.0 {
            on_progress((event.loaded() / event.total()).clamp(0.0, 1.0));
        }
    });
    let upload = request.upload().map_err(network)?;
    upload.set_onprogress(Some(progress.as_ref().unchecked_ref()));
    // `loadend` comes once, after success, failure, abort or timeout alike.
    let finished = js_sys::Promise::new(&mut |resolve, _reject| {
        let done = Closure::once_into_js(move || {
            resolve.call0(&JsValue::NULL).ok();
        });
        request.set_onloadend(Some(done.unchecked_ref()));
    });
    request
        .send_with_opt_form_data(Some(&form))
        .map_err(network)?;
    *abort.0.borrow_mut() = Some(request.clone());
    JsFuture::from(finished).await.ok();
    abort.0.borrow_mut().take();
    upload.set_onprogress(None);
    drop(progress);

    let status = request.status().map_err(network)?;
    if status == 0 {
        return Err(ApiError::Network);
    }
    let text = request.response_text().ok().flatten().unwrap_or_default();
    if (200..300).contains(&status) {
        return serde_json::from_str(&text).map_err(|_| ApiError::Unexpected { status });
    }
    Err(serde_json::from_str::<Problem>(&text)
        .map(ApiError::Problem)
        .unwrap_or(ApiError::Unexpected { status }))
}

/// `GET /api/v1/attachments/{id}` with the token, then saves the bytes as `file_name` through
/// the browser's download.
pub async fn download(token: &str, id: Uuid, file_name: &str) -> Result<(), ApiError> {
    download_path(token, &format!("/api/v1/attachments/{id}"), file_name).await
}

/// `GET path` with the token (a link cannot carry it), then saves the answer as `file_name`
/// through the browser's download.
pub async fn download_path(token: &str, path: &str, file_name: &str) -> Result<(), ApiError> {
    let response = Request::get(path)
        .header("Authorization", &format!("Bearer {token}"))
        .send()
        .await
        .map_err(|_| ApiError::Network)?;
    if !response.ok() {
        return Err(super::problem(response).await);
    }
    let content_type = response
        .headers()
        .get("Content-Type")
        .unwrap_or_else(|| "application/octet-stream".into());
    let bytes = response.binary().await.map_err(|_| ApiError::Network)?;
    save(&bytes, &content_type, file_name).map_err(|_| ApiError::Unexpected {
        status: response.status(),
    })
}

/// Hands `bytes` to the browser as a download named `file_name`.
fn save(bytes: &[u8], content_type: &str, file_name: &str) -> Result<(), JsValue> {
    let parts = js_sys::Array::of1(&js_sys::Uint8Array::from(bytes));
    let options = BlobPropertyBag::new();
    options.set_type(content_type);
    let blob = Blob::new_with_u8_array_sequence_and_options(&parts, &options)?;
    let url = Url::create_object_url_with_blob(&blob)?;
    let document = web_sys::window()
        .and_then(|w| w.document())
        .ok_or_else(|| JsValue::from_str("no document"))?;
    let link: HtmlAnchorElement = document.create_element("a")?.unchecked_into();
    link.set_href(&url);
    link.set_download(file_name);
    link.set_hidden(true);
    let body = document
        .body()
        .ok_or_else(|| JsValue::from_str("no body"))?;
    body.append_child(&link)?;
    link.click();
    link.remove();
    gloo_timers::callback::Timeout::new(REVOKE_AFTER_MS, move || {
        Url::revoke_object_url(&url).ok();
    })
    .forget();
    Ok(())
}
