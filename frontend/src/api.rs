//! The one client for Confidant's REST API, using the shared wire types. Each resource has
//! its own module; every failure becomes an [`ApiError`] whose text can be shown as it is.

pub mod api_keys;
pub mod attachments;
pub mod audit;
pub mod auth;
pub mod blasts;
pub mod conversations;
pub mod drafts;
pub mod events;
pub mod health;
pub mod people;
pub mod practice;
pub mod recipients;
pub mod staff_groups;
pub mod webhooks;

use confidant_openapi::{Problem, ProblemCode};
use gloo_net::http::{Request, RequestBuilder, Response};
use serde::Serialize;
use serde::de::DeserializeOwned;
use wasm_bindgen::JsValue;

/// A failed call, in words for the person using the app.
#[derive(Clone, Debug, PartialEq)]
pub enum ApiError {
    /// The server answered with a problem document.
    Problem(Problem),
    /// The server answered, but not with something this app understands.
    Unexpected { status: u16 },
    /// The server could not be reached.
    Network,
}

impl ApiError {
    /// A sentence to show.
    pub fn message(&self) -> String {
        match self {
            Self::Problem(problem) => problem
                .detail
                .clone()
                .unwrap_or_else(|| problem.title.clone()),
            Self::Unexpected { status } => {
                format!("The server gave an unexpected answer (HTTP {status}).")
            }
            Self::Network => "Cannot reach Confidant. Check your connection.".into(),
        }
    }

    /// The problem's code, when the server sent one.
    pub fn code(&self) -> Option<ProblemCode> {
        match self {
            Self::Problem(problem) => Some(problem.code),
            _ => None,
        }
    }

    /// True when the caller is not (or no longer) signed in.
    pub fn is_unauthorized(&self) -> bool {
        matches!(self, Self::Problem(p) if p.code == ProblemCode::Unauthorized)
    }

    /// True when the practice requires a second factor of staff and the caller has none yet:
    /// only their own account answers until they set one up.
    pub fn is_enrolment_required(&self) -> bool {
        self.code() == Some(ProblemCode::MfaEnrolmentRequired)
    }

    /// The messages for one field of a 422, if any.
    pub fn field(&self, name: &str) -> Option<String> {
        match self {
            Self::Problem(problem) => problem
                .errors
                .as_ref()
                .and_then(|errors| errors.get(name))
                .map(|messages| messages.join(" ")),
            _ => None,
        }
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message())
    }
}

/// `text` as a query-string value (percent-encoded, so search text and cursors arrive whole).
pub fn query_value(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The HTTP methods the app uses.
#[derive(Clone, Copy, Debug)]
pub enum Method {
    /// Read.
    Get,
    /// Create or act.
    Post,
    /// Change.
    Patch,
    /// Replace whole (a draft, saved as it is typed).
    Put,
    /// Remove.
    Delete,
}

fn builder(method: Method, path: &str, token: Option<&str>) -> RequestBuilder {
    let builder = match method {
        Method::Get => Request::get(path),
        Method::Post => Request::post(path),
        Method::Patch => Request::patch(path),
        Method::Put => Request::put(path),
        Method::Delete => Request::delete(path),
    }
    .header("Accept", "application/json");
    match token {
        Some(token) => builder.header("Authorization", &format!("Bearer {token}")),
        None => builder,
    }
}

/// Sends a request (with a JSON body when given) and returns the raw response.
async fn send<B: Serialize>(
    method: Method,
    path: &str,
    token: Option<&str>,
    body: Option<&B>,
) -> Result<Response, ApiError> {
    let builder = builder(method, path, token);
    let request = match body {
        Some(body) => builder.json(body).map_err(|_| ApiError::Network)?,
        None => builder.build().map_err(|_| ApiError::Network)?,
    };
    request.send().await.map_err(|_| ApiError::Network)
}

/// How a request goes out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Delivery {
    /// While the page is open (the usual way): leaving the page cancels it.
    Normal,
    /// Completed by the browser even once the page is gone (fetch's `keepalive`): what is
    /// sent as a tab is closed or reloaded, the last words of a draft.
    KeepAlive,
}

/// The most a page may have under way in keepalive bodies (the Fetch standard's quota, for
/// all such requests together). A larger one would be refused outright.
const KEEPALIVE_QUOTA: usize = 64 * 1024;

/// [`send`] with a JSON body, delivered as asked. gloo-net's builder has no keepalive flag:
/// the request it builds (the same method and headers as every other call) is copied into one
/// that has it, with the body given again, since a copied body becomes a stream and keepalive
/// takes no stream. A body over the quota goes the usual way: it may still arrive.
async fn send_as<B: Serialize>(
    method: Method,
    path: &str,
    token: Option<&str>,
    body: &B,
    delivery: Delivery,
) -> Result<Response, ApiError> {
    if delivery == Delivery::Normal {
        return send(method, path, token, Some(body)).await;
    }
    let json = serde_json::to_string(body).map_err(|_| ApiError::Network)?;
    if json.len() > KEEPALIVE_QUOTA {
        return send(method, path, token, Some(body)).await;
    }
    let template: web_sys::Request = builder(method, path, token)
        .header("Content-Type", "application/json")
        .build()
        .map_err(|_| ApiError::Network)?
        .into();
    let init = web_sys::RequestInit::new();
    init.set_body(&JsValue::from_str(&json));
    // Not in web-sys's RequestInit (its WebIDL lacks it): set as the plain property it is.
    js_sys::Reflect::set(&init, &JsValue::from_str("keepalive"), &JsValue::TRUE)
        .map_err(|_| ApiError::Network)?;
    let request = web_sys::Request::new_with_request_and_init(&template, &init)
        .map_err(|_| ApiError::Network)?;
    Request::from(request)
        .send()
        .await
        .map_err(|_| ApiError::Network)
}

/// A call whose answer is JSON of type `T`.
pub async fn call<B: Serialize, T: DeserializeOwned>(
    method: Method,
    path: &str,
    token: Option<&str>,
    body: Option<&B>,
) -> Result<T, ApiError> {
    decode(send(method, path, token, body).await?, false).await
}

/// A call whose answer has no body (204, 202).
pub async fn call_empty<B: Serialize>(
    method: Method,
    path: &str,
    token: Option<&str>,
    body: Option<&B>,
) -> Result<(), ApiError> {
    let response = send(method, path, token, body).await?;
    if response.ok() {
        return Ok(());
    }
    Err(problem(response).await)
}

/// `GET path` and decode the JSON answer. A non-2xx answer that still carries the expected
/// type (as `/readyz` does with 503) is decoded too when `accept_error_body` is set.
async fn get_json<T: DeserializeOwned>(path: &str, accept_error_body: bool) -> Result<T, ApiError> {
    let response = send::<()>(Method::Get, path, None, None).await?;
    decode(response, accept_error_body).await
}

async fn decode<T: DeserializeOwned>(
    response: Response,
    accept_error_body: bool,
) -> Result<T, ApiError> {
    let status = response.status();
    if response.ok() || accept_error_body {
        return response
            .json::<T>()
            .await
            .map_err(|_| ApiError::Unexpected { status });
    }
    Err(problem(response).await)
}

async fn problem(response: Response) -> ApiError {
    let status = response.status();
    match response.json::<Problem>().await {
        Ok(problem) => ApiError::Problem(problem),
        Err(_) => ApiError::Unexpected { status },
    }
}
