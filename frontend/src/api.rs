//! The one client for Confidant's REST API, using the shared wire types. Each resource has
//! its own module; every failure becomes an [`ApiError`] whose text can be shown as it is.

pub mod health;

use confidant_openapi::Problem;
use gloo_net::http::{Request, Response};
use serde::de::DeserializeOwned;

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
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message())
    }
}

/// `GET path` and decode the JSON answer. A non-2xx answer that still carries the expected
/// type (as `/readyz` does with 503) is decoded too when `accept_error_body` is set.
async fn get_json<T: DeserializeOwned>(path: &str, accept_error_body: bool) -> Result<T, ApiError> {
    let response = Request::get(path)
        .header("Accept", "application/json")
        .send()
        .await
        .map_err(|_| ApiError::Network)?;
    decode(response, accept_error_body).await
}

async fn decode<T: DeserializeOwned>(
    response: Response,
    accept_error_body: bool,
) -> Result<T, ApiError> {
    let status = response.status();
    if response.ok() || accept_error_body {
        if let Ok(value) = response.json::<T>().await {
            return Ok(value);
        }
        return Err(ApiError::Unexpected { status });
    }
    match response.json::<Problem>().await {
        Ok(problem) => Err(ApiError::Problem(problem)),
        Err(_) => Err(ApiError::Unexpected { status }),
    }
}
