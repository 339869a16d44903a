//! The chart of one indicator, for its page, the API and the briefings: the figures known on
//! a day (blue, revised values as hollow rings where a later figure replaced them), the path
//! to the targets (dashed grey, curved where the plan grows at a constant rate), each target
//! (a diamond), the forecast with its prediction interval (a shaded band from the last
//! figure to each target year) and the day asked about (orange).
//!
//! Labels are `<text>` in the SVG; the browser (or the PDF renderer) sets them in the CJK font
//! the machine has — Noto Sans CJK from the Debian package `fonts-noto-cjk` — and falls back
//! to any sans-serif font when it is absent, where Chinese may show as boxes.

use chrono::NaiveDate;
use plotters::prelude::*;
use tuijin_core::Indicator;
use tuijin_core::forecast::{Forecast, years};

use super::{ACTUAL, EXPECTED, TODAY};
use crate::i18n::Lang;

const TARGET: RGBColor = RGBColor(0x00, 0x9e, 0x73);
const BAND: RGBColor = RGBColor(0xcc, 0x79, 0xa7);

/// What the chart draws.
pub struct ChartData<'a> {
    pub indicator: &'a Indicator,
    /// The figures counted on `as_of`: the day each stands for and its value.
    pub known: &'a [(NaiveDate, f64)],
    /// Values known by `as_of` that a later figure for the same period replaced.
    pub revised: &'a [(NaiveDate, f64)],
    pub forecast: &'a Forecast,
    pub as_of: NaiveDate,
}

/// The chart as an SVG document, 720 × 360 and scaled to its box by the page; `None` when
/// there is neither a path nor a figure to draw.
pub fn indicator_chart(l: Lang, d: &ChartData<'_>) -> Option<String> {
    let ind = d.indicator;
    let path = ind.path_points();
    let targets: Vec<(NaiveDate, f64)> = ind
        .targets
        .iter()
        .filter_map(|t| NaiveDate::from_ymd_opt(t.year, 12, 31).map(|on| (on, t.value)))
        .collect();
    let band: Vec<(NaiveDate, f64, f64, f64)> = match d.forecast {
        Forecast::Made {
            points,
            projections,
            ..
        } => {
            let last = points.last().copied();
            last.map(|(on, v)| (on, v, v, v))
                .into_iter()
                .chain(projections.iter().map(|p| (p.on, p.value, p.low, p.high)))
                .collect()
        }
        Forecast::TooFew { .. } => Vec::new(),
    };
    if path.is_empty() && d.known.is_empty() {
        return None;
    }
    let dates = path
        .iter()
        .map(|p| p.0)
        .chain(d.known.iter().map(|p| p.0))
        .chain(targets.iter().map(|p| p.0))
        .chain(band.iter().map(|b| b.0))
        .chain(std::iter::once(d.as_of));
    // Time as decimal years, so that the axis marks fall on the first day of each year.
    let start = years(dates.clone().min()?) - 0.2;
    let end = years(dates.max()?) + 0.2;
    let x = years;
    let mut values: Vec<f64> = path
        .iter()
        .map(|p| p.1)
        .chain(d.known.iter().map(|p| p.1))
        .chain(d.revised.iter().map(|p| p.1))
        .chain(targets.iter().map(|p| p.1))
        .chain(band.iter().map(|b| b.1))
        .collect();
    let core_hi = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let core_lo = values.iter().copied().fold(f64::INFINITY, f64::min);
    // An interval from very few figures can be wide; the band is cut at the chart's edge
    // rather than flattening everything else.
    let reach = (core_hi - core_lo).abs().max(core_hi.abs() * 0.1);
    values.extend(band.iter().flat_map(|b| [b.2, b.3]));
    let hi = values
        .iter()
        .copied()
        .fold(f64::NEG_INFINITY, f64::max)
        .min(core_hi + reach * 0.5);
    let lo = values
        .iter()
        .copied()
        .fold(f64::INFINITY, f64::min)
        .max(core_lo - reach * 0.5)
        .min(if core_lo >= 0.0 { 0.0 } else { core_lo });
    let pad = ((hi - lo) * 0.08).max(1e-9);
    let (y0, y1) = (lo - pad.min(lo.abs().max(pad)), hi + pad);
    let clamp = |v: f64| v.clamp(y0, y1);
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (720, 360)).into_drawing_area();
        root.fill(&WHITE).ok()?;
        let mut chart = ChartBuilder::on(&root)
            .margin(12)
            .x_label_area_size(28)
            .y_label_area_size(64)
            .build_cartesian_2d(start..end, y0..y1)
            .ok()?;
        chart
            .configure_mesh()
            .light_line_style(RGBColor(0xea, 0xee, 0xf2))
            .x_labels(10)
            .y_labels(6)
            .x_label_formatter(&|t| format!("{t:.0}"))
            .label_style(("sans-serif", 17))
            .axis_desc_style(("sans-serif", 17))
            .y_label_formatter(&|v| crate::pages::widgets::fmt1(*v))
            .y_desc(crate::pages::widgets::unit_of_measure(l, &ind.unit))
            .draw()
            .ok()?;
        if band.len() >= 2 {
            let mut poly: Vec<(f64, f64)> = band.iter().map(|b| (x(b.0), clamp(b.3))).collect();
            poly.extend(band.iter().rev().map(|b| (x(b.0), clamp(b.2))));
            chart
                .draw_series(std::iter::once(Polygon::new(poly, BAND.mix(0.25).filled())))
                .ok()?
                .label(l.t("chart.forecast_band"))
                .legend(|(x, y)| {
                    Rectangle::new([(x, y - 5), (x + 16, y + 5)], BAND.mix(0.25).filled())
                });
            chart
                .draw_series(DashedLineSeries::new(
                    band.iter()
                        .map(|b| (x(b.0), clamp(b.1)))
                        .collect::<Vec<_>>(),
                    3,
                    3,
                    BAND.stroke_width(2),
                ))
                .ok()?
                .label(l.t("chart.forecast"))
                .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 16, y)], BAND.stroke_width(2)));
        }
        if path.len() >= 2 {
            // Sampled monthly, so a path of constant growth is drawn as the curve it is.
            let (p0, p1) = (path[0].0, path[path.len() - 1].0);
            let mut pts = Vec::new();
            let mut day = p0;
            while day < p1 {
                pts.extend(ind.expected_at(day).map(|v| (x(day), v)));
                day += chrono::Duration::days(30);
            }
            pts.extend(ind.expected_at(p1).map(|v| (x(p1), v)));
            chart
                .draw_series(DashedLineSeries::new(pts, 6, 4, EXPECTED.stroke_width(2)))
                .ok()?
                .label(l.t("chart.path"))
                .legend(|(x, y)| {
                    PathElement::new(vec![(x, y), (x + 16, y)], EXPECTED.stroke_width(2))
                });
        }
        chart
            .draw_series(LineSeries::new(
                d.known.iter().map(|p| (x(p.0), p.1)).collect::<Vec<_>>(),
                ACTUAL.stroke_width(3),
            ))
            .ok()?
            .label(l.t("chart.figures"))
            .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 16, y)], ACTUAL.stroke_width(3)));
        chart
            .draw_series(
                d.known
                    .iter()
                    .map(|p| Circle::new((x(p.0), p.1), 5, ACTUAL.filled())),
            )
            .ok()?;
        if !d.revised.is_empty() {
            chart
                .draw_series(
                    d.revised
                        .iter()
                        .map(|p| Circle::new((x(p.0), p.1), 6, ACTUAL.stroke_width(2))),
                )
                .ok()?
                .label(l.t("chart.revised"))
                .legend(|(x, y)| Circle::new((x + 8, y), 4, ACTUAL.stroke_width(2)));
        }
        if !targets.is_empty() {
            chart
                .draw_series(
                    targets
                        .iter()
                        .map(|p| TriangleMarker::new((x(p.0), clamp(p.1)), 8, TARGET.filled())),
                )
                .ok()?
                .label(l.t("chart.target"))
                .legend(|(x, y)| TriangleMarker::new((x + 8, y), 6, TARGET.filled()));
        }
        if x(d.as_of) >= start && x(d.as_of) <= end {
            chart
                .draw_series(std::iter::once(PathElement::new(
                    vec![(x(d.as_of), y0), (x(d.as_of), y1)],
                    TODAY.stroke_width(1),
                )))
                .ok()?
                .label(l.t("chart.as_of"))
                .legend(|(x, y)| {
                    PathElement::new(vec![(x, y), (x + 16, y)], TODAY.stroke_width(1))
                });
        }
        chart
            .configure_series_labels()
            .background_style(WHITE.mix(0.9))
            .border_style(RGBColor(0xd0, 0xd7, 0xde))
            .label_font(("sans-serif", 15))
            .position(SeriesLabelPosition::UpperLeft)
            .draw()
            .ok()?;
        root.present().ok()?;
    }
    Some(svg)
}
