//! Charts as SVG, drawn on the server: an item's trajectory (expected against actual) with
//! plotters, and the timeline (Gantt) of projects and milestones.

use chrono::NaiveDate;
use plotters::prelude::*;
use tuijin_core::path::Path;
use tuijin_core::{Item, Progress};

use crate::i18n::Lang;

const EXPECTED: RGBColor = RGBColor(0x57, 0x60, 0x6a);
const ACTUAL: RGBColor = RGBColor(0x00, 0x72, 0xb2);
const TODAY: RGBColor = RGBColor(0xd5, 0x5e, 0x00);

pub mod indicator;

/// Expected progress (dashed grey) against actual progress (blue steps) over the item's
/// life, with today marked. `None` when the item has no dates to draw against.
pub fn trajectory(
    l: Lang,
    item: &Item,
    path: Option<&Path>,
    history: &[(NaiveDate, Progress)],
    today: NaiveDate,
) -> Option<String> {
    let path = path?;
    let start = item
        .start
        .or_else(|| history.first().map(|h| h.0))
        .unwrap_or(path.span().0);
    let due = item.due.unwrap_or(path.span().1);
    if due <= start {
        return None;
    }
    let end = due.max(today.min(due + chrono::Duration::days(365)));
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (720, 300)).into_drawing_area();
        root.fill(&WHITE).ok()?;
        let mut chart = ChartBuilder::on(&root)
            .margin(12)
            .x_label_area_size(28)
            .y_label_area_size(40)
            .build_cartesian_2d(start..end, 0f64..100f64)
            .ok()?;
        chart
            .configure_mesh()
            .light_line_style(RGBColor(0xea, 0xee, 0xf2))
            .x_labels(6)
            .y_labels(6)
            .x_label_formatter(&|d| d.format("%Y-%m").to_string())
            .y_label_formatter(&|v| format!("{v:.0}%"))
            .draw()
            .ok()?;
        // Expected: the path's own points (a parent's are its children's), exact.
        let mut pts = vec![(start, path.at(start))];
        pts.extend(
            path.points()
                .iter()
                .filter(|p| p.0 > start && p.0 < end)
                .copied(),
        );
        pts.push((end, path.at(end)));
        chart
            .draw_series(DashedLineSeries::new(pts, 6, 4, EXPECTED.stroke_width(2)))
            .ok()?
            .label(l.t("chart.expected"))
            .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 16, y)], EXPECTED.stroke_width(2)));
        // Actual: a step line, flat until the next accepted figure, up to today.
        let mut steps: Vec<(NaiveDate, f64)> = Vec::new();
        for (d, p) in history {
            if let Some(v) = p.percent {
                if let Some(&(_, prev)) = steps.last() {
                    steps.push((*d, prev));
                }
                steps.push((*d, v));
            }
        }
        if let Some(&(_, last)) = steps.last() {
            steps.push((today.min(end), last));
        }
        chart
            .draw_series(LineSeries::new(steps, ACTUAL.stroke_width(3)))
            .ok()?
            .label(l.t("chart.actual"))
            .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 16, y)], ACTUAL.stroke_width(3)));
        if today >= start && today <= end {
            chart
                .draw_series(std::iter::once(PathElement::new(
                    vec![(today, 0.0), (today, 100.0)],
                    TODAY.stroke_width(1),
                )))
                .ok()?
                .label(l.t("chart.today"))
                .legend(|(x, y)| {
                    PathElement::new(vec![(x, y), (x + 16, y)], TODAY.stroke_width(1))
                });
        }
        chart
            .configure_series_labels()
            .background_style(WHITE.mix(0.9))
            .border_style(RGBColor(0xd0, 0xd7, 0xde))
            .position(SeriesLabelPosition::UpperLeft)
            .draw()
            .ok()?;
        root.present().ok()?;
    }
    Some(svg)
}

/// A small chart of an indicator for the leader's view: its path from the baseline through
/// the yearly targets (dashed grey) and its figures known by `today` (blue), with today
/// marked. `None` when there is nothing to draw against.
pub fn indicator_spark(
    ind: &tuijin_core::Indicator,
    figures: &[(NaiveDate, f64)],
    today: NaiveDate,
) -> Option<String> {
    let year_end = |y: i32| NaiveDate::from_ymd_opt(y, 12, 31);
    let mut path: Vec<(NaiveDate, f64)> = Vec::new();
    if let (Some(y), Some(b)) = (ind.baseline_year, ind.baseline) {
        path.extend(year_end(y).map(|d| (d, b)));
    }
    path.extend(
        ind.targets
            .iter()
            .filter_map(|t| year_end(t.year).map(|d| (d, t.value))),
    );
    path.sort_by_key(|p| p.0);
    let mut known: Vec<(NaiveDate, f64)> =
        figures.iter().copied().filter(|f| f.0 <= today).collect();
    known.sort_by_key(|f| f.0);
    if path.len() < 2 && known.is_empty() {
        return None;
    }
    let dates = path.iter().chain(&known).map(|p| p.0);
    let start = dates.clone().min()?;
    let end = dates.max()?.max(today);
    if end <= start {
        return None;
    }
    let values = path.iter().chain(&known).map(|p| p.1);
    let (lo, hi) = values.fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| {
        (a.min(v), b.max(v))
    });
    let pad = ((hi - lo) * 0.1).max(hi.abs() * 0.01).max(1e-9);
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (200, 64)).into_drawing_area();
        root.fill(&WHITE).ok()?;
        let mut chart = ChartBuilder::on(&root)
            .margin(4)
            .build_cartesian_2d(start..end, (lo - pad)..(hi + pad))
            .ok()?;
        if path.len() >= 2 {
            chart
                .draw_series(DashedLineSeries::new(path, 4, 3, EXPECTED.stroke_width(1)))
                .ok()?;
        }
        chart
            .draw_series(LineSeries::new(known.clone(), ACTUAL.stroke_width(2)))
            .ok()?;
        chart
            .draw_series(known.iter().map(|p| Circle::new(*p, 2, ACTUAL.filled())))
            .ok()?;
        if today >= start && today <= end {
            chart
                .draw_series(std::iter::once(PathElement::new(
                    vec![(today, lo - pad), (today, hi + pad)],
                    TODAY.stroke_width(1),
                )))
                .ok()?;
        }
        root.present().ok()?;
    }
    Some(svg)
}

#[cfg(test)]
mod tests {
    use super::*;
    use tuijin_core::{Code, ItemKind};

    #[test]
    fn the_trajectory_is_svg_without_inline_styles() {
        let mut i = Item::new(Code::parse("A").unwrap(), ItemKind::Project, "甲");
        i.start = NaiveDate::from_ymd_opt(2018, 1, 1);
        i.due = NaiveDate::from_ymd_opt(2020, 12, 31);
        let h = vec![
            (
                NaiveDate::from_ymd_opt(2018, 6, 30).unwrap(),
                Progress::known(10.0),
            ),
            (
                NaiveDate::from_ymd_opt(2019, 6, 30).unwrap(),
                Progress::known(40.0),
            ),
        ];
        let svg = trajectory(
            Lang::Zh,
            &i,
            Path::own(i.start, i.due, &i.extra.trajectory).as_ref(),
            &h,
            NaiveDate::from_ymd_opt(2020, 6, 30).unwrap(),
        )
        .unwrap();
        assert!(svg.starts_with("<svg"), "{}", &svg[..80]);
        assert!(
            svg.contains("应完成"),
            "the legend is in the page's language"
        );
        // The Content-Security-Policy refuses inline styles: none may appear.
        assert!(!svg.contains("style="), "{svg}");
    }

    #[test]
    fn an_indicator_spark_draws_path_and_figures() {
        let ind = tuijin_core::Indicator {
            code: Code::parse("gdp").unwrap(),
            name: tuijin_core::Text::new("地区生产总值", "GDP"),
            unit: "亿元".into(),
            direction: tuijin_core::Direction::Increase,
            frequency: tuijin_core::Frequency::Annual,
            baseline_year: Some(2016),
            baseline: Some(8025.3),
            targets: vec![tuijin_core::IndicatorTarget {
                year: 2020,
                value: 10000.0,
            }],
            owner: None,
            scope: String::new(),
            public: true,
            basis: Default::default(),
            publication_lag: None,
            path: Default::default(),
            points: Vec::new(),
            source: String::new(),
        };
        let d = |y, m, dd| NaiveDate::from_ymd_opt(y, m, dd).unwrap();
        let figures = [(d(2018, 12, 31), 10143.0), (d(2019, 12, 31), 11589.7)];
        let svg = indicator_spark(&ind, &figures, d(2020, 6, 30)).unwrap();
        assert!(svg.starts_with("<svg"));
        assert!(!svg.contains("style="), "{svg}");
        assert_eq!(
            svg.matches("<circle").count(),
            2,
            "one dot per figure known"
        );
        // A figure not yet known on the day is not drawn.
        let svg = indicator_spark(&ind, &figures, d(2019, 6, 30)).unwrap();
        assert_eq!(svg.matches("<circle").count(), 1);
    }
}
