//! Webhooks (R-WEBHOOK): signed deliveries of the event log to endpoints a practice
//! registers, the Standard Webhooks way.
//!
//! - [`target`]: where an endpoint may point (SSRF protection), checked at registration and
//!   before every attempt.
//! - [`dispatch`]: the event log → one delivery per subscribed endpoint, each with a job.
//! - [`delivery`]: the job that makes an attempt, records it and schedules the next
//!   ([`retry`]); [`sender`] does the signed POST ([`signing`]) with its deadline.
//! - [`disabled_notice`]: the owners' email when an endpoint failed too long.

pub mod delivery;
pub mod disabled_notice;
pub mod dispatch;
pub mod retry;
pub mod sender;
pub mod signing;
pub mod target;
