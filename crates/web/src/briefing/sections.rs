//! The sections of a briefing, each from as-of reads (see the module above).

use std::collections::{BTreeMap, HashMap};

use chrono::NaiveDate;
use tuijin_core::Progress;
use tuijin_core::board::{Board, status_index};
use tuijin_core::briefing::{Block, BriefPeriod, Section, Table};
use tuijin_core::i18n::Lang;
use tuijin_core::notice::NoticeState;
use tuijin_core::summary::compare;
use tuijin_core::{ItemKind, Status};
use tuijin_store::{
    NoticeFilter, NoticeStore, ReportFilter, ReportStore, WarningFilter, WarningStore,
};

use crate::AppState;
use crate::cache::CachedPlan;
use crate::error::ApiError;
use crate::pages::widgets::fmt1;
use crate::pages::{status_key, warning_key};

/// Rows a list shows before it says how many more there are.
const SHOWN: usize = 30;
/// Positionings and major tasks listed in the progress section.
const MAJOR_SHOWN: usize = 60;

pub struct Ctx<'a> {
    pub st: &'a AppState,
    pub l: Lang,
    pub c: &'a CachedPlan,
    pub plan: &'a str,
    pub period: BriefPeriod,
    pub as_of: NaiveDate,
    pub since: NaiveDate,
    pub board: &'a Board,
    pub before: &'a Board,
    pub now: &'a HashMap<String, Progress>,
    pub then: &'a HashMap<String, Progress>,
}

impl Ctx<'_> {
    fn title(&self, n: usize) -> String {
        let i = &self.c.items[n];
        format!("{} {}", i.code, self.l.pick(&i.title))
    }
    pub(super) fn unit(&self, code: Option<&str>) -> String {
        match code {
            Some(u) => self
                .c
                .unit_name(u)
                .map(|t| self.l.pick(t).to_string())
                .unwrap_or_else(|| u.to_string()),
            None => self.l.t("brief.no_unit").into(),
        }
    }
    /// The lead unit's name, or a dash.
    fn lead(&self, n: usize) -> String {
        match &self.c.items[n].lead {
            Some(u) => self.unit(Some(u.as_str())),
            None => "—".into(),
        }
    }
    fn status(&self, s: Status) -> String {
        self.l.t(status_key(s)).into()
    }
    /// Within the period itself (an as-of day after its end does not stretch it).
    fn in_period(&self, d: NaiveDate) -> bool {
        d >= self.period.first_day() && d <= self.period.last_day()
    }
    pub(super) fn table(
        &self,
        head: &[&'static str],
        numeric: &[bool],
        rows: Vec<Vec<String>>,
    ) -> Block {
        Block::Table(Table {
            head: head.iter().map(|k| self.l.t(k).to_string()).collect(),
            rows,
            numeric: numeric.to_vec(),
        })
    }
    fn more(&self, shown: usize, total: usize) -> Option<Block> {
        (total > shown).then(|| Block::Note {
            text: self.l.f("brief.more", &[("n", &(total - shown))]),
        })
    }
}

/// Progress as the site shows it: what accepted reports vouch for, a lower bound ("≥ 61.9%")
/// with the share not reported beside it when part of the weight has no report.
fn prog(l: Lang, p: Progress) -> String {
    match p.vouched() {
        None => "—".into(),
        Some(v) if p.unknown_share > 0.005 => l.f(
            "brief.at_least",
            &[("p", &fmt1(v)), ("u", &fmt1(p.unknown_share * 100.0))],
        ),
        Some(v) => format!("{}%", fmt1(v)),
    }
}

fn pct(p: Option<f64>) -> String {
    p.map(|v| format!("{}%", fmt1(v)))
        .unwrap_or_else(|| "—".into())
}

fn delta(a: Option<f64>, b: Option<f64>) -> String {
    match (a, b) {
        (Some(a), Some(b)) => format!("{:+.1}", b - a),
        _ => "—".into(),
    }
}

/// Headline figures: where the plan stands, how far it moved, how many items stand how, and
/// the counts of warnings, notices and indicators the sections below detail.
pub async fn overview(x: &Ctx<'_>) -> Result<Section, ApiError> {
    let l = x.l;
    let (overall, expected) = x.board.overall(&x.c.items);
    let (was, _) = x.before.overall(&x.c.items);
    let totals = x.board.totals();
    let count = |s: Status| totals[status_index(s)];
    let behind = count(Status::AtRisk) + count(Status::OffTrack) + count(Status::Overdue);
    let open = open_warnings(x).await?.len();
    let mut items = vec![
        (
            l.t("brief.overall").to_string(),
            // The share unreported has its own card beside it.
            match overall.vouched() {
                Some(v) if overall.unknown_share > 0.005 => format!("≥{}%", fmt1(v)),
                v => pct(v),
            },
        ),
        (l.t("brief.expected").to_string(), pct(expected)),
        (
            l.f("brief.change_since", &[("date", &x.since)]),
            delta(was.vouched(), overall.vouched()),
        ),
        (
            l.t("brief.unknown_share").to_string(),
            format!("{}%", fmt1(overall.unknown_share * 100.0)),
        ),
    ];
    for s in [
        Status::Done,
        Status::OnTrack,
        Status::AtRisk,
        Status::OffTrack,
        Status::Overdue,
        Status::Unreported,
        Status::NotStarted,
    ] {
        items.push((x.status(s), count(s).to_string()));
    }
    items.push((l.t("brief.open_warnings").to_string(), open.to_string()));
    let text = l.f(
        "brief.summary",
        &[
            ("date", &x.as_of),
            ("overall", &prog(l, overall)),
            ("expected", &pct(expected)),
            ("behind", &behind),
            ("warnings", &open),
        ],
    );
    Ok(Section {
        id: "overview".into(),
        heading: l.t("brief.s.overview").into(),
        blocks: vec![
            Block::Para { text },
            Block::Figures { items },
            Block::Note {
                text: l.t("brief.overview_note").into(),
            },
        ],
    })
}

/// Progress against expected by positioning and by major task.
pub fn progress(x: &Ctx<'_>) -> Section {
    let (c, b) = (x.c, x.board);
    let live = |n: &usize| !b.is_out(*n);
    let positionings: Vec<usize> = (0..c.items.len())
        .filter(live)
        .filter(|&n| c.items[n].kind == ItemKind::Positioning)
        .collect();
    let major: Vec<usize> = (0..c.items.len())
        .filter(live)
        .filter(|&n| {
            let i = &c.items[n];
            i.kind == ItemKind::Task
                && i.parent
                    .as_ref()
                    .and_then(|p| c.item(b, p.as_str()))
                    .is_none_or(|p| p.kind != ItemKind::Task)
        })
        .collect();
    // A positioning is as far as the work that serves it (`Board::aligned`).
    let row = |n: usize| {
        let r = b.row_at(n);
        vec![
            x.title(n),
            x.lead(n),
            prog(x.l, b.shown(n)),
            pct(r.expected),
            delta(x.before.shown(n).vouched(), b.shown(n).vouched()),
            x.status(r.status),
        ]
    };
    let head = [
        "col.item",
        "col.lead",
        "col.progress",
        "brief.col.expected",
        "brief.col.change",
        "col.status",
    ];
    let numeric = [false, false, true, true, true, false];
    let mut blocks = Vec::new();
    if !positionings.is_empty() {
        blocks.push(Block::Subheading {
            text: x.l.t("cockpit.positionings").into(),
        });
        blocks.push(
            x.table(
                &head,
                &numeric,
                positionings
                    .iter()
                    .take(MAJOR_SHOWN)
                    .map(|&n| row(n))
                    .collect(),
            ),
        );
        blocks.extend(x.more(MAJOR_SHOWN, positionings.len()));
    }
    blocks.push(Block::Subheading {
        text: x.l.t("cockpit.major").into(),
    });
    if major.is_empty() {
        blocks.push(Block::Para {
            text: x.l.t("brief.none").into(),
        });
    } else {
        // A large plan has thousands: the briefing lists the first, as the cockpit does.
        blocks.push(x.table(
            &head,
            &numeric,
            major.iter().take(MAJOR_SHOWN).map(|&n| row(n)).collect(),
        ));
        blocks.extend(x.more(MAJOR_SHOWN, major.len()));
    }
    Section {
        id: "progress".into(),
        heading: x.l.t("brief.s.progress").into(),
        blocks,
    }
}

/// What moved and what slipped since the last briefing, with why from the reports.
pub async fn movement(x: &Ctx<'_>) -> Result<Section, ApiError> {
    let l = x.l;
    let list = compare(
        &x.c.items,
        x.then,
        x.now,
        x.since,
        x.as_of,
        x.c.plan.thresholds,
    );
    let index: HashMap<&str, usize> =
        x.c.items
            .iter()
            .enumerate()
            .map(|(n, i)| (i.code.as_str(), n))
            .collect();
    let lead = |code: &str| index.get(code).map(|&n| x.lead(n)).unwrap_or_default();
    let gain = |m: &tuijin_core::summary::Movement| {
        m.to.vouched().unwrap_or(0.0) - m.from.vouched().unwrap_or(0.0)
    };
    let mut moved: Vec<_> = list.iter().filter(|m| m.moved).collect();
    moved.sort_by(|a, b| gain(b).total_cmp(&gain(a)).then(a.code.cmp(&b.code)));
    let slipped: Vec<_> = list.iter().filter(|m| m.slipped || m.fell).collect();
    let mut blocks = vec![Block::Para {
        text: l.f(
            "brief.movement_summary",
            &[
                ("since", &x.since),
                ("date", &x.as_of),
                ("moved", &moved.len()),
                ("slipped", &slipped.iter().filter(|m| m.slipped).count()),
                ("fell", &slipped.iter().filter(|m| m.fell).count()),
            ],
        ),
    }];
    blocks.push(Block::Subheading {
        text: l.t("brief.slipped").into(),
    });
    if slipped.is_empty() {
        blocks.push(Block::Para {
            text: l.t("brief.none").into(),
        });
    } else {
        let mut rows = Vec::new();
        for m in slipped.iter().take(SHOWN) {
            // A parent moves with the items below it: its reasons are theirs.
            let parent = index
                .get(m.code.as_str())
                .is_some_and(|&n| x.board.counts(n).iter().sum::<u32>() > 1);
            let why = if parent {
                l.t("brief.rolled_up").to_string()
            } else {
                let lead = index
                    .get(m.code.as_str())
                    .and_then(|&n| x.c.items[n].lead.as_ref().map(|u| u.to_string()));
                why(x, &m.code, lead).await?
            };
            rows.push(vec![
                format!("{} {}", m.code, l.pick(&m.title)),
                lead(&m.code),
                format!("{} → {}", prog(l, m.from), prog(l, m.to)),
                format!("{} → {}", x.status(m.from_status), x.status(m.to_status)),
                why,
            ]);
        }
        blocks.push(x.table(
            &[
                "col.item",
                "col.lead",
                "col.progress",
                "col.status",
                "brief.col.why",
            ],
            &[false, false, false, false, false],
            rows,
        ));
        blocks.extend(x.more(SHOWN, slipped.len()));
    }
    blocks.push(Block::Subheading {
        text: l.t("brief.moved").into(),
    });
    if moved.is_empty() {
        blocks.push(Block::Para {
            text: l.t("brief.none").into(),
        });
    } else {
        let rows = moved
            .iter()
            .take(SHOWN)
            .map(|m| {
                vec![
                    format!("{} {}", m.code, l.pick(&m.title)),
                    lead(&m.code),
                    prog(l, m.from),
                    prog(l, m.to),
                    format!("{:+.1}", gain(m)),
                ]
            })
            .collect();
        blocks.push(x.table(
            &[
                "col.item",
                "col.lead",
                "brief.col.was",
                "brief.col.now",
                "brief.col.change",
            ],
            &[false, false, true, true, true],
            rows,
        ));
        blocks.extend(x.more(SHOWN, moved.len()));
    }
    Ok(Section {
        id: "movement".into(),
        heading: l.t("brief.s.movement").into(),
        blocks,
    })
}

/// Why an item slipped, in its units' words: the problems (else the narrative) of the latest
/// report on it accepted by the as-of day.
async fn why(x: &Ctx<'_>, code: &str, lead: Option<String>) -> Result<String, ApiError> {
    let tz = x.c.plan.tz();
    let Some(lead) = lead else {
        return Ok(x.l.t("brief.no_report").into());
    };
    let reports =
        x.st.store
            .list_reports(
                &ReportFilter {
                    plan: Some(x.plan.to_string()),
                    item: Some(code.to_string()),
                    unit: Some(lead),
                    ..Default::default()
                },
                500,
            )
            .await?;
    let known = reports
        .iter()
        .filter(|r| {
            matches!(
                r.state,
                tuijin_core::report::ReportState::Accepted
                    | tuijin_core::report::ReportState::Superseded
            )
        })
        .filter(|r| {
            r.reviewed_at
                .is_some_and(|at| at.with_timezone(&tz).date_naive() <= x.as_of)
        })
        .max_by_key(|r| (r.period.last_day(), r.reviewed_at));
    Ok(match known {
        Some(r) => {
            let text = if r.problems.trim().is_empty() {
                &r.narrative
            } else {
                &r.problems
            };
            let mut s: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
            if s.chars().count() > 120 {
                s = s.chars().take(119).collect::<String>() + "…";
            }
            format!("{} ({})", s, r.period)
        }
        None => x.l.t("brief.no_report").into(),
    })
}

async fn open_warnings(x: &Ctx<'_>) -> Result<Vec<tuijin_store::WarningRecord>, ApiError> {
    let all =
        x.st.store
            .list_warnings(
                &WarningFilter {
                    plan: Some(x.plan.to_string()),
                    include_cleared: true,
                    raised_by: Some(x.as_of),
                    ..Default::default()
                },
                10_000,
            )
            .await?;
    // Recorded by the as-of day (a warning dated back to when its condition began was not
    // known before it was recorded), not cleared by it; one per item and kind.
    let tz = x.c.plan.tz();
    let mut seen = std::collections::HashSet::new();
    Ok(all
        .into_iter()
        .filter(|w| w.raised_at.with_timezone(&tz).date_naive() <= x.as_of)
        .filter(|w| w.cleared_on.is_none_or(|d| d > x.as_of))
        .filter(|w| seen.insert((w.item.clone(), w.kind)))
        .collect())
}

/// Warnings open on the as-of day, by the unit that leads the item.
pub async fn warnings(x: &Ctx<'_>) -> Result<Section, ApiError> {
    let l = x.l;
    let open = open_warnings(x).await?;
    // In the order they were raised: a warning's severity may be raised later, so ordering
    // by it would make the same day's briefing read differently afterwards.
    let mut open = open;
    open.sort_by(|a, b| {
        (a.raised_on, &a.item, a.kind.as_str()).cmp(&(b.raised_on, &b.item, b.kind.as_str()))
    });
    let mut by_unit: BTreeMap<String, Vec<&tuijin_store::WarningRecord>> = BTreeMap::new();
    for w in &open {
        by_unit
            .entry(x.unit(w.lead.as_deref()))
            .or_default()
            .push(w);
    }
    let mut units: Vec<_> = by_unit.into_iter().collect();
    units.sort_by(|a, b| b.1.len().cmp(&a.1.len()).then(a.0.cmp(&b.0)));
    let mut blocks = vec![Block::Para {
        text: l.f(
            "brief.warnings_summary",
            &[
                ("date", &x.as_of),
                ("n", &open.len()),
                ("units", &units.len()),
            ],
        ),
    }];
    for (unit, list) in &units {
        blocks.push(Block::Subheading {
            text: match l {
                Lang::Zh => format!("{unit}（{}）", list.len()),
                Lang::En => format!("{unit} ({})", list.len()),
            },
        });
        let rows = list
            .iter()
            .take(SHOWN)
            .map(|w| {
                let title =
                    x.c.items
                        .iter()
                        .find(|i| i.code.as_str() == w.item)
                        .map(|i| l.pick(&i.title).to_string())
                        .unwrap_or_else(|| w.item_title.clone());
                vec![
                    format!("{} {}", w.item, title),
                    l.t(warning_key(w.kind)).to_string(),
                    w.raised_on.to_string(),
                    (x.as_of - w.raised_on).num_days().to_string(),
                ]
            })
            .collect();
        blocks.push(x.table(
            &[
                "col.item",
                "brief.col.warning",
                "brief.col.raised",
                "brief.col.days_open",
            ],
            &[false, false, false, true],
            rows,
        ));
        blocks.extend(x.more(SHOWN, list.len()));
    }
    Ok(Section {
        id: "warnings".into(),
        heading: l.t("brief.s.warnings").into(),
        blocks,
    })
}

/// Notices issued and closed in the period, and those overdue on the as-of day (by their reply
/// rounds: a reply that came by then stops the clock; a returned one does not). Absent when the
/// plan has issued none by then.
pub async fn notices(x: &Ctx<'_>) -> Result<Option<Section>, ApiError> {
    let l = x.l;
    let all =
        x.st.store
            .list_notices(
                &NoticeFilter {
                    plan: Some(x.plan.to_string()),
                    ..Default::default()
                },
                10_000,
            )
            .await?;
    let known: Vec<_> = all.iter().filter(|n| n.issued_on <= x.as_of).collect();
    if known.is_empty() {
        return Ok(None);
    }
    let issued: Vec<_> = known.iter().filter(|n| x.in_period(n.issued_on)).collect();
    let closed: Vec<_> = known
        .iter()
        .filter(|n| n.state == NoticeState::Closed && n.closed_on.is_some_and(|d| x.in_period(d)))
        .collect();
    let overdue: Vec<(&&tuijin_store::NoticeRecord, NaiveDate)> = known
        .iter()
        .filter(|n| n.closed_on.is_none_or(|d| d > x.as_of))
        .filter_map(|n| late_on(n, x.as_of).map(|due| (n, due)))
        .collect();
    let units = |n: &tuijin_store::NoticeRecord| {
        n.units
            .iter()
            .map(|u| x.unit(Some(&u.code)))
            .collect::<Vec<_>>()
            .join("、")
    };
    let mut blocks = vec![Block::Figures {
        items: vec![
            (l.t("brief.notices_issued").into(), issued.len().to_string()),
            (l.t("brief.notices_closed").into(), closed.len().to_string()),
            (
                l.t("brief.notices_overdue").into(),
                overdue.len().to_string(),
            ),
        ],
    }];
    if !overdue.is_empty() {
        blocks.push(Block::Subheading {
            text: l.t("brief.notices_overdue").into(),
        });
        let rows = overdue
            .iter()
            .take(SHOWN)
            .map(|(n, due)| {
                vec![
                    n.number.clone(),
                    n.title.clone(),
                    units(n),
                    due.to_string(),
                    (x.as_of - *due).num_days().to_string(),
                ]
            })
            .collect();
        blocks.push(x.table(
            &[
                "brief.col.number",
                "brief.col.title",
                "brief.col.units",
                "brief.col.reply_by",
                "brief.col.days_late",
            ],
            &[false, false, false, false, true],
            rows,
        ));
    }
    if !issued.is_empty() {
        blocks.push(Block::Subheading {
            text: l.t("brief.notices_issued").into(),
        });
        let rows = issued
            .iter()
            .take(SHOWN)
            .map(|n| {
                vec![
                    n.number.clone(),
                    n.title.clone(),
                    units(n),
                    n.issued_on.to_string(),
                    n.first_reply_by.to_string(),
                ]
            })
            .collect();
        blocks.push(x.table(
            &[
                "brief.col.number",
                "brief.col.title",
                "brief.col.units",
                "brief.col.issued",
                "brief.col.reply_by",
            ],
            &[false, false, false, false, false],
            rows,
        ));
    }
    Ok(Some(Section {
        id: "notices".into(),
        heading: l.t("brief.s.notices").into(),
        blocks,
    }))
}

/// The reply date a notice had passed unanswered on `day`, if it had: its rounds in order,
/// each ended by a reply that came by `day`; the first still open on `day` is late when its
/// date is before `day`.
fn late_on(n: &tuijin_store::NoticeRecord, day: NaiveDate) -> Option<NaiveDate> {
    let answered = match n.state {
        NoticeState::Replied => n.replied_on,
        NoticeState::Closed => n.replied_on.or(n.closed_on),
        _ => None,
    };
    let last = tuijin_core::notice::Round {
        reply_by: n.reply_by,
        answered,
    };
    let open = n
        .rounds
        .iter()
        .chain(std::iter::once(&last))
        .find(|r| r.answered.is_none_or(|a| a > day))?;
    (open.reply_by < day).then_some(open.reply_by)
}
