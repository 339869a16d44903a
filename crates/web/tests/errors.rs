//! The one mapping from errors to answers, for the API and the pages: each kind of failure
//! gets its status, the caller's mistakes their fields and messages in the caller's language,
//! and a system fault a generic message with its cause in the log, never in the answer.

mod common;

use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Body;
use axum::extract::Path;
use axum::http::{Request, StatusCode, header};
use axum::routing::get;
use serde_json::Value;
use tower::ServiceExt;
use tuijin_core::problem::{Problem, Rule};
use tuijin_store::Unavailable;
use tuijin_web::error::ApiError;
use tuijin_web::pages::PageError;
use tuijin_web::{AppState, router, router_with};

/// Handlers that fail in each way, through the same layers as every real route.
fn failing() -> Router<AppState> {
    fn api_error(kind: &str) -> ApiError {
        match kind {
            "invalid" => ApiError::Invalid(vec![
                Problem::new("percent", Rule::PercentRange),
                Problem::new("narrative", Rule::NarrativeRequired),
            ]),
            "not-found" => ApiError::NotFound("report #99".into()),
            "forbidden" => ApiError::Forbidden(
                Problem::new("unit", Rule::NotResponsible)
                    .with("unit", "ZDQ")
                    .with("item", "E1.1"),
            ),
            "conflict" => ApiError::Conflict(
                Problem::new("period", Rule::PeriodClosed).with("period", "2020-05"),
            ),
            "stale" => ApiError::Stale { current: 7 },
            "unavailable" => ApiError::Unavailable(Unavailable::DiskFull),
            _ => ApiError::Internal("secret cause: table reports is on fire".into()),
        }
    }
    Router::new()
        .route(
            "/test/api/{kind}",
            get(|Path(k): Path<String>| async move { Err::<(), _>(api_error(&k)) }),
        )
        .route(
            "/test/page/{kind}",
            get(
                |Path(k): Path<String>| async move { Err::<(), _>(PageError::from(api_error(&k))) },
            ),
        )
}

/// Log lines written while a test runs.
#[derive(Clone, Default)]
struct Log(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Log {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(b);
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Log {
    type Writer = Log;
    fn make_writer(&'a self) -> Log {
        self.clone()
    }
}

async fn send(app: &Router, uri: &str, lang: &str) -> (StatusCode, axum::http::HeaderMap, String) {
    let res = app
        .clone()
        .oneshot(
            Request::get(uri)
                .header(header::ACCEPT_LANGUAGE, lang)
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    let status = res.status();
    let headers = res.headers().clone();
    let body = axum::body::to_bytes(res.into_body(), 1 << 20)
        .await
        .unwrap();
    (status, headers, String::from_utf8_lossy(&body).into_owned())
}

#[tokio::test]
async fn every_kind_of_failure_maps_to_its_answer_for_the_api_and_the_pages() {
    let log = Log::default();
    let _guard = tracing::subscriber::set_default(
        tracing_subscriber::fmt()
            .with_writer(log.clone())
            .with_ansi(false)
            .finish(),
    );
    let db = common::with_small_plan().await.remove(0);
    let state = AppState::new(db.store.clone(), common::today(), false);
    let app = router_with(state, failing());
    for (kind, status) in [
        ("invalid", StatusCode::UNPROCESSABLE_ENTITY),
        ("not-found", StatusCode::NOT_FOUND),
        ("forbidden", StatusCode::FORBIDDEN),
        ("conflict", StatusCode::CONFLICT),
        ("stale", StatusCode::PRECONDITION_FAILED),
        ("unavailable", StatusCode::SERVICE_UNAVAILABLE),
        ("internal", StatusCode::INTERNAL_SERVER_ERROR),
    ] {
        // The API: a problem document in the language asked for.
        let (s, h, body) = send(&app, &format!("/test/api/{kind}"), "en").await;
        assert_eq!(s, status, "api {kind}");
        assert_eq!(
            h[header::CONTENT_TYPE],
            "application/problem+json",
            "{kind}"
        );
        let v: Value = serde_json::from_str(&body).unwrap();
        assert_eq!(v["status"], status.as_u16());
        assert!(
            v["type"]
                .as_str()
                .unwrap()
                .starts_with("urn:tuijin:problem:")
        );
        assert!(
            !body.contains("secret cause"),
            "{kind}: internal text sent: {body}"
        );
        // The pages: the same failure in the layout, in the visitor's language.
        let (s, h, html) = send(&app, &format!("/test/page/{kind}"), "zh-CN").await;
        assert_eq!(s, status, "page {kind}");
        assert!(
            h[header::CONTENT_TYPE]
                .to_str()
                .unwrap()
                .starts_with("text/html")
        );
        assert!(
            html.contains("class=\"skip\""),
            "{kind}: not in the layout: {html}"
        );
        assert!(
            !html.contains("secret cause"),
            "{kind}: internal text shown"
        );
        match kind {
            "invalid" => {
                let e = v["errors"].as_array().unwrap();
                assert_eq!(e[0]["field"], "percent");
                assert_eq!(e[0]["code"], "percent_range");
                assert_eq!(e[0]["message"], "A percent is a number from 0 to 100.");
                assert_eq!(e[1]["field"], "narrative");
                assert!(html.contains("完成百分比须为 0 到 100"), "{html}");
                assert!(html.contains("请填写完成情况"));
            }
            "forbidden" => {
                assert!(v["detail"].as_str().unwrap().contains("neither leads"));
                assert!(html.contains("既不牵头也不配合"), "{html}");
            }
            "conflict" => assert!(html.contains("已由推进办关账")),
            "stale" => {
                assert_eq!(h[header::ETAG], "\"7\"", "the current version travels");
                let (_, h, _) = send(&app, "/test/api/stale", "en").await;
                assert_eq!(h[header::ETAG], "\"7\"");
            }
            "unavailable" => {
                assert!(v["detail"].as_str().unwrap().contains("Storage is full"));
                assert!(h.contains_key(header::RETRY_AFTER));
                assert!(html.contains("存储已满"), "{html}");
            }
            "internal" => {
                assert!(v["detail"].as_str().unwrap().contains("has been logged"));
                let logged = String::from_utf8(log.0.lock().unwrap().clone()).unwrap();
                assert!(
                    logged.contains("secret cause"),
                    "the cause is logged: {logged}"
                );
            }
            _ => {}
        }
    }
}

#[tokio::test]
async fn a_corrupt_stored_value_is_a_logged_fault_not_a_default() {
    let log = Log::default();
    let _guard = tracing::subscriber::set_default(
        tracing_subscriber::fmt()
            .with_writer(log.clone())
            .with_ansi(false)
            .finish(),
    );
    for db in common::with_small_plan().await {
        common::add_users(&db.store, None).await;
        let (token, _) = tuijin_store::AccountStore::create_token(
            &db.store,
            "office",
            "t",
            None,
            &common::stamp("test"),
        )
        .await
        .unwrap();
        let app = router(AppState::new(db.store.clone(), common::today(), false));
        // A report whose stored state no version of Tuijin writes.
        use tuijin_store::ReportStore;
        let r = db
            .store
            .create_report(
                tuijin_store::NewReport {
                    plan: "demo-small".into(),
                    item: "E1.1".into(),
                    period: tuijin_core::report::Period::parse("2020-05").unwrap(),
                    unit: "JTW".into(),
                    content: tuijin_core::report::ReportContent {
                        narrative: "x".into(),
                        ..Default::default()
                    },
                },
                &common::stamp("jtw"),
            )
            .await
            .unwrap();
        db.execute(&format!(
            "UPDATE reports SET state = 'bewitched' WHERE id = {}",
            r.id
        ))
        .await
        .unwrap();
        let res = app
            .clone()
            .oneshot(
                Request::get(format!("/api/v1/reports/{}", r.id))
                    .header(header::AUTHORIZATION, format!("Bearer {token}"))
                    .body(Body::empty())
                    .unwrap(),
            )
            .await
            .unwrap();
        assert_eq!(
            res.status(),
            StatusCode::INTERNAL_SERVER_ERROR,
            "{}",
            db.label()
        );
        let body = axum::body::to_bytes(res.into_body(), 1 << 20)
            .await
            .unwrap();
        let body = String::from_utf8_lossy(&body);
        assert!(!body.contains("bewitched"), "{body}");
        let logged = String::from_utf8(log.0.lock().unwrap().clone()).unwrap();
        assert!(logged.contains("bewitched"), "{logged}");
    }
}

#[tokio::test]
async fn control_characters_are_refused_before_anything_reads_them_and_excess_load_is_shed() {
    for db in common::with_small_plan().await {
        let mut state = AppState::new(db.store.clone(), common::today(), false);
        let app = router(state.clone());
        for uri in [
            "/api/v1/items?plan=demo%00small",
            "/api/v1/plans/demo%0Asmall",
            "/plans/demo%00/tree",
        ] {
            let (s, _, body) = send(&app, uri, "en").await;
            assert_eq!(s, StatusCode::BAD_REQUEST, "{uri}: {body}");
            assert!(body.contains("control character"), "{uri}: {body}");
        }
        // One request at a time: a second one meanwhile is shed with 503, not queued.
        state.set_max_in_flight(1);
        let slow = Router::new().route(
            "/test/slow",
            get(|| async {
                tokio::time::sleep(std::time::Duration::from_millis(500)).await;
                "done"
            }),
        );
        let app = router_with(state, slow);
        let first = tokio::spawn({
            let app = app.clone();
            async move { send(&app, "/test/slow", "en").await.0 }
        });
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        let (s, h, body) = send(&app, "/api/v1/plans", "en").await;
        assert_eq!(s, StatusCode::SERVICE_UNAVAILABLE, "{body}");
        assert!(h.contains_key(header::RETRY_AFTER));
        assert_eq!(first.await.unwrap(), StatusCode::OK);
        assert_eq!(send(&app, "/api/v1/plans", "en").await.0, StatusCode::OK);
    }
}

#[tokio::test]
async fn a_page_whose_plan_is_still_loading_asks_the_browser_to_come_back() {
    use common::site::Site;
    let sites = Site::configured(|s| s.plans.set_loading_wait(std::time::Duration::ZERO)).await;
    for site in sites {
        let mut b = site.log_in("office").await;
        // The plan's first read: its load has only begun, and the read does not wait for it.
        let p = site.get(&mut b, "/plans/demo-small").await;
        assert_eq!(p.status, StatusCode::SERVICE_UNAVAILABLE, "{}", p.html);
        assert!(p.html.contains("规划正在载入"), "{}", p.html);
        assert_eq!(p.headers.get(header::REFRESH).unwrap(), "5");
        assert_eq!(p.headers.get(header::RETRY_AFTER).unwrap(), "5");
        // The load went on without it: the same read is soon answered in full.
        let mut answered = false;
        for _ in 0..500 {
            let p = site.get(&mut b, "/plans/demo-small").await;
            if p.status == StatusCode::OK {
                answered = true;
                break;
            }
            assert_eq!(p.status, StatusCode::SERVICE_UNAVAILABLE, "{}", p.html);
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        assert!(answered, "{}: the plan loaded", site.db.label());
    }
}
