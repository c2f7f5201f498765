//! The `tether` command line (CONTRACT section 1).

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::app;
use crate::clock::{Clock, SystemClock};
use crate::config::Config;
use crate::domain::accounts::{NewUser, Role};
use crate::domain::bundle::Bundle;
use crate::operations::{self, Actor, OpError};
use crate::storage::{self, Patience, Store};

#[derive(Debug, Parser)]
#[command(
    name = "tether",
    version,
    about = "A headless CMS for guidance-content sites"
)]
pub struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Apply pending migrations, load the sample content into an empty database, and serve
    /// (the default).
    Serve,
    /// Apply pending migrations and exit.
    Migrate,
    /// Import a content bundle, all or nothing.
    Import {
        /// The bundle's JSON file (`-` for standard input).
        file: PathBuf,
    },
    /// Write every piece of content as one bundle.
    Export {
        /// Write to this file instead of standard output.
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Manage admin users.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
}

#[derive(Debug, Subcommand)]
enum UserCommand {
    /// Create an admin user. The password comes from TETHER_PASSWORD, else a prompt on a
    /// terminal, else one line of standard input.
    Create {
        #[arg(long)]
        email: String,
        /// admin, editor or marketer.
        #[arg(long)]
        role: String,
        /// The name shown in the dashboard (default: the part of the email before @).
        #[arg(long)]
        name: Option<String>,
    },
}

/// Parses the arguments, runs the command, and turns its outcome into an exit code.
pub async fn run() -> ExitCode {
    let cli = Cli::parse();
    let config = match Config::from_env() {
        Ok(config) => config,
        Err(error) => {
            eprintln!("error: {error}");
            return ExitCode::from(2);
        }
    };
    crate::telemetry::init(&config);
    let outcome = match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => app::serve(config).await.map_err(|e| e.to_string()),
        Command::Migrate => migrate(&config).await,
        Command::Import { file } => import(&config, &file).await,
        Command::Export { out } => export(&config, out.as_deref()).await,
        Command::User {
            command: UserCommand::Create { email, role, name },
        } => create_user(&config, &email, &role, name.as_deref()).await,
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

async fn connect_migrated(config: &Config) -> Result<Store, String> {
    let db = storage::connect(&config.database_url, Patience::COMMAND)
        .await
        .map_err(|e| e.to_string())?;
    storage::migrate(&db).await.map_err(|e| e.to_string())?;
    Ok(Store::new(db))
}

async fn migrate(config: &Config) -> Result<(), String> {
    connect_migrated(config).await?;
    eprintln!("migrations applied");
    Ok(())
}

async fn import(config: &Config, file: &std::path::Path) -> Result<(), String> {
    let text = if file.as_os_str() == "-" {
        std::io::read_to_string(std::io::stdin())
            .map_err(|e| format!("cannot read standard input: {e}"))?
    } else {
        std::fs::read_to_string(file).map_err(|e| format!("cannot read {}: {e}", file.display()))?
    };
    let bundle = Bundle::parse(&text).map_err(|problems| problem_list(&problems))?;
    drop(text);
    let db = connect_migrated(config).await?;
    let imported =
        operations::import::import(&db, Actor::command_line(), bundle, SystemClock.now()).await;
    db.close().await.map_err(|e| e.to_string())?;
    match imported {
        Ok(report) => {
            eprintln!(
                "imported {}: {} created, {} updated, {} unchanged",
                file.display(),
                report.created,
                report.updated,
                report.unchanged
            );
            Ok(())
        }
        Err(OpError::Invalid(problems)) => Err(problem_list(&problems)),
        Err(other) => Err(format!("the bundle was not imported: {other}")),
    }
}

fn problem_list(problems: &crate::domain::problems::Problems) -> String {
    format!(
        "the bundle was not imported; {} problem{} found:\n{}",
        problems.len(),
        if problems.len() == 1 { "" } else { "s" },
        problems
            .iter()
            .map(|p| format!("  {p}"))
            .collect::<Vec<_>>()
            .join("\n")
    )
}

async fn export(config: &Config, out: Option<&std::path::Path>) -> Result<(), String> {
    let db = connect_migrated(config).await?;
    let json = storage::bundle::export(&db, SystemClock.now())
        .await
        .map_err(|e| e.to_string())?
        .to_json();
    match out {
        Some(path) => {
            std::fs::write(path, json).map_err(|e| format!("cannot write {}: {e}", path.display()))
        }
        None => {
            let mut stdout = std::io::stdout().lock();
            stdout
                .write_all(json.as_bytes())
                .and_then(|()| stdout.flush())
                .map_err(|e| format!("cannot write to standard output: {e}"))
        }
    }
}

async fn create_user(
    config: &Config,
    email: &str,
    role: &str,
    name: Option<&str>,
) -> Result<(), String> {
    let role = Role::parse(role)
        .ok_or_else(|| format!("--role is {role:?}; use admin, editor or marketer"))?;
    let display_name = name
        .map(str::to_owned)
        .unwrap_or_else(|| email.split('@').next().unwrap_or(email).to_owned());
    let new_user = NewUser {
        email: email.to_owned(),
        display_name,
        role,
        password: read_password()?,
    };
    new_user.validate().map_err(|problems| {
        problems
            .iter()
            .map(|p| format!("{}: {}", p.path, p.message))
            .collect::<Vec<_>>()
            .join("\n")
    })?;
    let db = connect_migrated(config).await?;
    let user = operations::users::create(&db, Actor::command_line(), new_user, SystemClock.now())
        .await
        .map_err(|e| match e {
            OpError::Invalid(problems) => problems
                .iter()
                .map(|p| match p.path.as_str() {
                    "email" => format!("a user with the email {} already exists", email.trim()),
                    _ => p.to_string(),
                })
                .collect::<Vec<_>>()
                .join("\n"),
            other => other.to_string(),
        })?;
    eprintln!(
        "created {} ({}) as {}",
        user.email,
        user.display_name,
        role.label()
    );
    Ok(())
}

/// `TETHER_PASSWORD`, else a prompt when standard input is a terminal, else one line of it.
fn read_password() -> Result<String, String> {
    if let Ok(password) = std::env::var("TETHER_PASSWORD") {
        return Ok(password);
    }
    if std::io::stdin().is_terminal() {
        return rpassword::prompt_password("Password (12 to 128 characters): ")
            .map_err(|e| format!("cannot read the password: {e}"));
    }
    let mut line = String::new();
    std::io::stdin()
        .read_line(&mut line)
        .map_err(|e| format!("cannot read the password from standard input: {e}"))?;
    Ok(line.trim_end_matches(['\r', '\n']).to_owned())
}
