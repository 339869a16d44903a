//! The plan file: reading, every error class located at line:column, and the round trip.

use tuijin_core::text::Lang;
use tuijin_export::{read_plan, write_plan};

fn fixture(name: &str) -> String {
    let path = format!("{}/../../tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

#[test]
fn small_plan_reads() {
    let doc = read_plan("small.toml", &fixture("small.toml")).expect("valid");
    assert_eq!(doc.plan.code.as_str(), "demo-small");
    assert_eq!(doc.items.len(), 4);
    assert_eq!(doc.units.len(), 3);
    let e11 = doc
        .items
        .iter()
        .find(|i| i.code.as_str() == "E1.1")
        .unwrap();
    assert_eq!(e11.weight.value(), 2.0);
    assert_eq!(e11.extra.trajectory.len(), 2);
    let t = e11.extra.target.as_ref().unwrap();
    assert_eq!((t.value, t.unit.as_str()), (300.0, "km"));
    assert_eq!(doc.indicators[0].targets[0].value, 300.0);
}

#[test]
fn write_then_read_gives_the_same_document() {
    let doc = read_plan("small.toml", &fixture("small.toml")).unwrap();
    let text = write_plan(&doc);
    let again = read_plan("export.toml", &text).unwrap_or_else(|e| panic!("{e}\n{text}"));
    assert_eq!(doc, again);
    assert_eq!(text, write_plan(&again), "the canonical layout is stable");
}

/// (line, column, class) for every problem of a file.
fn problems(src: &str) -> Vec<(usize, usize, &'static str)> {
    let errs = read_plan("bad.toml", src).expect_err("invalid");
    errs.problems
        .iter()
        .map(|p| (p.line, p.column, p.class))
        .collect()
}

#[test]
fn every_error_class_is_reported_at_its_place_at_once() {
    let got = problems(&fixture("bad.toml"));
    let expected = vec![
        (7, 1, "unknown_field"),
        (14, 8, "duplicate_code"),
        (21, 10, "unknown_parent"),
        (28, 7, "due_before_start"),
        (29, 8, "unknown_unit"),
        (30, 10, "weight_not_positive"),
        (34, 8, "kind_not_allowed"),
        (35, 10, "cycle"),
        (44, 1, "missing_chinese_title"),
        (50, 8, "duplicate_code"),
    ];
    assert_eq!(got, expected);
}

/// Problems found after reading point into lists and nested tables: the element of `co`, the
/// unit of the second share, a target's indicator.
#[test]
fn problems_inside_lists_and_tables_are_located_at_the_element() {
    let src = format!(
        "{HEAD}\n[[unit]]\ncode = \"A\"\nname = \"甲\"\nkind = \"department\"\n\n\
         [[item]]\ncode = \"T1\"\nkind = \"task\"\ntitle = \"任务\"\nlead = \"A\"\n\
         co = [\"A\", \"NOPE\"]\n\
         shares = [{{ unit = \"A\", share = 50 }}, {{ unit = \"GONE\", share = 50 }}]\n\
         target = {{ value = 3, unit = \"km\", indicator = \"none\" }}\n"
    );
    let got = problems(&src);
    let at = |needle: &str| {
        let offset = src.find(needle).unwrap();
        let line = src[..offset].matches('\n').count() + 1;
        let column = offset - src[..offset].rfind('\n').map_or(0, |n| n + 1) + 1;
        (line, column)
    };
    let places: Vec<(usize, usize)> = got.iter().map(|p| (p.0, p.1)).collect();
    for needle in ["\"NOPE\"", "{ unit = \"GONE\"", "\"none\""] {
        assert!(
            places.contains(&at(needle)),
            "{needle} at {:?}, got {got:?}\n{src}",
            at(needle)
        );
    }
}

#[test]
fn messages_name_the_file_place_and_fix_in_both_languages() {
    let errs = read_plan("bad.toml", &fixture("bad.toml")).unwrap_err();
    let en = errs.render(Lang::En);
    assert!(
        en.contains("bad.toml:21:10: unknown parent code `NOPE`"),
        "{en}"
    );
    assert!(
        en.contains("unknown field `colour`; expected one of: code, title"),
        "{en}"
    );
    let zh = errs.render(Lang::Zh);
    assert!(
        zh.contains("bad.toml:21:10: 上级编码 `NOPE` 不存在"),
        "{zh}"
    );
}

fn check_one(src: &str, class: &str) {
    let got = problems(src);
    assert!(
        got.iter().any(|p| p.2 == class),
        "expected {class}, got {got:?}\n{src}"
    );
}

const HEAD: &str = "[plan]\ncode = \"p\"\ntitle = \"规划\"\nstart = 2017-01-01\nend = 2020-12-31\n";

#[test]
fn each_class_on_its_own() {
    check_one("[plan\ncode=1", "syntax");
    check_one(
        "[plan]\ntitle = \"x\"\nstart = 2017-01-01\nend = 2018-01-01\n",
        "missing_field",
    );
    check_one(
        &format!("{HEAD}[[item]]\ncode = \"A\"\nkind = \"task\"\ntitle = 3\n"),
        "wrong_type",
    );
    check_one(
        &format!("{HEAD}[[item]]\ncode = \"A B\"\nkind = \"task\"\ntitle = \"x\"\n"),
        "bad_value",
    );
    check_one(
        &format!("{HEAD}[[item]]\ncode = \"A\"\nkind = \"aim\"\ntitle = \"x\"\n"),
        "bad_value",
    );
    check_one(
        &format!(
            "{HEAD}[[item]]\ncode = \"A\"\nkind = \"task\"\ntitle = \"x\"\nstart = \"2017-02-30\"\n"
        ),
        "bad_value",
    );
    check_one(
        &format!("{HEAD}[[item]]\ncode = \"M\"\nkind = \"milestone\"\ntitle = \"x\"\n"),
        "kind_not_allowed",
    );
    check_one(
        &format!(
            "{HEAD}[[item]]\ncode = \"A\"\nkind = \"task\"\ntitle = \"x\"\nleader = \"nobody\"\n"
        ),
        "unknown_person",
    );
    check_one(
        &format!(
            "{HEAD}[[item]]\ncode = \"A\"\nkind = \"task\"\ntitle = \"x\"\nsupports = [\"Z\"]\n"
        ),
        "unknown_item",
    );
    check_one(
        &format!(
            "{HEAD}[[item]]\ncode = \"A\"\nkind = \"task\"\ntitle = \"x\"\ntarget = {{ value = 1, indicator = \"q\" }}\n"
        ),
        "unknown_indicator",
    );
    check_one(
        &format!(
            "{HEAD}[[item]]\ncode = \"A\"\nkind = \"task\"\ntitle = \"x\"\ntrajectory = [{{ date = 2019-01-01, percent = 50 }}, {{ date = 2018-01-01, percent = 60 }}]\n"
        ),
        "trajectory_out_of_order",
    );
    check_one(
        &format!(
            "{HEAD}[[item]]\ncode = \"A\"\nkind = \"task\"\ntitle = \"x\"\ntrajectory = [{{ date = 2019-01-01, percent = 101 }}]\n"
        ),
        "bad_value",
    );
    check_one(
        &format!(
            "{HEAD}[[indicator]]\ncode = \"g\"\nname = \"GDP\"\ntargets = [{{ year = 2020, value = 1 }}, {{ year = 2020, value = 2 }}]\n"
        ),
        "duplicate_target_year",
    );
    check_one(
        &format!(
            "{HEAD}[[unit]]\ncode = \"A\"\nname = \"甲\"\nparent = \"B\"\n[[unit]]\ncode = \"B\"\nname = \"乙\"\nparent = \"A\"\n"
        ),
        "cycle",
    );
}

/// Plans that would load but whose figures would mislead, and the limits of the storage.
#[test]
fn plans_that_would_mislead_are_refused_each_with_its_class() {
    let task = |extra: &str| {
        format!("{HEAD}[[item]]\ncode = \"A\"\nkind = \"task\"\ntitle = \"甲\"\n{extra}")
    };
    // A child's dates outside its parent's.
    check_one(
        &format!(
            "{}[[item]]\ncode = \"B\"\nkind = \"task\"\ntitle = \"乙\"\nparent = \"A\"\nstart = 2018-01-01\ndue = 2020-06-30\n",
            task("start = 2018-01-01\ndue = 2019-12-31\n")
        ),
        "outside_parent_dates",
    );
    // Dates outside the plan's horizon (2017–2020).
    check_one(
        &task("start = 2018-01-01\ndue = 2021-03-31\n"),
        "outside_plan",
    );
    // A target dated after the plan's end.
    check_one(
        &task("due = 2020-12-31\ntarget = { value = 300, unit = \"km\", by = 2099-12-31 }\n"),
        "outside_plan",
    );
    // Trajectory points outside the item's dates, or on them.
    check_one(
        &task(
            "start = 2018-01-01\ndue = 2019-12-31\ntrajectory = [{ date = 2020-06-30, percent = 50 }]\n",
        ),
        "trajectory_outside_dates",
    );
    check_one(
        &task(
            "start = 2018-01-01\ndue = 2019-12-31\ntrajectory = [{ date = 2018-01-01, percent = 10 }]\n",
        ),
        "trajectory_outside_dates",
    );
    // A manual rollup on a leaf: its reports would be accepted and ignored.
    check_one(
        &task("rollup = \"manual\"\nmanual = { percent = 4, reason = \"r\" }\n"),
        "manual_on_leaf",
    );
    // Unit shares: each unit the lead or a co-operating one, once, the lead's included, adding
    // up to 100, and only on an item that takes reports.
    let units = "[[unit]]\ncode = \"L\"\nname = \"牵头\"\n[[unit]]\ncode = \"C\"\nname = \"配合\"\n[[unit]]\ncode = \"O\"\nname = \"其他\"\n";
    let shared = |shares: &str| {
        format!(
            "{HEAD}{units}[[item]]\ncode = \"A\"\nkind = \"task\"\ntitle = \"甲\"\nlead = \"L\"\nco = [\"C\"]\nshares = [{shares}]\n"
        )
    };
    check_one(
        &shared("{ unit = \"L\", share = 60 }, { unit = \"O\", share = 40 }"),
        "share_not_responsible",
    );
    check_one(
        &shared("{ unit = \"L\", share = 50 }, { unit = \"L\", share = 50 }"),
        "share_twice",
    );
    check_one(
        &shared("{ unit = \"L\", share = 60 }, { unit = \"C\", share = 30 }"),
        "shares_sum",
    );
    check_one(
        &shared("{ unit = \"C\", share = 100 }"),
        "shares_without_lead",
    );
    check_one(
        &format!(
            "{HEAD}{units}[[item]]\ncode = \"A\"\nkind = \"task\"\ntitle = \"甲\"\n[[item]]\ncode = \"M\"\nkind = \"milestone\"\nparent = \"A\"\ntitle = \"节点\"\nlead = \"L\"\nco = [\"C\"]\ndue = 2018-06-30\nshares = [{{ unit = \"L\", share = 50 }}, {{ unit = \"C\", share = 50 }}]\n"
        ),
        "shares_on_milestone",
    );
    check_one(
        &format!(
            "{HEAD}{units}[[item]]\ncode = \"A\"\nkind = \"task\"\ntitle = \"甲\"\nlead = \"L\"\nco = [\"C\", \"C\"]\n"
        ),
        "co_twice",
    );
    check_one(
        &format!(
            "{HEAD}{units}[[item]]\ncode = \"A\"\nkind = \"task\"\ntitle = \"甲\"\nlead = \"L\"\nco = [\"L\"]\n"
        ),
        "co_twice",
    );
    check_one(
        &format!(
            "{}[[item]]\ncode = \"B\"\nkind = \"project\"\ntitle = \"乙\"\nparent = \"A\"\n",
            shared("{ unit = \"L\", share = 100 }")
        ),
        "shares_on_parent",
    );
    // A milestone with a start date would be judged linearly and look late long before it is.
    check_one(
        &format!(
            "{}[[item]]\ncode = \"M\"\nkind = \"milestone\"\ntitle = \"节点\"\nparent = \"A\"\nstart = 2018-01-01\ndue = 2018-06-30\n",
            task("")
        ),
        "milestone_with_start",
    );
    // An indicator whose targets run against its direction.
    check_one(
        &format!(
            "{HEAD}[[indicator]]\ncode = \"g\"\nname = \"GDP\"\nunit = \"亿元\"\ndirection = \"increase\"\nbaseline = 9000\nbaseline_year = 2016\ntargets = [{{ year = 2020, value = 8000 }}]\n"
        ),
        "direction_contradicts_targets",
    );
    // A target in another unit than its indicator's.
    check_one(
        &format!(
            "{HEAD}[[indicator]]\ncode = \"m\"\nname = \"地铁\"\nunit = \"km\"\n{}",
            "[[item]]\ncode = \"A\"\nkind = \"task\"\ntitle = \"甲\"\ntarget = { value = 300, unit = \"公里\", indicator = \"m\" }\n"
        ),
        "target_unit_mismatch",
    );
    // Supports links in a circle, and an item supporting its own ancestor.
    check_one(
        &format!(
            "{HEAD}[[item]]\ncode = \"A\"\nkind = \"task\"\ntitle = \"甲\"\nsupports = [\"B\"]\n[[item]]\ncode = \"B\"\nkind = \"task\"\ntitle = \"乙\"\nsupports = [\"A\"]\n"
        ),
        "supports_cycle",
    );
    check_one(
        &format!(
            "{}[[item]]\ncode = \"B\"\nkind = \"task\"\ntitle = \"乙\"\nparent = \"A\"\nsupports = [\"A\"]\n",
            task("")
        ),
        "supports_own_ancestor",
    );
    // Control characters in text; an unknown time zone.
    check_one(
        &format!("{HEAD}[[item]]\ncode = \"A\"\nkind = \"task\"\ntitle = \"甲\\u0000\"\n"),
        "control_character",
    );
    check_one(
        &HEAD.replace(
            "end = 2020-12-31\n",
            "end = 2020-12-31\ntimezone = \"Mars/Olympus\"\n",
        ),
        "unknown_time_zone",
    );
    // Settings the file and an edit both meet.
    check_one(
        &format!("{HEAD}rollup = \"manual\"\n"),
        "manual_plan_rollup",
    );
    check_one(
        &format!("{HEAD}[plan.notices]\nnumber_format = \"督办{{year}}号\"\n"),
        "notice_number_format",
    );
    check_one(
        &format!("{HEAD}[plan.notices]\nlevels = []\n"),
        "notice_levels",
    );
    check_one(
        &format!("{HEAD}[[item]]\ncode = \"A\"\nkind = \"task\"\ntitle = \"\"\"甲\n乙\"\"\"\n"),
        "line_break",
    );
    check_one(
        &format!("{HEAD}[[item]]\ncode = \"M\"\nkind = \"milestone\"\ntitle = \"节点\"\n"),
        "milestone_without_due",
    );
    // Codes differing only in case, and a title of nothing visible.
    check_one(
        &format!(
            "{HEAD}[[item]]\ncode = \"A\"\nkind = \"task\"\ntitle = \"甲\"\n[[item]]\ncode = \"a\"\nkind = \"task\"\ntitle = \"乙\"\n"
        ),
        "duplicate_code",
    );
    check_one(
        &format!("{HEAD}[[item]]\ncode = \"A\"\nkind = \"task\"\ntitle = \"\\u200B\"\n"),
        "missing_chinese_title",
    );
    // Lengths and telephone numbers.
    check_one(
        &format!(
            "{HEAD}[[item]]\ncode = \"A\"\nkind = \"task\"\ntitle = \"{}\"\n",
            "长".repeat(301)
        ),
        "too_long",
    );
    check_one(
        &format!("{HEAD}[[person]]\ncode = \"P1\"\nname = \"张三\"\nphone = \"call me\"\n"),
        "bad_phone",
    );
    let phone = format!(
        "{HEAD}[[person]]\ncode = \"P1\"\nname = \"张三\"\nphone = \"0371-67188000 转 8001\"\n"
    );
    let doc = read_plan("phone.toml", &phone).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        doc.people[0].phone.as_deref(),
        Some("0371-67188000 转 8001")
    );
    assert_eq!(read_plan("again.toml", &write_plan(&doc)).unwrap(), doc);
    // A tree deeper than the storage is tested for.
    let mut deep = HEAD.to_string();
    for n in 0..=tuijin_core::validate::MAX_DEPTH {
        deep += &format!("[[item]]\ncode = \"T{n}\"\nkind = \"task\"\ntitle = \"层{n}\"\n");
        if n > 0 {
            deep += &format!("parent = \"T{}\"\n", n - 1);
        }
    }
    check_one(&deep, "too_deep");
}

#[test]
fn engine_settings_round_trip_and_manual_rollup_needs_a_reason() {
    let src = format!(
        "{HEAD}rollup = \"worst_child\"\nstatus_against = \"baseline\"\n[plan.reporting]\ndue_day = 3\ngrace_days = 2\nstale_days = 30\n\
         [[item]]\ncode = \"A\"\nkind = \"task\"\ntitle = \"甲\"\nrollup = \"manual\"\nmanual = {{ percent = 40, reason = \"按合同节点估算\" }}\n\
         [[item]]\ncode = \"B\"\nkind = \"task\"\ntitle = \"乙\"\ncancelled = true\n\
         [[item]]\ncode = \"A1\"\nkind = \"task\"\ntitle = \"甲一\"\nparent = \"A\"\n"
    );
    let doc = read_plan("engine.toml", &src).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(doc.plan.rollup, tuijin_core::RollupRule::WorstChild);
    assert_eq!(
        doc.plan.status_against,
        tuijin_core::StatusAgainst::Baseline
    );
    assert_eq!(doc.plan.reporting.due_day, 3);
    assert_eq!(
        doc.items[0].extra.manual.as_ref().unwrap().percent.value(),
        40.0
    );
    assert!(doc.items[1].cancelled);
    let again = read_plan("again.toml", &write_plan(&doc)).unwrap();
    assert_eq!(doc, again);

    check_one(
        &format!(
            "{HEAD}[[item]]\ncode = \"A\"\nkind = \"task\"\ntitle = \"x\"\nrollup = \"manual\"\n"
        ),
        "manual_rollup",
    );
    check_one(
        &format!(
            "{HEAD}[[item]]\ncode = \"A\"\nkind = \"task\"\ntitle = \"x\"\nrollup = \"manual\"\nmanual = {{ percent = 4, reason = \" \" }}\n"
        ),
        "manual_rollup",
    );
    check_one(
        &format!(
            "{HEAD}[[item]]\ncode = \"A\"\nkind = \"task\"\ntitle = \"x\"\nmanual = {{ percent = 4, reason = \"r\" }}\n"
        ),
        "manual_rollup",
    );
    check_one(
        &format!("{HEAD}[plan.reporting]\ndue_day = 40\n"),
        "out_of_range",
    );
    check_one(
        &format!("{HEAD}[plan.thresholds]\nat_risk = 20\noff_track = 10\n"),
        "thresholds_order",
    );
}

/// An indicator's counting basis, publication lag, kind of path with its points and source
/// are read, written back unchanged, and a path that cannot be drawn is refused, each way
/// named (`indicator_path`), with the line and column of the field.
#[test]
fn indicator_definitions_round_trip_and_impossible_paths_are_refused() {
    let ind = |extra: &str| {
        format!(
            "{HEAD}[plan.thresholds]\nforecast_miss = 40\n\n[[indicator]]\ncode = \"gdp\"\nname = \"地区生产总值\"\nunit = \"亿元\"\nbaseline = 8000\nbaseline_year = 2016\ntargets = [{{ year = 2020, value = 10000 }}]\n{extra}"
        )
    };
    let src = ind(
        "basis = \"per_period\"\npublication_lag = 45\npath = \"points\"\npoints = [{ on = 2018-12-31, value = 8600 }]\nsource = \"统计公报\"\n",
    );
    let doc = read_plan("ind.toml", &src).unwrap();
    let i = &doc.indicators[0];
    assert_eq!(i.basis, tuijin_core::CountingBasis::PerPeriod);
    assert_eq!(i.publication_lag, Some(45));
    assert_eq!(i.path, tuijin_core::PathKind::Points);
    assert_eq!(i.points.len(), 1);
    assert_eq!(i.source, "统计公报");
    assert_eq!(doc.plan.thresholds.forecast_miss, 40.0);
    assert_eq!(read_plan("again.toml", &write_plan(&doc)).unwrap(), doc);
    // Defaults: cumulative, the frequency's lag, a straight line.
    let plain = read_plan("plain.toml", &ind("")).unwrap();
    assert_eq!(plain.indicators[0].lag_days(), 60);
    assert_eq!(plain.indicators[0].path, tuijin_core::PathKind::Linear);

    check_one(&ind("path = \"points\"\n"), "indicator_path");
    check_one(
        &ind("path = \"points\"\npoints = [{ on = 2021-06-30, value = 9000 }]\n"),
        "indicator_path",
    );
    check_one(
        &ind("points = [{ on = 2018-06-30, value = 9000 }]\n"),
        "indicator_path",
    );
    let zero = ind("path = \"compound\"\n").replace("baseline = 8000", "baseline = 0");
    check_one(&zero, "indicator_path");
    // Beyond what a figure may be: the chart and the forecast have nothing to work with.
    check_one(
        &ind("").replace("value = 10000", "value = 1e16"),
        "indicator_path",
    );
    check_one(&ind("publication_lag = 400\n"), "out_of_range");
    check_one(
        &ind("").replace("forecast_miss = 40", "forecast_miss = 140"),
        "out_of_range",
    );
    check_one(&ind("path = \"steps\"\n"), "bad_value");
    // An item may take its progress from the indicator its target names: a leaf, on a
    // cumulative indicator.
    let item = |extra: &str, basis: &str| {
        format!(
            "{}[[item]]\ncode = \"A\"\nkind = \"project\"\ntitle = \"道路\"\nstart = 2017-01-01\ndue = 2020-12-31\nprogress = \"indicator\"\n{extra}",
            ind(basis)
        )
    };
    let target = "target = { value = 10000, unit = \"亿元\", indicator = \"gdp\" }\n";
    let doc = read_plan("m.toml", &item(target, "")).unwrap();
    assert_eq!(
        doc.items[0].progress_from,
        tuijin_core::ProgressFrom::Indicator
    );
    assert_eq!(read_plan("again.toml", &write_plan(&doc)).unwrap(), doc);
    check_one(&item("", ""), "measured_progress");
    check_one(
        &item(target, "basis = \"per_period\"\n"),
        "measured_progress",
    );
    check_one(
        &item(target, "").replace(
            "kind = \"project\"\ntitle = \"道路\"\nstart = 2017-01-01\n",
            "kind = \"milestone\"\ntitle = \"道路\"\n",
        ),
        "measured_progress",
    );
    check_one(
        &ind("points = [{ on = 2018-06-30 }]\npath = \"points\"\n"),
        "missing_field",
    );
}

/// `docs/plan-format.md` describes every field the reader accepts, in the part about its
/// table, and names every problem class the validator has.
#[test]
fn the_format_document_lists_every_field_and_class() {
    let doc = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../docs/plan-format.md"
    ))
    .unwrap();
    // The part of the document about a table: from its heading (or its row in the sections
    // table) to the next heading.
    let part = |table: &str| -> String {
        let top = table.split('.').next().unwrap();
        let heading = [format!("### `[{top}]`"), format!("### `[[{top}]]`")];
        let at = heading
            .iter()
            .find_map(|h| doc.find(h.as_str()))
            .unwrap_or_else(|| panic!("docs/plan-format.md has no section for [{top}]"));
        let rest = &doc[at + 4..];
        rest[..rest.find("\n#").unwrap_or(rest.len())].to_string()
    };
    for (table, fields) in tuijin_export::planfile::FIELDS {
        let text = if table.is_empty() {
            doc.clone()
        } else {
            part(table)
        };
        for f in *fields {
            let named = text.contains(&format!("`{f}`"))
                || text.contains(&format!("`[{f}]`"))
                || text.contains(&format!("`[{table}.{f}]`"))
                || text.contains(&format!("`[[{f}]]`"))
                || text.contains(&format!("`{f} ="))
                || text.contains(&format!("{{ {f} ="))
                || text.contains(&format!(", {f} ="));
            assert!(
                named,
                "docs/plan-format.md does not describe `{f}` of [{table}]"
            );
        }
    }
    use tuijin_core::VariantArray;
    for class in tuijin_core::validate::ProblemClass::VARIANTS {
        let name: &'static str = class.into();
        assert!(
            doc.contains(&format!("`{name}`")),
            "docs/plan-format.md does not name the problem class `{name}`"
        );
        // And, as the document promises, a test here produces it.
        let tests = include_str!("planfile.rs");
        assert!(
            tests.contains(&format!("\"{name}\"")),
            "no test in crates/export/tests/planfile.rs produces `{name}`"
        );
    }
}
