//! Row types and the queries on them, one module per table (or close family of tables).
//! Every query on practice data takes the practice id and filters by it.

pub mod api_key;
pub mod attachment;
pub mod audit;
pub mod blast;
pub mod conversation;
pub mod draft;
pub mod email_change;
pub mod idempotency_key;
pub mod invitation;
pub mod mfa_challenge;
pub mod password_reset;
pub mod person;
pub mod practice;
pub mod rate_limit;
pub mod session;
pub mod staff_group;
pub mod totp;
pub mod webhook;
pub mod webhook_delivery;
