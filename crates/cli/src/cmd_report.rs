//! `tuijin report submit`: file a report from a script, optionally accepting it at once (as the
//! office, for migrations and batch entry).

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::Subcommand;
use tuijin_core::Percent;
use tuijin_core::report::Period;
use tuijin_store::{NewReport, PlanStore, ReportStore};

use crate::config::DbArgs;

#[derive(Subcommand)]
pub enum ReportCommand {
    /// Create and submit a report on an item for a period.
    Submit {
        #[arg(long)]
        plan: String,
        #[arg(long)]
        item: String,
        /// YYYY-MM (or YYYY-Qn for a quarterly plan).
        #[arg(long)]
        period: String,
        /// The reporting unit (the item's lead or a co-operating unit).
        #[arg(long)]
        unit: String,
        /// Percent complete, 0 to 100.
        #[arg(long)]
        percent: Option<f64>,
        #[arg(long, default_value = "")]
        narrative: String,
        #[arg(long, default_value = "")]
        problems: String,
        #[arg(long, default_value = "")]
        next_steps: String,
        /// An indicator figure, INDICATOR=VALUE, for an indicator the unit owns (repeatable).
        #[arg(long = "figure", value_name = "INDICATOR=VALUE")]
        figures: Vec<String>,
        /// Accept it at once, as the office.
        #[arg(long)]
        accept: bool,
        #[command(flatten)]
        db: DbArgs,
    },
    /// Load past reports (CSV or XLSX: item, unit, period, percent, texts, dates) as accepted
    /// history stamped at their periods, into a plan that has no reports yet. All or nothing:
    /// every problem is listed at its line or cell.
    Import {
        file: PathBuf,
        #[arg(long)]
        plan: String,
        /// Language of the messages: zh or en.
        #[arg(long, default_value = "zh")]
        lang: String,
        #[command(flatten)]
        db: DbArgs,
    },
}

pub async fn run(cmd: ReportCommand) -> Result<ExitCode> {
    match cmd {
        ReportCommand::Import {
            file,
            plan,
            lang,
            db,
        } => {
            let lang = crate::cmd_excel::lang(&lang)?;
            let bytes =
                std::fs::read(&file).with_context(|| format!("cannot read {}", file.display()))?;
            let store = db.open().await?;
            let rec = store.get_plan(&plan).await?;
            let stamp = store.clock().await?.stamp("cli", rec.plan.tz());
            let started = std::time::Instant::now();
            let name = file.display().to_string();
            match tuijin_web::workbooks::import_history(&store, &plan, &name, bytes, &stamp).await {
                Ok(n) => {
                    out!(
                        "{n} past report(s) loaded into {plan} as accepted history in {:.2}s",
                        started.elapsed().as_secs_f64()
                    );
                    Ok(ExitCode::SUCCESS)
                }
                Err(e) => crate::cmd_excel::refused(e, &file, lang),
            }
        }
        ReportCommand::Submit {
            plan,
            item,
            period,
            unit,
            percent,
            narrative,
            problems,
            next_steps,
            figures,
            accept,
            db,
        } => {
            let period = Period::parse(&period).context("--period")?;
            let figures = figures
                .iter()
                .map(|f| {
                    let (code, value) = f
                        .split_once('=')
                        .with_context(|| format!("--figure {f}: write INDICATOR=VALUE"))?;
                    Ok(tuijin_core::report::Figure {
                        indicator: tuijin_core::Code::parse(code)
                            .with_context(|| format!("--figure {f}"))?,
                        value: value
                            .parse::<f64>()
                            .ok()
                            .and_then(|v| tuijin_core::report::FigureValue::new(v).ok())
                            .with_context(|| format!("--figure {f}: `{value}` is not a number"))?,
                    })
                })
                .collect::<Result<Vec<_>>>()?;
            let percent = percent.map(Percent::new).transpose().context("--percent")?;
            let store = db.open().await?;
            let rec = store.get_plan(&plan).await?;
            let st = store.clock().await?.stamp("cli", rec.plan.tz());
            let new = NewReport {
                plan,
                item,
                period,
                unit,
                content: tuijin_core::report::ReportContent {
                    percent,
                    narrative,
                    problems,
                    next_steps,
                    figures,
                },
            };
            let r = store.create_report(new, &st).await?;
            let r = store.submit_report(r.id, r.version, &st).await?;
            if accept {
                let (r, moved) = store.accept_report(r.id, r.version, "", &st).await?;
                out!(
                    "report #{} accepted; progress moved on {} item(s)",
                    r.id,
                    moved.len()
                );
            } else {
                out!("report #{} submitted for review", r.id);
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}
