//! The criteria scored on figures and on the office's decisions: indicator attainment against
//! the path to target, and approved bonuses and deductions within their caps. Apart from
//! `score.rs` only to keep each file readable; they share its context and line types.

use super::*;

pub(super) fn indicators(unit: &str, ctx: &Context<'_>) -> Vec<Entry> {
    let f = ctx.facts;
    let mut out = Vec::new();
    for (ind, figures) in &f.indicators {
        if ind.owner.as_ref().is_none_or(|o| o.as_str() != unit) {
            continue;
        }
        let (Some(base), Some(_)) = (ind.baseline, ind.baseline_year) else {
            continue;
        };
        let Some(last_target) = ind.targets.last() else {
            continue;
        };
        let latest = figures
            .iter()
            .filter(|x| x.period_end <= f.as_of && x.accepted_on <= f.as_of)
            .max_by(|a, b| {
                a.period_end
                    .cmp(&b.period_end)
                    .then(a.accepted_on.cmp(&b.accepted_on))
            });
        let code = ind.code.to_string();
        let Some(fig) = latest else {
            out.push(Entry {
                part: 1.0,
                earned: 0.0,
                basis: Basis::Indicator {
                    indicator: code,
                    period: None,
                    value: None,
                    expected: None,
                    share: 0.0,
                },
            });
            continue;
        };
        // A figure from before the path begins is judged against the baseline: the path asks
        // nothing more of it yet.
        let expected = ind.expected_at(fig.period_end).or(Some(base));
        let meets_target = match ind.direction {
            Direction::Increase => fig.value >= last_target.value - 1e-9,
            Direction::Decrease => fig.value <= last_target.value + 1e-9,
            Direction::Target => (fig.value - last_target.value).abs() <= 1e-9,
        };
        let share = if meets_target {
            1.0
        } else {
            match expected {
                Some(e) if ind.direction == Direction::Target => {
                    let span = (last_target.value - base).abs();
                    if span < 1e-9 {
                        0.0
                    } else {
                        1.0 - (fig.value - e).abs() / span
                    }
                }
                Some(e) if (e - base).abs() > 1e-9 => (fig.value - base) / (e - base),
                // On (or before) the baseline's day the path asks only the baseline itself.
                _ => {
                    let behind = match ind.direction {
                        Direction::Increase => fig.value < base - 1e-9,
                        Direction::Decrease => fig.value > base + 1e-9,
                        Direction::Target => false,
                    };
                    if behind { 0.0 } else { 1.0 }
                }
            }
        }
        .clamp(0.0, 1.0);
        // Hundredths of a percent: the same share however the float arithmetic went.
        let share = (share * 10_000.0).round() / 10_000.0;
        out.push(Entry {
            part: 1.0,
            earned: share,
            basis: Basis::Indicator {
                indicator: code,
                period: Some(fig.period.clone()),
                value: Some(fig.value),
                expected,
                share,
            },
        });
    }
    out
}

pub(super) fn adjustments(
    scheme: &Scheme,
    cr: &Criterion,
    unit: &str,
    period: AssessPeriod,
) -> Vec<Line> {
    let mut lines = Vec::new();
    let (mut bonus, mut cut) = (Points::ZERO, Points::ZERO);
    for (index, a) in scheme.adjustment.iter().enumerate() {
        // An adjustment counts in every run whose period holds its own (a quarter's bonus in
        // its half year and its year too).
        let within = AssessPeriod::parse(&a.period).is_ok_and(|p| {
            period.first_day() <= p.first_day() && p.last_day() <= period.last_day()
        });
        if a.unit != unit || !within {
            continue;
        }
        let p = Points::of(a.points);
        if p > Points::ZERO {
            bonus = bonus + p;
        } else {
            cut = cut - p;
        }
        lines.push(Line {
            points: p,
            met: None,
            basis: Basis::Adjustment {
                index,
                reason: a.reason.clone(),
                evidence: a.evidence.clone(),
                approved_by: a.approved_by.clone(),
            },
        });
    }
    let over = |sum: Points, cap: Option<f64>| {
        cap.map(Points::of)
            .filter(|c| sum > *c)
            .map(|c| sum - c)
            .unwrap_or(Points::ZERO)
    };
    let (over_bonus, over_cut) = (over(bonus, cr.bonus_cap), over(cut, cr.deduction_cap));
    if over_bonus != Points::ZERO {
        lines.push(Line {
            points: -over_bonus,
            met: None,
            basis: Basis::Cap,
        });
    }
    if over_cut != Points::ZERO {
        lines.push(Line {
            points: over_cut,
            met: None,
            basis: Basis::Cap,
        });
    }
    if lines.is_empty() {
        lines.push(Line {
            points: Points::ZERO,
            met: None,
            basis: Basis::NothingDue,
        });
    }
    lines
}
