//! The `confidant` command line: `serve` (the default), `migrate`, `openapi`,
//! `create-practice` and `seed-demo`.
//!
//! Every failure ends in one clear line on stderr and a non-zero exit, never a panic.

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use confidant::{api_doc, config::Config, db, provisioning, startup::Application, telemetry};

#[derive(Parser)]
#[command(
    name = "confidant",
    version,
    about = "Secure messaging for health and therapy practices"
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Migrate the database, then serve the API and the web app (the default).
    Serve,
    /// Apply pending database migrations and exit.
    Migrate,
    /// Print the OpenAPI document as JSON to stdout.
    Openapi,
    /// Create a practice with its owner; prints the new ids as JSON.
    CreatePractice {
        /// The practice's name.
        #[arg(long)]
        name: String,
        /// The owner's full name.
        #[arg(long)]
        owner_name: String,
        /// The owner's email (their sign-in).
        #[arg(long)]
        owner_email: String,
        /// The owner's password (12 to 128 characters).
        #[arg(long)]
        owner_password: String,
    },
    /// Create the demo practice "Riverbend Counseling" (staff, clients, groups; everyone can
    /// sign in with a public demo password) and print its sign-ins. Running it again changes
    /// nothing and prints the same sign-ins. For development and demonstrations only.
    SeedDemo {
        /// Print the sign-ins as JSON instead of text.
        #[arg(long)]
        json: bool,
        /// Do nothing when the database holds practices but not the demo one.
        #[arg(long)]
        if_empty: bool,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli.command.unwrap_or(Command::Serve)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            // `{:#}` prints the whole context chain on one line.
            eprintln!("confidant: {error:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(command: Command) -> anyhow::Result<()> {
    if let Command::Openapi = command {
        print!("{}", api_doc::to_json());
        return Ok(());
    }
    let config = Config::from_env()?;
    telemetry::init(config.log_format);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async move {
        match command {
            Command::Migrate => {
                let database_url = config.require_database_url()?;
                db::run_migrations(database_url).await?;
                tracing::info!("migrations applied");
                Ok(())
            }
            Command::CreatePractice {
                name,
                owner_name,
                owner_email,
                owner_password,
            } => {
                let database_url = config.require_database_url()?;
                db::run_migrations(database_url).await?;
                let pool = db::pool(database_url, 2)?;
                let created = provisioning::create_practice(
                    &pool,
                    provisioning::PracticeSetup {
                        name,
                        owner_name,
                        owner_email,
                        owner_password,
                    },
                )
                .await?;
                println!("{}", serde_json::to_string_pretty(&created)?);
                Ok(())
            }
            Command::SeedDemo { json, if_empty } => {
                let database_url = config.require_database_url()?;
                db::run_migrations(database_url).await?;
                let pool = db::pool(database_url, 2)?;
                // A file stored under a key made up for this run could never be read again.
                let files = (!config.storage_key.generated)
                    .then(|| confidant::attachments::FileStore::from_config(&config))
                    .transpose()?;
                let demo = match provisioning::seed_demo(&pool, if_empty, files.as_ref()).await? {
                    provisioning::DemoSeed::Created(demo) => {
                        if files.is_none() {
                            eprintln!(
                                "confidant: without CONFIDANT_STORAGE_KEY, the demo thread that \
                                 carries a file was seeded without it"
                            );
                        }
                        demo
                    }
                    provisioning::DemoSeed::Existing(demo) => {
                        eprintln!(
                            "confidant: the demo practice exists already; nothing was changed"
                        );
                        demo
                    }
                    provisioning::DemoSeed::Skipped { practices } => {
                        eprintln!(
                            "confidant: the database holds {practices} practice(s) and none \
                             is the demo practice; nothing was seeded (--if-empty)"
                        );
                        return Ok(());
                    }
                };
                if json {
                    println!("{}", serde_json::to_string_pretty(&demo)?);
                } else {
                    print!("{}", demo.to_text());
                }
                Ok(())
            }
            Command::Serve | Command::Openapi => {
                let open_files = raise_open_file_limit();
                let app = Application::build(config).await?;
                // Logged once the server stands: a server that cannot start says one line.
                match open_files {
                    Ok(limit) => tracing::info!(limit, "open-file limit"),
                    Err(error) => tracing::warn!(%error, "could not raise the open-file limit"),
                }
                println!("Confidant is listening on http://{}", app.address());
                app.run_until_stopped().await?;
                Ok(())
            }
        }
    })
}

/// Raises the soft limit on open files to the hard limit: every live stream (`GET
/// /api/v1/events`) holds a socket for as long as a person has the app open, and systemd and
/// most shells start processes at a soft limit of 1,024, far below the thousands of streams
/// one instance serves. The hard limit is the operator's to set; we only use what it allows.
fn raise_open_file_limit() -> std::io::Result<u64> {
    rlimit::increase_nofile_limit(u64::MAX)
}
