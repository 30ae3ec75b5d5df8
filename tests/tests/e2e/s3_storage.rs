//! Attachments in an S3-compatible object store (SPEC §4: "local disk by default, an
//! S3-compatible object store by configuration"), against a real S3 server on loopback
//! (`s3s-fs`, from crates.io; `cargo xtask test` installs it) and the real server process,
//! which reads the `AWS_*` settings from its environment.

use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use confidant_openapi::attachments::Attachment;
use confidant_openapi::conversations::Conversation;
use confidant_tests::binary::ServerProcess;
use confidant_tests::files::{files_under, pdf};
use confidant_tests::{spawn_app, until};
use serde_json::json;

const BUCKET: &str = "confidant-files";

/// `s3s-fs` serving the folders below `root` as buckets.
struct S3Server {
    child: Child,
    endpoint: String,
    root: tempfile::TempDir,
}

impl S3Server {
    fn start() -> Self {
        let root = tempfile::tempdir().expect("a folder");
        std::fs::create_dir(root.path().join(BUCKET)).expect("the bucket");
        let port = local_postgres::free_port().expect("a free port");
        let child = Command::new(s3s_fs())
            .args(["--host", "127.0.0.1", "--port", &port.to_string()])
            .args(["--access-key", "test-access", "--secret-key", "test-secret"])
            .arg(root.path())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("s3s-fs starts");
        let deadline = Instant::now() + Duration::from_secs(20);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "s3s-fs did not come up");
            std::thread::sleep(Duration::from_millis(50));
        }
        Self {
            child,
            endpoint: format!("http://127.0.0.1:{port}"),
            root,
        }
    }

    /// The files stored under the bucket's `prefix`.
    fn objects(&self, prefix: &str) -> Vec<PathBuf> {
        files_under(&self.root.path().join(BUCKET).join(prefix))
    }
}

impl Drop for S3Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The `s3s-fs` binary on `PATH` (cargo's bin folder).
fn s3s_fs() -> PathBuf {
    let found = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join("s3s-fs"))
            .find(|candidate| candidate.is_file())
    });
    found.unwrap_or_else(|| {
        let home = std::env::var_os("HOME").unwrap_or_default();
        let fallback = Path::new(&home).join(".cargo/bin/s3s-fs");
        assert!(
            fallback.is_file(),
            "s3s-fs is missing: `cargo xtask test` installs it, or run \
             `cargo install --locked s3s-fs --version 0.14.1 --features binary`"
        );
        fallback
    })
}

#[tokio::test]
async fn attachments_go_to_an_s3_bucket_encrypted_and_leave_it_with_their_thread() {
    // R-ATT-ACCESS, R-DEL-PERMANENT, with storage in S3
    let s3 = S3Server::start();
    let app = spawn_app().await;
    let p = app.staffed_practice("Bucket Clinic").await;
    let server = ServerProcess::start(
        &app,
        &[
            (
                "CONFIDANT_STORAGE",
                &format!("s3://{BUCKET}/practice-files"),
            ),
            ("AWS_ENDPOINT", &s3.endpoint),
            ("AWS_ALLOW_HTTP", "true"),
            ("AWS_ACCESS_KEY_ID", "test-access"),
            ("AWS_SECRET_ACCESS_KEY", "test-secret"),
            ("AWS_REGION", "us-east-1"),
            ("CONFIDANT_WORKERS", "1"),
        ],
    )
    .await;
    let client = reqwest::Client::new();

    let original = pdf();
    let part = reqwest::multipart::Part::bytes(original.clone())
        .file_name("plan.pdf")
        .mime_str("application/pdf")
        .expect("a type");
    let response = client
        .post(server.url("/api/v1/attachments"))
        .bearer_auth(&p.provider.token)
        .multipart(reqwest::multipart::Form::new().part("file", part))
        .send()
        .await
        .expect("an answer");
    assert_eq!(response.status(), 201);
    let upload: Attachment = response.json().await.expect("an attachment");

    // In the bucket, under the prefix, by id, and not as plaintext.
    let objects = s3.objects("practice-files");
    assert_eq!(objects.len(), 1, "{objects:?}");
    assert!(objects[0].ends_with(format!("attachments/{}", upload.id)));
    let stored = std::fs::read(&objects[0]).expect("the object");
    assert_ne!(stored, original);
    assert!(
        !stored.windows(5).any(|w| w == b"Hello"),
        "encrypted at rest"
    );
    assert!(app.stored_files().is_empty(), "nothing on local disk");

    let thread: Conversation = client
        .post(server.url("/api/v1/conversations"))
        .bearer_auth(&p.provider.token)
        .json(&json!({
            "recipients": [{"type": "person", "id": p.client.person.id}],
            "subject": "Plan", "body": "Attached.", "attachment_ids": [upload.id],
        }))
        .send()
        .await
        .expect("an answer")
        .json()
        .await
        .expect("a thread");
    let download = client
        .get(server.url(&format!("/api/v1/attachments/{}", upload.id)))
        .bearer_auth(&p.client.token)
        .send()
        .await
        .expect("an answer");
    assert_eq!(download.status(), 200);
    assert_eq!(
        download.bytes().await.expect("bytes").as_ref(),
        original.as_slice()
    );

    // Deleting the thread removes the object, through the server's own worker.
    let deleted = client
        .delete(server.url(&format!("/api/v1/conversations/{}", thread.id)))
        .bearer_auth(&p.provider.token)
        .send()
        .await
        .expect("an answer");
    assert_eq!(deleted.status(), 204);
    until(
        "the object's removal",
        Duration::from_secs(20),
        async || s3.objects("practice-files").is_empty(),
    )
    .await;
    server.kill();
}
