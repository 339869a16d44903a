//! `tuijin plan …`: validate, import, export and generate plan files.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use clap::Subcommand;
use tuijin_core::text::Lang;
use tuijin_store::PlanStore;

use crate::config::DbArgs;

#[derive(Subcommand)]
pub enum PlanCommand {
    /// Check a plan file and report every problem with file:line:column.
    Validate {
        file: PathBuf,
        /// Language of the messages: zh or en.
        #[arg(long, default_value = "en")]
        lang: String,
    },
    /// Import a plan file (or a plan workbook, .xlsx): all or nothing; items are matched by
    /// code, dropped ones archived.
    Import {
        file: PathBuf,
        #[command(flatten)]
        db: DbArgs,
        #[arg(long, default_value = "en")]
        lang: String,
    },
    /// Write a plan back out in the plan file format (or as a workbook: --format xlsx).
    Export {
        /// Plan code; may be left out when the database holds one plan.
        #[arg(long)]
        plan: Option<String>,
        /// toml (the plan file) or xlsx (a workbook with the same content; needs -o).
        #[arg(long, default_value = "toml")]
        format: String,
        /// Output file (default: standard output).
        #[arg(short, long)]
        output: Option<PathBuf>,
        #[command(flatten)]
        db: DbArgs,
    },
    /// Write a generated plan of any size (for benchmarks and load tests).
    Generate {
        #[arg(long, default_value_t = 100_000)]
        items: usize,
        #[arg(long, default_value_t = 6)]
        depth: usize,
        #[arg(long, default_value_t = 200)]
        units: usize,
        #[arg(long, default_value = "generated")]
        code: String,
        /// The tree's shape instead of a size and depth: children per item at each level, the
        /// roots first (`10,10,20` is 10 roots, 100 items under them, 2,000 under those).
        #[arg(long, value_delimiter = ',', conflicts_with_all = ["items", "depth"])]
        fanout: Vec<usize>,
        #[arg(short, long)]
        output: Option<PathBuf>,
    },
}

fn lang(s: &str) -> Result<Lang> {
    match s {
        "zh" => Ok(Lang::Zh),
        "en" => Ok(Lang::En),
        other => bail!("--lang `{other}`: use zh or en"),
    }
}

fn read(
    file: &PathBuf,
    lang: Lang,
) -> Result<std::result::Result<tuijin_core::PlanDocument, String>> {
    use tuijin_export::xlsx::{FileKind, file_kind, old_excel};
    let bytes = std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))?;
    let name = file.display().to_string();
    // By what the file is (a workbook, an Excel 97–2003 file, text), then by its name.
    let xlsx = file
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("xlsx"));
    match file_kind(&bytes) {
        FileKind::OldExcel => return Ok(Err(old_excel(&name).render(lang) + "\n")),
        FileKind::Workbook => {
            return Ok(
                tuijin_export::xlsx::plan::read_plan_xlsx(&name, bytes).map_err(|e| e.render(lang))
            );
        }
        FileKind::Text if xlsx => {
            return Ok(
                tuijin_export::xlsx::plan::read_plan_xlsx(&name, bytes).map_err(|e| e.render(lang))
            );
        }
        FileKind::Text => {}
    }
    let text = String::from_utf8(bytes)
        .with_context(|| format!("cannot read {}: not UTF-8 text", file.display()))?;
    Ok(tuijin_export::read_plan(&name, &text).map_err(|e| e.render(lang)))
}

fn write_out(output: Option<&PathBuf>, text: &str) -> Result<()> {
    match output {
        Some(path) => {
            std::fs::write(path, text).with_context(|| format!("cannot write {}", path.display()))
        }
        None => {
            // A closed pipe ends the output quietly, as `out!` does.
            let _ = std::io::Write::write_all(&mut std::io::stdout(), text.as_bytes());
            Ok(())
        }
    }
}

pub async fn run(cmd: PlanCommand) -> Result<ExitCode> {
    match cmd {
        PlanCommand::Validate { file, lang: l } => match read(&file, lang(&l)?)? {
            Ok(doc) => {
                out!(
                    "{}: valid — plan {}, {} items, {} units, {} indicators",
                    file.display(),
                    doc.plan.code,
                    doc.items.len(),
                    doc.units.len(),
                    doc.indicators.len()
                );
                Ok(ExitCode::SUCCESS)
            }
            Err(problems) => {
                eprint!("{problems}");
                let n = problems.lines().count();
                eprintln!(
                    "tuijin: {} has {n} problem{}",
                    file.display(),
                    if n == 1 { "" } else { "s" }
                );
                Ok(ExitCode::FAILURE)
            }
        },
        PlanCommand::Import { file, db, lang: l } => {
            let bar = crate::bar::Bar::new();
            bar.step(&format!("reading {}", file.display()));
            let doc = match read(&file, lang(&l)?)? {
                Ok(doc) => doc,
                Err(problems) => {
                    bar.finish();
                    eprint!("{problems}");
                    eprintln!("tuijin: nothing imported: {} is not valid", file.display());
                    return Ok(ExitCode::FAILURE);
                }
            };
            let store = db.open().await?.with_steps(bar.steps());
            let started = std::time::Instant::now();
            let s = store
                .import_plan(&doc, &store.clock().await?.stamp("cli", doc.plan.tz()))
                .await;
            bar.finish();
            let s = s.context("import failed; nothing was changed")?;
            // The plan is updated when its own fields or any of its entries changed.
            let entries_changed = [&s.items, &s.units, &s.people, &s.indicators]
                .iter()
                .any(|c| c.added + c.updated + c.archived > 0)
                || s.items_reordered;
            out!(
                "plan {} {} in {:.2}s",
                s.plan,
                if s.plan_created {
                    "created"
                } else if s.plan_updated || entries_changed {
                    "updated"
                } else {
                    "unchanged"
                },
                started.elapsed().as_secs_f64()
            );
            for (name, c) in [
                ("items", &s.items),
                ("units", &s.units),
                ("people", &s.people),
                ("indicators", &s.indicators),
            ] {
                out!(
                    "  {name:<10} {} added, {} updated, {} archived, {} unchanged",
                    c.added,
                    c.updated,
                    c.archived,
                    c.unchanged
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        PlanCommand::Export {
            plan,
            format,
            output,
            db,
        } => {
            if !matches!(format.as_str(), "toml" | "xlsx") {
                bail!("--format `{format}`: use toml or xlsx");
            }
            if format == "xlsx" && output.is_none() {
                bail!("--format xlsx writes a file: give it with -o FILE.xlsx");
            }
            let store = db.open().await?;
            let code = match plan {
                Some(p) => p,
                None => {
                    let plans = store.list_plans().await?;
                    match plans.as_slice() {
                        [one] => one.plan.code.to_string(),
                        [] => bail!("the database holds no plan; import one first"),
                        many => {
                            let codes: Vec<String> =
                                many.iter().map(|p| p.plan.code.to_string()).collect();
                            bail!(
                                "the database holds several plans; choose one with --plan ({})",
                                codes.join(", ")
                            )
                        }
                    }
                }
            };
            let doc = store.export_plan(&code).await?;
            if format == "xlsx" {
                let path = output.as_ref().expect("checked above");
                let bytes = tuijin_export::xlsx::plan::write_plan_xlsx(&doc)
                    .map_err(|e| anyhow::anyhow!("cannot write the workbook: {e}"))?;
                std::fs::write(path, bytes)
                    .with_context(|| format!("cannot write {}", path.display()))?;
                return Ok(ExitCode::SUCCESS);
            }
            write_out(output.as_ref(), &tuijin_export::write_plan(&doc))?;
            Ok(ExitCode::SUCCESS)
        }
        PlanCommand::Generate {
            items,
            depth,
            units,
            code,
            fanout,
            output,
        } => {
            use tuijin_core::generate::{Shape, generate};
            let shape = if fanout.is_empty() {
                Shape::sized(items, depth)
            } else {
                Shape::fanout(&fanout)
            };
            let bar = crate::bar::Bar::new();
            let total = shape.items() as u64;
            let doc = generate(&code, &shape, units, &mut |n| {
                bar.count("generating", n as u64, total)
            });
            bar.step("writing the plan file");
            let text = tuijin_export::write_plan(&doc);
            drop(doc);
            let written = write_out(output.as_ref(), &text);
            bar.finish();
            written?;
            Ok(ExitCode::SUCCESS)
        }
    }
}
