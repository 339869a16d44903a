//! The forecasts checked against numbers computed independently with numpy and scipy
//! (`crates/core/tests/forecast/fixtures.py`, its output checked in beside it).

use super::*;
use crate::indicator::{CountingBasis, Frequency, IndicatorTarget, PathKind};
use crate::{Code, Text};
use serde_json::Value;

const EXPECTED: &str = include_str!("../../tests/forecast/expected.json");

fn indicator(direction: Direction, targets: Vec<IndicatorTarget>) -> Indicator {
    Indicator {
        code: Code::parse("x").unwrap(),
        name: Text::new("指标", "Indicator"),
        unit: "km".into(),
        direction,
        frequency: Frequency::Annual,
        baseline_year: None,
        baseline: None,
        targets,
        owner: None,
        scope: String::new(),
        public: true,
        basis: CountingBasis::Cumulative,
        publication_lag: None,
        path: PathKind::Linear,
        points: Vec::new(),
        source: String::new(),
    }
}

fn day(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

fn close(a: f64, b: f64, what: &str) {
    let tol = 1e-6 * a.abs().max(b.abs()).max(1e-3);
    assert!((a - b).abs() <= tol, "{what}: {a} ≠ {b}");
}

fn num(v: &Value) -> f64 {
    v.as_f64().unwrap()
}

#[test]
fn forecasts_match_an_independent_computation() {
    let cases: Vec<Value> = serde_json::from_str(EXPECTED).unwrap();
    assert!(cases.len() >= 5);
    for c in &cases {
        let case = &c["case"];
        let name = case["name"].as_str().unwrap();
        let direction = Direction::parse(case["direction"].as_str().unwrap()).unwrap();
        let targets = case["targets"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| IndicatorTarget {
                year: t["year"].as_i64().unwrap() as i32,
                value: num(&t["value"]),
            })
            .collect();
        let points: Vec<(NaiveDate, f64)> = case["points"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| (day(p[0].as_str().unwrap()), num(&p[1])))
            .collect();
        let f = forecast(&indicator(direction, targets), &points);
        let Forecast::Made {
            chosen,
            fits,
            t_quantile,
            projections,
            log_linear_skipped,
            ..
        } = f
        else {
            panic!("{name}: no forecast");
        };
        assert_eq!(chosen.as_str(), c["chosen"].as_str().unwrap(), "{name}");
        close(t_quantile, num(&c["t_quantile"]), name);
        let want_fits = c["fits"].as_array().unwrap();
        assert_eq!(fits.len(), want_fits.len(), "{name}");
        assert_eq!(log_linear_skipped.is_some(), fits.len() == 1, "{name}");
        for (got, want) in fits.iter().zip(want_fits) {
            assert_eq!(got.model.as_str(), want["model"].as_str().unwrap());
            for (field, v) in [
                ("intercept", got.intercept),
                ("slope", got.slope),
                ("residual_sd", got.residual_sd),
                ("r_squared", got.r_squared),
            ] {
                close(v, num(&want[field]), &format!("{name} {field}"));
            }
            // The sum of squared errors of a near-perfect line is rounding noise.
            let sse = num(&want["sse"]);
            assert!((got.sse - sse).abs() <= 1e-6 * sse.max(1.0), "{name} sse");
        }
        let want_p = c["projections"].as_array().unwrap();
        assert_eq!(projections.len(), want_p.len(), "{name}");
        for (got, want) in projections.iter().zip(want_p) {
            assert_eq!(i64::from(got.year), want["year"].as_i64().unwrap());
            close(got.value, num(&want["value"]), &format!("{name} value"));
            close(got.low, num(&want["low"]), &format!("{name} low"));
            close(got.high, num(&want["high"]), &format!("{name} high"));
            let p = got.probability.unwrap();
            assert!(
                (p - num(&want["probability"])).abs() < 1e-6,
                "{name} probability {p}"
            );
        }
    }
}

#[test]
fn too_few_figures_make_no_forecast() {
    let ind = indicator(
        Direction::Increase,
        vec![IndicatorTarget {
            year: 2020,
            value: 1.0,
        }],
    );
    assert_eq!(
        forecast(&ind, &[]),
        Forecast::TooFew {
            points: 0,
            needed: 3
        }
    );
    // Three figures, two on one day: two days to draw a line through is not a trend.
    let two_days = [
        (day("2018-12-31"), 1.0),
        (day("2018-12-31"), 1.1),
        (day("2019-12-31"), 2.0),
    ];
    assert_eq!(
        forecast(&ind, &two_days),
        Forecast::TooFew {
            points: 2,
            needed: 3
        }
    );
}

#[test]
fn a_perfect_line_is_certain_and_a_value_target_has_no_chance_stated() {
    let points = [
        (day("2017-12-31"), 10.0),
        (day("2018-12-31"), 20.0),
        (day("2019-12-31"), 30.0),
    ];
    let t = |v: f64| IndicatorTarget {
        year: 2020,
        value: v,
    };
    let chance = |ind: &Indicator| match forecast(ind, &points) {
        Forecast::Made { projections, .. } => projections[0].probability,
        other => panic!("{other:?}"),
    };
    // 40 on 2020-12-31 on the line (10 a year), exactly.
    assert_eq!(
        chance(&indicator(Direction::Increase, vec![t(39.0)])),
        Some(1.0)
    );
    assert_eq!(
        chance(&indicator(Direction::Increase, vec![t(45.0)])),
        Some(0.0)
    );
    assert_eq!(
        chance(&indicator(Direction::Decrease, vec![t(45.0)])),
        Some(1.0)
    );
    assert_eq!(chance(&indicator(Direction::Target, vec![t(40.0)])), None);
    // A target year already past is not projected.
    let past = indicator(
        Direction::Increase,
        vec![IndicatorTarget {
            year: 2019,
            value: 30.0,
        }],
    );
    match forecast(&past, &points) {
        Forecast::Made { projections, .. } => assert!(projections.is_empty()),
        other => panic!("{other:?}"),
    }
}
