//! The read API end to end: the real router on a fresh database (SQLite, and PostgreSQL when
//! configured), requests in-process.

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use serde_json::Value;
use tower::ServiceExt;
use tuijin_store::testing::TestDb;
use tuijin_web::{AppState, router};

mod common;

struct TestApp {
    db: TestDb,
    app: axum::Router,
    /// API tokens by user: admin, office, leader, jtw (unit JTW), zdq (unit ZDQ).
    tokens: std::collections::HashMap<&'static str, String>,
}

async fn users(store: &tuijin_store::Store) -> std::collections::HashMap<&'static str, String> {
    use tuijin_store::AccountStore;
    let mut out = std::collections::HashMap::new();
    for name in common::add_users(store, None).await {
        let (token, _) = store
            .create_token(name, "test", None, &common::stamp("test"))
            .await
            .unwrap();
        out.insert(name, token);
    }
    out
}

impl TestApp {
    async fn all() -> Vec<TestApp> {
        let mut out = Vec::new();
        for db in common::with_small_plan().await {
            let clock = common::today();
            let state = AppState::new(db.store.clone(), clock, true);
            let tokens = users(&db.store).await;
            out.push(TestApp {
                app: router(state),
                tokens,
                db,
            });
        }
        out
    }

    /// A GET as the office.
    async fn get(&self, uri: &str) -> (StatusCode, String, Value) {
        self.get_as(Some("office"), uri).await
    }

    /// A GET as a user (by name), or anonymously.
    async fn get_as(&self, who: Option<&str>, uri: &str) -> (StatusCode, String, Value) {
        let mut req = Request::get(uri);
        if let Some(w) = who {
            req = req.header(header::AUTHORIZATION, format!("Bearer {}", self.tokens[w]));
        }
        let res = self
            .app
            .clone()
            .oneshot(req.body(Body::empty()).unwrap())
            .await
            .unwrap();
        let status = res.status();
        let ctype = res
            .headers()
            .get(header::CONTENT_TYPE)
            .map(|v| v.to_str().unwrap().to_string())
            .unwrap_or_default();
        let bytes = axum::body::to_bytes(res.into_body(), 10 << 20)
            .await
            .unwrap();
        let json = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        (status, ctype, json)
    }
}

fn codes(v: &Value) -> Vec<String> {
    v["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["code"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn health_reports_database_and_simulated_today() {
    for t in TestApp::all().await {
        let (s, _, v) = t.get("/healthz").await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(v["database"], "ok");
        assert_eq!(v["today"], "2020-06-30");
        assert_eq!(v["simulated_today"], true);
    }
}

#[tokio::test]
async fn items_filter_by_kind_unit_parent_and_page() {
    for t in TestApp::all().await {
        let (s, _, v) = t.get("/api/v1/items?kind=project").await;
        assert_eq!(s, StatusCode::OK, "{}", t.db.label());
        assert_eq!(codes(&v), ["E1", "E1.1"]);
        let e1 = &v["items"][0];
        assert_eq!(e1["title"]["zh"], "畅通郑州工程");
        assert_eq!(e1["title"]["en"], "Smooth-Flowing Zhengzhou project");
        assert_eq!(e1["lead"], "JTW");
        assert_eq!(e1["due"], "2020-12-31");
        assert_eq!(e1["co"], serde_json::json!(["FGW", "ZDQ"]));

        let (_, _, v) = t.get("/api/v1/items?unit=ZDQ").await;
        assert_eq!(codes(&v), ["E1"]);
        let (_, _, v) = t.get("/api/v1/items?parent=E1").await;
        assert_eq!(codes(&v), ["E1.1", "E1.2"]);
        let (_, _, v) = t.get("/api/v1/items?parent=").await;
        assert_eq!(codes(&v), ["P1", "E1"]);

        let (_, _, p1) = t.get("/api/v1/items?limit=3").await;
        assert_eq!(codes(&p1).len(), 3);
        let cursor = p1["next_cursor"].as_str().unwrap();
        let (_, _, p2) = t
            .get(&format!("/api/v1/items?limit=3&cursor={cursor}"))
            .await;
        assert_eq!(codes(&p2), ["E1.2"]);
        assert!(p2["next_cursor"].is_null());
    }
}

#[tokio::test]
async fn one_item_with_children_links_and_provenance() {
    for t in TestApp::all().await {
        let (s, _, v) = t.get("/api/v1/plans/demo-small/items/E1").await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(v["item"]["three_ones"], true);
        assert_eq!(v["children"].as_array().unwrap().len(), 2);
        assert_eq!(v["supports"][0]["code"], "P1");
        let (_, _, v) = t.get("/api/v1/plans/demo-small/items/E1.1").await;
        assert_eq!(
            v["item"]["source"],
            "确保2020年全市建成运营地铁里程超过300公里"
        );
        assert_eq!(v["item"]["target"]["value"], 300.0);
        let (_, _, v) = t.get("/api/v1/plans/demo-small/items/P1").await;
        assert_eq!(v["supported_by"][0]["code"], "E1");
        let (_, _, v) = t.get("/api/v1/plans/demo-small/items/E1/subtree").await;
        assert_eq!(codes(&v), ["E1", "E1.1", "E1.2"]);
    }
}

/// Item views carry where each item stands — progress, expected progress and status — on the
/// day asked for (today by default; a past day as recorded then), for callers who may read the
/// plan's progress; anonymous visitors get none, and a day to come is refused.
#[tokio::test]
async fn item_views_carry_where_each_stands_on_the_day() {
    use tuijin_store::ReportStore;
    for t in TestApp::all().await {
        let day = |s: &str| chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        t.db.store
            .load_history(
                "demo-small",
                &[tuijin_core::sample::HistoricReport {
                    item: tuijin_core::Code::parse("E1.1").unwrap(),
                    unit: tuijin_core::Code::parse("JTW").unwrap(),
                    period: tuijin_core::report::Period::parse("2019-12").unwrap(),
                    percent: Some(40.0),
                    narrative: "推进".into(),
                    problems: String::new(),
                    next_steps: String::new(),
                    submitted_on: day("2020-01-03"),
                    accepted_on: day("2020-01-05"),
                    figures: Vec::new(),
                }],
                &common::stamp("office"),
            )
            .await
            .unwrap();
        let (s, _, v) = t.get("/api/v1/plans/demo-small/items/E1").await;
        assert_eq!(s, StatusCode::OK);
        let e11 = &v["children"][0];
        assert_eq!(e11["code"], "E1.1");
        assert_eq!(e11["standing"]["date"], "2020-06-30");
        assert_eq!(e11["standing"]["progress"]["percent"], 40.0);
        assert!(e11["standing"]["status"].is_string(), "{e11}");
        assert!(v["item"]["standing"]["expected"].is_number(), "{v}");
        let (_, _, then) = t
            .get("/api/v1/plans/demo-small/items/E1.1?as_of=2020-01-04")
            .await;
        assert_eq!(then["item"]["standing"]["date"], "2020-01-04");
        assert!(
            then["item"]["standing"]["progress"]["percent"].is_null(),
            "not accepted yet on the day: {then}"
        );
        let (_, _, list) = t
            .get("/api/v1/items?plan=demo-small&parent=E1&as_of=2020-02-01")
            .await;
        assert_eq!(list["items"][0]["standing"]["progress"]["percent"], 40.0);
        let (_, _, sub) = t.get("/api/v1/plans/demo-small/items/E1/subtree").await;
        assert!(
            sub["items"]
                .as_array()
                .unwrap()
                .iter()
                .all(|i| i["standing"]["status"].is_string()),
            "{sub}"
        );
        let (_, _, anon) = t.get_as(None, "/api/v1/items?plan=demo-small").await;
        assert!(
            anon["items"]
                .as_array()
                .unwrap()
                .iter()
                .all(|i| i["standing"].is_null()),
            "{anon}"
        );
        let (s, _, _) = t
            .get("/api/v1/plans/demo-small/items/E1?as_of=2020-07-01")
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "a day to come");
        let (s, _, _) = t
            .get("/api/v1/items?plan=demo-small&parent=NOPE&as_of=2020-07-01")
            .await;
        assert_eq!(
            s,
            StatusCode::UNPROCESSABLE_ENTITY,
            "a day to come, with nothing listed"
        );
        // A positioning stands where the work that serves it is, as the pages show it.
        let (_, _, p1) = t.get("/api/v1/plans/demo-small/items/P1").await;
        assert_eq!(
            p1["item"]["standing"]["progress"],
            v["item"]["standing"]["progress"].clone(),
            "P1 is served by E1 alone: {p1}"
        );
        assert_eq!(p1["item"]["standing"]["progress"]["percent"], 40.0, "{p1}");
        // A cursor is a place in (plan, position) order: one past this plan leaves nothing,
        // one before it starts from the first child.
        let (s, _, after) = t
            .get("/api/v1/items?plan=demo-small&parent=E1&cursor=999-1")
            .await;
        assert_eq!(s, StatusCode::OK);
        assert!(codes(&after).is_empty(), "{after}");
        let (_, _, before) = t
            .get("/api/v1/items?plan=demo-small&parent=E1&cursor=0-1")
            .await;
        assert_eq!(codes(&before), ["E1.1", "E1.2"]);
        assert!(v["children_next_cursor"].is_null(), "two children: {v}");
    }
}

/// To anonymous visitors an unpublished or archived item is exactly a missing one: the same
/// status and the same words, for the item and its subtree.
#[tokio::test]
async fn a_hidden_item_answers_visitors_as_a_missing_one() {
    use tuijin_store::PlanStore;
    for t in TestApp::all().await {
        let mut doc = t.db.store.export_plan("demo-small").await.unwrap();
        for i in doc.items.iter_mut() {
            i.public = i.code.as_str() != "E1.1";
        }
        doc.items.retain(|i| i.code.as_str() != "E1.2");
        t.db.store
            .import_plan(&doc, &common::stamp("office"))
            .await
            .unwrap();
        async fn answer(t: &TestApp, code: &str, tail: &str) -> (StatusCode, String) {
            let uri = format!("/api/v1/plans/demo-small/items/{code}{tail}");
            let (s, _, v) = t.get_as(None, &uri).await;
            let detail = v["detail"]
                .as_str()
                .unwrap_or_default()
                .replace(code, "CODE");
            (s, detail)
        }
        for tail in ["", "/subtree"] {
            let missing = answer(&t, "NOPE", tail).await;
            assert_eq!(missing.0, StatusCode::NOT_FOUND);
            assert_eq!(
                answer(&t, "E1.1", tail).await,
                missing,
                "unpublished {tail}"
            );
            assert_eq!(answer(&t, "E1.2", tail).await, missing, "archived {tail}");
        }
        let (s, _, _) = t.get_as(None, "/api/v1/plans/demo-small/items/E1").await;
        assert_eq!(s, StatusCode::OK);
    }
}

#[tokio::test]
async fn a_visitor_sees_a_published_item_under_an_unpublished_one_as_a_root() {
    use tuijin_store::PlanStore;
    for t in TestApp::all().await {
        let mut doc = t.db.store.export_plan("demo-small").await.unwrap();
        for i in doc.items.iter_mut() {
            i.public = i.code.as_str() != "E1";
        }
        t.db.store
            .import_plan(&doc, &common::stamp("office"))
            .await
            .unwrap();
        let codes = |v: &serde_json::Value| -> Vec<(String, serde_json::Value)> {
            v["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|i| (i["code"].as_str().unwrap().to_string(), i["parent"].clone()))
                .collect()
        };
        let (s, _, all) = t.get_as(None, "/api/v1/items?plan=demo-small").await;
        assert_eq!(s, StatusCode::OK);
        let (_, _, roots) = t
            .get_as(None, "/api/v1/items?plan=demo-small&parent=")
            .await;
        let all = codes(&all);
        let roots = codes(&roots);
        assert!(all.iter().all(|(c, _)| c != "E1"), "{all:?}");
        // Every item the flat list shows without a parent is a root of the published tree.
        let parentless: Vec<_> = all.iter().filter(|(_, p)| p.is_null()).cloned().collect();
        assert_eq!(parentless, roots, "{}", t.db.label());
        assert!(roots.iter().any(|(c, _)| c == "E1.1"), "{roots:?}");
        // The office still sees the tree as it is.
        let (_, _, office) = t.get("/api/v1/items?plan=demo-small&parent=").await;
        assert!(codes(&office).iter().all(|(c, _)| c != "E1.1"));
    }
}

#[tokio::test]
async fn plans_units_indicators_and_spec() {
    for t in TestApp::all().await {
        let (_, _, v) = t.get("/api/v1/plans").await;
        assert_eq!(v["items"][0]["code"], "demo-small");
        assert_eq!(v["items"][0]["item_count"], 4);
        let (_, _, v) = t.get("/api/v1/plans/demo-small").await;
        assert_eq!(v["stages"][0]["code"], "S2020");
        let project = v["levels"]
            .as_array()
            .unwrap()
            .iter()
            .find(|l| l["kind"] == "project")
            .unwrap();
        assert_eq!(project["label"]["zh"], "支撑性工程");
        let (_, _, v) = t.get("/api/v1/units").await;
        assert_eq!(v["items"].as_array().unwrap().len(), 3);
        let (_, _, v) = t.get("/api/v1/plans/demo-small/indicators").await;
        assert_eq!(v["items"][0]["targets"][0]["value"], 300.0);
        let (s, _, spec) = t.get("/api/v1/openapi.json").await;
        assert_eq!(s, StatusCode::OK);
        for path in [
            "/api/v1/items",
            "/api/v1/plans/{plan}/items/{code}",
            "/api/v1/units",
            "/healthz",
        ] {
            assert!(
                spec["paths"].get(path).is_some(),
                "{path} missing from the spec"
            );
        }
    }
}

#[tokio::test]
async fn errors_are_problem_json_with_the_right_status() {
    for t in TestApp::all().await {
        for (uri, status) in [
            ("/api/v1/plans/nope", StatusCode::NOT_FOUND),
            ("/api/v1/plans/demo-small/items/ZZZ", StatusCode::NOT_FOUND),
            ("/api/v1/items?kind=aim", StatusCode::BAD_REQUEST),
            ("/api/v1/items?limit=0", StatusCode::BAD_REQUEST),
            ("/api/v1/items?cursor=%25%25", StatusCode::BAD_REQUEST),
            ("/api/v1/items?plan=nope", StatusCode::NOT_FOUND),
            ("/api/v1/items?limit=abc", StatusCode::BAD_REQUEST),
            // A filter that is not a code is refused, not answered with an empty list.
            (
                "/api/v1/items?unit=%E8%B4%A2",
                StatusCode::UNPROCESSABLE_ENTITY,
            ),
            (
                "/api/v1/items?parent=%C3%83",
                StatusCode::UNPROCESSABLE_ENTITY,
            ),
            (
                "/api/v1/reports?item=a%20b",
                StatusCode::UNPROCESSABLE_ENTITY,
            ),
            // The documented bounds are enforced (schemathesis found the first one).
            (
                "/api/v1/warnings?age=100001",
                StatusCode::UNPROCESSABLE_ENTITY,
            ),
            ("/api/v1/warnings?limit=1001", StatusCode::BAD_REQUEST),
            (
                "/api/v1/warnings?branch=E1",
                StatusCode::UNPROCESSABLE_ENTITY,
            ),
            (
                "/api/v1/plans/demo-small/summary?branch=E1&unit=FGW",
                StatusCode::UNPROCESSABLE_ENTITY,
            ),
            ("/api/v1/no-such-endpoint", StatusCode::NOT_FOUND),
        ] {
            let (s, ctype, v) = t.get(uri).await;
            assert_eq!(s, status, "{uri}");
            assert_eq!(ctype, "application/problem+json", "{uri}");
            assert_eq!(v["status"], status.as_u16());
            assert!(v["detail"].as_str().is_some_and(|d| !d.is_empty()));
        }
        // An empty filter is no filter, as a form sends it; an empty cursor is the first page.
        for uri in [
            "/api/v1/items?plan=&unit=&kind=&cursor=",
            "/api/v1/reports?plan=&unit=&item=&period=&state=&cursor=",
            "/api/v1/warnings?plan=&unit=&kind=&severity=&branch=",
        ] {
            let (s, _, v) = t.get(uri).await;
            assert_eq!(s, StatusCode::OK, "{uri}: {v}");
            assert!(v["items"].is_array(), "{uri}");
        }
    }
}

#[tokio::test]
async fn metrics_count_requests_by_route() {
    for t in TestApp::all().await {
        t.get("/api/v1/plans/demo-small/items/E1").await;
        t.get("/api/v1/plans/demo-small/items/E1.1").await;
        let res = t
            .app
            .clone()
            .oneshot(
                Request::get("/metrics")
                    .header(
                        header::AUTHORIZATION,
                        format!("Bearer {}", t.tokens["admin"]),
                    )
                    .body(Body::empty())
                    .unwrap(),
            )
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        let text = String::from_utf8(
            axum::body::to_bytes(res.into_body(), 1 << 20)
                .await
                .unwrap()
                .to_vec(),
        )
        .unwrap();
        assert!(
            text.contains(r#"tuijin_http_requests_total{method="GET",route="/api/v1/plans/{plan}/items/{code}",status="200"} 2"#),
            "{text}"
        );
        assert!(
            text.contains("tuijin_http_request_duration_seconds_bucket"),
            "{text}"
        );
    }
}

#[tokio::test]
async fn item_page_shows_details_and_the_source_quote() {
    for t in TestApp::all().await {
        let res = t
            .app
            .clone()
            .oneshot(
                Request::get("/plans/demo-small/items/E1.1")
                    .body(Body::empty())
                    .unwrap(),
            )
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        let html = String::from_utf8(
            axum::body::to_bytes(res.into_body(), 1 << 20)
                .await
                .unwrap()
                .to_vec(),
        )
        .unwrap();
        assert!(
            html.contains(
                "<blockquote lang=\"zh-CN\">确保2020年全市建成运营地铁里程超过300公里</blockquote>"
            ),
            "{html}"
        );
        assert!(html.contains("地铁运营里程超过300公里"));
        // The same page in English, chosen by the language cookie.
        let res = t
            .app
            .clone()
            .oneshot(
                Request::get("/plans/demo-small/items/E1.1")
                    .header(header::COOKIE, "tj_lang=en")
                    .body(Body::empty())
                    .unwrap(),
            )
            .await
            .unwrap();
        let en = String::from_utf8(
            axum::body::to_bytes(res.into_body(), 1 << 20)
                .await
                .unwrap()
                .to_vec(),
        )
        .unwrap();
        assert!(en.contains("Metro in operation over 300 km"), "{en}");
        assert!(en.contains("<html lang=\"en\">"));
        assert!(html.contains("演示模式"), "demo banner");
        assert!(
            html.contains("href=\"/plans/demo-small/items/E1\""),
            "link to the parent"
        );
        let res = t
            .app
            .clone()
            .oneshot(
                Request::get("/plans/demo-small/items/NOPE")
                    .body(Body::empty())
                    .unwrap(),
            )
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::NOT_FOUND);
    }
}

impl TestApp {
    async fn send(
        &self,
        method: &str,
        uri: &str,
        if_match: Option<&str>,
        body: Value,
    ) -> (StatusCode, Option<String>, Value) {
        self.send_as("jtw", method, uri, if_match, body).await
    }

    async fn send_as(
        &self,
        who: &str,
        method: &str,
        uri: &str,
        if_match: Option<&str>,
        body: Value,
    ) -> (StatusCode, Option<String>, Value) {
        let mut req = Request::builder()
            .method(method)
            .uri(uri)
            .header(header::CONTENT_TYPE, "application/json")
            .header(
                header::AUTHORIZATION,
                format!("Bearer {}", self.tokens[who]),
            );
        if let Some(v) = if_match {
            req = req.header(header::IF_MATCH, v);
        }
        let res = self
            .app
            .clone()
            .oneshot(req.body(Body::from(body.to_string())).unwrap())
            .await
            .unwrap();
        let status = res.status();
        let etag = res
            .headers()
            .get(header::ETAG)
            .map(|v| v.to_str().unwrap().to_string());
        let bytes = axum::body::to_bytes(res.into_body(), 10 << 20)
            .await
            .unwrap();
        (
            status,
            etag,
            serde_json::from_slice(&bytes).unwrap_or(Value::Null),
        )
    }
}

#[tokio::test]
async fn report_workflow_over_http_with_versions() {
    use serde_json::json;
    for t in TestApp::all().await {
        let url = "/api/v1/plans/demo-small/items/E1.1/reports";
        let (s, etag, r) = t
            .send(
                "POST",
                url,
                None,
                json!({"period": "2020-05", "unit": "JTW", "percent": 45, "narrative": "盾构推进",
                    "figures": [{"indicator": "metro_km", "value": 219.5}]}),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{r}");
        assert_eq!(etag.as_deref(), Some("\"1\""));
        let id = r["id"].as_i64().unwrap();
        assert_eq!(r["figures"][0]["indicator"], "metro_km", "{r}");
        assert_eq!(r["figures"][0]["value"], 219.5);

        // Bad input is refused with the field named, and nothing is written.
        let (s, _, p) = t
            .send(
                "POST",
                url,
                None,
                json!({"period": "2020-05", "unit": "JTW", "percent": 101}),
            )
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(p["detail"].as_str().unwrap().starts_with("percent:"), "{p}");
        let (s, _, _) = t
            .send("POST", url, None, json!({"period": "May", "unit": "JTW"}))
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        let (s, _, _) = t
            .send(
                "POST",
                url,
                None,
                json!({"period": "2020-05", "unit": "ZDQ", "percent": 5}),
            )
            .await;
        assert_eq!(s, StatusCode::FORBIDDEN, "ZDQ does not work on E1.1");
        let (s, _, _) = t.send("POST", url, None, json!({"unit": "JTW"})).await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "missing period");

        // Versioned writes need If-Match, and a stale one is refused with the current version.
        let submit = format!("/api/v1/reports/{id}/submit");
        let (s, _, _) = t.send("POST", &submit, None, Value::Null).await;
        assert_eq!(s, StatusCode::PRECONDITION_REQUIRED);
        // Only a strong tag as the ETag gave it: a weak one never matches, `*` names nothing.
        for bad in ["W/\"1\"", "*", "1", "\"\"", "\"1x\""] {
            let (s, _, _) = t.send("POST", &submit, Some(bad), Value::Null).await;
            assert_eq!(s, StatusCode::BAD_REQUEST, "If-Match: {bad}");
        }
        let (s, cur, _) = t.send("POST", &submit, Some("\"7\""), Value::Null).await;
        assert_eq!(
            (s, cur.as_deref()),
            (StatusCode::PRECONDITION_FAILED, Some("\"1\""))
        );
        let accept = format!("/api/v1/reports/{id}/accept");
        let (s, _, _) = t
            .send_as("office", "POST", &accept, Some("\"1\""), Value::Null)
            .await;
        assert_eq!(s, StatusCode::CONFLICT, "a draft cannot be accepted");
        let (s, etag, _) = t.send("POST", &submit, Some("\"1\""), Value::Null).await;
        assert_eq!((s, etag.as_deref()), (StatusCode::OK, Some("\"2\"")));

        // A unit the plan does not have is not there, like an unknown branch.
        let (s, _, _) = t.get("/api/v1/plans/demo-small/summary?unit=NOPE").await;
        assert_eq!(s, StatusCode::NOT_FOUND);
        let (s, _, jtw) = t.get("/api/v1/plans/demo-small/summary?unit=JTW").await;
        assert_eq!(s, StatusCode::OK);
        assert!(jtw["co_operated"].is_object(), "{jtw}");
        let (_, _, before) = t.get("/api/v1/plans/demo-small/summary?branch=E1").await;
        assert!(before["progress"]["percent"].is_null(), "{before}");
        let (_, _, queue) = t.get("/api/v1/reports?state=submitted").await;
        assert_eq!(queue["items"].as_array().unwrap().len(), 1);
        let (s, _, acc) = t
            .send_as(
                "office",
                "POST",
                &accept,
                Some("\"2\""),
                json!({"comment": "同意"}),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{acc}");
        assert_eq!(acc["report"]["state"], "accepted");
        assert!(
            acc["moved"].as_array().unwrap().len() >= 2,
            "the item and its parent moved: {acc}"
        );

        let (_, _, p) = t.get("/api/v1/plans/demo-small/progress").await;
        assert_eq!(p["E1.1"]["percent"], 45.0);
        // The summary kept in memory sees the acceptance at once.
        let (_, _, after) = t.get("/api/v1/plans/demo-small/summary?branch=E1").await;
        assert_eq!(after["progress"]["percent"], 45.0, "{after}");
        assert_eq!(after["items"], 3);
        assert_eq!(after["by_status"]["off_track"], 2, "{after}");
        // Explain, judged on 2020-06-30: E1.1 runs 2017-08-14 → 2020-12-31 with trajectory
        // points 30 % at 2018-12-31 and 60 % at 2019-12-31.
        let (s, _, e) = t.get("/api/v1/plans/demo-small/items/E1.1/explain").await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(e["progress_source"], "report");
        assert_eq!(e["status"], "off_track", "{e}");
        assert!(e["gap"].as_f64().unwrap() > 15.0, "{e}");
        assert_eq!(e["threshold"], 15.0);
        let (_, _, e) = t.get("/api/v1/plans/demo-small/items/E1/explain").await;
        assert_eq!(e["progress_source"], "children");
        assert_eq!(e["children"][0]["code"], "E1.1");
        assert_eq!(e["children"][0]["weight"], 2.0);
        assert!(
            (e["progress"]["unknown_share"].as_f64().unwrap() - 1.0 / 3.0).abs() < 1e-9,
            "{e}"
        );
        let (_, _, tl) = t.get("/api/v1/plans/demo-small/items/E1.1/timeline").await;
        let kinds: Vec<&str> = tl["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["kind"].as_str().unwrap())
            .collect();
        assert_eq!(
            kinds,
            [
                "item.added",
                // the import judged it: no report since it began, and its indicator's 2018
                // figure (after the baseline year) not in though due since 2019-03-01
                "warning.raised",
                "warning.raised",
                "report.created",
                "report.submitted",
                "report.accepted",
                // the report clears that; behind its trajectory, and its indicator's figure
                // (219.5 km) off its path
                "warning.cleared",
                "warning.raised",
                "warning.raised"
            ],
            "{tl}"
        );
        let (_, _, cmp) = t
            .get("/api/v1/plans/demo-small/compare?from=2020-01-01")
            .await;
        let e11 = cmp["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["code"] == "E1.1")
            .expect("E1.1 moved");
        assert_eq!(e11["moved"], true);
        assert_eq!(e11["to"]["percent"], 45.0);
        let (s, _, _) = t
            .get("/api/v1/plans/demo-small/compare?from=2021-01-01&to=2020-01-01")
            .await;
        // A rule across two readable fields: 422, like every other broken rule.
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        // As of a date before the acceptance the item was unknown.
        let (_, _, e) = t
            .get("/api/v1/plans/demo-small/items/E1.1/explain?date=2019-01-01")
            .await;
        assert_eq!(e["status"], "unreported", "{e}");
        // A day to come is refused by every read that takes a date, naming its parameter:
        // none judges today's figures against a later day's path.
        for (url, field) in [
            (
                "/api/v1/plans/demo-small/items/E1.1/explain?date=2020-07-01",
                "date",
            ),
            ("/api/v1/plans/demo-small/summary?date=2020-07-01", "date"),
            (
                "/api/v1/plans/demo-small/progress?as_of=2020-07-01",
                "as_of",
            ),
            (
                "/api/v1/plans/demo-small/items/E1?as_of=2020-07-01",
                "as_of",
            ),
            (
                "/api/v1/plans/demo-small/items/E1/subtree?as_of=2020-07-01",
                "as_of",
            ),
            ("/api/v1/items?plan=demo-small&as_of=2020-07-01", "as_of"),
        ] {
            let (s, _, v) = t.get(url).await;
            assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{url}: {v}");
            assert_eq!(v["errors"][0]["code"], "date_after_today", "{url}: {v}");
            assert_eq!(v["errors"][0]["field"], field, "{url}: {v}");
        }
        // Today itself is answered.
        let today = common::today().today(tuijin_core::clock::DEFAULT_TZ);
        let (s, _, v) = t
            .get(&format!("/api/v1/plans/demo-small/summary?date={today}"))
            .await;
        assert_eq!(s, StatusCode::OK, "{v}");
    }
}

#[tokio::test]
async fn warnings_are_listed_and_filtered() {
    for t in TestApp::all().await {
        let state = AppState::new(t.db.store.clone(), common::today(), true);
        tuijin_web::jobs::refresh_all(&state).await;
        let (s, _, v) = t.get("/api/v1/warnings?plan=demo-small").await;
        assert_eq!(s, StatusCode::OK);
        let items = v["items"].as_array().unwrap();
        assert!(
            items
                .iter()
                .any(|w| w["item"] == "E1.2" && w["kind"] == "overdue" && w["severity"] == "high"),
            "{v}"
        );
        let (_, _, v) = t
            .get("/api/v1/warnings?plan=demo-small&kind=report_missing")
            .await;
        assert!(
            v["items"]
                .as_array()
                .unwrap()
                .iter()
                .all(|w| w["kind"] == "report_missing")
        );
        let (_, _, v) = t
            .get("/api/v1/warnings?plan=demo-small&branch=E1&severity=high")
            .await;
        assert!(
            v["items"]
                .as_array()
                .unwrap()
                .iter()
                .all(|w| w["severity"] == "high")
        );
        let (s, _, _) = t.get("/api/v1/warnings?kind=late").await;
        assert_eq!(s, StatusCode::BAD_REQUEST);
        // A branch means something only within its plan.
        let (s, _, _) = t.get("/api/v1/warnings?branch=E1").await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    }
}

/// Every endpoint against every role: allowed (2xx, or 404/409 on a missing or closed resource
/// the role may ask about) or refused (401 anonymous, 403 logged in). A route in the OpenAPI
/// spec without a row here fails the test.
#[tokio::test]
async fn role_by_endpoint_matrix() {
    use serde_json::json;
    // who: anonymous, admin, office, leader, jtw (unit JTW), zdq (unit ZDQ); A = allowed,
    // D = denied (401/403), N = not found (404: a report one may not read is not there).
    let table: &[(&str, &str, &str, [char; 6])] = &[
        ("GET", "/healthz", "", ['A', 'A', 'A', 'A', 'A', 'A']),
        ("GET", "/api/v1/plans", "", ['A', 'A', 'A', 'A', 'A', 'A']),
        (
            "GET",
            "/api/v1/plans/{plan}",
            "",
            ['A', 'A', 'A', 'A', 'A', 'A'],
        ),
        ("GET", "/api/v1/items", "", ['A', 'A', 'A', 'A', 'A', 'A']),
        (
            "GET",
            "/api/v1/plans/{plan}/items/{code}",
            "",
            ['A', 'A', 'A', 'A', 'A', 'A'],
        ),
        (
            "GET",
            "/api/v1/plans/{plan}/items/{code}/subtree",
            "",
            ['A', 'A', 'A', 'A', 'A', 'A'],
        ),
        ("GET", "/api/v1/units", "", ['A', 'A', 'A', 'A', 'A', 'A']),
        (
            "GET",
            "/api/v1/plans/{plan}/indicators",
            "",
            ['A', 'A', 'A', 'A', 'A', 'A'],
        ),
        // metro_km is not published: not there for visitors.
        (
            "GET",
            "/api/v1/plans/{plan}/indicators/{code}/actuals",
            "",
            ['N', 'A', 'A', 'A', 'A', 'A'],
        ),
        // Its owner JTW files its figures, or the office on its behalf.
        (
            "POST",
            "/api/v1/plans/{plan}/indicators/{code}/actuals",
            "",
            ['D', 'D', 'A', 'D', 'A', 'D'],
        ),
        // One indicator whole, and its chart: read like its figures (this one is not public).
        (
            "GET",
            "/api/v1/plans/{plan}/indicators/{code}",
            "",
            ['N', 'A', 'A', 'A', 'A', 'A'],
        ),
        (
            "GET",
            "/api/v1/plans/{plan}/indicators/{code}/chart.svg",
            "",
            ['N', 'A', 'A', 'A', 'A', 'A'],
        ),
        // The office reviews the figures units file.
        (
            "POST",
            "/api/v1/plans/{plan}/indicators/{code}/actuals/{id}/review",
            "",
            ['D', 'D', 'A', 'D', 'D', 'D'],
        ),
        // Its definition (a target re-based) is the office's to change.
        (
            "PATCH",
            "/api/v1/plans/{plan}/indicators/{code}",
            "",
            ['D', 'D', 'A', 'D', 'D', 'D'],
        ),
        (
            "GET",
            "/api/v1/plans/{plan}/items/{code}/explain",
            "",
            ['D', 'A', 'A', 'A', 'A', 'A'],
        ),
        (
            "GET",
            "/api/v1/plans/{plan}/progress",
            "",
            ['D', 'A', 'A', 'A', 'A', 'A'],
        ),
        (
            "GET",
            "/api/v1/plans/{plan}/summary",
            "",
            ['D', 'A', 'A', 'A', 'A', 'A'],
        ),
        (
            "GET",
            "/api/v1/plans/{plan}/compare",
            "from=2020-01-01",
            ['D', 'A', 'A', 'A', 'A', 'A'],
        ),
        (
            "GET",
            "/api/v1/plans/{plan}/items/{code}/timeline",
            "",
            ['D', 'A', 'A', 'A', 'A', 'A'],
        ),
        (
            "GET",
            "/api/v1/warnings",
            "",
            ['D', 'A', 'A', 'A', 'A', 'A'],
        ),
        (
            "GET",
            "/api/v1/reports",
            "unit=JTW",
            ['D', 'A', 'A', 'A', 'A', 'A'],
        ),
        (
            "GET",
            "/api/v1/reports/{id}",
            "",
            ['D', 'A', 'A', 'A', 'A', 'N'],
        ),
        (
            "POST",
            "/api/v1/plans/{plan}/items/{code}/reports",
            "",
            ['D', 'D', 'D', 'D', 'A', 'D'],
        ),
        (
            "PATCH",
            "/api/v1/reports/{id}",
            "",
            ['D', 'D', 'D', 'D', 'A', 'N'],
        ),
        (
            "POST",
            "/api/v1/reports/{id}/submit",
            "",
            ['D', 'D', 'D', 'D', 'A', 'N'],
        ),
        (
            "POST",
            "/api/v1/reports/{id}/accept",
            "",
            ['D', 'D', 'A', 'D', 'D', 'D'],
        ),
        (
            "POST",
            "/api/v1/reports/{id}/return",
            "",
            ['D', 'D', 'A', 'D', 'D', 'D'],
        ),
        (
            "GET",
            "/api/v1/plans/{plan}/periods",
            "",
            ['D', 'A', 'A', 'A', 'A', 'A'],
        ),
        // Excel: a unit's template and list for the office, leaders and the unit; the upload by
        // the unit itself (an empty body: refused as no workbook, 422); the plan workbook for
        // those who read every unit's reports.
        (
            "GET",
            "/api/v1/plans/{plan}/units/{unit}/template.xlsx",
            "",
            ['D', 'A', 'A', 'A', 'A', 'D'],
        ),
        (
            "GET",
            "/api/v1/plans/{plan}/units/{unit}/duties.xlsx",
            "",
            ['D', 'A', 'A', 'A', 'A', 'D'],
        ),
        (
            "POST",
            "/api/v1/plans/{plan}/units/{unit}/template",
            "",
            ['D', 'D', 'D', 'D', 'A', 'D'],
        ),
        (
            "GET",
            "/api/v1/plans/{plan}/workbook.xlsx",
            "",
            ['D', 'A', 'A', 'A', 'D', 'D'],
        ),
        // Notices: the office issues and decides; the addressed unit (JTW) signs, replies and
        // asks for time; another unit (ZDQ) does not see the notice at all.
        (
            "POST",
            "/api/v1/plans/{plan}/notices",
            "",
            ['D', 'D', 'A', 'D', 'D', 'D'],
        ),
        ("GET", "/api/v1/notices", "", ['D', 'A', 'A', 'A', 'A', 'A']),
        // Evidence: added by the report's unit or the addressed unit, read with what it is on.
        (
            "GET",
            "/api/v1/reports/{id}/evidence",
            "",
            ['D', 'A', 'A', 'A', 'A', 'N'],
        ),
        (
            "POST",
            "/api/v1/reports/{id}/evidence",
            "",
            ['D', 'D', 'D', 'D', 'A', 'N'],
        ),
        (
            "GET",
            "/api/v1/notices/{notice}/evidence",
            "",
            ['D', 'A', 'A', 'A', 'A', 'N'],
        ),
        (
            "POST",
            "/api/v1/notices/{notice}/evidence",
            "",
            ['D', 'D', 'D', 'D', 'A', 'N'],
        ),
        (
            "GET",
            "/api/v1/evidence/{id}",
            "",
            ['D', 'A', 'A', 'A', 'A', 'A'],
        ),
        // Proposals are the office's queue.
        (
            "GET",
            "/api/v1/plans/{plan}/notice-proposals",
            "",
            ['D', 'D', 'A', 'D', 'D', 'D'],
        ),
        (
            "POST",
            "/api/v1/plans/{plan}/notice-proposals/{item}/dismiss",
            "",
            ['D', 'D', 'A', 'D', 'D', 'D'],
        ),
        (
            "POST",
            "/api/v1/plans/{plan}/notice-proposals/issue",
            "",
            ['D', 'D', 'A', 'D', 'D', 'D'],
        ),
        (
            "GET",
            "/api/v1/notices/{notice}",
            "",
            ['D', 'A', 'A', 'A', 'A', 'N'],
        ),
        (
            "POST",
            "/api/v1/notices/{notice}/sign",
            "",
            ['D', 'D', 'D', 'D', 'A', 'N'],
        ),
        (
            "POST",
            "/api/v1/notices/{notice}/reply",
            "",
            ['D', 'D', 'D', 'D', 'A', 'N'],
        ),
        (
            "POST",
            "/api/v1/notices/{notice}/extend",
            "",
            ['D', 'D', 'D', 'D', 'A', 'N'],
        ),
        (
            "POST",
            "/api/v1/notices/{notice}/return",
            "",
            ['D', 'D', 'A', 'D', 'D', 'N'],
        ),
        (
            "POST",
            "/api/v1/notices/{notice}/close",
            "",
            ['D', 'D', 'A', 'D', 'D', 'N'],
        ),
        (
            "POST",
            "/api/v1/notices/{notice}/extension/grant",
            "",
            ['D', 'D', 'A', 'D', 'D', 'N'],
        ),
        (
            "POST",
            "/api/v1/notices/{notice}/extension/refuse",
            "",
            ['D', 'D', 'A', 'D', 'D', 'N'],
        ),
        // Assessment: the office runs, locks, publishes and answers; a scored unit (JTW) reads
        // published runs and objects for itself; another unit (ZDQ) may not object for JTW.
        (
            "GET",
            "/api/v1/plans/{plan}/assessment-scheme",
            "",
            ['D', 'A', 'A', 'A', 'A', 'A'],
        ),
        (
            "PUT",
            "/api/v1/plans/{plan}/assessment-scheme",
            "",
            ['D', 'D', 'A', 'D', 'D', 'D'],
        ),
        (
            "GET",
            "/api/v1/plans/{plan}/assessments",
            "",
            ['D', 'A', 'A', 'A', 'A', 'A'],
        ),
        (
            "POST",
            "/api/v1/plans/{plan}/assessments",
            "",
            ['D', 'D', 'A', 'D', 'D', 'D'],
        ),
        (
            "GET",
            "/api/v1/assessments/{run}",
            "",
            ['D', 'A', 'A', 'A', 'A', 'A'],
        ),
        (
            "DELETE",
            "/api/v1/assessments/{run}",
            "",
            ['D', 'D', 'A', 'D', 'D', 'D'],
        ),
        // Units, people and settings: read by every logged-in role, edited by the office alone.
        (
            "GET",
            "/api/v1/plans/{plan}/units",
            "",
            ['D', 'A', 'A', 'A', 'A', 'A'],
        ),
        (
            "POST",
            "/api/v1/plans/{plan}/units",
            "",
            ['D', 'D', 'A', 'D', 'D', 'D'],
        ),
        (
            "PATCH",
            "/api/v1/plans/{plan}/units/{unit}",
            "",
            ['D', 'D', 'A', 'D', 'D', 'D'],
        ),
        (
            "GET",
            "/api/v1/plans/{plan}/people",
            "",
            ['D', 'A', 'A', 'A', 'A', 'A'],
        ),
        (
            "POST",
            "/api/v1/plans/{plan}/people",
            "",
            ['D', 'D', 'A', 'D', 'D', 'D'],
        ),
        (
            "PATCH",
            "/api/v1/plans/{plan}/people/{person}",
            "",
            ['D', 'D', 'A', 'D', 'D', 'D'],
        ),
        (
            "GET",
            "/api/v1/plans/{plan}/settings",
            "",
            ['D', 'A', 'A', 'A', 'A', 'A'],
        ),
        (
            "PATCH",
            "/api/v1/plans/{plan}/settings",
            "",
            ['D', 'D', 'A', 'D', 'D', 'D'],
        ),
        // Baselines: read by every logged-in role, set by the office; notes by the office and
        // leaders.
        (
            "GET",
            "/api/v1/plans/{plan}/baselines",
            "",
            ['D', 'A', 'A', 'A', 'A', 'A'],
        ),
        (
            "POST",
            "/api/v1/plans/{plan}/baselines",
            "",
            ['D', 'D', 'A', 'D', 'D', 'D'],
        ),
        (
            "GET",
            "/api/v1/plans/{plan}/baselines/{id}",
            "",
            ['D', 'A', 'A', 'A', 'A', 'A'],
        ),
        (
            "GET",
            "/api/v1/plans/{plan}/items/{code}/notes",
            "",
            ['D', 'A', 'A', 'A', 'A', 'A'],
        ),
        (
            "POST",
            "/api/v1/plans/{plan}/items/{code}/notes",
            "",
            ['D', 'D', 'A', 'A', 'D', 'D'],
        ),
        // Change requests: a lead unit asks (JTW leads E1.1), the office decides.
        (
            "POST",
            "/api/v1/plans/{plan}/items/{code}/change-requests",
            "",
            ['D', 'D', 'D', 'D', 'A', 'D'],
        ),
        (
            "GET",
            "/api/v1/plans/{plan}/change-requests",
            "",
            ['D', 'A', 'A', 'A', 'A', 'A'],
        ),
        (
            "POST",
            "/api/v1/change-requests/{id}/approve",
            "",
            ['D', 'D', 'A', 'D', 'D', 'D'],
        ),
        (
            "POST",
            "/api/v1/change-requests/{id}/refuse",
            "",
            ['D', 'D', 'A', 'D', 'D', 'D'],
        ),
        // A request's files: read by whoever reads the request (another unit: not there),
        // added by the unit that asked.
        (
            "GET",
            "/api/v1/change-requests/{id}/evidence",
            "",
            ['D', 'A', 'A', 'A', 'A', 'N'],
        ),
        (
            "POST",
            "/api/v1/change-requests/{id}/evidence",
            "",
            ['D', 'D', 'D', 'D', 'A', 'N'],
        ),
        // Only the unit that asked takes its request back (JTW's; ZDQ may not).
        (
            "POST",
            "/api/v1/change-requests/{id}/withdraw",
            "",
            ['D', 'D', 'D', 'D', 'A', 'D'],
        ),
        // Plan edits: the office alone (an edit that cannot apply is still not refused).
        (
            "POST",
            "/api/v1/plans/{plan}/items",
            "",
            ['D', 'D', 'A', 'D', 'D', 'D'],
        ),
        (
            "PATCH",
            "/api/v1/plans/{plan}/items/{code}",
            "",
            ['D', 'D', 'A', 'D', 'D', 'D'],
        ),
        (
            "POST",
            "/api/v1/plans/{plan}/items/{code}/move",
            "",
            ['D', 'D', 'A', 'D', 'D', 'D'],
        ),
        (
            "POST",
            "/api/v1/plans/{plan}/items/{code}/cancel",
            "",
            ['D', 'D', 'A', 'D', 'D', 'D'],
        ),
        (
            "POST",
            "/api/v1/plans/{plan}/items/{code}/restore",
            "",
            ['D', 'D', 'A', 'D', 'D', 'D'],
        ),
        (
            "POST",
            "/api/v1/plans/{plan}/items/{code}/archive",
            "",
            ['D', 'D', 'A', 'D', 'D', 'D'],
        ),
        (
            "POST",
            "/api/v1/assessments/{run}/lock",
            "",
            ['D', 'D', 'A', 'D', 'D', 'D'],
        ),
        (
            "POST",
            "/api/v1/assessments/{run}/publish",
            "",
            ['D', 'D', 'A', 'D', 'D', 'D'],
        ),
        (
            "POST",
            "/api/v1/assessments/{run}/objections",
            "",
            ['D', 'D', 'D', 'D', 'A', 'D'],
        ),
        (
            "POST",
            "/api/v1/assessments/{run}/objections/{objection}/answer",
            "",
            ['D', 'D', 'A', 'D', 'D', 'D'],
        ),
        (
            "POST",
            "/api/v1/plans/{plan}/periods/{period}/close",
            "",
            ['D', 'D', 'A', 'D', 'D', 'D'],
        ),
    ];
    let who = [
        None,
        Some("admin"),
        Some("office"),
        Some("leader"),
        Some("jtw"),
        Some("zdq"),
    ];
    for t in TestApp::all().await {
        // Every documented route has a row.
        let (_, _, spec) = t.get("/api/v1/openapi.json").await;
        for (path, ops) in spec["paths"].as_object().unwrap() {
            let path = &path.replace("/notices/{id}", "/notices/{notice}");
            for method in ops.as_object().unwrap().keys() {
                let m = method.to_uppercase();
                assert!(
                    table.iter().any(|(tm, tp, _, _)| *tm == m && tp == path),
                    "{m} {path} has no row in the matrix"
                );
            }
        }
        // A draft report of JTW's on E1.1 for the report routes.
        let (s, _, r) = t
            .send(
                "POST",
                "/api/v1/plans/demo-small/items/E1.1/reports",
                None,
                json!({"period": "2020-05", "unit": "JTW", "percent": 10}),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{r}");
        let id = r["id"].as_i64().unwrap();
        // A notice on E1.1 to JTW for the notice routes.
        let notice = tuijin_store::NoticeStore::issue_notice(
            &t.db.store,
            tuijin_store::NewNotice {
                plan: "demo-small".into(),
                items: vec!["E1.1".into()],
                units: vec!["JTW".into()],
                level: 0,
                title: "地铁进度滞后".into(),
                actions: "报送赶工方案".into(),
                reply_by: chrono::NaiveDate::from_ymd_opt(2020, 7, 10).unwrap(),
                facts: vec![],
                prompted_by: Vec::new(),
            },
            &tuijin_core::notice::NoticeSettings::default(),
            &common::stamp("office"),
        )
        .await
        .unwrap()
        .id;
        // A published run of 2019-Q4 with JTW's objection, for the assessment routes.
        let (run, objection) = common::published_run(&t.db.store).await;
        // JTW's pending change request, for the change-request routes.
        let request = tuijin_store::RequestStore::file_request(
            &t.db.store,
            &tuijin_store::NewRequest {
                plan: "demo-small".into(),
                item: "E1.1".into(),
                unit: "JTW".into(),
                change: tuijin_core::edit::RequestedChange {
                    due: chrono::NaiveDate::from_ymd_opt(2020, 11, 30),
                    ..Default::default()
                },
                reason: "征迁延后".into(),
                evidence: String::new(),
            },
            Vec::new(),
            1 << 20,
            &common::stamp("jtw"),
        )
        .await
        .unwrap()
        .id;
        for (method, path, query, expected) in table {
            let code = if path.contains("/indicators/") {
                "metro_km"
            } else {
                "E1.1"
            };
            let uri = path
                .replace("{plan}", "demo-small")
                .replace("{code}", code)
                .replace("{item}", "E1.2")
                .replace("{unit}", "JTW")
                .replace("{person}", "vm-transport")
                .replace("{period}", "2019-01")
                .replace("{notice}", &notice.to_string())
                .replace("{run}", &run.to_string())
                .replace("{objection}", &objection.to_string())
                .replace(
                    "{id}",
                    &if path.starts_with("/api/v1/change-requests/") {
                        request
                    } else {
                        id
                    }
                    .to_string(),
                );
            let uri = if query.is_empty() {
                uri
            } else {
                format!("{uri}?{query}")
            };
            for (w, want) in who.iter().zip(expected) {
                let mut req = Request::builder()
                    .method(*method)
                    .uri(&uri)
                    .header(header::CONTENT_TYPE, "application/json")
                    .header(header::IF_MATCH, "\"99\"");
                if let Some(w) = w {
                    req = req.header(header::AUTHORIZATION, format!("Bearer {}", t.tokens[w]));
                }
                let body = match (*method, path.ends_with("/reports")) {
                    ("POST", false) if path.ends_with("/plans/{plan}/notices") => json!({
                        "items": ["E1.1"], "units": ["JTW"], "level": "blue", "title": "t",
                        "actions": "a", "reply_by": "2020-07-10"
                    })
                    .to_string(),
                    ("POST", false) if path.contains("/notices/") => {
                        json!({"text": "x"}).to_string()
                    }
                    ("POST", false) if path.ends_with("/dismiss") => {
                        json!({"reason": "x"}).to_string()
                    }
                    ("POST", false) if path.ends_with("/objections") => {
                        json!({"unit": "JTW", "reason": "x"}).to_string()
                    }
                    ("POST", false) if path.ends_with("/answer") => {
                        json!({"answer": "x"}).to_string()
                    }
                    // A milestone under a milestone: refused (422), so the office adds nothing.
                    ("POST", false) if path.ends_with("/plans/{plan}/items") => json!({
                        "code": "E9", "kind": "milestone", "parent": "E1.2",
                        "title": {"zh": "x", "en": ""}, "reason": "x"
                    })
                    .to_string(),
                    ("POST", false) if path.ends_with("/move") => {
                        json!({"parent": null, "reason": "x"}).to_string()
                    }
                    ("POST", false)
                        if ["/cancel", "/restore", "/archive"]
                            .iter()
                            .any(|e| path.ends_with(e)) =>
                    {
                        json!({"reason": "x"}).to_string()
                    }
                    ("POST", false) if path.ends_with("/items/{code}/change-requests") => {
                        json!({"unit": "JTW", "due": "2020-11-30", "reason": "征迁延后"})
                            .to_string()
                    }
                    ("POST", false) if path.ends_with("/actuals/{id}/review") => {
                        json!({"accept": true}).to_string()
                    }
                    ("POST", false) if path.ends_with("/approve") || path.ends_with("/refuse") => {
                        json!({"text": "x"}).to_string()
                    }
                    // A code the plan has: refused (409), so the office adds nothing.
                    ("POST", false) if path.ends_with("/units") => json!({
                        "code": "JTW", "name": {"zh": "x", "en": ""}, "kind": "department",
                        "reason": "x"
                    })
                    .to_string(),
                    ("POST", false) if path.ends_with("/people") => json!({
                        "code": "vm-transport", "name": {"zh": "x", "en": ""}, "reason": "x"
                    })
                    .to_string(),
                    ("POST", false) if path.ends_with("/baselines") => {
                        json!({"name": "2019 mid-term", "note": "mid-term review"}).to_string()
                    }
                    ("POST", false) if path.ends_with("/notes") => {
                        json!({"text": "抓紧推进"}).to_string()
                    }
                    ("POST", false) if path.ends_with("/assessments") => {
                        json!({"period": "2020-Q1"}).to_string()
                    }
                    ("PUT", _) => json!({"source": common::ASSESS_SCHEME}).to_string(),
                    ("POST", false) if path.ends_with("/notice-proposals/issue") => {
                        json!({"items": ["E1.2"]}).to_string()
                    }
                    ("POST", false) if path.ends_with("/actuals") => {
                        json!({"period": "2017", "value": 93.7, "source": "x"}).to_string()
                    }
                    ("POST", true) => {
                        json!({"period": "2020-04", "unit": "JTW", "percent": 5}).to_string()
                    }
                    ("PATCH", _) => json!({"narrative": "y"}).to_string(),
                    ("POST", false) if path.contains("/reports/") => {
                        json!({"comment": "x"}).to_string()
                    }
                    ("POST", false) => String::new(),
                    _ => String::new(),
                };
                let status = t
                    .app
                    .clone()
                    .oneshot(req.body(Body::from(body)).unwrap())
                    .await
                    .unwrap()
                    .status();
                let refused = status == StatusCode::UNAUTHORIZED || status == StatusCode::FORBIDDEN;
                match want {
                    'A' => assert!(!refused, "{method} {uri} as {w:?}: refused with {status}"),
                    'N' => assert_eq!(status, StatusCode::NOT_FOUND, "{method} {uri} as {w:?}"),
                    _ => {
                        let expect = if w.is_none() {
                            StatusCode::UNAUTHORIZED
                        } else {
                            StatusCode::FORBIDDEN
                        };
                        assert_eq!(status, expect, "{method} {uri} as {w:?}");
                    }
                }
            }
        }
        // Refused writes wrote nothing: the draft is as it was.
        let r = tuijin_store::ReportStore::get_report(&t.db.store, id)
            .await
            .unwrap();
        assert_eq!(
            (r.version, r.narrative.as_str()),
            (1, ""),
            "{}",
            t.db.label()
        );
    }
}

#[tokio::test]
async fn anonymous_visitors_see_only_the_public_part() {
    for t in TestApp::all().await {
        let (_, _, v) = t.get_as(None, "/api/v1/items").await;
        let codes: Vec<&str> = v["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["code"].as_str().unwrap())
            .collect();
        assert_eq!(codes, ["P1", "E1", "E1.1"], "only public items");
        let (s, _, _) = t.get_as(None, "/api/v1/plans/demo-small/items/E1.2").await;
        assert_eq!(
            s,
            StatusCode::NOT_FOUND,
            "a non-public item does not exist for visitors"
        );
        let (_, _, v) = t.get_as(None, "/api/v1/plans/demo-small/items/E1").await;
        assert_eq!(
            v["children"].as_array().unwrap().len(),
            1,
            "the non-public child is hidden: {v}"
        );
        let (s, _, p) = t.get_as(None, "/api/v1/warnings").await;
        assert_eq!(s, StatusCode::UNAUTHORIZED);
        assert_eq!(p["status"], 401);
        // A bad token is refused, not treated as anonymous.
        let res = t
            .app
            .clone()
            .oneshot(
                Request::get("/api/v1/items")
                    .header(header::AUTHORIZATION, "Bearer tj_forged")
                    .body(Body::empty())
                    .unwrap(),
            )
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
        // A revoked token too.
        let store = &t.db.store;
        let (token, rec) = tuijin_store::AccountStore::create_token(
            store,
            "leader",
            "tmp",
            None,
            &common::stamp("test"),
        )
        .await
        .unwrap();
        tuijin_store::AccountStore::revoke_token(store, rec.id, &common::stamp("test"))
            .await
            .unwrap();
        let res = t
            .app
            .clone()
            .oneshot(
                Request::get("/api/v1/items")
                    .header(header::AUTHORIZATION, format!("Bearer {token}"))
                    .body(Body::empty())
                    .unwrap(),
            )
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    }
}

#[tokio::test]
async fn every_response_carries_the_security_headers_and_no_outside_asset() {
    for t in TestApp::all().await {
        for uri in [
            "/",
            "/healthz",
            "/api/v1/items",
            "/plans/demo-small/items/E1.1",
            "/assets/tuijin.css",
            "/api/v1/nope",
        ] {
            let res = t
                .app
                .clone()
                .oneshot(Request::get(uri).body(Body::empty()).unwrap())
                .await
                .unwrap();
            let h = res.headers();
            let csp = h
                .get(header::CONTENT_SECURITY_POLICY)
                .map(|v| v.to_str().unwrap().to_string())
                .unwrap_or_default();
            assert!(
                csp.contains("default-src 'self'") && csp.contains("frame-ancestors 'none'"),
                "{uri}: {csp}"
            );
            assert_eq!(
                h.get(header::X_CONTENT_TYPE_OPTIONS).unwrap(),
                "nosniff",
                "{uri}"
            );
            assert_eq!(
                h.get(header::REFERRER_POLICY).unwrap(),
                "no-referrer",
                "{uri}"
            );
            assert_eq!(h.get(header::X_FRAME_OPTIONS).unwrap(), "DENY", "{uri}");
        }
        let res = t
            .app
            .clone()
            .oneshot(Request::get("/").body(Body::empty()).unwrap())
            .await
            .unwrap();
        let html = String::from_utf8(
            axum::body::to_bytes(res.into_body(), 1 << 20)
                .await
                .unwrap()
                .to_vec(),
        )
        .unwrap();
        assert!(
            !html.contains("http://") && !html.contains("https://"),
            "no outside URL in the page: {html}"
        );
        assert!(
            !html.contains("<style") && !html.contains("<script"),
            "nothing inline"
        );
    }
}

/// The in-memory plan follows every import while serving, not only a change of the plan's
/// header: an item archived shows at once in the summary (and the cockpit and tree, which read
/// the same in-memory plan).
#[tokio::test]
async fn the_served_plan_follows_a_re_import_of_its_items() {
    use tuijin_store::PlanStore;
    for t in TestApp::all().await {
        let (_, _, before) = t.get("/api/v1/plans/demo-small/summary").await;
        let n = before["items"].as_u64().unwrap();
        let path = format!(
            "{}/../../tests/fixtures/small.toml",
            env!("CARGO_MANIFEST_DIR")
        );
        let mut doc =
            tuijin_export::read_plan("small.toml", &std::fs::read_to_string(path).unwrap())
                .unwrap();
        // The milestone E1.2 dropped (archived), nothing else changed in the header.
        doc.items.retain(|i| i.code.as_str() != "E1.2");
        let s =
            t.db.store
                .import_plan(&doc, &common::stamp("office"))
                .await
                .unwrap();
        assert!(!s.plan_updated && s.items.archived == 1, "{s:?}");
        let (_, _, after) = t.get("/api/v1/plans/demo-small/summary").await;
        assert_eq!(after["items"].as_u64().unwrap(), n - 1, "{after}");
    }
}

/// A positioning is measured by the items that serve it: `explain` says how it stands by
/// them, as the cockpit does, never "unreported" for want of a report of its own.
#[tokio::test]
async fn explain_judges_a_measured_item_as_the_cockpit_does() {
    use tuijin_core::Percent;
    use tuijin_core::report::{Period, ReportContent};
    use tuijin_store::{NewReport, ReportStore};
    for t in TestApp::all().await {
        let s = &t.db.store;
        let st = common::stamp("jtw");
        let r = s
            .create_report(
                NewReport {
                    plan: "demo-small".into(),
                    item: "E1.1".into(),
                    period: Period::parse("2020-05").unwrap(),
                    unit: "JTW".into(),
                    content: ReportContent {
                        percent: Some(Percent::new(60.0).unwrap()),
                        narrative: "进展".into(),
                        ..Default::default()
                    },
                },
                &st,
            )
            .await
            .unwrap();
        let r = s.submit_report(r.id, r.version, &st).await.unwrap();
        s.accept_report(r.id, r.version, "", &common::stamp("office"))
            .await
            .unwrap();
        let (status, _, e) = t.get("/api/v1/plans/demo-small/items/P1/explain").await;
        assert_eq!(status, StatusCode::OK, "{e}");
        assert_ne!(e["status"], "unreported", "{e}");
        assert!(
            e["rule"]
                .as_str()
                .is_some_and(|r| r.starts_with("measured by")),
            "{e}"
        );
        // The figures it was judged on are those the item view shows: what serves it.
        let (status, _, v) = t.get("/api/v1/plans/demo-small/items/P1").await;
        assert_eq!(status, StatusCode::OK, "{v}");
        let standing = &v["item"]["standing"];
        assert_eq!(e["progress_source"], "served", "{e}");
        assert_eq!(e["progress"], standing["progress"], "{e} {v}");
        assert!(standing["progress"]["percent"].is_number(), "{v}");
        assert_eq!(e["expected"], standing["expected"], "{e} {v}");
        assert_eq!(e["status"], standing["status"], "{e} {v}");
        let gap = e["expected"].as_f64().unwrap() - e["progress"]["at_least"].as_f64().unwrap();
        assert!((e["gap"].as_f64().unwrap() - gap).abs() < 1e-9, "{e}");
    }
}

/// An indicator's owner files its figures, per indicator, without a report: for a period of
/// the indicator's frequency that has ended, with a source; another unit may not; the office
/// may, on the owner's behalf. A figure off the path warns the item the indicator measures.
#[tokio::test]
async fn an_indicators_owner_files_its_figures() {
    use serde_json::json;
    let url = "/api/v1/plans/demo-small/indicators/metro_km/actuals";
    for t in TestApp::all().await {
        let codes = |v: &Value| -> Vec<String> {
            v["errors"]
                .as_array()
                .map(|e| {
                    e.iter()
                        .map(|x| x["code"].as_str().unwrap().to_string())
                        .collect()
                })
                .unwrap_or_default()
        };
        // Another unit, and a leader, may not.
        let fig = json!({"period": "2019", "value": 151.8, "source": "郑州市统计公报 2019"});
        let (s, _, v) = t.send_as("zdq", "POST", url, None, fig.clone()).await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{v}");
        assert!(v["detail"].as_str().unwrap().contains("metro_km"), "{v}");
        let (s, _, _) = t.send_as("leader", "POST", url, None, fig.clone()).await;
        assert_eq!(s, StatusCode::FORBIDDEN);
        // Bad periods and a missing source: every problem at once, nothing written.
        let (s, _, v) = t
            .send_as(
                "jtw",
                "POST",
                url,
                None,
                json!({"period": "2019-Q4", "value": 1, "source": " "}),
            )
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
        assert_eq!(codes(&v), ["figure_period", "required"], "{v}");
        let (s, _, v) = t
            .send_as(
                "jtw",
                "POST",
                url,
                None,
                json!({"period": "2020", "value": 1, "source": "x"}),
            )
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
        assert_eq!(
            codes(&v),
            ["figure_period_not_over"],
            "2020 has not ended on 2020-06-30"
        );
        let (s, _, v) = t
            .send_as(
                "jtw",
                "POST",
                "/api/v1/plans/demo-small/indicators/nothing/actuals",
                None,
                fig.clone(),
            )
            .await;
        assert_eq!(s, StatusCode::NOT_FOUND, "{v}");
        let (_, _, list) = t.get(url).await;
        assert_eq!(list["items"].as_array().unwrap().len(), 0, "{list}");

        // The owner files 2019: recorded and listed, waiting for the office's review; once
        // accepted the metro item is warned off its path (93.7 km in 2017 to 300 km in 2020
        // passes about 231 km at the end of 2019).
        let (s, _, a) = t.send_as("jtw", "POST", url, None, fig.clone()).await;
        assert_eq!(s, StatusCode::CREATED, "{a}");
        assert_eq!(a["state"], "submitted", "{a}");
        let off_path = |w: &serde_json::Value| {
            w["items"]
                .as_array()
                .unwrap()
                .iter()
                .any(|x| x["item"] == "E1.1")
        };
        let (_, _, w) = t
            .get("/api/v1/warnings?plan=demo-small&kind=indicator_off_path")
            .await;
        assert!(!off_path(&w), "not counted before review: {w}");
        // A second figure for the period waits until the first is reviewed.
        let (s, _, v) = t
            .send_as(
                "jtw",
                "POST",
                url,
                None,
                json!({"period": "2019", "value": 152, "source": "x", "reason": "r"}),
            )
            .await;
        assert_eq!(s, StatusCode::CONFLICT, "{v}");
        assert!(v["detail"].as_str().unwrap().contains("等待审核"), "{v}");
        let review = format!("{url}/{}/review", a["id"]);
        let (s, _, _) = t
            .send_as("jtw", "POST", &review, None, json!({"accept": true}))
            .await;
        assert_eq!(
            s,
            StatusCode::FORBIDDEN,
            "a unit does not review its own figure"
        );
        let (s, _, v) = t
            .send_as(
                "office",
                "POST",
                &review,
                None,
                json!({"accept": false, "comment": " "}),
            )
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
        assert_eq!(codes(&v), ["figure_return_needs_comment"], "{v}");
        let (s, _, v) = t
            .send_as("office", "POST", &review, None, json!({"accept": true}))
            .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        assert_eq!(v["state"], "accepted", "{v}");
        let (s, _, v) = t
            .send_as("office", "POST", &review, None, json!({"accept": true}))
            .await;
        assert_eq!(s, StatusCode::CONFLICT, "reviewed once: {v}");
        assert_eq!(
            (
                a["period"].as_str(),
                a["period_end"].as_str(),
                a["value"].as_f64()
            ),
            (Some("2019"), Some("2019-12-31"), Some(151.8)),
            "{a}"
        );
        let (_, _, list) = t.get(url).await;
        assert_eq!(list["items"][0]["source"], "郑州市统计公报 2019", "{list}");
        let (_, _, w) = t
            .get("/api/v1/warnings?plan=demo-small&kind=indicator_off_path")
            .await;
        assert!(off_path(&w), "{}: {w}", t.db.label());
        // The office files on the owner's behalf; the history says who filed what.
        let (s, _, _) = t
            .send_as(
                "office",
                "POST",
                url,
                None,
                json!({"period": "2018", "value": 136.6, "source": "郑州市统计公报 2018"}),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED);
        let (_, _, list) = t.get(url).await;
        let periods: Vec<&str> = list["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x["period"].as_str().unwrap())
            .collect();
        assert_eq!(periods, ["2018", "2019"], "oldest first");
        // A correction says why; it replaces the figure it corrects and both stay on record.
        let (s, _, body) = t
            .send_as(
                "jtw",
                "POST",
                url,
                None,
                json!({"period": "2019", "value": 151.9, "source": "郑州市统计公报 2019（修订）"}),
            )
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert!(body.to_string().contains("revision_needs_reason"), "{body}");
        // Nor is a figure in another unit of measure or on another basis taken.
        let (s, _, body) = t
            .send_as(
                "jtw",
                "POST",
                url,
                None,
                json!({"period": "2019", "value": 151900, "source": "x", "reason": "r", "unit": "m", "basis": "per_period"}),
            )
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        let text = body.to_string();
        assert!(
            text.contains("figure_unit_mismatch") && text.contains("figure_basis_mismatch"),
            "{body}"
        );
        let (s, _, _) = t
            .send_as(
                "jtw",
                "POST",
                url,
                None,
                json!({"period": "2019", "value": 151.9, "source": "郑州市统计公报 2019（修订）", "reason": "统计公报修订"}),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED);
        let (_, _, list) = t.get(url).await;
        let last = &list["items"].as_array().unwrap().last().unwrap().clone();
        assert_eq!(last["state"], "submitted", "{list}");
        assert_eq!(
            list["items"][1]["superseded"], false,
            "a figure waiting replaces nothing"
        );
        let (s, _, _) = t
            .send_as(
                "office",
                "POST",
                &format!("{url}/{}/review", last["id"]),
                None,
                json!({"accept": true, "comment": "与公报一致"}),
            )
            .await;
        assert_eq!(s, StatusCode::OK);
        let (_, _, list) = t.get(url).await;
        let flags: Vec<(&str, bool)> = list["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| {
                (
                    x["period"].as_str().unwrap(),
                    x["superseded"].as_bool().unwrap(),
                )
            })
            .collect();
        assert_eq!(flags, [("2018", false), ("2019", true), ("2019", false)]);
        let m = tuijin_store::DirectoryStore::measures(&t.db.store, "demo-small")
            .await
            .unwrap();
        assert_eq!(m.indicators["metro_km"].1.len(), 3, "every record kept");
        let figures = m.known(
            "metro_km",
            chrono::NaiveDate::from_ymd_opt(2100, 1, 1).unwrap(),
        );
        assert_eq!(figures.len(), 2, "one counted per period: {figures:?}");
        assert!(figures.iter().any(|f| (f.1 - 151.9).abs() < 1e-9));
        // A period the office has closed takes no figure: made monthly, May closed.
        let src = std::fs::read_to_string(format!(
            "{}/../../tests/fixtures/small.toml",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap()
        .replace("frequency = \"annual\"", "frequency = \"monthly\"");
        let doc = tuijin_export::read_plan("small.toml", &src).unwrap();
        tuijin_store::PlanStore::import_plan(&t.db.store, &doc, &common::stamp("office"))
            .await
            .unwrap();
        let (s, _, _) = t
            .send_as(
                "office",
                "POST",
                "/api/v1/plans/demo-small/periods/2020-05/close",
                None,
                json!({}),
            )
            .await;
        assert!(s.is_success(), "{s}");
        let (s, _, v) = t
            .send_as(
                "jtw",
                "POST",
                url,
                None,
                json!({"period": "2020-05", "value": 160, "source": "x"}),
            )
            .await;
        assert_eq!(s, StatusCode::CONFLICT, "{v}");
        let (s, _, v) = t
            .send_as(
                "jtw",
                "POST",
                url,
                None,
                json!({"period": "2020-04", "value": 158, "source": "x"}),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
    }
}

#[tokio::test]
async fn the_office_dismisses_and_issues_proposed_notices() {
    use serde_json::json;
    for t in TestApp::all().await {
        tuijin_store::WarningStore::refresh_warnings(
            &t.db.store,
            "demo-small",
            &common::stamp("office"),
        )
        .await
        .unwrap();
        let uri = "/api/v1/plans/demo-small/notice-proposals";
        let (s, _, q) = t.get(uri).await;
        assert_eq!(s, StatusCode::OK, "{q}");
        let q = q.as_array().unwrap().clone();
        assert!(q.len() >= 2, "the small plan lags in places: {q:?}");
        let first = q[0]["item"].as_str().unwrap().to_string();
        let second = q[1]["item"].as_str().unwrap().to_string();
        assert!(q[0]["title"].as_str().unwrap().contains("督办"), "{}", q[0]);
        assert!(
            q[0]["actions"]
                .as_str()
                .unwrap()
                .contains(q[0]["reply_by"].as_str().unwrap()),
            "the actions name the reply date: {}",
            q[0]
        );
        assert!(!q[0]["warnings"].as_array().unwrap().is_empty());
        let (s, _, _) = t.get_as(Some("leader"), uri).await;
        assert_eq!(s, StatusCode::FORBIDDEN, "the queue is the office's");

        // Dismissed with a reason, a proposal leaves the queue and is listed as dismissed.
        let dismiss = format!("{uri}/{first}/dismiss");
        let (s, _, p) = t
            .send_as("office", "POST", &dismiss, None, json!({"reason": " "}))
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{p}");
        let (s, _, _) = t
            .send_as(
                "office",
                "POST",
                &dismiss,
                None,
                json!({"reason": "已专题调度"}),
            )
            .await;
        assert_eq!(s, StatusCode::NO_CONTENT);
        let (s, _, _) = t
            .send_as("office", "POST", &dismiss, None, json!({"reason": "再次"}))
            .await;
        assert_eq!(s, StatusCode::NOT_FOUND, "nothing left to dismiss");
        let (_, _, q) = t.get(uri).await;
        assert!(q.as_array().unwrap().iter().all(|p| p["item"] != first));
        let (_, _, q) = t.get(&format!("{uri}?dismissed=true")).await;
        let d = q
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["item"] == first)
            .unwrap();
        assert_eq!(d["dismissed"], true);
        assert_eq!(d["dismissals"][0]["reason"], "已专题调度");
        assert_eq!(d["dismissals"][0]["by"], "office");

        // A bulk issue naming an item without a proposal issues nothing.
        let issue = format!("{uri}/issue");
        let (s, _, p) = t
            .send_as(
                "office",
                "POST",
                &issue,
                None,
                json!({"items": [second, first]}),
            )
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{p}");
        assert_eq!(p["errors"][0]["field"], "items[1]", "{p}");
        let (_, _, n) = t.get("/api/v1/notices").await;
        assert!(n["items"].as_array().unwrap().is_empty(), "{n}");
        let (s, _, n) = t
            .send_as("office", "POST", &issue, None, json!({"items": [second]}))
            .await;
        assert_eq!(s, StatusCode::CREATED, "{n}");
        let n = &n[0];
        assert_eq!(n["number"], "督办〔2020〕1号");
        assert_eq!(n["items"], json!([second]));
        assert!(!n["prompted_by"].as_array().unwrap().is_empty(), "{n}");
        let (_, _, q) = t.get(uri).await;
        assert!(
            q.as_array().unwrap().iter().all(|p| p["item"] != second),
            "an item with an open notice is not proposed again"
        );
        // One item, one notice: a manual notice on it is refused while this one is open.
        let (s, _, p) = t
            .send_as(
                "office",
                "POST",
                "/api/v1/plans/demo-small/notices",
                None,
                json!({"items": [second], "units": ["JTW"], "level": "blue", "title": "再督办",
                       "actions": "报送", "reply_by": "2020-07-10"}),
            )
            .await;
        assert_eq!(s, StatusCode::CONFLICT, "{p}");
        // Issued twice, the same proposal is refused the second time.
        let (s, _, p) = t
            .send_as("office", "POST", &issue, None, json!({"items": [second]}))
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{p}");
        // Replied and returned without a date: the better reply is due five working days on.
        let nid = n["id"].as_i64().unwrap();
        let (s, _, r) = t
            .send_as(
                "jtw",
                "POST",
                &format!("/api/v1/notices/{nid}/reply"),
                Some("\"1\""),
                json!({"text": "已报送"}),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{r}");
        let (s, _, r) = t
            .send_as(
                "office",
                "POST",
                &format!("/api/v1/notices/{nid}/return"),
                Some("\"2\""),
                json!({"text": "请补充完成时限"}),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{r}");
        assert_eq!(r["reply_by"], "2020-07-07", "{r}");
        assert_eq!(
            r["level"], "blue",
            "no rise while the new date is ahead: {r}"
        );
    }
}

/// A multipart body of `file` parts, and its content type.
fn multipart(files: &[(&str, &[u8])]) -> (String, Vec<u8>) {
    let boundary = "tuijin-test-boundary";
    let mut body = Vec::new();
    for (name, bytes) in files {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

const PDF: &[u8] = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n";

#[tokio::test]
async fn evidence_is_uploaded_listed_and_downloaded_as_an_attachment_only_by_readers() {
    use serde_json::json;
    for db in common::with_small_plan().await {
        let mut state = AppState::new(db.store.clone(), common::today(), true);
        state.evidence_max = 4096;
        let tokens = users(&db.store).await;
        let t = TestApp {
            app: router(state),
            tokens,
            db,
        };
        let upload = |who: &'static str, uri: String, files: Vec<(&'static str, Vec<u8>)>| {
            let app = t.app.clone();
            let token = t.tokens[who].clone();
            async move {
                let parts: Vec<(&str, &[u8])> =
                    files.iter().map(|(n, b)| (*n, b.as_slice())).collect();
                let (ctype, body) = multipart(&parts);
                let res = app
                    .oneshot(
                        Request::post(uri)
                            .header(header::AUTHORIZATION, format!("Bearer {token}"))
                            .header(header::CONTENT_TYPE, ctype)
                            .body(Body::from(body))
                            .unwrap(),
                    )
                    .await
                    .unwrap();
                let status = res.status();
                let bytes = axum::body::to_bytes(res.into_body(), 1 << 20)
                    .await
                    .unwrap();
                (
                    status,
                    serde_json::from_slice::<Value>(&bytes).unwrap_or(Value::Null),
                )
            }
        };
        let (s, _, r) = t
            .send(
                "POST",
                "/api/v1/plans/demo-small/items/E1.1/reports",
                None,
                json!({"period": "2020-06", "unit": "JTW", "percent": 50, "narrative": "盾构推进"}),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{r}");
        let id = r["id"].as_i64().unwrap();
        let at = format!("/api/v1/reports/{id}/evidence");
        let (s, v) = upload("jtw", at.clone(), vec![("会议纪要.pdf", PDF.to_vec())]).await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
        let href = v[0]["href"].as_str().unwrap().to_string();
        assert_eq!(v[0]["content_type"], "application/pdf");
        // Refused, and nothing kept: a disguised file, a file over the limit, a body over it,
        // another unit, no file at all.
        let (s, v) = upload(
            "jtw",
            at.clone(),
            vec![("x.pdf", b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec())],
        )
        .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
        assert_eq!(v["errors"][0]["code"], "file_disguised", "{v}");
        let big = [PDF, &[b' '; 4100][..]].concat();
        let (s, v) = upload("jtw", at.clone(), vec![("大.pdf", big)]).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
        assert_eq!(v["errors"][0]["code"], "file_too_big", "{v}");
        let huge = [PDF, &vec![b' '; 2 << 20][..]].concat();
        let (s, _) = upload("jtw", at.clone(), vec![("巨.pdf", huge)]).await;
        assert_eq!(s, StatusCode::PAYLOAD_TOO_LARGE);
        let (s, _) = upload("zdq", at.clone(), vec![("x.pdf", PDF.to_vec())]).await;
        assert_eq!(s, StatusCode::NOT_FOUND, "ZDQ cannot see JTW's draft");
        let (s, _) = upload("jtw", at.clone(), vec![]).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        // A part other than `file` is refused, nothing kept.
        let (ctype, mut body) = multipart(&[("x.pdf", PDF)]);
        body.splice(
            0..0,
            b"--tuijin-test-boundary\r\nContent-Disposition: form-data; name=\"note\"\r\n\r\nx\r\n"
                .iter()
                .copied(),
        );
        let res = t
            .app
            .clone()
            .oneshot(
                Request::post(at.clone())
                    .header(header::AUTHORIZATION, format!("Bearer {}", t.tokens["jtw"]))
                    .header(header::CONTENT_TYPE, ctype)
                    .body(Body::from(body))
                    .unwrap(),
            )
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::BAD_REQUEST);
        let many: Vec<(&'static str, Vec<u8>)> = (0..21).map(|_| ("x.pdf", PDF.to_vec())).collect();
        let (s, v) = upload("jtw", at.clone(), many).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
        assert_eq!(v["errors"][0]["code"], "too_many_files", "{v}");
        let (_, _, list) = t.get_as(Some("jtw"), &at).await;
        assert_eq!(list.as_array().unwrap().len(), 1, "{list}");

        // Downloaded as an attachment by those who may read the report; not found for others.
        for (who, want) in [
            ("jtw", StatusCode::OK),
            ("office", StatusCode::OK),
            ("leader", StatusCode::OK),
            ("zdq", StatusCode::NOT_FOUND),
        ] {
            let res = t
                .app
                .clone()
                .oneshot(
                    Request::get(&href)
                        .header(header::AUTHORIZATION, format!("Bearer {}", t.tokens[who]))
                        .body(Body::empty())
                        .unwrap(),
                )
                .await
                .unwrap();
            assert_eq!(res.status(), want, "{who}");
            if want == StatusCode::OK {
                let h = res.headers().clone();
                assert_eq!(h[header::CONTENT_TYPE], "application/pdf");
                assert_eq!(h[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
                let d = h[header::CONTENT_DISPOSITION].to_str().unwrap();
                assert!(d.starts_with("attachment;"), "{d}");
                assert!(d.contains("filename*=UTF-8''%E4%BC%9A"), "{d}");
                let body = axum::body::to_bytes(res.into_body(), 1 << 20)
                    .await
                    .unwrap();
                assert_eq!(&body[..], PDF);
            }
        }
        let (s, _, _) = t.get_as(None, &href).await;
        assert_eq!(s, StatusCode::UNAUTHORIZED);
        // The document names every type a file may be served as.
        let (_, _, spec) = t.get("/api/v1/openapi.json").await;
        let mut documented: Vec<String> =
            spec["paths"]["/api/v1/evidence/{id}"]["get"]["responses"]["200"]["content"]
                .as_object()
                .unwrap()
                .keys()
                .cloned()
                .collect();
        documented.sort();
        let mut served: Vec<String> = tuijin_core::evidence::served_types()
            .iter()
            .map(|t| t.to_string())
            .collect();
        served.sort();
        assert_eq!(documented, served);
    }
}

#[tokio::test]
async fn the_office_edits_items_through_the_api() {
    use serde_json::json;
    for t in TestApp::all().await {
        let item = "/api/v1/plans/demo-small/items/E1.1";
        let res = t
            .app
            .clone()
            .oneshot(
                Request::get(item)
                    .header(
                        header::AUTHORIZATION,
                        format!("Bearer {}", t.tokens["office"]),
                    )
                    .body(Body::empty())
                    .unwrap(),
            )
            .await
            .unwrap();
        let tag = res.headers()[header::ETAG].to_str().unwrap().to_string();
        // Without If-Match: 428; a unit or a leader: 403; a bad field: 422 naming it.
        let change = json!({"due": "2020-09-30", "reason": "地铁三号线工期调整"});
        let (s, _, _) = t
            .send_as("office", "PATCH", item, None, change.clone())
            .await;
        assert_eq!(s, StatusCode::PRECONDITION_REQUIRED);
        for who in ["jtw", "leader"] {
            let (s, _, _) = t
                .send_as(who, "PATCH", item, Some(&tag), change.clone())
                .await;
            assert_eq!(s, StatusCode::FORBIDDEN, "{who}");
        }
        let (s, _, body) = t
            .send_as(
                "office",
                "PATCH",
                item,
                Some(&tag),
                json!({"weight": -1, "due": "2017-01-01", "code": "X", "reason": "x"}),
            )
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        let fields: Vec<&str> = body["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["field"].as_str().unwrap())
            .collect();
        assert!(
            fields.contains(&"item[E1.1].weight") && fields.contains(&"item[E1.1].code"),
            "every bad field at once: {fields:?}"
        );
        // A weight beyond any plan: 422 on the weight (not an overflow).
        let (s, _, body) = t
            .send_as(
                "office",
                "PATCH",
                item,
                Some(&tag),
                json!({"weight": 1e307, "reason": "x"}),
            )
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        // Without a reason: 422.
        let (s, _, _) = t
            .send_as(
                "office",
                "PATCH",
                item,
                Some(&tag),
                json!({"due": "2020-09-30"}),
            )
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        // The due date moves; the English title alone changes (a merge patch).
        let (s, etag, body) = t
            .send_as(
                "office",
                "PATCH",
                item,
                Some(&tag),
                json!({"due": "2020-09-30", "title": {"en": "Metro over 300 km"}, "reason": "地铁三号线工期调整"}),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{body}");
        assert_eq!(body["due"], "2020-09-30");
        assert_eq!(body["title"]["zh"], "地铁运营里程超过300公里");
        assert_eq!(body["title"]["en"], "Metro over 300 km");
        let new_tag = etag.unwrap();
        assert_ne!(new_tag, tag);
        // The old tag is stale: 412 with the current version.
        let (s, _, body) = t
            .send_as("office", "PATCH", item, Some(&tag), change.clone())
            .await;
        assert_eq!(s, StatusCode::PRECONDITION_FAILED, "{body}");
        // The export carries the new date.
        let doc = tuijin_store::PlanStore::export_plan(&t.db.store, "demo-small")
            .await
            .unwrap();
        let e11 = doc
            .items
            .iter()
            .find(|i| i.code.as_str() == "E1.1")
            .unwrap();
        assert_eq!(e11.due.unwrap().to_string(), "2020-09-30");
        // A list is cleared by `null` as by `[]`; figures keep every decimal they were given.
        let (s, etag, body) = t
            .send_as(
                "office",
                "PATCH",
                item,
                Some(&new_tag),
                json!({"trajectory": [{"date": "2020-03-31", "percent": 33.33}], "co": ["ZDQ"],
                       "weight": 0.25, "reason": "分段目标"}),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{body}");
        assert_eq!(body["trajectory"][0]["percent"], 33.33);
        assert_eq!(body["weight"], 0.25);
        let (s, _, body) = t
            .send_as(
                "office",
                "PATCH",
                item,
                etag.as_deref(),
                json!({"trajectory": null, "co": null, "supports": null, "shares": null,
                       "reason": "取消分段"}),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{body}");
        assert_eq!(body["trajectory"], json!([]), "{body}");
        assert_eq!(body["co"], json!([]), "{body}");
        // A new project under E1: cancelled, refused a move under a milestone, archived.
        let (s, etag, body) = t
            .send_as(
                "office",
                "POST",
                "/api/v1/plans/demo-small/items",
                None,
                json!({"code": "E1.3", "kind": "project", "parent": "E1", "title": {"zh": "地铁五号线", "en": ""},
                       "lead": "JTW", "start": "2018-01-01", "due": "2020-06-30", "reason": "新增工程"}),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{body}");
        assert_eq!(body["parent"], "E1");
        let e13 = "/api/v1/plans/demo-small/items/E1.3";
        let (s, etag, body) = t
            .send_as(
                "office",
                "POST",
                &format!("{e13}/cancel"),
                etag.as_deref(),
                json!({"reason": "并入三号线"}),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{body}");
        assert_eq!(
            body["cancelled"], true,
            "what PATCH and cancel change, GET shows"
        );
        let (s, _, body) = t
            .send_as(
                "office",
                "POST",
                &format!("{e13}/move"),
                etag.as_deref(),
                json!({"parent": "E1.2", "reason": "调整"}),
            )
            .await;
        assert_eq!(
            s,
            StatusCode::UNPROCESSABLE_ENTITY,
            "a milestone holds nothing: {body}"
        );
        // A move must name its parent (null for the top): a forgotten one moves nothing.
        let (s, _, _) = t
            .send_as(
                "office",
                "POST",
                &format!("{e13}/move"),
                etag.as_deref(),
                json!({"reason": "调整"}),
            )
            .await;
        assert_eq!(s, StatusCode::BAD_REQUEST);
        let (s, _, _) = t
            .send_as(
                "office",
                "POST",
                &format!("{e13}/archive"),
                etag.as_deref(),
                json!({"reason": "录入有误"}),
            )
            .await;
        assert_eq!(s, StatusCode::NO_CONTENT);
        // Archived, not deleted: still readable, marked so, and out of its parent's children.
        let (s, _, body) = t.get(e13).await;
        assert_eq!(
            (s, &body["item"]["archived"]),
            (StatusCode::OK, &json!(true))
        );
        let (_, _, body) = t.get("/api/v1/plans/demo-small/items/E1").await;
        assert!(!body["children"].to_string().contains("E1.3"), "{body}");
    }
}

#[tokio::test]
async fn a_lead_unit_asks_for_a_change_and_the_office_decides() {
    use serde_json::json;
    for t in TestApp::all().await {
        let ask = |body: serde_json::Value, who: &'static str| {
            let t = &t;
            async move {
                t.send_as(
                    who,
                    "POST",
                    "/api/v1/plans/demo-small/items/E1.1/change-requests",
                    None,
                    body,
                )
                .await
            }
        };
        // Only the lead unit asks; it asks for something, and says why.
        let (s, _, _) = ask(
            json!({"unit": "ZDQ", "due": "2020-11-30", "reason": "x"}),
            "zdq",
        )
        .await;
        assert_eq!(s, StatusCode::FORBIDDEN, "ZDQ does not lead E1.1");
        let (s, _, _) = ask(
            json!({"unit": "JTW", "due": "2020-11-30", "reason": "x"}),
            "zdq",
        )
        .await;
        assert_eq!(s, StatusCode::FORBIDDEN, "not ZDQ's to ask for");
        let (s, _, body) = ask(json!({"unit": "JTW", "reason": " "}), "jtw").await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        // A bad co-operating unit code is named with its place in the list.
        let (s, _, body) = ask(
            json!({"unit": "JTW", "co": ["ZDQ", ""], "reason": "协办调整"}),
            "jtw",
        )
        .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert!(body.to_string().contains("co[1]"), "{body}");
        let (s, tag, body) = ask(
            json!({"unit": "JTW", "due": "2020-11-30", "reason": "盾构机到场延后", "evidence": "郑交〔2020〕5号"}),
            "jtw",
        )
        .await;
        assert_eq!(s, StatusCode::CREATED, "{body}");
        let id = body["id"].as_i64().unwrap();
        assert_eq!(body["state"], "pending");
        // A unit sees its own; the office sees the queue.
        let (_, _, mine) = t
            .get_as(Some("zdq"), "/api/v1/plans/demo-small/change-requests")
            .await;
        assert_eq!(mine.as_array().unwrap().len(), 0);
        let (_, _, queue) = t
            .get("/api/v1/plans/demo-small/change-requests?state=pending")
            .await;
        assert_eq!(queue.as_array().unwrap().len(), 1);
        // A refusal needs its reason; a stale decision is refused; the approval applies the
        // change as an edit citing the request.
        let approve = format!("/api/v1/change-requests/{id}/approve");
        let refuse = format!("/api/v1/change-requests/{id}/refuse");
        let (s, _, _) = t
            .send_as(
                "office",
                "POST",
                &refuse,
                tag.as_deref(),
                json!({"text": ""}),
            )
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        let (s, _, _) = t
            .send_as("office", "POST", &approve, Some("\"9\""), json!({}))
            .await;
        assert_eq!(s, StatusCode::PRECONDITION_FAILED);
        let (s, _, _) = t
            .send_as("jtw", "POST", &approve, tag.as_deref(), json!({}))
            .await;
        assert_eq!(s, StatusCode::FORBIDDEN, "a unit does not decide");
        let (s, _, body) = t
            .send_as(
                "office",
                "POST",
                &approve,
                tag.as_deref(),
                json!({"text": "同意"}),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{body}");
        assert_eq!(body["state"], "approved");
        let (_, _, item) = t.get("/api/v1/plans/demo-small/items/E1.1").await;
        assert_eq!(item["item"]["due"], "2020-11-30");
        let events = tuijin_store::EventStore::events_for(
            &t.db.store,
            tuijin_core::event::Entity::Item,
            "E1.1",
            100,
        )
        .await
        .unwrap();
        assert!(events.iter().any(|e| {
            e.kind == tuijin_core::event::EventKind::ItemEdited
                && e.after.as_ref().unwrap()["text"]
                    .as_str()
                    .unwrap()
                    .contains(&format!("#{id}"))
        }));
        // Decided once: a second decision is a conflict.
        let (s, _, _) = t
            .send_as(
                "office",
                "POST",
                &refuse,
                Some("\"2\""),
                json!({"text": "x"}),
            )
            .await;
        assert_eq!(s, StatusCode::CONFLICT);
        // A request the plan's rules would refuse is refused when filed, named by its field.
        let (s, _, body) = ask(
            json!({"unit": "JTW", "due": "2021-06-30", "reason": "再延"}),
            "jtw",
        )
        .await;
        assert_eq!(
            s,
            StatusCode::UNPROCESSABLE_ENTITY,
            "past its parent's and the plan's end: {body}"
        );
        let (s, tag, body) = ask(
            json!({"unit": "JTW", "due": "2020-12-15", "reason": "再延"}),
            "jtw",
        )
        .await;
        assert_eq!(s, StatusCode::CREATED, "{body}");
        let id = body["id"].as_i64().unwrap();
        // What the item said when it was filed is kept with it.
        let r = tuijin_store::RequestStore::get_request(&t.db.store, id)
            .await
            .unwrap();
        assert_eq!(
            r.before.and_then(|b| b.due),
            chrono::NaiveDate::from_ymd_opt(2020, 11, 30)
        );
        // One pending request per item and unit.
        let (s, _, _) = ask(
            json!({"unit": "JTW", "target_value": 320, "reason": "加码"}),
            "jtw",
        )
        .await;
        assert_eq!(s, StatusCode::CONFLICT);
        // Its evidence: a file from the unit that asked, read by the office, not there for
        // another unit; a file that is not what it says is refused.
        let at = format!("/api/v1/change-requests/{id}/evidence");
        let send = |who: &'static str, name: &'static str, bytes: &'static [u8]| {
            let app = t.app.clone();
            let token = t.tokens[who].clone();
            let at = at.clone();
            async move {
                let (ctype, body) = multipart(&[(name, bytes)]);
                let res = app
                    .oneshot(
                        Request::post(at)
                            .header(header::AUTHORIZATION, format!("Bearer {token}"))
                            .header(header::CONTENT_TYPE, ctype)
                            .body(Body::from(body))
                            .unwrap(),
                    )
                    .await
                    .unwrap();
                let status = res.status();
                let bytes = axum::body::to_bytes(res.into_body(), 1 << 20)
                    .await
                    .unwrap();
                (
                    status,
                    serde_json::from_slice::<serde_json::Value>(&bytes)
                        .unwrap_or(serde_json::Value::Null),
                )
            }
        };
        let (s, v) = send("jtw", "延期批复.pdf", PDF).await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
        let href = v[0]["href"].as_str().unwrap().to_string();
        let (s, _) = send("jtw", "x.pdf", b"not a pdf").await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        let (s, _) = send("office", "延期批复.pdf", PDF).await;
        assert_eq!(s, StatusCode::FORBIDDEN);
        let (s, _, list) = t.get(&at).await;
        assert_eq!((s, list.as_array().unwrap().len()), (StatusCode::OK, 1));
        let (s, _, _) = t.get_as(Some("office"), &href).await;
        assert_eq!(s, StatusCode::OK);
        let (s, _, _) = t.get_as(Some("zdq"), &href).await;
        assert_eq!(s, StatusCode::NOT_FOUND);
        let withdraw = format!("/api/v1/change-requests/{id}/withdraw");
        let (s, _, _) = t
            .send_as("zdq", "POST", &withdraw, tag.as_deref(), json!({}))
            .await;
        assert_eq!(s, StatusCode::FORBIDDEN);
        let (s, _, _) = t
            .send_as("office", "POST", &withdraw, tag.as_deref(), json!({}))
            .await;
        assert_eq!(s, StatusCode::FORBIDDEN);
        let (s, _, _) = t
            .send_as("jtw", "POST", &withdraw, Some("\"9\""), json!({}))
            .await;
        assert_eq!(s, StatusCode::PRECONDITION_FAILED);
        let (s, tag2, body) = t
            .send_as("jtw", "POST", &withdraw, tag.as_deref(), json!({}))
            .await;
        assert_eq!(
            (s, &body["state"]),
            (StatusCode::OK, &json!("withdrawn")),
            "{body}"
        );
        let (s, _, _) = t
            .send_as(
                "office",
                "POST",
                &format!("/api/v1/change-requests/{id}/approve"),
                tag2.as_deref(),
                json!({}),
            )
            .await;
        assert_eq!(s, StatusCode::CONFLICT);
        let (s, _, _) = t
            .send_as("jtw", "POST", &withdraw, tag2.as_deref(), json!({}))
            .await;
        assert_eq!(s, StatusCode::CONFLICT);
        let (_, _, queue) = t
            .get("/api/v1/plans/demo-small/change-requests?state=withdrawn")
            .await;
        assert_eq!(queue.as_array().unwrap().len(), 1);
        // Decided requests take no more files.
        let (s, _) = send("jtw", "补充.pdf", PDF).await;
        assert_eq!(s, StatusCode::CONFLICT);
    }
}
