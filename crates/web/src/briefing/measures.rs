//! The sections of a briefing that read indicators and assessments, as of its day.

use tuijin_core::briefing::{Block, Chart, Section};
use tuijin_core::forecast::Forecast;
use tuijin_core::i18n::{Lang, unit_of_measure};
use tuijin_store::{AssessStore, DirectoryStore};

use super::sections::Ctx;
use crate::api::indicators::{IndicatorDetail, chart, detail};
use crate::error::ApiError;
use crate::pages::widgets::fmt1;

/// Every indicator as known on the as-of day, each with its chart. Absent for a plan without
/// indicators.
pub async fn indicators(x: &Ctx<'_>) -> Result<Option<Section>, ApiError> {
    let l = x.l;
    // The plan's indicators as they were defined on the day (`briefing::plan_as_of`).
    let list: Vec<tuijin_core::Indicator> =
        x.st.store
            .list_indicators(x.plan)
            .await?
            .into_iter()
            .filter_map(|i| {
                x.c.measures
                    .indicators
                    .get(i.code.as_str())
                    .map(|(def, _)| def.clone())
            })
            .collect();
    if list.is_empty() {
        return Ok(None);
    }
    let mut rows = Vec::new();
    let mut charts = Vec::new();
    for ind in &list {
        let actuals =
            x.st.store
                .indicator_actuals(x.plan, ind.code.as_str())
                .await?;
        let d = detail(x.c, ind, &actuals, x.as_of, true);
        let uom = unit_of_measure(l, &ind.unit);
        let latest = x.c.measures.known(ind.code.as_str(), x.as_of);
        rows.push(vec![
            l.pick(&ind.name).to_string(),
            match latest.last() {
                Some((on, v)) => format!("{} {uom} ({on})", fmt1(*v)),
                None => l.t("figures.none").into(),
            },
            match ind.targets.last() {
                Some(t) => format!("{} {uom} ({})", fmt1(t.value), t.year),
                None => "—".into(),
            },
            standing(l, &d, &uom),
            forecast(l, &d.forecast, &uom),
        ]);
        if let Some(svg) = chart(l, ind, &d) {
            charts.push(Block::Chart(Chart {
                caption: l.f(
                    "brief.chart_caption",
                    &[("name", &l.pick(&ind.name)), ("date", &x.as_of)],
                ),
                alt: format!("{}: {}", l.pick(&ind.name), standing(l, &d, &uom)),
                svg,
            }));
        }
    }
    let mut blocks = vec![x.table(
        &[
            "col.indicator",
            "ind.latest",
            "col.target",
            "ind.standing",
            "ind.forecast",
        ],
        &[false, true, true, false, false],
        rows,
    )];
    blocks.extend(charts);
    Ok(Some(Section {
        id: "indicators".into(),
        heading: l.t("brief.s.indicators").into(),
        blocks,
    }))
}

/// Met, on or behind the path, in words.
fn standing(l: Lang, d: &IndicatorDetail, uom: &str) -> String {
    if let Some(t) = d.targets.iter().rev().find(|t| t.met_on.is_some()) {
        return format!(
            "{} {}",
            l.t("ind.met"),
            l.f(
                "ind.met_detail",
                &[
                    ("target", &format!("{} {uom}", fmt1(t.target))),
                    ("year", &t.year),
                    ("on", &t.met_on.map(|d| d.to_string()).unwrap_or_default()),
                    (
                        "value",
                        &format!("{} {uom}", fmt1(t.met_value.unwrap_or(0.0)))
                    ),
                ]
            )
        );
    }
    match &d.gap {
        Some(g) => format!(
            "{} {:+.1} {uom}",
            if g.behind {
                l.t("ind.behind_path")
            } else {
                l.t("ind.on_path")
            },
            g.absolute
        ),
        None => l.t("ind.no_standing").into(),
    }
}

fn forecast(l: Lang, f: &Forecast, uom: &str) -> String {
    match f {
        Forecast::TooFew { points, needed } => {
            l.f("ind.too_few", &[("points", points), ("needed", needed)])
        }
        Forecast::Made { projections, .. } => match projections.first() {
            None => l.t("ind.no_target_ahead").into(),
            Some(p) => {
                let mut s = l.f(
                    "ind.forecast_line",
                    &[
                        ("year", &p.year),
                        ("value", &format!("{} {uom}", fmt1(p.value))),
                        ("low", &fmt1(p.low)),
                        ("high", &fmt1(p.high)),
                        ("target", &format!("{} {uom}", fmt1(p.target))),
                    ],
                );
                if let Some(pr) = p.probability {
                    s.push(' ');
                    s.push_str(&l.f(
                        "ind.chance",
                        &[(
                            "p",
                            &format!("{}%", tuijin_core::warning::indicators::chance_percent(pr)),
                        )],
                    ));
                }
                s
            }
        },
    }
}

/// The unit rankings of the newest assessment published by the as-of day (a correction
/// published by then stands in for the run it corrects). Absent before the first.
pub async fn ranking(x: &Ctx<'_>) -> Result<Option<Section>, ApiError> {
    let l = x.l;
    let tz = x.c.plan.tz();
    let runs = x.st.store.list_assessments(x.plan, true).await?;
    let by_then: Vec<_> = runs
        .iter()
        .filter(|a| {
            a.published_at
                .is_some_and(|at| at.with_timezone(&tz).date_naive() <= x.as_of)
        })
        .collect();
    let standing = by_then
        .iter()
        .filter(|a| !by_then.iter().any(|b| b.supersedes == Some(a.id)))
        .max_by_key(|a| (a.outcome.as_of, a.published_at));
    let Some(a) = standing else {
        return Ok(None);
    };
    let mut blocks = vec![Block::Para {
        text: l.f(
            "brief.ranking_of",
            &[
                ("period", &a.period),
                ("date", &a.outcome.as_of),
                (
                    "published",
                    &a.published_at
                        .map(|t| t.with_timezone(&tz).date_naive().to_string())
                        .unwrap_or_default(),
                ),
            ],
        ),
    }];
    for (cat, scat) in a.outcome.categories.iter().zip(&a.scheme.category) {
        blocks.push(Block::Subheading {
            text: if l == Lang::En && !scat.name_en.is_empty() {
                scat.name_en.clone()
            } else {
                scat.name.clone()
            },
        });
        let rows = cat
            .units
            .iter()
            .map(|u| {
                vec![
                    u.rank.to_string(),
                    x.unit(Some(&u.unit)),
                    format!("{} / {}", u.score, cat.total),
                ]
            })
            .collect();
        blocks.push(x.table(
            &["brief.col.rank", "col.unit", "brief.col.score"],
            &[true, false, true],
            rows,
        ));
    }
    Ok(Some(Section {
        id: "ranking".into(),
        heading: l.t("brief.s.ranking").into(),
        blocks,
    }))
}
