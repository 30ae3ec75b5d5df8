//! `/api/v1/attachments`: uploading files to send with a message, and downloading them.

pub mod download;
pub mod upload;
