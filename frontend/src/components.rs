//! Pieces of the layout shared by several pages.

pub mod attachments;
pub mod auth_card;
pub mod avatar;
pub mod blast_handoff;
pub mod brand;
pub mod confirm;
pub mod discard;
pub mod draft;
pub mod idle_warning;
pub mod lookup;
pub mod menu;
pub mod new_password;
pub mod page_focus;
pub mod recipient_labels;
pub mod recipient_summary;
pub mod sidebar;
pub mod status_line;
pub mod time;
pub mod top_bar;
pub mod totp_setup;
pub mod unread;
