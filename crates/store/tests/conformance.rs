//! The storage conformance suite: every test runs on SQLite, and on PostgreSQL too when
//! `TUIJIN_TEST_DATABASE_URL` is set (as `.ci/run` does).

use chrono::{TimeZone, Utc};
use tuijin_core::event::Entity;
use tuijin_core::{Code, ItemKind, PlanDocument, Text};
use tuijin_export::read_plan;
use tuijin_store::testing::TestDb;
use tuijin_store::{
    DirectoryStore, EventStore, ItemFilter, ItemStore, PlanStore, Stamp, StoreError,
};

fn small() -> PlanDocument {
    let path = format!(
        "{}/../../tests/fixtures/small.toml",
        env!("CARGO_MANIFEST_DIR")
    );
    read_plan("small.toml", &std::fs::read_to_string(path).unwrap()).unwrap()
}

fn now() -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2020, 6, 30, 8, 0, 0).unwrap()
}

fn stamp(actor: &str) -> Stamp {
    Stamp {
        at: now(),
        today: now().date_naive(),
        actor: actor.into(),
    }
}

fn code(s: &str) -> Code {
    Code::parse(s).unwrap()
}

#[tokio::test]
async fn import_then_read() {
    for db in TestDb::all().await {
        let s = &db.store;
        let sum = s.import_plan(&small(), &stamp("test")).await.unwrap();
        assert!(sum.plan_created, "{}", db.label());
        assert_eq!(
            (sum.items.added, sum.units.added, sum.indicators.added),
            (4, 3, 1)
        );

        let f = ItemFilter {
            kind: Some(ItemKind::Project),
            ..Default::default()
        };
        let page = s.list_items(&f, 50, None).await.unwrap();
        let codes: Vec<&str> = page.items.iter().map(|r| r.item.code.as_str()).collect();
        assert_eq!(codes, ["E1", "E1.1"], "{}", db.label());

        let e1 = s.get_item("demo-small", "E1").await.unwrap();
        assert_eq!(e1.item.co, [code("FGW"), code("ZDQ")]);
        assert_eq!(e1.item.lead, Some(code("JTW")));
        assert_eq!(e1.item.extra.leader, Some(code("vm-transport")));
        assert_eq!(e1.child_count, 2);
        assert!(e1.item.three_ones);

        let sub = s.subtree("demo-small", "E1").await.unwrap();
        assert_eq!(sub.len(), 3);
        let (out, inc) = s.links("demo-small", "E1").await.unwrap();
        assert_eq!(out[0].code, code("P1"));
        assert!(inc.is_empty());
        let (_, inc) = s.links("demo-small", "P1").await.unwrap();
        assert_eq!(inc[0].code, code("E1"));

        let by_unit = ItemFilter {
            unit: Some("ZDQ".into()),
            ..Default::default()
        };
        assert_eq!(
            s.list_items(&by_unit, 50, None).await.unwrap().items.len(),
            1
        );
        let roots = ItemFilter {
            parent: Some(String::new()),
            ..Default::default()
        };
        assert_eq!(s.list_items(&roots, 50, None).await.unwrap().items.len(), 2);

        let units = s.list_units().await.unwrap();
        assert_eq!(
            units
                .iter()
                .find(|u| u.unit.code.as_str() == "JTW")
                .unwrap()
                .lead_count,
            3
        );
        assert_eq!(
            s.list_indicators("demo-small").await.unwrap()[0].targets[0].year,
            2020
        );

        let missing = s.get_item("demo-small", "nope").await;
        assert!(matches!(missing, Err(StoreError::NotFound(_))));
    }
}

#[tokio::test]
async fn export_round_trip_leaves_the_database_unchanged() {
    for db in TestDb::all().await {
        let s = &db.store;
        let doc = small();
        s.import_plan(&doc, &stamp("test")).await.unwrap();
        let exported = s.export_plan("demo-small").await.unwrap();
        assert_eq!(exported, doc, "{}", db.label());
        let before = s
            .list_items(&ItemFilter::default(), 100, None)
            .await
            .unwrap();
        let sum = s.import_plan(&exported, &stamp("test")).await.unwrap();
        assert_eq!(
            sum.items.changed() + sum.units.changed() + sum.indicators.changed(),
            0
        );
        assert!(!sum.plan_updated);
        let after = s
            .list_items(&ItemFilter::default(), 100, None)
            .await
            .unwrap();
        assert_eq!(before, after, "{}", db.label());
        assert_eq!(s.export_plan("demo-small").await.unwrap(), exported);
    }
}

#[tokio::test]
async fn reimport_updates_by_code_and_archives_what_was_dropped() {
    for db in TestDb::all().await {
        let s = &db.store;
        let doc = small();
        s.import_plan(&doc, &stamp("test")).await.unwrap();

        let mut changed = doc.clone();
        changed.items.retain(|i| i.code.as_str() != "E1.2");
        changed.items[1].title =
            Text::new("畅通郑州工程（修订）", "Smooth-Flowing Zhengzhou (revised)");
        let mut extra = changed.items[2].clone();
        extra.code = code("E1.3");
        extra.extra.target = None;
        changed.items.push(extra);
        let sum = s.import_plan(&changed, &stamp("office")).await.unwrap();
        assert_eq!(
            (
                sum.items.added,
                sum.items.updated,
                sum.items.archived,
                sum.items.unchanged
            ),
            (1, 1, 1, 2),
            "{}",
            db.label()
        );
        assert_eq!(
            s.export_plan("demo-small").await.unwrap().items,
            changed.items
        );

        let archived = s.get_item("demo-small", "E1.2").await.unwrap();
        assert!(
            archived.archived,
            "dropped items are archived, never deleted"
        );
        let e1 = s.get_item("demo-small", "E1").await.unwrap();
        assert_eq!(e1.version, 2);

        // Bring it back: restored, not duplicated.
        let sum = s.import_plan(&doc, &stamp("office")).await.unwrap();
        assert_eq!(sum.items.added, 0);
        assert!(!s.get_item("demo-small", "E1.2").await.unwrap().archived);

        // The plan's first import is one event, its origin: the items that came with it have
        // no `item.added` of their own; an item added later has.
        let events = s.events_for(Entity::Item, "E1", 10).await.unwrap();
        let kinds: Vec<&str> = events.iter().map(|e| e.kind.as_str()).collect();
        assert_eq!(kinds, ["item.updated", "item.updated"], "{}", db.label());
        assert_eq!(events[0].actor, "office");
        assert!(events[0].before.is_some() && events[0].after.is_some());
        let later = s.events_for(Entity::Item, "E1.3", 10).await.unwrap();
        assert_eq!(later[0].kind.as_str(), "item.added", "{}", db.label());

        // Its timeline shows the import as its addition, with the item as it was imported
        // (before the retitling), though the item has changed since.
        let timeline = s.item_timeline("demo-small", "E1", 100).await.unwrap();
        let own: Vec<&str> = timeline
            .iter()
            .map(|e| e.kind.as_str())
            .filter(|k| k.starts_with("item."))
            .collect();
        assert_eq!(own, ["item.added", "item.updated", "item.updated"]);
        let plan_events = s.events_for(Entity::Plan, "demo-small", 10).await.unwrap();
        let origin = plan_events
            .iter()
            .find(|e| e.kind.as_str() == "plan.imported")
            .unwrap();
        let added = &timeline[0];
        assert_eq!((added.id, added.at), (origin.id, origin.at));
        assert_eq!(
            (added.actor.as_str(), added.entity_code.as_str()),
            ("test", "E1")
        );
        let first = doc.items.iter().find(|i| i.code.as_str() == "E1").unwrap();
        assert_eq!(
            added.after,
            Some(serde_json::to_value(first).unwrap()),
            "{}",
            db.label()
        );
        assert_eq!(
            added.after, events[0].before,
            "as it stood before its first change"
        );
        // One that never changed: as it is.
        let e11 = s.item_timeline("demo-small", "E1.1", 100).await.unwrap();
        let now = s.get_item("demo-small", "E1.1").await.unwrap().item;
        assert_eq!(e11[0].kind.as_str(), "item.added");
        assert_eq!(e11[0].after, Some(serde_json::to_value(now).unwrap()));
        // A limit of one is the addition alone.
        let one = s.item_timeline("demo-small", "E1", 1).await.unwrap();
        assert_eq!(one.len(), 1);
        assert_eq!(one[0].kind.as_str(), "item.added");
    }
}

#[tokio::test]
async fn a_refused_import_changes_nothing() {
    for db in TestDb::all().await {
        let s = &db.store;
        let doc = small();
        s.import_plan(&doc, &stamp("test")).await.unwrap();
        let mut bad = doc.clone();
        bad.items[0].title = Text::new("改了", "changed");
        bad.items[3].lead = Some(code("NOWHERE"));
        let err = s.import_plan(&bad, &stamp("test")).await.unwrap_err();
        assert!(matches!(err, StoreError::PlanInvalid(_)), "{err:?}");
        assert_eq!(
            s.export_plan("demo-small").await.unwrap(),
            doc,
            "{}",
            db.label()
        );
    }
}

#[tokio::test]
async fn pagination_walks_every_item_once() {
    for db in TestDb::all().await {
        let s = &db.store;
        s.import_plan(&small(), &stamp("test")).await.unwrap();
        let mut seen = Vec::new();
        let mut cursor = None;
        loop {
            let page = s
                .list_items(&ItemFilter::default(), 3, cursor.as_deref())
                .await
                .unwrap();
            seen.extend(page.items.iter().map(|r| r.item.code.to_string()));
            match page.next_cursor {
                Some(c) => cursor = Some(c),
                None => break,
            }
        }
        assert_eq!(seen, ["P1", "E1", "E1.1", "E1.2"], "{}", db.label());
        let bad = s
            .list_items(&ItemFilter::default(), 3, Some("garbage!"))
            .await;
        assert!(matches!(bad, Err(StoreError::Invalid(_))));
    }
}

#[tokio::test]
async fn migrations_are_recorded() {
    let dbs = TestDb::all().await;
    let set = tuijin_store::testing::env_is_set;
    if set(tuijin_store::testing::PG_ENV) {
        let labels: Vec<&str> = dbs.iter().map(|d| d.label()).collect();
        let expected: &[&str] = if set(tuijin_store::testing::ONLY_PG_ENV) {
            &["postgres"]
        } else {
            &["sqlite", "postgres"]
        };
        assert_eq!(
            labels, expected,
            "PostgreSQL is configured, so it must run (beside SQLite unless told otherwise)"
        );
    }
    for db in dbs {
        let names = db.store.applied_migrations().await.unwrap();
        assert_eq!(
            names,
            [
                "m0001_plans",
                "m0002_progress",
                "m0003_warnings",
                "m0004_progress_version",
                "m0005_accounts",
                "m0006_sessions",
                "m0007_progress_changes",
                "m0008_report_figures",
                "m0009_indicator_actuals",
                "m0010_closed_periods",
                "m0011_soundness",
                "m0012_expected_paths",
                "m0013_settings",
                "m0014_item_shares",
                "m0015_notices",
                "m0016_notice_settings",
                "m0017_proposals",
                "m0018_evidence",
                "m0019_notice_rounds",
                "m0020_assessments",
                "m0021_plan_editing",
                "m0022_directory_edits",
                "m0023_indicators",
                "m0024_scale",
                "m0025_chase_order"
            ],
            "{}",
            db.label()
        );
        // Running them again is a no-op.
        db.store.migrate().await.unwrap();
    }
}

#[tokio::test]
async fn both_backends_have_the_same_schema() {
    let sqlite = TestDb::sqlite().await;
    let expected = sqlite.store.schema_columns().await.unwrap();
    assert!(
        expected
            .iter()
            .any(|(t, cols)| t == "items" && cols.contains(&"parent_id".to_string()))
    );
    if let Some(pg) = TestDb::postgres().await {
        assert_eq!(pg.store.schema_columns().await.unwrap(), expected);
    }
}

#[tokio::test]
async fn engine_settings_are_stored() {
    for db in TestDb::all().await {
        let mut doc = small();
        doc.plan.rollup = tuijin_core::RollupRule::SimpleMean;
        doc.plan.reporting.due_day = 3;
        doc.items[1].rollup = Some(tuijin_core::RollupRule::Manual);
        doc.items[1].extra.manual = Some(Box::new(tuijin_core::ManualProgress {
            percent: tuijin_core::Percent::new(35.0).unwrap(),
            reason: "按合同节点估算".into(),
        }));
        doc.items[3].cancelled = true;
        db.store.import_plan(&doc, &stamp("test")).await.unwrap();
        assert_eq!(
            db.store.export_plan("demo-small").await.unwrap(),
            doc,
            "{}",
            db.label()
        );
    }
}
