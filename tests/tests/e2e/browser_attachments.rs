//! Attachments in the web app (SPEC §4), in a real headless Chromium: choosing files in the
//! composer and the reply box, watching them upload, removing one before sending, refusals in
//! words (early for the wrong type or size, from the server for a disguised file), and the
//! recipient downloading exactly the bytes that were sent.

use std::path::{Path, PathBuf};

use confidant_openapi::conversations::Conversation;
use confidant_tests::app::spawn_app_with_web;
use confidant_tests::browser::Browser;
use confidant_tests::files;
use reqwest::Method;

const ATTACH: &str = "input[type=file][data-testid=attach]";
const CHIP: &str = "[data-testid=attachment-chip]";

/// Writes `bytes` as `name` into `folder`; returns the path.
fn write(folder: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let path = folder.join(name);
    std::fs::write(&path, bytes).expect("write a file to attach");
    path
}

/// How many requests the page made to the upload endpoint (the browser's resource timing).
async fn upload_requests(browser: &Browser) -> u64 {
    browser
        .client
        .execute(
            "return performance.getEntriesByType('resource')\
               .filter(e => new URL(e.name).pathname === '/api/v1/attachments').length;",
            vec![],
        )
        .await
        .expect("run a script")
        .as_u64()
        .expect("a count")
}

// R-ATT-ACCESS, R-ATT-TYPES
#[tokio::test]
async fn a_file_attached_in_the_browser_reaches_the_recipient_byte_for_byte() {
    let app = spawn_app_with_web().await;
    let practice = app.staffed_practice("Browser Attachments").await;
    let folder = tempfile::tempdir().expect("a folder of files to attach");
    let downloads = tempfile::tempdir().expect("a download folder");
    let plan_bytes = files::pdf();
    let plan = write(folder.path(), "plan.pdf", &plan_bytes);
    let notes = write(
        folder.path(),
        "notes.txt",
        b"Private notes, not for sending.\n",
    );
    // 250,000 bytes of text: shown as "250 KB", and slow enough to watch on a slowed network.
    let journal_bytes = "Mood journal, week one.\n".repeat(11_000).as_bytes()[..250_000].to_vec();
    let journal = write(folder.path(), "journal.txt", &journal_bytes);

    let browser = Browser::start_with_downloads(downloads.path()).await;
    browser.sign_in(&app, &practice.provider.account()).await;
    browser.click("[data-testid=new-message]").await;
    browser.wait_for_path("/messages/new").await;
    browser.fill("[data-testid=to-search]", "Cleo").await;
    browser
        .click_text("[data-testid=to-option]", "Cleo Client")
        .await;
    browser
        .fill("[data-testid=subject]", "Your care plan")
        .await;
    browser
        .fill(
            "[data-testid=body]",
            "Hello Cleo,\nthe plan we discussed is attached.",
        )
        .await;

    // Two files chosen at once: each gets a row and uploads until it says it is attached.
    browser.choose_files(ATTACH, &[&plan, &notes]).await;
    browser.wait_for_count(CHIP, 2).await;
    browser
        .wait_for_all_attribute(CHIP, "data-state", "done")
        .await;
    assert_eq!(browser.count("[data-testid=attachment-ready]").await, 2);
    assert_eq!(browser.count("[data-testid=attachment-progress]").await, 0);
    let chips = browser
        .wait_for_text("[data-testid=attachment-chips]", "notes.txt")
        .await;
    assert!(chips.contains("plan.pdf"), "{chips}");
    assert!(
        chips.contains(&format!("{} bytes", plan_bytes.len())),
        "the size is shown: {chips}"
    );
    assert_eq!(
        browser
            .wait_for("[data-testid=send]")
            .await
            .attr("disabled")
            .await
            .expect("an attribute"),
        None,
        "Send is enabled once the uploads finished"
    );
    browser.scroll_to("[data-testid=attach-button]").await;
    browser.screenshot("attachments-composer").await;

    // Removed before sending: it leaves the list, and is not sent.
    browser
        .click("[data-testid=attachment-remove][aria-label='Remove notes.txt']")
        .await;
    browser.wait_for_count(CHIP, 1).await;
    browser
        .wait_for_text("[data-testid=attachment-chips]", "plan.pdf")
        .await;
    browser.click("[data-testid=send]").await;

    let thread_path = browser
        .wait_for_path_prefix("/messages/", "/messages/new")
        .await;
    let listed = browser
        .wait_for_text("[data-testid=message] [data-testid=attachment]", "plan.pdf")
        .await;
    assert!(
        listed.contains(&format!("{} bytes", plan_bytes.len())),
        "{listed}"
    );
    assert_eq!(browser.count("[data-testid=attachment]").await, 1);
    assert_eq!(
        browser
            .count("[data-testid=attachment] svg[data-kind=PDF]")
            .await,
        1
    );

    // The server has the one file, with the right name and size, on the new message.
    let thread_id = thread_path.trim_start_matches("/messages/");
    let thread: Conversation = app
        .get_as(
            &practice.provider.token,
            &format!("/api/v1/conversations/{thread_id}"),
        )
        .await
        .json()
        .await
        .expect("the thread");
    let sent = &thread.messages[0].attachments;
    assert_eq!(sent.len(), 1, "{sent:?}");
    assert_eq!(sent[0].file_name, "plan.pdf");
    assert_eq!(sent[0].content_type, "application/pdf");
    assert_eq!(sent[0].size, plan_bytes.len() as i64);
    browser.sign_out().await;

    // The client opens the thread, sees the file, and downloads exactly the bytes sent.
    browser.sign_in(&app, &practice.client.account()).await;
    browser.click("[data-testid=conversation-row] a").await;
    browser.wait_for_path(&thread_path).await;
    let name = browser
        .wait_for_text("[data-testid=attachment-name]", "plan.pdf")
        .await;
    assert_eq!(name, "plan.pdf");
    let size = browser
        .wait_for_text("[data-testid=attachment-size]", "bytes")
        .await;
    assert_eq!(size, format!("{} bytes", plan_bytes.len()));
    browser.click("[data-testid=attachment]").await;
    let downloaded = browser
        .wait_for_download(downloads.path(), "plan.pdf")
        .await;
    assert_eq!(
        std::fs::read(&downloaded).expect("the downloaded file"),
        plan_bytes,
        "the download is the file that was sent"
    );
    assert_eq!(
        browser
            .count("[data-testid=attachment-download-error]")
            .await,
        0
    );

    // The client answers with a file from the reply box; the box is empty again after.
    browser
        .fill(
            "[data-testid=reply-box]",
            "Thank you. My journal is attached.",
        )
        .await;
    // On a slow line the bar fills while the file goes up, and Send waits for it.
    browser.throttle(Some(60_000)).await;
    browser.choose_files(ATTACH, &[&journal]).await;
    browser
        .wait_for_attribute(CHIP, "data-state", "uploading")
        .await;
    browser.wait_for("[data-testid=attachment-progress]").await;
    assert_eq!(
        browser
            .wait_for("[data-testid=send-reply]")
            .await
            .attr("disabled")
            .await
            .expect("an attribute")
            .as_deref(),
        Some("true"),
        "Send waits for the upload"
    );
    browser
        .wait_for_text("[data-testid=attachment-chips]", "Uploading")
        .await;
    browser.scroll_to("[data-testid=attach-button]").await;
    browser.screenshot("attachments-uploading").await;
    browser.wait_for_attribute(CHIP, "data-state", "done").await;
    browser.throttle(None).await;
    browser.click("[data-testid=send-reply]").await;
    browser.wait_for_count("[data-testid=message]", 2).await;
    browser.wait_for_absent(CHIP).await;
    let reply = browser
        .wait_for_text("[data-testid=message]:last-child", "journal.txt")
        .await;
    assert!(reply.contains("250 KB"), "{reply}");
    assert_eq!(
        browser
            .count("[data-testid=message]:last-child svg[data-kind=TXT]")
            .await,
        1
    );
    browser.screenshot("attachments-thread").await;

    // The provider deletes the first message meanwhile: it leaves the client's open page at
    // once (live updates), and its file is gone with it (R-ATT-ACCESS: no access without the
    // message).
    let response = app
        .send_as(
            Method::DELETE,
            &practice.provider.token,
            &format!(
                "/api/v1/conversations/{thread_id}/messages/{}",
                thread.messages[0].id
            ),
            None,
        )
        .await;
    assert_eq!(response.status(), 204);
    browser.wait_for_count("[data-testid=message]", 1).await;
    let left = browser
        .wait_for("[data-testid=thread-messages]")
        .await
        .text()
        .await
        .expect("the thread's text");
    assert!(!left.contains("plan.pdf"), "{left}");
    let download = app
        .get_as(
            &practice.client.token,
            &format!("/api/v1/attachments/{}", sent[0].id),
        )
        .await;
    assert_eq!(download.status(), 404);
    browser.close().await;
}

// R-ATT-TYPES, R-ATT-SIZE
#[tokio::test]
async fn files_that_cannot_go_are_refused_in_words() {
    let app = spawn_app_with_web().await;
    let practice = app.staffed_practice("Browser Refusals").await;
    let folder = tempfile::tempdir().expect("a folder of files to attach");
    let program = write(folder.path(), "setup.exe", &files::exe());
    let mut too_big = files::pdf();
    too_big.resize(10_000_001, b' ');
    let big = write(folder.path(), "scan.pdf", &too_big);

    let browser = Browser::start().await;
    browser.sign_in(&app, &practice.provider.account()).await;
    browser.click("[data-testid=new-message]").await;
    browser.wait_for_path("/messages/new").await;

    // Refused here, before uploading: the wrong type, and a file over 10 MB.
    browser.choose_files(ATTACH, &[&program, &big]).await;
    browser.wait_for_count(CHIP, 2).await;
    browser
        .wait_for_all_attribute(CHIP, "data-state", "refused")
        .await;
    let chips = browser
        .wait_for_text("[data-testid=attachment-chips]", "setup.exe")
        .await;
    assert!(
        chips.contains("This type of file cannot be attached"),
        "{chips}"
    );
    assert!(
        chips.contains("This file is too large: a file can be at most 10 MB (10,000,000 bytes)."),
        "{chips}"
    );
    assert_eq!(upload_requests(&browser).await, 0, "nothing was uploaded");
    assert!(app.stored_files().is_empty(), "{:?}", app.stored_files());
    browser.scroll_to("[data-testid=attach-button]").await;
    browser.screenshot("attachments-refused").await;

    // Refused files hold the message back until they are removed.
    browser.fill("[data-testid=to-search]", "Cleo").await;
    browser
        .click_text("[data-testid=to-option]", "Cleo Client")
        .await;
    browser.fill("[data-testid=subject]", "Forms").await;
    browser
        .fill("[data-testid=body]", "Please see the forms.")
        .await;
    browser.click("[data-testid=send]").await;
    browser
        .wait_for_text("[data-testid=attach-note]", "Remove them")
        .await;
    assert_eq!(
        app.get_as(
            &practice.provider.token,
            "/api/v1/conversations?folder=sent"
        )
        .await
        .json::<serde_json::Value>()
        .await
        .expect("the sent folder")["items"]
            .as_array()
            .map(Vec::len),
        Some(0),
        "nothing was sent"
    );
    browser
        .click("[data-testid=attachment-remove][aria-label='Remove setup.exe']")
        .await;
    browser
        .click("[data-testid=attachment-remove][aria-label='Remove scan.pdf']")
        .await;
    browser.wait_for_absent(CHIP).await;

    // A program renamed to look like a PDF passes the early check; the server reads the
    // content, refuses it, and says why.
    let disguised = write(folder.path(), "forms.pdf", &files::exe());
    browser.choose_files(ATTACH, &[&disguised]).await;
    browser
        .wait_for_attribute(CHIP, "data-state", "refused")
        .await;
    let refusal = browser
        .wait_for_text("[data-testid=attachment-error]", "cannot be attached")
        .await;
    // The server's own words (the early check would have said "Attach a PDF, …").
    assert!(!refusal.contains("Attach a PDF"), "{refusal}");
    assert_eq!(upload_requests(&browser).await, 1);
    assert!(app.stored_files().is_empty(), "{:?}", app.stored_files());
    browser
        .click("[data-testid=attachment-remove][aria-label='Remove forms.pdf']")
        .await;
    browser.wait_for_absent(CHIP).await;

    // At most 10 files per message: of 11 chosen, the last is left out, and the note says so.
    let letters: Vec<PathBuf> = (1..=11)
        .map(|n| {
            write(
                folder.path(),
                &format!("letter {n:02}.txt"),
                format!("Letter {n}\n").as_bytes(),
            )
        })
        .collect();
    let letters: Vec<&Path> = letters.iter().map(PathBuf::as_path).collect();
    browser.choose_files(ATTACH, &letters).await;
    browser.wait_for_count(CHIP, 10).await;
    browser
        .wait_for_all_attribute(CHIP, "data-state", "done")
        .await;
    browser
        .wait_for_text("[data-testid=attach-note]", "up to 10 files")
        .await;
    let note = browser
        .wait_for_text("[data-testid=attach-note]", "letter 11.txt")
        .await;
    assert!(!note.contains("letter 10.txt"), "{note}");
    assert_eq!(app.stored_files().len(), 10);
    browser.close().await;
}
