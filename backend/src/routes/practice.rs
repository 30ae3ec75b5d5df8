//! `/api/v1/practice`: the practice's own settings and what it stores (owners and admins).

pub mod update;
pub mod usage;
