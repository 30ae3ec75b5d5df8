//! One module per page of the app.

pub mod accept_invitation;
pub mod account;
pub mod admin;
pub mod blasts;
pub mod compose;
pub mod confirm_email;
pub mod forgot_password;
pub mod integrations;
pub mod messages;
pub mod not_found;
pub mod reset_password;
pub mod sign_in;
pub mod thread;
