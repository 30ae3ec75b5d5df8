//! `/api/v1/blasts`: one message to many clients, each as a new private thread (SPEC §6).
//! Staff only; a blast is visible to its sender alone.

pub mod audience;
pub mod create;
pub mod get;
pub mod list;
pub mod recipients;
