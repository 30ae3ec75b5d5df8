//! Webhooks (R-WEBHOOK): signed deliveries of the event log to endpoints a practice
//! registers. So far: where an endpoint may point ([`target`]).

pub mod target;
