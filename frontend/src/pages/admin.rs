//! Pages for a practice's owners and admins: clients, staff, staff groups and the practice.

pub mod audit;
pub mod groups;
pub mod people;
pub mod practice;
