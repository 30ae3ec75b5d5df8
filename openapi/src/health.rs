//! Liveness and readiness answers, for load balancers, `cargo xtask run` and the web app's
//! status line.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// `GET /healthz`: the process is up and answering.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Health {
    /// Always `ok` when the server answers at all.
    pub status: CheckState,
    /// The server's version (its crate version).
    pub version: String,
}

/// `GET /readyz`: whether the server can do useful work (its database answers).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Readiness {
    /// `ok` when every dependency answers, else `unavailable` (with HTTP status 503).
    pub status: CheckState,
    /// The PostgreSQL database.
    pub database: CheckState,
}

/// The state of one check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CheckState {
    /// It answers.
    Ok,
    /// It does not answer (yet).
    Unavailable,
}
