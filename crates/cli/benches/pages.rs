//! Server-side rendering of the pages on a generated 100,000-item plan (depth 6, 200 units)
//! with one accepted report on every leaf, on SQLite, through the real router in-process, as
//! the office (a real session cookie). The cache is warm, as it is between progress writes;
//! the cold case (first request after a write) is measured apart.
//! Run: `cargo bench -p tuijin --bench pages`. Results: BENCHMARKS.md.

use std::time::Duration;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use criterion::{Criterion, criterion_group, criterion_main};
use tower::ServiceExt;
use tuijin_core::clock::{Clock, FixedClock};
use tuijin_core::policy::{Role, SessionRules};
use tuijin_core::report::Period;
use tuijin_core::sample::HistoricReport;
use tuijin_store::{
    AccountStore, DatabaseUrl, LoginOutcome, PlanStore, ReportStore, SessionStore, Store,
};
use tuijin_web::{AppState, router};

#[global_allocator]
static GLOBAL: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

fn pages_100k(c: &mut Criterion) {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let doc = tuijin_core::generate::generated_plan("bench", 100_000, 6, 200);
    let today = chrono::NaiveDate::from_ymd_opt(2020, 6, 30).unwrap();
    let (app, cookie, store) = rt.block_on(async {
        let store = Store::open(&DatabaseUrl::in_data_dir(dir.path()))
            .await
            .unwrap();
        let clock = FixedClock::on(today);
        let stamp = clock.stamp("bench", doc.plan.tz());
        store.import_plan(&doc, &stamp).await.unwrap();
        // One accepted report on every leaf, so the board has real figures to show.
        let parents: std::collections::HashSet<&str> = doc
            .items
            .iter()
            .filter_map(|i| i.parent.as_ref().map(|p| p.as_str()))
            .collect();
        let period = Period::parse("2020-05").unwrap();
        let reports: Vec<HistoricReport> = doc
            .items
            .iter()
            .enumerate()
            .filter(|(_, i)| !parents.contains(i.code.as_str()) && i.lead.is_some())
            .map(|(n, i)| HistoricReport {
                item: i.code.clone(),
                unit: i.lead.clone().unwrap(),
                period,
                percent: Some(if i.kind == tuijin_core::ItemKind::Milestone {
                    if n % 2 == 0 { 100.0 } else { 0.0 }
                } else {
                    ((n * 37) % 101) as f64
                }),
                narrative: "bench".into(),
                problems: String::new(),
                next_steps: String::new(),
                submitted_on: period.last_day(),
                accepted_on: period.last_day(),
                figures: Vec::new(),
            })
            .collect();
        store.load_history("bench", &reports, &stamp).await.unwrap();
        store
            .add_user(
                "office",
                Role::Office,
                &[],
                Some("bench password 1"),
                &stamp,
            )
            .await
            .unwrap();
        let LoginOutcome::LoggedIn { secret, .. } = store
            .log_in(
                "office",
                "bench password 1",
                "127.0.0.1",
                &SessionRules::default(),
                clock.now(),
            )
            .await
            .unwrap()
        else {
            panic!("log-in refused")
        };
        let st = AppState::new(store.clone(), std::sync::Arc::new(clock), false);
        (router(st), format!("tj_session={secret}"), store)
    });
    let first_root = doc
        .items
        .iter()
        .find(|i| i.parent.is_none())
        .unwrap()
        .code
        .to_string();
    let get = |uri: String| {
        let app = app.clone();
        let cookie = cookie.clone();
        async move {
            let res = app
                .oneshot(
                    Request::get(uri.as_str())
                        .header(header::COOKIE, cookie)
                        .body(Body::empty())
                        .unwrap(),
                )
                .await
                .unwrap();
            assert_eq!(res.status(), StatusCode::OK, "{uri}");
            axum::body::to_bytes(res.into_body(), 64 << 20)
                .await
                .unwrap()
                .len()
        }
    };
    // The cold case, once: loading the plan into the cache and building today's board.
    let t = std::time::Instant::now();
    let bytes = rt.block_on(get("/plans/bench".into()));
    println!(
        "cold cockpit (cache load + board): {:?}, {bytes} bytes",
        t.elapsed()
    );
    let mut g = c.benchmark_group("pages_100k");
    g.sample_size(30).measurement_time(Duration::from_secs(10));
    for (name, uri) in [
        ("cockpit", "/plans/bench".to_string()),
        ("tree_top", "/plans/bench/tree".to_string()),
        ("tree_open", format!("/plans/bench/tree?open={first_root}")),
        (
            "tree_filter_status",
            "/plans/bench/tree?status=off_track".to_string(),
        ),
        ("tree_search", "/plans/bench/tree?q=B1.2".to_string()),
        ("timeline", "/plans/bench/timeline".to_string()),
        ("item", format!("/plans/bench/items/{first_root}")),
    ] {
        let bytes = rt.block_on(get(uri.clone()));
        println!("{name}: {uri} → {bytes} bytes");
        g.bench_function(name, |b| b.iter(|| rt.block_on(get(uri.clone()))));
    }
    // The first page after a progress write: the cache applies the write's delta and builds
    // the board again (the write itself is not timed).
    let leaf = doc
        .items
        .iter()
        .rev()
        .find(|i| i.kind != tuijin_core::ItemKind::Milestone && i.lead.is_some())
        .unwrap();
    let mut n = 0u32;
    g.bench_function("cockpit_after_a_write", |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                n += 1;
                rt.block_on(async {
                    let st = FixedClock::on(today).stamp("bench", tuijin_core::clock::DEFAULT_TZ);
                    let r = store
                        .create_report(
                            tuijin_store::NewReport {
                                plan: "bench".into(),
                                item: leaf.code.to_string(),
                                period: Period::parse("2020-06").unwrap(),
                                unit: leaf.lead.as_ref().unwrap().to_string(),
                                content: tuijin_core::report::ReportContent {
                                    percent: Some(
                                        tuijin_core::Percent::new(f64::from(n % 100)).unwrap(),
                                    ),
                                    narrative: "bench".into(),
                                    problems: "bench".into(),
                                    ..Default::default()
                                },
                            },
                            &st,
                        )
                        .await
                        .unwrap();
                    let r = store.submit_report(r.id, r.version, &st).await.unwrap();
                    store.accept_report(r.id, r.version, "", &st).await.unwrap();
                });
                let t = std::time::Instant::now();
                rt.block_on(get("/plans/bench".into()));
                total += t.elapsed();
            }
            total
        })
    });
    g.finish();
}

criterion_group!(benches, pages_100k);
criterion_main!(benches);
