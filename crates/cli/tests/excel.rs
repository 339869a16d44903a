//! `tuijin excel …`, `tuijin plan export --format xlsx` / `plan import FILE.xlsx` and `tuijin
//! report import` as a user runs them: exit codes, messages located at their cells, nothing
//! changed by a refused file.

use std::path::Path;
use std::process::Command;

use tuijin_core::Percent;
use tuijin_core::report::{Period, ReportContent};
use tuijin_export::xlsx::template::{Template, TemplateRow, write_template};

fn tuijin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_tuijin"));
    c.env_remove("TUIJIN_DATABASE_URL")
        .env_remove("TUIJIN_CONFIG")
        .env_remove("TUIJIN_DATA")
        .env("TUIJIN_LOG", "warn");
    c
}

fn run(args: &[&str]) -> (i32, String, String) {
    let out = tuijin().args(args).output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn ok(args: &[&str]) -> String {
    let (code, out, err) = run(args);
    assert_eq!(code, 0, "{args:?}: {out}{err}");
    out
}

fn small(dir: &Path) -> String {
    let data = dir.join("data").display().to_string();
    let plan = format!(
        "{}/../../tests/fixtures/small.toml",
        env!("CARGO_MANIFEST_DIR")
    );
    ok(&["plan", "import", &plan, "--data", &data, "--init"]);
    data
}

#[test]
fn excel_commands_have_help() {
    for args in [
        ["excel", "template", "--help"],
        ["excel", "duties", "--help"],
        ["excel", "import", "--help"],
        ["report", "import", "--help"],
    ] {
        assert!(ok(&args).contains("Usage"), "{args:?}");
    }
}

#[test]
fn the_plan_workbook_round_trips_through_the_binary() {
    let dir = tempfile::tempdir().unwrap();
    let data = small(dir.path());
    let xlsx = dir.path().join("plan.xlsx").display().to_string();
    ok(&[
        "plan", "export", "--format", "xlsx", "-o", &xlsx, "--data", &data,
    ]);
    let other = dir.path().join("other").display().to_string();
    let out = ok(&["plan", "import", &xlsx, "--data", &other, "--init"]);
    assert!(out.contains("plan demo-small created"), "{out}");
    assert_eq!(
        ok(&["plan", "export", "--data", &other]),
        ok(&["plan", "export", "--data", &data]),
        "plan → xlsx → plan"
    );
    let (code, _, err) = run(&["plan", "export", "--format", "xlsx", "--data", &data]);
    assert_eq!(code, 1);
    assert!(err.contains("-o FILE.xlsx"), "{err}");
    let (code, _, err) = run(&[
        "plan", "export", "--format", "pdf", "-o", "x", "--data", &data,
    ]);
    assert_eq!(code, 1);
    assert!(err.contains("use toml or xlsx"), "{err}");
    // Not a workbook: refused, with the file named.
    let junk = dir.path().join("junk.xlsx");
    std::fs::write(&junk, b"not a workbook").unwrap();
    let (code, _, err) = run(&[
        "plan",
        "import",
        &junk.display().to_string(),
        "--data",
        &other,
    ]);
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("junk.xlsx") && err.contains("nothing imported"),
        "{err}"
    );
}

/// JTW's template for June 2020, with E1.1 filled in as given.
fn filled(dir: &Path, percent: f64, narrative: &str) -> String {
    let t = Template {
        plan: "demo-small".into(),
        plan_title: "测试".into(),
        unit: "JTW".into(),
        unit_name: "交通委".into(),
        period: Period::parse("2020-06").unwrap(),
        rows: vec![TemplateRow {
            item: "E1.1".into(),
            title: "地铁".into(),
            draft: Some(ReportContent {
                percent: Some(Percent::new(percent).unwrap()),
                narrative: narrative.into(),
                ..Default::default()
            }),
            ..Default::default()
        }],
    };
    let path = dir.join(format!("filled-{percent}.xlsx"));
    std::fs::write(&path, write_template(&t).unwrap()).unwrap();
    path.display().to_string()
}

#[test]
fn a_unit_template_is_exported_and_a_filled_one_imported() {
    let dir = tempfile::tempdir().unwrap();
    let data = small(dir.path());
    let tpl = dir.path().join("t.xlsx").display().to_string();
    let out = ok(&[
        "excel",
        "template",
        "--plan",
        "demo-small",
        "--unit",
        "JTW",
        "--period",
        "2020-06",
        "-o",
        &tpl,
        "--data",
        &data,
    ]);
    assert!(out.contains("report template of JTW for 2020-06"), "{out}");
    // Nothing filled in: refused, and said so.
    let (code, _, err) = run(&[
        "excel",
        "import",
        &tpl,
        "--plan",
        "demo-small",
        "--unit",
        "JTW",
        "--data",
        &data,
    ]);
    assert_eq!(code, 1);
    assert!(err.contains("没有填写任何一行"), "{err}");
    // For another unit: refused at the key.
    let file = filled(dir.path(), 35.0, "盾构推进");
    let (code, _, err) = run(&[
        "excel",
        "import",
        &file,
        "--plan",
        "demo-small",
        "--unit",
        "ZDQ",
        "--lang",
        "en",
        "--data",
        &data,
    ]);
    assert_eq!(code, 1);
    assert!(err.contains("_key!C1:") && err.contains("`JTW`"), "{err}");
    let out = ok(&[
        "excel",
        "import",
        &file,
        "--plan",
        "demo-small",
        "--unit",
        "JTW",
        "--data",
        &data,
    ]);
    assert!(out.contains("1 report(s) of JTW saved as drafts"), "{out}");
    // The draft comes back in the next template, and can be edited and submitted.
    let again = filled(dir.path(), 40.0, "盾构贯通");
    let out = ok(&[
        "excel",
        "import",
        &again,
        "--plan",
        "demo-small",
        "--unit",
        "JTW",
        "--submit",
        "--data",
        &data,
    ]);
    assert!(out.contains("1 report(s) of JTW submitted"), "{out}");
    let (code, _, err) = run(&[
        "excel",
        "import",
        &again,
        "--plan",
        "demo-small",
        "--unit",
        "JTW",
        "--data",
        &data,
    ]);
    assert_eq!(code, 1, "a submitted report waits for review");
    assert!(err.contains("填报!A2:"), "{err}");
    let list = dir.path().join("d.xlsx").display().to_string();
    ok(&[
        "excel",
        "duties",
        "--plan",
        "demo-small",
        "--unit",
        "JTW",
        "-o",
        &list,
        "--data",
        &data,
    ]);
    assert!(std::fs::metadata(&list).unwrap().len() > 1000);
    let (code, _, err) = run(&[
        "excel",
        "template",
        "--plan",
        "demo-small",
        "--unit",
        "JTW",
        "--period",
        "2020-Q2",
        "-o",
        &tpl,
        "--data",
        &data,
    ]);
    assert_eq!(code, 1);
    assert!(err.contains("--period"), "{err}");
}

#[test]
fn past_reports_load_as_history_all_or_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let data = small(dir.path());
    let bad = dir.path().join("bad.csv");
    std::fs::write(
        &bad,
        "item,unit,period,percent\nE1.1,JTW,2019-06,30\nE1.1,ZDQ,2019-07,35\nE1.1,JTW,2019-6,40\n",
    )
    .unwrap();
    let bad = bad.display().to_string();
    let (code, _, err) = run(&[
        "report",
        "import",
        &bad,
        "--plan",
        "demo-small",
        "--data",
        &data,
    ]);
    assert_eq!(code, 1);
    assert!(err.contains("bad.csv!3:2:"), "{err}");
    assert!(err.contains("bad.csv!4:3:"), "{err}");
    assert!(err.contains("nothing imported"), "{err}");
    let good = dir.path().join("good.csv");
    std::fs::write(
        &good,
        "\u{feff}事项编码,单位编码,期次,进度,进展情况\nE1.1,JTW,2019-06,30,上半年\nE1.1,JTW,2019-12,55,全年\n",
    )
    .unwrap();
    let good = good.display().to_string();
    let out = ok(&[
        "report",
        "import",
        &good,
        "--plan",
        "demo-small",
        "--data",
        &data,
    ]);
    assert!(out.contains("2 past report(s) loaded"), "{out}");
    let then = ok(&[
        "status",
        "--plan",
        "demo-small",
        "--branch",
        "E1.1",
        "--date",
        "2019-07-01",
        "--data",
        &data,
    ]);
    assert!(then.contains("30"), "{then}");
    let (code, _, err) = run(&[
        "report",
        "import",
        &good,
        "--plan",
        "demo-small",
        "--data",
        &data,
    ]);
    assert_eq!(code, 1, "a plan with reports takes no history");
    assert!(err.contains("已有填报"), "{err}");
}

/// The seed plan's whole sample history (thousands of reports, words with commas, quotes and
/// line breaks) written as CSV and loaded: each item's figure on a past day is its lead's
/// latest report accepted by then.
#[test]
fn the_seed_history_round_trips_through_csv() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data").display().to_string();
    let seed = format!(
        "{}/../../plans/zhengzhou-ncc-2017.toml",
        env!("CARGO_MANIFEST_DIR")
    );
    ok(&["plan", "import", &seed, "--data", &data, "--init"]);
    let doc = tuijin_export::read_plan("seed", &std::fs::read_to_string(&seed).unwrap()).unwrap();
    let today = chrono::NaiveDate::from_ymd_opt(2020, 6, 30).unwrap();
    let history = tuijin_core::sample::history(&doc, today).accepted;
    assert!(history.len() > 1000);
    let csv = dir.path().join("past.csv");
    let mut w = csv::Writer::from_path(&csv).unwrap();
    w.write_record([
        "item",
        "unit",
        "period",
        "percent",
        "narrative",
        "problems",
        "next_steps",
        "submitted_on",
        "accepted_on",
    ])
    .unwrap();
    for r in &history {
        w.write_record([
            r.item.to_string(),
            r.unit.to_string(),
            r.period.to_string(),
            r.percent.map(|p| p.to_string()).unwrap_or_default(),
            format!("{}, \"引号\"\n第二行", r.narrative),
            r.problems.clone(),
            r.next_steps.clone(),
            r.submitted_on.to_string(),
            r.accepted_on.to_string(),
        ])
        .unwrap();
    }
    w.flush().unwrap();
    let out = ok(&[
        "report",
        "import",
        &csv.display().to_string(),
        "--plan",
        "zz-ncc-2017",
        "--data",
        &data,
    ]);
    assert!(
        out.contains(&format!("{} past report(s) loaded", history.len())),
        "{out}"
    );
    let day = chrono::NaiveDate::from_ymd_opt(2019, 9, 30).unwrap();
    let mut checked = 0;
    for item in doc
        .items
        .iter()
        .filter(|i| i.kind == tuijin_core::ItemKind::Work)
    {
        let Some(last) = history
            .iter()
            .filter(|r| r.item == item.code && Some(&r.unit) == item.lead.as_ref())
            .filter(|r| r.accepted_on <= day)
            .max_by_key(|r| (r.accepted_on, r.period))
        else {
            continue;
        };
        let status = ok(&[
            "status",
            "--plan",
            "zz-ncc-2017",
            "--branch",
            item.code.as_str(),
            "--date",
            "2019-09-30",
            "--data",
            &data,
        ]);
        assert!(
            status.contains(&format!("progress at least {:.1}%", last.percent.unwrap())),
            "{}: {} in {status}",
            item.code,
            last.percent.unwrap()
        );
        checked += 1;
        if checked == 5 {
            break;
        }
    }
    assert_eq!(checked, 5);
}
