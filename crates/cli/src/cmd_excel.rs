//! `tuijin excel …`: a unit's report template and responsibility list as Excel workbooks, and a
//! filled template read back as the unit's reports (`docs/excel.md`).

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use clap::Subcommand;
use tuijin_core::text::Lang;
use tuijin_store::PlanStore;
use tuijin_web::workbooks::{self, WorkbookError};

use crate::config::DbArgs;

#[derive(Subcommand)]
pub enum ExcelCommand {
    /// Write a unit's report template for a period (填报模板): one row per item it must
    /// report on, with its last accepted figures.
    Template {
        #[arg(long)]
        plan: String,
        /// The unit's code.
        #[arg(long)]
        unit: String,
        /// YYYY-MM (or YYYY-Qn for a quarterly plan); default: the current period.
        #[arg(long)]
        period: Option<String>,
        #[arg(short, long)]
        output: PathBuf,
        #[command(flatten)]
        db: DbArgs,
    },
    /// Write a unit's responsibility list (责任清单): every item it leads or co-operates on.
    Duties {
        #[arg(long)]
        plan: String,
        #[arg(long)]
        unit: String,
        #[arg(short, long)]
        output: PathBuf,
        #[command(flatten)]
        db: DbArgs,
    },
    /// Read a filled template back as the unit's reports for its period: drafts, or submitted
    /// with --submit. All or nothing: any problem is listed at its sheet and cell.
    Import {
        file: PathBuf,
        #[arg(long)]
        plan: String,
        #[arg(long)]
        unit: String,
        /// Submit the reports for review (default: keep them as drafts).
        #[arg(long)]
        submit: bool,
        /// Language of the messages: zh or en.
        #[arg(long, default_value = "zh")]
        lang: String,
        #[command(flatten)]
        db: DbArgs,
    },
}

pub(crate) fn lang(s: &str) -> Result<Lang> {
    match s {
        "zh" => Ok(Lang::Zh),
        "en" => Ok(Lang::En),
        other => bail!("--lang `{other}`: use zh or en"),
    }
}

/// Prints a refused file's problems and says nothing was changed.
pub(crate) fn refused(e: WorkbookError, file: &std::path::Path, lang: Lang) -> Result<ExitCode> {
    match e {
        WorkbookError::Cells(ps) => {
            eprint!("{}", tuijin_export::xlsx::render(&ps, lang));
            let n = tuijin_export::xlsx::problem_count(&ps);
            eprintln!(
                "tuijin: nothing imported: {} has {n} problem{}",
                file.display(),
                if n == 1 { "" } else { "s" }
            );
            Ok(ExitCode::FAILURE)
        }
        other => Err(anyhow::Error::new(other).context("nothing imported")),
    }
}

fn save(path: &PathBuf, bytes: &[u8]) -> Result<()> {
    std::fs::write(path, bytes).with_context(|| format!("cannot write {}", path.display()))
}

pub async fn run(cmd: ExcelCommand) -> Result<ExitCode> {
    match cmd {
        ExcelCommand::Template {
            plan,
            unit,
            period,
            output,
            db,
        } => {
            let store = db.open().await?;
            let rec = store.get_plan(&plan).await?;
            let today = store.clock().await?.stamp("cli", rec.plan.tz()).today;
            let period = match period {
                Some(p) => workbooks::parse_period(rec.plan.cadence, &p)
                    .map_err(|p| anyhow::anyhow!("--period: {}", p.message(Lang::En)))?,
                None => tuijin_core::report::Period::containing(rec.plan.cadence, today),
            };
            let bytes = workbooks::template(&store, &plan, &unit, period).await?;
            save(&output, &bytes)?;
            out!(
                "{}: report template of {unit} for {period}",
                output.display()
            );
            Ok(ExitCode::SUCCESS)
        }
        ExcelCommand::Duties {
            plan,
            unit,
            output,
            db,
        } => {
            let store = db.open().await?;
            let rec = store.get_plan(&plan).await?;
            let today = store.clock().await?.stamp("cli", rec.plan.tz()).today;
            let bytes = workbooks::duties_list(&store, &plan, &unit, today).await?;
            save(&output, &bytes)?;
            out!("{}: responsibility list of {unit}", output.display());
            Ok(ExitCode::SUCCESS)
        }
        ExcelCommand::Import {
            file,
            plan,
            unit,
            submit,
            lang: l,
            db,
        } => {
            let l = lang(&l)?;
            let bytes =
                std::fs::read(&file).with_context(|| format!("cannot read {}", file.display()))?;
            let store = db.open().await?;
            let rec = store.get_plan(&plan).await?;
            let stamp = store.clock().await?.stamp("cli", rec.plan.tz());
            let name = file.display().to_string();
            let started = std::time::Instant::now();
            match workbooks::import_template(&store, &plan, &unit, &name, bytes, submit, &stamp)
                .await
            {
                Ok(done) => {
                    out!(
                        "{} report(s) of {unit} {} in {:.2}s",
                        done.len(),
                        if submit {
                            "submitted"
                        } else {
                            "saved as drafts"
                        },
                        started.elapsed().as_secs_f64()
                    );
                    Ok(ExitCode::SUCCESS)
                }
                Err(e) => refused(e, &file, l),
            }
        }
    }
}
