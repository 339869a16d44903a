//! `tuijin notice`: supervision notices from the command line — list a plan's notices with
//! their level today, show one with its trail, and issue one (as the office).

use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::Subcommand;
use tuijin_core::notice::{NoticeSettings, NoticeState};
use tuijin_store::{
    DirectoryStore, EventStore, ItemStore, NewNotice, NoticeFact, NoticeFilter, NoticeStore,
    PlanStore, ProgressStore,
};

use crate::config::DbArgs;

#[derive(Subcommand)]
pub enum NoticeCommand {
    /// A plan's notices, with the level each has reached today.
    List {
        #[arg(long)]
        plan: String,
        /// issued, signed, replied, returned or closed.
        #[arg(long)]
        state: Option<String>,
        /// Addressed to this unit.
        #[arg(long)]
        unit: Option<String>,
        #[command(flatten)]
        db: DbArgs,
    },
    /// One notice with its facts and its trail.
    Show {
        id: i64,
        #[command(flatten)]
        db: DbArgs,
    },
    /// Issue a notice on items to units, as the office.
    Issue {
        #[arg(long)]
        plan: String,
        /// An item it is about (repeatable).
        #[arg(long = "item", required = true)]
        items: Vec<String>,
        /// A unit it is addressed to (repeatable).
        #[arg(long = "unit", required = true)]
        units: Vec<String>,
        /// blue, yellow or red.
        #[arg(long, default_value = "blue")]
        level: String,
        #[arg(long)]
        title: String,
        /// What the units must do.
        #[arg(long)]
        actions: String,
        /// The day a reply is due (YYYY-MM-DD).
        #[arg(long)]
        reply_by: chrono::NaiveDate,
        #[command(flatten)]
        db: DbArgs,
    },
}

/// A level's name in the plan's settings.
fn name(settings: &NoticeSettings, k: usize) -> String {
    settings.levels.get(k).cloned().unwrap_or_default()
}

pub async fn run(cmd: NoticeCommand) -> Result<ExitCode> {
    match cmd {
        NoticeCommand::List {
            plan,
            state,
            unit,
            db,
        } => {
            let store = db.open().await?;
            let rec = store.get_plan(&plan).await?;
            let settings = &rec.plan.notices;
            let today = store.clock().await?.today(rec.plan.tz());
            let state = match state.as_deref() {
                None => None,
                Some(s) => Some(NoticeState::parse(s).with_context(|| {
                    format!("--state `{s}`: use issued, signed, replied, returned or closed")
                })?),
            };
            let mut after = None;
            loop {
                let page = store
                    .list_notices(
                        &NoticeFilter {
                            plan: Some(plan.clone()),
                            state,
                            unit: unit.clone(),
                            after,
                            ..Default::default()
                        },
                        1000,
                    )
                    .await?;
                for n in &page {
                    let late = n.state.awaits_reply() && today > n.reply_by;
                    out!(
                        "#{:<5} {:<16} {:<7} {:<9} reply by {}{}  {}  [{}] → {}",
                        n.id,
                        n.number,
                        name(settings, n.level_on(today, settings)),
                        n.state.as_str(),
                        n.reply_by,
                        if late { " (overdue)" } else { "" },
                        n.title,
                        n.items.join(","),
                        n.units
                            .iter()
                            .map(|u| u.code.as_str())
                            .collect::<Vec<_>>()
                            .join(",")
                    );
                }
                if page.len() < 1000 {
                    break;
                }
                after = page.last().map(|n| n.id);
            }
        }
        NoticeCommand::Show { id, db } => {
            let store = db.open().await?;
            let n = store.get_notice(id).await?;
            let rec = store.get_plan(&n.plan).await?;
            let settings = &rec.plan.notices;
            let today = store.clock().await?.today(rec.plan.tz());
            out!("{} ({}, plan {})", n.number, n.state.as_str(), n.plan);
            out!("  {}", n.title);
            out!(
                "  level {} issued, {} on {today}; reply by {} (first {})",
                name(settings, n.level),
                name(settings, n.level_on(today, settings)),
                n.reply_by,
                n.first_reply_by
            );
            for r in n.rises(today, settings) {
                out!("  rose to {} on {}", name(settings, r.level), r.on);
            }
            out!("  actions: {}", n.actions);
            for f in &n.facts {
                out!(
                    "  fact: {} {} — {} {}",
                    f.code,
                    f.title,
                    f.status,
                    f.progress.map(|p| format!("{p:.1}%")).unwrap_or_default()
                );
            }
            for e in store
                .events_for(tuijin_core::event::Entity::Notice, &id.to_string(), 1000)
                .await?
            {
                out!("  {} {} {}", e.at.to_rfc3339(), e.actor, e.kind.as_str());
            }
        }
        NoticeCommand::Issue {
            plan,
            items,
            units,
            level,
            title,
            actions,
            reply_by,
            db,
        } => {
            let store = db.open().await?;
            let rec = store.get_plan(&plan).await?;
            let settings = rec.plan.notices.clone();
            let clock = store.clock().await?;
            let stamp = clock.stamp("cli", rec.plan.tz());
            let level = settings
                .levels
                .iter()
                .position(|l| *l == level)
                .with_context(|| {
                    format!("--level `{level}`: use {}", settings.levels.join(", "))
                })?;
            // The facts of today, frozen with the notice.
            let all = store.plan_items(&plan).await?;
            let progress = store.plan_progress(&plan, None).await?;
            let measures = store.measures(&plan).await?;
            let board = tuijin_core::board::Board::build(
                &all,
                &progress,
                stamp.today,
                rec.plan.thresholds,
                &measures,
            );
            let facts = items
                .iter()
                .filter_map(|code| {
                    let k = board.position(code)?;
                    let row = board.row_at(k);
                    Some(NoticeFact {
                        code: code.clone(),
                        title: all[k].title.zh().to_string(),
                        status: row.status.as_str().into(),
                        progress: row.progress.vouched(),
                        expected: row.expected,
                        warnings: Vec::new(),
                    })
                })
                .collect();
            let n = store
                .issue_notice(
                    NewNotice {
                        plan,
                        items,
                        units,
                        level,
                        title,
                        actions,
                        reply_by,
                        facts,
                        prompted_by: Vec::new(),
                    },
                    &settings,
                    &stamp,
                )
                .await?;
            out!("notice #{} issued: {}", n.id, n.number);
        }
    }
    Ok(ExitCode::SUCCESS)
}
