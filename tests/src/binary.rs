//! The real `confidant` executable, for what only a process shows: the command line, exit
//! codes, signals.

use std::path::PathBuf;
use std::process::Command;

/// The `confidant` binary built beside this test or benchmark binary (`cargo xtask test` and
/// `cargo xtask bench` build it first): tests run from `target/<profile>/deps/`, binaries
/// such as the benchmark from `target/<profile>/`.
pub fn confidant_binary() -> PathBuf {
    let exe = std::env::current_exe().expect("the running binary's path");
    let here = exe.parent().expect("a binary lives in a folder");
    let profile_dir = if here.ends_with("deps") {
        here.parent().expect("target/<profile>/deps has a parent")
    } else {
        here
    };
    let binary = profile_dir.join("confidant");
    assert!(
        binary.is_file(),
        "{} is missing: build it with `cargo build -p confidant` (cargo xtask test does)",
        binary.display()
    );
    binary
}

/// A `confidant` command with a clean environment: only `PATH` is kept, so settings from
/// the developer's shell cannot leak into a test.
pub fn confidant_command() -> Command {
    let mut command = Command::new(confidant_binary());
    command.env_clear();
    if let Some(path) = std::env::var_os("PATH") {
        command.env("PATH", path);
    }
    command
}

/// Runs `confidant seed-demo --json` into `app`'s database, with its storage and key, so that
/// the app can read the demo's file too.
pub async fn seed_demo_into(app: &crate::TestApp) -> std::process::Output {
    let mut command = confidant_command();
    command
        .env("DATABASE_URL", app.database.url())
        .env("CONFIDANT_STORAGE", app.storage.path())
        .env("CONFIDANT_STORAGE_KEY", crate::app::TEST_STORAGE_KEY)
        .args(["seed-demo", "--json"]);
    tokio::process::Command::from(command)
        .output()
        .await
        .expect("run confidant seed-demo")
}

/// The real `confidant serve` as a child process over a [`crate::TestApp`]'s database,
/// storage, mail sink and keys (so the app's tokens work against it), with `settings` added
/// or overriding. Killed when dropped.
pub struct ServerProcess {
    child: std::process::Child,
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    /// Where its log (stderr) goes, when kept.
    log: Option<tempfile::NamedTempFile>,
}

impl ServerProcess {
    /// Starts it and waits until `/readyz` answers 200.
    pub async fn start(app: &crate::TestApp, settings: &[(&str, &str)]) -> Self {
        Self::start_inner(app, settings, false).await
    }

    /// As [`ServerProcess::start`], keeping what it logs for [`ServerProcess::log`].
    pub async fn start_logging(app: &crate::TestApp, settings: &[(&str, &str)]) -> Self {
        Self::start_inner(app, settings, true).await
    }

    /// Everything it logged so far.
    pub fn log(&self) -> String {
        self.log
            .as_ref()
            .map(|file| std::fs::read_to_string(file.path()).expect("the log"))
            .unwrap_or_default()
    }

    async fn start_inner(app: &crate::TestApp, settings: &[(&str, &str)], keep_log: bool) -> Self {
        use crate::app::{TEST_JWT_SECRET, TEST_STORAGE_KEY};
        let port = local_postgres::free_port().expect("a free port");
        let mut command = confidant_command();
        command
            .env("DATABASE_URL", app.database.url())
            .env("CONFIDANT_LISTEN", format!("127.0.0.1:{port}"))
            .env("CONFIDANT_JWT_SECRET", TEST_JWT_SECRET)
            .env("CONFIDANT_STORAGE", app.storage.path())
            .env("CONFIDANT_STORAGE_KEY", TEST_STORAGE_KEY)
            .env("CONFIDANT_SMTP_URL", app.mail.url());
        for (name, value) in settings {
            command.env(name, value);
        }
        let log = keep_log.then(|| tempfile::NamedTempFile::new().expect("a log file"));
        let stderr = match &log {
            Some(file) => std::process::Stdio::from(file.reopen().expect("the log file")),
            None => std::process::Stdio::null(),
        };
        let child = command
            .arg("serve")
            .stdout(std::process::Stdio::null())
            .stderr(stderr)
            .spawn()
            .expect("confidant serve starts");
        let mut server = Self {
            child,
            base: format!("http://127.0.0.1:{port}"),
            log,
        };
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
        while !reqwest::get(format!("{}/readyz", server.base))
            .await
            .is_ok_and(|r| r.status() == 200)
        {
            assert!(
                server.child.try_wait().expect("poll").is_none(),
                "the server exited early"
            );
            assert!(
                std::time::Instant::now() < deadline,
                "the server did not come up"
            );
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        server
    }

    /// `base` + `path`.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// The process id, e.g. to read its memory from `/proc`.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Its resident memory in bytes, read from `/proc/<pid>/status` (`VmRSS`).
    pub fn rss_bytes(&self) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.pid()))
            .expect("the server's /proc status");
        status
            .lines()
            .find_map(|line| line.strip_prefix("VmRSS:"))
            .and_then(|value| value.split_whitespace().next()?.parse::<u64>().ok())
            .map(|kib| kib * 1024)
            .expect("a VmRSS line")
    }

    /// SIGKILL: no shutdown, no cleanup, open transactions cut off.
    pub fn kill(mut self) {
        self.child.kill().expect("SIGKILL");
        self.child.wait().expect("reaped");
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
