//! The pages end to end, in-process, on SQLite and (when configured) PostgreSQL: log-in with
//! sessions and anti-forgery tokens, throttling, every page against every role, and the month's
//! loop — a unit reports through the form, the office accepts in the review queue, and the
//! cockpit moves.

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use tower::ServiceExt;
use tuijin_store::{AccountStore, DirectoryStore, PlanStore, ReportFilter, ReportStore};

mod common;

use common::site::{Browser, PASSWORD, Site};

#[tokio::test]
async fn log_in_needs_the_form_token_refuses_quietly_and_throttles() {
    for site in Site::all().await {
        let mut b = Browser::default();
        let form = site.get(&mut b, "/login").await;
        assert_eq!(form.status, StatusCode::OK);
        let csrf = form.csrf();
        // Without the form's token: refused, and no session.
        let p = site
            .request(
                &mut b,
                "POST",
                "/login",
                &[("name", "office"), ("password", PASSWORD)],
            )
            .await;
        assert_eq!(p.status, StatusCode::FORBIDDEN);
        assert!(!b.cookies.contains_key("tj_session"));
        // With another visitor's token: refused too.
        let mut other = Browser::default();
        let theirs = site.get(&mut other, "/login").await.csrf();
        let p = site
            .request(
                &mut b,
                "POST",
                "/login",
                &[
                    ("csrf", &theirs),
                    ("name", "office"),
                    ("password", PASSWORD),
                ],
            )
            .await;
        assert_eq!(p.status, StatusCode::FORBIDDEN);
        // A wrong password and an unknown name get the same message.
        let mut answers = Vec::new();
        for name in ["office", "nobody"] {
            let p = site
                .request(
                    &mut b,
                    "POST",
                    "/login",
                    &[
                        ("csrf", &csrf),
                        ("name", name),
                        ("password", "wrong password!"),
                    ],
                )
                .await;
            assert_eq!(p.status, StatusCode::UNAUTHORIZED);
            answers.push(p.html.contains("账号或密码不正确"));
        }
        assert_eq!(answers, [true, true]);
        // Three more failures for office make five: now even the right password waits.
        for _ in 0..4 {
            site.request(
                &mut b,
                "POST",
                "/login",
                &[
                    ("csrf", &csrf),
                    ("name", "office"),
                    ("password", "wrong password!"),
                ],
            )
            .await;
        }
        let p = site
            .request(
                &mut b,
                "POST",
                "/login",
                &[("csrf", &csrf), ("name", "office"), ("password", PASSWORD)],
            )
            .await;
        assert_eq!(p.status, StatusCode::TOO_MANY_REQUESTS, "{}", p.html);
        assert!(!b.cookies.contains_key("tj_session"));
        // Throttled attempts keep coming: each is refused, but the trail records them once a
        // minute per address, so a flood cannot fill the event log.
        for _ in 0..10 {
            let p = site
                .request(
                    &mut b,
                    "POST",
                    "/login",
                    &[("csrf", &csrf), ("name", "office"), ("password", PASSWORD)],
                )
                .await;
            assert_eq!(p.status, StatusCode::TOO_MANY_REQUESTS);
        }
        let throttled = tuijin_store::EventStore::events_for(
            &site.db.store,
            tuijin_core::event::Entity::User,
            "office",
            100,
        )
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.kind.as_str() == "login.throttled")
        .count();
        assert_eq!(throttled, 1, "eleven throttled attempts, one event");
        // Another account is not affected.
        let leader = site.log_in("leader").await;
        assert!(leader.cookies.contains_key("tj_session"));
        // The log-in events are recorded.
        let kinds: Vec<String> = tuijin_store::EventStore::events_for(
            &site.db.store,
            tuijin_core::event::Entity::User,
            "office",
            50,
        )
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.kind.as_str().to_string())
        .collect();
        assert!(kinds.contains(&"login.failed".to_string()));
        assert!(kinds.contains(&"login.throttled".to_string()));
    }
}

#[tokio::test]
async fn sessions_end_at_log_out_and_on_password_reset() {
    for site in Site::all().await {
        let mut b = site.log_in("office").await;
        assert_eq!(
            site.get(&mut b, "/plans/demo-small").await.status,
            StatusCode::OK
        );
        let stolen = b.clone();
        // Log-out needs the token too.
        let page = site.get(&mut b, "/plans/demo-small").await;
        let p = site.request(&mut b, "POST", "/logout", &[]).await;
        assert_eq!(p.status, StatusCode::FORBIDDEN);
        let p = site
            .request(&mut b, "POST", "/logout", &[("csrf", &page.csrf())])
            .await;
        assert_eq!(p.status, StatusCode::SEE_OTHER);
        // The old cookie no longer opens anything: the session ended on the server.
        let mut replay = stolen;
        let p = site.get(&mut replay, "/plans/demo-small").await;
        assert_eq!(p.status, StatusCode::SEE_OTHER);
        assert!(p.location.unwrap().starts_with("/login?next="));
        // A password reset ends the user's sessions.
        let mut b = site.log_in("leader").await;
        site.db
            .store
            .set_password("leader", "another long password", &common::stamp("admin"))
            .await
            .unwrap();
        assert_eq!(
            site.get(&mut b, "/plans/demo-small").await.status,
            StatusCode::SEE_OTHER
        );
    }
}

#[tokio::test]
async fn an_expired_session_is_refused() {
    // Sessions that end one second after their last use: by the next request, this one has.
    let rules = tuijin_core::policy::SessionRules {
        idle: chrono::Duration::seconds(1),
        ..Default::default()
    };
    for site in Site::with_rules(rules).await {
        let mut b = site.log_in("office").await;
        tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
        let p = site.get(&mut b, "/plans/demo-small").await;
        assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.html);
        assert!(p.location.unwrap().starts_with("/login"));
    }
}

#[tokio::test]
async fn every_page_against_every_role() {
    use tuijin_web::pages::PAGES;
    // Every route the page router declares has a row in PAGES, with the same methods.
    let src = include_str!("../src/pages/mod.rs");
    let routes_fn: String = src
        [src.find("pub fn routes").unwrap()..src.find("/// Every page route").unwrap()]
        .split_whitespace()
        .collect();
    let mut declared = Vec::new();
    for (at, _) in routes_fn.match_indices(".route(\"") {
        let rest = &routes_fn[at + 8..];
        let path = &rest[..rest.find('"').unwrap()];
        // The call ends at its closing parentheses, or (formatted with a trailing comma) where
        // the next route begins.
        let end = [rest.find("))"), rest.find(".route(")]
            .into_iter()
            .flatten()
            .min()
            .unwrap_or(rest.len());
        let call = &rest[..end];
        if call.contains("get(") {
            declared.push(("GET", path.to_string()));
        }
        if call.contains("post(") {
            declared.push(("POST", path.to_string()));
        }
    }
    for (m, p) in &declared {
        assert!(
            PAGES.iter().any(|(pm, pp, _)| pm == m && pp == p),
            "{m} {p} has no row in pages::PAGES"
        );
    }
    assert_eq!(
        declared.len(),
        PAGES.len(),
        "PAGES lists a route that does not exist"
    );

    for site in Site::all().await {
        let token_id = site
            .db
            .store
            .create_token("office", "x", None, &common::stamp("test"))
            .await
            .unwrap()
            .1
            .id
            .to_string();
        let mut browsers: Vec<(&str, Browser)> = Vec::new();
        for who in ["admin", "office", "leader", "jtw", "zdq"] {
            browsers.push((who, site.log_in(who).await));
        }
        browsers.push(("anonymous", Browser::default()));
        // A notice on E1.1 to JTW, for the notice pages.
        let notice = tuijin_store::NoticeStore::issue_notice(
            &site.db.store,
            tuijin_store::NewNotice {
                plan: "demo-small".into(),
                items: vec!["E1.1".into()],
                units: vec!["JTW".into()],
                level: 0,
                title: "地铁进度滞后".into(),
                actions: "报送赶工方案".into(),
                reply_by: chrono::NaiveDate::from_ymd_opt(2020, 7, 10).unwrap(),
                facts: vec![],
                prompted_by: Vec::new(),
            },
            &tuijin_core::notice::NoticeSettings::default(),
            &common::stamp("office"),
        )
        .await
        .unwrap()
        .id
        .to_string();
        // A published run of 2019-Q4 with JTW's objection, for the assessment pages.
        let (run, objection) = common::published_run(&site.db.store).await;
        for (method, path, access) in PAGES {
            let code = if path.contains("/figures/") || path.contains("/indicators/") {
                "metro_km"
            } else {
                "E1.1"
            };
            let uri = path
                .replace("{plan}", "demo-small")
                .replace("{code}", code)
                .replace("{notice}", &notice)
                .replace("{run}", &run.to_string())
                .replace("{objection}", &objection.to_string())
                .replace("{unit}", "JTW")
                .replace("{person}", "vm-transport")
                .replace("{id}", &token_id)
                .replace("{brief}", "0123456789abcdef0123456789abcdef");
            let uri = if path.ends_with("/notices/new") && *method == "GET" {
                format!("{uri}?item=E1.1")
            } else {
                uri
            };
            for (who, b) in browsers.iter_mut() {
                let page = site.request(b, method, &uri, &[]).await;
                let to_login = page.status == StatusCode::SEE_OTHER
                    && page
                        .location
                        .as_deref()
                        .is_some_and(|l| l.starts_with("/login"));
                let anonymous = *who == "anonymous";
                let expect_ok = match *access {
                    "public" | "redirect" => true,
                    "read_plan" | "logged_in" => !anonymous,
                    "unit" => matches!(*who, "jtw" | "zdq"),
                    "unit_of_item" => *who == "jtw",
                    "review" | "office" => *who == "office",
                    // metro_km is JTW's; the office files on its behalf.
                    "indicator_owner" => matches!(*who, "jtw" | "office"),
                    "notice_reader" => *who != "zdq" && !anonymous,
                    "briefing" => matches!(*who, "admin" | "office" | "leader"),
                    // No such briefing: the office and leaders learn it is gone.
                    "briefing_job" => false,
                    "form" => false,
                    other => panic!("unknown access {other}"),
                };
                let ctx = format!("{who} {method} {uri}: {} {:?}", page.status, page.location);
                if *access == "form" {
                    // Without the visitor's anti-forgery token every form is refused (or, for a
                    // visitor not logged in, sent to log in first).
                    assert!(
                        page.status == StatusCode::FORBIDDEN || (anonymous && to_login),
                        "{ctx}"
                    );
                } else if expect_ok {
                    assert!(
                        page.status == StatusCode::OK
                            || (page.status == StatusCode::SEE_OTHER && !to_login),
                        "{ctx}"
                    );
                } else if anonymous {
                    assert!(to_login, "{ctx}");
                } else if *access == "briefing_job" && matches!(*who, "admin" | "office" | "leader")
                {
                    assert_eq!(page.status, StatusCode::NOT_FOUND, "{ctx}");
                } else if *access == "notice_reader" {
                    // A unit learns nothing of a notice addressed to others: it is not there.
                    assert_eq!(page.status, StatusCode::NOT_FOUND, "{ctx}");
                } else {
                    assert_eq!(page.status, StatusCode::FORBIDDEN, "{ctx}");
                }
            }
        }
        // An unpublished item does not exist for the public, and is whole for the office.
        let mut anon = Browser::default();
        assert_eq!(
            site.get(&mut anon, "/plans/demo-small/items/E1.2")
                .await
                .status,
            StatusCode::NOT_FOUND
        );
        let public = site.get(&mut anon, "/plans/demo-small/items/E1").await;
        assert_eq!(public.status, StatusCode::OK);
        assert!(
            !public.html.contains("E1.2"),
            "the public sees no unpublished child"
        );
        assert!(
            !public.html.contains("分管副市长"),
            "no people's names for the public"
        );
        let office = &mut browsers[1].1;
        let full = site.get(office, "/plans/demo-small/items/E1").await;
        assert!(full.html.contains("E1.2") && full.html.contains("分管副市长（交通）（副市长）"));
    }
}

#[tokio::test]
async fn a_unit_reports_the_office_accepts_and_the_cockpit_moves() {
    for site in Site::all().await {
        let mut unit = site.log_in("jtw").await;
        let mut office = site.log_in("office").await;
        let before = site.get(&mut office, "/plans/demo-small/items/E1.1").await;
        assert!(before.html.contains("未填报"), "nothing reported yet");

        // The workspace lists the item; the form opens on this period.
        let ws = site.get(&mut unit, "/workspace").await;
        assert_eq!(ws.status, StatusCode::OK);
        assert!(
            ws.html.contains("/workspace/report/demo-small/E1.1"),
            "{}",
            ws.html
        );
        let form = site
            .get(&mut unit, "/workspace/report/demo-small/E1.1")
            .await;
        assert!(form.html.contains("value=\"2020-06\""));
        assert!(
            form.html.contains("地铁运营里程（km）"),
            "the unit owns the item's indicator, so the form asks its figure"
        );
        let csrf = form.csrf();

        // Bad input: every problem shown beside its field, nothing written.
        let bad = site
            .request(
                &mut unit,
                "POST",
                "/workspace/report/demo-small/E1.1",
                &[
                    ("csrf", &csrf),
                    ("unit", "JTW"),
                    ("period", "June"),
                    ("percent", "101"),
                    ("narrative", ""),
                ],
            )
            .await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
        for msg in [
            "报告期格式应为",
            "完成百分比须为 0 到 100",
            "请填写完成情况",
        ] {
            assert!(bad.html.contains(msg), "{msg}");
        }
        assert!(bad.html.contains("field invalid"));
        let none = site
            .db
            .store
            .list_reports(&ReportFilter::default(), 10)
            .await
            .unwrap();
        assert!(none.is_empty(), "nothing written on bad input");

        // Without the token: refused, nothing written.
        let p = site
            .request(
                &mut unit,
                "POST",
                "/workspace/report/demo-small/E1.1",
                &[
                    ("unit", "JTW"),
                    ("period", "2020-06"),
                    ("percent", "60"),
                    ("narrative", "x"),
                ],
            )
            .await;
        assert_eq!(p.status, StatusCode::FORBIDDEN);

        // ZDQ may not report on JTW's item, even by forging the form.
        let mut zdq = site.log_in("zdq").await;
        let zcsrf = site.get(&mut zdq, "/workspace").await.csrf();
        let p = site
            .request(
                &mut zdq,
                "POST",
                "/workspace/report/demo-small/E1.1",
                &[
                    ("csrf", &zcsrf),
                    ("unit", "JTW"),
                    ("period", "2020-06"),
                    ("percent", "60"),
                    ("narrative", "x"),
                ],
            )
            .await;
        assert_eq!(p.status, StatusCode::FORBIDDEN);
        assert!(
            site.db
                .store
                .list_reports(&ReportFilter::default(), 10)
                .await
                .unwrap()
                .is_empty()
        );

        // A good report is submitted.
        let ok = site
            .request(
                &mut unit,
                "POST",
                "/workspace/report/demo-small/E1.1",
                &[
                    ("csrf", &csrf),
                    ("unit", "JTW"),
                    ("period", "2020-06"),
                    ("percent", "60"),
                    ("narrative", "盾构区间贯通"),
                    ("figure", "219.5"),
                ],
            )
            .await;
        assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.html);
        let filed = site
            .db
            .store
            .list_reports(&ReportFilter::default(), 10)
            .await
            .unwrap();
        assert_eq!(
            filed[0].figures.len(),
            1,
            "the indicator figure travels with the report"
        );
        assert_eq!(filed[0].figures[0].value.value(), 219.5);

        // Another unit does not see the report while it is in the workflow.
        let other = site.get(&mut zdq, "/plans/demo-small/items/E1.1").await;
        assert_eq!(other.status, StatusCode::OK);
        assert!(
            !other.html.contains("盾构区间贯通"),
            "another unit's report is not shown"
        );
        let own = site.get(&mut unit, "/plans/demo-small/items/E1.1").await;
        assert!(
            own.html.contains("盾构区间贯通"),
            "the unit sees its own report"
        );

        // The office sees it in the queue and accepts it.
        let queue = site.get(&mut office, "/review").await;
        assert!(queue.html.contains("盾构区间贯通"));
        let r = site
            .db
            .store
            .list_reports(&ReportFilter::default(), 10)
            .await
            .unwrap()
            .remove(0);
        let choice = format!("{}:{}", r.id, r.version);
        let done = site
            .request(
                &mut office,
                "POST",
                "/review",
                &[
                    ("csrf", &queue.csrf()),
                    ("r", &choice),
                    ("action", "accept"),
                    ("comment", ""),
                ],
            )
            .await;
        assert_eq!(done.status, StatusCode::SEE_OTHER);
        assert!(done.location.unwrap().contains("accepted=1"));

        // The item and its parent moved, on the item page and on the cockpit.
        let item = site.get(&mut office, "/plans/demo-small/items/E1.1").await;
        assert!(item.html.contains("60%"), "{}", item.html);
        let cockpit = site.get(&mut office, "/plans/demo-small").await;
        assert_eq!(cockpit.status, StatusCode::OK);
        let tree = site
            .get(&mut office, "/plans/demo-small/tree?open=E1")
            .await;
        assert!(tree.html.contains("60%"), "{}", tree.html);
        let versions = site.db.store.get_plan("demo-small").await.unwrap();
        assert!(versions.item_count > 0);
    }
}

#[tokio::test]
async fn the_api_takes_a_browser_session_but_its_writes_need_the_csrf_header() {
    for site in Site::all().await {
        let mut b = site.log_in("jtw").await;
        let cookie: Vec<String> = b.cookies.iter().map(|(k, v)| format!("{k}={v}")).collect();
        let read = site
            .app
            .clone()
            .oneshot(
                Request::get("/api/v1/plans/demo-small/items/E1.2")
                    .header(header::COOKIE, cookie.join("; "))
                    .body(Body::empty())
                    .unwrap(),
            )
            .await
            .unwrap();
        assert_eq!(
            read.status(),
            StatusCode::OK,
            "a logged-in unit reads unpublished items"
        );
        let body =
            serde_json::json!({"period": "2020-06", "unit": "JTW", "percent": 10}).to_string();
        let write = |csrf: Option<String>| {
            let mut r = Request::post("/api/v1/plans/demo-small/items/E1.1/reports")
                .header(header::COOKIE, cookie.join("; "))
                .header(header::CONTENT_TYPE, "application/json");
            if let Some(c) = csrf {
                r = r.header("x-csrf-token", c);
            }
            r.body(Body::from(body.clone())).unwrap()
        };
        let res = site.app.clone().oneshot(write(None)).await.unwrap();
        assert_eq!(res.status(), StatusCode::FORBIDDEN);
        let csrf = site.get(&mut b, "/workspace").await.csrf();
        let res = site.app.clone().oneshot(write(Some(csrf))).await.unwrap();
        assert_eq!(res.status(), StatusCode::CREATED);
    }
}

#[tokio::test]
async fn languages_switch_and_are_remembered_per_user() {
    for site in Site::all().await {
        let mut b = site.log_in("leader").await;
        let page = site.get(&mut b, "/plans/demo-small").await;
        assert!(page.html.contains("<html lang=\"zh-CN\">"));
        assert!(page.html.contains("驾驶舱"));
        let p = site
            .request(
                &mut b,
                "POST",
                "/lang",
                &[
                    ("csrf", &page.csrf()),
                    ("lang", "en"),
                    ("next", "/plans/demo-small"),
                ],
            )
            .await;
        assert_eq!(p.status, StatusCode::SEE_OTHER);
        // Remembered on the user: a new browser gets English after logging in.
        let mut fresh = site.log_in("leader").await;
        fresh.cookies.remove("tj_lang");
        let en = site.get(&mut fresh, "/plans/demo-small").await;
        assert!(
            en.html.contains("<html lang=\"en\">"),
            "{}",
            &en.html[..200]
        );
        assert!(en.html.contains("Cockpit"));
    }
}

#[tokio::test]
async fn tokens_are_made_shown_once_and_revoked_from_the_account_page() {
    for site in Site::all().await {
        let mut b = site.log_in("leader").await;
        let page = site.get(&mut b, "/account").await;
        assert_eq!(page.status, StatusCode::OK);
        let made = site
            .request(
                &mut b,
                "POST",
                "/account/tokens",
                &[("csrf", &page.csrf()), ("label", "脚本"), ("days", "30")],
            )
            .await;
        assert_eq!(made.status, StatusCode::OK);
        // The token is in its own element; the page's random form tokens may hold "tj_" too.
        let shown = made
            .html
            .find("class=\"secret\">")
            .expect("the new token is shown");
        let at = shown + made.html[shown..].find("tj_").expect("a token");
        let token: String = made.html[at..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '-')
            .collect();
        let api = |token: String| {
            Request::get("/api/v1/plans/demo-small/items/E1.2")
                .header(header::AUTHORIZATION, format!("Bearer {token}"))
                .body(Body::empty())
                .unwrap()
        };
        let res = site.app.clone().oneshot(api(token.clone())).await.unwrap();
        assert_eq!(res.status(), StatusCode::OK, "the token works on the API");
        // Shown once: the account page lists it by prefix only.
        let again = site.get(&mut b, "/account").await;
        assert!(!again.html.contains(&token));
        assert!(again.html.contains("脚本"));
        // Another user cannot revoke it; its owner can.
        let id = site
            .db
            .store
            .list_tokens(Some("leader"))
            .await
            .unwrap()
            .into_iter()
            .find(|t| t.label == "脚本")
            .unwrap()
            .id;
        let mut other = site.log_in("zdq").await;
        let csrf = site.get(&mut other, "/account").await.csrf();
        let p = site
            .request(
                &mut other,
                "POST",
                &format!("/account/tokens/{id}/revoke"),
                &[("csrf", &csrf)],
            )
            .await;
        assert_eq!(p.status, StatusCode::NOT_FOUND);
        let p = site
            .request(
                &mut b,
                "POST",
                &format!("/account/tokens/{id}/revoke"),
                &[("csrf", &again.csrf())],
            )
            .await;
        assert_eq!(p.status, StatusCode::SEE_OTHER);
        let res = site.app.clone().oneshot(api(token)).await.unwrap();
        assert_eq!(
            res.status(),
            StatusCode::UNAUTHORIZED,
            "a revoked token is refused"
        );
    }
}

#[tokio::test]
async fn the_office_closes_a_period_from_the_review_page() {
    for site in Site::all().await {
        let mut office = site.log_in("office").await;
        let page = site.get(&mut office, "/review").await;
        assert!(page.html.contains("/review/close"));
        let p = site
            .request(
                &mut office,
                "POST",
                "/review/close",
                &[
                    ("csrf", &page.csrf()),
                    ("plan", "demo-small"),
                    ("period", "2020-05"),
                ],
            )
            .await;
        assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.html);
        let after = site.get(&mut office, "/review?closed=2020-05").await;
        assert!(after.html.contains("2020-05"));
        // A unit can no longer report on May.
        let mut unit = site.log_in("jtw").await;
        let csrf = site.get(&mut unit, "/workspace").await.csrf();
        let refused = site
            .request(
                &mut unit,
                "POST",
                "/workspace/report/demo-small/E1.1",
                &[
                    ("csrf", &csrf),
                    ("unit", "JTW"),
                    ("period", "2020-05"),
                    ("percent", "50"),
                    ("narrative", "迟到的填报"),
                ],
            )
            .await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(refused.html.contains("已由推进办关账"), "{}", refused.html);
        // A unit may not close periods.
        let p = site
            .request(
                &mut unit,
                "POST",
                "/review/close",
                &[
                    ("csrf", &csrf),
                    ("plan", "demo-small"),
                    ("period", "2020-06"),
                ],
            )
            .await;
        assert_eq!(p.status, StatusCode::FORBIDDEN);
        assert_eq!(
            tuijin_store::ReportStore::closed_periods(&site.db.store, "demo-small")
                .await
                .unwrap()
                .iter()
                .map(|c| c.period.to_string())
                .collect::<Vec<_>>(),
            ["2020-05"]
        );
    }
}

/// The review queue says, per report, the item's title, the unit's role, its previous accepted
/// figure and the change, and flags a jump or a fall (a reviewer must not accept 61 → 95 by
/// reflex).
#[tokio::test]
async fn the_review_queue_shows_role_previous_figure_and_flags_jumps_and_falls() {
    use tuijin_core::Percent;
    use tuijin_core::report::{Period, ReportContent};
    use tuijin_store::NewReport;
    for site in Site::all().await {
        let s = &site.db.store;
        let file = |period: &str, percent: f64, problems: &str| NewReport {
            plan: "demo-small".into(),
            item: "E1.1".into(),
            period: Period::parse(period).unwrap(),
            unit: "JTW".into(),
            content: ReportContent {
                percent: Some(Percent::new(percent).unwrap()),
                narrative: format!("{period} 进展"),
                problems: problems.into(),
                ..Default::default()
            },
        };
        let st = common::stamp("jtw");
        let r = s
            .create_report(file("2020-03", 30.0, ""), &st)
            .await
            .unwrap();
        let r = s.submit_report(r.id, r.version, &st).await.unwrap();
        s.accept_report(r.id, r.version, "", &common::stamp("office"))
            .await
            .unwrap();
        // April: a jump from 30 to 65.
        let r = s
            .create_report(file("2020-04", 65.0, ""), &st)
            .await
            .unwrap();
        s.submit_report(r.id, r.version, &st).await.unwrap();
        let mut office = site.log_in("office").await;
        let queue = site.get(&mut office, "/review").await;
        assert_eq!(queue.status, StatusCode::OK);
        let h = &queue.html;
        assert!(
            h.contains("地铁运营里程超过300公里"),
            "the item's title: {h}"
        );
        assert!(h.contains("牵头"), "the unit's role");
        assert!(
            h.contains("30%") && h.contains("65%"),
            "previous and new figures"
        );
        assert!(
            h.contains("flag jump") && h.contains("+35"),
            "a jump is flagged: {h}"
        );
        // The same as an API reader sees it.
        let api = s
            .list_reports(
                &ReportFilter {
                    state: Some(tuijin_core::report::ReportState::Submitted),
                    ..Default::default()
                },
                10,
            )
            .await
            .unwrap();
        assert_eq!(api[0].previous_percent.map(|p| p.value()), Some(30.0));

        // Returned, and refiled lower than the accepted 30 (with the reason the rule asks for).
        let r = api[0].clone();
        let r = s
            .return_report(r.id, r.version, "请核实", &common::stamp("office"))
            .await
            .unwrap();
        let r = s
            .edit_report(
                r.id,
                r.version,
                tuijin_store::ReportEdit {
                    percent: Some(Some(Percent::new(20.0).unwrap())),
                    problems: Some("盾构机故障，重新核定".into()),
                    ..Default::default()
                },
                &st,
            )
            .await
            .unwrap();
        s.submit_report(r.id, r.version, &st).await.unwrap();
        let queue = site.get(&mut office, "/review").await;
        assert!(
            queue.html.contains("flag fall") && queue.html.contains("-10"),
            "a fall is flagged: {}",
            queue.html
        );
        assert!(queue.html.contains("盾构机故障"), "with the reason given");
    }
}

/// The warnings page is the office's chase list: most severe first, then the oldest; the lead
/// unit and the leader to call; filters; and a parent explained by warnings below shows how
/// many instead of a lag warning of its own.
#[tokio::test]
async fn the_warnings_page_is_a_chase_list() {
    use tuijin_store::{WarningFilter, WarningStore};
    for site in Site::all().await {
        let s = &site.db.store;
        // 2018-01-20 in the small plan: E1.2 overdue, E1.1's December report missing.
        use tuijin_core::clock::Clock;
        let st = tuijin_core::clock::FixedClock::on(
            chrono::NaiveDate::from_ymd_opt(2018, 1, 20).unwrap(),
        )
        .stamp("job", tuijin_core::clock::DEFAULT_TZ);
        s.refresh_warnings("demo-small", &st).await.unwrap();
        let all = s
            .list_warnings(
                &WarningFilter {
                    plan: Some("demo-small".into()),
                    ..Default::default()
                },
                100,
            )
            .await
            .unwrap();
        assert!(!all.is_empty());
        // Overdue since the day after its due date, not since the refresh.
        let overdue = all.iter().find(|w| w.item == "E1.2").unwrap();
        assert_eq!(overdue.raised_on.to_string(), "2018-01-01");
        // E1 lags only because of its children: no lag warning of its own.
        assert!(
            !all.iter()
                .any(|w| w.item == "E1" && w.kind.family() == tuijin_core::warning::Family::Lag),
            "{all:?}"
        );
        let mut office = site.log_in("office").await;
        let p = site.get(&mut office, "/plans/demo-small/warnings").await;
        assert_eq!(p.status, StatusCode::OK);
        assert!(
            p.html.contains("E1.2") && p.html.contains("sev-high"),
            "{}",
            p.html
        );
        assert!(p.html.contains("市交通运输委员会"), "the lead unit by name");
        // Details in the reader's language, from the catalogue (not English from core).
        assert!(p.html.contains("已过完成时限 2017-12-31"), "{}", p.html);
        let only = site
            .get(
                &mut office,
                "/plans/demo-small/warnings?kind=report_missing",
            )
            .await;
        assert!(!only.html.contains("sev-high"), "filtered to one kind");
        let parent = site.get(&mut office, "/plans/demo-small/items/E1").await;
        assert!(
            parent.html.contains("/plans/demo-small/warnings?branch=E1"),
            "the parent points to the warnings below it"
        );
        // The API pages through the same list with a cursor.
        let t = s
            .create_token("office", "t", None, &common::stamp("test"))
            .await
            .unwrap()
            .0;
        let mut seen = Vec::new();
        let mut uri = "/api/v1/warnings?plan=demo-small&limit=1".to_string();
        loop {
            let res = site
                .app
                .clone()
                .oneshot(
                    Request::get(&uri)
                        .header(header::AUTHORIZATION, format!("Bearer {t}"))
                        .body(Body::empty())
                        .unwrap(),
                )
                .await
                .unwrap();
            assert_eq!(res.status(), StatusCode::OK, "{uri}");
            let v: serde_json::Value = serde_json::from_slice(
                &axum::body::to_bytes(res.into_body(), 1 << 20)
                    .await
                    .unwrap(),
            )
            .unwrap();
            for w in v["items"].as_array().unwrap() {
                seen.push(w["id"].as_i64().unwrap());
            }
            match v["next_cursor"].as_str() {
                Some(c) => uri = format!("/api/v1/warnings?plan=demo-small&limit=1&cursor={c}"),
                None => break,
            }
        }
        let ids: Vec<i64> = all.iter().map(|w| w.id).collect();
        assert_eq!(
            seen, ids,
            "one page at a time, the same order, nothing twice"
        );
    }
}

/// The leader's first screen answers "are we on track?": the stage goal and its parts, the
/// supporting projects with their hard targets, the key indicators, whom to call. Leaders see
/// it first; the office keeps its working view first.
#[tokio::test]
async fn the_leaders_cockpit_answers_are_we_on_track() {
    for site in Site::all().await {
        let mut leader = site.log_in("leader").await;
        let p = site.get(&mut leader, "/plans/demo-small").await;
        assert_eq!(p.status, StatusCode::OK);
        let h = &p.html;
        let at = |needle: &str| {
            h.find(needle)
                .unwrap_or_else(|| panic!("{needle} missing: {h}"))
        };
        // The leader's view comes before the office's overall figure.
        assert!(at("能否如期完成") < at("id=\"overall\""));
        assert!(h.contains("支撑性工程及硬指标"));
        // E1's hard target, the metro's 300 km, with the item's status.
        assert!(h.contains("E1.1") && h.contains("300 公里"), "{h}");
        assert!(h.contains("关键指标与目标") && h.contains("地铁运营里程"));
        // A hard target measured by an indicator stands as its figures say: metro at 100 km
        // at the end of 2019, far below its path to 300, is off track whatever E1.1 reports.
        use tuijin_store::{Actual, DirectoryStore};
        site.db
            .store
            .record_actuals(
                "demo-small",
                &[Actual {
                    indicator: tuijin_core::Code::parse("metro_km").unwrap(),
                    period: "2019".into(),
                    period_end: chrono::NaiveDate::from_ymd_opt(2019, 12, 31).unwrap(),
                    value: tuijin_core::report::FigureValue::new(100.0).unwrap(),
                    source: "test".into(),
                    report: None,
                    entry: Default::default(),
                }],
                &common::stamp("office"),
            )
            .await
            .unwrap();
        let p = site.get(&mut leader, "/plans/demo-small").await;
        let targets =
            &p.html[p.html.find("硬指标").unwrap()..p.html.find("关键指标与目标").unwrap()];
        assert!(targets.contains("st-off_track"), "{targets}");
        let mut office = site.log_in("office").await;
        let o = site.get(&mut office, "/plans/demo-small").await;
        let at = |needle: &str| o.html.find(needle).unwrap();
        assert!(
            at("id=\"overall\"") < at("能否如期完成"),
            "the office's working view first"
        );
        // A positioning's page explains it as measured, not as a report still missing.
        let p1 = site.get(&mut office, "/plans/demo-small/items/P1").await;
        assert!(p1.html.contains("不单独填报"), "{}", p1.html);
        assert!(!p1.html.contains("尚无已采纳的填报"));
    }
}

/// The report form shows what the office last accepted from the unit; an item accepted as
/// done asks for no further reports; times are shown in the plan's time zone.
#[tokio::test]
async fn the_form_shows_the_last_accepted_report_and_done_items_ask_for_none() {
    use tuijin_core::Percent;
    use tuijin_core::report::{Period, ReportContent};
    use tuijin_store::NewReport;
    for site in Site::all().await {
        let s = &site.db.store;
        let st = common::stamp("jtw");
        for (item, period, percent) in [("E1.1", "2020-05", 30.0), ("E1.2", "2020-05", 100.0)] {
            let r = s
                .create_report(
                    NewReport {
                        plan: "demo-small".into(),
                        item: item.into(),
                        period: Period::parse(period).unwrap(),
                        unit: "JTW".into(),
                        content: ReportContent {
                            percent: Some(Percent::new(percent).unwrap()),
                            narrative: "盾构推进".into(),
                            ..Default::default()
                        },
                    },
                    &st,
                )
                .await
                .unwrap();
            let r = s.submit_report(r.id, r.version, &st).await.unwrap();
            s.accept_report(r.id, r.version, "", &common::stamp("office"))
                .await
                .unwrap();
        }
        let mut jtw = site.log_in("jtw").await;
        let form = site
            .get(&mut jtw, "/workspace/report/demo-small/E1.1")
            .await;
        assert!(
            form.html.contains("上次认定：2020-05 为 30%"),
            "{}",
            form.html
        );
        let ws = site.get(&mut jtw, "/workspace").await;
        assert!(ws.html.contains("/workspace/report/demo-small/E1.1"));
        assert!(
            !ws.html.contains("/workspace/report/demo-small/E1.2"),
            "a done milestone asks for no report"
        );
        let mut office = site.log_in("office").await;
        let item = site.get(&mut office, "/plans/demo-small/items/E1.1").await;
        assert!(
            item.html.contains("(UTC+08:00)"),
            "history times in the plan's zone"
        );
    }
}

/// A unit that owns an indicator files its figures from its workspace, per indicator:
/// problems beside the fields and nothing written on bad input; the figure on record after.
#[tokio::test]
async fn an_indicators_owner_files_figures_from_the_workspace() {
    for site in Site::all().await {
        let mut unit = site.log_in("jtw").await;
        let ws = site.get(&mut unit, "/workspace").await;
        assert!(ws.html.contains("我负责的指标"), "{}", ws.html);
        assert!(
            ws.html
                .contains("href=\"/workspace/figures/demo-small/metro_km\""),
            "{}",
            ws.html
        );
        let form = site
            .get(&mut unit, "/workspace/figures/demo-small/metro_km")
            .await;
        assert_eq!(form.status, StatusCode::OK);
        assert!(form.html.contains("年度，写作 YYYY"), "{}", form.html);
        let csrf = form.csrf();
        let bad = site
            .request(
                &mut unit,
                "POST",
                "/workspace/figures/demo-small/metro_km",
                &[
                    ("csrf", &csrf),
                    ("period", "2020"),
                    ("value", "200"),
                    ("source", ""),
                ],
            )
            .await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
        for msg in ["尚未结束", "field invalid"] {
            assert!(bad.html.contains(msg), "{msg}: {}", bad.html);
        }
        let none = site
            .db
            .store
            .indicator_actuals("demo-small", "metro_km")
            .await
            .unwrap();
        assert!(none.is_empty(), "nothing written on bad input");
        let ok = site
            .request(
                &mut unit,
                "POST",
                "/workspace/figures/demo-small/metro_km",
                &[
                    ("csrf", &csrf),
                    ("period", "2019"),
                    ("value", "151.8"),
                    ("source", "郑州市2019年统计公报"),
                ],
            )
            .await;
        assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.html);
        let after = site.get(&mut unit, ok.location.as_deref().unwrap()).await;
        assert!(after.html.contains("数值已提交"), "{}", after.html);
        assert!(after.html.contains("郑州市2019年统计公报"));
        assert!(
            after.html.contains("待审核"),
            "waiting for the office: {}",
            after.html
        );
        // The office sees it on the review page and accepts it there.
        let mut office = site.log_in("office").await;
        let review = site.get(&mut office, "/review").await;
        assert!(review.html.contains("待审核的指标数值"), "{}", review.html);
        let id = site
            .db
            .store
            .indicator_actuals("demo-small", "metro_km")
            .await
            .unwrap()[0]
            .entry
            .id
            .unwrap();
        let accepted = site
            .request(
                &mut office,
                "POST",
                &format!("/review/figures/demo-small/{id}"),
                &[
                    ("csrf", &review.csrf()),
                    ("action", "accept"),
                    ("comment", ""),
                ],
            )
            .await;
        assert_eq!(accepted.status, StatusCode::SEE_OTHER, "{}", accepted.html);
        let counted = site
            .db
            .store
            .indicator_actuals("demo-small", "metro_km")
            .await
            .unwrap();
        assert_eq!(
            counted[0].entry.state,
            tuijin_core::indicator::FigureState::Accepted
        );
        // Another unit may not open the form.
        let mut other = site.log_in("zdq").await;
        let no = site
            .get(&mut other, "/workspace/figures/demo-small/metro_km")
            .await;
        assert_eq!(no.status, StatusCode::FORBIDDEN);
    }
}

/// A co-operating unit's accepted report is its contribution: shown on the item page and to
/// the lead unit in its workspace, and it leaves the item's figure alone.
#[tokio::test]
async fn the_lead_sees_what_co_operating_units_contribute() {
    use tuijin_core::report::{Period, ReportContent};
    for site in Site::all().await {
        let s = &site.db.store;
        let src = std::fs::read_to_string(format!(
            "{}/../../tests/fixtures/small.toml",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap()
        .replace(
            "lead = \"JTW\"\nstart = 2017-08-14\ndue = 2020-12-31\nweight = 2",
            "lead = \"JTW\"\nco = [\"ZDQ\"]\nstart = 2017-08-14\ndue = 2020-12-31\nweight = 2",
        );
        let doc = tuijin_export::read_plan("small.toml", &src).unwrap();
        assert_eq!(
            doc.items
                .iter()
                .find(|i| i.code.as_str() == "E1.1")
                .unwrap()
                .co
                .len(),
            1
        );
        s.import_plan(&doc, &common::stamp("office")).await.unwrap();
        let st = common::stamp("zdq");
        let r = s
            .create_report(
                tuijin_store::NewReport {
                    plan: "demo-small".into(),
                    item: "E1.1".into(),
                    period: Period::parse("2020-05").unwrap(),
                    unit: "ZDQ".into(),
                    content: ReportContent {
                        percent: Some(tuijin_core::Percent::new(95.0).unwrap()),
                        narrative: "我区承担的站点征迁完成".into(),
                        ..Default::default()
                    },
                },
                &st,
            )
            .await
            .unwrap();
        let r = s.submit_report(r.id, r.version, &st).await.unwrap();
        s.accept_report(r.id, r.version, "", &common::stamp("office"))
            .await
            .unwrap();
        let progress = tuijin_store::ProgressStore::plan_progress(s, "demo-small", None)
            .await
            .unwrap();
        assert_eq!(
            progress["E1.1"].percent, None,
            "the figure is the lead's alone"
        );

        let mut lead = site.log_in("jtw").await;
        let ws = site.get(&mut lead, "/workspace").await;
        assert!(ws.html.contains("配合单位报告："), "{}", ws.html);
        assert!(ws.html.contains("95%"), "{}", ws.html);
        let page = site.get(&mut lead, "/plans/demo-small/items/E1.1").await;
        assert!(page.html.contains("id=\"contributions\""), "{}", page.html);
        assert!(page.html.contains("不计入"), "{}", page.html);
        assert!(page.html.contains("2020-05"));
    }
}

/// The timeline's header keeps its labels apart: years on the first line, stage ends on the
/// second, today on the third, so a stage ending near today never overlaps it.
#[tokio::test]
async fn the_timeline_header_labels_do_not_overlap() {
    for site in Site::all().await {
        let mut b = site.log_in("office").await;
        let page = site.get(&mut b, "/plans/demo-small/timeline").await;
        assert_eq!(page.status, StatusCode::OK);
        let today = page
            .html
            .find("今天 2020-06-30")
            .expect("today is labelled");
        let tag = &page.html[page.html[..today].rfind("<text").unwrap()..today];
        assert!(tag.contains("y=\"46\""), "{tag}");
        let stage = page.html.find(">近期</text>").map(|at| {
            let t = &page.html[page.html[..at].rfind("<text").unwrap()..at];
            t.contains("y=\"30\"")
        });
        assert_ne!(stage, Some(false), "stage labels on their own line");
        for year in page.html.match_indices("font-size=\"11\" fill=\"#57606a\"") {
            let t = &page.html[page.html[..year.0].rfind("<text").unwrap()..year.0];
            assert!(t.contains("y=\"14\""), "{t}");
        }
        // Two stages ending ten days apart: the second's label would run into the first's, so
        // only its line (with the name as a tooltip) is drawn.
        let src = std::fs::read_to_string(format!(
            "{}/../../tests/fixtures/small.toml",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap()
        .replace(
            "end = 2020-12-31\n\n[[level]]",
            "end = 2020-12-31\n\n[[stage]]\ncode = \"S2020b\"\ntitle = \"近期补充阶段\"\nend = 2020-12-21\n\n[[level]]",
        );
        let doc = tuijin_export::read_plan("small.toml", &src).unwrap();
        assert_eq!(doc.plan.stages.len(), 2);
        site.db
            .store
            .import_plan(&doc, &common::stamp("office"))
            .await
            .unwrap();
        let page = site.get(&mut b, "/plans/demo-small/timeline").await;
        let labels = page
            .html
            .matches("fill=\"#8c6d1f\" text-anchor=\"end\"")
            .count();
        assert_eq!(labels, 1, "one label drawn, the other a tooltip");
        assert!(page.html.contains("<title>近期补充阶段 2020-12-21</title>"));
    }
}

/// One notice from the item page to 销号: the office issues it, the unit signs and replies
/// from its workspace, the office closes it; the trail shows every step, and another unit
/// may not see it.
#[tokio::test]
async fn a_notice_goes_from_issue_to_close_in_the_pages() {
    for site in Site::all().await {
        let mut office = site.log_in("office").await;
        let item = site.get(&mut office, "/plans/demo-small/items/E1.1").await;
        assert!(
            item.html
                .contains("/plans/demo-small/notices/new?item=E1.1"),
            "the item page offers to issue one"
        );
        let form = site
            .get(&mut office, "/plans/demo-small/notices/new?item=E1.1")
            .await;
        assert_eq!(form.status, StatusCode::OK);
        let csrf = form.csrf();
        // Bad input: every problem beside its field, no notice.
        let bad = site
            .request(
                &mut office,
                "POST",
                "/plans/demo-small/notices/new",
                &[
                    ("csrf", &csrf),
                    ("item", "E1.1"),
                    ("level", "blue"),
                    ("title", ""),
                    ("actions", ""),
                    ("reply_by", "2020-06-01"),
                ],
            )
            .await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(bad.html.contains("field invalid"), "{}", bad.html);
        let issued = site
            .request(
                &mut office,
                "POST",
                "/plans/demo-small/notices/new",
                &[
                    ("csrf", &csrf),
                    ("item", "E1.1"),
                    ("units", "JTW"),
                    ("level", "yellow"),
                    ("title", "地铁建设进度滞后"),
                    ("actions", "报送赶工方案"),
                    ("reply_by", "2020-07-10"),
                ],
            )
            .await;
        assert_eq!(issued.status, StatusCode::SEE_OTHER, "{}", issued.html);
        let at = issued.location.clone().unwrap();
        let page = site.get(&mut office, &at).await;
        assert!(page.html.contains("督办〔2020〕1号"), "{}", page.html);
        assert!(page.html.contains("lvl-yellow"));
        assert!(page.html.contains("交办时的情况"), "the facts, frozen");
        assert!(
            page.html
                .contains("class=\"letterhead\">示例规划推进办公室"),
            "the office's letterhead from the plan's settings"
        );
        assert!(page.html.contains("督查科 0371-00000000"));
        // Another unit may not see it.
        let mut zdq = site.log_in("zdq").await;
        assert_eq!(site.get(&mut zdq, &at).await.status, StatusCode::NOT_FOUND);
        // The unit finds it in its workspace, signs, and replies.
        let mut jtw = site.log_in("jtw").await;
        let ws = site.get(&mut jtw, "/workspace").await;
        assert!(ws.html.contains("待办督办单"), "{}", ws.html);
        assert!(
            ws.html.contains("class=\"badge\""),
            "the count in the unit's navigation"
        );
        let mine = site.get(&mut jtw, &at).await;
        let act = |action: &'static str, text: &'static str, version: String, csrf: String| {
            vec![
                ("csrf".to_string(), csrf),
                ("version".to_string(), version),
                ("action".to_string(), action.to_string()),
                ("text".to_string(), text.to_string()),
            ]
        };
        let version = |html: &str| {
            let at = html.find("name=\"version\" value=\"").unwrap() + 22;
            html[at..].split('"').next().unwrap().to_string()
        };
        let csrf_j = mine.csrf();
        let r = site
            .request(
                &mut jtw,
                "POST",
                &format!("{at}/act"),
                &act("sign", "", version(&mine.html), csrf_j.clone())
                    .iter()
                    .map(|(k, v)| (k.as_str(), v.as_str()))
                    .collect::<Vec<_>>(),
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.html);
        let mine = site.get(&mut jtw, &at).await;
        let r = site
            .request(
                &mut jtw,
                "POST",
                &format!("{at}/act"),
                &act(
                    "reply",
                    "已报送赶工方案",
                    version(&mine.html),
                    csrf_j.clone(),
                )
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str()))
                .collect::<Vec<_>>(),
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.html);
        let ws = site.get(&mut jtw, "/workspace").await;
        assert!(!ws.html.contains("class=\"badge\""), "answered: no count");
        // The unit may not close it; the office does.
        let theirs = site.get(&mut office, &at).await;
        assert!(theirs.html.contains("已报送赶工方案"));
        let r = site
            .request(
                &mut office,
                "POST",
                &format!("{at}/act"),
                &act("close", "", version(&theirs.html), theirs.csrf())
                    .iter()
                    .map(|(k, v)| (k.as_str(), v.as_str()))
                    .collect::<Vec<_>>(),
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.html);
        let done = site.get(&mut office, &at).await;
        assert!(done.html.contains("已销号"), "{}", done.html);
        for step in ["督办单交办", "督办单签收", "督办单反馈", "督办单销号"] {
            assert!(done.html.contains(step), "{step}");
        }
        // The board lists it.
        let board = site.get(&mut office, "/plans/demo-small/notices").await;
        assert!(board.html.contains("督办〔2020〕1号"));
    }
}

/// The office works the proposal queue in the pages: a proposal with the warnings behind it,
/// dismissed only with a reason, the notice form starting from a proposal's text, and several
/// issued at once from ticked boxes.
#[tokio::test]
async fn the_office_works_the_proposal_queue_in_the_pages() {
    for site in Site::all().await {
        tuijin_store::WarningStore::refresh_warnings(
            &site.db.store,
            "demo-small",
            &common::stamp("office"),
        )
        .await
        .unwrap();
        let mut office = site.log_in("office").await;
        let cockpit = site.get(&mut office, "/plans/demo-small").await;
        assert!(
            cockpit.html.contains("/plans/demo-small/notices/proposals"),
            "the cockpit counts the proposals"
        );
        let q = site
            .get(&mut office, "/plans/demo-small/notices/proposals")
            .await;
        assert_eq!(q.status, StatusCode::OK);
        assert!(q.html.contains("value=\"E1.1\""), "{}", q.html);
        assert!(q.html.contains("value=\"E1.2\""), "{}", q.html);
        let csrf = q.csrf();
        // Dismissing without a reason is refused and changes nothing.
        let bad = site
            .request(
                &mut office,
                "POST",
                "/plans/demo-small/notices/proposals/dismiss",
                &[("csrf", &csrf), ("item", "E1.1"), ("reason", "")],
            )
            .await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(bad.html.contains("value=\"E1.1\""));
        // The notice form starts from the proposal: its reply date and text.
        let form = site
            .get(&mut office, "/plans/demo-small/notices/new?item=E1.2")
            .await;
        assert!(form.html.contains("经监测发现"), "{}", form.html);
        assert!(form.html.contains("2020-07-15"));
        let ok = site
            .request(
                &mut office,
                "POST",
                "/plans/demo-small/notices/proposals/dismiss",
                &[
                    ("csrf", &csrf),
                    ("item", "E1.1"),
                    ("reason", "已列入专题调度会"),
                ],
            )
            .await;
        assert_eq!(ok.status, StatusCode::SEE_OTHER);
        let q = site
            .get(&mut office, "/plans/demo-small/notices/proposals")
            .await;
        assert!(!q.html.contains("value=\"E1.1\""), "dismissed");
        assert!(
            q.html.contains("已列入专题调度会"),
            "listed with its reason"
        );
        let issued = site
            .request(
                &mut office,
                "POST",
                "/plans/demo-small/notices/proposals/issue",
                &[("csrf", &csrf), ("items", "E1.2")],
            )
            .await;
        assert_eq!(issued.status, StatusCode::SEE_OTHER, "{}", issued.html);
        let board = site.get(&mut office, "/plans/demo-small/notices").await;
        assert!(board.html.contains("督办〔2020〕1号"), "{}", board.html);
        let q = site
            .get(&mut office, "/plans/demo-small/notices/proposals")
            .await;
        assert!(!q.html.contains("value=\"E1.2\""), "an open notice ends it");
        // Nothing ticked: refused, nothing issued.
        let none = site
            .request(
                &mut office,
                "POST",
                "/plans/demo-small/notices/proposals/issue",
                &[("csrf", &csrf)],
            )
            .await;
        assert_eq!(none.status, StatusCode::UNPROCESSABLE_ENTITY);
    }
}

/// Evidence in the pages: a unit attaches files in the report form and in a notice's reply;
/// a disguised file refuses the whole form and nothing is written; the files are listed and
/// download as attachments for the office, and not for another unit.
#[tokio::test]
async fn evidence_goes_with_a_report_and_a_reply_in_the_pages() {
    const PDF: &[u8] = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n";
    for site in Site::all().await {
        let mut jtw = site.log_in("jtw").await;
        let uri = "/workspace/report/demo-small/E1.1";
        let form = site.get(&mut jtw, uri).await;
        assert!(form.html.contains("enctype=\"multipart/form-data\""));
        assert!(form.html.contains("type=\"file\""));
        let csrf = form.csrf();
        let fields = |action: &'static str| {
            vec![
                ("csrf", csrf.clone()),
                ("unit", "JTW".to_string()),
                ("period", "2020-06".to_string()),
                ("percent", "60".to_string()),
                ("narrative", "盾构推进顺利".to_string()),
                ("action", action.to_string()),
            ]
        };
        let f = fields("draft");
        let pairs: Vec<(&str, &str)> = f.iter().map(|(k, v)| (*k, v.as_str())).collect();
        // A page named like a PDF: the form is refused whole, no draft is saved.
        let bad = site
            .upload(
                &mut jtw,
                uri,
                &pairs,
                &[("evidence", "纪要.pdf", b"<html><script>alert(1)</script>")],
            )
            .await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bad.html);
        assert!(bad.html.contains("纪要.pdf"), "the refusal names the file");
        let reports = tuijin_store::ReportStore::list_reports(
            &site.db.store,
            &tuijin_store::ReportFilter::default(),
            100,
        )
        .await
        .unwrap();
        assert!(reports.iter().all(|r| r.period.to_string() != "2020-06"));
        let ok = site
            .upload(&mut jtw, uri, &pairs, &[("evidence", "会议纪要.pdf", PDF)])
            .await;
        assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.html);
        let again = site
            .get(
                &mut jtw,
                "/workspace/report/demo-small/E1.1?period=2020-06&unit=JTW",
            )
            .await;
        assert!(again.html.contains("会议纪要.pdf"), "{}", again.html);
        let at = again.html.find("/api/v1/evidence/").unwrap();
        let href: String = again.html[at..].chars().take_while(|c| *c != '"').collect();
        // Submitted with the form, then the office downloads it; another unit cannot.
        let f = fields("submit");
        let pairs: Vec<(&str, &str)> = f.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let sent = site.upload(&mut jtw, uri, &pairs, &[]).await;
        assert_eq!(sent.status, StatusCode::SEE_OTHER, "{}", sent.html);
        let mut office = site.log_in("office").await;
        let review = site.get(&mut office, "/review").await;
        assert!(
            review.html.contains("会议纪要.pdf"),
            "the office reviews the report with its files"
        );
        let item = site.get(&mut office, "/plans/demo-small/items/E1.1").await;
        assert!(
            item.html.contains("会议纪要.pdf"),
            "and sees them on the item"
        );
        let file = site.get(&mut office, &href).await;
        assert_eq!(file.status, StatusCode::OK);
        assert_eq!(file.html.as_bytes(), PDF);
        let mut zdq = site.log_in("zdq").await;
        assert_eq!(
            site.get(&mut zdq, &href).await.status,
            StatusCode::NOT_FOUND
        );

        // A reply with its evidence.
        let n = tuijin_store::NoticeStore::issue_notice(
            &site.db.store,
            tuijin_store::NewNotice {
                plan: "demo-small".into(),
                items: vec!["E1.1".into()],
                units: vec!["JTW".into()],
                level: 0,
                title: "地铁进度".into(),
                actions: "报送方案".into(),
                reply_by: chrono::NaiveDate::from_ymd_opt(2020, 7, 10).unwrap(),
                facts: vec![],
                prompted_by: vec![],
            },
            &tuijin_core::notice::NoticeSettings::default(),
            &common::stamp("office"),
        )
        .await
        .unwrap();
        let page = site.get(&mut jtw, &format!("/notices/{}", n.id)).await;
        let csrf = page.csrf();
        let version = n.version.to_string();
        let replied = site
            .upload(
                &mut jtw,
                &format!("/notices/{}/act", n.id),
                &[
                    ("csrf", &csrf),
                    ("version", &version),
                    ("action", "reply"),
                    ("text", "已制定赶工方案"),
                ],
                &[(
                    "evidence",
                    "赶工方案.txt",
                    "一、增加盾构机两台\n".as_bytes(),
                )],
            )
            .await;
        assert_eq!(replied.status, StatusCode::SEE_OTHER, "{}", replied.html);
        let page = site.get(&mut office, &format!("/notices/{}", n.id)).await;
        assert!(page.html.contains("赶工方案.txt"), "{}", page.html);
    }
}

/// The id at the end of a `/assessments/{id}` redirect.
fn run_id(p: &common::site::Page) -> i64 {
    let to = p.location.as_deref().unwrap_or_default();
    to.trim_start_matches("/assessments/")
        .split(['/', '#'])
        .next()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("not a run: {to}"))
}

#[tokio::test]
async fn an_assessment_is_run_locked_published_objected_to_and_corrected_in_the_pages() {
    use tuijin_store::AssessStore;
    for site in Site::all().await {
        let mut office = site.log_in("office").await;
        let mut jtw = site.log_in("jtw").await;
        let mut zdq = site.log_in("zdq").await;
        let mut leader = site.log_in("leader").await;
        let list = site.get(&mut office, "/plans/demo-small/assessments").await;
        assert_eq!(list.status, StatusCode::OK);
        assert!(list.html.contains("尚未载入考核方案"), "{}", list.html);

        // A scheme with a problem: located by line and column, and nothing is loaded.
        let page = site
            .get(&mut office, "/plans/demo-small/assessments/scheme")
            .await;
        let csrf = page.csrf();
        let bad = common::ASSESS_SCHEME.replace("weight = 30", "weight = 31");
        let refused = site
            .request(
                &mut office,
                "POST",
                "/plans/demo-small/assessments/scheme",
                &[("csrf", &csrf), ("source", &bad)],
            )
            .await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            refused.html.contains("行第") && refused.html.contains("category[0]"),
            "{}",
            refused.html
        );
        assert!(
            site.db
                .store
                .scheme_of("demo-small")
                .await
                .unwrap()
                .is_none()
        );
        let loaded = site
            .request(
                &mut office,
                "POST",
                "/plans/demo-small/assessments/scheme",
                &[("csrf", &csrf), ("source", common::ASSESS_SCHEME)],
            )
            .await;
        assert_eq!(loaded.status, StatusCode::SEE_OTHER, "{}", loaded.html);
        let scheme = site
            .get(&mut office, "/plans/demo-small/assessments/scheme")
            .await;
        assert!(scheme.html.contains("测试考核方案") && scheme.html.contains("按时报送"));

        // A period not yet ended, and one that is no period: refused with the reason.
        for (period, says) in [("2020-Q3", "2020-Q3"), ("2019-Q5", "不是考核期")] {
            let p = site
                .request(
                    &mut office,
                    "POST",
                    "/plans/demo-small/assessments",
                    &[("csrf", &csrf), ("period", period)],
                )
                .await;
            assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY, "{period}");
            assert!(p.html.contains(says), "{period}: {}", p.html);
        }
        assert!(
            site.db
                .store
                .list_assessments("demo-small", false)
                .await
                .unwrap()
                .is_empty()
        );
        let made = site
            .request(
                &mut office,
                "POST",
                "/plans/demo-small/assessments",
                &[("csrf", &csrf), ("period", "2019-Q4")],
            )
            .await;
        assert_eq!(made.status, StatusCode::SEE_OTHER, "{}", made.html);
        let id = run_id(&made);
        let href = format!("/assessments/{id}");

        // A draft is the office's alone.
        assert_eq!(
            site.get(&mut jtw, &href).await.status,
            StatusCode::NOT_FOUND
        );
        let theirs = site.get(&mut jtw, "/plans/demo-small/assessments").await;
        assert!(!theirs.html.contains(&href));
        let draft = site.get(&mut office, &href).await;
        assert!(draft.html.contains("草稿") && draft.html.contains("全部单位"));
        assert!(draft.html.contains(&format!("{href}/units/JTW")));
        let act = |action: &'static str, version: i64| {
            vec![
                ("csrf", csrf.clone()),
                ("action", action.to_string()),
                ("version", version.to_string()),
            ]
        };
        let post = |b: &mut Browser, uri: String, form: Vec<(&'static str, String)>| {
            let site = &site;
            let mut b = std::mem::take(b);
            async move {
                let f: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
                let p = site.request(&mut b, "POST", &uri, &f).await;
                (b, p)
            }
        };
        let v0 = site.db.store.get_assessment(id).await.unwrap().version;
        // A stale form is refused and changes nothing.
        let (b, stale) = post(&mut office, format!("{href}/act"), act("lock", v0 + 7)).await;
        office = b;
        assert_eq!(stale.status, StatusCode::CONFLICT, "{}", stale.html);
        let (b, locked) = post(&mut office, format!("{href}/act"), act("lock", v0)).await;
        office = b;
        assert_eq!(locked.status, StatusCode::SEE_OTHER, "{}", locked.html);
        let before = site.db.store.get_assessment(id).await.unwrap();
        // A locked run cannot be discarded (nor locked again).
        for a in ["discard", "lock"] {
            let (b, no) = post(&mut office, format!("{href}/act"), act(a, before.version)).await;
            office = b;
            assert_eq!(no.status, StatusCode::CONFLICT, "{a}: {}", no.html);
        }
        let (b, published) = post(
            &mut office,
            format!("{href}/act"),
            act("publish", before.version),
        )
        .await;
        office = b;
        assert_eq!(
            published.status,
            StatusCode::SEE_OTHER,
            "{}",
            published.html
        );

        // The unit sees its scorecard, with a line per record, and may object for its unit only.
        let card = site.get(&mut jtw, &format!("{href}/units/JTW")).await;
        assert_eq!(card.status, StatusCode::OK);
        assert!(card.html.contains("按时报送") && card.html.contains("提出申诉"));
        assert!(
            card.html.contains("/plans/demo-small/items/E1"),
            "lines link to their items: {}",
            card.html
        );
        let other = site.get(&mut zdq, &format!("{href}/units/JTW")).await;
        assert_eq!(other.status, StatusCode::OK);
        assert!(!other.html.contains("提出申诉"), "not ZDQ's to object to");
        let ws = site.get(&mut jtw, "/workspace").await;
        assert!(ws.html.contains("考核结果") && ws.html.contains(&format!("{href}/units/JTW")));
        let jcsrf = card.csrf();
        let object = |unit: &'static str, reason: &'static str| {
            vec![
                ("csrf", jcsrf.clone()),
                ("unit", unit.to_string()),
                ("reason", reason.to_string()),
            ]
        };
        let (b, empty) = post(&mut jtw, format!("{href}/objections"), object("JTW", " ")).await;
        jtw = b;
        assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY);
        let (b, not_mine) = post(
            &mut jtw,
            format!("{href}/objections"),
            object("ZDQ", "不是本单位"),
        )
        .await;
        jtw = b;
        assert_eq!(not_mine.status, StatusCode::FORBIDDEN);
        let (b, filed) = post(
            &mut jtw,
            format!("{href}/objections"),
            object("JTW", "十二月报告已按时报送"),
        )
        .await;
        jtw = b;
        assert_eq!(filed.status, StatusCode::SEE_OTHER, "{}", filed.html);

        // The office answers it with a corrected run; the published one is untouched.
        let page = site.get(&mut office, &href).await;
        assert!(page.html.contains("十二月报告已按时报送") && page.html.contains("答复申诉"));
        let o = site.db.store.get_assessment(id).await.unwrap().objections[0].id;
        let (b, answered) = post(
            &mut office,
            format!("{href}/objections/{o}/answer"),
            vec![
                ("csrf", csrf.clone()),
                ("answer", "经核实，申诉成立".into()),
                ("rerun", "1".into()),
            ],
        )
        .await;
        office = b;
        assert_eq!(answered.status, StatusCode::SEE_OTHER, "{}", answered.html);
        let rerun = run_id(&answered);
        assert_ne!(rerun, id);
        let corrected = site
            .get(&mut office, &format!("/assessments/{rerun}"))
            .await;
        assert!(corrected.html.contains("更正结果") && corrected.html.contains(&href));
        let after = site.db.store.get_assessment(id).await.unwrap();
        assert_eq!(after.digest, before.digest);
        assert_eq!(after.outcome, before.outcome);
        // The correction made in answer stays with it: it cannot be discarded.
        let v = site.db.store.get_assessment(rerun).await.unwrap().version;
        let (b, kept) = post(
            &mut office,
            format!("/assessments/{rerun}/act"),
            act("discard", v),
        )
        .await;
        office = b;
        assert_eq!(kept.status, StatusCode::CONFLICT, "{}", kept.html);
        // Another run of the period is a correction too; two cannot both be published.
        let other = site
            .request(
                &mut office,
                "POST",
                "/plans/demo-small/assessments",
                &[("csrf", &csrf), ("period", "2019-Q4")],
            )
            .await;
        let other = run_id(&other);
        assert_eq!(
            site.db
                .store
                .get_assessment(other)
                .await
                .unwrap()
                .supersedes,
            Some(id)
        );
        for r in [rerun, other] {
            let v = site.db.store.get_assessment(r).await.unwrap().version;
            let (b, p) = post(&mut office, format!("/assessments/{r}/act"), act("lock", v)).await;
            office = b;
            assert_eq!(p.status, StatusCode::SEE_OTHER);
        }
        let v = site.db.store.get_assessment(rerun).await.unwrap().version;
        let (b, p) = post(
            &mut office,
            format!("/assessments/{rerun}/act"),
            act("publish", v),
        )
        .await;
        office = b;
        assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.html);
        let v = site.db.store.get_assessment(other).await.unwrap().version;
        let (_, p) = post(
            &mut office,
            format!("/assessments/{other}/act"),
            act("publish", v),
        )
        .await;
        assert_eq!(
            p.status,
            StatusCode::CONFLICT,
            "one result stands: {}",
            p.html
        );
        assert!(p.html.contains(&format!("#{rerun}")), "{}", p.html);
        let card = site.get(&mut jtw, &format!("{href}/units/JTW")).await;
        assert!(card.html.contains("经核实，申诉成立"));

        // Leaders see the rankings on the cockpit; a unit across periods.
        let cockpit = site.get(&mut leader, "/plans/demo-small").await;
        assert!(
            cockpit.html.contains("考核排名（2019-Q4）"),
            "{}",
            cockpit.html
        );
        let across = site
            .get(&mut leader, "/plans/demo-small/assessments/units/JTW")
            .await;
        assert_eq!(across.status, StatusCode::OK);
        assert!(across.html.contains("2019-Q4") && across.html.contains("历次考核"));
        assert_eq!(
            site.get(&mut leader, "/plans/demo-small/assessments/units/NOPE")
                .await
                .status,
            StatusCode::NOT_FOUND
        );
    }
}

#[tokio::test]
async fn the_office_edits_the_plan_in_the_pages() {
    for site in Site::all().await {
        let mut office = site.log_in("office").await;
        let item = site.get(&mut office, "/plans/demo-small/items/E1.1").await;
        assert!(item.html.contains("/plans/demo-small/items/E1.1/edit"));
        let form = site
            .get(&mut office, "/plans/demo-small/items/E1.1/edit")
            .await;
        assert_eq!(form.status, StatusCode::OK);
        let csrf = form.csrf();
        let version = tuijin_store::ItemStore::get_item(&site.db.store, "demo-small", "E1.1")
            .await
            .unwrap()
            .version
            .to_string();
        let fields = |due: &'static str, weight: &'static str, reason: &'static str| {
            vec![
                ("csrf", csrf.clone()),
                ("version", version.clone()),
                ("title", "地铁运营里程超过300公里".to_string()),
                ("title_en", "Metro in operation over 300 km".to_string()),
                ("lead", "JTW".to_string()),
                ("start", "2017-08-14".to_string()),
                ("due", due.to_string()),
                ("weight", weight.to_string()),
                ("target_value", "300".to_string()),
                ("target_unit", "km".to_string()),
                ("target_by", "2020-12-31".to_string()),
                ("target_indicator", "metro_km".to_string()),
                ("public", "1".to_string()),
                ("reason", reason.to_string()),
            ]
        };
        let send = |b: &mut Browser, f: Vec<(&'static str, String)>| {
            let site = &site;
            let mut b = std::mem::take(b);
            async move {
                let f: Vec<(&str, &str)> = f.iter().map(|(k, v)| (*k, v.as_str())).collect();
                let p = site
                    .request(&mut b, "POST", "/plans/demo-small/items/E1.1/edit", &f)
                    .await;
                (b, p)
            }
        };
        // Every problem at once, beside its field; nothing written.
        let (b, bad) = send(&mut office, fields("2017-01-31", "-2", "")).await;
        office = b;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(bad.html.contains("权重须为大于 0 的数字"), "{}", bad.html);
        let (b, bad) = send(&mut office, fields("2017-01-31", "2", "调整")).await;
        office = b;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(bad.html.contains("field invalid"), "{}", bad.html);
        let (b, bad) = send(&mut office, fields("2020-09-30", "2", " ")).await;
        office = b;
        assert_eq!(
            bad.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "a reason is required"
        );
        let (b, ok) = send(&mut office, fields("2020-09-30", "2", "三号线工期调整")).await;
        office = b;
        assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.html);
        let page = site.get(&mut office, "/plans/demo-small/items/E1.1").await;
        assert!(page.html.contains("2020-09-30"));
        assert!(
            page.html.contains("三号线工期调整"),
            "the reason is in the history"
        );
        // The slip shows against the plan as adopted, on the item and on the baselines page.
        assert!(
            page.html.contains("（基线 2020-12-31，-92 天）"),
            "{}",
            page.html
        );
        let baselines = site.get(&mut office, "/plans/demo-small/baselines").await;
        assert_eq!(baselines.status, StatusCode::OK);
        assert!(baselines.html.contains("E1.1") && baselines.html.contains("-92"));
        let set = site
            .request(
                &mut office,
                "POST",
                "/plans/demo-small/baselines",
                &[
                    ("csrf", &csrf),
                    ("name", "2020年中期调整"),
                    ("note", "中期评估后调整"),
                ],
            )
            .await;
        assert_eq!(set.status, StatusCode::SEE_OTHER, "{}", set.html);
        let again = site
            .request(
                &mut office,
                "POST",
                "/plans/demo-small/baselines",
                &[
                    ("csrf", &csrf),
                    ("name", "2020年中期调整"),
                    ("note", "再设"),
                ],
            )
            .await;
        assert_eq!(
            again.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "a name is unique"
        );
        let page = site.get(&mut office, "/plans/demo-small/items/E1.1").await;
        assert!(
            !page.html.contains("-92 天"),
            "measured against the newest baseline"
        );
        // A leader's instruction on the item.
        let mut leader = site.log_in("leader").await;
        let lp = site.get(&mut leader, "/plans/demo-small/items/E1.1").await;
        let noted = site
            .request(
                &mut leader,
                "POST",
                "/plans/demo-small/items/E1.1/notes",
                &[("csrf", &lp.csrf()), ("text", "请交通委每周报送进度")],
            )
            .await;
        assert_eq!(noted.status, StatusCode::SEE_OTHER, "{}", noted.html);
        let page = site.get(&mut office, "/plans/demo-small/items/E1.1").await;
        assert!(page.html.contains("领导批示") && page.html.contains("请交通委每周报送进度"));
        // The same form again is stale.
        let (b, stale) = send(&mut office, fields("2020-08-31", "2", "再调整")).await;
        office = b;
        assert_eq!(stale.status, StatusCode::CONFLICT);
        assert!(stale.html.contains("已被他人修改"), "{}", stale.html);
        // The form comes back with what the item says now, at its new version.
        assert!(
            stale.html.contains("value=\"2020-09-30\""),
            "{}",
            stale.html
        );
        assert!(
            !stale
                .html
                .contains(&format!("name=\"version\" value=\"{version}\""))
        );

        // A new item under E1, then cancelled from the item's actions.
        let new = site
            .get(&mut office, "/plans/demo-small/items/E1/new")
            .await;
        assert_eq!(new.status, StatusCode::OK);
        let made = site
            .request(
                &mut office,
                "POST",
                "/plans/demo-small/items/E1/new",
                &[
                    ("csrf", &csrf),
                    ("code", "E1.3"),
                    ("kind", "project"),
                    ("title", "地铁五号线"),
                    ("lead", "JTW"),
                    ("start", "2018-01-01"),
                    ("due", "2020-06-30"),
                    ("weight", "1"),
                    ("reason", "新增工程"),
                ],
            )
            .await;
        assert_eq!(made.status, StatusCode::SEE_OTHER, "{}", made.html);
        assert_eq!(
            made.location.as_deref(),
            Some("/plans/demo-small/items/E1.3")
        );
        let v = tuijin_store::ItemStore::get_item(&site.db.store, "demo-small", "E1.3")
            .await
            .unwrap()
            .version
            .to_string();
        let cancelled = site
            .request(
                &mut office,
                "POST",
                "/plans/demo-small/items/E1.3/act",
                &[
                    ("csrf", &csrf),
                    ("version", &v),
                    ("action", "cancel"),
                    ("reason", "并入三号线"),
                ],
            )
            .await;
        assert_eq!(
            cancelled.status,
            StatusCode::SEE_OTHER,
            "{}",
            cancelled.html
        );
        assert!(
            tuijin_store::ItemStore::get_item(&site.db.store, "demo-small", "E1.3")
                .await
                .unwrap()
                .item
                .cancelled
        );
        assert!(
            tuijin_store::ProgressStore::check_rollups(&site.db.store, "demo-small")
                .await
                .unwrap()
                .is_empty()
        );
        // A unit is refused the forms.
        let mut jtw = site.log_in("jtw").await;
        assert_eq!(
            site.get(&mut jtw, "/plans/demo-small/items/E1.1/edit")
                .await
                .status,
            StatusCode::FORBIDDEN
        );
    }
}

#[tokio::test]
async fn a_lead_unit_asks_for_a_change_and_the_office_approves_in_the_pages() {
    for site in Site::all().await {
        let mut jtw = site.log_in("jtw").await;
        let item = site.get(&mut jtw, "/plans/demo-small/items/E1.1").await;
        assert!(item.html.contains("/plans/demo-small/items/E1.1/request"));
        let form = site
            .get(&mut jtw, "/plans/demo-small/items/E1.1/request")
            .await;
        assert_eq!(form.status, StatusCode::OK);
        let csrf = form.csrf();
        let empty = site
            .request(
                &mut jtw,
                "POST",
                "/plans/demo-small/items/E1.1/request",
                &[("csrf", &csrf), ("unit", "JTW"), ("reason", "")],
            )
            .await;
        assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY);
        let sent = site
            .request(
                &mut jtw,
                "POST",
                "/plans/demo-small/items/E1.1/request",
                &[
                    ("csrf", &csrf),
                    ("unit", "JTW"),
                    ("due", "2020-11-30"),
                    ("reason", "盾构机到场延后"),
                    ("evidence", "郑交〔2020〕5号"),
                ],
            )
            .await;
        assert_eq!(sent.status, StatusCode::SEE_OTHER, "{}", sent.html);
        let ws = site.get(&mut jtw, "/workspace").await;
        assert!(ws.html.contains("我的调整申请") && ws.html.contains("待审批"));
        // The office sees it counted on the cockpit, and approves it from the queue.
        let mut office = site.log_in("office").await;
        let cockpit = site.get(&mut office, "/plans/demo-small").await;
        assert!(
            cockpit.html.contains("调整申请 1 件待审批"),
            "{}",
            cockpit.html
        );
        let queue = site
            .get(&mut office, "/plans/demo-small/change-requests")
            .await;
        assert!(queue.html.contains("盾构机到场延后"));
        let r =
            &tuijin_store::RequestStore::list_requests(&site.db.store, "demo-small", None, None)
                .await
                .unwrap()[0];
        let decide = format!("/change-requests/{}/decide", r.id);
        let v = r.version.to_string();
        let ocsrf = queue.csrf();
        let no = site
            .request(
                &mut office,
                "POST",
                &decide,
                &[
                    ("csrf", &ocsrf),
                    ("version", &v),
                    ("decision", "refuse"),
                    ("text", ""),
                ],
            )
            .await;
        assert_eq!(
            no.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "a refusal says why"
        );
        let yes = site
            .request(
                &mut office,
                "POST",
                &decide,
                &[
                    ("csrf", &ocsrf),
                    ("version", &v),
                    ("decision", "approve"),
                    ("text", "同意"),
                ],
            )
            .await;
        assert_eq!(yes.status, StatusCode::SEE_OTHER, "{}", yes.html);
        let page = site.get(&mut office, "/plans/demo-small/items/E1.1").await;
        assert!(page.html.contains("2020-11-30") && page.html.contains(&format!("#{}", r.id)));
        let ws = site.get(&mut jtw, "/workspace").await;
        assert!(ws.html.contains("批准"), "the unit sees the outcome");
        // Another unit may not ask for a change to what it does not lead.
        let mut zdq = site.log_in("zdq").await;
        assert_eq!(
            site.get(&mut zdq, "/plans/demo-small/items/E1.1/request")
                .await
                .status,
            StatusCode::FORBIDDEN
        );
    }
}

/// A long queue comes a page at a time: every waiting proposal on exactly one page, the pages
/// linked, a page past the end the last one.
#[tokio::test]
async fn a_long_proposal_queue_comes_a_page_at_a_time() {
    for site in Site::all().await {
        let s = &site.db.store;
        let doc = tuijin_core::generate::generated_plan("big", 5_000, 3, 10);
        tuijin_store::PlanStore::import_plan(s, &doc, &common::stamp("office"))
            .await
            .unwrap();
        tuijin_store::WarningStore::refresh_warnings(s, "big", &common::stamp("office"))
            .await
            .unwrap();
        let mut office = site.log_in("office").await;
        let first = site.get(&mut office, "/plans/big/notices/proposals").await;
        assert_eq!(first.status, StatusCode::OK);
        let total: usize = {
            let h = &first.html;
            let at = h.find("id=\"waiting\">督办建议 ").expect("the count")
                + "id=\"waiting\">督办建议 ".len();
            h[at..at + h[at..].find(' ').unwrap()].parse().unwrap()
        };
        assert!(
            total > 100,
            "the generated plan proposes more than a page: {total}"
        );
        let rows = |html: &str| -> Vec<String> {
            html.split("name=\"items\" value=\"")
                .skip(1)
                .map(|r| r[..r.find('"').unwrap()].to_string())
                .collect()
        };
        let mut seen: Vec<String> = Vec::new();
        let pages = total.div_ceil(100);
        for n in 0..pages {
            let p = site
                .get(
                    &mut office,
                    &format!("/plans/big/notices/proposals?page={n}"),
                )
                .await;
            let r = rows(&p.html);
            assert_eq!(r.len(), if n + 1 < pages { 100 } else { total - 100 * n });
            assert_eq!(p.html.contains("rel=\"next\""), n + 1 < pages, "page {n}");
            assert_eq!(p.html.contains("rel=\"prev\""), n > 0, "page {n}");
            // Each proposal shown with the warnings it rests on (their records are read for
            // the page shown only).
            let found: Vec<&str> = p
                .html
                .split("<ul class=\"plain\">")
                .skip(1)
                .map(|l| &l[..l.find("</ul>").unwrap()])
                .collect();
            assert_eq!(found.len(), r.len(), "page {n}");
            assert!(
                found.iter().all(|l| l.contains("class=\"sev sev-")),
                "page {n}: a proposal without its warnings"
            );
            seen.extend(r);
        }
        let mut unique = seen.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), total, "each proposal on one page");
        assert_eq!(rows(&first.html), seen[..100].to_vec());
        let past = site
            .get(&mut office, "/plans/big/notices/proposals?page=999")
            .await;
        assert_eq!(rows(&past.html), seen[100 * (pages - 1)..].to_vec());
        let junk = site
            .get(&mut office, "/plans/big/notices/proposals?page=x")
            .await;
        assert_eq!(rows(&junk.html), seen[..100].to_vec());
    }
}

/// The cockpit's list of risen notices (已升级的督办单（逾期未反馈）) names only those still
/// waiting for a reply: a notice replied late keeps the level it reached, but waits on no one.
#[tokio::test]
async fn the_cockpit_lists_only_risen_notices_still_unanswered() {
    use chrono::{NaiveDate, TimeZone, Utc};
    use tuijin_core::notice::{NoticeAction, NoticeSettings};
    use tuijin_store::{NewNotice, NoticeStore, Stamp};
    let on = |day: &str, actor: &str| {
        let today = NaiveDate::parse_from_str(day, "%Y-%m-%d").unwrap();
        Stamp {
            at: Utc.from_utc_datetime(&today.and_hms_opt(2, 0, 0).unwrap()),
            today,
            actor: actor.into(),
        }
    };
    let notice = |item: &str, title: &str| NewNotice {
        plan: "demo-small".into(),
        items: vec![item.into()],
        units: vec!["JTW".into()],
        level: 0,
        title: title.into(),
        actions: "报送赶工方案".into(),
        reply_by: NaiveDate::from_ymd_opt(2020, 5, 15).unwrap(),
        facts: vec![],
        prompted_by: Vec::new(),
    };
    let settings = NoticeSettings::default();
    for site in Site::all().await {
        let s = &site.db.store;
        let silent = s
            .issue_notice(
                notice("E1.1", "无人回复的督办"),
                &settings,
                &on("2020-05-06", "office"),
            )
            .await
            .unwrap();
        let late = s
            .issue_notice(
                notice("E1.2", "迟到回复的督办"),
                &settings,
                &on("2020-05-06", "office"),
            )
            .await
            .unwrap();
        // Replied a month late: risen by then, and it stays at the level it reached.
        s.act_on_notice(
            late.id,
            late.version,
            NoticeAction::Reply,
            Some("JTW"),
            "已报送",
            None,
            &on("2020-06-15", "jtw"),
        )
        .await
        .unwrap();
        let mut office = site.log_in("office").await;
        let cockpit = site.get(&mut office, "/plans/demo-small").await;
        let html = &cockpit.html;
        let list = &html[html.find("已升级的督办单").expect("the risen list")..];
        let list = &list[..list.find("</ul>").unwrap()];
        assert!(list.contains(&silent.number), "{list}");
        assert!(!list.contains(&late.number), "replied: {list}");
        assert!(!list.contains("迟到回复的督办"), "{list}");
        // On its page, the rises stand between the issue and the late reply, by their days.
        let page = site
            .get(&mut office, &format!("/notices/{}", late.id))
            .await;
        let trail = &page.html[page.html.find("<ol class=\"trail\">").unwrap()..];
        let (issued, rose, replied) = (
            trail.find("督办单交办").unwrap(),
            trail.find("逾期未反馈，升级为").unwrap(),
            trail.find("督办单反馈").unwrap(),
        );
        assert!(issued < rose && rose < replied, "{trail}");
    }
}
