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

/// The sign-in page under `public_url`, sending the person on to `next` (a path of the app,
/// such as `/messages/<id>`: an id, never content) once signed in.
pub fn sign_in_link(public_url: &url::Url, next: Option<&str>) -> String {
    let mut link = public_url.clone();
    link.set_path("/sign-in");
    if let Some(next) = next {
        link.query_pairs_mut().append_pair("next", next);
    }
    link.into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sign_in_link_carries_the_page_to_return_to() {
        let public = url::Url::parse("https://portal.example.com").expect("a URL");
        assert_eq!(
            sign_in_link(&public, Some("/messages/0191")),
            "https://portal.example.com/sign-in?next=%2Fmessages%2F0191"
        );
        assert_eq!(
            sign_in_link(&public, None),
            "https://portal.example.com/sign-in"
        );
    }
}
