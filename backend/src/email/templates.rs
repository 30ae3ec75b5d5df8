//! The emails Confidant sends, each as `(subject, text, html)` in one calm layout.
//!
//! A template takes only what it shows, so an email cannot leak what it was never given
//! (R-NOTIFY-PRIVATE: a notification gets the practice's name and a link, nothing else).
//! Every interpolated value is HTML-escaped in the HTML part, and the text and HTML parts are
//! rendered from the same blocks so that they always say the same thing.

/// How many days an invitation link stays valid; the invitation email states it.
pub const INVITATION_VALID_DAYS: u32 = 7;

/// The invitation to a practice's portal: set a password with `link`.
pub fn invitation(practice_name: &str, link: &str) -> (String, String, String) {
    let practice = one_line(practice_name);
    let subject = format!("You're invited to {practice}'s secure portal");
    let blocks = [
        Block::Heading(format!("You're invited to {practice}'s secure portal")),
        Block::Paragraph(format!(
            "{practice} has invited you to their secure messaging portal on Confidant."
        )),
        Block::Paragraph("Choose a password to get started:".to_owned()),
        Block::Button {
            label: "Set your password",
            link,
        },
        Block::Note(format!(
            "This link works once and expires in {INVITATION_VALID_DAYS} days."
        )),
        Block::Note(
            "If you weren't expecting this invitation, you can ignore this email.".to_owned(),
        ),
    ];
    render(subject, &practice, &blocks)
}

/// The notification of a new message (R-NOTIFY-PRIVATE): that a secure message is waiting at
/// the practice, and a link to sign in. Deliberately nothing else: no subject, no text, no
/// sender, no attachment names.
pub fn secure_message_waiting(practice_name: &str, sign_in_link: &str) -> (String, String, String) {
    let practice = one_line(practice_name);
    let subject = format!("You have a secure message at {practice}");
    let blocks = [
        Block::Heading("You have a secure message".to_owned()),
        Block::Paragraph(format!(
            "A secure message is waiting for you at {practice}. Sign in to read it:"
        )),
        Block::Button {
            label: "Sign in",
            link: sign_in_link,
        },
        Block::Note(
            "For your privacy, messages are never sent by email; they stay in the secure portal."
                .to_owned(),
        ),
    ];
    render(subject, &practice, &blocks)
}

/// How many hours an email-confirmation link stays valid; the email states it.
pub const EMAIL_CONFIRMATION_VALID_HOURS: u32 = 24;

/// To the new address of a sign-in email change: confirm it with `link` before it becomes
/// the sign-in name.
pub fn email_change_confirmation(practice_name: &str, link: &str) -> (String, String, String) {
    let practice = one_line(practice_name);
    let subject = format!("Confirm your email for {practice}'s secure portal");
    let blocks = [
        Block::Heading("Confirm your email address".to_owned()),
        Block::Paragraph(format!(
            "{practice} asked to make this address the sign-in email of your account on its              secure messaging portal. It takes effect once you confirm it:"
        )),
        Block::Button {
            label: "Confirm this address",
            link,
        },
        Block::Note(format!(
            "This link works once and expires in {EMAIL_CONFIRMATION_VALID_HOURS} hours."
        )),
        Block::Note(
            "If you weren't expecting this, ignore this email: nothing changes.".to_owned(),
        ),
    ];
    render(subject, &practice, &blocks)
}

/// To the old address of a sign-in email change: that it was asked for, so that nobody's
/// sign-in moves without them hearing of it (R-NO-TAKEOVER). The new address is not named.
pub fn email_change_notice(practice_name: &str, sign_in_link: &str) -> (String, String, String) {
    let practice = one_line(practice_name);
    let subject = format!("The sign-in email of your {practice} account is being changed");
    let blocks = [
        Block::Heading("Your sign-in email is being changed".to_owned()),
        Block::Paragraph(format!(
            "Someone at {practice} asked to change the sign-in email of your account on its              secure messaging portal to another address. The change takes effect when the new              address is confirmed."
        )),
        Block::Paragraph(format!(
            "If you did not expect this, contact {practice} right away and ask them to              keep your account at this address."
        )),
        Block::Button {
            label: "Sign in",
            link: sign_in_link,
        },
    ];
    render(subject, &practice, &blocks)
}

/// How many minutes a password reset link stays valid; the email states it.
pub const PASSWORD_RESET_VALID_MINUTES: u32 = 60;

/// A password reset link (R-RESET), to the account's sign-in address only.
pub fn password_reset(practice_name: &str, link: &str) -> (String, String, String) {
    let practice = one_line(practice_name);
    let subject = format!("Reset your password for {practice}'s secure portal");
    let blocks = [
        Block::Heading("Reset your password".to_owned()),
        Block::Paragraph(format!(
            "Someone asked to reset the password of your account on {practice}'s secure \
             messaging portal. To choose a new password, use this link:"
        )),
        Block::Button {
            label: "Choose a new password",
            link,
        },
        Block::Note(format!(
            "This link works once and expires in {PASSWORD_RESET_VALID_MINUTES} minutes. \
             Choosing a new password signs you out everywhere."
        )),
        Block::Note(
            "If you did not ask for this, you can ignore this email: your password stays as it is."
                .to_owned(),
        ),
    ];
    render(subject, &practice, &blocks)
}

/// That a password was changed (by a reset or by the person), so that a change the person did
/// not make does not go unnoticed.
pub fn password_changed(practice_name: &str, sign_in_link: &str) -> (String, String, String) {
    let practice = one_line(practice_name);
    let subject = format!("Your password for {practice}'s secure portal was changed");
    let blocks = [
        Block::Heading("Your password was changed".to_owned()),
        Block::Paragraph(format!(
            "The password of your account on {practice}'s secure messaging portal was just \
             changed, and every place you were signed in was signed out."
        )),
        Block::Paragraph(format!(
            "If you did not do this, reset your password from the sign-in page at once and \
             tell {practice}."
        )),
        Block::Button {
            label: "Sign in",
            link: sign_in_link,
        },
    ];
    render(subject, &practice, &blocks)
}

/// To a person whose sign-in with an authenticator app was just turned off.
pub fn second_factor_off(practice_name: &str, account_link: &str) -> (String, String, String) {
    let practice = one_line(practice_name);
    let subject = format!("Your second sign-in step for {practice}'s secure portal was turned off");
    let blocks = [
        Block::Heading("Your second sign-in step was turned off".to_owned()),
        Block::Paragraph(format!(
            "Signing in to your account on {practice}'s secure messaging portal no longer asks \
             for a code from your authenticator app: your password alone now signs in."
        )),
        Block::Paragraph(format!(
            "If you did not do this, change your password at once, turn the second step back \
             on under Your account, and tell {practice}."
        )),
        Block::Button {
            label: "Open your account",
            link: account_link,
        },
    ];
    render(subject, &practice, &blocks)
}

/// To a person who just signed in with one of their recovery codes.
pub fn recovery_code_used(practice_name: &str, account_link: &str) -> (String, String, String) {
    let practice = one_line(practice_name);
    let subject = format!("A recovery code was used to sign in to {practice}'s secure portal");
    let blocks = [
        Block::Heading("A recovery code was used".to_owned()),
        Block::Paragraph(format!(
            "Someone just signed in to your account on {practice}'s secure messaging portal \
             with one of your recovery codes instead of a code from your authenticator app. \
             That code cannot be used again."
        )),
        Block::Paragraph(format!(
            "If it was not you, change your password at once, end your other sessions under \
             Your account, and tell {practice}. If your phone is lost, set up your \
             authenticator app again there."
        )),
        Block::Button {
            label: "Open your account",
            link: account_link,
        },
    ];
    render(subject, &practice, &blocks)
}

/// To a practice's owners: one of its webhook endpoints failed for days and was turned off.
/// Names neither the endpoint's address nor anything it was sent.
pub fn webhook_disabled(
    practice_name: &str,
    days: u64,
    integrations_link: &str,
) -> (String, String, String) {
    let practice = one_line(practice_name);
    let subject = format!("A webhook endpoint of {practice} was turned off");
    let blocks = [
        Block::Heading("A webhook endpoint was turned off".to_owned()),
        Block::Paragraph(format!(
            "Every delivery to one of {practice}'s webhook endpoints has failed for {days} \
             days, so Confidant stopped sending to it. The integration that relies on it no \
             longer hears of changes."
        )),
        Block::Paragraph(
            "Check the endpoint's delivery log on the Integrations page, fix the receiver, \
             then turn the endpoint back on."
                .to_owned(),
        ),
        Block::Button {
            label: "Open Integrations",
            link: integrations_link,
        },
    ];
    render(subject, &practice, &blocks)
}

/// A piece of an email, rendered as text and as HTML.
enum Block<'a> {
    Heading(String),
    Paragraph(String),
    /// A call to action: a button in HTML, `label: link` in text.
    Button {
        label: &'static str,
        link: &'a str,
    },
    /// Smaller, quieter text.
    Note(String),
}

const FONT: &str = "-apple-system,BlinkMacSystemFont,'Segoe UI',Roboto,Helvetica,Arial,sans-serif";
const ACCENT: &str = "#2f6f6a";

fn render(subject: String, practice: &str, blocks: &[Block<'_>]) -> (String, String, String) {
    let mut text = String::new();
    let mut body = String::new();
    for block in blocks {
        match block {
            Block::Heading(heading) => {
                text.push_str(&format!("{heading}\n\n"));
                body.push_str(&format!(
                    "<h1 style=\"margin:0 0 16px;font-size:20px;line-height:1.3;font-weight:600;\">{}</h1>\n",
                    escape(heading)
                ));
            }
            Block::Paragraph(paragraph) => {
                text.push_str(&format!("{paragraph}\n\n"));
                body.push_str(&format!(
                    "<p style=\"margin:0 0 16px;\">{}</p>\n",
                    escape(paragraph)
                ));
            }
            Block::Button { label, link } => {
                text.push_str(&format!("{label}: {link}\n\n"));
                let href = escape(link);
                body.push_str(&format!(
                    "<p style=\"margin:24px 0;\"><a href=\"{href}\" style=\"display:inline-block;\
                     background:{ACCENT};color:#ffffff;text-decoration:none;padding:12px 20px;\
                     border-radius:6px;font-weight:600;\">{}</a></p>\n\
                     <p style=\"margin:0 0 16px;font-size:14px;color:#52606d;\">If the button \
                     does not work, copy this address into your browser:<br>\
                     <a href=\"{href}\" style=\"color:{ACCENT};word-break:break-all;\">{href}</a></p>\n",
                    escape(label)
                ));
            }
            Block::Note(note) => {
                text.push_str(&format!("{note}\n\n"));
                body.push_str(&format!(
                    "<p style=\"margin:0 0 12px;font-size:14px;color:#52606d;\">{}</p>\n",
                    escape(note)
                ));
            }
        }
    }
    let footer = format!("Sent by Confidant on behalf of {practice}.");
    // "-- " (with the space) is the signature separator mail clients recognise.
    text.push_str(&format!("-- \n{footer}\n"));
    let html = format!(
        "<!DOCTYPE html>\n\
         <html lang=\"en\">\n\
         <head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{title}</title></head>\n\
         <body style=\"margin:0;padding:0;background:#f4f5f7;\">\n\
         <table role=\"presentation\" width=\"100%\" cellpadding=\"0\" cellspacing=\"0\" \
         style=\"background:#f4f5f7;padding:32px 16px;\"><tr><td align=\"center\">\n\
         <table role=\"presentation\" width=\"100%\" cellpadding=\"0\" cellspacing=\"0\" \
         style=\"max-width:560px;background:#ffffff;border-radius:8px;\"><tr>\
         <td style=\"padding:32px;font-family:{FONT};font-size:16px;line-height:1.5;color:#1f2933;\">\n\
         {body}\
         </td></tr></table>\n\
         <p style=\"margin:16px 0 0;font-family:{FONT};font-size:12px;color:#7b8794;\">{footer}</p>\n\
         </td></tr></table>\n\
         </body>\n\
         </html>\n",
        title = escape(&subject),
        footer = escape(&footer),
    );
    (subject, text, html)
}

/// Escapes text for HTML content and quoted attribute values.
fn escape(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&#39;"),
            other => escaped.push(other),
        }
    }
    escaped
}

/// A stored name is shown on one line: control characters (line breaks) become spaces.
fn one_line(text: &str) -> String {
    text.split(char::is_control)
        .map(str::trim)
        .filter(|part| !part.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    const LINK: &str = "https://confidant.example.com/invitations/abc?token=x&y=1";

    #[test]
    fn invitation_names_the_practice_and_the_link_in_both_parts() {
        let (subject, text, html) = invitation("Riverside Therapy", LINK);
        assert_eq!(
            subject,
            "You're invited to Riverside Therapy's secure portal"
        );
        assert!(text.contains("Riverside Therapy"), "{text}");
        assert!(text.contains(LINK), "{text}");
        assert!(
            text.contains("works once") && text.contains("7 days"),
            "{text}"
        );
        assert!(text.contains("ignore"), "{text}");
        assert!(html.contains("Riverside Therapy"), "{html}");
        // In HTML the link's `&` is escaped, as attribute values require.
        assert!(html.contains(&escape(LINK)), "{html}");
        assert!(html.contains("7 days"), "{html}");
    }

    #[test]
    fn secure_message_waiting_names_the_practice_and_the_link_only() {
        let link = "https://confidant.example.com/sign-in";
        let (subject, text, html) = secure_message_waiting("Riverside Therapy", link);
        assert_eq!(subject, "You have a secure message at Riverside Therapy");
        assert!(
            text.contains("Riverside Therapy") && text.contains(link),
            "{text}"
        );
        assert!(
            html.contains("Riverside Therapy") && html.contains(link),
            "{html}"
        );
        // With other inputs, everything but the two values stays the same: nothing else varies.
        let (other_subject, other_text, other_html) =
            secure_message_waiting("Lakeside Clinic", "https://other.example/sign-in");
        let neutral = |s: &str, practice: &str, link: &str| {
            s.replace(practice, "PRACTICE").replace(link, "LINK")
        };
        assert_eq!(
            neutral(&subject, "Riverside Therapy", link),
            neutral(
                &other_subject,
                "Lakeside Clinic",
                "https://other.example/sign-in"
            )
        );
        assert_eq!(
            neutral(&text, "Riverside Therapy", link),
            neutral(
                &other_text,
                "Lakeside Clinic",
                "https://other.example/sign-in"
            )
        );
        assert_eq!(
            neutral(&html, "Riverside Therapy", link),
            neutral(
                &other_html,
                "Lakeside Clinic",
                "https://other.example/sign-in"
            )
        );
    }

    #[test]
    fn second_factor_notices_name_the_practice_and_the_account_link_only() {
        // R-MFA: they say what happened and what to do, and vary with nothing else.
        let link = "https://confidant.example.com/account";
        for notice in [second_factor_off, recovery_code_used] {
            let (subject, text, html) = notice("Riverside Therapy", link);
            assert!(subject.contains("Riverside Therapy"), "{subject}");
            assert!(
                text.contains(link) && text.contains("change your password"),
                "{text}"
            );
            assert!(html.contains(link), "{html}");
            let (other_subject, other_text, _) = notice("Lakeside Clinic", "https://x.example/a");
            assert_eq!(
                subject.replace("Riverside Therapy", "P"),
                other_subject.replace("Lakeside Clinic", "P")
            );
            assert_eq!(
                text.replace("Riverside Therapy", "P").replace(link, "L"),
                other_text
                    .replace("Lakeside Clinic", "P")
                    .replace("https://x.example/a", "L")
            );
        }
    }

    #[test]
    fn html_special_characters_in_the_practice_name_are_escaped() {
        let practice = "Smith & <b>Jones</b> \"Care\"";
        for (subject, text, html) in [
            invitation(practice, LINK),
            secure_message_waiting(practice, LINK),
            second_factor_off(practice, LINK),
            recovery_code_used(practice, LINK),
        ] {
            assert!(subject.contains(practice), "{subject}");
            assert!(text.contains(practice), "{text}");
            assert!(!html.contains("<b>Jones</b>"), "{html}");
            assert!(
                html.contains("Smith &amp; &lt;b&gt;Jones&lt;/b&gt; &quot;Care&quot;"),
                "{html}"
            );
        }
    }

    #[test]
    fn a_link_cannot_break_out_of_its_attribute() {
        let (_, _, html) = invitation("P", "https://x.example/\"><script>alert(1)</script>");
        assert!(!html.contains("<script>"), "{html}");
    }

    #[test]
    fn line_breaks_in_a_practice_name_do_not_reach_the_subject() {
        let (subject, _, _) = invitation("Evil\r\nBcc: someone@example.com", LINK);
        assert!(
            !subject.contains('\n') && !subject.contains('\r'),
            "{subject}"
        );
    }
}
