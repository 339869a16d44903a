//! `tuijin`: the server and the command line. Each subcommand wires the layers together; the
//! work itself lives in the library crates.

/// Writes a line to standard output. When the reader has gone (`tuijin status … | head`),
/// the rest of the output is dropped quietly instead of panicking as `println!` does (restoring
/// the default SIGPIPE would need `unsafe`, which the workspace forbids).
macro_rules! out {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout(), $($arg)*);
    }};
}

mod bar;
mod cmd_accounts;
mod cmd_assess;
mod cmd_brief;
mod cmd_dev;
mod cmd_excel;
mod cmd_load;
mod cmd_notice;
mod cmd_plan;
mod cmd_report;
mod cmd_status;
mod config;
#[cfg(test)]
mod docs_check;
mod seed;

use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::{Parser, Subcommand};
use std::sync::Arc;

use tuijin_core::clock::{Clock, FixedClock};
use tuijin_store::clock::{SimulatedClock, SystemClock};
use tuijin_store::{Create, PlanStore, Store};
use tuijin_web::AppState;

use config::{DEMO_BIND, DbArgs, ServeArgs};

// Imports and rollups allocate many small strings, which glibc's allocator took twice as long
// for (measured on the 100k-item import, BENCHMARKS.md). jemalloc is as fast as mimalloc was
// there, and its background thread hands freed memory back to the system while the server
// idles: after the warning refresh of a million-item plan, mimalloc kept 1.1 GB that nothing
// used (it returns memory only when the thread that freed it allocates again), jemalloc 0.3 GB.
// It serves C's `malloc` too (the crate's `unprefixed_malloc_on_supported_platforms`): SQLite's
// own allocations in glibc's arenas kept ~250 MB resident after a refresh of a million-item
// plan (784 vs 549 MB). Its settings are compiled in (`.cargo/config.toml`).
#[cfg(feature = "jemalloc")]
#[global_allocator]
static GLOBAL: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

#[derive(Parser)]
#[command(
    name = "tuijin",
    version,
    about = "推进 Tuijin — run a strategic plan: items, progress, warnings, supervision."
)]
struct Cli {
    /// Log format: text or json.
    #[arg(long, global = true, default_value = "text", env = "TUIJIN_LOG_FORMAT")]
    log_format: String,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the product on its embedded default plan (Zhengzhou 2017) with sample history.
    Demo {
        #[command(flatten)]
        serve: ServeArgs,
        /// The simulated "today" of the demo (the seed plan's first stage ends in 2020).
        #[arg(long, default_value = seed::DEMO_TODAY, value_parser = config::parse_date)]
        today: chrono::NaiveDate,
    },
    /// Run the server.
    Serve {
        #[command(flatten)]
        serve: ServeArgs,
    },
    /// Plan files: validate, import, export, generate.
    Plan {
        #[command(subcommand)]
        command: cmd_plan::PlanCommand,
    },
    /// Counts per status, progress and expected progress of a plan, a branch or a unit.
    Status {
        #[arg(long)]
        plan: String,
        /// An item code: summarise it and everything below it.
        #[arg(long)]
        branch: Option<String>,
        /// A unit code: summarise the items it leads.
        #[arg(long)]
        unit: Option<String>,
        /// Judge on this date (default today); a past date uses progress as recorded then.
        #[arg(long, value_parser = config::parse_date)]
        date: Option<chrono::NaiveDate>,
        #[command(flatten)]
        db: DbArgs,
    },
    /// Consistency checks.
    Check {
        #[command(subcommand)]
        command: CheckCommand,
    },
    /// The tamper-evident history.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// Progress reports: submit one from a script, or load past reports in bulk.
    Report {
        #[command(subcommand)]
        command: cmd_report::ReportCommand,
    },
    /// Unit assessment (考核): validate a scheme, run a period, show a run.
    Assess {
        #[command(subcommand)]
        command: cmd_assess::AssessCommand,
    },
    /// A briefing (工作简报) of a week, month, quarter or year as PDF, DOCX, Markdown or HTML,
    /// from the figures as they stood on its as-of day.
    Brief(Box<cmd_brief::BriefArgs>),
    /// Excel hand-down and read-back: a unit's report template and responsibility list, and a
    /// filled template imported as the unit's reports.
    Excel {
        #[command(subcommand)]
        command: cmd_excel::ExcelCommand,
    },
    /// Supervision notices (督办单): list, show, issue.
    Notice {
        #[command(subcommand)]
        command: cmd_notice::NoticeCommand,
    },
    /// Users: add, list, disable, enable, reset-password.
    User {
        #[command(subcommand)]
        command: cmd_accounts::UserCommand,
    },
    /// API tokens: create (printed once), list, revoke.
    Token {
        #[command(subcommand)]
        command: cmd_accounts::TokenCommand,
    },
    /// Fixtures for benchmarks and load tests.
    #[command(hide = true)]
    Dev {
        #[command(subcommand)]
        command: cmd_dev::DevCommand,
    },
    /// Write a backup of the whole database (while the server runs): one consistent snapshot
    /// in a portable format that restores into SQLite or PostgreSQL; checked after writing.
    Backup {
        /// The backup file to write (conventionally *.tjbk).
        #[arg(short = 'o', long)]
        output: std::path::PathBuf,
        #[command(flatten)]
        db: DbArgs,
    },
    /// Restore a backup into an empty data folder or database (created when absent), then
    /// check it: counts, the event chain, every rollup. Refused, with nothing written, when
    /// the target holds data or the file is damaged.
    Restore {
        /// The backup file.
        file: std::path::PathBuf,
        #[command(flatten)]
        db: DbArgs,
    },
    /// Apply pending database migrations (the server also does this at start-up).
    Migrate {
        #[command(flatten)]
        db: DbArgs,
    },
}

#[derive(Subcommand)]
enum CheckCommand {
    /// Recompute every rollup from the accepted reports and report any stored difference.
    Rollups {
        #[arg(long)]
        plan: Option<String>,
        #[command(flatten)]
        db: DbArgs,
    },
    /// Everything: the database's own integrity and foreign keys, every rollup, the event
    /// chain and the seals of closed periods. Exits non-zero on any finding.
    Integrity {
        #[command(flatten)]
        db: DbArgs,
    },
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Check the chain of events (each carries the hash of the one before) and the seals of
    /// closed periods; names the first broken link. Exits non-zero when anything was changed.
    Verify {
        #[command(flatten)]
        db: DbArgs,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    init_logging(&cli.log_format);
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("tuijin: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match rt.block_on(run(cli.command)) {
        Ok(code) => code,
        Err(e) => {
            // One line: the error and its causes.
            let chain: Vec<String> = e.chain().map(|c| c.to_string()).collect();
            eprintln!("tuijin: {}", chain.join(": "));
            ExitCode::FAILURE
        }
    }
}

fn init_logging(format: &str) {
    let filter = tracing_subscriber::EnvFilter::try_from_env("TUIJIN_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn,sea_orm=warn"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    if format == "json" {
        builder.json().init();
    } else {
        builder.init();
    }
}

async fn run(command: Command) -> Result<ExitCode> {
    match command {
        Command::Demo { serve, today } => demo(serve, today).await,
        Command::Serve { serve } => {
            let store = serve.db.open().await?;
            let wanted = serve.bind()?;
            let listener = tokio::net::TcpListener::bind(wanted)
                .await
                .with_context(|| format!("cannot listen on {wanted}"))?;
            let addr = listener.local_addr()?;
            let file = serve.db.file()?;
            // A demo database keeps its simulated date: served again, it is still the demo.
            let simulated = store.simulated_today().await?;
            let clock = store.clock().await?;
            let mut state = AppState::new(store, clock, simulated.is_some());
            file.apply(&mut state)?;
            out!("Tuijin serving on http://{addr}");
            if let Some(d) = simulated {
                out!("  a demo database: its today is the simulated {d}");
            }
            tuijin_web::serve_on(state, listener)
                .await
                .context("serving")?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Plan { command } => cmd_plan::run(command).await,
        Command::Status {
            plan,
            branch,
            unit,
            date,
            db,
        } => cmd_status::status(&db, &plan, branch.as_deref(), unit.as_deref(), date).await,
        Command::Check {
            command: CheckCommand::Rollups { plan, db },
        } => cmd_status::check_rollups(&db, plan.as_deref()).await,
        Command::Check {
            command: CheckCommand::Integrity { db },
        } => cmd_status::check_integrity(&db).await,
        Command::Audit {
            command: AuditCommand::Verify { db },
        } => cmd_status::audit_verify(&db).await,
        Command::Report { command } => cmd_report::run(command).await,
        Command::Notice { command } => cmd_notice::run(command).await,
        Command::Excel { command } => cmd_excel::run(command).await,
        Command::Brief(args) => cmd_brief::run(*args).await,
        Command::Assess { command } => cmd_assess::run(command).await,
        Command::Dev { command } => cmd_dev::run(command).await,
        Command::User { command } => cmd_accounts::user(command).await,
        Command::Token { command } => cmd_accounts::token(command).await,
        Command::Backup { output, db } => {
            let store = db.open().await?;
            let started = std::time::Instant::now();
            let s = store
                .backup(&output, SystemClock.now())
                .await
                .with_context(|| format!("writing the backup {}", output.display()))?;
            out!(
                "backup {} written and checked: {} rows in {} tables from {} in {:.1}s (sha256 {})",
                output.display(),
                s.rows(),
                s.tables.len(),
                s.source,
                started.elapsed().as_secs_f64(),
                &s.sha256[..16]
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Restore { file, db } => {
            let url = db.url()?;
            let s = tuijin_store::backup::restore(&url, &file)
                .await
                .with_context(|| format!("restoring {} into {url}", file.display()))?;
            out!(
                "restored {} rows from {} (made {} on {}) into {url}; counts, event chain and rollups checked",
                s.backup.rows(),
                file.display(),
                s.backup.created_at.format("%Y-%m-%d %H:%M UTC"),
                s.backup.source
            );
            if !s.upgraded.is_empty() {
                out!("  upgraded with {}", s.upgraded.join(", "));
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Migrate { db } => {
            let create = if db.init {
                Create::IfMissing
            } else {
                Create::Never
            };
            let store = Store::connect(&db.url()?, create).await?;
            store.upgrade().await.context("applying migrations")?;
            for m in store.applied_migrations().await? {
                out!("applied {m}");
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

async fn demo(serve: ServeArgs, today: chrono::NaiveDate) -> Result<ExitCode> {
    let mut serve = serve;
    if serve.bind.is_none() && serve.db.file()?.bind.is_none() {
        serve.bind = Some(DEMO_BIND.to_string());
    }
    let store = serve.db.open_with(Create::IfMissing).await?;
    // Every command run on this database now dates and judges by the demo's today.
    store.set_simulated_today(Some(today)).await?;
    let doc = seed::seed_plan()?;
    // Everything the demo writes is dated by its own clock: the plan as adopted on the day of
    // the speech, the sample history on its days, the rest on the simulated today.
    let clock = SimulatedClock { date: today };
    let adopted = doc.plan.source.date.unwrap_or(doc.plan.start).min(today);
    // A restart imports the (unchanged) plan again on the simulated today: an import judges
    // the plan's warnings on its own day, and judging on the day of the speech would clear
    // every warning and raise it again (losing what the office decided about it).
    let first = matches!(
        tuijin_store::PlanStore::get_plan(&store, doc.plan.code.as_str()).await,
        Err(tuijin_store::StoreError::NotFound(_))
    );
    let on = if first { adopted } else { today };
    let summary = store
        .import_plan(&doc, &FixedClock::on(on).stamp("demo", doc.plan.tz()))
        .await
        .context("loading the seed plan")?;
    let history = seed::load_sample_history(&store, &doc, today).await?;
    // Real outcomes known by the simulated today become the indicators' actuals (first start).
    let outcomes = match history {
        Some(_) => seed::record_real_outcomes(&store, &doc, today).await?,
        None => 0,
    };
    let accounts = seed::demo_accounts(&store, &clock).await?;
    // Sample notices, once, with the sample history: one in each state of the loop.
    let notices = match history {
        Some(_) => seed::sample_notices(&store, &doc, today).await?,
        None => 0,
    };
    // The example assessment scheme and one published run per ended quarter, once.
    let runs = match history {
        Some(_) => cmd_assess::demo_runs(&store, &doc, adopted, today).await?,
        None => 0,
    };
    let stamp = clock.stamp("demo", doc.plan.tz());
    let warnings =
        tuijin_store::WarningStore::refresh_warnings(&store, doc.plan.code.as_str(), &stamp)
            .await?;
    let wanted = serve.bind()?;
    let listener = tokio::net::TcpListener::bind(wanted)
        .await
        .with_context(|| format!("cannot listen on {wanted} (is another server running there?)"))?;
    let addr = listener.local_addr()?;
    out!("推进 Tuijin demo — {}", doc.plan.title.zh());
    out!(
        "  plan {} loaded into {} ({} items; {} added, {} updated now)",
        doc.plan.code,
        serve.db.url()?,
        doc.items.len(),
        summary.items.added,
        summary.items.updated
    );
    out!("  simulated today: {today} (change with --today YYYY-MM-DD)");
    if runs > 0 {
        out!("  assessment: example scheme loaded, {runs} quarterly runs published");
    }
    match history {
        Some(n) => out!(
            "  sample history: {n} reports from 2017-09 on, each marked 【样例数据 Sample data】"
        ),
        None => {
            out!("  sample history: already loaded (delete the data folder to start again)")
        }
    }
    if outcomes > 0 {
        out!(
            "  real outcomes: {outcomes} published figures as indicator actuals, with sources ({})",
            seed::ACTUALS_FILE
        );
    }
    out!("  warnings open on {today}: {}", warnings.open);
    if notices > 0 {
        out!("  sample notices (督办单): {notices}, one in each state, each marked as sample");
    }
    out!("  open http://{addr}/");
    out!("  API: http://{addr}/api/v1/items?kind=project");
    match &accounts {
        Some(a) => {
            out!(
                "  log-in (shown once; change with `tuijin user reset-password NAME --password-stdin`):"
            );
            out!("    admin  / {}", a.admin_password);
            out!("    office / {}   (the delivery office)", a.office_password);
            out!(
                "    leader / {}   (reads everything; writes only instructions on items)",
                a.leader_password
            );
            out!(
                "    fgw    / {}   (unit: Development and Reform Commission)",
                a.unit_password
            );
            out!("  API token of office (shown once): {}", a.office_token);
            out!(
                "    curl -H 'Authorization: Bearer {}' http://{addr}/api/v1/warnings",
                a.office_token
            );
        }
        None => out!(
            "  log-in: the accounts made at the first start (reset a password with `tuijin user reset-password NAME --password-stdin`)"
        ),
    }
    out!("  without logging in, the portal and the API show the plan's public part");
    let file = serve.db.file()?;
    let mut state = AppState::new(store, Arc::new(clock), true);
    file.apply(&mut state)?;
    tuijin_web::serve_on(state, listener)
        .await
        .context("serving")?;
    Ok(ExitCode::SUCCESS)
}
