//! The real `confidant` executable, for what only a process shows: the command line, exit
//! codes, signals.

use std::path::PathBuf;
use std::process::Command;

/// The `confidant` binary built beside this test binary (`cargo xtask test` builds it first).
pub fn confidant_binary() -> PathBuf {
    let exe = std::env::current_exe().expect("the test binary's path");
    // target/<profile>/deps/e2e-HASH → target/<profile>/confidant
    let profile_dir = exe
        .parent()
        .and_then(|deps| deps.parent())
        .expect("the test binary lives in target/<profile>/deps");
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
