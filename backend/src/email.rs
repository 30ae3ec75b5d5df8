//! Sending email over SMTP: the [`Mailer`] and the [`templates`] of the emails Confidant sends.
//!
//! Nothing here decides *when* to send: emails go out from background jobs (`crate::jobs`), so
//! that an SMTP outage delays an email instead of failing a request or losing the email.
//! Errors and logs never carry a recipient's address or an email's content.

mod mailer;
pub mod templates;

pub use mailer::{MailError, MailFailure, MailSetupError, Mailer, OutgoingEmail};

/// The web app's page `path` under `public_url` (the address people use), with a one-time
/// `token` in the fragment when given: browsers never send a fragment to servers or in
/// `Referer` headers.
pub fn app_link(public_url: &url::Url, path: &str, token: Option<&str>) -> String {
    let mut link = public_url.clone();
    link.set_path(path);
    if let Some(token) = token {
        link.set_fragment(Some(&format!("token={token}")));
    }
    link.into()
}
