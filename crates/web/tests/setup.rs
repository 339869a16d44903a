//! The office keeps the plan's units, people and settings in the pages, in-process on SQLite
//! and (when configured) PostgreSQL: every problem beside its field and nothing written, a
//! stale form refused with what the record says now, the reason in the history, the phone
//! list for signed-in users only, and a threshold change that moves statuses at once.

use axum::http::StatusCode;
use tuijin_store::{EventStore, PlanStore};

mod common;

use common::site::{Browser, Site};

async fn post(site: &Site, b: &mut Browser, uri: &str, f: &[(&str, String)]) -> common::site::Page {
    let f: Vec<(&str, &str)> = f.iter().map(|(k, v)| (*k, v.as_str())).collect();
    site.request(b, "POST", uri, &f).await
}

#[tokio::test]
async fn the_office_keeps_units_people_and_settings_in_the_pages() {
    for site in Site::all().await {
        let mut office = site.log_in("office").await;
        // The setup pages are in the office's navigation and nobody else's.
        let cockpit = site.get(&mut office, "/plans/demo-small").await;
        assert!(cockpit.html.contains("/plans/demo-small/settings"));
        let mut jtw = site.log_in("jtw").await;
        let theirs = site.get(&mut jtw, "/plans/demo-small").await;
        assert!(!theirs.html.contains("/plans/demo-small/settings"));

        // Units: rename JTW from its form.
        let form = site.get(&mut office, "/plans/demo-small/units/JTW").await;
        assert_eq!(form.status, StatusCode::OK);
        let csrf = form.csrf();
        let version = {
            let at = form.html.find("name=\"version\" value=\"").unwrap() + 22;
            form.html[at..].split('"').next().unwrap().to_string()
        };
        let unit = |name: &str, kind: &str, reason: &str| {
            vec![
                ("csrf", csrf.clone()),
                ("version", version.clone()),
                ("code", "JTW".to_string()),
                ("name", name.to_string()),
                ("name_en", "Municipal Transport Bureau".to_string()),
                ("kind", kind.to_string()),
                ("reason", reason.to_string()),
            ]
        };
        // Every problem at once: a kind that is not one, and no reason; nothing written.
        let bad = post(
            &site,
            &mut office,
            "/plans/demo-small/units",
            &unit("市交通运输局", "ministry", ""),
        )
        .await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(bad.html.contains("请选择单位类别"), "{}", bad.html);
        assert!(bad.html.contains("field invalid"), "{}", bad.html);
        // A name too long: named beside the name.
        let long = "长".repeat(201);
        let bad = post(
            &site,
            &mut office,
            "/plans/demo-small/units",
            &unit(&long, "department", "机构改革"),
        )
        .await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(bad.html.contains("最多 200 个字符"), "{}", bad.html);
        let ok = post(
            &site,
            &mut office,
            "/plans/demo-small/units",
            &unit("市交通运输局", "department", "机构改革更名"),
        )
        .await;
        assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.html);
        let list = site.get(&mut office, "/plans/demo-small/units").await;
        assert!(list.html.contains("市交通运输局"));
        // Its history: the reason and what changed, on its form.
        let form = site.get(&mut office, "/plans/demo-small/units/JTW").await;
        assert!(form.html.contains("机构改革更名"), "{}", form.html);
        assert!(
            form.html.contains("name: 市交通运输委员会 → 市交通运输局"),
            "{}",
            form.html
        );
        // The same form again is stale: refused with what the unit says now.
        let stale = post(
            &site,
            &mut office,
            "/plans/demo-small/units",
            &unit("市交通局", "department", "再改"),
        )
        .await;
        assert_eq!(stale.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(stale.html.contains("已被他人修改"), "{}", stale.html);
        let events = site
            .db
            .store
            .events_for(tuijin_core::event::Entity::Unit, "JTW", 5)
            .await
            .unwrap();
        assert!(
            events
                .iter()
                .any(|e| e.after.as_ref().unwrap()["text"] == "机构改革更名"),
            "{events:?}"
        );
        // A new unit with a code the plan has is refused; a new one is added.
        let new = |code: &str| {
            vec![
                ("csrf", csrf.clone()),
                ("code", code.to_string()),
                ("name", "市自然资源和规划局".to_string()),
                ("kind", "department".to_string()),
                ("reason", "新增责任单位".to_string()),
            ]
        };
        let taken = post(&site, &mut office, "/plans/demo-small/units", &new("FGW")).await;
        assert_eq!(taken.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(taken.html.contains("已被使用"), "{}", taken.html);
        let added = post(&site, &mut office, "/plans/demo-small/units", &new("ZZGH")).await;
        assert_eq!(added.status, StatusCode::SEE_OTHER, "{}", added.html);

        // People: a phone that is not one is refused beside the phone; a good one is shown
        // to signed-in users, never on the public portal.
        let form = site
            .get(&mut office, "/plans/demo-small/people/vm-transport")
            .await;
        let version = {
            let at = form.html.find("name=\"version\" value=\"").unwrap() + 22;
            form.html[at..].split('"').next().unwrap().to_string()
        };
        let person = |phone: &str| {
            vec![
                ("csrf", csrf.clone()),
                ("version", version.clone()),
                ("code", "vm-transport".to_string()),
                ("name", "分管副市长（交通）".to_string()),
                ("post", "副市长".to_string()),
                ("unit", "FGW".to_string()),
                ("phone", phone.to_string()),
                ("assumed", "on".to_string()),
                ("reason", "补充联系电话".to_string()),
            ]
        };
        let bad = post(
            &site,
            &mut office,
            "/plans/demo-small/people",
            &person("找秘书"),
        )
        .await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(bad.html.contains("不是电话号码"), "{}", bad.html);
        let ok = post(
            &site,
            &mut office,
            "/plans/demo-small/people",
            &person("0371-67188000 转 8001"),
        )
        .await;
        assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.html);
        let people = site.get(&mut jtw, "/plans/demo-small/people").await;
        assert_eq!(people.status, StatusCode::OK);
        assert!(people.html.contains("0371-67188000 转 8001"));
        assert!(
            !people.html.contains("/people/vm-transport\""),
            "a unit sees no edit link"
        );
        let mut anon = Browser::default();
        let refused = site.get(&mut anon, "/plans/demo-small/people").await;
        assert_ne!(refused.status, StatusCode::OK);
        let portal = site.get(&mut anon, "/portal/demo-small").await;
        assert!(!portal.html.contains("67188000"));
        // A unit may not post the form.
        let forged = post(
            &site,
            &mut jtw,
            "/plans/demo-small/people",
            &person("13800000000"),
        )
        .await;
        assert_eq!(forged.status, StatusCode::FORBIDDEN);

        // Settings: thresholds out of order refused beside them; a good change saved, with
        // its reason in the plan's history.
        let form = site.get(&mut office, "/plans/demo-small/settings").await;
        assert_eq!(form.status, StatusCode::OK);
        let version = {
            let at = form.html.find("name=\"version\" value=\"").unwrap() + 22;
            form.html[at..].split('"').next().unwrap().to_string()
        };
        let settings = |at_risk: &str, reason: &str| {
            vec![
                ("csrf", csrf.clone()),
                ("version", version.clone()),
                ("title", "郑州建设国家中心城市（测试）".to_string()),
                ("cadence", "monthly".to_string()),
                ("at_risk", at_risk.to_string()),
                ("off_track", "15".to_string()),
                ("forecast_miss", "60".to_string()),
                ("rollup", "weighted_mean".to_string()),
                ("status_against", "baseline".to_string()),
                ("due_day", "10".to_string()),
                ("grace_days", "5".to_string()),
                ("stale_days", "60".to_string()),
                ("reason", reason.to_string()),
            ]
        };
        let bad = post(
            &site,
            &mut office,
            "/plans/demo-small/settings",
            &settings("20", "调整"),
        )
        .await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(bad.html.contains("预警阈值顺序不对"), "{}", bad.html);
        let ok = post(
            &site,
            &mut office,
            "/plans/demo-small/settings",
            &settings("3", "按市政府要求从严预警"),
        )
        .await;
        assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.html);
        let plan = site.db.store.get_plan("demo-small").await.unwrap().plan;
        assert_eq!(plan.thresholds.at_risk, 3.0);
        assert_eq!(plan.reporting.due_day, 10);
        assert_eq!(plan.status_against, tuijin_core::StatusAgainst::Baseline);
        let saved = site
            .get(&mut office, "/plans/demo-small/settings?saved=1")
            .await;
        assert!(saved.html.contains("已保存"));
        assert!(
            saved.html.contains("按市政府要求从严预警"),
            "the reason in the settings' history"
        );
        let events = site
            .db
            .store
            .events_for(tuijin_core::event::Entity::Plan, "demo-small", 5)
            .await
            .unwrap();
        assert!(
            events
                .iter()
                .any(|e| e.kind == tuijin_core::event::EventKind::PlanEdited
                    && e.after.as_ref().unwrap()["text"] == "按市政府要求从严预警"),
            "{events:?}"
        );
        // The history judges the plan against a baseline beside the current plan: a milestone
        // moved from 2017 to September 2020 is late by the baseline, not by the current plan.
        let r = tuijin_store::ItemStore::get_item(&site.db.store, "demo-small", "E1.2")
            .await
            .unwrap();
        let mut m = r.item.clone();
        m.due = chrono::NaiveDate::from_ymd_opt(2020, 9, 30);
        tuijin_store::EditStore::edit_item(
            &site.db.store,
            "demo-small",
            &tuijin_core::edit::ItemEdit::Update(m),
            Some(r.version),
            "延期",
            &common::stamp("office"),
        )
        .await
        .unwrap();
        let first = tuijin_store::BaselineStore::list_baselines(&site.db.store, "demo-small")
            .await
            .unwrap()
            .last()
            .unwrap()
            .id;
        let history = site
            .get(
                &mut office,
                &format!("/plans/demo-small/history?baseline={first}"),
            )
            .await;
        assert_eq!(history.status, StatusCode::OK);
        let table = &history.html[history.html.find("因日期调整而不同").expect("a difference")..];
        assert!(
            table.contains("E1.2") && table.contains("+1004 天"),
            "{table}"
        );
        let bad = site
            .get(&mut office, "/plans/demo-small/history?baseline=99999")
            .await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bad.html);
        // A unit takes back its pending change request from its workspace.
        let req = tuijin_store::RequestStore::file_request(
            &site.db.store,
            &tuijin_store::NewRequest {
                plan: "demo-small".into(),
                item: "E1.1".into(),
                unit: "JTW".into(),
                change: tuijin_core::edit::RequestedChange {
                    due: chrono::NaiveDate::from_ymd_opt(2020, 11, 30),
                    ..Default::default()
                },
                reason: "征迁延后".into(),
                evidence: String::new(),
            },
            Vec::new(),
            1 << 20,
            &common::stamp("jtw"),
        )
        .await
        .unwrap();
        let ws = site.get(&mut jtw, "/workspace").await;
        let action = format!("/change-requests/{}/withdraw", req.id);
        assert!(ws.html.contains(&action), "{}", ws.html);
        let jcsrf = ws.csrf();
        let form = vec![
            ("csrf", jcsrf.clone()),
            ("version", req.version.to_string()),
        ];
        let mut zdq = site.log_in("zdq").await;
        let zcsrf = site.get(&mut zdq, "/workspace").await.csrf();
        let forged = post(
            &site,
            &mut zdq,
            &action,
            &[("csrf", zcsrf), ("version", req.version.to_string())],
        )
        .await;
        assert_eq!(forged.status, StatusCode::FORBIDDEN);
        let done = post(&site, &mut jtw, &action, &form).await;
        assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.html);
        let r = tuijin_store::RequestStore::get_request(&site.db.store, req.id)
            .await
            .unwrap();
        assert_eq!(r.state, tuijin_core::edit::RequestState::Withdrawn);
        let ws = site.get(&mut jtw, "/workspace").await;
        assert!(ws.html.contains("已撤回") && !ws.html.contains(&action));
        // Nothing goes under a milestone: said, not an empty form.
        let none = site
            .get(&mut office, "/plans/demo-small/items/E1.2/new")
            .await;
        assert_eq!(none.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            none.html.contains("里程碑下面不能再设事项"),
            "{}",
            none.html
        );
        // An archived item keeps a page with its history, for those who read the plan; the
        // cockpit counts what was cancelled.
        let r = tuijin_store::ItemStore::get_item(&site.db.store, "demo-small", "E1.2")
            .await
            .unwrap();
        tuijin_store::EditStore::edit_item(
            &site.db.store,
            "demo-small",
            &tuijin_core::edit::ItemEdit::Cancel {
                code: tuijin_core::Code::parse("E1.2").unwrap(),
            },
            Some(r.version),
            "并入E1.1",
            &common::stamp("office"),
        )
        .await
        .unwrap();
        let cockpit = site.get(&mut office, "/plans/demo-small").await;
        let at = cockpit
            .html
            .find("status=cancelled")
            .expect("a cancelled card");
        let card = &cockpit.html[at..];
        let card = &card[..card.find("</a>").unwrap()];
        assert!(card.contains("<span class=\"n\">1</span>"), "{card}");
        let r = tuijin_store::ItemStore::get_item(&site.db.store, "demo-small", "E1.2")
            .await
            .unwrap();
        tuijin_store::EditStore::edit_item(
            &site.db.store,
            "demo-small",
            &tuijin_core::edit::ItemEdit::Archive {
                code: tuijin_core::Code::parse("E1.2").unwrap(),
            },
            Some(r.version),
            "录入重复",
            &common::stamp("office"),
        )
        .await
        .unwrap();
        let page = site.get(&mut office, "/plans/demo-small/items/E1.2").await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(
            page.html.contains("已归档") && page.html.contains("录入重复"),
            "{}",
            page.html
        );
        let public = site.get(&mut anon, "/plans/demo-small/items/E1.2").await;
        assert_eq!(public.status, StatusCode::NOT_FOUND);
        // The settings form is the office's alone.
        let theirs = site.get(&mut jtw, "/plans/demo-small/settings").await;
        assert_eq!(theirs.status, StatusCode::FORBIDDEN);
    }
}
