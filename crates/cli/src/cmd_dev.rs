//! `tuijin dev …`: fixtures for benchmarks and load tests (hidden from `--help`).

use std::collections::HashSet;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use clap::Subcommand;
use tuijin_core::clock::Clock;
use tuijin_core::report::Period;
use tuijin_core::sample::HistoricReport;
use tuijin_store::{ItemStore, ReportStore};

use crate::config::DbArgs;

#[derive(Subcommand)]
pub enum DevCommand {
    /// Write the plan's leaves that take a percent (not milestones) with their lead units, one
    /// `ITEM UNIT` line each: the fixture of `dev load`.
    Leaves {
        #[arg(long)]
        plan: String,
        #[arg(short, long)]
        output: PathBuf,
        #[command(flatten)]
        db: DbArgs,
    },
    /// Clients doing create → submit → accept against a running server; prints a JSON summary.
    Load(crate::cmd_load::LoadArgs),
    /// File COUNT submitted reports on the plan's leaf items (by their lead units), one period
    /// after another, and write their ids one per line: the fixture of the accept load test.
    SubmittedReports {
        #[arg(long)]
        plan: String,
        #[arg(long, default_value_t = 10_000)]
        count: usize,
        /// The first period; later ones follow when there are more reports than leaves.
        #[arg(long, default_value = "2020-01")]
        period: String,
        #[arg(short, long)]
        output: PathBuf,
        #[command(flatten)]
        db: DbArgs,
    },
}

pub async fn run(cmd: DevCommand) -> Result<ExitCode> {
    match cmd {
        DevCommand::Leaves { plan, output, db } => {
            let store = db.open().await?;
            let items = store.plan_items(&plan).await?;
            let parents: HashSet<&str> = items
                .iter()
                .filter_map(|i| i.parent.as_ref().map(|p| p.as_str()))
                .collect();
            let text: String = items
                .iter()
                .filter(|i| {
                    !parents.contains(i.code.as_str())
                        && i.kind != tuijin_core::ItemKind::Milestone
                        && !i.cancelled
                })
                .filter_map(|i| i.lead.as_ref().map(|u| format!("{} {u}\n", i.code)))
                .collect();
            std::fs::write(&output, text)
                .with_context(|| format!("cannot write {}", output.display()))?;
            Ok(ExitCode::SUCCESS)
        }
        DevCommand::Load(args) => {
            tokio::task::spawn_blocking(move || crate::cmd_load::run(args)).await??;
            Ok(ExitCode::SUCCESS)
        }
        DevCommand::SubmittedReports {
            plan,
            count,
            period,
            output,
            db,
        } => {
            let store = db.open().await?;
            let items = store.plan_items(&plan).await?;
            let parents: HashSet<&str> = items
                .iter()
                .filter_map(|i| i.parent.as_ref().map(|p| p.as_str()))
                .collect();
            let leaves: Vec<_> = items
                .iter()
                .filter(|i| {
                    !parents.contains(i.code.as_str())
                        && i.lead.is_some()
                        && i.kind != tuijin_core::ItemKind::Milestone
                })
                .collect();
            if leaves.is_empty() {
                bail!("plan `{plan}` has no leaf item with a lead unit");
            }
            let mut p = Period::parse(&period)?;
            let mut reports = Vec::with_capacity(count);
            for n in 0..count {
                if n > 0 && n % leaves.len() == 0 {
                    p = p.next();
                }
                let it = leaves[n % leaves.len()];
                reports.push(HistoricReport {
                    item: it.code.clone(),
                    unit: it.lead.clone().expect("filtered"),
                    period: p,
                    percent: Some(((n * 37) % 101) as f64),
                    narrative: "load test".into(),
                    problems: String::new(),
                    next_steps: String::new(),
                    submitted_on: p.last_day(),
                    accepted_on: p.last_day(),
                    figures: Vec::new(),
                });
            }
            let stamp = tuijin_core::clock::FixedClock::on(p.last_day())
                .stamp("load-test", tuijin_core::clock::DEFAULT_TZ);
            let ids = store.submit_batch(&plan, &reports, &stamp).await?;
            let text: String = ids.iter().map(|id| format!("{id}\n")).collect();
            std::fs::write(&output, text)
                .with_context(|| format!("cannot write {}", output.display()))?;
            out!(
                "{} submitted reports; ids in {}",
                ids.len(),
                output.display()
            );
            Ok(ExitCode::SUCCESS)
        }
    }
}
