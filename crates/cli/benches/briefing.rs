//! Briefings (工作简报) of a generated 100,000-item plan (depth 6, 200 units) with two months
//! of accepted reports on every leaf and warnings judged, on SQLite: the monthly briefing's
//! figures read as of its day (`tuijin_web::briefing::build`) and each file format written.
//! Run: `cargo bench -p tuijin --bench briefing`. Results: BENCHMARKS.md (the seed plan's
//! briefing is timed there with hyperfine on `tuijin brief`).

use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use tuijin_core::briefing::BriefPeriod;
use tuijin_core::clock::{Clock, FixedClock};
use tuijin_core::i18n::Lang;
use tuijin_core::report::Period;
use tuijin_core::sample::HistoricReport;
use tuijin_export::brief::BriefFormat;
use tuijin_store::{DatabaseUrl, PlanStore, ReportStore, Store, WarningStore};
use tuijin_web::AppState;
use tuijin_web::briefing::{BriefRequest, build, render};

#[global_allocator]
static GLOBAL: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

fn briefing_100k(c: &mut Criterion) {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let doc = tuijin_core::generate::generated_plan("bench", 100_000, 6, 200);
    let today = chrono::NaiveDate::from_ymd_opt(2020, 6, 30).unwrap();
    let st = rt.block_on(async {
        let store = Store::open(&DatabaseUrl::in_data_dir(dir.path()))
            .await
            .unwrap();
        let clock = FixedClock::on(today);
        let stamp = clock.stamp("bench", doc.plan.tz());
        store.import_plan(&doc, &stamp).await.unwrap();
        let parents: std::collections::HashSet<&str> = doc
            .items
            .iter()
            .filter_map(|i| i.parent.as_ref().map(|p| p.as_str()))
            .collect();
        // Two months of reports on every leaf: April's, then May's (some forward, some back),
        // loaded as one history (it goes only into a plan without reports).
        let mut reports: Vec<HistoricReport> = Vec::new();
        for (k, month) in ["2020-04", "2020-05"].iter().enumerate() {
            let period = Period::parse(month).unwrap();
            reports.extend(
                doc.items
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
                            ((n * 37 + k * 50) % 101) as f64
                        }),
                        narrative: "bench".into(),
                        problems: if n % 3 == 0 {
                            "征迁滞后".into()
                        } else {
                            String::new()
                        },
                        next_steps: String::new(),
                        submitted_on: period.last_day(),
                        accepted_on: period.last_day(),
                        figures: Vec::new(),
                    })
                    .collect::<Vec<_>>(),
            );
        }
        store.load_history("bench", &reports, &stamp).await.unwrap();
        store
            .refresh_warnings(
                "bench",
                &FixedClock::on(chrono::NaiveDate::from_ymd_opt(2020, 5, 31).unwrap())
                    .stamp("bench", doc.plan.tz()),
            )
            .await
            .unwrap();
        AppState::new(store, std::sync::Arc::new(clock), false)
    });
    let req = BriefRequest {
        plan: "bench".into(),
        period: BriefPeriod::parse("2020-05", None).unwrap(),
        as_of: None,
        lang: Lang::Zh,
    };
    // The first, cold: the plan loaded into the cache.
    let t = std::time::Instant::now();
    let brief = rt.block_on(build(&st, &req)).unwrap();
    println!("cold build (cache load + figures): {:?}", t.elapsed());
    let mut g = c.benchmark_group("briefing_100k");
    g.sample_size(10).measurement_time(Duration::from_secs(20));
    g.bench_function("figures", |b| {
        b.iter(|| rt.block_on(build(&st, &req)).unwrap())
    });
    for f in [
        BriefFormat::Md,
        BriefFormat::Html,
        BriefFormat::Docx,
        BriefFormat::Pdf,
    ] {
        let bytes = render(&brief, f).unwrap();
        println!("{}: {} bytes", f.as_str(), bytes.len());
        g.bench_function(f.as_str(), |b| b.iter(|| render(&brief, f).unwrap()));
    }
    g.finish();
}

criterion_group!(benches, briefing_100k);
criterion_main!(benches);
