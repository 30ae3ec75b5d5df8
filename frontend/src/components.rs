//! Pieces of the layout shared by several pages.

pub mod brand;
pub mod sidebar;
pub mod status_line;
