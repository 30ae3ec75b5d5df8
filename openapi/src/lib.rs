//! The wire types of Confidant's REST API.
//!
//! Every request and response body is declared here once, with serde for the JSON and utoipa
//! for the OpenAPI document, whose schemas state the input rules too (lengths, counts,
//! formats): the server checks every request against them, so that the server, the web app,
//! the end-to-end tests and integrators cannot disagree about the shape of a message. The committed
//! `openapi/openapi.json` beside this crate is generated from these types by the server.

pub mod attachments;
pub mod auth;
pub mod blasts;
pub mod conversations;
pub mod health;
pub mod me;
pub mod people;
pub mod problem;
pub mod recipients;
pub mod staff_groups;

pub use health::{CheckState, Health, Readiness};
pub use problem::{Problem, ProblemCode};

/// Every JSON route of the API lives under this prefix.
pub const API_PREFIX: &str = "/api/v1";

/// The media type of error answers (RFC 9457).
pub const PROBLEM_JSON: &str = "application/problem+json";
