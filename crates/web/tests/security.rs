//! The second security pass, one test per finding, each reproducing the attack against the real
//! router (SQLite, and PostgreSQL when configured): open redirects after log-in, metrics grown
//! by made-up methods, the log-in throttle behind a proxy, what anonymous callers learn, page
//! and API deciding alike which reports a unit reads, id probing, caching and the bearer scheme.

use std::net::SocketAddr;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Request, StatusCode, header};
use serde_json::Value;
use tower::ServiceExt;
use tuijin_core::report::{Period, ReportContent};
use tuijin_store::{AccountStore, NewReport, ReportStore};
use tuijin_web::{AppState, router};

mod common;

use common::site::{Browser, PASSWORD, Site};

/// A response, read whole.
struct Answer {
    status: StatusCode,
    headers: axum::http::HeaderMap,
    body: String,
}

impl Answer {
    fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or(Value::Null)
    }
}

async fn send(app: &axum::Router, req: Request<Body>) -> Answer {
    let res = app.clone().oneshot(req).await.unwrap();
    let status = res.status();
    let headers = res.headers().clone();
    let bytes = axum::body::to_bytes(res.into_body(), 10 << 20)
        .await
        .unwrap();
    Answer {
        status,
        headers,
        body: String::from_utf8_lossy(&bytes).into_owned(),
    }
}

/// An API token for each test user.
async fn tokens(store: &tuijin_store::Store) -> std::collections::HashMap<&'static str, String> {
    let mut out = std::collections::HashMap::new();
    for name in ["admin", "office", "leader", "jtw", "zdq"] {
        let (t, _) = store
            .create_token(name, "test", None, &common::stamp("test"))
            .await
            .unwrap();
        out.insert(name, t);
    }
    out
}

fn get_as(uri: &str, token: Option<&str>) -> Request<Body> {
    let mut r = Request::get(uri);
    if let Some(t) = token {
        r = r.header(header::AUTHORIZATION, format!("Bearer {t}"));
    }
    r.body(Body::empty()).unwrap()
}

/// A report by `unit` on `item`, left in `state` (draft, or accepted by the office).
async fn report(
    store: &tuijin_store::Store,
    item: &str,
    unit: &str,
    words: &str,
    accept: bool,
) -> i64 {
    // A parent's progress rolls up: a report on it says what happened, without a percent.
    let percent = (item != "E1").then(|| tuijin_core::Percent::new(30.0).unwrap());
    let r = store
        .create_report(
            NewReport {
                plan: "demo-small".into(),
                item: item.into(),
                period: Period::parse("2020-05").unwrap(),
                unit: unit.into(),
                content: ReportContent {
                    percent,
                    narrative: words.into(),
                    ..Default::default()
                },
            },
            &common::stamp(unit),
        )
        .await
        .unwrap();
    if accept {
        let s = store
            .submit_report(r.id, r.version, &common::stamp(unit))
            .await
            .unwrap();
        store
            .accept_report(s.id, s.version, "", &common::stamp("office"))
            .await
            .unwrap();
    }
    r.id
}

#[tokio::test]
async fn no_next_leaves_the_site_or_breaks_the_answer() {
    for site in Site::all().await {
        let mut b = site.log_in("office").await;
        // With a live session, /login sends the visitor on at once.
        for next in [
            "/%5C/evil.example",
            "//evil.example",
            "/%E3%80%80/evil.example",
            "https://evil.example",
        ] {
            let p = site.get(&mut b, &format!("/login?next={next}")).await;
            assert_eq!(p.status, StatusCode::SEE_OTHER, "{next}: {}", p.html);
            assert_eq!(p.location.as_deref(), Some("/"), "{next}");
        }
        // A control character anywhere in the query is refused before any handler reads it:
        // a plain 400 page, never a redirect and never a server error.
        for next in ["/%09/evil.example", "/%0A/evil.example", "/%00", "/%7F"] {
            let p = site.get(&mut b, &format!("/login?next={next}")).await;
            assert_eq!(p.status, StatusCode::BAD_REQUEST, "{next}: {}", p.html);
            assert_eq!(p.location, None, "{next}");
        }
        // A local path in Chinese comes back encoded, not as a broken header.
        let p = site
            .get(&mut b, "/login?next=/plans/demo-small/tree%3Fq%3D%E9%83%91")
            .await;
        assert_eq!(p.status, StatusCode::SEE_OTHER);
        assert_eq!(
            p.location.as_deref(),
            Some("/plans/demo-small/tree?q=%E9%83%91")
        );
        // Posting the log-in form with a newline for `next`: a session and a safe redirect.
        let mut fresh = Browser::default();
        let csrf = site.get(&mut fresh, "/login").await.csrf();
        let p = site
            .request(
                &mut fresh,
                "POST",
                "/login",
                &[
                    ("csrf", &csrf),
                    ("name", "leader"),
                    ("password", PASSWORD),
                    ("next", "\n"),
                ],
            )
            .await;
        assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.html);
        assert_eq!(p.location.as_deref(), Some("/"));
        // The language switch takes the same `next`.
        let csrf = site.get(&mut fresh, "/account").await.csrf();
        let p = site
            .request(
                &mut fresh,
                "POST",
                "/lang",
                &[
                    ("csrf", &csrf),
                    ("lang", "en"),
                    ("next", "/\t/evil.example"),
                ],
            )
            .await;
        assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.html);
        assert_eq!(p.location.as_deref(), Some("/"));
    }
}

#[tokio::test]
async fn made_up_methods_do_not_grow_the_metrics() {
    for db in common::with_small_plan().await {
        common::add_users(&db.store, None).await;
        let t = tokens(&db.store).await;
        let app = router(AppState::new(db.store.clone(), common::today(), true));
        for n in 0..200 {
            let req = Request::builder()
                .method(format!("FOO{n}").as_str())
                .uri("/api/v1/items")
                .body(Body::empty())
                .unwrap();
            send(&app, req).await;
        }
        let m = send(&app, get_as("/metrics", Some(&t["admin"]))).await;
        assert_eq!(m.status, StatusCode::OK);
        assert!(
            !m.body.contains("FOO"),
            "a method from the request became a label"
        );
        assert!(m.body.contains(r#"method="other""#), "{}", m.body);
        let series = m
            .body
            .lines()
            .filter(|l| l.starts_with("tuijin_http_requests_total"))
            .count();
        assert!(series < 10, "{series} series after 200 made-up methods");
    }
}

/// A log-in attempt through a proxy at 10.0.0.5 for the client `client`.
async fn through_proxy(app: &axum::Router, client: &str, name: &str, password: &str) -> StatusCode {
    // The form token comes with the log-in page.
    let mut req = Request::get("/login").body(Body::empty()).unwrap();
    req.extensions_mut()
        .insert(ConnectInfo("10.0.0.5:40000".parse::<SocketAddr>().unwrap()));
    let page = send(app, req).await;
    let cookie = page
        .headers
        .get_all(header::SET_COOKIE)
        .iter()
        .map(|v| v.to_str().unwrap().split(';').next().unwrap().to_string())
        .collect::<Vec<_>>()
        .join("; ");
    let at = page.body.find("name=\"csrf\" value=\"").unwrap() + 19;
    let csrf = &page.body[at..at + page.body[at..].find('"').unwrap()];
    let form = format!(
        "csrf={csrf}&name={name}&password={}",
        password.replace(' ', "+")
    );
    let mut req = Request::post("/login")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::COOKIE, cookie)
        .header("x-forwarded-for", client)
        .body(Body::from(form))
        .unwrap();
    req.extensions_mut()
        .insert(ConnectInfo("10.0.0.5:40001".parse::<SocketAddr>().unwrap()));
    send(app, req).await.status
}

#[tokio::test]
async fn behind_a_trusted_proxy_one_address_does_not_lock_out_everyone() {
    for db in common::with_small_plan().await {
        common::add_users(&db.store, Some(PASSWORD)).await;
        let mut st = AppState::new(db.store.clone(), common::today(), true);
        st.trusted_proxies =
            tuijin_web::client::TrustedProxies::parse(&["10.0.0.5".into()]).unwrap();
        let app = router(st);
        // Twenty failures from one client (spread over names, so no account is locked).
        for n in 0..20 {
            let name = ["nobody", "noone", "nemo", "ghost"][n % 4];
            let s = through_proxy(&app, "198.51.100.1", name, "wrong password!").await;
            assert_eq!(s, StatusCode::UNAUTHORIZED);
        }
        assert_eq!(
            through_proxy(&app, "198.51.100.1", "office", PASSWORD).await,
            StatusCode::TOO_MANY_REQUESTS,
            "the failing client is throttled"
        );
        // Another client behind the same proxy logs in.
        assert_eq!(
            through_proxy(&app, "198.51.100.2", "office", PASSWORD).await,
            StatusCode::SEE_OTHER,
            "another client is not"
        );
        // A client forging the header in front of the proxy gains nothing.
        assert_eq!(
            through_proxy(&app, "198.51.100.3, 198.51.100.1", "office", PASSWORD).await,
            StatusCode::TOO_MANY_REQUESTS
        );
    }
}

#[tokio::test]
async fn anonymous_callers_learn_only_the_published_part() {
    for db in common::with_small_plan().await {
        let app = router(AppState::new(db.store.clone(), common::today(), true));
        // E1 (public) has a leader, supports P1, and two children of which E1.2 is not public.
        let e1 = send(&app, get_as("/api/v1/plans/demo-small/items/E1", None))
            .await
            .json();
        assert_eq!(e1["item"]["leader"], Value::Null, "no people: {e1}");
        assert_eq!(e1["item"]["leader_in_charge"], Value::Null);
        assert_eq!(
            e1["item"]["child_count"], 1,
            "only published children are counted"
        );
        assert_eq!(e1["item"]["supports"], serde_json::json!(["P1"]));
        let list = send(&app, get_as("/api/v1/items", None)).await.json();
        for i in list["items"].as_array().unwrap() {
            assert_eq!(i["leader"], Value::Null, "{i}");
            if let Some(p) = i["parent"].as_str() {
                assert!(["P1", "E1", "E1.1"].contains(&p), "{i}");
            }
        }
        let plan = send(&app, get_as("/api/v1/plans/demo-small", None))
            .await
            .json();
        assert_eq!(plan["item_count"], 3, "published items only: {plan}");
        let units = send(&app, get_as("/api/v1/units", None)).await.json();
        let jtw = units["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|u| u["code"] == "JTW")
            .unwrap();
        assert_eq!(
            jtw["lead_count"], 2,
            "JTW leads E1 and E1.1 in public, E1.2 not: {jtw}"
        );
        // Archived items are not published either.
        let a = send(&app, get_as("/api/v1/items?archived=true", None))
            .await
            .json();
        assert_eq!(a["items"].as_array().unwrap().len(), 3);
        // Logged in, the whole: the leader and both children.
        common::add_users(&db.store, None).await;
        let t = tokens(&db.store).await;
        let e1 = send(
            &app,
            get_as("/api/v1/plans/demo-small/items/E1", Some(&t["leader"])),
        )
        .await
        .json();
        assert_eq!(e1["item"]["leader"], "vm-transport");
        assert_eq!(e1["item"]["child_count"], 2);
    }
}

#[tokio::test]
async fn the_page_and_the_api_decide_alike_which_reports_a_unit_reads() {
    for site in Site::all().await {
        let store = &site.db.store;
        let t = tokens(store).await;
        // ZDQ co-operates on E1: a draft of its own, and JTW's accepted report on E1.1.
        let draft = report(store, "E1", "ZDQ", "ZDQ的草稿内容", false).await;
        let accepted = report(store, "E1.1", "JTW", "JTW已采纳的报告", true).await;
        let api = |id: i64, who: &'static str| {
            let app = site.app.clone();
            let token = t[who].clone();
            async move {
                send(&app, get_as(&format!("/api/v1/reports/{id}"), Some(&token)))
                    .await
                    .status
            }
        };
        let mut jtw = site.log_in("jtw").await;
        let mut zdq = site.log_in("zdq").await;
        // Another unit's draft: neither the API nor the page shows it to JTW.
        assert_eq!(api(draft, "jtw").await, StatusCode::NOT_FOUND);
        let page = site.get(&mut jtw, "/plans/demo-small/items/E1").await;
        assert!(
            !page.html.contains("ZDQ的草稿内容"),
            "the page showed another unit's draft"
        );
        // Its own draft: both show it to ZDQ.
        assert_eq!(api(draft, "zdq").await, StatusCode::OK);
        let page = site.get(&mut zdq, "/plans/demo-small/items/E1").await;
        assert!(page.html.contains("ZDQ的草稿内容"));
        // An accepted report is the plan's record: both show it to any unit.
        assert_eq!(api(accepted, "zdq").await, StatusCode::OK);
        let page = site.get(&mut zdq, "/plans/demo-small/items/E1.1").await;
        assert!(page.html.contains("JTW已采纳的报告"));
        // Listing another unit's reports gives its accepted ones only.
        let app = site.app.clone();
        let l = send(&app, get_as("/api/v1/reports?unit=ZDQ", Some(&t["jtw"])))
            .await
            .json();
        assert_eq!(l["items"].as_array().unwrap().len(), 0, "{l}");
        let l = send(&app, get_as("/api/v1/reports?unit=JTW", Some(&t["zdq"])))
            .await
            .json();
        assert_eq!(l["items"].as_array().unwrap().len(), 1, "{l}");
        let l = send(
            &app,
            get_as("/api/v1/reports?unit=ZDQ&state=draft", Some(&t["jtw"])),
        )
        .await
        .json();
        assert_eq!(l["items"].as_array().unwrap().len(), 0, "{l}");
    }
}

#[tokio::test]
async fn ids_cannot_be_probed() {
    for db in common::with_small_plan().await {
        common::add_users(&db.store, None).await;
        let t = tokens(&db.store).await;
        let app = router(AppState::new(db.store.clone(), common::today(), true));
        let draft = report(&db.store, "E1", "ZDQ", "草稿", false).await;
        let missing = draft + 1000;
        // Anonymous: asked to log in, whether the report exists or not.
        for id in [draft, missing] {
            let a = send(&app, get_as(&format!("/api/v1/reports/{id}"), None)).await;
            assert_eq!(a.status, StatusCode::UNAUTHORIZED, "{id}");
            let a = send(
                &app,
                Request::post(format!("/api/v1/reports/{id}/submit"))
                    .header(header::IF_MATCH, "\"1\"")
                    .body(Body::empty())
                    .unwrap(),
            )
            .await;
            assert_eq!(a.status, StatusCode::UNAUTHORIZED, "{id}");
        }
        // Another unit: the same answer for "not yours" as for "does not exist".
        let shape = |a: &Answer, id: i64| a.body.replace(&id.to_string(), "#");
        for path in ["", "/submit"] {
            let method = if path.is_empty() { "GET" } else { "POST" };
            let ask = |id: i64| {
                Request::builder()
                    .method(method)
                    .uri(format!("/api/v1/reports/{id}{path}"))
                    .header(header::AUTHORIZATION, format!("Bearer {}", t["jtw"]))
                    .header(header::IF_MATCH, "\"1\"")
                    .body(Body::empty())
                    .unwrap()
            };
            let theirs = send(&app, ask(draft)).await;
            let none = send(&app, ask(missing)).await;
            assert_eq!(
                theirs.status,
                StatusCode::NOT_FOUND,
                "{method} {path}: {}",
                theirs.body
            );
            assert_eq!(none.status, StatusCode::NOT_FOUND);
            assert_eq!(shape(&theirs, draft), shape(&none, missing));
        }
    }
}

#[tokio::test]
async fn nothing_is_cached_and_any_case_of_bearer_works() {
    for site in Site::all().await {
        let t = tokens(&site.db.store).await;
        let app = site.app.clone();
        for uri in ["/api/v1/items", "/api/v1/reports", "/healthz"] {
            let a = send(&app, get_as(uri, Some(&t["office"]))).await;
            assert_eq!(
                a.headers.get(header::CACHE_CONTROL).unwrap(),
                "no-store",
                "{uri}"
            );
        }
        let mut b = site.log_in("office").await;
        for uri in ["/account", "/review", "/plans/demo-small"] {
            let res = app
                .clone()
                .oneshot(
                    Request::get(uri)
                        .header(
                            header::COOKIE,
                            b.cookies
                                .iter()
                                .map(|(k, v)| format!("{k}={v}"))
                                .collect::<Vec<_>>()
                                .join("; "),
                        )
                        .body(Body::empty())
                        .unwrap(),
                )
                .await
                .unwrap();
            assert_eq!(res.status(), StatusCode::OK, "{uri}");
            assert_eq!(
                res.headers().get(header::CACHE_CONTROL).unwrap(),
                "no-store",
                "{uri}"
            );
        }
        let _ = site.get(&mut b, "/").await;
        // The stylesheet alone may be kept.
        let css = send(&app, get_as("/assets/tuijin.css", None)).await;
        assert!(
            css.headers[header::CACHE_CONTROL]
                .to_str()
                .unwrap()
                .starts_with("public")
        );
        // RFC 9110: the scheme is case-insensitive.
        for scheme in ["bearer", "BEARER", "Bearer"] {
            let a = send(
                &app,
                Request::get("/api/v1/warnings")
                    .header(header::AUTHORIZATION, format!("{scheme} {}", t["office"]))
                    .body(Body::empty())
                    .unwrap(),
            )
            .await;
            assert_eq!(a.status, StatusCode::OK, "{scheme}");
        }
    }
}

#[tokio::test]
async fn tokens_die_with_a_reset_or_a_disable_and_refusals_are_recorded_sparingly() {
    for db in common::with_small_plan().await {
        common::add_users(&db.store, Some(PASSWORD)).await;
        let t = tokens(&db.store).await;
        let app = router(AppState::new(db.store.clone(), common::today(), true));
        let ok = |who: &'static str| {
            let app = app.clone();
            let token = t[who].clone();
            async move {
                send(&app, get_as("/api/v1/warnings", Some(&token)))
                    .await
                    .status
            }
        };
        assert_eq!(ok("leader").await, StatusCode::OK);
        db.store
            .set_password("leader", "another long password", &common::stamp("admin"))
            .await
            .unwrap();
        db.store
            .set_disabled("zdq", true, &common::stamp("admin"))
            .await
            .unwrap();
        db.store
            .set_disabled("zdq", false, &common::stamp("admin"))
            .await
            .unwrap();
        use tuijin_store::EventStore;
        let before = db.store.verify_chain().await.unwrap().0;
        assert_eq!(
            ok("leader").await,
            StatusCode::UNAUTHORIZED,
            "a reset revokes tokens"
        );
        assert_eq!(
            ok("zdq").await,
            StatusCode::UNAUTHORIZED,
            "re-enabling does not revive tokens"
        );
        // Refused tokens leave an event, at most one a minute per address.
        for _ in 0..50 {
            ok("leader").await;
        }
        let after = db.store.verify_chain().await.unwrap().0;
        assert_eq!(
            after - before,
            1,
            "fifty-two refusals from one address, one event"
        );
    }
}

#[tokio::test]
async fn the_spec_documents_every_answer_as_a_problem_document() {
    let db = common::with_small_plan().await.remove(0);
    let app = router(AppState::new(db.store.clone(), common::today(), true));
    let spec = send(&app, get_as("/api/v1/openapi.json", None))
        .await
        .json();
    let mut ops = 0;
    for (path, item) in spec["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            ops += 1;
            let answers = op["responses"].as_object().unwrap();
            let mut need = vec!["503"];
            if path.starts_with("/api/") {
                need.extend(["400", "401"]);
            }
            if path.contains('{') {
                need.push("404");
            }
            for code in need {
                assert!(answers.contains_key(code), "{method} {path} lacks {code}");
            }
            for (code, r) in answers {
                if code.as_str() >= "400" {
                    let types: Vec<&String> = r["content"].as_object().unwrap().keys().collect();
                    assert_eq!(
                        types,
                        ["application/problem+json"],
                        "{method} {path} {code}"
                    );
                }
            }
            for p in op["parameters"].as_array().into_iter().flatten() {
                if p["name"] == "limit" {
                    assert_eq!(p["schema"]["minimum"], 1, "{method} {path}");
                    assert!(p["schema"]["maximum"].is_number(), "{method} {path}");
                }
            }
        }
    }
    assert!(ops > 20);
    // What the spec says of a limit is what the server does.
    common::add_users(&db.store, None).await;
    let t = tokens(&db.store).await;
    for uri in [
        "/api/v1/reports?limit=1001",
        "/api/v1/items?limit=1001",
        "/api/v1/warnings?limit=10001",
    ] {
        let a = send(&app, get_as(uri, Some(&t["office"]))).await;
        assert!(a.status.is_client_error(), "{uri}: {}", a.status);
        assert_eq!(
            a.headers[header::CONTENT_TYPE],
            "application/problem+json",
            "{uri}"
        );
    }
}

#[tokio::test]
async fn a_misspelt_field_is_refused_not_read_as_an_empty_report() {
    for db in common::with_small_plan().await {
        common::add_users(&db.store, None).await;
        let t = tokens(&db.store).await;
        let app = router(AppState::new(db.store.clone(), common::today(), true));
        let a = send(
            &app,
            Request::post("/api/v1/plans/demo-small/items/E1.1/reports")
                .header(header::AUTHORIZATION, format!("Bearer {}", t["jtw"]))
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(
                    r#"{"percnet":40,"period":"2020-05","unit":"JTW","narrative":"typo"}"#,
                ))
                .unwrap(),
        )
        .await;
        assert!(a.status.is_client_error(), "{}: {}", a.status, a.body);
        assert!(
            a.body.contains("percnet"),
            "the message names the field: {}",
            a.body
        );
    }
}

#[tokio::test]
async fn the_frameworks_own_refusals_are_problem_documents_too() {
    let db = common::with_small_plan().await.remove(0);
    common::add_users(&db.store, None).await;
    let t = tokens(&db.store).await;
    let app = router(AppState::new(db.store.clone(), common::today(), true));
    let auth = format!("Bearer {}", t["jtw"]);
    let cases = [
        // A body over the 2 MiB limit.
        Request::post("/api/v1/plans/demo-small/items/E1.1/reports")
            .header(header::AUTHORIZATION, &auth)
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(vec![b' '; 3 << 20]))
            .unwrap(),
        // A path parameter that does not parse.
        Request::post("/api/v1/reports/99999999999999999999999/submit")
            .header(header::AUTHORIZATION, &auth)
            .header(header::IF_MATCH, "\"1\"")
            .body(Body::empty())
            .unwrap(),
        // A method the route lacks.
        Request::get("/api/v1/plans/demo-small/items/E1.1/reports")
            .header(header::AUTHORIZATION, &auth)
            .body(Body::empty())
            .unwrap(),
    ];
    for req in cases {
        let what = format!("{} {}", req.method(), req.uri());
        let a = send(&app, req).await;
        assert!(a.status.is_client_error(), "{what}: {}", a.status);
        assert_eq!(
            a.headers[header::CONTENT_TYPE],
            "application/problem+json",
            "{what}"
        );
        assert_eq!(a.json()["status"], a.status.as_u16(), "{what}: {}", a.body);
    }
}

/// From the second independent attack: another unit's draft through an item's timeline; huge
/// page numbers; a body over the limit announced by its Content-Length; the children of an
/// unpublished item asked for by anonymous callers.
#[tokio::test]
async fn timelines_pages_limits_and_unpublished_parents_hold() {
    use tuijin_store::PlanStore;
    for site in Site::all().await {
        let store = &site.db.store;
        let t = tokens(store).await;
        let app = site.app.clone();
        // ZDQ's draft on E1 and JTW's accepted report on E1.1.
        report(store, "E1", "ZDQ", "ZDQ的草稿内容", false).await;
        report(store, "E1.1", "JTW", "JTW已采纳的报告", true).await;
        let timeline = |code: &str, who: &'static str| {
            let app = app.clone();
            let uri = format!("/api/v1/plans/demo-small/items/{code}/timeline");
            let token = t[who].clone();
            async move { send(&app, get_as(&uri, Some(&token))).await }
        };
        let other = timeline("E1", "jtw").await;
        assert_eq!(other.status, StatusCode::OK);
        assert!(
            !other.body.contains("ZDQ的草稿内容") && !other.body.contains("report.created"),
            "another unit's draft in the timeline: {}",
            other.body
        );
        let own = timeline("E1", "zdq").await;
        assert!(own.body.contains("ZDQ的草稿内容"), "its own draft");
        let accepted = timeline("E1.1", "zdq").await;
        assert!(
            accepted.body.contains("report.accepted") && !accepted.body.contains("report.created"),
            "of another unit's report, only its acceptance: {}",
            accepted.body
        );
        let office = timeline("E1", "office").await;
        assert!(office.body.contains("ZDQ的草稿内容"), "the office sees all");

        // Page numbers past any list: an empty page, not an overflow.
        let mut o = site.log_in("office").await;
        let mut j = site.log_in("jtw").await;
        for uri in [
            "/plans/demo-small/timeline?page=18446744073709551615",
            "/plans/demo-small/tree?page=99999999999999999999999",
        ] {
            let p = site.get(&mut o, uri).await;
            assert_eq!(p.status, StatusCode::OK, "{uri}");
        }
        let p = site
            .get(&mut j, "/workspace?page=1844674407370955161")
            .await;
        assert_eq!(p.status, StatusCode::OK);
        let p = site.get(&mut o, "/plans/demo-small/tree?page=-1").await;
        assert!(p.status.is_client_error(), "a page that is not a number");

        // A body over the limit, refused on its Content-Length alone: a problem document
        // with every security header.
        let a = send(
            &app,
            Request::post("/api/v1/plans/demo-small/items/E1.1/reports")
                .header(header::AUTHORIZATION, format!("Bearer {}", t["jtw"]))
                .header(header::CONTENT_TYPE, "application/json")
                .header(header::CONTENT_LENGTH, 3 << 20)
                .body(Body::from(vec![b' '; 3 << 20]))
                .unwrap(),
        )
        .await;
        assert_eq!(a.status, StatusCode::PAYLOAD_TOO_LARGE);
        assert_eq!(a.headers[header::CONTENT_TYPE], "application/problem+json");
        for h in [
            header::CACHE_CONTROL,
            header::CONTENT_SECURITY_POLICY,
            header::X_CONTENT_TYPE_OPTIONS,
            header::X_FRAME_OPTIONS,
        ] {
            assert!(a.headers.contains_key(&h), "413 without {h}");
        }

        // E1 unpublished: anonymous callers cannot tell it from a missing item, even through
        // its published children.
        let path = format!(
            "{}/../../tests/fixtures/small.toml",
            env!("CARGO_MANIFEST_DIR")
        );
        let mut doc =
            tuijin_export::read_plan("small.toml", &std::fs::read_to_string(path).unwrap())
                .unwrap();
        for i in doc.items.iter_mut().filter(|i| i.code.as_str() == "E1") {
            i.public = false;
        }
        store
            .import_plan(&doc, &common::stamp("office"))
            .await
            .unwrap();
        let hidden = send(&app, get_as("/api/v1/items?parent=E1", None))
            .await
            .json();
        let missing = send(&app, get_as("/api/v1/items?parent=NOSUCH", None))
            .await
            .json();
        assert_eq!(
            hidden, missing,
            "an unpublished parent answers like a missing one"
        );
        let page = send(&app, get_as("/plans/demo-small/items/E1", None)).await;
        assert_eq!(
            page.status,
            StatusCode::NOT_FOUND,
            "the served plan followed the import"
        );
    }
}
