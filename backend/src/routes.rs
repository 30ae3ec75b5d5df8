//! The HTTP routes, one module per resource. Each handler carries its `#[utoipa::path]`, and
//! utoipa-actix-web collects them into the OpenAPI document as they are registered here, so a
//! route cannot be served without being documented.

pub mod health;

use utoipa_actix_web::service_config::ServiceConfig;

/// Routes outside `/api/v1` (health checks).
pub fn root(config: &mut ServiceConfig) {
    config.service(health::healthz).service(health::readyz);
}

/// Routes under `/api/v1`. Later resources (auth, people, conversations, …) register here.
pub fn api_v1(_config: &mut ServiceConfig) {}
