//! Pieces of the layout shared by several pages.

pub mod sidebar;
pub mod status_line;
