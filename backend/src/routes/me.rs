//! `/api/v1/me/…`: the signed-in person's own record and account.

pub mod api_keys;
pub mod get;
pub mod mfa;
pub mod password;
pub mod sessions;
