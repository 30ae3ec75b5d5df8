//! Attachments (SPEC §4): each defence attacked — disguised and oversized files, zip bombs,
//! path tricks, strangers downloading, tampered storage — plus sending and deleting them.

use confidant_openapi::attachments::Attachment;
use confidant_openapi::conversations::{Conversation, Message};
use confidant_openapi::{Problem, ProblemCode};
use confidant_tests::TestApp;
use confidant_tests::files::{self, Sample, sample, text};
use confidant_tests::fixtures::{Member, StaffedPractice};
use confidant_tests::spawn_app;
use diesel_async::RunQueryDsl;
use reqwest::Method;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use uuid::Uuid;

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

async fn problem(response: reqwest::Response) -> Problem {
    assert_eq!(
        response
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok()),
        Some("application/problem+json")
    );
    response.json().await.expect("a problem")
}

/// Rows in the attachments table.
async fn attachment_rows(app: &TestApp) -> i64 {
    #[derive(diesel::QueryableByName)]
    struct Count {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let mut conn = app.database.connect().await;
    diesel::sql_query("SELECT count(*) AS n FROM attachments")
        .get_result::<Count>(&mut conn)
        .await
        .expect("a count")
        .n
}

async fn start_with(
    app: &TestApp,
    from: &Member,
    to: &[Uuid],
    attachment_ids: &[Uuid],
) -> reqwest::Response {
    let recipients: Vec<Value> = to
        .iter()
        .map(|id| json!({"type": "person", "id": id}))
        .collect();
    app.send_as(
        Method::POST,
        &from.token,
        "/api/v1/conversations",
        Some(json!({
            "recipients": recipients,
            "subject": "Forms",
            "body": "Please see the attached.",
            "attachment_ids": attachment_ids,
        })),
    )
    .await
}

async fn thread_with_files(
    app: &TestApp,
    p: &StaffedPractice,
    samples: &[Sample],
) -> (Conversation, Vec<Attachment>) {
    let mut uploads = Vec::new();
    for sample in samples {
        uploads.push(app.uploaded(&p.provider.token, sample).await);
    }
    let ids: Vec<Uuid> = uploads.iter().map(|a| a.id).collect();
    let response = start_with(app, &p.provider, &[p.client.person.id], &ids).await;
    assert_eq!(response.status(), 201);
    (response.json().await.expect("a conversation"), uploads)
}

async fn download(app: &TestApp, token: Option<&str>, id: Uuid) -> reqwest::Response {
    let mut request = app
        .client
        .get(app.url(&format!("/api/v1/attachments/{id}")));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    request.send().await.expect("an answer")
}

#[tokio::test]
async fn a_real_file_of_every_allowed_type_is_accepted_by_its_content() {
    // R-ATT-TYPES
    let app = spawn_app().await;
    let p = app.staffed_practice("Types Clinic").await;
    for (sample, content_type) in files::allowed() {
        let response = app.upload(&p.provider.token, &sample).await;
        assert_eq!(response.status(), 201, "{}", sample.name);
        let attachment: Attachment = response.json().await.expect("an attachment");
        assert_eq!(attachment.content_type, content_type, "{}", sample.name);
        assert_eq!(attachment.file_name, sample.name);
        assert_eq!(attachment.size, sample.bytes.len() as i64);
        assert_eq!(attachment.sha256, hex(&Sha256::digest(&sample.bytes)));
    }
    // Clients upload too (to write to their staff).
    let note = app
        .uploaded(&p.client.token, &text("diary.txt", "A good week."))
        .await;
    assert_eq!(note.content_type, "text/plain; charset=utf-8");
    assert_eq!(app.stored_files().len(), files::allowed().len() + 1);
}

#[tokio::test]
async fn disguised_empty_and_bombed_files_are_refused_and_nothing_is_stored() {
    // R-ATT-TYPES
    let app = spawn_app().await;
    let p = app.staffed_practice("Refusals Clinic").await;
    let mut with_nul = b"Name: Ann\n".to_vec();
    with_nul.extend(b"\0\0\0binary");
    let cases = [
        (sample("report.pdf", files::exe()), 415, "program"),
        (
            sample(
                "photo.png",
                b"<!DOCTYPE html><html><script>steal()</script></html>".to_vec(),
            ),
            415,
            "web page",
        ),
        (sample("notes.txt", with_nul), 415, "NUL"),
        (
            sample("letter.docx", files::zip(&[("letter.txt", b"hello")])),
            415,
            "not a Word document",
        ),
        (sample("huge.docx", files::docx_bomb(300)), 415, "expands"),
        (sample("session.mp4", files::mp4()), 415, "video/mp4"),
        (sample("empty.txt", Vec::new()), 422, "empty"),
        (text("chart.png", "not an image at all"), 415, "PNG"),
    ];
    for (sample, status, says) in cases {
        let response = app.upload(&p.provider.token, &sample).await;
        assert_eq!(response.status(), status, "{}", sample.name);
        let problem = problem(response).await;
        let detail = problem.detail.unwrap_or_default();
        assert!(detail.contains(says), "{}: {detail}", sample.name);
        if status == 415 {
            assert_eq!(problem.code, ProblemCode::UnsupportedMediaType);
        }
    }
    assert!(app.stored_files().is_empty(), "{:?}", app.stored_files());
    assert_eq!(attachment_rows(&app).await, 0);
}

#[tokio::test]
async fn ten_million_bytes_pass_and_one_more_is_refused_while_streaming() {
    // R-ATT-SIZE
    let app = spawn_app().await;
    let p = app.staffed_practice("Size Clinic").await;
    let exactly = sample("big.txt", vec![b'a'; 10_000_000]);
    let accepted = app.uploaded(&p.provider.token, &exactly).await;
    assert_eq!(accepted.size, 10_000_000);
    assert_eq!(app.stored_files().len(), 1);

    let over = sample("bigger.txt", vec![b'a'; 10_000_001]);
    let response = app.upload(&p.provider.token, &over).await;
    assert_eq!(response.status(), 413);
    let problem = problem(response).await;
    assert_eq!(problem.code, ProblemCode::PayloadTooLarge);
    assert!(problem.detail.unwrap_or_default().contains("10 MB"));

    // Without a Content-Length (chunked), so only the count while reading can stop it; the
    // stream would go on for 50 MB if the server kept reading.
    let chunks = (0..50).map(|_| Ok::<_, std::io::Error>(vec![b'a'; 1_000_000]));
    let part = reqwest::multipart::Part::stream(reqwest::Body::wrap_stream(
        futures_util::stream::iter(chunks),
    ))
    .file_name("endless.txt");
    let response = app
        .client
        .post(app.url("/api/v1/attachments"))
        .bearer_auth(&p.provider.token)
        .multipart(reqwest::multipart::Form::new().part("file", part))
        .send()
        .await;
    match response {
        Ok(response) => assert_eq!(response.status(), 413),
        // The server may close the connection while the client is still sending.
        Err(error) => assert!(error.is_request() || error.is_body(), "{error}"),
    }
    assert_eq!(app.stored_files().len(), 1, "only the accepted file");
    assert_eq!(attachment_rows(&app).await, 1);
}

#[tokio::test]
async fn a_file_name_is_display_text_and_never_a_path() {
    // R-ATT-TYPES
    let app = spawn_app().await;
    let p = app.staffed_practice("Names Clinic").await;
    let upload = app
        .uploaded(
            &p.provider.token,
            &text("../../../etc/cron.d/x\u{202e}.txt", "hi"),
        )
        .await;
    assert_eq!(upload.file_name, "x.txt");
    let stored = app.stored_files();
    assert_eq!(stored.len(), 1);
    assert_eq!(
        stored[0]
            .strip_prefix(app.storage.path())
            .expect("inside storage"),
        std::path::Path::new(&format!("attachments/{}", upload.id))
    );
}

#[tokio::test]
async fn requests_that_are_not_one_file_part_get_clear_errors() {
    let app = spawn_app().await;
    let p = app.staffed_practice("Form Clinic").await;
    let url = app.url("/api/v1/attachments");
    let json = app
        .client
        .post(&url)
        .bearer_auth(&p.provider.token)
        .json(&json!({"file": "x"}))
        .send()
        .await
        .expect("an answer");
    assert_eq!(json.status(), 415);
    let wrong_part = app
        .client
        .post(&url)
        .bearer_auth(&p.provider.token)
        .multipart(reqwest::multipart::Form::new().text("document", "hello"))
        .send()
        .await
        .expect("an answer");
    assert_eq!(wrong_part.status(), 422);
    assert!(
        problem(wrong_part)
            .await
            .errors
            .expect("fields")
            .contains_key("file")
    );
    let anonymous = app
        .client
        .post(&url)
        .multipart(reqwest::multipart::Form::new().text("file", "hello"))
        .send()
        .await
        .expect("an answer");
    assert_eq!(anonymous.status(), 401);
    assert!(app.stored_files().is_empty());
}

#[tokio::test]
async fn an_inactive_client_cannot_upload() {
    // R-INACTIVE
    let app = spawn_app().await;
    let p = app.staffed_practice("Inactive Clinic").await;
    let changed = app
        .send_as(
            Method::PATCH,
            &p.owner.token,
            &format!("/api/v1/people/{}", p.client.person.id),
            Some(json!({"status": "inactive"})),
        )
        .await;
    assert_eq!(changed.status(), 200);
    let response = app.upload(&p.client.token, &text("a.txt", "hello")).await;
    assert_eq!(response.status(), 403);
    assert!(app.stored_files().is_empty());
}

#[tokio::test]
async fn sent_files_appear_on_the_message_in_order_and_only_once() {
    // R-ATT-ACCESS
    let app = spawn_app().await;
    let p = app.staffed_practice("Send Clinic").await;
    let (thread, uploads) = thread_with_files(
        &app,
        &p,
        &[sample("plan.pdf", files::pdf()), text("notes.txt", "notes")],
    )
    .await;
    let seen: Conversation = app
        .get_as(
            &p.client.token,
            &format!("/api/v1/conversations/{}", thread.id),
        )
        .await
        .json()
        .await
        .expect("the thread");
    let names: Vec<&str> = seen.messages[0]
        .attachments
        .iter()
        .map(|a| a.file_name.as_str())
        .collect();
    assert_eq!(names, ["plan.pdf", "notes.txt"]);
    assert_eq!(seen.messages[0].attachments[0].id, uploads[0].id);
    assert_eq!(
        seen.messages[0].attachments[0].content_type,
        "application/pdf"
    );

    // Already sent: cannot go out again, and the refused message is not sent either.
    let again = start_with(&app, &p.provider, &[p.staff.person.id], &[uploads[0].id]).await;
    assert_eq!(again.status(), 404, "no longer an unsent upload of theirs");
    assert!(
        problem(again)
            .await
            .errors
            .expect("fields")
            .contains_key("attachment_ids")
    );

    // Someone else's upload and an unknown id name nothing the sender can attach (404); the
    // same id twice is refused as such (422).
    let theirs = app.uploaded(&p.staff.token, &text("staff.txt", "x")).await;
    let mine = app
        .uploaded(&p.provider.token, &text("mine.txt", "x"))
        .await;
    for (ids, status) in [
        (vec![theirs.id], 404),
        (vec![mine.id, mine.id], 422),
        (vec![Uuid::new_v4()], 404),
    ] {
        let response = start_with(&app, &p.provider, &[p.staff.person.id], &ids).await;
        assert_eq!(response.status(), status, "{ids:?}");
        assert!(
            problem(response)
                .await
                .errors
                .expect("fields")
                .contains_key("attachment_ids")
        );
    }
    let staff_inbox: Value = app
        .get_as(&p.staff.token, "/api/v1/conversations?folder=all")
        .await
        .json()
        .await
        .expect("a page");
    assert_eq!(staff_inbox["items"].as_array().map(Vec::len), Some(0));

    // A reply carries its own files; the client's upload works for the client only.
    let client_file = app
        .uploaded(&p.client.token, &text("answers.txt", "yes"))
        .await;
    let response = app
        .send_as(
            Method::POST,
            &p.client.token,
            &format!("/api/v1/conversations/{}/messages", thread.id),
            Some(json!({"body": "Filled in.", "attachment_ids": [client_file.id]})),
        )
        .await;
    assert_eq!(response.status(), 201);
    let message: Message = response.json().await.expect("a message");
    assert_eq!(message.attachments.len(), 1);
    assert_eq!(message.attachments[0].file_name, "answers.txt");
}

#[tokio::test]
async fn only_those_who_see_the_message_can_download_and_headers_are_safe() {
    // R-ATT-ACCESS
    let app = spawn_app().await;
    let p = app.staffed_practice("Access Clinic").await;
    let pdf = files::pdf();
    let (_, uploads) =
        thread_with_files(&app, &p, &[sample("Plan für Ann.pdf", pdf.clone())]).await;
    let id = uploads[0].id;

    for member in [&p.client, &p.provider] {
        let response = download(&app, Some(&member.token), id).await;
        assert_eq!(response.status(), 200);
        let header = |name: &str| {
            response
                .headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_owned()
        };
        assert_eq!(header("content-type"), "application/pdf");
        assert_eq!(header("x-content-type-options"), "nosniff");
        let disposition = header("content-disposition");
        assert!(disposition.starts_with("attachment;"), "{disposition}");
        assert!(
            disposition.contains("filename*=UTF-8''Plan%20f%C3%BCr%20Ann.pdf"),
            "{disposition}"
        );
        assert!(header("cache-control").contains("no-store"));
        assert_eq!(
            response.bytes().await.expect("the file").as_ref(),
            pdf.as_slice()
        );
    }

    // Not a participant: staff of the same practice, another client, another practice.
    let other_client = app.token_for(&p.other_client).await;
    let elsewhere = app.staffed_practice("Elsewhere Clinic").await;
    for token in [
        &p.staff.token,
        &other_client,
        &elsewhere.owner.token,
        &elsewhere.client.token,
    ] {
        let response = download(&app, Some(token), id).await;
        assert_eq!(response.status(), 404);
        assert_eq!(problem(response).await.code, ProblemCode::NotFound);
    }
    assert_eq!(download(&app, None, id).await.status(), 401);
    assert_eq!(
        download(&app, Some(&p.client.token), Uuid::new_v4())
            .await
            .status(),
        404
    );

    // An upload that was never sent is on no message: nobody downloads it.
    let unsent = app
        .uploaded(&p.provider.token, &text("draft.txt", "draft"))
        .await;
    assert_eq!(
        download(&app, Some(&p.provider.token), unsent.id)
            .await
            .status(),
        404
    );
}

#[tokio::test]
async fn stored_files_are_encrypted_and_a_tampered_one_is_never_served() {
    // R-ATT-ACCESS: encrypted at rest, checked on the way out
    let app = spawn_app().await;
    let p = app.staffed_practice("Vault Clinic").await;
    let secret = "Diagnosis: the client is doing much better this month. ".repeat(20);
    let (_, uploads) = thread_with_files(&app, &p, &[text("letter.txt", &secret)]).await;
    let path = app
        .storage
        .path()
        .join(format!("attachments/{}", uploads[0].id));
    let mut stored = std::fs::read(&path).expect("the stored file");
    assert!(stored.len() > secret.len(), "nonce and tag added");
    let stored_text = String::from_utf8_lossy(&stored);
    assert!(!stored_text.contains("Diagnosis"), "not plaintext");
    assert!(!stored_text.contains("better"), "not plaintext");

    // One flipped bit in storage: refused, with an error, not served.
    let middle = stored.len() / 2;
    stored[middle] ^= 0x01;
    std::fs::write(&path, &stored).expect("tampered");
    let response = download(&app, Some(&p.client.token), uploads[0].id).await;
    assert_eq!(response.status(), 500);
    let body = response.text().await.expect("a body");
    assert!(body.contains("integrity"), "{body}");
    assert!(!body.contains("Diagnosis"));

    // Another attachment's file put in its place: also refused (bound to the id).
    let (_, others) = thread_with_files(&app, &p, &[text("other.txt", "other")]).await;
    let other_path = app
        .storage
        .path()
        .join(format!("attachments/{}", others[0].id));
    std::fs::copy(&other_path, &path).expect("swapped");
    assert_eq!(
        download(&app, Some(&p.client.token), uploads[0].id)
            .await
            .status(),
        500
    );
}

#[tokio::test]
async fn deleting_a_thread_removes_its_files_from_storage() {
    // R-DEL-PERMANENT, R-DEL-THREAD
    let app = spawn_app().await;
    let p = app.staffed_practice("Shred Clinic").await;
    let (thread, uploads) = thread_with_files(
        &app,
        &p,
        &[sample("a.pdf", files::pdf()), text("b.txt", "b")],
    )
    .await;
    let reply_file = app.uploaded(&p.client.token, &text("c.txt", "c")).await;
    let replied = app
        .send_as(
            Method::POST,
            &p.client.token,
            &format!("/api/v1/conversations/{}/messages", thread.id),
            Some(json!({"body": "Here is mine.", "attachment_ids": [reply_file.id]})),
        )
        .await;
    assert_eq!(replied.status(), 201);
    let unrelated = app
        .uploaded(&p.provider.token, &text("keep.txt", "keep"))
        .await;
    assert_eq!(app.stored_files().len(), 4);

    let deleted = app
        .send_as(
            Method::DELETE,
            &p.provider.token,
            &format!("/api/v1/conversations/{}", thread.id),
            None,
        )
        .await;
    assert_eq!(deleted.status(), 204);
    // The rows are gone at once: nothing can be downloaded any more.
    for id in [uploads[0].id, uploads[1].id, reply_file.id] {
        assert_eq!(
            download(&app, Some(&p.provider.token), id).await.status(),
            404
        );
    }
    assert_eq!(attachment_rows(&app).await, 1, "only the unsent upload");
    // The files go through a job, which storage confirms.
    app.run_jobs().await;
    let left = app.stored_files();
    assert_eq!(left.len(), 1, "{left:?}");
    assert!(left[0].ends_with(unrelated.id.to_string()));

    #[derive(diesel::QueryableByName)]
    struct Details {
        #[diesel(sql_type = diesel::sql_types::Text)]
        details: String,
    }
    let mut conn = app.database.connect().await;
    let audit: Details = diesel::sql_query(
        "SELECT details::text AS details FROM audit_events WHERE action = 'conversation_deleted'",
    )
    .get_result(&mut conn)
    .await
    .expect("an audit record");
    let details: Value = serde_json::from_str(&audit.details).expect("json");
    assert_eq!(details["attachments"], 3, "{details}");
    assert!(!audit.details.contains(".txt") && !audit.details.contains(".pdf"));
}

#[tokio::test]
async fn deleting_a_message_removes_its_files_and_keeps_the_others() {
    // R-DEL-PERMANENT, R-DEL-MSG
    let app = spawn_app().await;
    let p = app.staffed_practice("Trim Clinic").await;
    let (thread, first) = thread_with_files(&app, &p, &[text("first.txt", "1")]).await;
    let second = app
        .uploaded(&p.provider.token, &text("second.txt", "2"))
        .await;
    let response = app
        .send_as(
            Method::POST,
            &p.provider.token,
            &format!("/api/v1/conversations/{}/messages", thread.id),
            Some(json!({"body": "One more.", "attachment_ids": [second.id]})),
        )
        .await;
    let message: Message = response.json().await.expect("a message");
    let deleted = app
        .send_as(
            Method::DELETE,
            &p.provider.token,
            &format!(
                "/api/v1/conversations/{}/messages/{}",
                thread.id, message.id
            ),
            None,
        )
        .await;
    assert_eq!(deleted.status(), 204);
    app.run_jobs().await;
    assert_eq!(
        download(&app, Some(&p.client.token), second.id)
            .await
            .status(),
        404
    );
    assert_eq!(
        download(&app, Some(&p.client.token), first[0].id)
            .await
            .status(),
        200
    );
    let left = app.stored_files();
    assert_eq!(left.len(), 1);
    assert!(left[0].ends_with(first[0].id.to_string()));
}

#[tokio::test]
async fn uploads_never_sent_are_removed_after_a_day() {
    // SPEC §4: unattached uploads are cleaned up
    let app = spawn_app().await;
    let p = app.staffed_practice("Tidy Clinic").await;
    let unsent = app
        .uploaded(&p.provider.token, &text("draft.txt", "draft"))
        .await;
    let (_, sent) = thread_with_files(&app, &p, &[text("sent.txt", "sent")]).await;
    // Nothing is due yet.
    app.run_jobs().await;
    assert_eq!(app.stored_files().len(), 2);
    // A day later (the jobs' due time moved instead of the clock).
    let mut conn = app.database.connect().await;
    let moved = diesel::sql_query(
        "UPDATE jobs SET run_at = now() WHERE kind = 'expire_upload' AND state = 'available'",
    )
    .execute(&mut conn)
    .await
    .expect("moved");
    assert_eq!(moved, 2, "one per upload");
    app.run_jobs().await;
    let left = app.stored_files();
    assert_eq!(left.len(), 1);
    assert!(left[0].ends_with(sent[0].id.to_string()));
    assert_eq!(attachment_rows(&app).await, 1);
    // The sent one is untouched and still downloads.
    assert_eq!(
        download(&app, Some(&p.client.token), sent[0].id)
            .await
            .status(),
        200
    );
    assert!(
        start_with(&app, &p.provider, &[p.client.person.id], &[unsent.id])
            .await
            .status()
            == 404
    );
}
