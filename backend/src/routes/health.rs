//! `GET /healthz` and `GET /readyz`.

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

/// The server can do useful work: its database answers.
#[utoipa::path(
    tag = "health",
    responses(
        (status = 200, description = "Ready", body = Readiness),
        (status = 503, description = "The database does not answer", body = Readiness),
    )
)]
#[get("/readyz")]
pub async fn readyz(state: web::Data<AppState>) -> HttpResponse {
    let database = if db::is_reachable(&state.pool).await {
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
        CheckState::Unavailable => HttpResponse::ServiceUnavailable().json(readiness),
    }
}
