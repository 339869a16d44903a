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
        .chain(band.iter().map(|b| b.0));
    let (first, last) = (dates.clone().min()?, dates.max()?);
    // The day asked about is marked when it falls near the data, never stretching the chart
    // to a far future.
    let show_as_of = d.as_of >= first && years(d.as_of) <= years(last) + 1.0;
    let last = if show_as_of { last.max(d.as_of) } else { last };
    // Time as decimal years, so that the axis marks fall on the first day of each year.
    let start = years(first) - 0.2;
    let end = years(last) + 0.2;
    let x = years;
    let whole_years = (end.floor() - start.ceil()) as usize + 1;
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
    // Values the plan and the figures cannot hold (beyond ±10^15): nothing sensible to draw,
    // and the axis arithmetic would not end.
    if !(lo.is_finite() && hi.is_finite())
        || lo.abs().max(hi.abs()) > 10.0 * tuijin_core::indicator::MAX_FIGURE
    {
        return None;
    }
    let pad = ((hi - lo) * 0.08).max(1e-9);
    let (y0, y1) = (lo - pad.min(lo.abs().max(pad)), hi + pad);
    let clamp = |v: f64| v.clamp(y0, y1);
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (720, 420)).into_drawing_area();
        root.fill(&WHITE).ok()?;
        // The legend has its own strip under the chart, so it never hides a figure.
        let (plot, strip) = root.split_vertically(360);
        let widest = [y0, y1]
            .iter()
            .map(|v| crate::pages::widgets::fmt1(*v).chars().count())
            .max()
            .unwrap_or(4);
        let mut chart = ChartBuilder::on(&plot)
            .margin(12)
            .x_label_area_size(28)
            .y_label_area_size((widest as u32 * 10 + 30).clamp(64, 200))
            .build_cartesian_2d(start..end, y0..y1)
            .ok()?;
        chart
            .configure_mesh()
            .light_line_style(RGBColor(0xea, 0xee, 0xf2))
            .x_labels(whole_years.clamp(2, 12))
            .y_labels(6)
            // Only whole years are written: the first day of each.
            .x_label_formatter(&|t| {
                if (t - t.round()).abs() < 0.01 {
                    format!("{t:.0}")
                } else {
                    String::new()
                }
            })
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
                .ok()?;
            chart
                .draw_series(DashedLineSeries::new(
                    band.iter()
                        .map(|b| (x(b.0), clamp(b.1)))
                        .collect::<Vec<_>>(),
                    3,
                    3,
                    BAND.stroke_width(2),
                ))
                .ok()?;
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
                .ok()?;
        }
        // A line needs two figures (one alone is its dot).
        if d.known.len() >= 2 {
            chart
                .draw_series(LineSeries::new(
                    d.known.iter().map(|p| (x(p.0), p.1)).collect::<Vec<_>>(),
                    ACTUAL.stroke_width(3),
                ))
                .ok()?;
        }
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
                .ok()?;
        }
        if !targets.is_empty() {
            chart
                .draw_series(
                    targets
                        .iter()
                        .map(|p| TriangleMarker::new((x(p.0), clamp(p.1)), 8, TARGET.filled())),
                )
                .ok()?;
        }
        if show_as_of {
            chart
                .draw_series(std::iter::once(PathElement::new(
                    vec![(x(d.as_of), y0), (x(d.as_of), y1)],
                    TODAY.stroke_width(1),
                )))
                .ok()?;
        }
        legend(
            l,
            &strip,
            d,
            band.len() >= 2,
            path.len() >= 2,
            !targets.is_empty(),
            show_as_of,
        )?;
        root.present().ok()?;
    }
    Some(svg)
}

/// What each mark means, in a row (or two) under the chart: only the marks drawn.
#[allow(clippy::too_many_arguments)] // one flag per kind of mark
fn legend(
    l: Lang,
    area: &DrawingArea<SVGBackend<'_>, plotters::coord::Shift>,
    d: &ChartData<'_>,
    band: bool,
    path: bool,
    targets: bool,
    as_of: bool,
) -> Option<()> {
    #[derive(Clone, Copy)]
    enum Mark {
        Line(RGBColor, u32),
        Dot,
        Ring,
        Box,
        Triangle,
    }
    let mut entries = vec![(Mark::Dot, "chart.figures")];
    if !d.revised.is_empty() {
        entries.push((Mark::Ring, "chart.revised"));
    }
    if path {
        entries.push((Mark::Line(EXPECTED, 2), "chart.path"));
    }
    if targets {
        entries.push((Mark::Triangle, "chart.target"));
    }
    if band {
        entries.push((Mark::Line(BAND, 2), "chart.forecast"));
        entries.push((Mark::Box, "chart.forecast_band"));
    }
    if as_of {
        entries.push((Mark::Line(TODAY, 1), "chart.as_of"));
    }
    let font = ("sans-serif", 15).into_font();
    let (mut cx, mut cy) = (16i32, 16i32);
    for (mark, key) in entries {
        let text = l.t(key);
        // Measured by hand: the SVG's text is set by the reader's font, so no metrics here;
        // a CJK character is about a full em at 15 px, a Latin one about half.
        let text_width: i32 = text
            .chars()
            .map(|c| if c.is_ascii() { 8 } else { 15 })
            .sum();
        let width = 26 + text_width + 18;
        if cx + width > 710 {
            cx = 16;
            cy += 24;
        }
        match mark {
            Mark::Line(c, w) => area
                .draw(&PathElement::new(
                    vec![(cx, cy), (cx + 18, cy)],
                    c.stroke_width(w),
                ))
                .ok()?,
            Mark::Dot => area
                .draw(&Circle::new((cx + 9, cy), 5, ACTUAL.filled()))
                .ok()?,
            Mark::Ring => area
                .draw(&Circle::new((cx + 9, cy), 5, ACTUAL.stroke_width(2)))
                .ok()?,
            Mark::Box => area
                .draw(&Rectangle::new(
                    [(cx, cy - 6), (cx + 18, cy + 6)],
                    BAND.mix(0.25).filled(),
                ))
                .ok()?,
            Mark::Triangle => area
                .draw(&TriangleMarker::new((cx + 9, cy), 7, TARGET.filled()))
                .ok()?,
        }
        area.draw(&Text::new(
            text.to_string(),
            (cx + 26, cy - 8),
            font.clone(),
        ))
        .ok()?;
        cx += width;
    }
    Some(())
}
