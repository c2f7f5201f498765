//! The `tether` command line (CONTRACT section 1).

use std::io::{BufWriter, IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use clap::{Parser, Subcommand};
use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::app;
use crate::clock::{Clock, SystemClock};
use crate::config::Config;
use crate::domain::accounts::{NewUser, Role};
use crate::domain::bundle::write::{BundleWriter, Head};
use crate::domain::bundle::{Counts, Section};
use crate::domain::timestamp::Timestamp;
use crate::operations::import::{BundleSource, Progress};
use crate::operations::{self, Actor, OpError};
use crate::storage::bundle::export::Part;
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
    // The bundle is read twice (checked, then written): standard input is kept in a temporary
    // file for the second reading.
    let (source, _spooled) = if file.as_os_str() == "-" {
        let mut spool = tempfile::NamedTempFile::new()
            .map_err(|e| format!("cannot buffer standard input: {e}"))?;
        std::io::copy(&mut std::io::stdin().lock(), &mut spool)
            .map_err(|e| format!("cannot read standard input: {e}"))?;
        (BundleSource::File(spool.path().to_owned()), Some(spool))
    } else {
        std::fs::File::open(file).map_err(|e| format!("cannot read {}: {e}", file.display()))?;
        (BundleSource::File(file.to_owned()), None)
    };
    let db = connect_migrated(config).await?;
    let bars = Arc::new(ImportBars::new(std::io::stderr().is_terminal()));
    let imported = operations::import::import(
        &db,
        Actor::command_line(),
        source,
        SystemClock.now(),
        bars.clone(),
    )
    .await;
    bars.finish();
    db.close().await.map_err(|e| e.to_string())?;
    match imported {
        Ok(imported) => {
            let report = imported.report;
            eprintln!(
                "imported {} in {:.1} s from {} ({} created, {} updated, {} unchanged)",
                imported.counts,
                imported.seconds,
                file.display(),
                report.created,
                report.updated,
                report.unchanged
            );
            Ok(())
        }
        Err(OpError::Invalid(problems)) => Err(problem_list(&problems)),
        Err(OpError::Unreadable(reason)) => {
            Err(format!("cannot read {}: {reason}", file.display()))
        }
        Err(other) => Err(format!("the bundle was not imported: {other}")),
    }
}

/// Progress of an import on a terminal: a counter while the bundle is checked, then one bar
/// per kind of content while it is written. Draws nothing when stderr is not a terminal.
struct ImportBars {
    multi: Option<MultiProgress>,
    checking: Option<ProgressBar>,
    writing: OnceLock<Vec<(Section, ProgressBar)>>,
}

impl ImportBars {
    fn new(on_terminal: bool) -> Self {
        if !on_terminal {
            return Self {
                multi: None,
                checking: None,
                writing: OnceLock::new(),
            };
        }
        let multi = MultiProgress::with_draw_target(ProgressDrawTarget::stderr());
        let checking = multi.add(ProgressBar::new_spinner());
        checking.set_style(
            ProgressStyle::with_template("{spinner} checking: {human_pos} elements ({per_sec})")
                .unwrap_or_else(|_| ProgressStyle::default_spinner()),
        );
        checking.enable_steady_tick(Duration::from_millis(120));
        Self {
            multi: Some(multi),
            checking: Some(checking),
            writing: OnceLock::new(),
        }
    }

    fn finish(&self) {
        if let Some(checking) = &self.checking {
            checking.finish_and_clear();
        }
        for (_, bar) in self.writing.get().into_iter().flatten() {
            bar.finish();
        }
    }
}

impl Progress for ImportBars {
    fn checking(&self, checked: usize) {
        if let Some(bar) = &self.checking {
            bar.set_position(checked as u64);
        }
    }

    fn writing(&self, totals: &Counts) {
        let Some(multi) = &self.multi else {
            return;
        };
        if let Some(checking) = &self.checking {
            checking.finish_and_clear();
        }
        let style = ProgressStyle::with_template(
            "{prefix:>14} {bar:30} {human_pos}/{human_len} ({per_sec}, {eta} left)",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar());
        let bars = Section::ALL
            .into_iter()
            .filter(|s| totals.get(*s) > 0)
            .map(|section| {
                let bar = multi.add(ProgressBar::new(totals.get(section) as u64));
                bar.set_style(style.clone());
                bar.set_prefix(section.plural());
                (section, bar)
            })
            .collect();
        let _ = self.writing.set(bars);
    }

    fn wrote(&self, section: Section) {
        if let Some(bars) = self.writing.get()
            && let Some((_, bar)) = bars.iter().find(|(s, _)| *s == section)
        {
            bar.inc(1);
        }
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
    let now = SystemClock.now();
    let written = match out {
        Some(path) => {
            // Written beside the target and renamed at the end: a failed export leaves no
            // half-written file.
            let dir = match path.parent() {
                Some(dir) if !dir.as_os_str().is_empty() => dir,
                _ => std::path::Path::new("."),
            };
            let cannot =
                |e: &dyn std::fmt::Display| format!("cannot write {}: {e}", path.display());
            let mut spool = tempfile::Builder::new();
            spool.prefix(".tether-export-");
            // As a file created directly would be: readable by others unless the umask says no.
            #[cfg(unix)]
            spool.permissions(std::os::unix::fs::PermissionsExt::from_mode(0o666));
            let file = spool.tempfile_in(dir).map_err(|e| cannot(&e))?;
            let file = write_bundle(&db, now, BufWriter::with_capacity(1 << 16, file))
                .await
                .map_err(|e| match e {
                    ExportFailure::Read(e) => e,
                    ExportFailure::Write(e) => cannot(&e),
                })?;
            file.into_inner()
                .map_err(|e| cannot(&e))?
                .persist(path)
                .map(|_| ())
                .map_err(|e| cannot(&e))
        }
        None => write_bundle(
            &db,
            now,
            BufWriter::with_capacity(1 << 16, std::io::stdout()),
        )
        .await
        .map(|_| ())
        .map_err(|e| match e {
            ExportFailure::Read(e) => e,
            ExportFailure::Write(e) => format!("cannot write to standard output: {e}"),
        }),
    };
    db.close().await.map_err(|e| e.to_string())?;
    written
}

enum ExportFailure {
    Read(String),
    Write(std::io::Error),
}

/// Writes the bundle as the database hands it over, a page of articles at a time.
async fn write_bundle<W: Write>(db: &Store, now: Timestamp, out: W) -> Result<W, ExportFailure> {
    let mut parts = storage::bundle::export::stream(db, now);
    let mut next = async || match parts.recv().await {
        Some(Ok(part)) => Ok(part),
        Some(Err(e)) => Err(ExportFailure::Read(e.to_string())),
        None => Err(ExportFailure::Read("the export stopped early".to_owned())),
    };
    let Part::Head {
        perspectives,
        promos,
        feeling_lists,
        step_guides,
    } = next().await?
    else {
        return Err(ExportFailure::Read(
            "the export began out of order".to_owned(),
        ));
    };
    let head = Head {
        perspectives: &perspectives,
        promos: &promos,
        feeling_lists: &feeling_lists,
        step_guides: &step_guides,
    };
    let mut writer = BundleWriter::begin(out, head).map_err(ExportFailure::Write)?;
    loop {
        match next().await? {
            Part::Articles(page) => {
                for article in &page {
                    writer.article(article).map_err(ExportFailure::Write)?;
                }
            }
            Part::Placements(placements) => {
                return writer.finish(&placements).map_err(ExportFailure::Write);
            }
            Part::Head { .. } => {
                return Err(ExportFailure::Read(
                    "the export repeated its head".to_owned(),
                ));
            }
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
    let user = operations::users::create(
        &db,
        &operations::password_work::PasswordWork::new(),
        Actor::command_line(),
        new_user,
        SystemClock.now(),
    )
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
