//! Every API request has a deadline (`CONFIDANT_REQUEST_TIMEOUT_SECONDS`, 15 s by default):
//! past it the caller gets a 503 with `Retry-After` and the work is dropped, so a database
//! that freezes (answers nothing, yet keeps its connections open) cannot hold requests, or
//! the connections they hold, forever. Transactions cut short this way are rolled back by
//! PostgreSQL, and the pool discards their connections.
//!
//! File uploads and downloads are left out: their time depends on the caller's network, and
//! their database work is short and bounded by the pool's own deadlines.

use std::time::Duration;

use actix_web::Error;
use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::web;

use crate::error::ApiError;

/// The deadline, as app data.
#[derive(Debug, Clone, Copy)]
pub struct RequestDeadline(pub Duration);

/// The middleware: `App::new().wrap(from_fn(deadline::enforce))`.
pub async fn enforce(
    request: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    let deadline = request
        .app_data::<web::Data<RequestDeadline>>()
        .map(|deadline| deadline.0);
    let path = request.path();
    let exempt = !path.starts_with("/api/") || path.starts_with("/api/v1/attachments");
    let Some(deadline) = deadline.filter(|_| !exempt) else {
        return Ok(next.call(request).await?.map_into_boxed_body());
    };
    // Not a clone of the request kept for the answer: routing needs the only reference. The
    // error becomes the answer (a 503 problem, `no-store`) where actix turns errors into
    // answers.
    match tokio::time::timeout(deadline, next.call(request)).await {
        Ok(response) => Ok(response?.map_into_boxed_body()),
        Err(_) => {
            // The request's own log line names the route.
            tracing::error!(
                deadline_ms = deadline.as_millis() as u64,
                "request deadline passed; answered 503"
            );
            Err(ApiError::deadline_passed().into())
        }
    }
}
