//! The product's rules as plain functions over plain types, easy to read and to unit-test.

pub mod blasts;
pub mod conversations;
pub mod key_scopes;
pub mod passwords;
pub mod permissions;
pub mod recipients;
pub mod search;
