//! Who is calling: passwords, access tokens, refresh tokens, the signed-in-person extractor
//! and sign-in throttling.

pub mod current;
pub mod device;
pub mod keyed_hash;
pub mod new_password;
pub mod password;
pub mod refresh;
pub mod second_factor;
pub mod throttle;
pub mod tokens;
pub mod totp;

pub use current::{Caller, CurrentPerson, SignedIn};
