//! Excel through the API, on SQLite and (when configured) PostgreSQL: a unit downloads its
//! template, fills it and uploads it; its reports are there with its figures. Each kind of
//! broken file — a bad percent, a changed locked cell, an unknown item, another unit's item, a
//! closed period, a fall without a reason — is refused with every problem at its cell, and
//! nothing changes. Past reports load as history that the as-of views show.

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use calamine::Data;
use serde_json::Value;
use tower::ServiceExt;
use tuijin_store::{ProgressStore, ReportFilter, ReportStore};
use tuijin_web::{AppState, router};

mod common;

struct App {
    db: tuijin_store::testing::TestDb,
    app: axum::Router,
    tokens: std::collections::HashMap<&'static str, String>,
}

async fn apps() -> Vec<App> {
    use tuijin_store::AccountStore;
    let mut out = Vec::new();
    for db in common::with_small_plan().await {
        let mut tokens = std::collections::HashMap::new();
        for name in common::add_users(&db.store, None).await {
            let (token, _) = db
                .store
                .create_token(name, "test", None, &common::stamp("test"))
                .await
                .unwrap();
            tokens.insert(name, token);
        }
        let state = AppState::new(db.store.clone(), common::today(), true);
        out.push(App {
            app: router(state),
            tokens,
            db,
        });
    }
    out
}

impl App {
    async fn call(
        &self,
        method: &str,
        uri: &str,
        who: &str,
        body: Vec<u8>,
    ) -> (StatusCode, Vec<u8>) {
        let req = Request::builder()
            .method(method)
            .uri(uri)
            .header(
                header::AUTHORIZATION,
                format!("Bearer {}", self.tokens[who]),
            )
            .header(
                header::CONTENT_TYPE,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            )
            .body(Body::from(body))
            .unwrap();
        let res = self.app.clone().oneshot(req).await.unwrap();
        let status = res.status();
        let bytes = axum::body::to_bytes(res.into_body(), 10 << 20)
            .await
            .unwrap();
        (status, bytes.to_vec())
    }

    async fn template(&self, who: &str, unit: &str, period: &str) -> Vec<u8> {
        let (s, b) = self
            .call(
                "GET",
                &format!("/api/v1/plans/demo-small/units/{unit}/template.xlsx?period={period}"),
                who,
                Vec::new(),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{}", String::from_utf8_lossy(&b));
        b
    }

    async fn upload(
        &self,
        who: &str,
        unit: &str,
        file: Vec<u8>,
        submit: bool,
    ) -> (StatusCode, Value) {
        let (s, b) = self
            .call(
                "POST",
                &format!("/api/v1/plans/demo-small/units/{unit}/template?submit={submit}"),
                who,
                file,
            )
            .await;
        (s, serde_json::from_slice(&b).unwrap_or(Value::Null))
    }

    async fn reports(&self) -> usize {
        self.db
            .store
            .list_reports(&ReportFilter::default(), 1000)
            .await
            .unwrap()
            .len()
    }
}

use tuijin_export::xlsx::testing::sheets;

/// The template with cells of its report sheet set, as a unit (or a script) would.
fn fill(bytes: &[u8], edits: &[(u32, u16, Data)]) -> Vec<u8> {
    tuijin_export::xlsx::testing::set_cells(bytes, "填报", edits)
}

fn s(v: &str) -> Data {
    Data::String(v.into())
}

/// The problems of a 422 answer: (cell, code).
fn problems(v: &Value) -> Vec<(String, String)> {
    v["errors"]
        .as_array()
        .or_else(|| v["problems"].as_array())
        .unwrap_or_else(|| panic!("no problems in {v}"))
        .iter()
        .map(|p| {
            (
                p["field"].as_str().unwrap_or_default().to_string(),
                p["code"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

/// Column numbers of the report sheet (0-based): item, title, percent, narrative, problems,
/// indicator, value.
const ITEM: u16 = 0;
const TITLE: u16 = 1;
const PERCENT: u16 = 8;
const NARRATIVE: u16 = 9;
const VALUE: u16 = 15;

#[tokio::test]
async fn a_unit_fills_its_template_and_its_reports_are_there() {
    for t in apps().await {
        let bytes = t.template("jtw", "JTW", "2020-06").await;
        let all = sheets(&bytes);
        let names: Vec<&str> = all.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["说明", "填报", "_key"]);
        let rows = &all[1].1;
        assert_eq!(rows[0][ITEM as usize], s("事项编码"));
        let items: Vec<String> = rows[1..].iter().map(|r| r[0].to_string()).collect();
        assert!(items.contains(&"E1.1".to_string()), "{items:?}");
        let e11 = 1 + items.iter().position(|i| i == "E1.1").unwrap() as u32;
        assert_eq!(
            rows[e11 as usize][12],
            s("metro_km"),
            "the item's indicator"
        );
        let before = t.reports().await;
        let filled = fill(
            &bytes,
            &[
                (e11, PERCENT, Data::Float(42.5)),
                (e11, NARRATIVE, s("盾构区间贯通")),
                (e11, VALUE, Data::Float(151.0)),
            ],
        );
        let (st, v) = t.upload("jtw", "JTW", filled.clone(), true).await;
        assert_eq!(st, StatusCode::CREATED, "{v}");
        assert_eq!(v["reports"].as_array().unwrap().len(), 1);
        assert_eq!(t.reports().await, before + 1);
        let r = &t
            .db
            .store
            .list_reports(
                &ReportFilter {
                    item: Some("E1.1".into()),
                    period: Some(tuijin_core::report::Period::parse("2020-06").unwrap()),
                    ..Default::default()
                },
                10,
            )
            .await
            .unwrap()[0];
        assert_eq!(r.percent.unwrap().value(), 42.5);
        assert_eq!(r.narrative, "盾构区间贯通");
        assert_eq!(r.state.as_str(), "submitted");
        assert_eq!(r.figures[0].value.value(), 151.0);
        // The same file again: the report awaits review and cannot change; nothing does.
        let (st, v) = t.upload("jtw", "JTW", filled, true).await;
        assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
        assert_eq!(
            problems(&v),
            [(format!("填报!A{}", e11 + 1), "workflow".to_string())]
        );
        assert_eq!(t.reports().await, before + 1);
    }
}

#[tokio::test]
async fn a_broken_template_is_refused_whole_with_every_problem_at_its_cell() {
    for t in apps().await {
        let bytes = t.template("jtw", "JTW", "2020-06").await;
        let rows = &sheets(&bytes)[1].1;
        let items: Vec<String> = rows[1..].iter().map(|r| r[0].to_string()).collect();
        let e11 = 1 + items.iter().position(|i| i == "E1.1").unwrap() as u32;
        let e12 = 1 + items.iter().position(|i| i == "E1.2").unwrap() as u32;
        let extra = rows.len() as u32 + 2;
        let before = t.reports().await;
        let broken = fill(
            &bytes,
            &[
                (e11, PERCENT, Data::Float(120.0)),
                (e11, NARRATIVE, s("超过一百")),
                (e12, TITLE, s("改过的名称")),
                (e12, PERCENT, Data::Float(50.0)),
                (e12, NARRATIVE, s("里程碑只能是 0 或 100")),
                (extra, ITEM, s("NO-SUCH")),
                (extra, NARRATIVE, s("没有这个事项")),
            ],
        );
        let (st, v) = t.upload("jtw", "JTW", broken, false).await;
        assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
        let found = problems(&v);
        for want in [
            (format!("填报!I{}", e11 + 1), "percent_range"),
            (format!("填报!B{}", e12 + 1), "cell_locked"),
            (format!("填报!I{}", e12 + 1), "milestone_binary"),
            (format!("填报!A{}", extra + 1), "unknown_item"),
        ] {
            assert!(
                found.contains(&(want.0.clone(), want.1.to_string())),
                "{want:?} in {found:?}"
            );
        }
        assert_eq!(t.reports().await, before, "nothing was written");

        // Another unit's item, in a row added to ZDQ's (empty) template.
        let zdq = t.template("zdq", "ZDQ", "2020-06").await;
        let rows = sheets(&zdq)[1].1.len() as u32;
        let other = fill(
            &zdq,
            &[(rows, ITEM, s("E1.1")), (rows, NARRATIVE, s("代填"))],
        );
        let (st, v) = t.upload("zdq", "ZDQ", other.clone(), false).await;
        assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
        assert_eq!(
            problems(&v),
            [(format!("填报!A{}", rows + 1), "not_responsible".to_string())]
        );
        // JTW's file uploaded for ZDQ by ZDQ: refused by the template's key; by JTW: forbidden.
        let (st, v) = t
            .upload(
                "zdq",
                "ZDQ",
                fill(&bytes, &[(e11, NARRATIVE, s("x"))]),
                false,
            )
            .await;
        assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
        assert_eq!(problems(&v)[0].1, "template_mismatch");
        let (st, _) = t.upload("jtw", "ZDQ", other, false).await;
        assert_eq!(st, StatusCode::FORBIDDEN);
        let (st, _) = t.upload("office", "JTW", Vec::new(), false).await;
        assert_eq!(st, StatusCode::FORBIDDEN, "only the unit files its reports");
        assert_eq!(t.reports().await, before, "nothing was written");
    }
}

/// A file with thousands of bad rows is answered with the first thousand problems and how
/// many more there are — a page a person can read, not tens of megabytes.
#[tokio::test]
async fn a_flood_of_problems_is_listed_up_to_a_thousand_with_the_count_of_the_rest() {
    let t = apps().await.remove(0);
    let bytes = t.template("jtw", "JTW", "2020-06").await;
    let first = sheets(&bytes)[1].1.len() as u32;
    let edits: Vec<(u32, u16, Data)> = (0..1_500)
        .flat_map(|n| {
            [
                (first + n, ITEM, s("E1.1")),
                (first + n, PERCENT, s("大约一半")),
            ]
        })
        .collect();
    let (st, v) = t.upload("jtw", "JTW", fill(&bytes, &edits), false).await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
    let found = problems(&v);
    assert_eq!(found.len(), 1_001, "{}", found.len());
    assert_eq!(found[1_000].1, "more_problems");
    let last = &v["errors"]
        .as_array()
        .or_else(|| v["problems"].as_array())
        .unwrap()[1_000];
    let message = last["message"].as_str().unwrap();
    let more: u64 = message
        .chars()
        .filter(char::is_ascii_digit)
        .collect::<String>()
        .parse()
        .unwrap_or_else(|_| panic!("a count in {message}"));
    // 1,500 rows, each with a bad percent (and the rules' own problems on top).
    assert!(more >= 500, "{message}");
}

#[tokio::test]
async fn a_closed_period_and_a_fall_without_reason_are_refused() {
    for t in apps().await {
        let stamp = common::stamp("office");
        // An accepted 60 % in April, then April and May closed.
        let new = tuijin_store::NewReport {
            plan: "demo-small".into(),
            item: "E1.1".into(),
            period: tuijin_core::report::Period::parse("2020-04").unwrap(),
            unit: "JTW".into(),
            content: tuijin_core::report::ReportContent {
                percent: Some(tuijin_core::Percent::new(60.0).unwrap()),
                narrative: "四月".into(),
                ..Default::default()
            },
        };
        let r = t.db.store.create_report(new, &stamp).await.unwrap();
        let r =
            t.db.store
                .submit_report(r.id, r.version, &stamp)
                .await
                .unwrap();
        t.db.store
            .accept_report(r.id, r.version, "", &stamp)
            .await
            .unwrap();
        for p in ["2020-04", "2020-05"] {
            t.db.store
                .close_period(
                    "demo-small",
                    tuijin_core::report::Period::parse(p).unwrap(),
                    &stamp,
                )
                .await
                .unwrap();
        }
        let may = t.template("jtw", "JTW", "2020-05").await;
        let rows = &sheets(&may)[1].1;
        let e11 = 1 + rows[1..].iter().position(|r| r[0] == s("E1.1")).unwrap() as u32;
        assert_eq!(
            rows[e11 as usize][5],
            Data::Float(60.0),
            "the last accepted percent"
        );
        let before = t.reports().await;
        let (st, v) = t
            .upload(
                "jtw",
                "JTW",
                fill(
                    &may,
                    &[
                        (e11, PERCENT, Data::Float(70.0)),
                        (e11, NARRATIVE, s("五月")),
                    ],
                ),
                false,
            )
            .await;
        assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
        assert_eq!(
            problems(&v),
            [(format!("填报!A{}", e11 + 1), "period_closed".to_string())]
        );
        let june = t.template("jtw", "JTW", "2020-06").await;
        let (st, v) = t
            .upload(
                "jtw",
                "JTW",
                fill(
                    &june,
                    &[
                        (e11, PERCENT, Data::Float(50.0)),
                        (e11, NARRATIVE, s("回落")),
                    ],
                ),
                true,
            )
            .await;
        assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
        assert_eq!(
            problems(&v),
            [(
                format!("填报!K{}", e11 + 1),
                "fall_needs_reason".to_string()
            )]
        );
        assert_eq!(t.reports().await, before);
    }
}

#[tokio::test]
async fn the_office_downloads_lists_and_the_plan_workbook() {
    for t in apps().await {
        let (st, b) = t
            .call(
                "GET",
                "/api/v1/plans/demo-small/units/JTW/duties.xlsx",
                "office",
                Vec::new(),
            )
            .await;
        assert_eq!(st, StatusCode::OK);
        let rows = &sheets(&b)[0].1;
        assert!(rows.iter().any(|r| r.get(1) == Some(&s("E1.1"))));
        let (st, b) = t
            .call(
                "GET",
                "/api/v1/plans/demo-small/workbook.xlsx",
                "office",
                Vec::new(),
            )
            .await;
        assert_eq!(st, StatusCode::OK);
        let doc = tuijin_export::xlsx::plan::read_plan_xlsx("p.xlsx", b).unwrap();
        assert_eq!(
            doc,
            tuijin_store::PlanStore::export_plan(&t.db.store, "demo-small")
                .await
                .unwrap()
        );
        let (st, _) = t
            .call(
                "GET",
                "/api/v1/plans/demo-small/workbook.xlsx",
                "jtw",
                Vec::new(),
            )
            .await;
        assert_eq!(st, StatusCode::FORBIDDEN);
        let (st, _) = t
            .call(
                "GET",
                "/api/v1/plans/demo-small/units/JTW/template.xlsx?period=2020-Q2",
                "office",
                Vec::new(),
            )
            .await;
        assert_eq!(
            st,
            StatusCode::UNPROCESSABLE_ENTITY,
            "a period of another cadence"
        );
    }
}

#[tokio::test]
async fn past_reports_load_as_history_that_the_as_of_views_show() {
    for t in apps().await {
        let stamp = common::stamp("office");
        let csv = "item,unit,period,percent,narrative\n\
                   E1.1,JTW,2019-06,30,上半年\n\
                   E1.1,JTW,2019-12,55,全年\n";
        let bad = "item,unit,period,percent\nE1.1,ZDQ,2019-06,30\nNOPE,JTW,2019-06,30\nE1.1,JTW,2019-07,300\n";
        let e = tuijin_web::workbooks::import_history(
            &t.db.store,
            "demo-small",
            "bad.csv",
            bad.into(),
            &stamp,
        )
        .await
        .unwrap_err();
        let text = e.render(tuijin_core::i18n::Lang::En);
        for at in ["bad.csv!2:2", "bad.csv!3:1", "bad.csv!4:4"] {
            assert!(text.contains(at), "{at} in {text}");
        }
        assert_eq!(t.reports().await, 0, "nothing was written");
        let n = tuijin_web::workbooks::import_history(
            &t.db.store,
            "demo-small",
            "past.csv",
            csv.into(),
            &stamp,
        )
        .await
        .unwrap();
        assert_eq!(n, 2);
        let on = |d: &str| chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").unwrap();
        let at = |d| {
            let store = t.db.store.clone();
            async move {
                store
                    .plan_progress("demo-small", Some(on(d)))
                    .await
                    .unwrap()
                    .get("E1.1")
                    .and_then(|p| p.percent)
            }
        };
        assert_eq!(at("2019-06-29").await, None);
        assert_eq!(at("2019-07-01").await, Some(30.0));
        assert_eq!(at("2020-01-01").await, Some(55.0));
        // A second load into a plan that now has reports is refused whole.
        let e = tuijin_web::workbooks::import_history(
            &t.db.store,
            "demo-small",
            "past.csv",
            csv.into(),
            &stamp,
        )
        .await
        .unwrap_err();
        assert!(
            e.render(tuijin_core::i18n::Lang::En)
                .contains("already has reports")
        );
        assert_eq!(t.reports().await, 2);
    }
}

/// Past reports obey the rules of a report typed into the form — a parent's percent is its
/// children's, a milestone is 0 or 100, one report per item, unit and period, a period that has
/// begun, a figure for an indicator the plan has — and carry indicator figures, which become the
/// indicator's actuals known from the day of acceptance.
#[tokio::test]
async fn past_reports_obey_the_report_rules_and_carry_figures() {
    use tuijin_store::DirectoryStore;
    for t in apps().await {
        let stamp = common::stamp("office");
        let bad = "item,unit,period,percent,indicator,value\n\
                   E1,JTW,2019-06,30,,\n\
                   E1.2,JTW,2019-06,50,,\n\
                   E1.1,JTW,2019-08,30,,\n\
                   E1.1,JTW,2019-08,35,,\n\
                   E1.1,JTW,2020-08,40,,\n\
                   E1.1,JTW,2019-10,40,no_such,5\n\
                   E1.1,JTW,2019-11,40,metro_km,\n\
                   E1.1,JTW,2019-05,,,\n";
        let e = tuijin_web::workbooks::import_history(
            &t.db.store,
            "demo-small",
            "bad.csv",
            bad.into(),
            &stamp,
        )
        .await
        .unwrap_err();
        let tuijin_web::workbooks::WorkbookError::Cells(cells) = &e else {
            panic!("{e}")
        };
        let found: Vec<(String, &str)> = cells
            .iter()
            .map(|p| (p.at(), p.problem.rule.code()))
            .collect();
        for want in [
            ("bad.csv!2:4", "percent_rolled_up"),
            ("bad.csv!3:4", "milestone_binary"),
            ("bad.csv!5:3", "report_twice"),
            ("bad.csv!6:3", "period_future"),
            ("bad.csv!7:5", "figure_unknown_indicator"),
            ("bad.csv!8:6", "required"),
            ("bad.csv!9:4", "required"),
        ] {
            assert!(
                found.contains(&(want.0.to_string(), want.1)),
                "{want:?} in {found:?}"
            );
        }
        assert!(
            !found.iter().any(|(at, _)| at.starts_with("bad.csv!4:")),
            "the first of two rows is not at fault: {found:?}"
        );
        assert_eq!(t.reports().await, 0, "nothing was written");
        // A report on the parent says what was done, without a percent of its own.
        let csv = "item,unit,period,percent,narrative,indicator,value\n\
                   E1.1,JTW,2019-06,30,,,\n\
                   E1.2,JTW,2019-09,100,,,\n\
                   E1.1,JTW,2019-12,55,,metro_km,151.5\n\
                   E1,JTW,2019-12,,总体推进顺利,,\n";
        let n = tuijin_web::workbooks::import_history(
            &t.db.store,
            "demo-small",
            "past.csv",
            csv.into(),
            &stamp,
        )
        .await
        .unwrap_or_else(|e| panic!("{}", e.render(tuijin_core::i18n::Lang::En)));
        assert_eq!(n, 4);
        let actuals =
            t.db.store
                .indicator_actuals("demo-small", "metro_km")
                .await
                .unwrap();
        let from_report: Vec<_> = actuals.iter().filter(|a| a.report.is_some()).collect();
        assert_eq!(from_report.len(), 1, "{actuals:?}");
        let a = from_report[0];
        assert_eq!(a.value.value(), 151.5);
        assert_eq!(a.period, "2019-12");
        assert_eq!(
            a.entry.known_on,
            chrono::NaiveDate::from_ymd_opt(2019, 12, 31),
            "known from the day the report was accepted"
        );
        let report = t.db.store.get_report(a.report.unwrap()).await.unwrap();
        assert_eq!(report.item.as_str(), "E1.1");
        assert_eq!(report.figures.len(), 1, "the report carries its figure");
    }
}

#[tokio::test]
async fn the_upload_page_shows_every_problem_in_place() {
    use common::site::Site;
    for site in Site::all().await {
        let mut b = site.log_in("jtw").await;
        let page = site.get(&mut b, "/workspace").await;
        assert!(
            page.html.contains("/workspace/excel/demo-small"),
            "a link on the workspace"
        );
        let page = site.get(&mut b, "/workspace/excel/demo-small").await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(
            page.html
                .contains("/api/v1/plans/demo-small/units/JTW/template.xlsx?period=2020-06")
        );
        assert!(
            page.html
                .contains("/api/v1/plans/demo-small/units/JTW/duties.xlsx")
        );
        let csrf = page.csrf();
        let period = tuijin_core::report::Period::parse("2020-06").unwrap();
        let bytes = tuijin_web::workbooks::template(&site.db.store, "demo-small", "JTW", period)
            .await
            .unwrap();
        let rows = &sheets(&bytes)[1].1;
        let e11 = 1 + rows[1..].iter().position(|r| r[0] == s("E1.1")).unwrap() as u32;
        let broken = fill(
            &bytes,
            &[(e11, PERCENT, s("很多")), (e11, TITLE, s("改名"))],
        );
        let form = [
            ("csrf", csrf.as_str()),
            ("unit", "JTW"),
            ("action", "draft"),
        ];
        let page = site
            .upload(
                &mut b,
                "/workspace/excel/demo-small",
                &form,
                &[("workbook", "t.xlsx", &broken)],
            )
            .await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.html);
        let html = &page.html;
        assert!(html.contains("excel-problems"), "{html}");
        for cell in [format!("I{}", e11 + 1), format!("B{}", e11 + 1)] {
            assert!(
                html.contains(&format!("<td class=\"code\">{cell}</td>")),
                "{cell} in {html}"
            );
        }
        assert!(
            html.contains("0 到 100") || html.contains("0 to 100"),
            "{html}"
        );
        let good = fill(
            &bytes,
            &[
                (e11, PERCENT, Data::Float(33.0)),
                (e11, NARRATIVE, s("推进")),
            ],
        );
        let page = site
            .upload(
                &mut b,
                "/workspace/excel/demo-small",
                &form,
                &[("workbook", "t.xlsx", &good)],
            )
            .await;
        assert!(!page.html.contains("excel-problems"), "{}", page.html);
        assert!(page.html.contains("notice good"), "{}", page.html);
        // The office finds each unit's files on the units page, the plan workbook on the cockpit.
        let mut office = site.log_in("office").await;
        let units = site.get(&mut office, "/plans/demo-small/units").await;
        assert!(
            units
                .html
                .contains("/api/v1/plans/demo-small/units/ZDQ/duties.xlsx")
        );
        let cockpit = site.get(&mut office, "/plans/demo-small").await;
        assert!(
            cockpit
                .html
                .contains("/api/v1/plans/demo-small/workbook.xlsx")
        );
    }
}
