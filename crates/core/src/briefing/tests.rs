use super::*;

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

#[test]
fn periods_of_every_cadence_read_and_span() {
    let cases = [
        ("2019-W35", BriefCadence::Weekly, "2019-08-26", "2019-09-01"),
        ("2020-W01", BriefCadence::Weekly, "2019-12-30", "2020-01-05"),
        ("2020-W53", BriefCadence::Weekly, "2020-12-28", "2021-01-03"),
        ("2019-08", BriefCadence::Monthly, "2019-08-01", "2019-08-31"),
        ("2020-02", BriefCadence::Monthly, "2020-02-01", "2020-02-29"),
        (
            "2019-Q3",
            BriefCadence::Quarterly,
            "2019-07-01",
            "2019-09-30",
        ),
        (
            "2019-Q4",
            BriefCadence::Quarterly,
            "2019-10-01",
            "2019-12-31",
        ),
        ("2019", BriefCadence::Annual, "2019-01-01", "2019-12-31"),
    ];
    for (s, c, first, last) in cases {
        let p = BriefPeriod::parse(s, None).unwrap();
        assert_eq!(p.cadence(), c, "{s}");
        assert_eq!(p.to_string(), s);
        assert_eq!(p.first_day(), d(first), "{s}");
        assert_eq!(p.last_day(), d(last), "{s}");
        assert_eq!(p.next().previous(), p, "{s}");
        assert_eq!(
            p.previous().last_day() + Duration::days(1),
            p.first_day(),
            "{s}"
        );
        assert_eq!(BriefPeriod::parse(s, Some(c)).unwrap(), p);
        assert_eq!(BriefPeriod::containing(c, p.last_day()), p);
    }
}

#[test]
fn bad_periods_and_a_cadence_that_disagrees_are_refused() {
    for s in [
        "", "19", "2019-13", "2019-Q5", "2019-W54", "2019-W1", "2019-W00", "1899", "2019-8", "abcd",
    ] {
        assert!(
            matches!(BriefPeriod::parse(s, None), Err(BriefPeriodError::Form(_))),
            "{s}"
        );
    }
    // 2019 has 52 ISO weeks; 2020 has 53.
    assert!(BriefPeriod::parse("2019-W53", None).is_err());
    let e = BriefPeriod::parse("2019-Q3", Some(BriefCadence::Monthly)).unwrap_err();
    assert_eq!(
        e.to_string(),
        "`2019-Q3` is a quarterly period, but the cadence asked for is monthly"
    );
}

#[test]
fn a_briefing_is_taken_on_its_last_day_unless_later_and_never_in_the_future() {
    let p = BriefPeriod::parse("2019-Q3", None).unwrap();
    let today = d("2020-06-30");
    assert_eq!(as_of_day(p, None, today), Ok(d("2019-09-30")));
    assert_eq!(
        as_of_day(p, Some(d("2019-10-15")), today),
        Ok(d("2019-10-15"))
    );
    assert_eq!(
        as_of_day(p, Some(d("2019-09-29")), today),
        Err(AsOfError::BeforeEnd {
            end: d("2019-09-30")
        })
    );
    let q = BriefPeriod::parse("2020-Q3", None).unwrap();
    assert!(matches!(
        as_of_day(q, None, today),
        Err(AsOfError::Future { .. })
    ));
    // The period that ends today can be briefed today.
    let june = BriefPeriod::parse("2020-06", None).unwrap();
    assert_eq!(as_of_day(june, None, today), Ok(today));
}

#[test]
fn the_text_holds_every_block_in_order() {
    let b = Brief {
        lang: "zh".into(),
        plan: "p".into(),
        period: BriefPeriod::parse("2019-Q3", None).unwrap(),
        cadence: BriefCadence::Quarterly,
        as_of: d("2019-09-30"),
        since: d("2019-06-30"),
        title: "简报".into(),
        subtitle: "2019年第三季度".into(),
        issued: "推进办".into(),
        contents: "目录".into(),
        sections: vec![Section {
            id: "overview".into(),
            heading: "一、总体".into(),
            blocks: vec![
                Block::Para {
                    text: "段落".into(),
                },
                Block::Figures {
                    items: vec![("总体进度".into(), "41.0%".into())],
                },
                Block::Table(Table {
                    head: vec!["事项".into(), "进度".into()],
                    rows: vec![vec!["A1".into(), "50%".into()]],
                    numeric: vec![false, true],
                }),
                Block::Chart(Chart {
                    caption: "图1".into(),
                    alt: "说明".into(),
                    svg: "<svg/>".into(),
                }),
            ],
        }],
    };
    assert_eq!(
        b.text(),
        "简报\n2019年第三季度\n推进办\n\n一、总体\n段落\n总体进度\t41.0%\n事项\t进度\nA1\t50%\n图1\n说明\n"
    );
    assert_eq!(b.file_stem(), "p-2019-Q3-quarterly");
}
