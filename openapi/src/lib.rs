//! The wire types of Confidant's REST API.
//!
//! Every request and response body is declared here once, with serde for the JSON and utoipa
//! for the OpenAPI document, whose schemas state the input rules too (lengths, counts,
//! formats): the server checks every request against them, so that the server, the web app,
//! the end-to-end tests and integrators cannot disagree about the shape of a message. The committed
//! `openapi/openapi.json` beside this crate is generated from these types by the server.

pub mod api_keys;
pub mod attachments;
pub mod audit;
pub mod auth;
pub mod blasts;
pub mod conversations;
pub mod drafts;
pub mod events;
pub mod health;
pub mod me;
pub mod people;
pub mod problem;
pub mod recipients;
pub mod staff_groups;
pub mod webhooks;

pub use health::{CheckState, Health, Readiness};
pub use problem::{Problem, ProblemCode};

/// Every JSON route of the API lives under this prefix.
pub const API_PREFIX: &str = "/api/v1";

/// The rule every text field and query parameter of a request follows: no control characters
/// but tab, line feed and carriage return (PostgreSQL cannot store NUL, and the others have no
/// place in what people type). The OpenAPI document states it as each field's `pattern`.
pub const TEXT_PATTERN: &str = r"^[^\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]*$";

/// [`TEXT_PATTERN`] for text that must hold more than white space (subjects, bodies, names).
/// Request types mark such fields with `pattern = r"\S"`; the document states this instead.
pub const NON_BLANK_TEXT_PATTERN: &str = r"^[\t\n\r \u0085\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]*[^\u0000-\u0020\u007F\u0085\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000][^\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]*$";

/// The media type of error answers (RFC 9457).
pub const PROBLEM_JSON: &str = "application/problem+json";
