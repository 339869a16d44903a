//! `tuijin status` and `tuijin check rollups`: what an office would script.

use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use tuijin_core::summary::{Scope, summarise};
use tuijin_store::{DirectoryStore, ItemStore, PlanStore, ProgressStore};

use crate::config::DbArgs;

fn pct(p: Option<f64>) -> String {
    p.map(|p| format!("{p:.1}%"))
        .unwrap_or_else(|| "unknown".into())
}

pub async fn status(
    db: &DbArgs,
    plan: &str,
    branch: Option<&str>,
    unit: Option<&str>,
    date: Option<chrono::NaiveDate>,
) -> Result<ExitCode> {
    let store = db.open().await?;
    let rec = store
        .get_plan(plan)
        .await
        .with_context(|| format!("plan `{plan}`"))?;
    let items = store.plan_items(plan).await?;
    // The database's today: a demo database's simulated date, or the real one.
    let today = store.clock().await?.today(rec.plan.tz());
    let date = date.unwrap_or(today);
    let scope = match (branch, unit) {
        (Some(_), Some(_)) => bail!("give either --branch or --unit, not both"),
        (Some(b), None) => {
            if !items.iter().any(|i| i.code.as_str() == b) {
                bail!("item `{b}` is not in plan `{plan}`");
            }
            Scope::Branch(b)
        }
        (None, Some(u)) => {
            let named = |c: &tuijin_core::Code| c.as_str() == u;
            if !items
                .iter()
                .any(|i| i.lead.as_ref().is_some_and(named) || i.co.iter().any(named))
            {
                bail!("unit `{u}` neither leads nor co-operates on any item of plan `{plan}`");
            }
            Scope::Unit(u)
        }
        (None, None) => Scope::Plan,
    };
    let progress = store
        .plan_progress(plan, (date < today).then_some(date))
        .await?;
    let measures = store.measures(plan).await?;
    let s = summarise(
        &items,
        &progress,
        scope.clone(),
        date,
        rec.plan.thresholds,
        &measures,
    );
    let what = match scope {
        Scope::Plan => format!("plan {plan}"),
        Scope::Branch(b) => format!("branch {b} of plan {plan}"),
        Scope::Unit(u) => format!(
            "items {u} leads and answers for in plan {plan} (not parents whose figure is other units' work)"
        ),
    };
    out!("{what} on {date}: {} items", s.items);
    out!(
        "  progress at least {} ({:.0}% of the weight unreported; {} of the reported part), expected {}",
        pct(s.progress.vouched()),
        s.progress.unknown_share * 100.0,
        pct(s.progress.percent),
        pct(s.expected)
    );
    for (status, n) in &s.by_status {
        out!("  {status:<12} {n}");
    }
    if let Some(co) = s
        .co_operated
        .as_ref()
        .filter(|c| c.values().sum::<usize>() > 0)
    {
        let total: usize = co.values().sum();
        out!("  co-operating on {total} more items (not counted above):");
        for (status, n) in co.iter().filter(|(_, n)| **n > 0) {
            out!("    {status:<12} {n}");
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub async fn check_rollups(db: &DbArgs, plan: Option<&str>) -> Result<ExitCode> {
    let store = db.open().await?;
    let plans: Vec<String> = match plan {
        Some(p) => vec![p.to_string()],
        None => store
            .list_plans()
            .await?
            .into_iter()
            .map(|p| p.plan.code.to_string())
            .collect(),
    };
    let mut bad = 0;
    for p in &plans {
        let mismatches = store.check_rollups(p).await?;
        if mismatches.is_empty() {
            out!("plan {p}: every stored rollup equals the full recompute");
        }
        for m in &mismatches {
            bad += 1;
            out!(
                "plan {p}: item {} stored {} computed {} ({:.0}% unknown)",
                m.item,
                pct(m.stored.and_then(|s| s.percent)),
                pct(m.computed.percent),
                m.computed.unknown_share * 100.0
            );
        }
    }
    if bad > 0 {
        eprintln!(
            "tuijin: {bad} stored rollup{} differ from the full recompute",
            if bad == 1 { "" } else { "s" }
        );
        return Ok(ExitCode::FAILURE);
    }
    Ok(ExitCode::SUCCESS)
}

fn print_audit(a: &tuijin_store::AuditReport) {
    match &a.broken {
        None => out!("event chain: {} events, every link holds", a.events),
        Some(b) => out!(
            "event chain: BROKEN at event #{} ({}); {} events checked",
            b.event_id,
            match b.reason {
                tuijin_core::audit::BreakReason::PreviousMismatch => {
                    "it does not follow the event before it: one was removed, inserted or reordered"
                }
                tuijin_core::audit::BreakReason::ContentMismatch => "its content was changed",
                tuijin_core::audit::BreakReason::Missing => "it has no hash",
            },
            a.events
        ),
    }
    for s in &a.seals {
        match s.holds {
            Some(true) => out!("closed period {} {}: seal holds", s.plan, s.period),
            Some(false) => out!(
                "closed period {} {}: CHANGED since it was closed (sealed {}, now {})",
                s.plan,
                s.period,
                s.sealed,
                s.now
            ),
            None => out!(
                "closed period {} {}: closed before seals were kept",
                s.plan,
                s.period
            ),
        }
    }
}

pub async fn audit_verify(db: &DbArgs) -> Result<ExitCode> {
    use tuijin_store::CheckStore;
    let store = db.open().await?;
    let a = store.audit().await?;
    print_audit(&a);
    if a.ok() {
        Ok(ExitCode::SUCCESS)
    } else {
        eprintln!("tuijin: the history was changed outside Tuijin (see above)");
        Ok(ExitCode::FAILURE)
    }
}

pub async fn check_integrity(db: &DbArgs) -> Result<ExitCode> {
    use tuijin_store::CheckStore;
    let store = db.open().await?;
    let r = store.check_integrity().await?;
    if r.database.is_empty() {
        out!("database: sound");
    }
    for d in &r.database {
        out!("database: {d}");
    }
    if r.foreign_keys.is_empty() {
        out!("foreign keys: every reference resolves");
    }
    for f in &r.foreign_keys {
        out!("foreign keys: {f}");
    }
    for (plan, m) in &r.rollups {
        if m.is_empty() {
            out!("plan {plan}: every stored rollup equals the full recompute");
        }
        for x in m {
            out!(
                "plan {plan}: item {} stored {} computed {}",
                x.item,
                pct(x.stored.and_then(|s| s.percent)),
                pct(x.computed.percent)
            );
        }
    }
    print_audit(&r.audit);
    if r.ok() {
        Ok(ExitCode::SUCCESS)
    } else {
        eprintln!(
            "tuijin: integrity check failed (see above); restore a backup, see docs/operations.md"
        );
        Ok(ExitCode::FAILURE)
    }
}
