//! Lists longer than a page: the reports list gives as many rows as asked, so a caller asking
//! for one more than its page (the API at its largest page, 1,000) learns that more follow.

use chrono::NaiveDate;
use tuijin_core::clock::{Clock, FixedClock};
use tuijin_core::report::Period;
use tuijin_core::sample::HistoricReport;
use tuijin_store::testing::TestDb;
use tuijin_store::{PlanStore, ReportFilter, ReportStore};

#[tokio::test]
async fn a_page_of_a_thousand_reports_and_one_more() {
    let doc = tuijin_core::generate::generated_plan("gen", 3_000, 4, 20);
    let parents: std::collections::HashSet<&str> = doc
        .items
        .iter()
        .filter_map(|i| i.parent.as_ref().map(|p| p.as_str()))
        .collect();
    let leaves: Vec<_> = doc
        .items
        .iter()
        .filter(|i| !parents.contains(i.code.as_str()) && i.lead.is_some())
        .filter(|i| i.kind != tuijin_core::ItemKind::Milestone)
        .collect();
    let mut reports = Vec::new();
    for month in 1..=5 {
        let period = Period::parse(&format!("2020-{month:02}")).unwrap();
        for i in &leaves {
            reports.push(HistoricReport {
                item: i.code.clone(),
                unit: i.lead.clone().unwrap(),
                period,
                percent: Some(10.0 * month as f64),
                narrative: String::new(),
                problems: String::new(),
                next_steps: String::new(),
                submitted_on: period.last_day(),
                accepted_on: period.last_day(),
                figures: Vec::new(),
            });
        }
    }
    assert!(reports.len() > 1_001, "{} reports", reports.len());
    for db in TestDb::all().await {
        let stamp = FixedClock::on(NaiveDate::from_ymd_opt(2020, 6, 30).unwrap())
            .stamp("test", doc.plan.tz());
        db.store.import_plan(&doc, &stamp).await.unwrap();
        db.store
            .load_history("gen", &reports, &stamp)
            .await
            .unwrap();
        let filter = ReportFilter {
            plan: Some("gen".into()),
            ..Default::default()
        };
        let got = db.store.list_reports(&filter, 1_001).await.unwrap();
        assert_eq!(got.len(), 1_001, "{}", db.label());
    }
}
