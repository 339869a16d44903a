//! `tuijin brief`: a briefing (工作简报) of a period as PDF, DOCX, Markdown or HTML, from the
//! figures as they stood on its as-of day (`tuijin_web::briefing`).

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result, anyhow, bail};
use tuijin_core::briefing::{BriefCadence, BriefPeriod};
use tuijin_core::i18n::Lang;
use tuijin_export::brief::BriefFormat;
use tuijin_web::AppState;
use tuijin_web::briefing::{BriefRequest, build};
use tuijin_web::error::ApiError;

use crate::config::DbArgs;

#[derive(clap::Args)]
pub struct BriefArgs {
    #[arg(long)]
    pub plan: String,
    /// 2019-W35 (a week), 2019-08 (a month), 2019-Q3 (a quarter) or 2019 (a year).
    #[arg(long)]
    pub period: String,
    /// weekly (周调度), monthly (月通报), quarterly (季推进) or annual (年考评); when given, the
    /// period must be one of its.
    #[arg(long)]
    pub cadence: Option<String>,
    /// The day the figures are taken on (default: the period's last day; not before it, not
    /// after today).
    #[arg(long, value_parser = crate::config::parse_date)]
    pub as_of: Option<chrono::NaiveDate>,
    /// pdf, docx, md or html.
    #[arg(long, default_value = "pdf")]
    pub format: String,
    /// zh (default) or en.
    #[arg(long, default_value = "zh")]
    pub lang: String,
    /// The file to write.
    #[arg(short = 'o', long)]
    pub output: PathBuf,
    #[command(flatten)]
    pub db: DbArgs,
}

pub async fn run(a: BriefArgs) -> Result<ExitCode> {
    let format = BriefFormat::parse(&a.format)
        .ok_or_else(|| anyhow!("--format `{}`: write pdf, docx, md or html", a.format))?;
    let lang =
        Lang::parse(&a.lang).ok_or_else(|| anyhow!("--lang `{}`: write zh or en", a.lang))?;
    let cadence = match &a.cadence {
        Some(c) => Some(BriefCadence::parse(c).ok_or_else(|| {
            anyhow!("--cadence `{c}`: write weekly, monthly, quarterly or annual")
        })?),
        None => None,
    };
    let period = BriefPeriod::parse(&a.period, cadence).map_err(|e| anyhow!("--period: {e}"))?;
    let store = a.db.open().await?;
    let clock = store.clock().await?;
    let st = AppState::new(store, clock, false);
    let started = std::time::Instant::now();
    let req = BriefRequest {
        plan: a.plan.clone(),
        period,
        as_of: a.as_of,
        lang,
    };
    let brief = match build(&st, &req).await {
        Ok(b) => b,
        Err(ApiError::Invalid(ps)) => {
            let msgs: Vec<String> = ps
                .iter()
                .map(|p| format!("--{}: {}", p.field.replace('_', "-"), p.message(lang)))
                .collect();
            bail!("{}", msgs.join("\n"));
        }
        Err(ApiError::NotFound(what)) => bail!("not found: {what}"),
        Err(e) => bail!("{e:?}"),
    };
    let built = started.elapsed();
    let bytes = tuijin_web::briefing::render(&brief, format).map_err(|e| anyhow!("{e}"))?;
    std::fs::write(&a.output, &bytes).with_context(|| format!("writing {}", a.output.display()))?;
    out!(
        "{}: {} {} as of {} ({} bytes; figures {:.0} ms, {} {:.0} ms)",
        a.output.display(),
        brief.plan,
        brief.period,
        brief.as_of,
        bytes.len(),
        built.as_secs_f64() * 1000.0,
        format.as_str(),
        (started.elapsed() - built).as_secs_f64() * 1000.0
    );
    Ok(ExitCode::SUCCESS)
}
