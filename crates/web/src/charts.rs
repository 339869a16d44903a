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
            Path::own(i.start, i.due, &i.trajectory).as_ref(),
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
}
