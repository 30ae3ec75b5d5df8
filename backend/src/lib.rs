//! Confidant's server as a library, so that the binary and the end-to-end tests start the very
//! same application.

pub mod api_doc;
pub mod config;
pub mod db;
pub mod error;
pub mod routes;
pub mod startup;
pub mod state;
pub mod telemetry;
pub mod web_app;
