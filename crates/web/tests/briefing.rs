//! Briefings: a past period's briefing says the same thing however much happens after it, the
//! current period's shows what happened, and every file format carries the content — each
//! file opened by an independent reader (pdftotext for the PDF, python-docx for the DOCX).

mod common;

use chrono::NaiveDate;
use tuijin_core::Percent;
use tuijin_core::briefing::{Brief, BriefPeriod};
use tuijin_core::clock::{Clock, DEFAULT_TZ, FixedClock, Stamp};
use tuijin_core::i18n::Lang;
use tuijin_core::report::{Period, ReportContent};
use tuijin_export::brief::BriefFormat;
use tuijin_store::{NewReport, ReportStore, Store, WarningStore};
use tuijin_web::AppState;
use tuijin_web::briefing::{BriefRequest, build, render};

fn day(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

fn on(d: &str, actor: &str) -> Stamp {
    FixedClock::on(day(d)).stamp(actor, DEFAULT_TZ)
}

/// JTW reports `percent` on `item` for `period`, and the office accepts it on `accepted`.
async fn accepted(
    s: &Store,
    item: &str,
    period: &str,
    percent: f64,
    problems: &str,
    accepted: &str,
) {
    let st = on(accepted, "jtw");
    let r = s
        .create_report(
            NewReport {
                plan: "demo-small".into(),
                item: item.into(),
                period: Period::parse(period).unwrap(),
                unit: "JTW".into(),
                content: ReportContent {
                    percent: Some(Percent::new(percent).unwrap()),
                    narrative: format!("{item} 推进情况"),
                    problems: problems.into(),
                    next_steps: "加快推进".into(),
                    ..Default::default()
                },
            },
            &st,
        )
        .await
        .unwrap();
    let r = s.submit_report(r.id, r.version, &st).await.unwrap();
    s.accept_report(r.id, r.version, "", &on(accepted, "office"))
        .await
        .unwrap();
}

async fn brief(st: &AppState, period: &str, lang: Lang) -> Brief {
    build(
        st,
        &BriefRequest {
            plan: "demo-small".into(),
            period: BriefPeriod::parse(period, None).unwrap(),
            as_of: None,
            lang,
        },
    )
    .await
    .unwrap()
}

#[tokio::test]
async fn a_past_briefing_says_the_same_after_later_data_and_the_current_one_moves() {
    for db in common::with_small_plan().await {
        let s = &db.store;
        // History: E1.1 at 60 % in the spring, corrected down to 30 % in the summer with
        // the reason in its problems; warnings judged at the end of September.
        accepted(s, "E1.1", "2019-04", 60.0, "", "2019-05-10").await;
        accepted(
            s,
            "E1.1",
            "2019-07",
            30.0,
            "征迁滞后，资金未到位",
            "2019-08-12",
        )
        .await;
        s.refresh_warnings("demo-small", &on("2019-09-30", "system"))
            .await
            .unwrap();
        let st = AppState::new(s.clone(), common::today(), true);
        let first = brief(&st, "2019-Q3", Lang::Zh).await;
        let text = first.text();
        // What it says: the period, the as-of day, the headline figures, the item that fell
        // with its unit's reason, the warnings on the day.
        for want in [
            "2019年第三季度 · 季推进",
            "数据截至 2019-09-30",
            "总体进度",
            "较 2019-06-30 变化（百分点）",
            "E1.1",
            "60% → 30%",
            "征迁滞后，资金未到位 (2019-07)",
            "未解除预警",
        ] {
            assert!(
                text.contains(want),
                "{} missing `{want}`:\n{text}",
                db.label()
            );
        }
        let files: Vec<Vec<u8>> = [BriefFormat::Md, BriefFormat::Html]
            .iter()
            .map(|f| render(&first, *f).unwrap())
            .collect();

        // Later: a report accepted today (for a 2019 period and a 2020 one), warnings judged
        // today, a figure filed today for 2019.
        accepted(s, "E1.1", "2019-09", 45.0, "补报", "2020-06-30").await;
        accepted(s, "E1.1", "2020-05", 90.0, "", "2020-06-30").await;
        s.refresh_warnings("demo-small", &common::stamp("system"))
            .await
            .unwrap();
        let st = AppState::new(s.clone(), common::today(), true);
        let again = brief(&st, "2019-Q3", Lang::Zh).await;
        assert_eq!(again.text(), text, "{}", db.label());
        assert_eq!(again, first, "{}", db.label());
        for (k, f) in [BriefFormat::Md, BriefFormat::Html].iter().enumerate() {
            assert_eq!(
                render(&again, *f).unwrap(),
                files[k],
                "{} {f:?}",
                db.label()
            );
        }
        // The quarter that ends today shows what happened.
        let now = brief(&st, "2020-Q2", Lang::Zh).await.text();
        assert!(now.contains("30% → 90%") || now.contains("90%"), "{now}");
        assert_ne!(now, text);
    }
}

/// The plan changed after the period — an item retitled, one added, one archived — and the past
/// briefing still shows the plan as it stood then; the current one shows it as it is.
#[tokio::test]
async fn a_past_briefing_shows_the_plan_as_it_stood_after_the_plan_changed() {
    use tuijin_store::PlanStore;
    for db in common::with_small_plan().await {
        let s = &db.store;
        accepted(s, "E1.1", "2019-04", 60.0, "", "2019-05-10").await;
        accepted(s, "E1.2", "2019-06", 100.0, "", "2019-07-05").await;
        let st = AppState::new(s.clone(), common::today(), true);
        let first = brief(&st, "2019-Q3", Lang::Zh).await;
        let text = first.text();
        assert!(text.contains("E1.2"), "{text}");
        let mut doc = s.export_plan("demo-small").await.unwrap();
        let e11 = doc
            .items
            .iter()
            .position(|i| i.code.as_str() == "E1.1")
            .unwrap();
        doc.items[e11].title = tuijin_core::Text::new("改过名称的事项", doc.items[e11].title.en());
        let mut added = doc.items[e11].clone();
        added.code = tuijin_core::Code::parse("E1.3").unwrap();
        added.title = tuijin_core::Text::new("后来增加的事项", added.title.en());
        doc.items.push(added);
        doc.items.retain(|i| i.code.as_str() != "E1.2");
        // P1 (a root) moved after E1's branch.
        let p1 = doc
            .items
            .iter()
            .position(|i| i.code.as_str() == "P1")
            .unwrap();
        let moved = doc.items.remove(p1);
        doc.items.push(moved);
        // A unit renamed and an indicator re-targeted in the same import.
        let jtw = doc
            .units
            .iter()
            .position(|u| u.code.as_str() == "JTW")
            .unwrap();
        doc.units[jtw].name = tuijin_core::Text::new("改名后的交通局", doc.units[jtw].name.en());
        doc.indicators[0].targets[0].value = 999.0;
        s.import_plan(&doc, &common::stamp("office")).await.unwrap();
        let st = AppState::new(s.clone(), common::today(), true);
        let again = brief(&st, "2019-Q3", Lang::Zh).await;
        assert_eq!(again.text(), text, "{}", db.label());
        assert_eq!(again, first, "{}", db.label());
        assert!(
            text.contains("市交通运输委员会") && text.contains("300 公里"),
            "{text}"
        );
        let now = brief(&st, "2020-Q2", Lang::Zh).await.text();
        for want in [
            "改过名称的事项",
            "后来增加的事项",
            "改名后的交通局",
            "999 公里",
        ] {
            assert!(now.contains(want), "{} `{want}` in:\n{now}", db.label());
        }
        assert!(!now.contains("E1.2"), "{now}");
    }
}

/// A warning the engine records today but dates back to the day its condition began was not
/// known on a past briefing's day: it stays out of that briefing.
#[tokio::test]
async fn a_warning_recorded_later_is_not_in_an_earlier_briefing() {
    for db in common::with_small_plan().await {
        let s = &db.store;
        accepted(s, "E1.1", "2019-04", 60.0, "", "2019-05-10").await;
        let st = AppState::new(s.clone(), common::today(), true);
        let before = brief(&st, "2019-Q3", Lang::Zh).await;
        // Judged only now: E1.2 overdue since 2018-01-01, reports missing since 2019 …
        s.refresh_warnings("demo-small", &common::stamp("system"))
            .await
            .unwrap();
        let st = AppState::new(s.clone(), common::today(), true);
        let after = brief(&st, "2019-Q3", Lang::Zh).await;
        assert_eq!(after.text(), before.text(), "{}", db.label());
        assert!(after.text().contains("未解除预警 0 条"), "{}", after.text());
        // Today's briefing has them.
        let now = brief(&st, "2020-Q2", Lang::Zh).await.text();
        assert!(now.contains("逾期未完成"), "{now}");
    }
}

#[tokio::test]
async fn a_briefing_is_refused_before_its_period_ends_or_for_a_day_to_come() {
    for db in common::with_small_plan().await {
        let st = AppState::new(db.store.clone(), common::today(), true);
        let req = |period: &str, as_of: Option<&str>| BriefRequest {
            plan: "demo-small".into(),
            period: BriefPeriod::parse(period, None).unwrap(),
            as_of: as_of.map(day),
            lang: Lang::En,
        };
        let code = |e: tuijin_web::error::ApiError| match e {
            tuijin_web::error::ApiError::Invalid(ps) => ps[0].rule.code().to_string(),
            other => format!("{other:?}"),
        };
        let e = build(&st, &req("2020-Q3", None)).await.unwrap_err();
        assert_eq!(code(e), "brief_in_future");
        let e = build(&st, &req("2019-Q3", Some("2019-09-01")))
            .await
            .unwrap_err();
        assert_eq!(code(e), "brief_before_period_end");
        let e = build(&st, &req("2019-Q3", Some("2020-07-01")))
            .await
            .unwrap_err();
        assert_eq!(code(e), "brief_in_future");
        // A later as-of day is the office's choice: the figures of that day.
        let b = build(&st, &req("2019-Q3", Some("2019-10-15")))
            .await
            .unwrap();
        assert_eq!(b.as_of, day("2019-10-15"));
        // What moved is counted from the period's start, whatever the as-of day.
        assert_eq!(b.since, day("2019-06-30"));
        assert!(b.issued.contains("2019-10-15"));
        // Every cadence: a week, a month, a year.
        for p in ["2020-W26", "2020-05", "2019"] {
            let b = build(&st, &req(p, None)).await.unwrap();
            assert_eq!(b.period.to_string(), p);
        }
    }
}

/// The Python that reads DOCX files in tests: `TUIJIN_TEST_PYTHON`, else `python3`; it needs
/// python-docx (`.ci/run` installs it and sets both variables).
fn python() -> String {
    std::env::var("TUIJIN_TEST_PYTHON").unwrap_or_else(|_| "python3".into())
}

#[tokio::test]
async fn every_format_holds_the_briefing_as_an_independent_reader_sees_it() {
    // The readers and the CJK fonts are Debian and PyPI packages `.ci/run` installs; the
    // README's bare `cargo test` on a fresh machine has none of them.
    if std::env::var_os("TUIJIN_TEST_READERS").is_none() {
        eprintln!(
            "skipped: set TUIJIN_TEST_READERS=1 with poppler-utils, fonts-noto-cjk and python-docx installed (.ci/run does)"
        );
        return;
    }
    let db = tuijin_store::testing::TestDb::sqlite().await;
    let path = format!(
        "{}/../../tests/fixtures/small.toml",
        env!("CARGO_MANIFEST_DIR")
    );
    let doc =
        tuijin_export::read_plan("small.toml", &std::fs::read_to_string(path).unwrap()).unwrap();
    let s = &db.store;
    tuijin_store::PlanStore::import_plan(s, &doc, &on("2020-01-01", "test"))
        .await
        .unwrap();
    accepted(s, "E1.1", "2020-04", 50.0, "", "2020-05-08").await;
    accepted(s, "E1.1", "2020-05", 20.0, "施工许可延迟", "2020-06-08").await;
    s.refresh_warnings("demo-small", &common::stamp("system"))
        .await
        .unwrap();
    let st = AppState::new(s.clone(), common::today(), true);
    let dir = tempfile::tempdir().unwrap();
    for lang in [Lang::Zh, Lang::En] {
        let b = brief(&st, "2020-06", lang).await;
        let (period, item) = match lang {
            Lang::Zh => ("2020年6月", "E1.1"),
            Lang::En => ("June 2020", "E1.1"),
        };
        // PDF: pdftotext reads the Chinese text, the period, a slipped item and its reason;
        // the charts stay vectors (no raster image in the file).
        let pdf = render(&b, BriefFormat::Pdf).unwrap();
        let p = dir.path().join(format!("b-{}.pdf", lang.code()));
        std::fs::write(&p, &pdf).unwrap();
        let out = std::process::Command::new("pdftotext")
            .args(["-layout", p.to_str().unwrap(), "-"])
            .output()
            .expect("pdftotext (Debian poppler-utils) runs");
        assert!(out.status.success());
        let text = String::from_utf8(out.stdout).unwrap();
        let flat: String = text.split_whitespace().collect();
        for want in [period, item, "施工许可延迟", &b.sections[0].heading] {
            let w: String = want.split_whitespace().collect();
            assert!(flat.contains(&w), "PDF ({lang:?}) lacks `{want}`:\n{text}");
        }
        let info = std::process::Command::new("pdfinfo")
            .arg(&p)
            .output()
            .unwrap();
        let info = String::from_utf8_lossy(&info.stdout).to_string();
        assert!(info.contains("A4"), "{info}");
        let fonts = std::process::Command::new("pdffonts")
            .arg(&p)
            .output()
            .unwrap();
        let fonts = String::from_utf8_lossy(&fonts.stdout).to_string();
        assert!(fonts.contains("CJK"), "an embedded CJK font: {fonts}");
        // Page numbers: "1 / N" at the foot of the first page.
        assert!(flat.contains("1/"), "{text}");
        // A chart drawn as vectors: the indicator's chart is there, and no picture is.
        let images = std::process::Command::new("pdfimages")
            .args(["-list", p.to_str().unwrap()])
            .output()
            .unwrap();
        let images = String::from_utf8_lossy(&images.stdout).to_string();
        assert_eq!(images.lines().count(), 2, "no raster images: {images}");
        assert!(b.sections.iter().any(|s| {
            s.blocks
                .iter()
                .any(|b| matches!(b, tuijin_core::briefing::Block::Chart(_)))
        }));

        // DOCX: python-docx reads headings in Word's heading styles, the tables, the text,
        // and a picture for the chart.
        let docx = render(&b, BriefFormat::Docx).unwrap();
        let p = dir.path().join(format!("b-{}.docx", lang.code()));
        std::fs::write(&p, &docx).unwrap();
        let script = r#"
import sys, docx
d = docx.Document(sys.argv[1])
heads = [p.text for p in d.paragraphs if p.style.name.startswith("Heading")]
cells = [c.text for t in d.tables for r in t.rows for c in r.cells]
print("HEADINGS", len(heads))
for h in heads: print("H", h)
print("TABLES", len(d.tables))
print("PICTURES", len(d.inline_shapes))
print("TEXT", " ".join(p.text for p in d.paragraphs))
print("CELLS", " ".join(cells))
"#;
        let out = std::process::Command::new(python())
            .args(["-c", script, p.to_str().unwrap()])
            .output()
            .expect("python runs");
        let said = String::from_utf8_lossy(&out.stdout).to_string();
        assert!(
            out.status.success(),
            "python-docx read the file (pip install python-docx): {}",
            String::from_utf8_lossy(&out.stderr)
        );
        for s in &b.sections {
            assert!(said.contains(&format!("H {}", s.heading)), "{said}");
        }
        assert!(
            said.contains(period) && said.contains("施工许可延迟"),
            "{said}"
        );
        assert!(
            !said.contains("PICTURES 0"),
            "the chart as a picture: {said}"
        );

        // Markdown and HTML: the same words.
        let md = String::from_utf8(render(&b, BriefFormat::Md).unwrap()).unwrap();
        let html = String::from_utf8(render(&b, BriefFormat::Html).unwrap()).unwrap();
        for want in [period, "施工许可延迟"] {
            assert!(md.contains(want) && html.contains(want), "{want}");
        }
        assert!(html.contains("<svg"), "the chart inline in the HTML");
    }
}

/// The briefings page as the office uses it: the form, a refusal shown in place, a briefing
/// rendered in the background behind a page that refreshes itself, then the file; a leader
/// reads briefings too, a unit does not.
#[tokio::test]
async fn the_office_makes_a_briefing_in_the_browser() {
    use axum::http::StatusCode;
    for site in common::site::Site::all().await {
        let mut office = site.log_in("office").await;
        let page = site.get(&mut office, "/plans/demo-small/briefings").await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(
            page.html.contains("2020-06"),
            "the last month ended is offered"
        );
        let csrf = page.csrf();
        let post = |period: &'static str, format: &'static str| {
            [
                ("csrf", csrf.clone()),
                ("cadence", "monthly".to_string()),
                ("period", period.to_string()),
                ("as_of", String::new()),
                ("format", format.to_string()),
                ("lang", "zh".to_string()),
            ]
        };
        // Refused in place, with the reason: not a period; a month not yet over.
        for (period, format, want) in [
            ("2020-13", "md", "不是简报期间"),
            ("2020-07", "md", "尚未结束"),
            ("2020-05", "exe", "exe"),
        ] {
            let f = post(period, format);
            let form: Vec<(&str, &str)> = f.iter().map(|(k, v)| (*k, v.as_str())).collect();
            let page = site
                .request(&mut office, "POST", "/plans/demo-small/briefings", &form)
                .await;
            assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY, "{period}");
            assert!(page.html.contains(want), "{period}: {}", page.html);
        }
        let f = post("2020-05", "md");
        let form: Vec<(&str, &str)> = f.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let page = site
            .request(&mut office, "POST", "/plans/demo-small/briefings", &form)
            .await;
        assert_eq!(page.status, StatusCode::SEE_OTHER);
        let job = page.location.clone().unwrap();
        assert!(job.starts_with("/briefings/"), "{job}");
        // The job's page says it is rendering until the file is ready.
        let mut ready = None;
        for _ in 0..300 {
            let page = site.get(&mut office, &job).await;
            assert_eq!(page.status, StatusCode::OK);
            if page.html.contains("/file") {
                ready = Some(page);
                break;
            }
            // Rendering, or waiting its turn behind other briefings.
            assert!(
                page.html.contains("正在生成简报") || page.html.contains("排队等候生成"),
                "{}",
                page.html
            );
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        let ready = ready.expect("the briefing is made within 30 s");
        assert!(ready.html.contains("简报已生成"));
        let file = site.get(&mut office, &format!("{job}/file")).await;
        assert_eq!(file.status, StatusCode::OK);
        assert!(file.html.contains("2020年5月 · 月通报"), "{}", file.html);
        // A leader may follow it and make their own; a unit may do neither.
        let mut leader = site.log_in("leader").await;
        assert_eq!(site.get(&mut leader, &job).await.status, StatusCode::OK);
        assert_eq!(
            site.get(&mut leader, "/plans/demo-small/briefings")
                .await
                .status,
            StatusCode::OK
        );
        let mut unit = site.log_in("jtw").await;
        assert_eq!(
            site.get(&mut unit, &job).await.status,
            StatusCode::FORBIDDEN
        );
        assert_eq!(
            site.get(&mut unit, "/plans/demo-small/briefings")
                .await
                .status,
            StatusCode::FORBIDDEN
        );
        // An unknown job is gone, not an error.
        let gone = site
            .get(&mut office, "/briefings/ffffffffffffffffffffffffffffffff")
            .await;
        assert_eq!(gone.status, StatusCode::NOT_FOUND);
    }
}
