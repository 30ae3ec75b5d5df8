//! Installing the tools the web app and the browser tests need, only when missing. Everything
//! comes from crates.io, npm or Debian: nothing is downloaded from anywhere else.

use std::path::PathBuf;
use std::process::Command;

use crate::Result;
use crate::workspace::{self, output, step};

const TRUNK_VERSION: &str = "0.21.14";
const BINARYEN_VERSION: &str = "132.0.0";
const WASM_TARGET: &str = "wasm32-unknown-unknown";
// 0.14 is the newest that builds with the pinned toolchain (0.17 needs rustc 1.96).
const S3S_FS_VERSION: &str = "0.14.1";

/// The `PATH` for tool invocations: cargo's bin folder and the npm binaryen first.
pub fn path_with_tools() -> std::ffi::OsString {
    let mut paths = vec![binaryen_bin(), cargo_bin()];
    if let Some(existing) = std::env::var_os("PATH") {
        paths.extend(std::env::split_paths(&existing));
    }
    std::env::join_paths(paths).unwrap_or_default()
}

/// Installs whatever the web build needs.
pub fn ensure_web_tools() -> Result {
    ensure_wasm_target()?;
    ensure_trunk()?;
    ensure_wasm_bindgen()?;
    ensure_wasm_opt()
}

/// Installs Chromium and chromedriver from Debian when missing (as root), else says how.
pub fn ensure_browser() -> Result {
    let has = |tool: &str| tool_output(tool, "--version").is_some();
    if has("chromium") && has("chromedriver") {
        return Ok(());
    }
    apt_install(
        &["chromium", "chromium-driver"],
        "Chromium and chromedriver are needed for the browser tests",
    )
}

/// Installs `s3s-fs`, a small S3-compatible server from crates.io, for the test of attachment
/// storage in S3.
pub fn ensure_s3_server() -> Result {
    let version = tool_output("s3s-fs", "--version").unwrap_or_default();
    if version.split_whitespace().nth(1) == Some(S3S_FS_VERSION) {
        return Ok(());
    }
    step(
        workspace::cargo().args([
            "install",
            "--locked",
            "s3s-fs",
            "--version",
            S3S_FS_VERSION,
            "--features",
            "binary",
        ]),
        "installing s3s-fs, an S3 server for the storage test (once; a few minutes)",
    )
}

/// Where the third-party contract tools live (`tools/contract`).
pub fn contract_tools() -> PathBuf {
    workspace::root().join("tools/contract")
}

/// Installs the third-party tools that check the API contract: Redocly, @hey-api/openapi-ts and
/// tsx from npm (`npm ci`, exactly the versions in `package-lock.json`), and
/// openapi-python-client, ruff and Schemathesis from PyPI into a virtual environment. Each is
/// installed again only when its list changed.
pub fn ensure_contract_tools() -> Result {
    let dir = contract_tools();
    ensure_npm_packages(
        &dir,
        "installing the contract tools from npm (redocly, @hey-api/openapi-ts, tsx)",
    )?;
    let venv = dir.join(".venv");
    if !is_current(&dir.join("requirements.txt"), &venv.join(".installed"))? {
        let python = ["python3", "python"]
            .into_iter()
            .find(|python| output(Command::new(python).arg("--version")).is_some())
            .ok_or(
                "Python 3 is needed for the contract tools (openapi-python-client, schemathesis)",
            )?;
        step(
            Command::new(python).args(["-m", "venv"]).arg(&venv),
            "making a Python environment for the contract tools",
        )?;
        step(
            Command::new(venv.join("bin/pip"))
                .args(["install", "--quiet", "--disable-pip-version-check", "-r"])
                .arg(dir.join("requirements.txt")),
            "installing the contract tools from PyPI (openapi-python-client, schemathesis)",
        )?;
        mark_installed(&dir.join("requirements.txt"), &venv.join(".installed"))?;
    }
    Ok(())
}

/// Where `cargo xtask run` keeps its mail catcher (MailDev from npm).
pub fn mail_catcher() -> PathBuf {
    workspace::root().join("tools/mailcatcher")
}

/// The mail catcher's program, installed from npm when missing or out of date.
pub fn ensure_mail_catcher() -> Result<PathBuf> {
    let dir = mail_catcher();
    ensure_npm_packages(&dir, "installing the mail catcher from npm (maildev)")?;
    Ok(dir.join("node_modules/maildev/dist/bin/maildev.js"))
}

/// `npm ci` in `dir` unless its lock file is what was installed last; npm itself first, from
/// Debian, when missing.
fn ensure_npm_packages(dir: &std::path::Path, what: &str) -> Result {
    if output(Command::new("npm").arg("--version")).is_none() {
        apt_install(&["nodejs", "npm"], "npm is needed for the JavaScript tools")?;
    }
    if !is_current(
        &dir.join("package-lock.json"),
        &dir.join("node_modules/.installed"),
    )? {
        step(
            Command::new("npm")
                .args(["ci", "--no-audit", "--no-fund", "--loglevel=error"])
                .current_dir(dir),
            what,
        )?;
        mark_installed(
            &dir.join("package-lock.json"),
            &dir.join("node_modules/.installed"),
        )?;
    }
    Ok(())
}

/// Whether `stamp` records the content `list` has now.
fn is_current(list: &std::path::Path, stamp: &std::path::Path) -> Result<bool> {
    let wanted = std::fs::read(list).map_err(|e| format!("{}: {e}", list.display()))?;
    Ok(std::fs::read(stamp).is_ok_and(|recorded| recorded == wanted))
}

fn mark_installed(list: &std::path::Path, stamp: &std::path::Path) -> Result {
    std::fs::copy(list, stamp)
        .map(|_| ())
        .map_err(|e| format!("{}: {e}", stamp.display()))
}

/// Makes sure the tests can have a PostgreSQL: `TEST_DATABASE_URL`, or server binaries for
/// the private cluster the harness starts (installed from Debian when missing).
pub fn ensure_postgres_binaries() -> Result {
    let has_url = std::env::var("TEST_DATABASE_URL").is_ok_and(|url| !url.is_empty());
    if has_url || local_postgres::find_bin_dir().is_ok() {
        return Ok(());
    }
    apt_install(
        &["postgresql"],
        "PostgreSQL server binaries are needed for the tests (or set TEST_DATABASE_URL)",
    )
}

/// `apt-get install` as root; otherwise an error that says what to install.
fn apt_install(packages: &[&str], why: &str) -> Result {
    if !local_postgres::is_root() {
        return Err(format!(
            "{why}: install them with `sudo apt-get install {}`",
            packages.join(" ")
        ));
    }
    step(
        Command::new("apt-get").args(["update", "-q"]),
        "apt-get update",
    )?;
    step(
        Command::new("apt-get")
            .args(["install", "-y", "-q", "--no-install-recommends"])
            .args(packages)
            .env("DEBIAN_FRONTEND", "noninteractive"),
        &format!("installing {} from Debian", packages.join(", ")),
    )
}

fn ensure_wasm_target() -> Result {
    let installed = output(
        Command::new("rustup")
            .args(["target", "list", "--installed"])
            .current_dir(workspace::root()),
    )
    .unwrap_or_default();
    if installed.lines().any(|line| line.trim() == WASM_TARGET) {
        return Ok(());
    }
    step(
        Command::new("rustup")
            .args(["target", "add", WASM_TARGET])
            .current_dir(workspace::root()),
        "adding the wasm32 target",
    )
}

fn ensure_trunk() -> Result {
    let version = tool_output("trunk", "--version").unwrap_or_default();
    if version.split_whitespace().nth(1) == Some(TRUNK_VERSION) {
        return Ok(());
    }
    step(
        workspace::cargo().args(["install", "--locked", "trunk", "--version", TRUNK_VERSION]),
        "installing trunk (once; several minutes)",
    )
}

fn ensure_wasm_bindgen() -> Result {
    let wanted = wasm_bindgen_version()?;
    let version = tool_output("wasm-bindgen", "--version").unwrap_or_default();
    if version.split_whitespace().nth(1) == Some(wanted.as_str()) {
        return Ok(());
    }
    // Not --locked: the CLI's own lock file names a crate version the registry lacks.
    step(
        workspace::cargo().args(["install", "wasm-bindgen-cli", "--version", &wanted]),
        "installing wasm-bindgen-cli (once; a few minutes)",
    )
}

fn ensure_wasm_opt() -> Result {
    let version = tool_output("wasm-opt", "--version").unwrap_or_default();
    let major = BINARYEN_VERSION.split('.').next().unwrap_or_default();
    if version.contains(&format!("version {major}")) && binaryen_bin().join("wasm-opt").exists() {
        return Ok(());
    }
    if output(Command::new("npm").arg("--version")).is_none() {
        apt_install(
            &["nodejs", "npm"],
            "npm is needed to install wasm-opt (binaryen)",
        )?;
    }
    let prefix = binaryen_prefix();
    std::fs::create_dir_all(&prefix).map_err(|e| format!("{}: {e}", prefix.display()))?;
    // npm's binaryen, not Debian's: Debian's 108 produces a wasm that crashes in the browser.
    step(
        Command::new("npm")
            .args(["install", "--no-audit", "--no-fund", "--prefix"])
            .arg(&prefix)
            .arg(format!("binaryen@{BINARYEN_VERSION}")),
        "installing wasm-opt (npm binaryen)",
    )
}

/// The wasm-bindgen version in Cargo.lock; the CLI must match it exactly.
fn wasm_bindgen_version() -> Result<String> {
    let lock = std::fs::read_to_string(workspace::root().join("Cargo.lock"))
        .map_err(|error| format!("reading Cargo.lock: {error}"))?;
    let mut lines = lock.lines();
    while let Some(line) = lines.next() {
        if line.trim() == "name = \"wasm-bindgen\""
            && let Some(version) = lines
                .next()
                .and_then(|l| l.trim().strip_prefix("version = "))
        {
            return Ok(version.trim_matches('"').to_owned());
        }
    }
    Err("Cargo.lock names no wasm-bindgen version".into())
}

fn tool_output(tool: &str, arg: &str) -> Option<String> {
    output(Command::new(tool).arg(arg).env("PATH", path_with_tools()))
}

fn binaryen_prefix() -> PathBuf {
    workspace::target_dir().join("tools/binaryen")
}

fn binaryen_bin() -> PathBuf {
    binaryen_prefix().join("node_modules/.bin")
}

fn cargo_bin() -> PathBuf {
    std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".cargo")))
        .unwrap_or_default()
        .join("bin")
}

/// Builds the web app into `frontend/dist` with trunk (release: wasm-opt'ed and small).
pub fn build_web() -> Result {
    ensure_web_tools()?;
    step(
        Command::new("trunk")
            .args(["build", "--release"])
            .current_dir(workspace::root().join("frontend"))
            .env("PATH", path_with_tools())
            // Trunk must not inherit a cargo that points at the host target's wrapper.
            .env_remove("CARGO_BUILD_TARGET"),
        "building the web app (trunk)",
    )
}
