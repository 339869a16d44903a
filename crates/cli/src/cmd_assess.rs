//! `tuijin assess`: unit assessment from the command line — check a scheme file, load it as a
//! plan's scheme, run a period (and lock or publish the run), show a run.

use std::process::ExitCode;

use anyhow::{Context, Result, anyhow, bail};
use clap::Subcommand;
use tuijin_core::assess::{AssessPeriod, RunAction, Scheme};
use tuijin_core::text::Lang;
use tuijin_store::{AssessStore, AssessmentRecord, PlanStore, Store};

use crate::config::DbArgs;
use crate::seed;

#[derive(Subcommand)]
pub enum AssessCommand {
    /// Check a scheme file against a plan file (by default the embedded seed plan): every
    /// problem at file:line:column. Changes nothing.
    Validate {
        file: std::path::PathBuf,
        /// The plan file whose units and notice levels the scheme names.
        #[arg(long)]
        plan_file: Option<std::path::PathBuf>,
    },
    /// Run a period's assessment on the plan's facts as they stood at the period's end: a new
    /// draft run (loading `--scheme` as the plan's scheme first, when given).
    Run {
        #[arg(long)]
        plan: String,
        #[arg(long)]
        scheme: Option<std::path::PathBuf>,
        /// 2019-Q2, 2019-H1 or 2019.
        #[arg(long)]
        period: String,
        /// Lock the run (it never changes again).
        #[arg(long)]
        lock: bool,
        /// Lock and publish it (the units see their scorecards).
        #[arg(long)]
        publish: bool,
        #[command(flatten)]
        db: DbArgs,
    },
    /// A run's rankings, each unit's points by criterion and, with `--lines`, every line.
    Show {
        id: i64,
        #[arg(long)]
        lines: bool,
        #[command(flatten)]
        db: DbArgs,
    },
}

fn read(path: &std::path::Path) -> Result<String> {
    std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))
}

/// Reads and checks a scheme against a plan's units and levels; problems as file:line:column.
fn scheme_from(
    path: &std::path::Path,
    units: &[tuijin_core::Unit],
    levels: &[String],
) -> Result<(String, Scheme)> {
    let src = read(path)?;
    let scheme = tuijin_export::read_scheme(&path.display().to_string(), &src, units, levels)
        .map_err(|e| anyhow!("{}", e.render(Lang::En).trim_end()))?;
    Ok((src, scheme))
}

/// Loads a scheme file as the plan's scheme.
pub async fn load(store: &Store, plan: &str, path: &std::path::Path) -> Result<()> {
    let doc = store.export_plan(plan).await?;
    let (src, scheme) = scheme_from(path, &doc.units, &doc.plan.notices.levels)?;
    let stamp = store.clock().await?.stamp("cli", doc.plan.tz());
    store.load_scheme(plan, &src, &scheme, &stamp).await?;
    Ok(())
}

fn print(a: &AssessmentRecord, lines: bool) {
    out!(
        "#{} {} plan {} scheme {} ({}), as of {}, digest {}",
        a.id,
        a.period,
        a.plan,
        a.scheme_code,
        a.state.as_str(),
        a.as_of,
        &a.digest[..16]
    );
    for (cat, c) in a.scheme.category.iter().zip(&a.outcome.categories) {
        out!("  {} / {} (of {})", cat.name, cat.name_en, c.total);
        for u in &c.units {
            let grade = u
                .grade
                .and_then(|g| a.scheme.grade.get(g))
                .map(|g| g.name.as_str())
                .unwrap_or("-");
            let parts: Vec<String> = u
                .criteria
                .iter()
                .map(|c| format!("{} {}", c.kind.as_str(), c.points))
                .collect();
            out!(
                "  {:>3}. {:<6} {:>7} {}  [{}]",
                u.rank,
                u.unit,
                u.score.to_string(),
                grade,
                parts.join(", ")
            );
            if lines {
                for c in &u.criteria {
                    for l in &c.lines {
                        out!(
                            "         {:<12} {:>7}  {}",
                            c.kind.as_str(),
                            l.points.to_string(),
                            serde_json::to_string(&l.basis).unwrap_or_default()
                        );
                    }
                }
            }
        }
    }
}

pub async fn run(cmd: AssessCommand) -> Result<ExitCode> {
    match cmd {
        AssessCommand::Validate { file, plan_file } => {
            let doc = match plan_file {
                Some(p) => tuijin_export::read_plan(&p.display().to_string(), &read(&p)?)
                    .map_err(|e| anyhow!("{}", e.render(Lang::En).trim_end()))?,
                None => seed::seed_plan()?,
            };
            let (_, s) = scheme_from(&file, &doc.units, &doc.plan.notices.levels)?;
            out!(
                "{}: scheme `{}` is valid for plan `{}`: {} categories, {} adjustments",
                file.display(),
                s.scheme.code,
                doc.plan.code,
                s.category.len(),
                s.adjustment.len()
            );
        }
        AssessCommand::Run {
            plan,
            scheme,
            period,
            lock,
            publish,
            db,
        } => {
            let period = AssessPeriod::parse(&period).map_err(|e| anyhow!("--period: {e}"))?;
            let store = db.open().await?;
            if let Some(path) = &scheme {
                load(&store, &plan, path).await?;
            }
            let rec = store.get_plan(&plan).await?;
            let stamp = store.clock().await?.stamp("cli", rec.plan.tz());
            let mut a = store.create_assessment(&plan, period, None, &stamp).await?;
            for (want, action) in [
                (lock || publish, RunAction::Lock),
                (publish, RunAction::Publish),
            ] {
                if want {
                    a = store
                        .act_on_assessment(a.id, action, None, &stamp)
                        .await?
                        .ok_or_else(|| anyhow!("the run was discarded"))?;
                }
            }
            print(&a, false);
        }
        AssessCommand::Show { id, lines, db } => {
            let store = db.open().await?;
            let a = store.get_assessment(id).await?;
            print(&a, lines);
            for o in &a.objections {
                out!(
                    "  objection #{} by {} ({}): {} — {}",
                    o.id,
                    o.unit,
                    o.filed_at.to_rfc3339(),
                    o.reason,
                    o.answer.as_deref().unwrap_or("(not answered yet)")
                );
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// The seed plan's example scheme.
pub const SEED_SCHEME_FILE: &str = "zhengzhou-ncc-2017.assessment.toml";
pub const SEED_SCHEME_TEXT: &str =
    include_str!("../../../plans/zhengzhou-ncc-2017.assessment.toml");

/// The demo's runs: the example scheme loaded, and one published run per quarter from the
/// first whole quarter after the plan's adoption to the simulated today, each made on the
/// day its quarter's reports were all due (or today).
pub async fn demo_runs(
    store: &Store,
    doc: &tuijin_core::PlanDocument,
    adopted: chrono::NaiveDate,
    today: chrono::NaiveDate,
) -> Result<usize> {
    use tuijin_core::clock::{Clock, FixedClock};
    let plan = doc.plan.code.as_str();
    let scheme = tuijin_export::read_scheme(
        SEED_SCHEME_FILE,
        SEED_SCHEME_TEXT,
        &doc.units,
        &doc.plan.notices.levels,
    )
    .map_err(|e| anyhow!("the embedded example scheme is invalid (a build defect):\n{e}"))?;
    let tz = doc.plan.tz();
    store
        .load_scheme(
            plan,
            SEED_SCHEME_TEXT,
            &scheme,
            &FixedClock::on(adopted).stamp("demo", tz),
        )
        .await?;
    let mut n = 0;
    // The first whole quarter after the adoption: 2017-Q4 for a plan adopted in 2017-Q3.
    let quarters = AssessPeriod::quarters_between(adopted, today)
        .into_iter()
        .filter(|q| q.first_day() >= adopted);
    for q in quarters {
        let on = (q.last_day() + chrono::Duration::days(15)).min(today);
        let stamp = FixedClock::on(on).stamp("sample-office", tz);
        let a = store.create_assessment(plan, q, None, &stamp).await?;
        store
            .act_on_assessment(a.id, RunAction::Lock, None, &stamp)
            .await?;
        store
            .act_on_assessment(a.id, RunAction::Publish, None, &stamp)
            .await?;
        n += 1;
    }
    if n == 0 {
        bail!("no quarter has ended between {adopted} and {today}");
    }
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;
    use tuijin_core::assess::{Basis, Points};
    use tuijin_store::{NoticeStore, ReportStore};

    /// The demo's runs: for every unit, its lines add up exactly to its score, and every line
    /// names a record that exists (item, report, notice, indicator, adjustment).
    #[tokio::test]
    async fn every_demo_run_adds_up_and_names_real_records() {
        use tuijin_core::clock::{Clock, FixedClock};
        let today = chrono::NaiveDate::from_ymd_opt(2020, 6, 30).unwrap();
        let db = tuijin_store::testing::TestDb::sqlite().await;
        let s = &db.store;
        let doc = seed::seed_plan().unwrap();
        let adopted = doc.plan.source.date.unwrap();
        s.import_plan(&doc, &FixedClock::on(adopted).stamp("demo", doc.plan.tz()))
            .await
            .unwrap();
        seed::load_sample_history(s, &doc, today).await.unwrap();
        seed::sample_notices(s, &doc, today).await.unwrap();
        seed::record_real_outcomes(s, &doc, today).await.unwrap();
        let n = demo_runs(s, &doc, adopted, today).await.unwrap();
        assert_eq!(
            n, 10,
            "2017-Q4 to 2020-Q1: 2020-Q2 is still open on its last day"
        );
        let items: HashSet<String> = doc.items.iter().map(|i| i.code.to_string()).collect();
        let indicators: HashSet<String> =
            doc.indicators.iter().map(|i| i.code.to_string()).collect();
        let runs = s.list_assessments("zz-ncc-2017", true).await.unwrap();
        assert_eq!(runs.len(), n);
        let mut lines = 0;
        let mut figures = Vec::new();
        for a in &runs {
            for c in &a.outcome.categories {
                for u in &c.units {
                    let sum: Points = u
                        .criteria
                        .iter()
                        .flat_map(|c| &c.lines)
                        .map(|l| l.points)
                        .sum();
                    assert_eq!(sum, u.score, "{} {}", a.period, u.unit);
                    for l in u.criteria.iter().flat_map(|c| &c.lines) {
                        lines += 1;
                        match &l.basis {
                            Basis::Item { item, .. } | Basis::Milestone { item, .. } => {
                                assert!(items.contains(item), "{item}")
                            }
                            Basis::Report { item, report, .. } => {
                                assert!(items.contains(item), "{item}");
                                if let Some(r) = report {
                                    let r = s.get_report(*r).await.unwrap();
                                    assert_eq!(r.item.as_str(), item);
                                }
                            }
                            Basis::NoticeSign { notice, .. }
                            | Basis::NoticeReply { notice, .. }
                            | Basis::NoticeLevel { notice, .. } => {
                                s.get_notice(*notice).await.unwrap();
                            }
                            Basis::Indicator {
                                indicator, period, ..
                            } => {
                                assert!(indicators.contains(indicator), "{indicator}");
                                // A figure is one known by the period's end, never a later one.
                                if let Some(p) = period {
                                    assert!(p.as_str() < a.as_of.to_string().as_str(), "{p}");
                                    figures.push((a.period.clone(), indicator.clone(), p.clone()));
                                }
                            }
                            Basis::Adjustment { index, .. } => {
                                assert!(*index < a.scheme.adjustment.len())
                            }
                            Basis::NothingDue | Basis::Cap | Basis::Floor => {}
                        }
                    }
                }
            }
        }
        assert!(lines > 1000, "{lines} lines");
        // Each run sees the figures known at its end: the metro length of September 2019
        // (known in mid-October) in 2019-Q4, not yet in 2019-Q3.
        let metro = |period: &str| {
            figures
                .iter()
                .find(|(run, ind, _)| run == period && ind == "metro_km")
                .map(|f| f.2.clone())
        };
        assert_eq!(metro("2017-Q4").as_deref(), Some("2017-01"), "{figures:?}");
        assert_eq!(metro("2019-Q3").as_deref(), Some("2017-01"), "{figures:?}");
        assert_eq!(metro("2019-Q4").as_deref(), Some("2019-09"), "{figures:?}");
        // The example bonus of 2019-Q4 is in that run's lines.
        let q4 = runs.iter().find(|a| a.period == "2019-Q4").unwrap();
        let hkg = q4.outcome.unit("HKG").unwrap().1;
        assert!(
            hkg.criteria
                .iter()
                .flat_map(|c| &c.lines)
                .any(|l| matches!(l.basis, Basis::Adjustment { .. }))
        );
    }
}
