//! Importing a generated 100,000-item plan (depth 6, 200 units) into a fresh SQLite database.
//! Run: `cargo bench -p tuijin --bench import`. Results: BENCHMARKS.md.

use std::time::Duration;

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use tuijin_store::{DatabaseUrl, PlanStore, Store};

#[global_allocator]
static GLOBAL: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

fn import_100k(c: &mut Criterion) {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let doc = tuijin_core::generate::generated_plan("bench", 100_000, 6, 200);
    let text = tuijin_export::write_plan(&doc);
    let mut g = c.benchmark_group("plan");
    g.sample_size(10).measurement_time(Duration::from_secs(40));
    g.bench_function("parse_100k_items", |b| {
        b.iter(|| tuijin_export::read_plan("bench.toml", &text).unwrap())
    });
    g.bench_function("import_100k_items_sqlite", |b| {
        b.iter_batched(
            || {
                let dir = tempfile::tempdir().unwrap();
                let store = rt
                    .block_on(Store::open(&DatabaseUrl::in_data_dir(dir.path())))
                    .unwrap();
                (dir, store)
            },
            |(dir, store)| {
                rt.block_on(store.import_plan(&doc, &tuijin_store::testing::stamp("bench")))
                    .unwrap();
                drop(dir);
            },
            BatchSize::PerIteration,
        )
    });
    g.finish();
}

criterion_group!(benches, import_100k);
criterion_main!(benches);
