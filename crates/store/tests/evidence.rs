//! Evidence files on both backends: added by the report's unit while the report can change,
//! or by an addressed unit while the notice awaits its reply; refused whole when one file is
//! too big, empty or disguised (nothing stored); the same content kept once; served back byte
//! for byte, and never when damaged.

use chrono::{NaiveDate, TimeZone, Utc};
use tuijin_core::Percent;
use tuijin_core::event::Entity;
use tuijin_core::notice::{NoticeAction, NoticeSettings};
use tuijin_core::problem::Rule;
use tuijin_core::report::{Period, ReportContent};
use tuijin_export::read_plan;
use tuijin_store::testing::TestDb;
use tuijin_store::{
    EventStore, EvidenceOn, EvidenceStore, NewEvidence, NewNotice, NewReport, NoticeStore,
    PlanStore, ReportStore, Stamp, StoreError,
};

const PLAN: &str = r#"
[plan]
code = "evi"
title = "佐证测试"
timezone = "Asia/Shanghai"
cadence = "monthly"
start = 2020-01-01
end = 2021-12-31

[plan.source]
title = "测试"
date = 2020-01-01

[[unit]]
code = "JTW"
name = "交通委"

[[unit]]
code = "ZDQ"
name = "郑东新区"

[[item]]
code = "E1"
kind = "project"
title = "地铁工程"
lead = "JTW"
co = ["ZDQ"]
start = 2020-01-01
due = 2020-12-31
"#;

const PDF: &[u8] = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n";
const PNG: &[u8] =
    b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89";
const MAX: u64 = 1024;

fn stamp(actor: &str) -> Stamp {
    let today = NaiveDate::from_ymd_opt(2020, 6, 30).unwrap();
    Stamp {
        at: Utc.from_utc_datetime(&today.and_hms_opt(2, 0, 0).unwrap()),
        today,
        actor: actor.into(),
    }
}

fn file(name: &str, bytes: &[u8]) -> NewEvidence {
    NewEvidence {
        name: name.into(),
        bytes: bytes.to_vec(),
    }
}

fn rule(e: StoreError) -> Rule {
    match e {
        StoreError::Invalid(ps) => ps[0].rule,
        StoreError::Conflict(p) | StoreError::Forbidden(p) => p.rule,
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn evidence_is_added_while_things_can_change_checked_whole_and_served_back() {
    for db in TestDb::all().await {
        let s = &db.store;
        let st = stamp("jtw");
        s.import_plan(&read_plan("evi.toml", PLAN).unwrap(), &stamp("office"))
            .await
            .unwrap();
        let r = s
            .create_report(
                NewReport {
                    plan: "evi".into(),
                    item: "E1".into(),
                    period: Period::parse("2020-06").unwrap(),
                    unit: "JTW".into(),
                    content: ReportContent {
                        percent: Some(Percent::new(30.0).unwrap()),
                        narrative: "盾构推进".into(),
                        ..Default::default()
                    },
                },
                &st,
            )
            .await
            .unwrap();
        let on = EvidenceOn::Report(r.id);
        let added = s
            .add_evidence(
                on,
                "JTW",
                vec![file("会议纪要.pdf", PDF), file("现场.png", PNG)],
                MAX,
                &st,
            )
            .await
            .unwrap();
        assert_eq!(added.len(), 2, "{}", db.label());
        assert_eq!(added[0].content_type, "application/pdf");
        assert_eq!(added[1].size, PNG.len() as i64);
        assert_eq!(added[0].unit.as_deref(), Some("JTW"));
        let (rec, bytes) = s.evidence_content(added[1].id).await.unwrap();
        assert_eq!((rec.name.as_str(), bytes.as_slice()), ("现场.png", PNG));

        // One bad file refuses them all, and nothing is kept.
        let before = s.list_evidence(on).await.unwrap();
        for (bad, want) in [
            (
                file("大文件.pdf", &[PDF, &[b' '; 2000][..]].concat()),
                Rule::FileTooBig,
            ),
            (file("伪装.pdf", PNG), Rule::FileDisguised),
            (
                file("程序.png", b"MZ\x90\0\x03\0\0\0\x04\0\0\0"),
                Rule::FileType,
            ),
            (file("空.txt", b""), Rule::FileEmpty),
        ] {
            let e = s
                .add_evidence(on, "JTW", vec![file("ok.pdf", PDF), bad], MAX, &st)
                .await
                .unwrap_err();
            assert!(
                matches!(&e, StoreError::Invalid(ps) if ps[0].field == "files[1]"),
                "{e:?}"
            );
            assert_eq!(rule(e), want);
        }
        assert_eq!(s.list_evidence(on).await.unwrap(), before);

        // A report of a closed period takes no more files.
        let may = s
            .create_report(
                NewReport {
                    plan: "evi".into(),
                    item: "E1".into(),
                    period: Period::parse("2020-05").unwrap(),
                    unit: "JTW".into(),
                    content: ReportContent {
                        percent: Some(Percent::new(20.0).unwrap()),
                        narrative: "进场".into(),
                        ..Default::default()
                    },
                },
                &st,
            )
            .await
            .unwrap();
        s.close_period("evi", Period::parse("2020-05").unwrap(), &stamp("office"))
            .await
            .unwrap();
        let e = s
            .add_evidence(
                EvidenceOn::Report(may.id),
                "JTW",
                vec![file("x.pdf", PDF)],
                MAX,
                &st,
            )
            .await
            .unwrap_err();
        assert_eq!(rule(e), Rule::PeriodClosed);
        // Too many files at once.
        let many = (0..21).map(|_| file("x.pdf", PDF)).collect();
        let e = s.add_evidence(on, "JTW", many, MAX, &st).await.unwrap_err();
        assert_eq!(rule(e), Rule::TooManyFiles);
        // Another unit may not add to JTW's report, even one co-operating on the item.
        let e = s
            .add_evidence(on, "ZDQ", vec![file("x.pdf", PDF)], MAX, &stamp("zdq"))
            .await
            .unwrap_err();
        assert_eq!(rule(e), Rule::NotYourUnit);
        // Submitted, the report is what the office reviews: no more files.
        let r = s.submit_report(r.id, r.version, &st).await.unwrap();
        let e = s
            .add_evidence(on, "JTW", vec![file("晚到.pdf", PDF)], MAX, &st)
            .await
            .unwrap_err();
        assert_eq!(rule(e), Rule::EvidenceClosed);
        assert_eq!(s.list_evidence(on).await.unwrap(), before);
        let trail = s
            .events_for(Entity::Report, &r.id.to_string(), 100)
            .await
            .unwrap();
        assert!(
            trail
                .iter()
                .any(|e| e.kind.as_str() == "report.evidence_added")
        );

        // On a notice: the addressed unit, until it has replied. The same content again is
        // kept once and served under both attachments.
        let n = s
            .issue_notice(
                NewNotice {
                    plan: "evi".into(),
                    items: vec!["E1".into()],
                    units: vec!["JTW".into()],
                    level: 0,
                    title: "督办".into(),
                    actions: "报送方案".into(),
                    reply_by: NaiveDate::from_ymd_opt(2020, 7, 10).unwrap(),
                    facts: vec![],
                    prompted_by: vec![],
                },
                &NoticeSettings::default(),
                &stamp("office"),
            )
            .await
            .unwrap();
        let non = EvidenceOn::Notice(n.id);
        let e = s
            .add_evidence(non, "ZDQ", vec![file("x.pdf", PDF)], MAX, &stamp("zdq"))
            .await
            .unwrap_err();
        assert_eq!(rule(e), Rule::NotYourUnit);
        let again = s
            .add_evidence(non, "JTW", vec![file("方案.pdf", PDF)], MAX, &st)
            .await
            .unwrap();
        assert_eq!(again[0].sha256, added[0].sha256);
        assert_eq!(s.evidence_content(again[0].id).await.unwrap().1, PDF);
        s.act_on_notice(
            n.id,
            n.version,
            NoticeAction::Reply,
            Some("JTW"),
            "已报送",
            None,
            &st,
        )
        .await
        .unwrap();
        let e = s
            .add_evidence(non, "JTW", vec![file("补充.pdf", PDF)], MAX, &st)
            .await
            .unwrap_err();
        assert_eq!(rule(e), Rule::EvidenceClosed);
        assert!(matches!(
            s.add_evidence(
                EvidenceOn::Notice(999_999),
                "JTW",
                vec![file("x.pdf", PDF)],
                MAX,
                &st
            )
            .await,
            Err(StoreError::NotFound(_))
        ));

        // Damaged content is never served as if it were whole.
        db.execute(&format!(
            "UPDATE evidence_blobs SET content = {} WHERE sha256 = '{}'",
            if db.label() == "sqlite" {
                "x'00'"
            } else {
                "'\\x00'::bytea"
            },
            added[1].sha256
        ))
        .await
        .unwrap();
        assert!(matches!(
            s.evidence_content(added[1].id).await,
            Err(StoreError::Corrupt(_))
        ));
    }
}
