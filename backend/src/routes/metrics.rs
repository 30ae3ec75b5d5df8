//! `GET /metrics`: the Prometheus scrape (see [`crate::monitoring`]), for whoever holds
//! `CONFIDANT_METRICS_TOKEN`. Off (404) when no token is set: the figures are not personal,
//! but how busy a practice's server is is nobody else's business either.

use std::time::Duration;

use actix_web::http::header::CONTENT_TYPE;
use actix_web::{HttpRequest, HttpResponse, get, web};
use confidant_openapi::ProblemCode;

use crate::auth::current::bearer_token;
use crate::error::ApiError;
use crate::jobs;
use crate::monitoring;
use crate::state::AppState;

/// How long the queue's census may wait for the database before the scrape goes on without.
const CENSUS_DEADLINE: Duration = Duration::from_millis(1500);

/// The Prometheus text format's media type.
const PROMETHEUS_TEXT: &str = "text/plain; version=0.0.4; charset=utf-8";

/// Metrics for Prometheus.
///
/// Request latency by route pattern, job attempts and the job queue by kind, SMTP sends and
/// their latency, database pool use. Labels hold no personal data. Needs
/// `Authorization: Bearer` with the server's `CONFIDANT_METRICS_TOKEN`; without one set,
/// metrics are off (404).
#[utoipa::path(
    tag = "health",
    security(("metrics_token" = [])),
    responses(
        (status = 200, description = "The metrics, in Prometheus' text exposition format",
            content_type = "text/plain; version=0.0.4; charset=utf-8", body = String),
        (status = 404, description = "Metrics are off: the server has no `CONFIDANT_METRICS_TOKEN` (told only to a request that brings a token)",
            body = confidant_openapi::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/metrics")]
pub async fn metrics(
    request: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let unauthorized = || {
        ApiError::new(
            ProblemCode::Unauthorized,
            "Send the server's metrics token as `Authorization: Bearer <token>`.",
        )
    };
    let presented = bearer_token(request.headers()).ok_or_else(unauthorized)?;
    // Only someone who brings a token learns whether metrics are on.
    let Some(token) = &state.config.metrics_token else {
        return Err(ApiError::new(
            ProblemCode::NotFound,
            "Metrics are off on this server: set CONFIDANT_METRICS_TOKEN to turn them on.",
        ));
    };
    if !token.matches(presented) {
        return Err(unauthorized());
    }
    let Some(recorder) = monitoring::install() else {
        return Err(ApiError::not_found());
    };
    monitoring::db_pool(state.pools.status());
    let census = async {
        let mut conn = state.pool.get().await.ok()?;
        jobs::census(&mut conn).await.ok()
    };
    monitoring::job_queue(
        tokio::time::timeout(CENSUS_DEADLINE, census)
            .await
            .ok()
            .flatten(),
    );
    recorder.run_upkeep();
    Ok(HttpResponse::Ok()
        .insert_header((CONTENT_TYPE, PROMETHEUS_TEXT))
        .body(recorder.render()))
}
