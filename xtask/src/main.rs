//! `cargo xtask …`: the developer commands. They install what they need, so that both work on
//! a fresh machine: `run` (build the web app, start or reuse a local database, serve) and
//! `test` (format, lints, web build, every test, the committed OpenAPI document).

mod tools;
mod workspace;

use std::process::ExitCode;

mod commands {
    pub mod bench;
    pub mod openapi;
    pub mod run;
    pub mod test;
}

const USAGE: &str = "\
usage: cargo xtask <command>

  run       build the web app, start a local PostgreSQL (unless DATABASE_URL is set),
            migrate, seed a demo practice into an empty database (printing its
            sign-ins) and serve Confidant on http://127.0.0.1:8080
  stop      stop the local PostgreSQL that `run` started (it keeps running otherwise)
  test      check formatting and lints, build the web app, run every test (unit, API,
            browser) and check that openapi/openapi.json is current
  openapi   regenerate openapi/openapi.json from the code
  bench     print speed figures, e.g. `cargo xtask bench inbox --threads 100000`";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("run") => commands::run::run(),
        Some("stop") => commands::run::stop(),
        Some("test") => commands::test::run(),
        Some("openapi") => commands::openapi::run(),
        Some("bench") => commands::bench::run(&args[1..]),
        Some("-h" | "--help" | "help") => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        _ => {
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("xtask: {error}");
            ExitCode::FAILURE
        }
    }
}

/// Errors are plain sentences for the developer.
pub type Result<T = ()> = std::result::Result<T, String>;
