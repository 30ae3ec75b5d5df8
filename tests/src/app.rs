//! The server under test, in-process on a free port.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::PathBuf;

use actix_web::dev::ServerHandle;
use confidant::config::Config;
use confidant::startup::Application;

use crate::database::TestDatabase;

/// A running server over its own database.
pub struct TestApp {
    /// Where the server listens.
    pub address: SocketAddr,
    /// An HTTP client that keeps no cookies and follows no redirects (tests see them).
    pub client: reqwest::Client,
    /// The test's database.
    pub database: TestDatabase,
    /// Attachment storage for this test.
    pub storage: tempfile::TempDir,
    handle: ServerHandle,
}

/// Starts the server with the test defaults.
pub async fn spawn_app() -> TestApp {
    spawn_app_with(&[]).await
}

/// Starts the server with extra or overriding settings (`("CONFIDANT_WEB_DIR", dir)`, …).
pub async fn spawn_app_with(settings: &[(&str, String)]) -> TestApp {
    let database = TestDatabase::create().await;
    let storage = tempfile::tempdir().expect("a storage folder");
    let mut env: HashMap<String, String> = HashMap::from([
        ("DATABASE_URL".into(), database.url().to_owned()),
        ("CONFIDANT_LISTEN".into(), "127.0.0.1:0".into()),
        (
            "CONFIDANT_PUBLIC_URL".into(),
            "http://confidant.test".into(),
        ),
        (
            "CONFIDANT_JWT_SECRET".into(),
            "test-secret-that-is-long-enough-to-pass-the-check".into(),
        ),
        (
            "CONFIDANT_STORAGE".into(),
            storage.path().display().to_string(),
        ),
        ("CONFIDANT_DB_POOL_SIZE".into(), "5".into()),
        ("CONFIDANT_SHUTDOWN_SECONDS".into(), "1".into()),
    ]);
    for (name, value) in settings {
        env.insert((*name).to_owned(), value.clone());
    }
    let config = Config::from_lookup(|name| env.get(name).cloned()).expect("a valid test config");
    let app = Application::build(config).await.expect("the server starts");
    let address = app.address();
    let server = app.into_server();
    let handle = server.handle();
    tokio::spawn(server);
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("an HTTP client");
    TestApp {
        address,
        client,
        database,
        storage,
        handle,
    }
}

impl TestApp {
    /// `http://127.0.0.1:PORT` + `path`.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.address)
    }

    /// `GET path`.
    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(self.url(path))
            .send()
            .await
            .expect("the server answers")
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        // Sends the stop command at once; the returned future only waits for completion.
        drop(self.handle.stop(false));
    }
}

/// The built web app for browser tests: `CONFIDANT_TEST_WEB_DIR`, else `frontend/dist` of
/// this workspace. Panics with the command to run when it has not been built.
pub fn web_dist_dir() -> PathBuf {
    let dir = std::env::var_os("CONFIDANT_TEST_WEB_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../frontend/dist"));
    assert!(
        dir.join("index.html").is_file(),
        "the web app is not built at {}: run `cargo xtask test` (it builds it first)",
        dir.display()
    );
    dir
}
