//! Plan edits from the web and the API, on both backends: each edit and its refusals (nothing
//! written), the version guard under concurrent editors, the history with its reason, rollups
//! that equal a full recompute after random edits mixed with reports, and an edited plan that
//! exports and re-imports unchanged.

use chrono::{NaiveDate, TimeZone, Utc};
use tuijin_core::edit::ItemEdit;
use tuijin_core::event::{Entity, EventKind};
use tuijin_core::report::{Period, ReportContent};
use tuijin_core::validate::ProblemClass;
use tuijin_core::{Code, Item, ItemKind, Percent, PlanDocument, Weight};
use tuijin_export::read_plan;
use tuijin_store::testing::TestDb;
use tuijin_store::{
    EditStore, EventStore, ItemStore, NewReport, PlanStore, ProgressStore, ReportStore, Stamp,
    StoreError,
};

fn small() -> PlanDocument {
    let path = format!(
        "{}/../../tests/fixtures/small.toml",
        env!("CARGO_MANIFEST_DIR")
    );
    read_plan("small.toml", &std::fs::read_to_string(path).unwrap()).unwrap()
}

fn stamp(actor: &str, today: &str) -> Stamp {
    let today = NaiveDate::parse_from_str(today, "%Y-%m-%d").unwrap();
    Stamp {
        at: Utc.from_utc_datetime(&today.and_hms_opt(2, 0, 0).unwrap()),
        today,
        actor: actor.into(),
    }
}

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

fn code(s: &str) -> Code {
    Code::parse(s).unwrap()
}

async fn item(s: &tuijin_store::Store, plan: &str, c: &str) -> (Item, i64) {
    let r = s.get_item(plan, c).await.unwrap();
    (r.item, r.version)
}

fn classes(e: StoreError) -> Vec<(Option<String>, String, ProblemClass)> {
    match e {
        StoreError::PlanInvalid(ps) => ps
            .into_iter()
            .map(|p| (p.entry, p.path.field, ProblemClass::from(&p.kind)))
            .collect(),
        other => panic!("not refused as invalid: {other:?}"),
    }
}

#[tokio::test]
async fn each_edit_applies_or_is_refused_whole() {
    for db in TestDb::all().await {
        let s = &db.store;
        s.import_plan(&small(), &stamp("office", "2018-01-01"))
            .await
            .unwrap();
        let office = stamp("office", "2020-06-30");
        let before = s.export_plan("demo-small").await.unwrap();

        // A milestone under a milestone: refused, named by its code, nothing written.
        let (mut m, _) = item(s, "demo-small", "E1.2").await;
        m.code = code("E1.2.1");
        m.parent = Some(code("E1.2"));
        let e = s
            .edit_item(
                "demo-small",
                &ItemEdit::Create(m),
                None,
                "新增节点",
                &office,
            )
            .await
            .unwrap_err();
        let got = classes(e);
        assert!(
            got.contains(&(
                Some("E1.2.1".into()),
                "kind".into(),
                ProblemClass::KindNotAllowed
            )),
            "{}: {got:?}",
            db.label()
        );
        // A due date before the start: refused, named, nothing written.
        let (mut e11, v) = item(s, "demo-small", "E1.1").await;
        e11.due = Some(d("2017-01-31"));
        let got = classes(
            s.edit_item(
                "demo-small",
                &ItemEdit::Update(e11.clone()),
                Some(v),
                "调整",
                &office,
            )
            .await
            .unwrap_err(),
        );
        assert!(
            got.contains(&(
                Some("E1.1".into()),
                "due".into(),
                ProblemClass::DueBeforeStart
            )),
            "{got:?}"
        );
        // No reason: refused before anything is read.
        let e = s
            .edit_item(
                "demo-small",
                &ItemEdit::Cancel { code: code("E1.1") },
                Some(v),
                " ",
                &office,
            )
            .await
            .unwrap_err();
        assert!(matches!(e, StoreError::Invalid(_)), "{e:?}");
        // An item that is not there.
        let e = s
            .edit_item(
                "demo-small",
                &ItemEdit::Cancel { code: code("NOPE") },
                Some(1),
                "取消",
                &office,
            )
            .await
            .unwrap_err();
        assert!(matches!(e, StoreError::NotFound(_)), "{e:?}");
        assert_eq!(s.export_plan("demo-small").await.unwrap(), before);
        assert_eq!(item(s, "demo-small", "E1.1").await.1, v, "no version moved");

        // The due date moves; the answer is the item as it now stands, one version on.
        let (mut e11, v) = item(s, "demo-small", "E1.1").await;
        e11.due = Some(d("2021-06-30"));
        e11.weight = Weight::new(3.0).unwrap();
        let out = s
            .edit_item(
                "demo-small",
                &ItemEdit::Update(e11),
                Some(v),
                "地铁三号线工期调整",
                &office,
            )
            .await;
        // E1 is due 2020-12-31: a child may not end after its parent (nor the plan).
        let got = classes(out.unwrap_err());
        assert!(
            got.iter()
                .any(|g| g.0.as_deref() == Some("E1.1") && g.2 == ProblemClass::OutsideParentDates),
            "{got:?}"
        );
        let (mut e11, v) = item(s, "demo-small", "E1.1").await;
        e11.due = Some(d("2020-09-30"));
        let out = s
            .edit_item(
                "demo-small",
                &ItemEdit::Update(e11),
                Some(v),
                "地铁三号线工期调整",
                &office,
            )
            .await
            .unwrap();
        let now = out.item.unwrap();
        assert_eq!(now.item.due, Some(d("2020-09-30")));
        assert_eq!(now.version, v + 1);
        // A stale version is refused with the current one.
        let (e11, _) = item(s, "demo-small", "E1.1").await;
        let e = s
            .edit_item(
                "demo-small",
                &ItemEdit::Update(e11),
                Some(v),
                "再调整",
                &office,
            )
            .await
            .unwrap_err();
        assert!(
            matches!(e, StoreError::Stale { expected, current } if expected == v && current == v + 1),
            "{e:?}"
        );
        // The history keeps who, when, why, before and after.
        let trail = s.events_for(Entity::Item, "E1.1", 100).await.unwrap();
        let note = trail
            .iter()
            .rev()
            .find(|e| e.kind == EventKind::ItemEdited)
            .expect("an item.edited event");
        assert_eq!(note.actor, "office");
        let after = note.after.as_ref().unwrap();
        assert_eq!(after["text"], "地铁三号线工期调整");
        assert_eq!(after["action"], "update");
        assert_eq!(after["item"]["due"], "2020-09-30");
        assert_eq!(note.before.as_ref().unwrap()["due"], "2020-12-31");

        // A new project under E1, then cancelled (out of the rollup), restored, archived.
        let (mut p, _) = item(s, "demo-small", "E1.1").await;
        p.code = code("E1.3");
        p.title = tuijin_core::Text::new("地铁五号线", "Metro line 5");
        p.extra.target = None;
        p.extra.trajectory.clear();
        p.extra.source = None;
        let made = s
            .edit_item(
                "demo-small",
                &ItemEdit::Create(p),
                None,
                "新增工程",
                &office,
            )
            .await
            .unwrap()
            .item
            .unwrap();
        assert_eq!(made.item.parent, Some(code("E1")));
        let children = |s: &tuijin_store::Store| {
            let s = s.clone();
            async move {
                s.subtree("demo-small", "E1")
                    .await
                    .unwrap()
                    .iter()
                    .map(|i| i.item.code.to_string())
                    .collect::<Vec<_>>()
            }
        };
        assert!(children(s).await.contains(&"E1.3".to_string()));
        let cancelled = s
            .edit_item(
                "demo-small",
                &ItemEdit::Cancel { code: code("E1.3") },
                Some(made.version),
                "并入三号线",
                &office,
            )
            .await
            .unwrap()
            .item
            .unwrap();
        assert!(cancelled.item.cancelled);
        let restored = s
            .edit_item(
                "demo-small",
                &ItemEdit::Restore { code: code("E1.3") },
                Some(cancelled.version),
                "恢复",
                &office,
            )
            .await
            .unwrap()
            .item
            .unwrap();
        let out = s
            .edit_item(
                "demo-small",
                &ItemEdit::Archive { code: code("E1.3") },
                Some(restored.version),
                "录入有误",
                &office,
            )
            .await
            .unwrap();
        assert_eq!((out.item, out.archived), (None, vec!["E1.3".to_string()]));
        // Its code stays with it: a new item cannot take it (nor its reports and history).
        let (mut again, _) = item(s, "demo-small", "E1.1").await;
        again.code = code("E1.3");
        again.extra.target = None;
        let e = s
            .edit_item(
                "demo-small",
                &ItemEdit::Create(again),
                None,
                "复用编号",
                &office,
            )
            .await
            .unwrap_err();
        assert!(
            matches!(&e, StoreError::Invalid(ps) if ps[0].rule == tuijin_core::problem::Rule::CodeArchived),
            "{e:?}"
        );
        // A weight beyond any plan is refused, not an overflow.
        let (mut heavy, v) = item(s, "demo-small", "E1.2").await;
        heavy.weight = Weight::new(1e6).unwrap();
        s.edit_item(
            "demo-small",
            &ItemEdit::Update(heavy),
            Some(v),
            "权重",
            &office,
        )
        .await
        .unwrap();
        assert!(Weight::new(1e307).is_err());
        assert!(!children(s).await.contains(&"E1.3".to_string()));
        assert!(s.check_rollups("demo-small").await.unwrap().is_empty());
        // An edit that changes nothing writes nothing.
        let (e1, v1) = item(s, "demo-small", "E1").await;
        let events = s.events_for(Entity::Item, "E1", 100).await.unwrap().len();
        let same = s
            .edit_item(
                "demo-small",
                &ItemEdit::Update(e1),
                Some(v1),
                "无变化",
                &office,
            )
            .await
            .unwrap();
        assert_eq!(same.item.unwrap().version, v1);
        assert_eq!(
            s.events_for(Entity::Item, "E1", 100).await.unwrap().len(),
            events
        );

        // The edited plan exports and re-imports unchanged.
        let doc = s.export_plan("demo-small").await.unwrap();
        assert_eq!(
            doc.items
                .iter()
                .find(|i| i.code.as_str() == "E1.1")
                .unwrap()
                .due,
            Some(d("2020-09-30"))
        );
        let again = s.import_plan(&doc, &office).await.unwrap();
        assert_eq!(again.items.changed(), 0, "{}: {again:?}", db.label());
        assert!(!again.plan_updated);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_editors_never_lose_an_edit() {
    for db in TestDb::all().await {
        let s = &db.store;
        s.import_plan(&small(), &stamp("office", "2018-01-01"))
            .await
            .unwrap();
        // Eight editors on one item with the same version: exactly one wins.
        let (e11, v) = item(s, "demo-small", "E1.1").await;
        let mut tasks = Vec::new();
        for k in 0..8 {
            let s = s.clone();
            let mut it = e11.clone();
            // Every weight differs from E1.1's (2): each editor changes something.
            it.weight = Weight::new(3.0 + k as f64).unwrap();
            tasks.push(tokio::spawn(async move {
                s.edit_item(
                    "demo-small",
                    &ItemEdit::Update(it),
                    Some(v),
                    "并发",
                    &stamp("office", "2020-06-30"),
                )
                .await
            }));
        }
        let mut won = 0;
        for t in tasks {
            match t.await.unwrap() {
                Ok(_) => won += 1,
                Err(StoreError::Stale { .. }) => {}
                Err(e) => panic!("{}: {e:?}", db.label()),
            }
        }
        assert_eq!(won, 1, "{}", db.label());
        // Editors on different items at once: every edit lands (none works on a stale plan).
        let mut tasks = Vec::new();
        for (k, c) in ["E1.1", "E1.2", "E1"].into_iter().enumerate() {
            let s = s.clone();
            tasks.push(tokio::spawn(async move {
                let (mut it, v) = item(&s, "demo-small", c).await;
                it.title = tuijin_core::Text::new(it.title.zh(), format!("renamed {k}"));
                s.edit_item(
                    "demo-small",
                    &ItemEdit::Update(it),
                    Some(v),
                    "并发",
                    &stamp("office", "2020-06-30"),
                )
                .await
                .unwrap();
            }));
        }
        for t in tasks {
            t.await.unwrap();
        }
        for (k, c) in ["E1.1", "E1.2", "E1"].into_iter().enumerate() {
            assert_eq!(
                item(s, "demo-small", c).await.0.title.en(),
                format!("renamed {k}"),
                "{}",
                db.label()
            );
        }
        assert!(s.check_rollups("demo-small").await.unwrap().is_empty());
    }
}

/// A tiny deterministic generator (xorshift), so a failure repeats.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n as u64) as usize
    }
}

#[tokio::test]
async fn rollups_equal_a_full_recompute_after_random_edits_and_reports() {
    let doc = tuijin_core::generate::generated_plan("edits", 120, 4, 6);
    for db in TestDb::all().await {
        let s = &db.store;
        s.import_plan(&doc, &stamp("office", "2020-01-01"))
            .await
            .unwrap();
        let mut rng = Rng(0x2545_f491_4f6c_dd1d);
        let st = stamp("office", "2020-06-01");
        let (mut edits, mut reports) = (0, 0);
        for op in 0..80 {
            let items = s.plan_items("edits").await.unwrap();
            let n = rng.below(items.len());
            let it = items[n].clone();
            let leaf = !items.iter().any(|c| c.parent.as_ref() == Some(&it.code));
            let v = s.get_item("edits", it.code.as_str()).await.unwrap().version;
            let edit = match rng.below(5) {
                0 => {
                    let mut x = it.clone();
                    x.weight = Weight::new(1.0 + rng.below(5) as f64).unwrap();
                    Some(ItemEdit::Update(x))
                }
                1 if !it.cancelled => Some(ItemEdit::Cancel {
                    code: it.code.clone(),
                }),
                1 => Some(ItemEdit::Restore {
                    code: it.code.clone(),
                }),
                2 => {
                    // To another parent of the same kind as its own (always allowed).
                    let same = items
                        .iter()
                        .filter(|p| {
                            it.parent.as_ref().is_some_and(|q| {
                                items.iter().any(|x| &x.code == q && x.kind == p.kind)
                            }) && Some(&p.code) != it.parent.as_ref()
                        })
                        .map(|p| p.code.clone())
                        .collect::<Vec<_>>();
                    (!same.is_empty()).then(|| ItemEdit::Move {
                        code: it.code.clone(),
                        parent: Some(same[rng.below(same.len())].clone()),
                    })
                }
                _ => None,
            };
            match edit {
                Some(e) => match s.edit_item("edits", &e, Some(v), "随机调整", &st).await {
                    Ok(_) => edits += 1,
                    // A move can break a date rule (a child outside its new parent's dates).
                    Err(StoreError::PlanInvalid(_)) => {}
                    Err(e) => panic!("{}: op {op}: {e:?}", db.label()),
                },
                None if leaf && it.kind != ItemKind::Milestone && !it.cancelled => {
                    let unit = it.lead.as_ref().unwrap().to_string();
                    let r = s
                        .create_report(
                            NewReport {
                                plan: "edits".into(),
                                item: it.code.to_string(),
                                period: Period::parse("2020-05").unwrap(),
                                unit,
                                content: ReportContent {
                                    percent: Some(Percent::new(rng.below(101) as f64).unwrap()),
                                    narrative: "本月进展".into(),
                                    problems: "随机".into(),
                                    ..Default::default()
                                },
                            },
                            &st,
                        )
                        .await;
                    let Ok(r) = r else { continue };
                    let r = s.submit_report(r.id, r.version, &st).await.unwrap();
                    s.accept_report(r.id, r.version, "", &st).await.unwrap();
                    reports += 1;
                }
                None => {}
            }
            let mismatches = s.check_rollups("edits").await.unwrap();
            assert!(
                mismatches.is_empty(),
                "{}: after op {op}: {mismatches:?}",
                db.label()
            );
        }
        assert!(
            edits > 10 && reports > 5,
            "{edits} edits, {reports} reports"
        );
    }
}

#[tokio::test]
async fn a_moved_deadline_shows_against_the_baseline_and_notes_stay() {
    use tuijin_store::BaselineStore;
    for db in TestDb::all().await {
        let s = &db.store;
        s.import_plan(&small(), &stamp("office", "2018-01-01"))
            .await
            .unwrap();
        // The first import set the first baseline: the plan as adopted.
        let first = s.list_baselines("demo-small").await.unwrap();
        assert_eq!(first.len(), 1, "{}", db.label());
        assert_eq!(first[0].item_count, 4);
        // A re-import sets none.
        s.import_plan(&small(), &stamp("office", "2018-02-01"))
            .await
            .unwrap();
        assert_eq!(s.list_baselines("demo-small").await.unwrap().len(), 1);
        let (mut e11, v) = item(s, "demo-small", "E1.1").await;
        e11.due = Some(d("2020-09-30"));
        s.edit_item(
            "demo-small",
            &ItemEdit::Update(e11),
            Some(v),
            "工期提前",
            &stamp("office", "2020-06-30"),
        )
        .await
        .unwrap();
        let (_, base) = s.latest_baseline("demo-small").await.unwrap().unwrap();
        let now = s.plan_items("demo-small").await.unwrap();
        let slips = tuijin_core::baseline::slips(&base, &now);
        assert_eq!(slips.len(), 1, "{slips:?}");
        assert_eq!(
            (slips[0].code.as_str(), slips[0].due_days()),
            ("E1.1", Some(-92))
        );
        // A new baseline takes the plan as it now stands, with its reason; names are unique.
        let e = s
            .set_baseline(
                "demo-small",
                "2020年中期调整",
                " ",
                &stamp("office", "2020-07-01"),
            )
            .await
            .unwrap_err();
        assert!(
            matches!(e, StoreError::Invalid(_)),
            "a reason is required: {e:?}"
        );
        s.set_baseline(
            "demo-small",
            "2020年中期调整",
            "中期评估后调整",
            &stamp("office", "2020-07-01"),
        )
        .await
        .unwrap();
        let e = s
            .set_baseline(
                "demo-small",
                " 2020年中期调整 ",
                "再设",
                &stamp("office", "2020-07-01"),
            )
            .await
            .unwrap_err();
        assert!(matches!(e, StoreError::Invalid(_)), "{e:?}");
        let (latest, base) = s.latest_baseline("demo-small").await.unwrap().unwrap();
        assert_eq!(latest.name, "2020年中期调整");
        assert!(tuijin_core::baseline::slips(&base, &now).is_empty());
        // A few items of the newest baseline, read by code, are those of the whole read; a
        // code it does not hold is left out.
        let some = s
            .latest_baseline_items("demo-small", &["E1.1", "NOPE", "E1"])
            .await
            .unwrap();
        let mut want: Vec<_> = base
            .iter()
            .filter(|b| b.code == "E1.1" || b.code == "E1")
            .cloned()
            .collect();
        let mut got = some.clone();
        want.sort_by(|a, b| a.code.cmp(&b.code));
        got.sort_by(|a, b| a.code.cmp(&b.code));
        assert_eq!(got, want, "{}", db.label());
        // A cancellation is a change against the baseline.
        let (_, v) = item(s, "demo-small", "E1.2").await;
        s.edit_item(
            "demo-small",
            &ItemEdit::Cancel { code: code("E1.2") },
            Some(v),
            "并入E1.1",
            &stamp("office", "2020-07-01"),
        )
        .await
        .unwrap();
        let now = s.plan_items("demo-small").await.unwrap();
        let slips = tuijin_core::baseline::slips(&base, &now);
        assert_eq!(
            slips
                .iter()
                .map(|x| (x.code.as_str(), x.cancelled))
                .collect::<Vec<_>>(),
            [("E1.2", Some(true))]
        );
        // Notes: kept in order, a leader's marked as an instruction; blank or on a missing
        // item refused.
        s.add_note(
            "demo-small",
            "E1.1",
            "请交通委每周报送进度",
            true,
            &stamp("leader", "2020-07-02"),
        )
        .await
        .unwrap();
        s.add_note(
            "demo-small",
            "E1.1",
            "已转交通委",
            false,
            &stamp("office", "2020-07-03"),
        )
        .await
        .unwrap();
        let notes = s.notes_of("demo-small", "E1.1").await.unwrap();
        assert_eq!(
            notes
                .iter()
                .map(|n| (n.author.as_str(), n.instruction))
                .collect::<Vec<_>>(),
            [("leader", true), ("office", false)]
        );
        let e = s
            .add_note(
                "demo-small",
                "E1.1",
                "  ",
                false,
                &stamp("office", "2020-07-03"),
            )
            .await
            .unwrap_err();
        assert!(matches!(e, StoreError::Invalid(_)), "{e:?}");
        let e = s
            .add_note(
                "demo-small",
                "NOPE",
                "x",
                false,
                &stamp("office", "2020-07-03"),
            )
            .await
            .unwrap_err();
        assert!(matches!(e, StoreError::NotFound(_)), "{e:?}");
    }
}
