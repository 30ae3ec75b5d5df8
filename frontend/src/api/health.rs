//! Health and readiness of the server.

use confidant_openapi::Readiness;

use super::{ApiError, get_json};

/// `GET /readyz`: whether the API and its database answer.
pub async fn readiness() -> Result<Readiness, ApiError> {
    get_json("/readyz", true).await
}
