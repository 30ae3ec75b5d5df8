//! The server under test, in-process on a free port.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::PathBuf;

use actix_web::dev::ServerHandle;
use confidant::config::Config;
use confidant::jobs::{self, JobContext, Registry};
use confidant::startup::Application;

use crate::database::TestDatabase;
use crate::smtp::SmtpSink;

/// The token signing key of test servers.
pub const TEST_JWT_SECRET: &str = "test-secret-that-is-long-enough-to-pass-the-check";

/// The attachment master key of test servers (32 bytes of 0x0B, base64).
pub const TEST_STORAGE_KEY: &str = "CwsLCwsLCwsLCwsLCwsLCwsLCwsLCwsLCwsLCwsLCws=";

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
    /// The SMTP server the app sends to: every email it sent, decoded on demand.
    pub mail: SmtpSink,
    jobs: JobContext,
    handle: ServerHandle,
}

/// How long a test client keeps an idle connection: less than the server's keep-alive (5 s),
/// so that it never sends on a connection the server is closing (a test that waited on a
/// browser for a few seconds then failed with `IncompleteMessage`).
const IDLE_BEFORE_SERVER_CLOSES: std::time::Duration = std::time::Duration::from_secs(2);

/// Starts the server with the test defaults.
pub async fn spawn_app() -> TestApp {
    spawn_app_with(&[]).await
}

/// Starts the server with extra or overriding settings (`("CONFIDANT_WEB_DIR", dir)`, …).
///
/// No background workers run (`CONFIDANT_WORKERS=0`): tests run due jobs themselves with
/// [`TestApp::run_jobs`], so that what a job did is visible right after the call.
pub async fn spawn_app_with(settings: &[(&str, String)]) -> TestApp {
    spawn_app_on(TestDatabase::create().await, settings).await
}

/// [`spawn_app_with`] over `database`, made beforehand (e.g. to put a proxy in front of it
/// and pass the proxy's address as `DATABASE_URL`).
pub async fn spawn_app_on(database: TestDatabase, settings: &[(&str, String)]) -> TestApp {
    let storage = tempfile::tempdir().expect("a storage folder");
    let mail = SmtpSink::start().await;
    let config = test_config(database.url(), storage.path(), &mail, settings);
    let app = Application::build(config).await.expect("the server starts");
    let address = app.address();
    let jobs = app.job_context().clone();
    let server = app.into_server();
    let handle = server.handle();
    tokio::spawn(server);
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .pool_idle_timeout(IDLE_BEFORE_SERVER_CLOSES)
        .build()
        .expect("an HTTP client");
    TestApp {
        address,
        client,
        database,
        storage,
        mail,
        jobs,
        handle,
    }
}

/// The test defaults for a server over `database_url`, with `settings` on top.
fn test_config(
    database_url: &str,
    storage: &std::path::Path,
    mail: &SmtpSink,
    settings: &[(&str, String)],
) -> Config {
    let mut env: HashMap<String, String> = HashMap::from([
        ("DATABASE_URL".into(), database_url.to_owned()),
        ("CONFIDANT_LISTEN".into(), "127.0.0.1:0".into()),
        (
            "CONFIDANT_PUBLIC_URL".into(),
            "http://confidant.test".into(),
        ),
        ("CONFIDANT_JWT_SECRET".into(), TEST_JWT_SECRET.into()),
        ("CONFIDANT_STORAGE".into(), storage.display().to_string()),
        ("CONFIDANT_STORAGE_KEY".into(), TEST_STORAGE_KEY.into()),
        ("CONFIDANT_DB_POOL_SIZE".into(), "5".into()),
        ("CONFIDANT_SHUTDOWN_SECONDS".into(), "1".into()),
        ("CONFIDANT_SMTP_URL".into(), mail.url()),
        ("CONFIDANT_WORKERS".into(), "0".into()),
    ]);
    for (name, value) in settings {
        env.insert((*name).to_owned(), value.clone());
    }
    Config::from_lookup(|name| env.get(name).cloned()).expect("a valid test config")
}

/// A second server over a [`TestApp`]'s database, made by [`TestApp::spawn_twin`]; stops when
/// dropped.
pub struct Twin {
    /// Where it listens.
    pub address: SocketAddr,
    handle: ServerHandle,
}

impl Twin {
    /// `http://127.0.0.1:PORT` + `path`.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.address)
    }
}

impl Drop for Twin {
    fn drop(&mut self) {
        drop(self.handle.stop(false));
    }
}

impl TestApp {
    /// `http://127.0.0.1:PORT` + `path`.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.address)
    }

    /// Another server over this app's database, with the same keys (its tokens are good on
    /// both) and `settings` on top (a benchmark watches one's statements through a proxy
    /// while the other serves the load).
    pub async fn spawn_twin(&self, settings: &[(&str, String)]) -> Twin {
        let config = test_config(
            self.database.url(),
            self.storage.path(),
            &self.mail,
            settings,
        );
        let app = Application::build(config).await.expect("the twin starts");
        let address = app.address();
        let server = app.into_server();
        let handle = server.handle();
        tokio::spawn(server);
        Twin { address, handle }
    }

    /// `GET path`.
    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(self.url(path))
            .send()
            .await
            .expect("the server answers")
    }

    /// An HTTP client whose connections come from `local` (any of 127.0.0.0/8 on Linux), to
    /// act as another network address towards the server.
    pub fn client_from(&self, local: std::net::IpAddr) -> reqwest::Client {
        reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .pool_idle_timeout(IDLE_BEFORE_SERVER_CLOSES)
            .local_address(local)
            .build()
            .expect("an HTTP client")
    }

    /// Makes the webhook deliveries of the events logged so far (as a server's dispatcher
    /// does), then runs every due job with the server's own job context and the standard
    /// registry, one after another until none is due; returns how many jobs ran.
    pub async fn run_jobs(&self) -> usize {
        // As `run_pending` does with claims, a database that is down (a fault test) is not
        // this helper's failure: the jobs then simply do not run.
        if let Err(error) = confidant::webhooks::dispatch::run(&self.jobs.pool).await {
            eprintln!("webhook dispatch: {error}");
        }
        jobs::run_pending(&self.jobs, &confidant::startup::job_registry()).await
    }

    /// [`TestApp::run_jobs`] with another registry, e.g. `confidant::startup::job_registry().with::<J>()`
    /// for a job type of the test's own.
    pub async fn run_jobs_with(&self, registry: &Registry) -> usize {
        jobs::run_pending(&self.jobs, registry).await
    }

    /// What the server's jobs run with (pool, mailer, settings), e.g. to start workers.
    pub fn job_context(&self) -> &JobContext {
        &self.jobs
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        // Sends the stop command at once; the returned future only waits for completion.
        drop(self.handle.stop(false));
    }
}

/// Starts the server hosting the built web app (for browser tests).
pub async fn spawn_app_with_web() -> TestApp {
    spawn_app_with(&[("CONFIDANT_WEB_DIR", web_dist_dir().display().to_string())]).await
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
