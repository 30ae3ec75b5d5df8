//! `/api/v1/attachments`: uploading files to send with a message, removing unsent ones, and
//! downloading them.

pub mod delete;
pub mod download;
pub mod upload;
