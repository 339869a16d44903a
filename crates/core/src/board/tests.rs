use super::*;
use crate::Code;
use crate::summary::tests::item;

#[test]
fn branches_count_their_statuses_and_positionings_follow_their_supporters() {
    // Children listed before their parent on purpose: files need not be ordered.
    let mut items = vec![
        item("A.1", Some("A"), "U1"),
        item("A.2", Some("A"), "U2"),
        item("A", None, "U1"),
        item("B", None, "U2"),
        item("P", None, "U1"),
        item("C", None, "U2"),
    ];
    items[5].cancelled = true;
    items[0].extra.supports = vec![Code::parse("P").unwrap()].into();
    items[3].extra.supports = vec![Code::parse("P").unwrap()].into();
    let mut progress = HashMap::new();
    progress.insert("A".to_string(), Progress::known(50.0));
    progress.insert("A.1".to_string(), Progress::known(50.0));
    progress.insert("A.2".to_string(), Progress::known(5.0));
    progress.insert("B".to_string(), Progress::known(100.0));
    let date = NaiveDate::from_ymd_opt(2020, 7, 2).unwrap();
    let b = Board::build(
        &items,
        &progress,
        date,
        Thresholds::default(),
        &Measures::default(),
    );
    let a = b.row("A").unwrap();
    assert_eq!(a.status, Status::OnTrack);
    let idx = |s| status_index(s);
    let counts = b.counts(b.position("A").unwrap());
    assert_eq!(counts[idx(Status::OnTrack)], 2);
    assert_eq!(counts[idx(Status::OffTrack)], 1);
    let t = b.totals();
    assert_eq!(
        t.iter().sum::<u32>(),
        5,
        "the cancelled item is not counted"
    );
    assert_eq!(t[idx(Status::Done)], 1);
    assert_eq!(t[idx(Status::Unreported)], 1);
    // P is served by A.1 (50 %) and B (100 %), equal weights.
    let at = |code| b.position(code).unwrap();
    assert_eq!(b.aligned(at("P")).unwrap().percent, Some(75.0));
    assert_eq!(b.aligned(at("A")), None);
    // U2 leads the off-track A.2: it comes first.
    assert_eq!(b.units(&items)[0].0, "U2");
    assert_eq!(b.children(b.position("A").unwrap()).len(), 2);
}

#[test]
fn boards_on_one_shared_shape_are_the_boards_built_afresh() {
    // A server keeps one shape per set of items and builds each day's board (and each
    // progress version's) on it: it must be the board built from nothing.
    let doc = crate::generate::generated_plan("gen", 3000, 5, 20);
    let mut items = doc.items;
    items[7].cancelled = true;
    let shape = Arc::new(Shape::of(&items));
    for (seed, day) in [(1u64, (2019, 3, 1)), (2, (2021, 6, 30)), (3, (2021, 6, 30))] {
        let mut progress = HashMap::new();
        let mut by_position = vec![Progress::UNKNOWN; items.len()];
        for (n, i) in items.iter().enumerate() {
            let x = (n as u64).wrapping_mul(2654435761).wrapping_add(seed * 97) % 130;
            if x <= 100 {
                let p = Progress::known(x as f64);
                progress.insert(i.code.to_string(), p);
                by_position[n] = p;
            }
        }
        let date = NaiveDate::from_ymd_opt(day.0, day.1, day.2).unwrap();
        let th = Thresholds::default();
        let fresh = Board::build(&items, &progress, date, th, &Measures::default());
        let shared = Board::build_on(
            &items,
            shape.clone(),
            Arc::new(by_position.iter().copied().collect()),
            date,
            th,
            &Measures::default(),
        );
        for n in 0..items.len() {
            assert_eq!(shared.row_at(n), fresh.row_at(n), "seed {seed}");
        }
        assert_eq!(shared.totals(), fresh.totals());
        assert_eq!(shared.worst_work(), fresh.worst_work());
        for (n, item) in items.iter().enumerate() {
            assert_eq!(shared.path(n), fresh.path(n));
            assert_eq!(shared.is_out(n), fresh.is_out(n));
            assert_eq!(shared.is_apart(n), fresh.is_apart(n));
            assert_eq!(shared.parent(n), fresh.parent(n));
            assert_eq!(shared.children(n), fresh.children(n));
            assert_eq!(shared.position(item.code.as_str()), Some(n));
        }
        assert!(Arc::ptr_eq(shared.shape(), &shape));
    }
    assert!(shape.positions().get("no-such-item").is_none());
}

#[test]
fn the_fewest_are_the_first_of_the_whole_sort_ties_by_place() {
    // Keys with many ties, in no order.
    let keys: Vec<(bool, i64)> = (0..500)
        .map(|n: i64| (n % 3 == 0, -((n * 7919) % 13)))
        .collect();
    let key = |n: usize| (keys[n].0, keys[n].1, n);
    let mut all: Vec<usize> = (0..keys.len()).collect();
    all.sort_by_key(|&n| key(n));
    for few in [0, 1, 8, 499, 500, 600] {
        let want: Vec<usize> = all.iter().copied().take(few).collect();
        assert_eq!(fewest(0..keys.len(), key, few), want, "{few}");
    }
    assert!(fewest(std::iter::empty(), key, 8).is_empty());
}

#[test]
fn each_item_knows_its_parent() {
    let items = vec![
        item("A", None, "U1"),
        item("A.1", Some("A"), "U1"),
        item("B", None, "U1"),
        item("A.2", Some("A"), "U1"),
    ];
    let b = Board::build(
        &items,
        &HashMap::new(),
        NaiveDate::from_ymd_opt(2020, 7, 2).unwrap(),
        Thresholds::default(),
        &Measures::default(),
    );
    let at = |c| b.position(c).unwrap();
    assert_eq!(b.parent(at("A")), None);
    assert_eq!(b.parent(at("A.1")), Some(at("A")));
    assert_eq!(b.parent(at("A.2")), Some(at("A")));
    assert_eq!(b.children(at("A")), &[at("A.1") as u32, at("A.2") as u32]);
    assert_eq!(b.roots(), &[at("A"), at("B")]);
}
/// On random plans with random progress, every view agrees: the board's status of each
/// item is what `explain` says (or, for a measured item, what `measured` says), and the
/// summary of the plan and of every branch counts what the board counts.
/// A goal measured by what serves it is judged against where that is expected to be, and
/// is overdue after its own due date (it was always "on track" before).
#[test]
fn a_goal_served_by_lagging_work_lags_with_it() {
    let mut goal = Item::new(Code::parse("G").unwrap(), ItemKind::Goal, "G");
    goal.due = chrono::NaiveDate::from_ymd_opt(2020, 12, 31);
    let mut work = item("W", None, "U1");
    work.extra.supports = vec![Code::parse("G").unwrap()].into();
    let items = vec![goal, work];
    let mut progress = HashMap::new();
    progress.insert("W".to_string(), Progress::known(20.0));
    let on = |y, m, d| {
        Board::build(
            &items,
            &progress,
            chrono::NaiveDate::from_ymd_opt(y, m, d).unwrap(),
            Thresholds::default(),
            &Measures::default(),
        )
    };
    let b = on(2020, 7, 2);
    assert_eq!(b.status(1), Status::OffTrack);
    assert_eq!(b.status(0), Status::OffTrack, "{:?}", b.row_at(0));
    assert_eq!(b.expected(0), b.expected(1));
    let b = on(2021, 1, 5);
    assert_eq!(b.status(0), Status::Overdue);
}

#[test]
fn cockpit_summary_and_explain_agree_on_random_plans() {
    use crate::generate::generated_plan;
    use crate::progress::explain;
    use crate::summary::{Scope, summarise};
    let mut called = 0;
    for seed in 0..24u64 {
        let doc = generated_plan(
            "p",
            40 + (seed as usize * 7) % 90,
            2 + (seed as usize % 4),
            4,
        );
        let mut items = doc.items.clone();
        // A cancelled branch now and then.
        if seed % 3 == 0 && items.len() > 5 {
            items[3].cancelled = true;
        }
        let mut x = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let mut next = || {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (x >> 33) % 1000
        };
        let progress: HashMap<String, Progress> = items
            .iter()
            .map(|i| {
                let r = next();
                let p = if r < 200 {
                    Progress::UNKNOWN
                } else {
                    Progress {
                        percent: Some((r % 101) as f64),
                        unknown_share: if r % 5 == 0 { 0.25 } else { 0.0 },
                    }
                };
                (i.code.to_string(), p)
            })
            .collect();
        let date = doc.plan.start + chrono::Duration::days((next() % 900) as i64);
        let t = Thresholds::default();
        let m = Measures::default();
        let b = Board::build(&items, &progress, date, t, &m);
        // The call list is the head of all late leaves sorted worst first.
        let mut late: Vec<usize> = (0..items.len())
            .filter(|&n| !b.is_out(n) && !b.is_apart(n) && b.children(n).is_empty())
            .filter(|&n| matches!(b.status(n), Status::Overdue | Status::OffTrack))
            .collect();
        late.sort_by_key(|&n| {
            let r = b.row_at(n);
            let gap = -(r.gap.unwrap_or(0.0) * 10.0).round() as i64;
            (r.status != Status::Overdue, gap, n)
        });
        late.truncate(CALL_LIST);
        assert_eq!(b.worst_work(), &late[..], "seed {seed}");
        called += late.len();
        for (n, i) in items.iter().enumerate() {
            let said = match b.measured(n) {
                Some(m) => m.status,
                None => {
                    explain(
                        progress[i.code.as_str()],
                        b.is_out(n),
                        i.rollup.unwrap_or(doc.plan.rollup),
                        None,
                        Vec::new(),
                        i.start,
                        i.due,
                        b.path(n).as_ref(),
                        date,
                        t,
                    )
                    .status
                    .status
                }
            };
            assert_eq!(said, b.status(n), "seed {seed}, {}", i.code);
            // The gap is what the status was judged on: the expected figure (the item's
            // path, or what serves it) less the vouched progress.
            let own = progress[i.code.as_str()];
            let gap = if b.is_out(n) || b.attainment(n).is_some() {
                None
            } else if b.is_apart(n) {
                b.aligned(n)
                    .and_then(|a| classify(a, None, i.due, b.expected(n), date, t).1)
            } else {
                let exp = b.path(n).map(|p| p.at(date));
                assert_eq!(b.expected(n), exp, "seed {seed}, {}", i.code);
                classify(own, i.start, i.due, exp, date, t).1
            };
            assert_eq!(b.gap(n), gap, "seed {seed}, {}", i.code);
            assert_eq!(b.row_at(n).progress, own);
        }
        let whole = summarise(&items, &progress, Scope::Plan, date, t, &m);
        let totals = b.totals();
        for (k, s) in Status::VARIANTS.iter().enumerate() {
            assert_eq!(
                whole.by_status[s.as_str()] as u32,
                totals[k],
                "seed {seed}: {s:?}"
            );
        }
        assert_eq!(whole.progress, b.overall(&items).0, "seed {seed}");
        for &r in b.roots() {
            if b.is_out(r) {
                continue;
            }
            let branch = summarise(
                &items,
                &progress,
                Scope::Branch(items[r].code.as_str()),
                date,
                t,
                &m,
            );
            for (k, s) in Status::VARIANTS.iter().enumerate() {
                assert_eq!(
                    branch.by_status[s.as_str()] as u32,
                    b.counts(r)[k],
                    "seed {seed}, branch {}: {s:?}",
                    items[r].code
                );
            }
        }
    }
    assert!(called > 0, "some random plans have late work to call about");
}

#[test]
fn measured_items_are_judged_on_what_serves_them_whatever_the_order_of_the_file() {
    // P is served by the goal G.1 (itself measured by the task T) and by the task T2; G.1
    // sits under G, in another branch than P. Listed with P first or last, the plan is the
    // same plan.
    let day = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
    let make = |code: &str, kind: ItemKind, parent: Option<&str>, supports: &[&str]| {
        let mut i = Item::new(Code::parse(code).unwrap(), kind, code);
        i.parent = parent.map(|p| Code::parse(p).unwrap());
        if kind != ItemKind::Positioning {
            i.start = Some(day(if kind == ItemKind::Task {
                "2020-01-01"
            } else {
                "2017-01-01"
            }));
            i.due = Some(day(if kind == ItemKind::Task {
                "2020-12-31"
            } else {
                "2030-12-31"
            }));
        }
        i.extra.supports = supports.iter().map(|s| Code::parse(s).unwrap()).collect();
        i.extra.tidy();
        i
    };
    let plan = vec![
        make("P", ItemKind::Positioning, None, &[]),
        make("G", ItemKind::Goal, None, &[]),
        make("G.1", ItemKind::Goal, Some("G"), &["P"]),
        make("T", ItemKind::Task, None, &["G.1"]),
        make("T2", ItemKind::Task, None, &["P"]),
    ];
    let mut progress = HashMap::new();
    progress.insert("T".to_string(), Progress::known(42.0));
    progress.insert("T2".to_string(), Progress::known(60.0));
    let date = day("2020-06-30");
    let board = |items: &[Item]| {
        Board::build(
            items,
            &progress,
            date,
            Thresholds::default(),
            &Measures::default(),
        )
    };
    let first = board(&plan);
    let mut last = plan.clone();
    last.rotate_left(1); // G, G.1, T, T2, P
    let last_board = board(&last);
    for i in &plan {
        let (a, b) = (
            first.position(i.code.as_str()).unwrap(),
            last_board.position(i.code.as_str()).unwrap(),
        );
        assert_eq!(first.row_at(a), last_board.row_at(b), "{}", i.code);
        assert_eq!(first.aligned(a), last_board.aligned(b), "{}", i.code);
    }
    // P stands where its two servers are: G.1 as far as T (42), and T2 (60).
    let p = first.position("P").unwrap();
    assert_eq!(first.aligned(p).unwrap().percent, Some(51.0));
    // And is expected where they are expected: G.1 where T is, T2 on its own path.
    let t = first.position("T").unwrap();
    let t2 = first.position("T2").unwrap();
    let both = (first.expected(t).unwrap() + first.expected(t2).unwrap()) / 2.0;
    assert!((first.expected(p).unwrap() - both).abs() < 1e-9);
}
