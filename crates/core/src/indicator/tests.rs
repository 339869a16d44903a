//! Tests of indicator paths, attainment and filing.

mod attainment_tests {
    use super::super::*;

    fn d(y: i32, m: u32, day: u32) -> chrono::NaiveDate {
        chrono::NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    /// G2020.3 of the demo: GDP 10,143 亿元 in 2018 and 11,589.7 in 2019 against a target of
    /// 10,000 by 2020: achieved, on the day the 2018 figure stands for.
    #[test]
    fn a_goal_is_achieved_when_a_figure_first_meets_its_target() {
        let gdp = Indicator {
            code: Code::parse("gdp").unwrap(),
            name: Text::new("地区生产总值", "GDP"),
            unit: "亿元".into(),
            direction: Direction::Increase,
            frequency: Frequency::Annual,
            baseline_year: Some(2016),
            baseline: Some(8114.0),
            targets: vec![IndicatorTarget {
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
        let m = Measures {
            indicators: [(
                "gdp".to_string(),
                (
                    gdp,
                    [
                        ("2019", d(2019, 12, 31), 11589.7),
                        ("2017", d(2017, 12, 31), 9130.2),
                        ("2018", d(2018, 12, 31), 10143.3),
                    ]
                    .into_iter()
                    .map(|(period, on, value)| Figure {
                        period: period.into(),
                        on,
                        value,
                        known: on,
                    })
                    .collect(),
                ),
            )]
            .into(),
        };
        let target = crate::Target {
            value: 10000.0,
            unit: "亿元".into(),
            by: Some(d(2020, 12, 31)),
            indicator: Some(Code::parse("gdp").unwrap()),
        };
        assert_eq!(
            m.attainment(&target, d(2020, 6, 30)),
            Some(Attainment::Achieved {
                on: d(2018, 12, 31),
                value: 10143.3
            })
        );
        // As it stood in mid-2018: on its way, with only the 2017 figure known.
        assert!(matches!(
            m.attainment(&target, d(2018, 6, 30)),
            Some(Attainment::Towards { value, .. }) if value == 9130.2
        ));
        assert_eq!(
            m.attainment(&target, d(2017, 6, 30)),
            Some(Attainment::NoFigure)
        );
        let unmeasured = crate::Target {
            indicator: None,
            ..target
        };
        assert_eq!(m.attainment(&unmeasured, d(2020, 6, 30)), None);
    }
}

mod path_tests {
    use super::super::*;

    fn metro() -> Indicator {
        Indicator {
            code: Code::parse("metro_km").unwrap(),
            name: Text::new("地铁运营里程", "Metro in operation"),
            unit: "km".into(),
            direction: Direction::Increase,
            frequency: Frequency::Annual,
            baseline_year: Some(2017),
            baseline: Some(100.0),
            targets: vec![IndicatorTarget {
                year: 2020,
                value: 400.0,
            }],
            owner: None,
            scope: String::new(),
            public: true,
            basis: Default::default(),
            publication_lag: None,
            path: Default::default(),
            points: Vec::new(),
            source: String::new(),
        }
    }

    fn d(y: i32, m: u32, day: u32) -> chrono::NaiveDate {
        chrono::NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn the_path_runs_from_the_baseline_to_the_targets() {
        let m = metro();
        assert_eq!(m.expected_at(d(2017, 6, 30)), None, "before the baseline");
        assert_eq!(m.expected_at(d(2017, 12, 31)), Some(100.0));
        let mid = m.expected_at(d(2019, 7, 2)).unwrap();
        assert!((mid - 250.0).abs() < 1.0, "{mid}");
        assert_eq!(
            m.expected_at(d(2022, 1, 1)),
            Some(400.0),
            "the last target holds after"
        );
        // 150 when 250 was due: 100 behind on a 300 way, a third.
        let g = m.gap(150.0, d(2019, 7, 2)).unwrap();
        assert!((g - 33.3).abs() < 0.5, "{g}");
        assert!(m.gap(260.0, d(2019, 7, 2)).unwrap() < 0.0, "ahead");
        // Falling indicators: above the path is behind.
        let mut down = metro();
        down.direction = Direction::Decrease;
        down.baseline = Some(400.0);
        down.targets = vec![IndicatorTarget {
            year: 2020,
            value: 100.0,
        }];
        assert!(down.gap(350.0, d(2019, 7, 2)).unwrap() > 30.0);
        // Severity by the plan's thresholds, in % of the way: 10 % behind is at risk (medium),
        // 33 % off track (high), on the path nothing.
        use crate::warning::{Severity, indicator_condition};
        let t = crate::Thresholds::default();
        let on = d(2019, 7, 2);
        let at = |v: f64| indicator_condition(&m, v, on, t).map(|c| c.severity);
        assert_eq!(at(220.0), Some(Severity::Medium));
        assert_eq!(at(150.0), Some(Severity::High));
        assert_eq!(at(250.0), None);
        // No baseline, no path.
        let mut none = metro();
        none.baseline = None;
        assert_eq!(none.gap(1.0, d(2019, 1, 1)), None);
    }
}

mod filing_tests {
    use super::super::*;
    use crate::problem::{Refusal, Rule};
    use chrono::NaiveDate;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn gdp(frequency: Frequency) -> Indicator {
        Indicator {
            code: Code::parse("GDP").unwrap(),
            name: Text::new("地区生产总值", "GDP"),
            unit: "亿元".into(),
            direction: Direction::Increase,
            frequency,
            baseline_year: Some(2016),
            baseline: Some(8025.3),
            targets: vec![IndicatorTarget {
                year: 2020,
                value: 10000.0,
            }],
            owner: Some(Code::parse("TJJ").unwrap()),
            scope: "全市".into(),
            public: true,
            basis: Default::default(),
            publication_lag: None,
            path: Default::default(),
            points: Vec::new(),
            source: String::new(),
        }
    }

    fn rules(r: Result<NaiveDate, Refusal>) -> Vec<Rule> {
        match r {
            Ok(_) => Vec::new(),
            Err(Refusal::Invalid(ps)) => ps.iter().map(|p| p.rule).collect(),
            Err(Refusal::Conflict(p) | Refusal::Forbidden(p)) => vec![p.rule],
        }
    }

    #[test]
    fn periods_follow_the_indicators_frequency() {
        assert_eq!(period_end(Frequency::Annual, "2019"), Some(d("2019-12-31")));
        assert_eq!(period_end(Frequency::Annual, "2019-12"), None);
        assert_eq!(
            period_end(Frequency::Quarterly, "2019-Q3"),
            Some(d("2019-09-30"))
        );
        assert_eq!(period_end(Frequency::Quarterly, "2019-09"), None);
        assert_eq!(
            period_end(Frequency::Monthly, "2019-02"),
            Some(d("2019-02-28"))
        );
        assert_eq!(period_end(Frequency::Monthly, "2019"), None);
        for bad in ["", "19", "20190", "1899", "2019-13", "2019-Q5", "２０１９"] {
            for f in [Frequency::Annual, Frequency::Quarterly, Frequency::Monthly] {
                assert_eq!(period_end(f, bad), None, "{bad} {f:?}");
            }
        }
    }

    #[test]
    fn only_the_owner_files_for_an_ended_period_with_a_source() {
        let ind = gdp(Frequency::Annual);
        let tjj = Code::parse("TJJ").unwrap();
        let other = Code::parse("FGW").unwrap();
        let fig = |period: &str, value: f64, source: &str| FiledFigure {
            period: period.into(),
            value,
            source: source.into(),
            ..Default::default()
        };
        let today = d("2020-06-30");
        let ok = fig("2019", 11589.7, "2019年郑州市国民经济和社会发展统计公报");
        assert_eq!(
            check_filed(&ind, Some(&tjj), &ok, today),
            Ok(d("2019-12-31"))
        );
        // The office files on the owner's behalf.
        assert_eq!(check_filed(&ind, None, &ok, today), Ok(d("2019-12-31")));
        assert_eq!(
            rules(check_filed(&ind, Some(&other), &ok, today)),
            [Rule::FigureNotOwner]
        );
        assert_eq!(
            rules(check_filed(&ind, Some(&tjj), &fig("2020", 1.0, "x"), today)),
            [Rule::FigurePeriodNotOver]
        );
        assert_eq!(
            rules(check_filed(
                &ind,
                Some(&tjj),
                &fig("2019-Q4", f64::NAN, " "),
                today
            )),
            [Rule::FigurePeriod, Rule::NotANumber, Rule::Required]
        );
        assert_eq!(
            rules(check_filed(
                &ind,
                Some(&tjj),
                &fig("2019", 1.0, "a\u{0}b"),
                today
            )),
            [Rule::ControlCharacter]
        );
        // A figure stated in another unit, scope or basis is refused, each named.
        let mixed = FiledFigure {
            unit: Some("万元".into()),
            scope: Some("郑州航空港区".into()),
            basis: Some("per_period".into()),
            ..ok.clone()
        };
        assert_eq!(
            rules(check_filed(&ind, Some(&tjj), &mixed, today)),
            [
                Rule::FigureUnitMismatch,
                Rule::FigureScopeMismatch,
                Rule::FigureBasisMismatch
            ]
        );
        let same = FiledFigure {
            unit: Some("亿元".into()),
            scope: Some("全市".into()),
            basis: Some("cumulative".into()),
            ..ok.clone()
        };
        assert_eq!(
            check_filed(&ind, Some(&tjj), &same, today),
            Ok(d("2019-12-31"))
        );
    }
}

mod path_kinds {
    use super::super::*;

    fn d(s: &str) -> chrono::NaiveDate {
        chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn gdp(path: PathKind, points: Vec<PathPoint>) -> Indicator {
        Indicator {
            code: Code::parse("gdp").unwrap(),
            name: Text::new("地区生产总值", "GDP"),
            unit: "亿元".into(),
            direction: Direction::Increase,
            frequency: Frequency::Annual,
            baseline_year: Some(2016),
            baseline: Some(8000.0),
            targets: vec![IndicatorTarget {
                year: 2020,
                value: 10000.0,
            }],
            owner: None,
            scope: String::new(),
            public: true,
            basis: CountingBasis::PerPeriod,
            publication_lag: None,
            path,
            points,
            source: String::new(),
        }
    }

    /// 8,000 at the end of 2016 to 10,000 at the end of 2020: halfway in time (the end of
    /// 2018, 730 of 1,461 days) a straight line is at 8,999.3, constant growth at
    /// 8000 × 1.25^(730/1461) = 8,943.5; the plan's own point of 8,600 there is the path.
    #[test]
    fn linear_compound_and_explicit_points() {
        let mid = d("2018-12-31");
        let linear = gdp(PathKind::Linear, vec![]).expected_at(mid).unwrap();
        assert!((linear - 8999.3).abs() < 0.1, "{linear}");
        let compound = gdp(PathKind::Compound, vec![]).expected_at(mid).unwrap();
        let by_hand = 8000.0 * 1.25f64.powf(730.0 / 1461.0);
        assert!((compound - by_hand).abs() < 1e-6, "{compound} {by_hand}");
        assert!((compound - 8943.5).abs() < 0.1, "{compound}");
        let point = PathPoint {
            on: mid,
            value: 8600.0,
        };
        let pts = gdp(PathKind::Points, vec![point]);
        assert_eq!(pts.expected_at(mid), Some(8600.0));
        let q = pts.expected_at(d("2019-12-31")).unwrap();
        assert!(
            (q - 9300.0).abs() < 1.0,
            "between the point and the target: {q}"
        );
        // Points are ignored by the other kinds.
        assert_eq!(
            gdp(PathKind::Linear, vec![point]).expected_at(mid),
            Some(linear)
        );
        // The gap as read: 8,800 at mid-path is 199.3 below the line, 2.2 % of it.
        let g = gdp(PathKind::Linear, vec![]).gap_now(8800.0, mid).unwrap();
        assert!((g.absolute + 199.3).abs() < 0.1 && g.behind, "{g:?}");
        assert!((g.relative.unwrap() + 2.21).abs() < 0.01, "{g:?}");
        // Constant growth needs both ends above zero; otherwise the straight line.
        let mut zero = gdp(PathKind::Compound, vec![]);
        zero.baseline = Some(0.0);
        let z = zero.expected_at(mid).unwrap();
        assert!((z - 10000.0 * 730.0 / 1461.0).abs() < 1e-6, "{z}");
    }

    /// Cumulative: what is built stays built, met by the first figure that met it. Per
    /// period: a year that falls back below undoes it (passengers in 2020 after 2018).
    #[test]
    fn a_per_period_target_is_met_by_the_latest_run_of_figures() {
        let mut g = gdp(PathKind::Linear, vec![]);
        let known = [
            (d("2017-12-31"), 9000.0),
            (d("2018-12-31"), 10143.0),
            (d("2019-12-31"), 11589.7),
        ];
        assert_eq!(g.met_by(&known, 10000.0), Some(known[1]));
        let fell = [known[0], known[1], (d("2020-12-31"), 9500.0)];
        assert_eq!(g.met_by(&fell, 10000.0), None);
        g.basis = CountingBasis::Cumulative;
        assert_eq!(g.met_by(&fell, 10000.0), Some(known[1]));
        // Aimed at a value: behind means farther from it than the path.
        let mut t = gdp(PathKind::Linear, vec![]);
        t.direction = Direction::Target;
        t.baseline = Some(3.0);
        t.targets = vec![IndicatorTarget {
            year: 2020,
            value: 5.0,
        }];
        let on = d("2018-12-31");
        let expected = t.expected_at(on).unwrap();
        assert!(
            !t.gap_now(expected + 0.3, on).unwrap().behind,
            "closer to 5"
        );
        assert!(
            t.gap_now(expected - 0.3, on).unwrap().behind,
            "farther from 5"
        );
    }

    #[test]
    fn publication_lag_by_frequency_unless_set() {
        let mut g = gdp(PathKind::Linear, vec![]);
        assert_eq!(g.lag_days(), 60);
        assert_eq!(g.due_on(d("2019-12-31")), d("2020-02-29"));
        g.publication_lag = Some(20);
        assert_eq!(g.due_on(d("2019-12-31")), d("2020-01-20"));
        g.publication_lag = None;
        g.frequency = Frequency::Monthly;
        assert_eq!(g.lag_days(), 15);
        assert_eq!(Frequency::Quarterly.period_of(d("2019-08-01")), "2019-Q3");
        assert_eq!(Frequency::Monthly.period_of(d("2019-08-01")), "2019-08");
        assert_eq!(Frequency::Annual.period_of(d("2019-08-01")), "2019");
    }
}
