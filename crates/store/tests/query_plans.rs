//! The hot reads use their indexes, on both databases: an item's children are found by the
//! parent's id (`items_parent_position`), never by walking the plan's items in order; one item
//! by plan and code (`items_plan_code`); a page of a plan's items from the plan's own index.
//! Checked with `EXPLAIN QUERY PLAN` (SQLite) and `EXPLAIN` (PostgreSQL, after `ANALYZE`, on a
//! plan large enough that a scan would be the planner's choice if the index did not serve).

use tuijin_store::testing::{TestDb, stamp};
use tuijin_store::{ItemFilter, ItemStore, PlanStore, ProgressStore};

#[tokio::test]
async fn the_hot_item_reads_use_their_indexes() {
    let doc = tuijin_core::generate::generated_plan("qp", 6_000, 3, 20);
    let root = doc
        .items
        .iter()
        .find(|i| i.parent.is_none())
        .unwrap()
        .code
        .to_string();
    let leaf = doc.items.last().unwrap().code.to_string();
    for db in TestDb::all().await {
        let s = &db.store;
        s.import_plan(&doc, &stamp("test")).await.unwrap();
        db.execute("ANALYZE").await.unwrap();
        let children = ItemFilter {
            plan: Some("qp".into()),
            parent: Some(root.clone()),
            ..Default::default()
        };
        let plan = s.explain_list_items(&children, None).await.unwrap();
        assert!(
            plan.contains("items_parent_position"),
            "{}: children by the parent's index:\n{plan}",
            db.label()
        );
        assert!(
            !plan.contains("items_plan_position"),
            "{}: not by walking the plan:\n{plan}",
            db.label()
        );
        // The next page of children too.
        let page = s.list_items(&children, 2, None).await.unwrap();
        let cursor = page.next_cursor.expect("a root has more than two children");
        let plan = s
            .explain_list_items(&children, Some(&cursor))
            .await
            .unwrap();
        assert!(
            plan.contains("items_parent_position"),
            "{}:\n{plan}",
            db.label()
        );
        let plan = s.explain_get_item("qp", &leaf).await.unwrap();
        assert!(
            plan.contains("items_plan_code"),
            "{}: one item by plan and code:\n{plan}",
            db.label()
        );
        let all = ItemFilter {
            plan: Some("qp".into()),
            ..Default::default()
        };
        let plan = s.explain_list_items(&all, None).await.unwrap();
        assert!(
            plan.contains("items_plan_position") || plan.contains("items_plan_code"),
            "{}: a page of the plan from the plan's index:\n{plan}",
            db.label()
        );
        // Every child row counts its own children by the parent's index too.
        assert!(
            !plan.to_lowercase().contains("scan c ") && !plan.contains("Seq Scan on items c"),
            "{}: child counts by index:\n{plan}",
            db.label()
        );
    }
}

/// The chase list (a plan's open warnings, most severe and oldest first) is read in the order
/// of its own index, first page and later ones: sorting every open warning of a million-item
/// plan took seconds.
#[tokio::test]
async fn the_chase_list_reads_its_index() {
    use tuijin_store::{WarningCursor, WarningFilter, WarningStore};
    let doc = tuijin_core::generate::generated_plan("qw", 6_000, 3, 20);
    for db in TestDb::all().await {
        let s = &db.store;
        s.import_plan(&doc, &stamp("test")).await.unwrap();
        db.execute("ANALYZE").await.unwrap();
        let f = WarningFilter {
            plan: Some("qw".into()),
            ..Default::default()
        };
        let first = s.list_warnings(&f, 100).await.unwrap();
        assert_eq!(first.len(), 100, "{}: a generated plan warns", db.label());
        let plan = s.explain_list_warnings(&f, 100).await.unwrap();
        assert!(
            plan.contains("warnings_chase"),
            "{}: the chase list from its index:\n{plan}",
            db.label()
        );
        // At the queue's own scan (10,001) this plan's 11,000 open warnings are nearly all
        // read, and PostgreSQL rightly sorts them instead; the shape is what is checked.
        let plan = s.explain_waiting_proposals("qw", 100).await.unwrap();
        assert!(
            plan.contains("warnings_chase"),
            "{}: the cockpit's proposal count from the chase index:\n{plan}",
            db.label()
        );
        let last = first.last().unwrap();
        let after = WarningFilter {
            after: Some(WarningCursor::of(last)),
            ..f.clone()
        };
        let plan = s.explain_list_warnings(&after, 100).await.unwrap();
        assert!(
            plan.contains("warnings_chase"),
            "{}: a later page from the index too:\n{plan}",
            db.label()
        );
        // The records of a queue page's warnings, by id: from the table's key, not a walk
        // of the plan's open warnings.
        let page_ids = WarningFilter {
            ids: Some(first.iter().skip(10).take(30).map(|w| w.id).collect()),
            include_cleared: true,
            ..f.clone()
        };
        let by_id = s.list_warnings(&page_ids, 30).await.unwrap();
        assert_eq!(
            by_id.iter().map(|w| w.id).collect::<Vec<_>>(),
            first
                .iter()
                .skip(10)
                .take(30)
                .map(|w| w.id)
                .collect::<Vec<_>>(),
            "{}: the warnings asked for, in the chase order",
            db.label()
        );
        let plan = s.explain_list_warnings(&page_ids, 30).await.unwrap();
        assert!(
            !plan.contains("warnings_chase")
                && (plan.contains("warnings_pkey") || plan.contains("INTEGER PRIMARY KEY")),
            "{}: warnings by id from the key:\n{plan}",
            db.label()
        );
        // The page after follows on: nothing seen twice, in the chase order.
        let next = s.list_warnings(&after, 100).await.unwrap();
        assert!(next.iter().all(|w| first.iter().all(|v| v.id != w.id)));
        let key = |w| {
            let c = WarningCursor::of(w);
            (c.rank, c.raised_on, c.id)
        };
        assert!(key(last) < key(&next[0]), "{}", db.label());
        // An item's own warnings, and the open ones below it counted to a cap.
        let root = doc.items.iter().find(|i| i.parent.is_none()).unwrap();
        let root = root.code.as_str();
        let branch = s
            .list_warnings(
                &WarningFilter {
                    branch: Some(root.into()),
                    ..f.clone()
                },
                10_000,
            )
            .await
            .unwrap();
        let own = s
            .list_warnings(
                &WarningFilter {
                    item: Some(root.into()),
                    ..f.clone()
                },
                100,
            )
            .await
            .unwrap();
        assert!(own.iter().all(|w| w.item == root), "{}", db.label());
        let one_item = WarningFilter {
            item: Some(root.into()),
            include_cleared: true,
            ..f.clone()
        };
        let plan = s.explain_list_warnings(&one_item, 100).await.unwrap();
        assert!(
            plan.contains("warnings_item"),
            "{}: an item's warnings by the item:\n{plan}",
            db.label()
        );
        assert_eq!(
            own.len(),
            branch.iter().filter(|w| w.item == root).count(),
            "{}",
            db.label()
        );
        let below = (branch.len() - own.len()) as u64;
        assert!(below > 10, "{}: the root has late items below", db.label());
        let n = s.open_warnings_below("qw", root, 100_000).await.unwrap();
        assert_eq!(n, below, "{}", db.label());
        let n = s.open_warnings_below("qw", root, 5).await.unwrap();
        assert!(
            n > 5 && n < below,
            "{}: past the cap, stopped: {n}",
            db.label()
        );
        let n = s.open_warnings_below("qw", root, below).await.unwrap();
        assert_eq!(n, below, "{}: exact up to the cap", db.label());
    }
}

#[tokio::test]
async fn the_progress_since_a_version_reads_the_changes_index() {
    // What a server applies after each accepted report: the items whose progress changed
    // since its copy — found from the changes' index, not by looking up every item of the plan.
    let doc = tuijin_core::generate::generated_plan("qp", 6_000, 3, 20);
    for db in TestDb::all().await {
        let s = &db.store;
        s.import_plan(&doc, &stamp("test")).await.unwrap();
        db.execute("ANALYZE").await.unwrap();
        let (_, progress_version) = s.versions("qp").await.unwrap();
        let plan = s
            .explain_progress_since("qp", progress_version)
            .await
            .unwrap();
        assert!(
            plan.contains("item_progress_changed_in"),
            "{}: the changes by their index:\n{plan}",
            db.label()
        );
        assert!(
            !plan.contains("items_plan_kind") && !plan.contains("items_plan_position"),
            "{}: not by walking the plan's items:\n{plan}",
            db.label()
        );
    }
}
