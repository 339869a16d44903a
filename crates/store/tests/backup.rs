//! Backups and restores on both backends, and across them: a backup of SQLite restores into
//! PostgreSQL and back with every record, the event chain and the rollups intact; a damaged
//! backup or a non-empty target is refused with nothing written.

use tuijin_core::Code;
use tuijin_core::clock::{Clock, FixedClock};
use tuijin_core::event::Entity;
use tuijin_core::policy::Role;
use tuijin_core::report::{Period, ReportContent};
use tuijin_store::backup::{TABLES, restore, verify_backup};
use tuijin_store::testing::TestDb;
use tuijin_store::{
    AccountStore, CheckStore, DatabaseUrl, EventStore, EvidenceOn, EvidenceStore, NewEvidence,
    NewReport, PlanStore, ProgressStore, ReportFilter, ReportStore, Store, StoreError,
};

fn day(s: &str) -> chrono::NaiveDate {
    chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

/// A database with a plan, reports in every state, a closed period, users and a token.
async fn fill(s: &Store) {
    let path = format!(
        "{}/../../tests/fixtures/small.toml",
        env!("CARGO_MANIFEST_DIR")
    );
    let doc =
        tuijin_export::read_plan("small.toml", &std::fs::read_to_string(path).unwrap()).unwrap();
    let st = FixedClock::on(day("2020-07-03")).stamp("office", doc.plan.tz());
    s.import_plan(&doc, &st).await.unwrap();
    let new = |item: &str, period: &str, percent: f64| NewReport {
        plan: "demo-small".into(),
        item: item.into(),
        period: Period::parse(period).unwrap(),
        unit: "JTW".into(),
        content: ReportContent {
            percent: Some(tuijin_core::Percent::new(percent).unwrap()),
            narrative: "盾构推进\n第二行".into(),
            ..Default::default()
        },
    };
    let r = s
        .create_report(new("E1.1", "2020-05", 40.0), &st)
        .await
        .unwrap();
    let r = s.submit_report(r.id, r.version, &st).await.unwrap();
    s.accept_report(r.id, r.version, "好", &st).await.unwrap();
    let r = s
        .create_report(new("E1.1", "2020-06", 55.0), &st)
        .await
        .unwrap();
    s.submit_report(r.id, r.version, &st).await.unwrap();
    let draft = s
        .create_report(new("E1.2", "2020-06", 0.0), &st)
        .await
        .unwrap();
    // An evidence file: its bytes travel in the backup too.
    s.add_evidence(
        EvidenceOn::Report(draft.id),
        "JTW",
        vec![NewEvidence {
            name: "现场照片说明.txt".into(),
            bytes: "盾构机已进场\n".repeat(50).into_bytes(),
        }],
        tuijin_core::evidence::DEFAULT_MAX_BYTES,
        &st,
    )
    .await
    .unwrap();
    s.close_period("demo-small", Period::parse("2020-05").unwrap(), &st)
        .await
        .unwrap();
    let jtw = [Code::parse("JTW").unwrap()];
    s.add_user("jtw", Role::Unit, &jtw, Some("a long enough pass"), &st)
        .await
        .unwrap();
    s.add_user("office", Role::Office, &[], None, &st)
        .await
        .unwrap();
    s.create_token("office", "script", Some(30), &st)
        .await
        .unwrap();
}

/// What a reader sees of a database: every record the capabilities return.
async fn picture(s: &Store) -> String {
    let mut out = String::new();
    out += &format!("{:?}\n", s.export_plan("demo-small").await.unwrap());
    out += &format!(
        "{:?}\n",
        s.list_reports(&ReportFilter::default(), 1000)
            .await
            .unwrap()
    );
    out += &format!(
        "{:?}\n",
        s.plan_progress("demo-small", None).await.unwrap().len()
    );
    let mut progress: Vec<_> = s
        .plan_progress("demo-small", None)
        .await
        .unwrap()
        .into_iter()
        .collect();
    progress.sort_by(|a, b| a.0.cmp(&b.0));
    out += &format!("{progress:?}\n");
    out += &format!(
        "{:?}\n",
        s.item_history("demo-small", "E1.1").await.unwrap()
    );
    out += &format!("{:?}\n", s.closed_periods("demo-small").await.unwrap());
    for r in s
        .list_reports(&ReportFilter::default(), 1000)
        .await
        .unwrap()
    {
        for e in s.list_evidence(EvidenceOn::Report(r.id)).await.unwrap() {
            out += &format!("{:?}\n", s.evidence_content(e.id).await.unwrap());
        }
    }
    out += &format!("{:?}\n", s.list_users().await.unwrap());
    out += &format!("{:?}\n", s.list_tokens(None).await.unwrap());
    out += &format!(
        "{:?}\n",
        s.events_for(Entity::User, "jtw", 100).await.unwrap()
    );
    out += &format!(
        "{:?}\n",
        s.item_timeline("demo-small", "E1.1", 100).await.unwrap()
    );
    out
}

#[tokio::test]
async fn the_backup_covers_every_table_of_the_schema() {
    for db in TestDb::all().await {
        let mut tables: Vec<String> = db
            .store
            .schema_columns()
            .await
            .unwrap()
            .into_iter()
            .map(|(t, _)| t)
            .filter(|t| t != "seaql_migrations")
            .collect();
        tables.sort();
        let mut listed: Vec<String> = TABLES.iter().map(|t| t.to_string()).collect();
        listed.sort();
        assert_eq!(
            tables,
            listed,
            "{}: add the new table to backup::TABLES",
            db.label()
        );
    }
}

#[tokio::test]
async fn a_backup_restores_whole_on_every_backend_and_across_them() {
    let dir = tempfile::tempdir().unwrap();
    let sources = TestDb::all().await;
    for src in &sources {
        fill(&src.store).await;
        let before = picture(&src.store).await;
        let file = dir.path().join(format!("{}.tjbk", src.label()));
        let written = src
            .store
            .backup(&file, FixedClock::on(day("2020-07-03")).now())
            .await
            .unwrap();
        assert!(written.rows() > 20, "{written:?}");
        assert_eq!(verify_backup(&file).unwrap(), written);
        // Into a new SQLite file, and into an empty PostgreSQL database when there is one.
        let mut targets = vec![DatabaseUrl::Sqlite(
            dir.path().join(format!("from-{}/tuijin.db", src.label())),
        )];
        let pg = TestDb::postgres().await;
        if let Some(pg) = &pg {
            targets.push(pg.url.clone());
        }
        for target in targets {
            let summary = restore(&target, &file).await.unwrap();
            assert_eq!(summary.backup, written);
            let restored = Store::open(&target).await.unwrap();
            let after = picture(&restored).await;
            assert_eq!(before, after, "{} → {target}", src.label());
            assert!(restored.check_integrity().await.unwrap().ok());
            // The restored database goes on: new writes get new ids, and chain on.
            let st =
                FixedClock::on(day("2020-07-04")).stamp("office", tuijin_core::clock::DEFAULT_TZ);
            let r = restored
                .create_report(
                    NewReport {
                        plan: "demo-small".into(),
                        item: "E1.2".into(),
                        period: Period::parse("2020-07").unwrap(),
                        unit: "JTW".into(),
                        content: ReportContent::default(),
                    },
                    &st,
                )
                .await
                .unwrap();
            assert!(r.id > 3, "a new id, after the restored ones");
            assert!(restored.audit().await.unwrap().ok());
            // Restoring again into the same database is refused, and changes nothing.
            assert!(matches!(
                restore(&target, &file).await,
                Err(StoreError::Conflict(_))
            ));
        }
    }
}

#[tokio::test]
async fn a_damaged_backup_is_refused_and_nothing_is_written() {
    use std::io::{Read, Write};
    let dir = tempfile::tempdir().unwrap();
    let src = TestDb::sqlite().await;
    fill(&src.store).await;
    let file = dir.path().join("b.tjbk");
    src.store
        .backup(&file, FixedClock::on(day("2020-07-03")).now())
        .await
        .unwrap();
    // Change one character of the content, keeping the file a valid gzip stream.
    let mut text = String::new();
    flate2::read::GzDecoder::new(std::fs::File::open(&file).unwrap())
        .read_to_string(&mut text)
        .unwrap();
    let changed = text.replacen("盾构推进", "盾构停工", 1);
    assert_ne!(changed, text);
    let bad = dir.path().join("bad.tjbk");
    let mut gz = flate2::write::GzEncoder::new(
        std::fs::File::create(&bad).unwrap(),
        flate2::Compression::default(),
    );
    gz.write_all(changed.as_bytes()).unwrap();
    gz.finish().unwrap();
    assert!(matches!(verify_backup(&bad), Err(StoreError::Invalid(_))));
    let target = DatabaseUrl::Sqlite(dir.path().join("t/tuijin.db"));
    assert!(matches!(
        restore(&target, &bad).await,
        Err(StoreError::Invalid(_))
    ));
    assert!(!dir.path().join("t/tuijin.db").exists(), "nothing created");
    // Not a backup at all.
    std::fs::write(dir.path().join("junk.tjbk"), b"hello").unwrap();
    assert!(verify_backup(&dir.path().join("junk.tjbk")).is_err());
}

/// An empty database file is not a new server unless asked; a restore never lands beside
/// another program's tables.
#[tokio::test]
async fn empty_files_and_foreign_tables_are_not_taken_for_tuijin_databases() {
    use tuijin_store::{Create, DatabaseUrl, Store};
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("tuijin.db");
    std::fs::write(&path, b"").unwrap();
    let url = DatabaseUrl::Sqlite(path.clone());
    let Err(e) = Store::open_with(&url, Create::Never).await else {
        panic!("an empty file was taken for a database")
    };
    assert!(e.to_string().contains("--init"), "{e}");
    assert!(Store::open_with(&url, Create::IfMissing).await.is_ok());
    // A foreign table in the target of a restore: refused, the table left alone.
    let src = TestDb::sqlite().await;
    fill(&src.store).await;
    let file = dir.path().join("b.tjbk");
    src.store
        .backup(&file, FixedClock::on(day("2020-07-03")).now())
        .await
        .unwrap();
    let other = dir.path().join("other.db");
    let conn = sea_orm::Database::connect(format!("sqlite://{}?mode=rwc", other.display()))
        .await
        .unwrap();
    sea_orm::ConnectionTrait::execute_unprepared(
        &conn,
        "CREATE TABLE customers(name TEXT); INSERT INTO customers VALUES ('alice')",
    )
    .await
    .unwrap();
    conn.close().await.unwrap();
    let r = restore(&DatabaseUrl::Sqlite(other.clone()), &file).await;
    assert!(r.is_err(), "restored beside another program's table");
}
