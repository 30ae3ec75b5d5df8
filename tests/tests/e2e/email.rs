//! Email over real SMTP: what arrives, how failures look, and what notifications may hold.

use std::time::Duration;

use confidant::config::Config;
use confidant::email::{MailError, MailFailure, Mailer, OutgoingEmail, templates};
use confidant_tests::smtp::SmtpSink;

const WAIT: Duration = Duration::from_secs(10);

/// A mailer that sends to `sink` as the configured default sender.
fn mailer_for(sink: &SmtpSink) -> Mailer {
    let url = sink.url();
    let config = Config::from_lookup(|name| (name == "CONFIDANT_SMTP_URL").then(|| url.clone()))
        .expect("a valid config");
    Mailer::from_config(&config).expect("a mailer")
}

fn email(to: &str, subject: &str) -> OutgoingEmail {
    OutgoingEmail {
        to: to.into(),
        subject: subject.into(),
        text: "Hello in plain text.\n\nA line that starts with a dot:\n.hidden".into(),
        html: "<p>Hello in <strong>HTML</strong>.</p>".into(),
    }
}

#[tokio::test]
async fn sent_email_arrives_with_its_recipient_subject_and_both_parts() {
    let sink = SmtpSink::start().await;
    let mailer = mailer_for(&sink);

    mailer
        .send(&email("client@example.test", "Café hours — été"))
        .await
        .expect("sent");

    let received = sink.wait_for(1, WAIT).await;
    assert_eq!(received.len(), 1);
    assert_eq!(received[0].recipients, vec!["client@example.test"]);
    assert_eq!(received[0].envelope_from, "no-reply@confidant.local");
    let mail = received[0].parse();
    assert_eq!(mail.to, vec!["client@example.test"]);
    assert_eq!(mail.from.as_deref(), Some("no-reply@confidant.local"));
    assert_eq!(mail.subject, "Café hours — été");
    let text = mail.text.expect("a text part");
    assert!(text.contains("Hello in plain text."), "{text}");
    // Dot-stuffing was undone on the way.
    assert!(text.contains("\n.hidden"), "{text:?}");
    let html = mail.html.expect("an HTML part");
    assert!(html.contains("<strong>HTML</strong>"), "{html}");
}

#[tokio::test]
async fn refused_send_is_transient_and_its_error_names_no_address() {
    let sink = SmtpSink::start().await;
    let mailer = mailer_for(&sink);
    sink.fail_next(1, 451);

    let error = mailer
        .send(&email("jane.private@example.test", "Your appointment"))
        .await
        .expect_err("refused");

    assert_eq!(error, MailError::Transient(MailFailure::Smtp(451)));
    let shown = format!("{error} {error:?}");
    assert!(shown.contains("451"), "{shown}");
    assert!(!shown.contains("jane") && !shown.contains('@'), "{shown}");
    assert!(!shown.contains("appointment"), "{shown}");
    assert!(sink.messages().is_empty());

    // The sink accepts the next one: the failure was transient indeed.
    mailer
        .send(&email("jane.private@example.test", "Your appointment"))
        .await
        .expect("sent on retry");
    assert_eq!(sink.wait_for(1, WAIT).await.len(), 1);
}

#[tokio::test]
async fn message_refused_for_good_is_a_permanent_failure() {
    let sink = SmtpSink::start().await;
    let mailer = mailer_for(&sink);
    sink.fail_next(1, 554);

    let error = mailer
        .send(&email("client@example.test", "Hello"))
        .await
        .expect_err("refused");

    assert_eq!(error, MailError::Permanent(MailFailure::Smtp(554)));
    assert!(!error.is_transient());
}

#[tokio::test]
async fn unreachable_smtp_server_is_a_transient_failure() {
    let sink = SmtpSink::start().await;
    let mailer = mailer_for(&sink);
    // Nothing listens there any more.
    drop(sink);
    tokio::time::sleep(Duration::from_millis(50)).await;

    let error = mailer
        .send(&email("client@example.test", "Hello"))
        .await
        .expect_err("no server");

    assert!(error.is_transient(), "{error}");
    assert_eq!(error.smtp_code(), None);
}

#[tokio::test]
async fn invitation_email_arrives_with_the_practice_and_a_working_link() {
    let sink = SmtpSink::start().await;
    let mailer = mailer_for(&sink);
    let link = "http://confidant.test/invitations/accept?token=abc123&x=1";
    let (subject, text, html) = templates::invitation("Smith & Jones <Care>", link);

    mailer
        .send(&OutgoingEmail {
            to: "new.client@example.test".into(),
            subject,
            text,
            html,
        })
        .await
        .expect("sent");

    let mail = sink.wait_for(1, WAIT).await[0].parse();
    assert_eq!(
        mail.subject,
        "You're invited to Smith & Jones <Care>'s secure portal"
    );
    let text = mail.text.expect("text");
    assert!(text.contains(link), "{text}");
    assert!(text.contains("7 days"), "{text}");
    let html = mail.html.expect("html");
    assert!(
        html.contains("href=\"http://confidant.test/invitations/accept?token=abc123&amp;x=1\""),
        "{html}"
    );
    assert!(html.contains("Smith &amp; Jones &lt;Care&gt;"), "{html}");
}

// R-NOTIFY-PRIVATE
#[tokio::test]
async fn secure_message_notification_holds_nothing_but_the_practice_and_the_link() {
    // The message this notification is about: none of it may reach the email.
    let message_subject = "Medication change";
    let message_body = "Your panic attacks should ease with the new dose";
    let sender_name = "Dr. Rivera";
    let attachment_name = "lab-results.pdf";

    let sink = SmtpSink::start().await;
    let mailer = mailer_for(&sink);
    let sign_in = "http://confidant.test/sign-in";
    let (subject, text, html) = templates::secure_message_waiting("Riverside Therapy", sign_in);
    mailer
        .send(&OutgoingEmail {
            to: "client@example.test".into(),
            subject,
            text,
            html,
        })
        .await
        .expect("sent");

    let received = sink.wait_for(1, WAIT).await;
    let mail = received[0].parse();
    let text = mail.text.clone().expect("text");
    let html = mail.html.clone().expect("html");
    assert!(
        mail.subject.contains("Riverside Therapy"),
        "{}",
        mail.subject
    );
    assert!(
        text.contains("Riverside Therapy") && text.contains(sign_in),
        "{text}"
    );
    assert!(
        html.contains("Riverside Therapy") && html.contains(sign_in),
        "{html}"
    );
    let everything = format!(
        "{}\n{text}\n{html}\n{}",
        mail.subject,
        received[0].raw_text()
    );
    for secret in [message_subject, message_body, sender_name, attachment_name] {
        assert!(!everything.contains(secret), "{secret:?} leaked");
    }
    // Every link in the email goes to the sign-in page.
    for (index, _) in html.match_indices("href=\"") {
        assert!(html[index + 6..].starts_with(sign_in), "{html}");
    }
}
