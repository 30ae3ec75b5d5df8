//! `cargo xtask bench …`: runs the benchmarks in `tests/src/bin/bench/main.rs`, optimised, over a
//! private PostgreSQL (or `TEST_DATABASE_URL`). Figures are printed, never asserted.

use crate::Result;
use crate::workspace::{self, step};

/// The command; `args` are passed on (`inbox --threads 100000`).
pub fn run(args: &[String]) -> Result {
    // `events` runs the server as processes: the binary beside the benchmark's own.
    step(
        workspace::cargo().args(["build", "--quiet", "--release", "-p", "confidant"]),
        "building the server (release)",
    )?;
    step(
        workspace::cargo()
            .args([
                "run",
                "--quiet",
                "--release",
                "-p",
                "confidant-tests",
                "--bin",
                "confidant-bench",
                "--",
            ])
            .args(args),
        "running the benchmark (release build)",
    )
}
