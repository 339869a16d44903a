//! Where a plan's memory goes, per item: what a server keeps of a generated plan — its items,
//! the shape of its tree (shared by its boards), the progress by position and the board of one
//! day — each measured by dhat's counting allocator (bytes live after building it).
//! `cargo run --release -p tuijin-core --example memory -- 100000` (BENCHMARKS.md, "memory
//! per item").

use tuijin_core::progress::Progress;

#[global_allocator]
static ALLOC: dhat::Alloc = dhat::Alloc;

/// Bytes allocated and not yet freed.
fn live() -> isize {
    dhat::HeapStats::get().curr_bytes as isize
}

fn main() {
    let _profiler = dhat::Profiler::builder().testing().build();
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(100_000);
    let doc = tuijin_core::generate::generated_plan("gen", n, 6, 200);
    let before = live();
    let items = doc.items.clone();
    let items_bytes = live() - before;
    let before = live();
    let shape = std::sync::Arc::new(tuijin_core::shape::Shape::of(&items));
    let shape_bytes = live() - before;
    let before = live();
    let progress = std::sync::Arc::new(
        std::iter::repeat_n(Progress::known(50.0), items.len())
            .collect::<tuijin_core::progress::ProgressList>(),
    );
    let progress_bytes = live() - before;
    let before = live();
    let board = tuijin_core::board::Board::build_on(
        &items,
        shape.clone(),
        progress.clone(),
        chrono::NaiveDate::from_ymd_opt(2022, 6, 30).expect("date"),
        doc.plan.thresholds,
        &Default::default(),
    );
    let board_bytes = live() - before;
    let per = |b: isize| b as f64 / n as f64;
    println!("items: {n}");
    println!(
        "size_of Item {} B",
        std::mem::size_of::<tuijin_core::Item>()
    );
    for (what, b) in [
        ("items", items_bytes),
        ("shape of the tree", shape_bytes),
        ("progress", progress_bytes),
        ("board of one day", board_bytes),
    ] {
        println!(
            "{what:<18} {:>8.1} MB {:>7.0} B/item",
            b as f64 / 1e6,
            per(b)
        );
    }
    drop(board);
}
