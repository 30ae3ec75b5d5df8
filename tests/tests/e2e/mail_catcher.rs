//! A newcomer's first run, as `cargo xtask run` sets it up: the demo practice's emails reach
//! the mail catcher (MailDev from npm, which we did not write) and show in its web view, and
//! a demo provider signs in to an inbox that shows the product. Screenshots of both, at desktop
//! and phone size, land in `target/screenshots/first-run-*.png`.
//!
//! `cargo xtask test` installs MailDev into `tools/mailcatcher`, as `cargo xtask run` does.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use confidant_tests::app::web_dist_dir;
use confidant_tests::binary::seed_demo_into;
use confidant_tests::browser::Browser;
use confidant_tests::spawn_app_with;
use serde::Deserialize;

/// MailDev on free loopback ports, stopped when dropped.
struct MailDev {
    child: Child,
    smtp: u16,
    web: u16,
}

impl MailDev {
    fn start() -> Self {
        let program = std::env::var_os("CONFIDANT_MAILCATCHER")
            .map(PathBuf::from)
            .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../tools/mailcatcher"))
            .join("node_modules/maildev/dist/bin/maildev.js");
        assert!(
            program.is_file(),
            "MailDev is not installed at {}: run `cargo xtask test` (it installs it)",
            program.display()
        );
        let smtp = local_postgres::free_port().expect("a free port");
        let web = local_postgres::free_port().expect("a free port");
        let child = Command::new("node")
            .arg(&program)
            .args(["--ip", "127.0.0.1", "--web-ip", "127.0.0.1", "--silent"])
            .args(["--smtp", &smtp.to_string(), "--web", &web.to_string()])
            .stdin(Stdio::null())
            .spawn()
            .expect("start MailDev with node");
        let deadline = Instant::now() + Duration::from_secs(30);
        while [smtp, web]
            .iter()
            .any(|port| std::net::TcpStream::connect(("127.0.0.1", *port)).is_err())
        {
            assert!(Instant::now() < deadline, "MailDev listens within 30 s");
            std::thread::sleep(Duration::from_millis(100));
        }
        Self { child, smtp, web }
    }

    fn web_url(&self) -> String {
        format!("http://127.0.0.1:{}", self.web)
    }

    /// What MailDev's API lists, once it holds `count` emails (20 s at most).
    async fn emails(&self, count: usize) -> Vec<CaughtEmail> {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let emails: Vec<CaughtEmail> = reqwest::get(format!("{}/api/email", self.web_url()))
                .await
                .expect("MailDev answers")
                .json()
                .await
                .expect("MailDev's list of emails");
            if emails.len() >= count || Instant::now() > deadline {
                return emails;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }
}

impl Drop for MailDev {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[derive(Debug, Deserialize)]
struct CaughtEmail {
    subject: String,
    to: Vec<Address>,
}

#[derive(Debug, Deserialize)]
struct Address {
    address: String,
}

#[derive(Debug, Deserialize)]
struct Demo {
    people: Vec<SignIn>,
    invited: Vec<Invitee>,
}

#[derive(Debug, Deserialize)]
struct SignIn {
    email: String,
    password: String,
}

#[derive(Debug, Deserialize)]
struct Invitee {
    email: String,
}

#[tokio::test]
async fn the_first_run_shows_invitations_in_the_mail_catcher_and_a_lived_in_inbox() {
    let maildev = MailDev::start();
    let app = spawn_app_with(&[
        (
            "CONFIDANT_SMTP_URL",
            format!("smtp://127.0.0.1:{}", maildev.smtp),
        ),
        ("CONFIDANT_WEB_DIR", web_dist_dir().display().to_string()),
    ])
    .await;
    let seeded = seed_demo_into(&app).await;
    assert!(seeded.status.success(), "{seeded:?}");
    let demo: Demo = serde_json::from_slice(&seeded.stdout).expect("the demo as JSON");

    // The server's workers send the demo's emails to MailDev over real SMTP.
    let sent = app.run_jobs().await;
    let caught = maildev.emails(sent).await;
    assert_eq!(
        caught.len(),
        sent,
        "every email job became one email: {caught:?}"
    );
    for invitee in &demo.invited {
        assert!(
            caught.iter().any(|email| email.to.len() == 1
                && email.to[0].address == invitee.email
                && email.subject == "You're invited to Riverbend Counseling's secure portal"),
            "the invitation to {} is in the mail catcher: {caught:?}",
            invitee.email
        );
    }
    assert!(
        caught
            .iter()
            .any(|email| email.subject == "You have a secure message at Riverbend Counseling"),
        "{caught:?}"
    );

    // MailDev's own web view lists them.
    let browser = Browser::start().await;
    browser
        .client
        .goto(&maildev.web_url())
        .await
        .expect("open MailDev");
    browser
        .wait_for_text("body", "You're invited to Riverbend Counseling")
        .await;
    browser.screenshot("first-run-mail-catcher").await;

    // A demo provider's first look at the web app: threads, some unread.
    let juniper = demo
        .people
        .iter()
        .find(|person| person.email == "juniper@riverbend.example")
        .expect("Dr. Juniper Vale");
    browser
        .client
        .goto(&app.url("/sign-in"))
        .await
        .expect("open sign-in");
    browser.fill("input[name=email]", &juniper.email).await;
    browser
        .fill("input[name=password]", &juniper.password)
        .await;
    browser.click("button[type=submit]").await;
    browser.wait_for_path("/messages").await;
    browser
        .wait_for_text("main", "Question about the thought record")
        .await;
    browser.screenshot("first-run-inbox-desktop").await;
    browser.phone_size().await;
    browser
        .wait_for_text("main", "Question about the thought record")
        .await;
    browser.screenshot("first-run-inbox-phone").await;
    browser.close().await;
}
