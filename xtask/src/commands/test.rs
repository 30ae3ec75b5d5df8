//! `cargo xtask test`: everything CI checks, in the order that fails fastest.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use crate::Result;
use crate::commands::openapi::run_openapi;
use crate::tools;
use crate::workspace::{self, step};

/// The command.
pub fn run() -> Result {
    tools::ensure_web_tools()?;
    tools::ensure_browser()?;
    tools::ensure_postgres_binaries()?;
    tools::ensure_s3_server()?;
    tools::ensure_contract_tools()?;
    tools::ensure_mail_catcher()?;
    step(
        workspace::cargo().args(["fmt", "--all", "--check"]),
        "checking formatting",
    )?;
    step(
        workspace::cargo().args([
            "clippy",
            "--workspace",
            "--exclude",
            "confidant-web",
            "--all-targets",
            "--",
            "-D",
            "warnings",
        ]),
        "linting the server, tests and tools",
    )?;
    step(
        workspace::cargo().args([
            "clippy",
            "-p",
            "confidant-web",
            "--target",
            "wasm32-unknown-unknown",
            "--",
            "-D",
            "warnings",
        ]),
        "linting the web app",
    )?;
    tools::build_web()?;

    // The committed document must be what the code generates.
    let generated = run_openapi()?;
    let path = workspace::root().join("openapi/openapi.json");
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    if generated != committed {
        return Err(format!(
            "{} differs from `confidant openapi`: run `cargo xtask openapi` and commit it",
            path.display()
        ));
    }

    let mut tests = workspace::cargo();
    tests
        .args(["test", "--workspace", "--exclude", "confidant-web"])
        .env("CONFIDANT_TEST_WEB_DIR", workspace::web_dist())
        .env("CONFIDANT_CONTRACT_TOOLS", tools::contract_tools())
        .env("CONFIDANT_MAILCATCHER", tools::mail_catcher())
        .env("PATH", tools::path_with_tools());
    let totals = run_tests(&mut tests)?;
    // One closing line for the whole run: cargo's own last line is often an empty doc-test
    // binary's "0 passed", which says nothing about the run.
    println!("tests: {} passed, {} failed", totals.passed, totals.failed);
    if totals.failed > 0 || !totals.success {
        return Err("some tests failed".into());
    }
    if totals.passed == 0 {
        return Err("no test ran".into());
    }
    eprintln!("xtask: all checks passed");
    Ok(())
}

/// What the test run added up to.
struct Totals {
    passed: u64,
    failed: u64,
    success: bool,
}

/// Runs `cargo test`, passing its output through while adding up its `test result:` lines.
fn run_tests(command: &mut Command) -> Result<Totals> {
    eprintln!("xtask: running every test (unit, API, browser)");
    let mut child = command
        .stdout(Stdio::piped())
        .spawn()
        .map_err(|error| format!("could not start cargo test: {error}"))?;
    let mut totals = Totals {
        passed: 0,
        failed: 0,
        success: false,
    };
    if let Some(stdout) = child.stdout.take() {
        for line in BufReader::new(stdout)
            .lines()
            .map_while(std::result::Result::ok)
        {
            println!("{line}");
            if let Some(summary) = line.strip_prefix("test result: ") {
                totals.passed += count(summary, "passed");
                totals.failed += count(summary, "failed");
            }
        }
    }
    totals.success = child
        .wait()
        .map_err(|error| format!("waiting for cargo test: {error}"))?
        .success();
    Ok(totals)
}

/// `count("ok. 22 passed; 0 failed; …", "passed")` → 22.
fn count(summary: &str, what: &str) -> u64 {
    summary
        .split(';')
        .filter_map(|part| {
            let mut words = part.split_whitespace().rev();
            (words.next() == Some(what))
                .then(|| words.next()?.parse::<u64>().ok())
                .flatten()
        })
        .sum()
}

#[cfg(test)]
mod tests {
    use super::count;

    #[test]
    fn counts_read_cargo_summaries() {
        let summary = "FAILED. 20 passed; 2 failed; 0 ignored; 0 measured; 0 filtered out";
        assert_eq!(count(summary, "passed"), 20);
        assert_eq!(count(summary, "failed"), 2);
        assert_eq!(count("ok. 0 passed; 0 failed", "passed"), 0);
    }
}
