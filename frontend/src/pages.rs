//! One module per page of the app.

pub mod accept_invitation;
pub mod admin;
pub mod blasts;
pub mod compose;
pub mod confirm_email;
pub mod messages;
pub mod not_found;
pub mod sign_in;
pub mod thread;
