//! Confidant's server as a library, so that the binary and the end-to-end tests start the very
//! same application.

pub mod api_doc;
pub mod attachments;
pub mod auth;
pub mod blasts;
pub mod config;
pub mod db;
pub mod domain;
pub mod email;
pub mod email_changes;
pub mod error;
pub mod invitations;
pub mod jobs;
pub mod maintenance;
pub mod messaging;
pub mod pagination;
pub mod provisioning;
pub mod routes;
pub mod security_headers;
pub mod startup;
pub mod state;
pub mod telemetry;
pub mod views;
pub mod web_app;
