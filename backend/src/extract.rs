//! Request extractors that hold every JSON body and query string to the contract (see
//! [`crate::contract`]) before a handler sees it: `ApiJson<T>` for a required body,
//! `OptionalApiJson<T>` for a body browsers may leave out, `ApiQuery<T>` for query strings.
//!
//! Used instead of actix's `web::Json` and `web::Query` so that a wrong shape, a value out of
//! bounds or a control character is refused the same way on every route, with field names
//! and never the values sent.

use actix_web::dev::Payload;
use actix_web::error::PayloadError;
use actix_web::http::header;
use actix_web::{FromRequest, HttpMessage, HttpRequest, web};
use confidant_openapi::ProblemCode;
use futures_util::future::LocalBoxFuture;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::contract::{Contract, Refusal};
use crate::error::ApiError;

pub use crate::contract::MAX_JSON_BYTES;

/// A JSON request body that must be there.
#[derive(Debug)]
pub struct ApiJson<T>(pub T);

impl<T> ApiJson<T> {
    /// The body.
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> std::ops::Deref for ApiJson<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.0
    }
}

/// A JSON request body that may be left out entirely (no body, or an empty one); one that is
/// sent must be valid.
#[derive(Debug)]
pub struct OptionalApiJson<T>(pub Option<T>);

/// A query string, checked against the route's documented parameters.
#[derive(Debug)]
pub struct ApiQuery<T>(pub T);

impl<T> ApiQuery<T> {
    /// The parameters.
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> std::ops::Deref for ApiQuery<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T: DeserializeOwned + 'static> FromRequest for ApiJson<T> {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(request: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let request = request.clone();
        let bytes = web::Bytes::from_request(&request, payload);
        Box::pin(async move {
            match read(&request, bytes.await).await? {
                Some(body) => Ok(Self(body)),
                None => Err(ApiError::from(Refusal::bad_request(
                    "body",
                    "Send a JSON body (Content-Type: application/json).",
                ))),
            }
        })
    }
}

impl<T: DeserializeOwned + 'static> FromRequest for OptionalApiJson<T> {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(request: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let request = request.clone();
        let bytes = web::Bytes::from_request(&request, payload);
        // JSON `null` is no body too (the document allows it).
        Box::pin(async move {
            let body: Option<Option<T>> = read(&request, bytes.await).await?;
            Ok(Self(body.flatten()))
        })
    }
}

/// The body as `T`, `None` when there is none; a problem for anything that is not JSON of the
/// documented shape.
async fn read<T: DeserializeOwned>(
    request: &HttpRequest,
    bytes: Result<web::Bytes, actix_web::Error>,
) -> Result<Option<T>, ApiError> {
    let bytes = bytes.map_err(payload_problem)?;
    let declared_json = is_json(request);
    if bytes.is_empty() && !declared_json {
        return Ok(None);
    }
    if !declared_json {
        return Err(ApiError::new(
            ProblemCode::UnsupportedMediaType,
            "Send the body as JSON with `Content-Type: application/json`.",
        ));
    }
    if bytes.is_empty() {
        return Ok(None);
    }
    let value: Value = serde_json::from_slice(&bytes).map_err(|error| {
        // serde_json's position is safe to repeat; its message could quote the input.
        ApiError::from(Refusal::bad_request(
            "body",
            &format!(
                "Is not valid JSON ({} at line {}, column {}).",
                match error.classify() {
                    serde_json::error::Category::Eof => "it ends too early",
                    _ => "a syntax error",
                },
                error.line(),
                error.column()
            ),
        ))
    })?;
    if let (Some(contract), Some(pattern)) = (
        request.app_data::<web::Data<Contract>>(),
        crate::route_pattern::of(request),
    ) {
        contract.check_body(request.method(), &pattern, &value)?;
    }
    typed(value, request).map(Some)
}

/// The checked value as the handler's type. The document and the types come from the same
/// code, so a mismatch is a bug of ours: it is logged (by route, without the value).
fn typed<T: DeserializeOwned>(value: Value, request: &HttpRequest) -> Result<T, ApiError> {
    serde_json::from_value(value).map_err(|error| {
        tracing::warn!(
            route = %crate::route_pattern::of(request).unwrap_or_default(),
            category = ?error.classify(),
            "a request passed the document's schema but not the handler's type"
        );
        ApiError::from(Refusal::bad_request(
            "body",
            "Does not have the expected shape (see the API documentation).",
        ))
    })
}

fn is_json(request: &HttpRequest) -> bool {
    request.mime_type().ok().flatten().is_some_and(|mime| {
        (mime.type_() == "application" && mime.subtype() == "json")
            || mime.suffix().is_some_and(|suffix| suffix == "json")
    }) || request
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|value| value.as_bytes().starts_with(b"application/json"))
}

fn payload_problem(error: actix_web::Error) -> ApiError {
    match error.as_error::<PayloadError>() {
        Some(PayloadError::Overflow) => ApiError::new(
            ProblemCode::PayloadTooLarge,
            format!("The body is larger than {MAX_JSON_BYTES} bytes."),
        ),
        _ => ApiError::from(Refusal::bad_request(
            "body",
            "Could not be read (the connection broke off or the body is not as declared).",
        )),
    }
}

impl<T: DeserializeOwned + 'static> FromRequest for ApiQuery<T> {
    type Error = ApiError;
    type Future = std::future::Ready<Result<Self, ApiError>>;

    fn from_request(request: &HttpRequest, _payload: &mut Payload) -> Self::Future {
        std::future::ready(query(request).map(Self))
    }
}

fn query<T: DeserializeOwned>(request: &HttpRequest) -> Result<T, ApiError> {
    let pairs: Vec<(String, String)> =
        serde_urlencoded::from_str(request.query_string()).map_err(|_| {
            ApiError::from(Refusal::bad_request(
                "query",
                "Is not a well-formed query string.",
            ))
        })?;
    let value = match (
        request.app_data::<web::Data<Contract>>(),
        crate::route_pattern::of(request),
    ) {
        (Some(contract), Some(pattern)) => {
            contract.check_query(request.method(), &pattern, &pairs)?
        }
        _ => Value::Object(
            pairs
                .into_iter()
                .map(|(name, text)| (name, Value::String(text)))
                .collect(),
        ),
    };
    typed(value, request)
}
