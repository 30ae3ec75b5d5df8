//! A private PostgreSQL cluster built from the server binaries installed on the machine
//! (Debian's `postgresql-NN` package), for `cargo xtask run` and the test harness.
//!
//! PostgreSQL refuses to run as root; when we are root, every server command runs as the
//! `postgres` user through `runuser`, and the data folder is handed to that user. The server
//! listens on 127.0.0.1 only, with trust authentication and no Unix socket (socket paths have
//! a short length limit that deep build folders exceed).

use std::fs;
use std::io;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// A cluster in a data folder, served on a port of 127.0.0.1.
#[derive(Clone, Debug)]
pub struct LocalPostgres {
    data_dir: PathBuf,
    port: u16,
    bin_dir: PathBuf,
    as_postgres_user: bool,
}

/// Something went wrong; the text says what and how to fix it.
#[derive(Debug)]
pub struct Error(pub String);

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Error {}

impl From<io::Error> for Error {
    fn from(error: io::Error) -> Self {
        Self(error.to_string())
    }
}

impl LocalPostgres {
    /// A cluster in `data_dir` on `port`. Nothing is started yet.
    pub fn new(data_dir: impl Into<PathBuf>, port: u16) -> Result<Self, Error> {
        Ok(Self {
            data_dir: data_dir.into(),
            port,
            bin_dir: find_bin_dir()?,
            as_postgres_user: is_root(),
        })
    }

    /// The port the cluster listens on.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The data folder.
    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }

    /// A URL for `database` as the `postgres` superuser.
    pub fn url(&self, database: &str) -> String {
        format!("postgres://postgres@127.0.0.1:{}/{database}", self.port)
    }

    /// Creates the cluster unless the data folder already holds one.
    pub fn init_if_needed(&self) -> Result<(), Error> {
        if self.data_dir.join("PG_VERSION").is_file() {
            return Ok(());
        }
        fs::create_dir_all(&self.data_dir)?;
        self.hand_to_postgres(&self.data_dir)?;
        let output = self
            .server_command("initdb")
            .arg("-D")
            .arg(&self.data_dir)
            .args(["-A", "trust", "-U", "postgres", "-E", "UTF8", "--no-sync"])
            .args(["--locale", "C"])
            .output()?;
        check("initdb", &output)
    }

    /// True when a server runs on this data folder.
    pub fn is_running(&self) -> bool {
        self.server_command("pg_ctl")
            .arg("status")
            .arg("-D")
            .arg(&self.data_dir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|status| status.success())
    }

    /// Starts the server and waits until it accepts connections.
    pub fn start(&self) -> Result<(), Error> {
        let log = self.data_dir.join("server.log");
        let options = format!(
            "-p {} -c listen_addresses=127.0.0.1 -c unix_socket_directories='' \
             -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300",
            self.port
        );
        let output = self
            .server_command("pg_ctl")
            .arg("-D")
            .arg(&self.data_dir)
            .arg("-l")
            .arg(&log)
            .args(["-w", "-t", "60", "-o", &options, "start"])
            .stdin(Stdio::null())
            .output()?;
        check("pg_ctl start", &output).map_err(|error| {
            let tail = fs::read_to_string(&log).unwrap_or_default();
            let tail: Vec<&str> = tail.lines().rev().take(5).collect();
            Error(format!("{error}; server log: {}", tail.join(" | ")))
        })
    }

    /// Stops the server at once (the data is for development or tests only).
    pub fn stop(&self) -> Result<(), Error> {
        let output = self
            .server_command("pg_ctl")
            .arg("-D")
            .arg(&self.data_dir)
            .args(["-m", "fast", "stop"])
            .output()?;
        check("pg_ctl stop", &output)
    }

    /// Starts a watchdog that stops the server and deletes its data folder once the process
    /// `pid` has ended: test binaries cannot run code at exit, and a forgotten server would
    /// outlive the test run.
    pub fn remove_when_process_ends(&self, pid: u32) -> Result<(), Error> {
        let pg_ctl = self.bin_dir.join("pg_ctl");
        let stop = if self.as_postgres_user {
            format!("runuser -u postgres -- '{}'", pg_ctl.display())
        } else {
            format!("'{}'", pg_ctl.display())
        };
        let script = format!(
            "while kill -0 {pid} 2>/dev/null; do sleep 0.5; done; \
             {stop} -D '{dir}' -m immediate stop; rm -rf '{dir}'",
            dir = self.data_dir.display()
        );
        Command::new("sh")
            .args(["-c", &script])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()?;
        Ok(())
    }

    /// True when the `postgres` user (which runs the server when we are root) can write in
    /// `dir`'s parent, i.e. every folder above it lets that user through.
    pub fn can_host_data_in(dir: &Path) -> bool {
        if !is_root() {
            return true;
        }
        let Some(parent) = dir.parent() else {
            return false;
        };
        if fs::create_dir_all(parent).is_err() {
            return false;
        }
        Command::new("runuser")
            .args(["-u", "postgres", "--", "test", "-x"])
            .arg(parent)
            .status()
            .is_ok_and(|status| status.success())
    }

    fn server_command(&self, tool: &str) -> Command {
        let program = self.bin_dir.join(tool);
        if self.as_postgres_user {
            let mut command = Command::new("runuser");
            command.args(["-u", "postgres", "--"]).arg(program);
            command
        } else {
            Command::new(program)
        }
    }

    fn hand_to_postgres(&self, dir: &Path) -> Result<(), Error> {
        if !self.as_postgres_user {
            return Ok(());
        }
        let output = Command::new("chown")
            .args(["-R", "postgres:postgres"])
            .arg(dir)
            .output()?;
        check("chown", &output)
    }
}

/// A port on 127.0.0.1 that was free a moment ago.
pub fn free_port() -> Result<u16, Error> {
    let listener = TcpListener::bind("127.0.0.1:0")?;
    Ok(listener.local_addr()?.port())
}

/// Finds the folder holding `initdb`, `pg_ctl` and `postgres`: `PG_BIN_DIR` when set, else the
/// newest `/usr/lib/postgresql/NN/bin`, else whatever `pg_config --bindir` says.
pub fn find_bin_dir() -> Result<PathBuf, Error> {
    if let Some(dir) = std::env::var_os("PG_BIN_DIR") {
        return Ok(PathBuf::from(dir));
    }
    let mut versions: Vec<(u32, PathBuf)> = fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|entry| {
            let version = entry.file_name().to_str()?.parse::<u32>().ok()?;
            let bin = entry.path().join("bin");
            bin.join("initdb").is_file().then_some((version, bin))
        })
        .collect();
    versions.sort();
    if let Some((_, bin)) = versions.pop() {
        return Ok(bin);
    }
    if let Ok(output) = Command::new("pg_config").arg("--bindir").output()
        && output.status.success()
    {
        let bin = PathBuf::from(String::from_utf8_lossy(&output.stdout).trim());
        if bin.join("initdb").is_file() {
            return Ok(bin);
        }
    }
    Err(Error(
        "no PostgreSQL server binaries found (looked in /usr/lib/postgresql/*/bin and \
         pg_config); install them with `apt-get install postgresql`, set PG_BIN_DIR, or set \
         DATABASE_URL / TEST_DATABASE_URL to an existing server"
            .into(),
    ))
}

/// True when this process runs as root (PostgreSQL then runs as the `postgres` user).
pub fn is_root() -> bool {
    // The effective uid, without a libc dependency: the `Uid:` line of /proc/self/status
    // holds real, effective, saved and filesystem ids.
    fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find(|line| line.starts_with("Uid:"))
                .and_then(|line| line.split_whitespace().nth(2).map(|id| id == "0"))
        })
        .unwrap_or(false)
}

fn check(what: &str, output: &Output) -> Result<(), Error> {
    if output.status.success() {
        return Ok(());
    }
    let stderr = String::from_utf8_lossy(&output.stderr);
    let stdout = String::from_utf8_lossy(&output.stdout);
    Err(Error(format!(
        "{what} failed ({}): {} {}",
        output.status,
        stderr.trim(),
        stdout.trim()
    )))
}

impl LocalPostgres {
    /// Creates `database` unless it exists already.
    pub fn create_database_if_missing(&self, database: &str) -> Result<(), Error> {
        let output = self
            .server_command("createdb")
            .args([
                "-h",
                "127.0.0.1",
                "-p",
                &self.port.to_string(),
                "-U",
                "postgres",
            ])
            .arg(database)
            .output()?;
        let already = String::from_utf8_lossy(&output.stderr).contains("already exists");
        if already {
            return Ok(());
        }
        check("createdb", &output)
    }
}
