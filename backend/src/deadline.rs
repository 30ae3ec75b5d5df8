//! Every API request has a deadline (`CONFIDANT_REQUEST_TIMEOUT_SECONDS`, 15 s by default):
//! past it the caller gets a 503 with `Retry-After` and the work is dropped, so a database
//! that freezes (answers nothing, yet keeps its connections open) cannot hold requests, or
//! the connections they hold, forever. Transactions cut short this way are rolled back by
//! PostgreSQL, and the pool discards their connections.
//!
//! File uploads and downloads have no deadline: their time depends on the caller's network.
//! Like every API request, they end the moment the database stops answering.

use std::time::Duration;

use actix_web::Error;
use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::web;

use crate::error::ApiError;
use crate::state::AppState;

/// The deadline, as app data.
#[derive(Debug, Clone, Copy)]
pub struct RequestDeadline(pub Duration);

/// The middleware: `App::new().wrap(from_fn(deadline::enforce))`. An API request also ends
/// (503) the moment the database's probe finds it gone silent ([`crate::db::watch`]): its work
/// cannot finish, and waiting for the deadline would only hold the caller and a connection.
pub async fn enforce(
    request: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    let path = request.path();
    if !path.starts_with("/api/") {
        return Ok(next.call(request).await?.map_into_boxed_body());
    }
    let deadline = request
        .app_data::<web::Data<RequestDeadline>>()
        .map(|deadline| deadline.0)
        .filter(|_| !path.starts_with("/api/v1/attachments"));
    let watch = request
        .app_data::<web::Data<AppState>>()
        .map(|state| state.db_watch.clone());
    let goes_down = async {
        match &watch {
            Some(watch) => watch.goes_down().await,
            None => std::future::pending().await,
        }
    };
    let past_deadline = async {
        match deadline {
            Some(deadline) => tokio::time::sleep(deadline).await,
            None => std::future::pending().await,
        }
    };
    // Not a clone of the request kept for the answer: routing needs the only reference. The
    // error becomes the answer (a 503 problem, `no-store`) where actix turns errors into
    // answers.
    tokio::select! {
        response = next.call(request) => Ok(response?.map_into_boxed_body()),
        () = goes_down => Err(ApiError::database_unavailable(
            "a request in flight",
            &std::io::Error::new(
                std::io::ErrorKind::TimedOut,
                "the database stopped answering the probe",
            ),
        )
        .into()),
        () = past_deadline => {
            // The request's own log line names the route.
            tracing::error!(
                deadline_ms = deadline.map_or(0, |deadline| deadline.as_millis() as u64),
                "request deadline passed; answered 503"
            );
            Err(ApiError::deadline_passed().into())
        }
    }
}
