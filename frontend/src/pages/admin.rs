//! Pages for a practice's owners and admins: clients, staff and staff groups.

pub mod groups;
pub mod people;
