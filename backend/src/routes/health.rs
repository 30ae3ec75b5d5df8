//! `GET /healthz` and `GET /readyz`.

use std::time::Duration;

use actix_web::{HttpResponse, get, web};
use confidant_openapi::{CheckState, Health, Readiness};

use crate::db;
use crate::state::AppState;

/// The process is up.
#[utoipa::path(
    tag = "health",
    responses((status = 200, description = "The server answers", body = Health))
)]
#[get("/healthz")]
pub async fn healthz() -> web::Json<Health> {
    web::Json(Health {
        status: CheckState::Ok,
        version: env!("CARGO_PKG_VERSION").into(),
    })
}

/// How long readiness waits for the database before it says it is not ready.
const READINESS_DEADLINE: Duration = Duration::from_millis(1500);

/// The server can do useful work: its database answers (within 1.5 s).
#[utoipa::path(
    tag = "health",
    responses(
        (status = 200, description = "Ready", body = Readiness),
        (status = 503, description = "The database does not answer", body = Readiness,
            headers(("Retry-After" = u32, description = "Seconds to wait before asking again"))),
    )
)]
#[get("/readyz")]
pub async fn readyz(state: web::Data<AppState>) -> HttpResponse {
    // While the probe finds the database silent, at once; else asked now.
    let database =
        if !state.db_watch.is_down() && db::is_reachable(&state.pool, READINESS_DEADLINE).await {
            CheckState::Ok
        } else {
            CheckState::Unavailable
        };
    let readiness = Readiness {
        status: database,
        database,
    };
    match database {
        CheckState::Ok => HttpResponse::Ok().json(readiness),
        CheckState::Unavailable => HttpResponse::ServiceUnavailable()
            .insert_header((actix_web::http::header::RETRY_AFTER, "2"))
            .json(readiness),
    }
}
