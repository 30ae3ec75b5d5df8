//! Sending email over SMTP: the [`Mailer`] and the [`templates`] of the emails Confidant sends.
//!
//! Nothing here decides *when* to send: emails go out from background jobs (`crate::jobs`), so
//! that an SMTP outage delays an email instead of failing a request or losing the email.
//! Errors and logs never carry a recipient's address or an email's content.

mod mailer;
pub mod templates;

pub use mailer::{MailError, MailFailure, MailSetupError, Mailer, OutgoingEmail};
