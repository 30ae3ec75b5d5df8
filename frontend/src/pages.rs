//! One module per page of the app.

pub mod messages;
pub mod not_found;
