//! Lists as CSV, end to end: every list of the API with `?format=csv` or `Accept: text/csv`
//! gives the rows its JSON gives the same caller (all pages of them), and the list pages give
//! their rows with headers in the viewer's language. Files start with a BOM, end lines with
//! CRLF, and carry no formulas.

use std::collections::HashMap;

use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode, header};
use serde_json::Value;
use tower::ServiceExt;
use tuijin_web::csv_out::LISTS;

mod common;
use common::site::{Browser, Site};

/// What a unit types into a report: a formula that would run when the office opens the file.
const FORMULA: &str = "=HYPERLINK(\"http://evil.example/\",\"点我\")";

struct Answer {
    status: StatusCode,
    headers: HeaderMap,
    bytes: Vec<u8>,
}

impl Answer {
    fn ctype(&self) -> &str {
        self.headers
            .get(header::CONTENT_TYPE)
            .map(|v| v.to_str().unwrap())
            .unwrap_or_default()
    }

    fn json(&self) -> Value {
        serde_json::from_slice(&self.bytes).unwrap_or(Value::Null)
    }

    /// The file checked for BOM and line ends, read back as a header and rows.
    fn table(&self) -> (Vec<String>, Vec<Vec<String>>) {
        assert_eq!(self.status, StatusCode::OK, "{}", self.text());
        assert_eq!(self.ctype(), "text/csv; charset=utf-8");
        assert_eq!(&self.bytes[..3], b"\xEF\xBB\xBF", "a BOM first");
        let body = std::str::from_utf8(&self.bytes[3..]).unwrap();
        assert!(body.ends_with("\r\n"), "CRLF: {body:?}");
        let mut r = csv::ReaderBuilder::new()
            .has_headers(false)
            .from_reader(body.as_bytes());
        let mut all = r
            .records()
            .map(|x| x.unwrap().iter().map(str::to_string).collect::<Vec<_>>());
        let head = all.next().expect("a header row");
        (head, all.collect())
    }

    fn text(&self) -> String {
        String::from_utf8_lossy(&self.bytes).into_owned()
    }
}

/// The values of one column, by its header.
fn column(t: &(Vec<String>, Vec<Vec<String>>), name: &str) -> Vec<String> {
    let at =
        t.0.iter()
            .position(|h| h == name)
            .unwrap_or_else(|| panic!("no column {name} in {:?}", t.0));
    t.1.iter().map(|r| r[at].clone()).collect()
}

struct App {
    site: Site,
    tokens: HashMap<&'static str, String>,
}

impl App {
    async fn all() -> Vec<App> {
        use tuijin_store::AccountStore;
        let mut out = Vec::new();
        for site in Site::all().await {
            let mut tokens = HashMap::new();
            for name in ["admin", "office", "leader", "jtw", "zdq"] {
                let (t, _) = site
                    .db
                    .store
                    .create_token(name, "test", None, &common::stamp("test"))
                    .await
                    .unwrap();
                tokens.insert(name, t);
            }
            seed(&site).await;
            out.push(App { site, tokens });
        }
        out
    }

    async fn get(&self, who: Option<&str>, uri: &str, accept: Option<&str>) -> Answer {
        let mut req = Request::get(uri);
        if let Some(w) = who {
            req = req.header(header::AUTHORIZATION, format!("Bearer {}", self.tokens[w]));
        }
        if let Some(a) = accept {
            req = req.header(header::ACCEPT, a);
        }
        send(&self.site, req.body(Body::empty()).unwrap()).await
    }

    /// Every row of a JSON list, following its cursor.
    async fn json_all(&self, who: Option<&str>, uri: &str) -> Vec<Value> {
        let mut out = Vec::new();
        let mut next: Option<String> = None;
        loop {
            let sep = if uri.contains('?') { '&' } else { '?' };
            let page = match &next {
                Some(c) => format!("{uri}{sep}limit=1&cursor={}", common::site::urlencode(c)),
                None => format!("{uri}{sep}limit=1"),
            };
            let a = self.get(who, &page, None).await;
            assert_eq!(a.status, StatusCode::OK, "{page}: {}", a.text());
            let v = a.json();
            out.extend(v["items"].as_array().unwrap().iter().cloned());
            match v["next_cursor"].as_str() {
                Some(c) => next = Some(c.to_string()),
                None => return out,
            }
        }
    }
}

async fn send(site: &Site, req: Request<Body>) -> Answer {
    let res = site.app.clone().oneshot(req).await.unwrap();
    let status = res.status();
    let headers = res.headers().clone();
    let bytes = axum::body::to_bytes(res.into_body(), 64 << 20)
        .await
        .unwrap()
        .to_vec();
    Answer {
        status,
        headers,
        bytes,
    }
}

/// A page as a logged-in browser gets it, headers and all.
async fn page(site: &Site, b: &Browser, uri: &str) -> Answer {
    let c: Vec<String> = b.cookies.iter().map(|(k, v)| format!("{k}={v}")).collect();
    let req = Request::get(uri)
        .header(header::COOKIE, c.join("; "))
        .body(Body::empty())
        .unwrap();
    send(site, req).await
}

/// Reports (JTW's submitted one carrying a formula, ZDQ's draft), a notice to each unit, the
/// warnings of the day.
async fn seed(site: &Site) {
    use tuijin_core::Percent;
    use tuijin_core::report::{Period, ReportContent};
    use tuijin_store::{NewNotice, NewReport, NoticeStore, PlanStore, ReportStore};
    let s = &site.db.store;
    let report = |item: &str, unit: &str, percent: Option<f64>, narrative: &str| NewReport {
        plan: "demo-small".into(),
        item: item.into(),
        period: Period::parse("2020-05").unwrap(),
        unit: unit.into(),
        content: ReportContent {
            percent: percent.map(|p| Percent::new(p).unwrap()),
            narrative: narrative.into(),
            ..Default::default()
        },
    };
    let jtw = common::stamp("jtw");
    let r = s
        .create_report(report("E1.1", "JTW", Some(45.0), FORMULA), &jtw)
        .await
        .unwrap();
    s.submit_report(r.id, r.version, &jtw).await.unwrap();
    s.create_report(
        report("E1", "ZDQ", None, "中原区配合推进"),
        &common::stamp("zdq"),
    )
    .await
    .unwrap();
    let doc = PlanStore::export_plan(s, "demo-small").await.unwrap();
    for (item, unit, title) in [
        ("E1.1", "JTW", "督办地铁运营里程"),
        ("E1", "ZDQ", "督办中原区配合"),
    ] {
        s.issue_notice(
            NewNotice {
                plan: "demo-small".into(),
                items: vec![item.into()],
                units: vec![unit.into()],
                level: 0,
                title: title.into(),
                actions: "-按期报送".into(),
                reply_by: chrono::NaiveDate::from_ymd_opt(2020, 7, 10).unwrap(),
                facts: Vec::new(),
                prompted_by: Vec::new(),
            },
            &doc.plan.notices,
            &common::stamp("office"),
        )
        .await
        .unwrap();
    }
    let state = tuijin_web::AppState::new(s.clone(), common::today(), true);
    tuijin_web::jobs::refresh_all(&state).await;
}

#[tokio::test]
async fn api_lists_answer_csv_with_the_rows_of_their_json() {
    for t in App::all().await {
        let label = t.site.db.label();
        // The file: named, typed, with a BOM, CRLF, a header of JSON names and Chinese intact.
        let a = t
            .get(
                Some("office"),
                "/api/v1/items?plan=demo-small&format=csv",
                None,
            )
            .await;
        assert_eq!(
            a.headers[header::CONTENT_DISPOSITION],
            "attachment; filename=\"demo-small-items-2020-06-30.csv\"",
            "{label}"
        );
        let items = a.table();
        assert_eq!(
            items.0[..8],
            [
                "plan", "code", "kind", "parent", "title_zh", "title_en", "lead", "co"
            ]
        );
        assert_eq!(column(&items, "code"), ["P1", "E1", "E1.1", "E1.2"]);
        assert_eq!(column(&items, "title_zh")[1], "畅通郑州工程");
        assert_eq!(column(&items, "co")[1], "FGW;ZDQ");
        assert!(a.text().contains("\r\n"));
        // Asked by Accept, the same file; JSON preferred, JSON.
        let b = t
            .get(
                Some("office"),
                "/api/v1/items?plan=demo-small",
                Some("text/csv"),
            )
            .await;
        assert_eq!(b.bytes, a.bytes);
        let j = t
            .get(
                Some("office"),
                "/api/v1/items?plan=demo-small",
                Some("application/json, text/csv;q=0.5"),
            )
            .await;
        assert!(j.ctype().starts_with("application/json"), "{}", j.ctype());
        // Filters apply; paging does not (the file has every row).
        let m = t
            .get(
                Some("office"),
                "/api/v1/items?kind=milestone&format=csv",
                None,
            )
            .await
            .table();
        assert_eq!(column(&m, "code"), ["E1.2"]);
        let all = t
            .get(Some("office"), "/api/v1/items?limit=1&format=csv", None)
            .await
            .table();
        assert_eq!(all.1.len(), 4, "{label}: every page");

        // Each paged list, for each caller, holds exactly the rows its JSON pages hold.
        for (list, key) in [
            ("/api/v1/items?plan=demo-small", "code"),
            ("/api/v1/reports", "id"),
            ("/api/v1/warnings?plan=demo-small", "id"),
            ("/api/v1/notices?plan=demo-small", "id"),
        ] {
            for who in [
                None,
                Some("office"),
                Some("leader"),
                Some("jtw"),
                Some("zdq"),
            ] {
                let sep = if list.contains('?') { '&' } else { '?' };
                let a = t.get(who, &format!("{list}{sep}format=csv"), None).await;
                let json = t.get(who, list, None).await;
                if json.status != StatusCode::OK {
                    // Refused alike, as a problem document.
                    assert_eq!(a.status, json.status, "{label} {list} {who:?}");
                    assert_eq!(a.ctype(), "application/problem+json");
                    continue;
                }
                let rows = t.json_all(who, list).await;
                let want: Vec<String> = rows
                    .iter()
                    .map(|r| match &r[key] {
                        Value::String(s) => s.clone(),
                        other => other.to_string(),
                    })
                    .collect();
                assert_eq!(column(&a.table(), key), want, "{label} {list} as {who:?}");
            }
        }

        // Reports: a unit gets its own and the others' accepted only, as in JSON; the formula is
        // text.
        let office = t
            .get(Some("office"), "/api/v1/reports?format=csv", None)
            .await
            .table();
        assert_eq!(column(&office, "unit"), ["JTW", "ZDQ"], "{label}");
        assert_eq!(column(&office, "narrative")[0], format!("'{FORMULA}"));
        assert_eq!(column(&office, "narrative")[1], "中原区配合推进");
        let jtw = t
            .get(Some("jtw"), "/api/v1/reports?format=csv", None)
            .await
            .table();
        assert_eq!(column(&jtw, "unit"), ["JTW"], "not ZDQ's draft");
        let submitted = t
            .get(
                Some("office"),
                "/api/v1/reports?state=draft&format=csv",
                None,
            )
            .await
            .table();
        assert_eq!(column(&submitted, "unit"), ["ZDQ"]);

        // Warnings and notices: filters, a unit's share, text starting with `-` guarded.
        let w = t
            .get(
                Some("office"),
                "/api/v1/warnings?plan=demo-small&kind=overdue&format=csv",
                None,
            )
            .await
            .table();
        assert!(column(&w, "kind").iter().all(|k| k == "overdue"), "{w:?}");
        assert!(column(&w, "item").contains(&"E1.2".to_string()), "{w:?}");
        let n = t
            .get(Some("zdq"), "/api/v1/notices?format=csv", None)
            .await
            .table();
        assert_eq!(column(&n, "title"), ["督办中原区配合"], "ZDQ's only");
        assert_eq!(column(&n, "actions"), ["'-按期报送"]);
        assert_eq!(column(&n, "units"), ["ZDQ"]);

        // Anonymous readers: the public part, as in JSON.
        let anon = t.get(None, "/api/v1/items?format=csv", None).await.table();
        let public: Vec<String> = t
            .json_all(None, "/api/v1/items")
            .await
            .iter()
            .map(|i| i["code"].as_str().unwrap().to_string())
            .collect();
        assert_eq!(column(&anon, "code"), public);
        let (s, ctype) = {
            let a = t.get(None, "/api/v1/reports?format=csv", None).await;
            (a.status, a.ctype().to_string())
        };
        assert_eq!(
            (s, ctype.as_str()),
            (StatusCode::UNAUTHORIZED, "application/problem+json")
        );

        // A format the API does not write, refused; a route that is no list, untouched.
        let bad = t
            .get(Some("office"), "/api/v1/items?format=xml", None)
            .await;
        assert_eq!(
            bad.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{}",
            bad.text()
        );
        let one = t
            .get(Some("office"), "/api/v1/plans/demo-small?format=csv", None)
            .await;
        assert!(one.ctype().starts_with("application/json"));
    }
}

#[tokio::test]
async fn every_listed_route_answers_csv_and_rankings_respect_publication() {
    for t in App::all().await {
        let label = t.site.db.label();
        let (run, _) = common::published_run(&t.site.db.store).await;
        for list in LISTS {
            let uri = format!(
                "/api/v1{}?format=csv",
                list.path
                    .replace("{plan}", "demo-small")
                    .replace(
                        "{code}",
                        if list.path.contains("indicators") {
                            "metro_km"
                        } else {
                            "E1"
                        }
                    )
                    .replace("{run}", &run.to_string())
            );
            let a = t.get(Some("office"), &uri, None).await;
            let table = a.table();
            assert_eq!(table.0, list.header(), "{label} {uri}");
        }
        let r = t
            .get(
                Some("jtw"),
                &format!("/api/v1/assessments/{run}?format=csv"),
                None,
            )
            .await;
        assert_eq!(
            r.headers[header::CONTENT_DISPOSITION],
            "attachment; filename=\"demo-small-ranking-2020-06-30.csv\""
        );
        let ranking = r.table();
        assert!(
            column(&ranking, "unit").contains(&"JTW".to_string()),
            "{ranking:?}"
        );
        assert!(
            column(&ranking, "rank")
                .iter()
                .all(|r| r.parse::<u32>().is_ok())
        );
        // A draft run: hidden from a unit in CSV as in JSON.
        use tuijin_store::AssessStore;
        let draft = t
            .site
            .db
            .store
            .create_assessment(
                "demo-small",
                tuijin_core::assess::AssessPeriod::parse("2020-Q1").unwrap(),
                None,
                &common::stamp("office"),
            )
            .await
            .unwrap()
            .id;
        let hidden = t
            .get(
                Some("jtw"),
                &format!("/api/v1/assessments/{draft}?format=csv"),
                None,
            )
            .await;
        assert_eq!(hidden.status, StatusCode::NOT_FOUND);
        let seen = t
            .get(
                Some("office"),
                &format!("/api/v1/assessments/{draft}?format=csv"),
                None,
            )
            .await;
        assert_eq!(seen.status, StatusCode::OK);
    }
}

#[tokio::test]
async fn the_openapi_document_and_the_docs_name_every_csv_list() {
    let docs =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/csv.md")).unwrap();
    let t = App::all().await.remove(0);
    let spec = t.get(None, "/api/v1/openapi.json", None).await.json();
    for list in LISTS {
        let path = format!("/api/v1{}", list.path);
        assert!(
            docs.contains(&format!("`GET {path}`")),
            "docs/csv.md lacks {path}"
        );
        let get = &spec["paths"][&path]["get"];
        assert!(
            get["responses"]["200"]["content"]["text/csv"].is_object(),
            "{path}: {get}"
        );
        assert!(
            get["parameters"]
                .as_array()
                .unwrap()
                .iter()
                .any(|p| p["name"] == "format"),
            "{path}"
        );
    }
}

#[tokio::test]
async fn list_pages_download_their_rows_in_the_viewers_language() {
    for t in App::all().await {
        let site = &t.site;
        let label = site.db.label();
        let mut office = site.log_in("office").await;

        // The tree: the link carries the filters; the file has the matching rows.
        let html = site
            .get(&mut office, "/plans/demo-small/tree?kind=milestone")
            .await
            .html;
        assert!(html.contains("下载 CSV"), "{label}");
        assert!(
            html.contains("href=\"/plans/demo-small/tree?kind=milestone&amp;format=csv\""),
            "{html}"
        );
        let tree = page(site, &office, "/plans/demo-small/tree?format=csv").await;
        assert_eq!(
            tree.headers[header::CONTENT_DISPOSITION],
            "attachment; filename=\"demo-small-items-2020-06-30.csv\""
        );
        let tree = tree.table();
        assert_eq!(tree.0[..2], ["编码", "名称"]);
        assert_eq!(column(&tree, "编码"), ["P1", "E1", "E1.1", "E1.2"]);
        assert_eq!(column(&tree, "名称")[1], "畅通郑州工程");
        let m = page(
            site,
            &office,
            "/plans/demo-small/tree?kind=milestone&format=csv",
        )
        .await
        .table();
        assert_eq!(column(&m, "名称"), ["四环快速化工程开工"]);

        // Warnings, filtered.
        let w = page(
            site,
            &office,
            "/plans/demo-small/warnings?kind=overdue&format=csv",
        )
        .await
        .table();
        assert!(column(&w, "编码").contains(&"E1.2".to_string()), "{w:?}");
        assert!(
            column(&w, "预警类型").iter().all(|k| k == "逾期未完成"),
            "{w:?}"
        );
        assert!(
            site.get(&mut office, "/plans/demo-small/warnings")
                .await
                .html
                .contains("/plans/demo-small/warnings?format=csv")
        );

        // The review queue: the submitted report, its formula made text.
        let q = page(site, &office, "/review?format=csv").await.table();
        assert_eq!(column(&q, "名称"), ["地铁运营里程超过300公里"]);
        assert_eq!(column(&q, "完成情况")[0], format!("'{FORMULA}"), "{q:?}");

        // Notices: the office sees both; a unit only its own, as on the page.
        let n = page(site, &office, "/plans/demo-small/notices?format=csv")
            .await
            .table();
        assert_eq!(n.1.len(), 2, "{n:?}");
        let zdq = site.log_in("zdq").await;
        let n = page(site, &zdq, "/plans/demo-small/notices?format=csv")
            .await
            .table();
        assert_eq!(column(&n, "督办事项"), ["督办中原区配合"]);

        // Rankings of a published run, for a unit; in English when the viewer reads English.
        let (run, _) = common::published_run(&site.db.store).await;
        let mut jtw = site.log_in("jtw").await;
        let html = site
            .get(&mut jtw, &format!("/assessments/{run}"))
            .await
            .html;
        assert!(
            html.contains(&format!("/assessments/{run}?format=csv")),
            "{html}"
        );
        let r = page(site, &jtw, &format!("/assessments/{run}?format=csv"))
            .await
            .table();
        assert_eq!(r.0[..2], ["类别", "名次"]);
        let csrf = site.get(&mut jtw, "/workspace").await.csrf();
        site.request(
            &mut jtw,
            "POST",
            "/lang",
            &[("csrf", &csrf), ("lang", "en"), ("next", "/workspace")],
        )
        .await;
        let r = page(site, &jtw, &format!("/assessments/{run}?format=csv"))
            .await
            .table();
        assert_eq!(r.0[..4], ["Category", "Rank", "Unit code", "Unit"]);
        assert!(column(&r, "Unit code").contains(&"JTW".to_string()));

        // Python's csv module reads the file as a spreadsheet user's tools would.
        let bytes = page(site, &office, "/plans/demo-small/tree?format=csv")
            .await
            .bytes;
        python_reads(&bytes, "畅通郑州工程");
    }
}

/// Python's `csv` reads the file (with `utf-8-sig`, the BOM removed) and finds `text` in a
/// cell, every row as wide as the header.
fn python_reads(bytes: &[u8], text: &str) {
    use std::io::Write;
    let mut f = tempfile::NamedTempFile::new().unwrap();
    f.write_all(bytes).unwrap();
    let script = r#"
import csv, sys
with open(sys.argv[1], encoding="utf-8-sig", newline="") as f:
    rows = list(csv.reader(f))
assert rows, "no rows"
assert all(len(r) == len(rows[0]) for r in rows), rows
assert any(sys.argv[2] in c for r in rows for c in r), rows
print(len(rows))
"#;
    let out = std::process::Command::new("python3")
        .args(["-c", script])
        .arg(f.path())
        .arg(text)
        .output()
        .expect("python3 on the test machine");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A CSV request is checked as its JSON list is: a malformed cursor or a limit out of range is
/// refused, not ignored (schemathesis found the cursor accepted); a valid limit only sizes the
/// pages read, the file still holds every row.
#[tokio::test]
async fn a_csv_request_with_a_bad_cursor_or_limit_is_refused_like_json() {
    for t in App::all().await {
        let a = t
            .get(
                Some("office"),
                "/api/v1/notices?format=csv&cursor=__main__",
                None,
            )
            .await;
        assert_eq!(a.status, StatusCode::BAD_REQUEST, "{}", a.text());
        let a = t
            .get(Some("office"), "/api/v1/items?format=csv&limit=0", None)
            .await;
        let json = t.get(Some("office"), "/api/v1/items?limit=0", None).await;
        assert_eq!(a.status, json.status, "{}", a.text());
        assert_eq!(a.status, StatusCode::BAD_REQUEST, "{}", a.text());
        let all = t
            .get(Some("office"), "/api/v1/items?format=csv", None)
            .await;
        let small = t
            .get(Some("office"), "/api/v1/items?format=csv&limit=2", None)
            .await;
        assert_eq!(all.table().1.len(), small.table().1.len());
    }
}
