//! `cargo xtask openapi`: regenerate the committed OpenAPI document.

use std::process::Command;

use crate::Result;
use crate::workspace::{self, step};

/// Writes `confidant openapi` to `openapi/openapi.json`.
pub fn run_openapi() -> Result<String> {
    step(
        workspace::cargo().args(["build", "--quiet", "-p", "confidant"]),
        "building the server",
    )?;
    let binary = workspace::target_dir().join("debug/confidant");
    let output = Command::new(&binary)
        .arg("openapi")
        .output()
        .map_err(|error| format!("running {}: {error}", binary.display()))?;
    if !output.status.success() {
        return Err(format!(
            "confidant openapi failed: {}",
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    String::from_utf8(output.stdout).map_err(|_| "confidant openapi printed non-UTF-8".into())
}

/// The command.
pub fn run() -> Result {
    let document = run_openapi()?;
    let path = workspace::root().join("openapi/openapi.json");
    std::fs::write(&path, document).map_err(|error| format!("{}: {error}", path.display()))?;
    eprintln!("xtask: wrote {}", path.display());
    Ok(())
}
