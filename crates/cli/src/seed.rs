//! The embedded default plan: Zhengzhou's 2017 plan to become a National Central City.

use anyhow::{Result, anyhow};
use tuijin_core::PlanDocument;

pub const SEED_FILE: &str = "zhengzhou-ncc-2017.toml";
pub const SEED_TEXT: &str = include_str!("../../../plans/zhengzhou-ncc-2017.toml");

/// Published outcomes for the seed plan's indicators, with their sources.
pub const ACTUALS_FILE: &str = "plans/data/zhengzhou-actuals.csv";
const ACTUALS_TEXT: &str = include_str!("../../../plans/data/zhengzhou-actuals.csv");

/// Mid-2020: inside the plan's first stage, which ended in 2020.
pub const DEMO_TODAY: &str = "2020-06-30";

pub fn seed_plan() -> Result<PlanDocument> {
    tuijin_export::read_plan(SEED_FILE, SEED_TEXT)
        .map_err(|e| anyhow!("the embedded seed plan is invalid (a build defect):\n{e}"))
}

/// Loads the deterministic sample history up to `today` into a plan that has no reports yet;
/// returns how many reports, or `None` when the plan already has reports.
pub async fn load_sample_history(
    store: &tuijin_store::Store,
    doc: &PlanDocument,
    today: chrono::NaiveDate,
) -> Result<Option<usize>> {
    use tuijin_core::clock::{Clock, FixedClock};
    use tuijin_core::report::ReportContent;
    use tuijin_store::{NewReport, ReportFilter, ReportStore};
    let code = doc.plan.code.to_string();
    let any = ReportFilter {
        plan: Some(code.clone()),
        ..Default::default()
    };
    if !store.list_reports(&any, 1).await?.is_empty() {
        return Ok(None);
    }
    let history = tuijin_core::sample::history(doc, today);
    let tz = doc.plan.tz();
    let mut n = store
        .load_history(
            &code,
            &history.accepted,
            &FixedClock::on(today).stamp("sample", tz),
        )
        .await?;
    for open in &history.open {
        let r = &open.report;
        let st = FixedClock::on(r.submitted_on).stamp("sample", tz);
        let new = NewReport {
            plan: code.clone(),
            item: r.item.to_string(),
            period: r.period,
            unit: r.unit.to_string(),
            content: ReportContent {
                percent: r.percent.map(tuijin_core::Percent::new).transpose()?,
                narrative: r.narrative.clone(),
                problems: r.problems.clone(),
                next_steps: r.next_steps.clone(),
                figures: Vec::new(),
            },
        };
        let created = store.create_report(new, &st).await?;
        let submitted = store
            .submit_report(created.id, created.version, &st)
            .await?;
        if let Some(comment) = &open.returned {
            store
                .return_report(
                    submitted.id,
                    submitted.version,
                    comment,
                    &tuijin_core::clock::Stamp {
                        actor: "sample-office".into(),
                        ..st
                    },
                )
                .await?;
        }
        n += 1;
    }
    Ok(Some(n))
}

/// The demo's accounts, made at its first start: passwords and a token, printed once.
pub struct DemoAccounts {
    pub admin_password: String,
    pub office_password: String,
    pub leader_password: String,
    /// A unit account for the Development and Reform Commission (FGW), which leads the most
    /// items of the seed plan.
    pub unit_password: String,
    pub office_token: String,
}

/// Creates `admin`, `office`, `leader` and `fgw` (a unit account) with generated passwords,
/// and an API token for `office`,
/// unless the data folder already has users (then `None`: nothing is printed again).
pub async fn demo_accounts(
    store: &tuijin_store::Store,
    clock: &dyn tuijin_core::clock::Clock,
) -> Result<Option<DemoAccounts>> {
    use tuijin_core::policy::Role;
    use tuijin_store::AccountStore;
    let demo = clock.stamp("demo", tuijin_core::clock::DEFAULT_TZ);
    if !store.list_users().await?.is_empty() {
        return Ok(None);
    }
    let admin_password = generated_password()?;
    let office_password = generated_password()?;
    store
        .add_user("admin", Role::Admin, &[], Some(&admin_password), &demo)
        .await?;
    store
        .add_user("office", Role::Office, &[], Some(&office_password), &demo)
        .await?;
    let leader_password = generated_password()?;
    store
        .add_user("leader", Role::Leader, &[], Some(&leader_password), &demo)
        .await?;
    let unit_password = generated_password()?;
    let fgw = tuijin_core::Code::parse("FGW").map_err(|e| anyhow!("{e}"))?;
    store
        .add_user("fgw", Role::Unit, &[fgw], Some(&unit_password), &demo)
        .await?;
    let (office_token, _) = store.create_token("office", "demo", None, &demo).await?;
    Ok(Some(DemoAccounts {
        admin_password,
        office_password,
        leader_password,
        unit_password,
        office_token,
    }))
}

/// 16 characters from an alphabet without look-alikes (no 0/O, 1/l/I).
fn generated_password() -> Result<String> {
    const ALPHABET: &[u8] = b"abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).map_err(|e| anyhow!("no randomness available: {e}"))?;
    Ok(bytes
        .iter()
        .map(|b| ALPHABET[*b as usize % ALPHABET.len()] as char)
        .collect())
}

/// One row of the published outcomes file.
#[derive(serde::Deserialize)]
struct OutcomeRow {
    indicator: String,
    period: String,
    value: f64,
    unit: String,
    scope: String,
    basis: String,
    source: String,
}

/// The date a published period stands for: a day as is, a month or a year at its end.
fn period_end(p: &str) -> Option<chrono::NaiveDate> {
    use chrono::NaiveDate;
    if let Ok(d) = NaiveDate::parse_from_str(p, "%Y-%m-%d") {
        return Some(d);
    }
    if let Some((y, m)) = p.split_once('-') {
        let (y, m): (i32, u32) = (y.parse().ok()?, m.parse().ok()?);
        let next = if m == 12 {
            NaiveDate::from_ymd_opt(y + 1, 1, 1)
        } else {
            NaiveDate::from_ymd_opt(y, m + 1, 1)
        }?;
        return next.pred_opt();
    }
    NaiveDate::from_ymd_opt(p.parse().ok()?, 12, 31)
}

/// The published outcomes known by `today` for the plan's indicators, each with the day it
/// became known (the end of its period and the indicator's publication lag,
/// `Indicator::due_on`) and kept only where its scope and basis are the indicator's
/// (`scope`, or `scope, basis`), so that figures of another scope or basis are never mixed in.
pub fn real_outcomes(
    doc: &PlanDocument,
    today: chrono::NaiveDate,
) -> Result<Vec<(chrono::NaiveDate, tuijin_store::Actual)>> {
    let mut out = Vec::new();
    let mut reader = csv::Reader::from_reader(ACTUALS_TEXT.as_bytes());
    for (n, row) in reader.deserialize::<OutcomeRow>().enumerate() {
        let row = row.map_err(|e| anyhow!("{ACTUALS_FILE}:{}: {e}", n + 2))?;
        let Some(ind) = doc
            .indicators
            .iter()
            .find(|i| i.code.as_str() == row.indicator)
        else {
            continue;
        };
        let joined = format!("{}, {}", row.scope, row.basis);
        if (ind.scope != row.scope && ind.scope != joined) || ind.unit != row.unit {
            continue;
        }
        let end = period_end(&row.period)
            .ok_or_else(|| anyhow!("{ACTUALS_FILE}:{}: period `{}`", n + 2, row.period))?;
        let known = ind.due_on(end);
        if known > today {
            continue;
        }
        out.push((
            known,
            tuijin_store::Actual {
                indicator: ind.code.clone(),
                period: row.period,
                period_end: end,
                value: tuijin_core::report::FigureValue::new(row.value)
                    .map_err(|e| anyhow!("{ACTUALS_FILE}:{}: value: {e}", n + 2))?,
                source: row.source,
                report: None,
                // Kept only where it is the indicator's, so stated as the indicator's.
                entry: tuijin_store::Entry {
                    unit: Some(ind.unit.clone()),
                    scope: Some(ind.scope.clone()),
                    basis: Some(ind.basis.as_str().to_string()),
                    ..Default::default()
                },
            },
        ));
    }
    out.sort_by_key(|(known, _)| *known);
    Ok(out)
}

/// Records the published outcomes known by `today` as the indicators' actuals, each on the day
/// it became known, so a run over a past period sees the figures known at its end and no
/// later ones. Returns how many.
pub async fn record_real_outcomes(
    store: &tuijin_store::Store,
    doc: &PlanDocument,
    today: chrono::NaiveDate,
) -> Result<usize> {
    use tuijin_core::clock::{Clock, FixedClock};
    let actuals = real_outcomes(doc, today)?;
    let mut n = 0;
    for day in actuals.chunk_by(|a, b| a.0 == b.0) {
        let these: Vec<_> = day.iter().map(|(_, a)| a.clone()).collect();
        n += tuijin_store::DirectoryStore::record_actuals(
            store,
            doc.plan.code.as_str(),
            &these,
            &FixedClock::on(day[0].0).stamp("demo", doc.plan.tz()),
        )
        .await?;
    }
    Ok(n)
}

/// The demo's sample notices, issued on past days to the lead units of items that lag on
/// `today`, one in each state of the loop: closed, left unanswered (so it has risen), returned,
/// signed, with an extension granted, and just issued. Each title carries the sample mark; the
/// facts are those of its day of issue. Returns how many.
pub async fn sample_notices(
    store: &tuijin_store::Store,
    doc: &PlanDocument,
    today: chrono::NaiveDate,
) -> Result<usize> {
    use chrono::Duration;
    use tuijin_core::clock::{Clock, FixedClock};
    use tuijin_core::notice::NoticeAction;
    use tuijin_core::sample::SAMPLE_MARK;
    use tuijin_store::{
        DirectoryStore, NewNotice, NoticeFact, NoticeStore, ProgressStore, WarningFilter,
        WarningStore,
    };
    let plan = doc.plan.code.to_string();
    let tz = doc.plan.tz();
    let settings = doc.plan.notices.clone();
    // The items that lag today: judged on today first (the caller judges again afterwards,
    // since each notice's acts judge the plan on their own day).
    store
        .refresh_warnings(&plan, &FixedClock::on(today).stamp("demo", tz))
        .await?;
    let warnings = store
        .list_warnings(
            &WarningFilter {
                plan: Some(plan.clone()),
                severity: Some(tuijin_core::warning::Severity::High),
                ..Default::default()
            },
            1000,
        )
        .await?;
    let mut chosen: Vec<(String, String)> = Vec::new();
    for w in &warnings {
        if let Some(lead) = &w.lead
            && !chosen.iter().any(|(i, _)| *i == w.item)
        {
            chosen.push((w.item.clone(), lead.clone()));
        }
    }
    chosen.sort();
    let measures = store.measures(&plan).await?;
    let d = |days: i64| today - Duration::days(days);
    // (issued days ago, reply due days ago (negative: ahead), what happened, level)
    type Step<'a> = (i64, NoticeAction, &'a str);
    let script: [(i64, i64, &[Step], usize); 6] = [
        (
            50,
            40,
            &[
                (48, NoticeAction::Sign, ""),
                (
                    42,
                    NoticeAction::Reply,
                    "已制定赶工计划，增加作业面，节点已恢复。",
                ),
                (38, NoticeAction::Close, ""),
            ],
            0,
        ),
        (30, 20, &[(29, NoticeAction::Sign, "")], 0),
        (
            22,
            12,
            &[
                (21, NoticeAction::Sign, ""),
                (13, NoticeAction::Reply, "正在推进。"),
                (
                    11,
                    NoticeAction::Return,
                    "反馈未说明滞后原因和完成时限，请补充。",
                ),
            ],
            1,
        ),
        (12, -5, &[(11, NoticeAction::Sign, "")], 0),
        (
            25,
            15,
            &[
                (24, NoticeAction::Sign, ""),
                (
                    17,
                    NoticeAction::AskExtension,
                    "征迁协调尚未完成，申请延期二十天。",
                ),
                (16, NoticeAction::GrantExtension, ""),
            ],
            0,
        ),
        (3, -10, &[], 1),
    ];
    let mut n = 0;
    for ((item, lead), (issued, due, steps, level)) in chosen.iter().zip(script.iter()) {
        let on = d(*issued);
        let progress = store.plan_progress(&plan, Some(on)).await?;
        let board = tuijin_core::board::Board::build(
            &doc.items,
            &progress,
            on,
            doc.plan.thresholds,
            &measures,
        );
        let Some(k) = board.position(item) else {
            continue;
        };
        let row = board.row_at(k);
        let fact = NoticeFact {
            code: item.clone(),
            title: doc.items[k].title.zh().to_string(),
            status: row.status.as_str().into(),
            progress: row.progress.vouched(),
            expected: row.expected,
            warnings: warnings
                .iter()
                .filter(|w| w.item == *item && w.raised_on <= on)
                .map(|w| w.kind.as_str().to_string())
                .collect(),
        };
        let stamp = FixedClock::on(on).stamp("sample-office", tz);
        let mut rec = store
            .issue_notice(
                NewNotice {
                    plan: plan.clone(),
                    items: vec![item.clone()],
                    units: vec![lead.clone()],
                    level: *level,
                    title: format!(
                        "{SAMPLE_MARK}关于“{}”进度滞后的督办",
                        doc.items[k].title.zh()
                    ),
                    actions: "请于反馈期限前报送滞后原因、赶工措施和完成时限。".into(),
                    reply_by: d(*due),
                    facts: vec![fact],
                    prompted_by: Vec::new(),
                },
                &settings,
                &stamp,
            )
            .await?;
        for (ago, action, text) in *steps {
            let by_office = action.by_office();
            let st = FixedClock::on(d(*ago))
                .stamp(if by_office { "sample-office" } else { "sample" }, tz);
            let until = match action {
                NoticeAction::AskExtension => Some(d(*due) + Duration::days(20)),
                // The better reply is due the plan's escalation step after the return.
                NoticeAction::Return => Some(tuijin_core::notice::add_working_days(
                    d(*ago),
                    settings.escalate_every,
                )),
                _ => None,
            };
            // A reply comes with its evidence: the unit's written account, as a file.
            if *action == NoticeAction::Reply {
                use tuijin_store::{EvidenceOn, EvidenceStore, NewEvidence};
                store
                    .add_evidence(
                        EvidenceOn::Notice(rec.id),
                        lead,
                        vec![NewEvidence {
                            name: "样例-反馈说明.txt".into(),
                            bytes: format!("{SAMPLE_MARK}{}\n{text}\n", rec.number).into_bytes(),
                        }],
                        tuijin_core::evidence::DEFAULT_MAX_BYTES,
                        &st,
                    )
                    .await?;
            }
            rec = store
                .act_on_notice(
                    rec.id,
                    rec.version,
                    *action,
                    (!by_office).then_some(lead.as_str()),
                    text,
                    until,
                    &st,
                )
                .await?;
        }
        n += 1;
    }
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outcomes_keep_to_their_scope_and_date() {
        let doc = seed_plan().unwrap();
        let today = chrono::NaiveDate::from_ymd_opt(2020, 6, 30).unwrap();
        let all = real_outcomes(&doc, today).unwrap();
        assert!(
            all.iter()
                .all(|(known, a)| a.period_end <= *known && *known <= today)
        );
        // A year's figure is not known on the year's last day, but two months later.
        let gdp_2019 = |day| {
            real_outcomes(&doc, day)
                .unwrap()
                .iter()
                .any(|(_, a)| a.indicator.as_str() == "gdp" && a.period == "2019")
        };
        assert!(!gdp_2019(
            chrono::NaiveDate::from_ymd_opt(2019, 12, 31).unwrap()
        ));
        assert!(gdp_2019(
            chrono::NaiveDate::from_ymd_opt(2020, 2, 29).unwrap()
        ));
        let all: Vec<_> = all.into_iter().map(|(_, a)| a).collect();
        let metro: Vec<f64> = all
            .iter()
            .filter(|a| a.indicator.as_str() == "metro_km")
            .map(|a| a.value.value())
            .collect();
        assert_eq!(
            metro,
            [26.2, 93.7, 151.8],
            "the 2020-12 and 2023 figures are not known yet"
        );
        // The 2020 census re-based the population series: another basis, never mixed in.
        assert!(
            !all.iter()
                .any(|a| a.indicator.as_str() == "resident_population" && a.value.value() > 1200.0)
        );
        assert!(all.iter().all(|a| !a.source.is_empty()));
        assert_eq!(
            period_end("2019-09"),
            chrono::NaiveDate::from_ymd_opt(2019, 9, 30)
        );
        assert_eq!(
            period_end("2018"),
            chrono::NaiveDate::from_ymd_opt(2018, 12, 31)
        );
    }
}
