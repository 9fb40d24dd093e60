//! `madoguchi`: serve the portal, migrate the database, manage the catalogue and forms.

mod commands;
mod config;
mod demo;
pub(crate) mod guide;

use std::path::PathBuf;

use anyhow::{Context, Result};
use clap::{Parser, Subcommand};

use crate::config::Config;

// Requests allocate many small strings and maps; mimalloc handles that with less contention
// than the system allocator (measured: see bench/README.md).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(
    name = "madoguchi",
    version,
    about = "Every municipal procedure online, behind one portal"
)]
struct Cli {
    /// Configuration file (TOML); default: $MADOGUCHI_CONFIG or ./madoguchi.toml if present.
    #[arg(long, global = true)]
    config: Option<PathBuf>,
    /// Database URL (overrides the configuration): sqlite://PATH or postgres://USER@HOST/DB.
    #[arg(long, global = true)]
    database_url: Option<String>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the portal and the API.
    Serve {
        /// Load the demo municipality (桜ヶ丘区) if the catalogue is empty.
        #[arg(long)]
        demo: bool,
        /// Address to listen on, e.g. 127.0.0.1:8080.
        #[arg(long)]
        listen: Option<String>,
    },
    /// Apply pending database migrations and exit.
    Migrate,
    /// The procedure catalogue.
    Catalog {
        #[command(subcommand)]
        command: CatalogCommand,
    },
    /// Form definitions.
    Forms {
        #[command(subcommand)]
        command: FormsCommand,
    },
    /// Postal-code data for address completion.
    Postal {
        #[command(subcommand)]
        command: PostalCommand,
    },
    /// The tamper-evident audit log.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// Applications.
    Applications {
        #[command(subcommand)]
        command: ApplicationsCommand,
    },
    /// The AI information desk (総合案内): answers only from official documents.
    Guide {
        #[command(subcommand)]
        command: GuideCommand,
    },
}

#[derive(Subcommand)]
enum GuideCommand {
    /// Import FAQ entries from a CSV (id,question,answer[,department,category,url,updated]);
    /// an id already stored is updated. All or nothing.
    Import { file: PathBuf },
    /// Import the official pages of a folder (.md with front matter, .html). All or nothing.
    ImportDocs { dir: PathBuf },
    /// List the knowledge base (FAQ entries and pages).
    Docs {
        #[arg(long)]
        json: bool,
    },
    /// Remove knowledge-base documents by id.
    Delete { ids: Vec<String> },
    /// Answer QUESTION, or one question per line from standard input (one JSON object per line).
    Ask {
        #[arg(long)]
        json: bool,
        question: Option<String>,
    },
    /// Run a gold set (JSON lines) and print retrieval, answering and latency figures.
    Eval {
        file: PathBuf,
        /// Print the figures as one JSON object.
        #[arg(long)]
        json: bool,
        /// Also write every question's outcome (gold item, answer, latency) as JSON lines.
        #[arg(long)]
        dump: Option<PathBuf>,
    },
    /// Fit the engine's decision (reranker, confidence calibrators, thresholds) on a gold set of
    /// this municipality's questions and write it as a configuration file: fitted on the even
    /// lines and measured on the odd ones first, then fitted on all.
    Fit {
        file: PathBuf,
        /// Where to write the `[guide]` configuration (use with --config, or merge its
        /// `[guide.engine]` table into madoguchi.toml).
        #[arg(long)]
        out: PathBuf,
        /// The answered precision the answer threshold must reach on the gold set.
        #[arg(long, default_value_t = madoguchi_guide::eval::Goals::DEFAULT.precision)]
        min_precision: f64,
        /// The share of not_in_kb questions to decline (the clarify threshold misses this goal
        /// and --min-helped by the least).
        #[arg(long, default_value_t = madoguchi_guide::eval::Goals::DEFAULT.decline)]
        min_decline: f64,
        /// The share of answerable questions to help (a right answer, or the right source among
        /// the choices).
        #[arg(long, default_value_t = madoguchi_guide::eval::Goals::DEFAULT.helped)]
        min_helped: f64,
    },
    /// The staff queue of questions residents left (handoff tickets).
    Tickets {
        /// open, answered, closed or all.
        #[arg(long, default_value = "open")]
        status: String,
        #[arg(long)]
        department: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Answer a ticket (by number, e.g. G2026-000012, or id); with --faq-question the answer
    /// also becomes a FAQ entry the guide uses.
    Answer {
        ticket: String,
        #[arg(long)]
        text: String,
        #[arg(long)]
        faq_question: Option<String>,
        #[arg(long)]
        faq_id: Option<String>,
    },
    /// Close a ticket without an answer.
    Close { ticket: String },
    /// Unanswered questions and open tickets per department: which documents are missing.
    Report {
        #[arg(long, default_value_t = 30)]
        days: i64,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
enum CatalogCommand {
    /// Import departments, procedures or the 行政手続等の悉皆調査 CSV (kind detected by header).
    Import {
        files: Vec<PathBuf>,
        /// Import the valid rows and list the skipped ones instead of importing nothing.
        #[arg(long)]
        skip_invalid: bool,
    },
    /// Write departments.csv and procedures.csv (UTF-8 with BOM) into DIR.
    Export { dir: PathBuf },
    /// Counts and online rates overall, by department and by category.
    Stats {
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
enum FormsCommand {
    /// Check form definitions without publishing them.
    Check { files: Vec<PathBuf> },
    /// Publish form definitions (a changed definition needs a new version).
    Import { files: Vec<PathBuf> },
}

#[derive(Subcommand)]
enum PostalCommand {
    /// Replace the postal-code table from Japan Post's KEN_ALL (UTF-8) or code,prefecture,city,town.
    Import { file: PathBuf },
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Recompute the hash chain and report the first broken entry, if any.
    Verify,
    /// Show the latest entries.
    Tail {
        #[arg(long, default_value_t = 20)]
        limit: i64,
    },
}

#[derive(Subcommand)]
enum ApplicationsCommand {
    /// Check that every application id listed in FILE (one per line) is stored.
    Verify { file: PathBuf },
    /// Number of stored applications.
    Count,
}

fn main() -> std::process::ExitCode {
    // `madoguchi guide docs | head` closes our stdout early: end quietly, as other tools do.
    let default_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let text = info
            .payload()
            .downcast_ref::<String>()
            .map(String::as_str)
            .unwrap_or("");
        if text.contains("failed printing to stdout") {
            std::process::exit(141);
        }
        default_hook(info);
    }));
    match run_cli() {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            // A message a person can act on, with its causes; no backtrace.
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

fn run_cli() -> Result<()> {
    let cli = Cli::parse();
    let mut config = Config::load(cli.config.as_ref())?;
    if let Some(url) = cli.database_url.clone() {
        config.database_url = Some(url);
    }
    if let Command::Serve {
        listen: Some(l), ..
    } = &cli.command
    {
        config.listen = l.clone();
        config.validate()?;
    }
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_new(&config.log)
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .init();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    runtime.block_on(run(cli.command, config))
}

async fn run(command: Command, config: Config) -> Result<()> {
    let url = config.database_url()?;
    let db = madoguchi_store::Db::open(&url, madoguchi_store::DbOptions::default())
        .await
        .with_context(|| format!("cannot open the database {}", redact_url(&url)))?;
    let result = match command {
        Command::Serve { demo, .. } => commands::serve(db.clone(), &config, demo).await,
        Command::Migrate => {
            let versions = madoguchi_store::migrations::applied_versions(db.writer()).await?;
            println!(
                "database is at migration {} ({} applied)",
                versions.last().copied().unwrap_or(0),
                versions.len()
            );
            Ok(())
        }
        Command::Catalog { command } => match command {
            CatalogCommand::Import {
                files,
                skip_invalid,
            } => commands::catalog_import(&db, &files, skip_invalid).await,
            CatalogCommand::Export { dir } => commands::catalog_export(&db, &dir).await,
            CatalogCommand::Stats { json } => commands::catalog_stats(&db, json).await,
        },
        Command::Forms { command } => match command {
            FormsCommand::Check { files } => commands::forms_check(&files),
            FormsCommand::Import { files } => commands::forms_import(&db, &files).await,
        },
        Command::Postal {
            command: PostalCommand::Import { file },
        } => commands::postal_import(&db, &file).await,
        Command::Audit { command } => match command {
            AuditCommand::Verify => commands::audit_verify(&db).await,
            AuditCommand::Tail { limit } => commands::audit_tail(&db, limit).await,
        },
        Command::Guide { command } => guide::run(&db, &config, command).await,
        Command::Applications { command } => match command {
            ApplicationsCommand::Verify { file } => commands::applications_verify(&db, &file).await,
            ApplicationsCommand::Count => {
                println!(
                    "{}",
                    madoguchi_store::applications::count(db.reader()).await?
                );
                Ok(())
            }
        },
    };
    db.close().await;
    result
}

/// A database URL without its password, for messages.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => format!("{}://…@{}", &url[..s], &url[at + 1..]),
        _ => url.to_string(),
    }
}
