//! Supervision notices (督办单): the office's closed loop on what lags — issue (交办), sign
//! for receipt (签收), reply (反馈), return for a better reply (退回), close (销号) — with
//! colour levels that rise while a reply is overdue. Pure rules; the store records what
//! happened, and a notice's level on any day is computed from its history and that day, so it
//! is the same whenever it is asked (PRACTICE.md §1).

use chrono::{Datelike, Duration, NaiveDate, Weekday};
use serde::{Deserialize, Serialize};

use crate::problem::{Problem, Problems, Refusal, Rule};

/// Where a notice is in its loop.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Hash,
    Serialize,
    Deserialize,
    strum::IntoStaticStr,
    strum::EnumString,
    strum::VariantArray,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum NoticeState {
    /// Issued (交办), waiting for the units to sign for it.
    Issued,
    /// Signed for (签收) by an addressed unit: it is being handled.
    Signed,
    /// Replied (反馈): waiting for the office to verify.
    Replied,
    /// Sent back by the office for a better reply (退回).
    Returned,
    /// Verified and closed (销号).
    Closed,
}

impl NoticeState {
    pub fn as_str(self) -> &'static str {
        self.into()
    }
    pub fn parse(s: &str) -> Option<Self> {
        s.parse().ok()
    }
    /// Still waiting for a reply from the units.
    pub fn awaits_reply(self) -> bool {
        matches!(
            self,
            NoticeState::Issued | NoticeState::Signed | NoticeState::Returned
        )
    }
}

/// What someone does to a notice.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Serialize,
    Deserialize,
    strum::IntoStaticStr,
    strum::EnumString,
    strum::VariantArray,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum NoticeAction {
    /// An addressed unit signs for it.
    Sign,
    /// An addressed unit replies: what was done.
    Reply,
    /// The office sends the reply back, saying why.
    Return,
    /// The office verifies and closes it (销号).
    Close,
    /// An addressed unit asks for a later reply date, with a reason, before the date passes.
    AskExtension,
    /// The office grants the extension asked for.
    GrantExtension,
    /// The office refuses it, saying why.
    RefuseExtension,
}

impl NoticeAction {
    pub fn as_str(self) -> &'static str {
        self.into()
    }
    pub fn parse(s: &str) -> Option<Self> {
        s.parse().ok()
    }
    /// Done by the office (the others by an addressed unit).
    pub fn by_office(self) -> bool {
        matches!(
            self,
            NoticeAction::Return
                | NoticeAction::Close
                | NoticeAction::GrantExtension
                | NoticeAction::RefuseExtension
        )
    }
}

/// The state a notice moves to, or why it may not.
pub fn transition(from: NoticeState, action: NoticeAction) -> Result<NoticeState, Refusal> {
    use NoticeAction::*;
    use NoticeState::*;
    let to = match (from, action) {
        // Each addressed unit signs for itself: a notice already signed by one is signed by
        // the next (the store refuses a unit signing twice).
        (Issued | Signed, Sign) => Some(Signed),
        // Replying signs for it too: a unit that answers has plainly received it.
        (Issued | Signed | Returned, Reply) => Some(Replied),
        (Replied, Return) => Some(Returned),
        (Replied, Close) => Some(Closed),
        // The office may close a notice that was never replied to, with a reason (the work
        // was done another way, or the notice was overtaken).
        (Issued | Signed | Returned, Close) => Some(Closed),
        (Issued | Signed | Returned, AskExtension | GrantExtension | RefuseExtension) => Some(from),
        _ => None,
    };
    to.ok_or_else(|| {
        Refusal::Conflict(
            Problem::new("state", Rule::NoticeWorkflow)
                .with("from", format!("@notice.state.{}", from.as_str()))
                .with("action", format!("@notice.action.{}", action.as_str())),
        )
    })
}

/// The words an action needs: a reply says what was done, a return and a refusal say why, a
/// close without a reply says why, an extension asked for says why and until when.
pub fn check_words(
    from: NoticeState,
    action: NoticeAction,
    text: &str,
    until: Option<NaiveDate>,
    reply_by: NaiveDate,
    today: NaiveDate,
) -> Result<(), Refusal> {
    let mut out = Problems::default();
    let needs_text = match action {
        NoticeAction::Reply
        | NoticeAction::Return
        | NoticeAction::AskExtension
        | NoticeAction::RefuseExtension => true,
        NoticeAction::Close => from != NoticeState::Replied,
        NoticeAction::Sign | NoticeAction::GrantExtension => false,
    };
    if needs_text && crate::problem::is_blank(text) {
        out.push(Problem::new("text", Rule::NoticeNeedsText));
    }
    // A return names the date the better reply is due (the web fills in a default): today at
    // the earliest, as for a notice's first reply date.
    if action == NoticeAction::Return {
        match until {
            None => out.push(Problem::new("until", Rule::Required)),
            Some(u) if u < today => {
                out.push(Problem::new("until", Rule::ReplyByPast).with("today", today))
            }
            Some(u) if (u - today).num_days() > MAX_REPLY_DAYS => {
                out.push(Problem::new("until", Rule::DateTooFar).with("max", MAX_REPLY_DAYS))
            }
            Some(_) => {}
        }
    }
    crate::problem::check_text("text", text, &mut out);
    if action == NoticeAction::AskExtension {
        match until {
            None => out.push(Problem::new("until", Rule::Required)),
            Some(u) if u <= reply_by => {
                out.push(Problem::new("until", Rule::ExtensionNotLater).with("reply_by", reply_by))
            }
            Some(u) if (u - today).num_days() > MAX_REPLY_DAYS => {
                out.push(Problem::new("until", Rule::DateTooFar).with("max", MAX_REPLY_DAYS))
            }
            Some(_) => {}
        }
        // Asked for before the date passes (PRACTICE.md §1.4).
        if today > reply_by {
            out.push(Problem::new("until", Rule::ExtensionTooLate).with("reply_by", reply_by));
        }
    }
    out.finish()
}

/// How a plan's office runs its notices: the number's format, the colour levels from the
/// mildest, and how many working days without a reply raise a notice one more level.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct NoticeSettings {
    /// `{year}` and `{n}` are replaced: `督办〔{year}〕{n}号` gives `督办〔2020〕12号`.
    pub number_format: String,
    /// Level names from the mildest (default blue, yellow, red: 蓝色/黄色/红色).
    pub levels: Vec<String>,
    /// Working days (Monday to Friday) without a reply after the first rise before the next.
    pub escalate_every: u32,
    /// The issuing office, at the head of a printed notice (发文机关), in Chinese and English.
    #[serde(default)]
    pub issuer: String,
    #[serde(default)]
    pub issuer_en: String,
    /// Who to contact about notices, and how (联系人及电话), printed at the foot.
    #[serde(default)]
    pub contact: String,
}

impl Default for NoticeSettings {
    fn default() -> Self {
        NoticeSettings {
            number_format: "督办〔{year}〕{n}号".into(),
            levels: vec!["blue".into(), "yellow".into(), "red".into()],
            escalate_every: 5,
            issuer: String::new(),
            issuer_en: String::new(),
            contact: String::new(),
        }
    }
}

impl NoticeSettings {
    /// The number of the `n`th notice issued in `year`.
    pub fn number(&self, year: i32, n: u32) -> String {
        self.number_format
            .replace("{year}", &year.to_string())
            .replace("{n}", &n.to_string())
    }
}

/// One rise of a notice's level: the day and the level it rose to.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Rise {
    pub on: NaiveDate,
    pub level: usize,
}

/// How a notice issued at level `issued` and due for a reply by `reply_by` has risen by
/// `date`, given the day it was replied to (if it was, by then): one level the day after the
/// deadline, one more for each further `every` working days without a reply, up to the last
/// level. The same question always gets the same answer: escalation is computed, not stored.
pub fn rises(
    issued: usize,
    reply_by: NaiveDate,
    replied_on: Option<NaiveDate>,
    date: NaiveDate,
    every: u32,
    levels: usize,
) -> Vec<Rise> {
    let mut out = Vec::new();
    let top = levels.saturating_sub(1);
    let until = replied_on.map_or(date, |r| r.min(date));
    let mut on = reply_by + Duration::days(1);
    let mut level = issued;
    while level < top && on <= until {
        level += 1;
        out.push(Rise { on, level });
        on = add_working_days(on, every.max(1));
    }
    out
}

/// One round of waiting for a reply: the date it was due and the day it came (if it did). A
/// reply the office returns ends its round; the better reply is due by a new date, a new round.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Round {
    pub reply_by: NaiveDate,
    pub answered: Option<NaiveDate>,
}

/// How a notice's level rose over its rounds by `date`: each round escalates from the level the
/// rounds before it reached (`rises`), so a late reply that was returned keeps the levels it
/// reached, and a reply returned on time raises nothing until its new date has passed.
pub fn rises_over(
    issued: usize,
    rounds: &[Round],
    date: NaiveDate,
    every: u32,
    levels: usize,
) -> Vec<Rise> {
    let mut out: Vec<Rise> = Vec::new();
    for r in rounds {
        let from = out.last().map_or(issued, |x| x.level);
        out.extend(rises(from, r.reply_by, r.answered, date, every, levels));
    }
    out
}

/// The longest a reply date may lie ahead of the day it is set: a year.
pub const MAX_REPLY_DAYS: i64 = 366;

/// The day `n` working days (Monday to Friday) after `from`. Public holidays are not known
/// here: a city whose calendar moves working days changes `escalate_every` instead.
pub fn add_working_days(from: NaiveDate, n: u32) -> NaiveDate {
    let mut d = from;
    let mut left = n;
    while left > 0 {
        d += Duration::days(1);
        if !matches!(d.weekday(), Weekday::Sat | Weekday::Sun) {
            left -= 1;
        }
    }
    d
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::VariantArray;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn every_transition_and_every_refusal() {
        use NoticeAction::*;
        use NoticeState::*;
        let allowed = [
            (Issued, Sign, Signed),
            (Signed, Sign, Signed),
            (Issued, Reply, Replied),
            (Signed, Reply, Replied),
            (Returned, Reply, Replied),
            (Replied, Return, Returned),
            (Replied, Close, Closed),
            (Issued, Close, Closed),
            (Signed, Close, Closed),
            (Returned, Close, Closed),
            (Issued, AskExtension, Issued),
            (Signed, GrantExtension, Signed),
            (Returned, RefuseExtension, Returned),
        ];
        for from in NoticeState::VARIANTS {
            for action in NoticeAction::VARIANTS {
                let got = transition(*from, *action);
                match allowed.iter().find(|(f, a, _)| f == from && a == action) {
                    Some((_, _, to)) => assert_eq!(got, Ok(*to), "{from:?} {action:?}"),
                    None if matches!(action, AskExtension | GrantExtension | RefuseExtension)
                        && from.awaits_reply() =>
                    {
                        assert_eq!(got, Ok(*from))
                    }
                    None => assert!(
                        matches!(got, Err(Refusal::Conflict(ref p)) if p.rule == Rule::NoticeWorkflow),
                        "{from:?} {action:?}: {got:?}"
                    ),
                }
            }
        }
        // Nothing happens to a closed notice.
        for action in NoticeAction::VARIANTS {
            assert!(transition(Closed, *action).is_err());
        }
    }

    #[test]
    fn words_each_action_needs() {
        let (by, today) = (d("2020-07-10"), d("2020-07-01"));
        let rules = |r: Result<(), Refusal>| match r {
            Ok(()) => vec![],
            Err(Refusal::Invalid(ps)) => ps.into_iter().map(|p| p.rule).collect(),
            Err(other) => panic!("{other:?}"),
        };
        use NoticeAction::*;
        use NoticeState::*;
        assert_eq!(
            rules(check_words(Signed, Reply, " ", None, by, today)),
            [Rule::NoticeNeedsText]
        );
        assert_eq!(
            rules(check_words(
                Signed,
                Reply,
                "\u{200B}\u{FEFF} ",
                None,
                by,
                today
            )),
            [Rule::NoticeNeedsText],
            "invisible characters say nothing"
        );
        assert_eq!(rules(check_words(Replied, Close, "", None, by, today)), []);
        // A return names when the better reply is due: today at the earliest (as a notice's
        // first reply date), within a year.
        assert_eq!(
            rules(check_words(Replied, Return, "请补充", None, by, today)),
            [Rule::Required]
        );
        let yesterday = today.pred_opt().unwrap();
        assert_eq!(
            rules(check_words(
                Replied,
                Return,
                "请补充",
                Some(yesterday),
                by,
                today
            )),
            [Rule::ReplyByPast]
        );
        assert_eq!(
            rules(check_words(
                Replied,
                Return,
                "请补充",
                Some(today),
                by,
                today
            )),
            []
        );
        assert_eq!(
            rules(check_words(
                Replied,
                Return,
                "请补充",
                Some(d("9999-12-31")),
                by,
                today
            )),
            [Rule::DateTooFar]
        );
        assert_eq!(
            rules(check_words(
                Replied,
                Return,
                "请补充",
                Some(d("2020-07-08")),
                by,
                today
            )),
            []
        );
        assert_eq!(
            rules(check_words(
                Signed,
                AskExtension,
                "征迁",
                Some(d("9999-12-31")),
                by,
                today
            )),
            [Rule::DateTooFar]
        );
        assert_eq!(
            rules(check_words(Signed, Close, "", None, by, today)),
            [Rule::NoticeNeedsText]
        );
        assert_eq!(rules(check_words(Issued, Sign, "", None, by, today)), []);
        assert_eq!(
            rules(check_words(
                Signed,
                AskExtension,
                "征迁未完",
                Some(d("2020-07-05")),
                by,
                today
            )),
            [Rule::ExtensionNotLater]
        );
        assert_eq!(
            rules(check_words(
                Signed,
                AskExtension,
                "征迁未完",
                Some(d("2020-07-31")),
                by,
                d("2020-07-11")
            )),
            [Rule::ExtensionTooLate]
        );
        assert_eq!(
            rules(check_words(
                Signed,
                AskExtension,
                "征迁未完",
                None,
                by,
                today
            )),
            [Rule::Required]
        );
    }

    #[test]
    fn a_returned_reply_keeps_the_levels_reached_and_waits_for_its_new_date() {
        let r = |by: &str, answered: Option<&str>| Round {
            reply_by: d(by),
            answered: answered.map(d),
        };
        // Replied late (risen to yellow on 11 July), returned on 20 July with a new date of
        // 27 July: yellow stays, nothing more until 28 July, then red.
        let rounds = [r("2020-07-10", Some("2020-07-14")), r("2020-07-27", None)];
        let got = rises_over(0, &rounds, d("2020-07-27"), 5, 3);
        assert_eq!(
            got,
            [Rise {
                on: d("2020-07-11"),
                level: 1
            }]
        );
        let got = rises_over(0, &rounds, d("2020-07-28"), 5, 3);
        assert_eq!(
            got,
            [
                Rise {
                    on: d("2020-07-11"),
                    level: 1
                },
                Rise {
                    on: d("2020-07-28"),
                    level: 2
                }
            ]
        );
        // Replied on time and returned: no rise at all while the new date is ahead.
        let rounds = [r("2020-07-10", Some("2020-07-10")), r("2020-07-27", None)];
        assert!(rises_over(0, &rounds, d("2020-07-20"), 5, 3).is_empty());
        // Closed on 21 July without the better reply: the round ends there.
        let rounds = [
            r("2020-07-10", Some("2020-07-14")),
            r("2020-07-17", Some("2020-07-21")),
        ];
        assert_eq!(
            rises_over(0, &rounds, d("2020-09-01"), 5, 3)
                .last()
                .unwrap()
                .level,
            2
        );
    }

    #[test]
    fn numbers_follow_the_office_format() {
        let s = NoticeSettings::default();
        assert_eq!(s.number(2020, 12), "督办〔2020〕12号");
        let mine = NoticeSettings {
            number_format: "郑发改督〔{year}〕第{n}号".into(),
            ..Default::default()
        };
        assert_eq!(mine.number(2021, 1), "郑发改督〔2021〕第1号");
    }

    #[test]
    fn escalation_is_computed_from_the_deadline_and_the_day() {
        // Blue, due 2020-07-10 (a Friday), never replied.
        let by = d("2020-07-10");
        let on = |date: &str| rises(0, by, None, d(date), 5, 3);
        assert!(on("2020-07-10").is_empty(), "not late on the day itself");
        assert_eq!(
            on("2020-07-11"),
            [Rise {
                on: d("2020-07-11"),
                level: 1
            }]
        );
        assert_eq!(on("2020-07-13").len(), 1, "yellow on 2020-07-13");
        // Five working days after the first rise (Sat 11th → Fri 17th): red.
        assert_eq!(on("2020-07-16").len(), 1);
        assert_eq!(
            on("2020-07-17"),
            [
                Rise {
                    on: d("2020-07-11"),
                    level: 1
                },
                Rise {
                    on: d("2020-07-17"),
                    level: 2
                }
            ]
        );
        // Red is the top: no further rise.
        assert_eq!(on("2021-01-01").len(), 2);
        // Replied on the 14th: it rose once and stopped.
        assert_eq!(
            rises(0, by, Some(d("2020-07-14")), d("2020-08-01"), 5, 3).len(),
            1
        );
        // Replied in time: never rose. Issued red: nowhere to rise.
        assert!(rises(0, by, Some(d("2020-07-09")), d("2020-08-01"), 5, 3).is_empty());
        assert!(rises(2, by, None, d("2020-08-01"), 5, 3).is_empty());
        // The same question, the same answer.
        assert_eq!(on("2020-07-20"), on("2020-07-20"));
    }

    #[test]
    fn working_days_skip_weekends() {
        assert_eq!(add_working_days(d("2020-07-10"), 1), d("2020-07-13"));
        assert_eq!(add_working_days(d("2020-07-11"), 5), d("2020-07-17"));
    }
}
