//! Briefings (工作简报): what the office sends up for a period — the weekly dispatch (周调度),
//! the monthly bulletin (月通报), the quarterly push (季推进) and the annual review (年考评).
//!
//! This module holds what a briefing *is*, independent of any file format: its period and the
//! day its figures are taken on, and a document of sections made of paragraphs, tables and
//! charts, already written in the reader's language. The web layer fills it from as-of reads
//! of the store; the export layer writes it as Markdown, DOCX or PDF, and the web layer as
//! HTML. A briefing is a function of (plan, period, as-of day, language): the same four give
//! the same document however much happened later — `text()` is what tests compare.

use std::fmt;

use chrono::{Datelike, Duration, NaiveDate, Weekday};
use serde::{Deserialize, Serialize};

/// How often the office briefs, and so how long a briefing's period is.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Hash,
    Serialize,
    Deserialize,
    strum::EnumString,
    strum::IntoStaticStr,
    strum::VariantArray,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum BriefCadence {
    /// 周调度: an ISO week, `2019-W35`.
    Weekly,
    /// 月通报: a month, `2019-08`.
    Monthly,
    /// 季推进: a quarter, `2019-Q3`.
    Quarterly,
    /// 年考评: a year, `2019`.
    Annual,
}

impl BriefCadence {
    pub fn as_str(self) -> &'static str {
        self.into()
    }
    pub fn parse(s: &str) -> Option<Self> {
        s.parse().ok()
    }
}

/// The span a briefing covers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum BriefPeriod {
    Week { year: i32, week: u32 },
    Month { year: i32, month: u32 },
    Quarter { year: i32, quarter: u32 },
    Year { year: i32 },
}

/// What `BriefPeriod::parse` accepts, for messages and the API's description.
pub const BRIEF_PERIOD_FORMS: &str =
    "YYYY-Wnn (a week), YYYY-MM (a month), YYYY-Qn (a quarter) or YYYY (a year)";

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum BriefPeriodError {
    #[error("`{0}` is not a briefing period; write {BRIEF_PERIOD_FORMS}")]
    Form(String),
    #[error("`{period}` is a {found} period, but the cadence asked for is {asked}")]
    Cadence {
        period: String,
        found: &'static str,
        asked: &'static str,
    },
}

impl BriefPeriod {
    /// Reads `2019-W35`, `2019-08`, `2019-Q3` or `2019`; with `cadence`, the form must be
    /// that cadence's.
    pub fn parse(s: &str, cadence: Option<BriefCadence>) -> Result<BriefPeriod, BriefPeriodError> {
        let s = s.trim();
        // Quoted back in the message, shortened: a period is at most 8 characters.
        let bad = || {
            let shown: String = s.chars().take(20).collect();
            BriefPeriodError::Form(if shown.len() < s.len() {
                format!("{shown}…")
            } else {
                shown
            })
        };
        let year_of = |y: &str| -> Result<i32, BriefPeriodError> {
            let year: i32 = y.parse().map_err(|_| bad())?;
            if y.len() != 4 || !(1900..=2200).contains(&year) {
                return Err(bad());
            }
            Ok(year)
        };
        let p = match s.split_once('-') {
            None => BriefPeriod::Year { year: year_of(s)? },
            Some((y, rest)) => {
                let year = year_of(y)?;
                if let Some(w) = rest.strip_prefix('W') {
                    let week: u32 = w.parse().map_err(|_| bad())?;
                    if w.len() != 2
                        || NaiveDate::from_isoywd_opt(year, week, Weekday::Mon).is_none()
                    {
                        return Err(bad());
                    }
                    BriefPeriod::Week { year, week }
                } else {
                    match crate::period::Period::parse(s).map_err(|_| bad())? {
                        crate::period::Period::Month { year, month } => {
                            BriefPeriod::Month { year, month }
                        }
                        crate::period::Period::Quarter { year, quarter } => {
                            BriefPeriod::Quarter { year, quarter }
                        }
                    }
                }
            }
        };
        match cadence {
            Some(c) if c != p.cadence() => Err(BriefPeriodError::Cadence {
                period: s.to_string(),
                found: p.cadence().as_str(),
                asked: c.as_str(),
            }),
            _ => Ok(p),
        }
    }

    pub fn cadence(self) -> BriefCadence {
        match self {
            BriefPeriod::Week { .. } => BriefCadence::Weekly,
            BriefPeriod::Month { .. } => BriefCadence::Monthly,
            BriefPeriod::Quarter { .. } => BriefCadence::Quarterly,
            BriefPeriod::Year { .. } => BriefCadence::Annual,
        }
    }

    /// The period of `cadence` that holds `date`.
    pub fn containing(cadence: BriefCadence, date: NaiveDate) -> BriefPeriod {
        let year = date.year();
        match cadence {
            BriefCadence::Weekly => {
                let w = date.iso_week();
                BriefPeriod::Week {
                    year: w.year(),
                    week: w.week(),
                }
            }
            BriefCadence::Monthly => BriefPeriod::Month {
                year,
                month: date.month(),
            },
            BriefCadence::Quarterly => BriefPeriod::Quarter {
                year,
                quarter: (date.month() - 1) / 3 + 1,
            },
            BriefCadence::Annual => BriefPeriod::Year { year },
        }
    }

    pub fn first_day(self) -> NaiveDate {
        let ymd = |y, m| NaiveDate::from_ymd_opt(y, m, 1).expect("valid period");
        match self {
            BriefPeriod::Week { year, week } => {
                NaiveDate::from_isoywd_opt(year, week, Weekday::Mon).expect("valid week")
            }
            BriefPeriod::Month { year, month } => ymd(year, month),
            BriefPeriod::Quarter { year, quarter } => ymd(year, (quarter - 1) * 3 + 1),
            BriefPeriod::Year { year } => ymd(year, 1),
        }
    }

    pub fn last_day(self) -> NaiveDate {
        self.last_day_inner()
    }

    pub fn next(self) -> BriefPeriod {
        BriefPeriod::containing(self.cadence(), self.last_day_inner() + Duration::days(1))
    }

    pub fn previous(self) -> BriefPeriod {
        BriefPeriod::containing(self.cadence(), self.first_day() - Duration::days(1))
    }

    fn last_day_inner(self) -> NaiveDate {
        let end_of_month = |y: i32, m: u32| {
            let (ny, nm) = if m == 12 { (y + 1, 1) } else { (y, m + 1) };
            NaiveDate::from_ymd_opt(ny, nm, 1).expect("valid date") - Duration::days(1)
        };
        match self {
            BriefPeriod::Week { .. } => self.first_day() + Duration::days(6),
            BriefPeriod::Month { year, month } => end_of_month(year, month),
            BriefPeriod::Quarter { year, quarter } => end_of_month(year, quarter * 3),
            BriefPeriod::Year { year } => end_of_month(year, 12),
        }
    }
}

impl fmt::Display for BriefPeriod {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            BriefPeriod::Week { year, week } => write!(f, "{year}-W{week:02}"),
            BriefPeriod::Month { year, month } => write!(f, "{year}-{month:02}"),
            BriefPeriod::Quarter { year, quarter } => write!(f, "{year}-Q{quarter}"),
            BriefPeriod::Year { year } => write!(f, "{year}"),
        }
    }
}

impl From<BriefPeriod> for String {
    fn from(p: BriefPeriod) -> String {
        p.to_string()
    }
}

impl TryFrom<String> for BriefPeriod {
    type Error = BriefPeriodError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        BriefPeriod::parse(&s, None)
    }
}

/// The day a briefing's figures are taken on: the period's last day unless the office names
/// a later one (a bulletin issued once the period's reports are in); never after `today`.
pub fn as_of_day(
    period: BriefPeriod,
    asked: Option<NaiveDate>,
    today: NaiveDate,
) -> Result<NaiveDate, AsOfError> {
    let end = period.last_day();
    let d = asked.unwrap_or(end);
    if d < end {
        return Err(AsOfError::BeforeEnd { end });
    }
    if d > today {
        return Err(AsOfError::Future { day: d, today });
    }
    Ok(d)
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum AsOfError {
    #[error("a briefing is taken on or after its period's last day ({end})")]
    BeforeEnd { end: NaiveDate },
    #[error("{day} has not come yet (today is {today}): a briefing is written of what is known")]
    Future { day: NaiveDate, today: NaiveDate },
}

/// A briefing: a title block and its sections, in one language.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Brief {
    /// `zh` or `en`.
    pub lang: String,
    pub plan: String,
    pub period: BriefPeriod,
    pub cadence: BriefCadence,
    pub as_of: NaiveDate,
    /// The day before the period began: what "since the last briefing" compares with.
    pub since: NaiveDate,
    pub title: String,
    /// The period and the cadence in words: "2019年第三季度 · 季推进".
    pub subtitle: String,
    /// Who issues it and the as-of day in words.
    pub issued: String,
    /// The table of contents' heading.
    pub contents: String,
    pub sections: Vec<Section>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Section {
    /// A stable anchor (`overview`, `progress`, …).
    pub id: String,
    pub heading: String,
    pub blocks: Vec<Block>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Block {
    Para {
        text: String,
    },
    /// A smaller heading inside a section.
    Subheading {
        text: String,
    },
    Bullets {
        items: Vec<String>,
    },
    /// Headline figures: a label and a value each.
    Figures {
        items: Vec<(String, String)>,
    },
    Table(Table),
    Chart(Chart),
    /// A remark in small print (what a figure means, what is not shown).
    Note {
        text: String,
    },
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Table {
    pub head: Vec<String>,
    pub rows: Vec<Vec<String>>,
    /// Columns holding numbers, set right-aligned.
    pub numeric: Vec<bool>,
}

/// A chart as SVG, with a caption and the text a reader without the picture gets.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Chart {
    pub caption: String,
    pub alt: String,
    pub svg: String,
}

impl Brief {
    /// The briefing's words in reading order, one line per paragraph, item, figure or table
    /// row (cells separated by tabs); charts by their caption and description. Two briefings
    /// say the same thing exactly when their texts are equal.
    pub fn text(&self) -> String {
        let mut out = String::new();
        let mut line = |s: &str| {
            out.push_str(s);
            out.push('\n');
        };
        line(&self.title);
        line(&self.subtitle);
        line(&self.issued);
        for s in &self.sections {
            line("");
            line(&s.heading);
            for b in &s.blocks {
                match b {
                    Block::Para { text } | Block::Subheading { text } | Block::Note { text } => {
                        line(text)
                    }
                    Block::Bullets { items } => items.iter().for_each(|i| line(&format!("- {i}"))),
                    Block::Figures { items } => {
                        items.iter().for_each(|(k, v)| line(&format!("{k}\t{v}")))
                    }
                    Block::Table(t) => {
                        line(&t.head.join("\t"));
                        t.rows.iter().for_each(|r| line(&r.join("\t")));
                    }
                    Block::Chart(c) => {
                        line(&c.caption);
                        line(&c.alt);
                    }
                }
            }
        }
        out
    }

    /// A file name for the briefing: plan, period and cadence, e.g.
    /// `zz-ncc-2017-2019-Q3-quarterly`.
    pub fn file_stem(&self) -> String {
        format!("{}-{}-{}", self.plan, self.period, self.cadence.as_str())
    }
}

#[cfg(test)]
mod tests;
