//! What a rule answers when it refuses: the field it objects to, the rule (a stable code that
//! clients and tests match on, never message text), and the values its message names. Messages
//! come from the catalogue (`problem.<rule>` in `locales/*.toml`), in either language.
//!
//! A refusal has one of three meanings, which decide the HTTP answer: the caller's input breaks
//! rules (every problem at once, 422), the record's state forbids it now (409), or the caller
//! may not do this to this record (403).

use serde::{Serialize, Serializer};
use strum::{EnumIter, IntoStaticStr};

use crate::i18n::{Lang, fill};

/// Every rule that can refuse a caller's input. The name is the catalogue key's tail and the
/// `code` clients see.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, IntoStaticStr, EnumIter, Serialize)]
#[strum(serialize_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum Rule {
    /// A field that must be given is empty.
    Required,
    /// Text with NUL or another control character (line breaks and tabs are allowed).
    ControlCharacter,
    /// Text longer than the field takes.
    TooLong,
    /// Not a code (letters, digits, `.`, `-`, `_`).
    CodeFormat,
    /// Not a number, or not a finite one.
    NotANumber,
    /// A percent outside 0 to 100.
    PercentRange,
    /// Not a period (`YYYY-MM` or `YYYY-Qn`).
    PeriodFormat,
    /// A period of another cadence than the plan's.
    PeriodCadence,
    /// A period that has not begun yet.
    PeriodFuture,
    /// A period that ended before the plan began.
    PeriodBeforePlan,
    /// The period is closed by the office.
    PeriodClosed,
    /// Reports of the period still await review.
    PeriodAwaitingReview,
    /// A milestone is reached (100) or not (0).
    MilestoneBinary,
    /// The item's progress is rolled up from its children: a percent on it would be ignored.
    PercentRolledUp,
    /// The item's progress is its indicator's figure: a percent on it would be ignored.
    PercentMeasured,
    /// A percent below the last accepted one needs a reason.
    FallNeedsReason,
    /// A submitted report says what was done.
    NarrativeRequired,
    /// A returned report says why.
    ReturnNeedsComment,
    /// A figure for an indicator the plan does not have.
    FigureUnknownIndicator,
    /// The same indicator twice in one report.
    FigureTwice,
    /// A figure for an indicator another unit owns.
    FigureNotOwner,
    /// A figure's period is not one of its indicator's frequency.
    FigurePeriod,
    /// A figure for a period that has not ended yet.
    FigurePeriodNotOver,
    /// A figure in another unit of measure than its indicator's.
    FigureUnitMismatch,
    /// A figure covering another scope than its indicator's.
    FigureScopeMismatch,
    /// A figure counted on another basis (cumulative, per period) than its indicator's.
    FigureBasisMismatch,
    /// A figure replacing one already filed for its period says why.
    RevisionNeedsReason,
    /// A figure for the period already waits for the office's review.
    FigurePending,
    /// The figure is not waiting for review (already accepted or returned).
    FigureNotPending,
    /// Returning a figure says why.
    FigureReturnNeedsComment,
    /// An indicator's unit, scope, basis or frequency does not change under figures it keeps.
    IndicatorHasFigures,
    /// The report's state does not allow the action.
    Workflow,
    /// The notice's state does not allow the action.
    NoticeWorkflow,
    /// A reply, a return, a refusal or a close without a reply says why.
    NoticeNeedsText,
    /// An extension asks for a later date than the current one.
    ExtensionNotLater,
    /// An extension is asked for before the reply date passes.
    ExtensionTooLate,
    /// The notice is not addressed to this unit.
    NotAddressed,
    /// A reply date before today.
    ReplyByPast,
    /// The same entry twice in a list.
    Duplicate,
    /// An item the plan does not have.
    UnknownItem,
    /// A unit that does not exist.
    UnknownUnit,
    /// Not an open warning on the item.
    UnknownWarning,
    /// No proposed notice on the item today.
    NoProposal,
    /// A file name without an ending, or too long.
    FileName,
    /// An empty file.
    FileEmpty,
    /// A file larger than the limit.
    FileTooBig,
    /// A file whose content is of no accepted type.
    FileType,
    /// A file whose name says another type than its content.
    FileDisguised,
    /// Evidence is added only while the report or notice can still change.
    EvidenceClosed,
    /// More files in one upload than it takes.
    TooManyFiles,
    /// A date too far ahead.
    DateTooFar,
    /// Only the lead addressed unit (主办) replies or asks for time.
    NotLeadUnit,
    /// The unit has signed for the notice already.
    AlreadySigned,
    /// A notice on the item is open: a proposal is issued once.
    NoticeOpen,
    /// Files go with a reply only.
    FilesWithReplyOnly,
    /// No extension is waiting to be decided.
    NoExtensionAsked,
    /// The item is archived.
    ItemArchived,
    /// The item is cancelled.
    ItemCancelled,
    /// A report for this item, period and unit is still open.
    ReportOpen,
    /// The unit neither leads nor co-operates on the item.
    NotResponsible,
    /// The user is not bound to the unit it acts for.
    NotYourUnit,
    /// The user's role does not allow the action.
    RoleMayNot,
    /// A unit or person another plan defines, listed with a different definition.
    OwnedByAnotherPlan,
    /// Past reports load only into a plan that has none yet.
    HistoryOnlyIntoEmptyPlan,
    /// A locked cell of a handed-down workbook was changed (`{expected}` is what it held).
    CellLocked,
    /// A workbook that is not the template it claims to be (its key sheet is missing).
    NotATemplate,
    /// A template made for another unit, plan or period than the import names.
    TemplateMismatch,
    /// A filled template with no row filled in.
    NothingFilled,
    /// A sheet without a column it must have.
    MissingColumn,
    /// A file that is not an Excel workbook (.xlsx) or cannot be read as one.
    NotAWorkbook,
    /// A date of the past that is after today.
    DateAfterToday,
    /// A list cursor this server did not give out.
    BadCursor,
    /// A value not among those the field takes.
    NotOneOf,
    /// A password shorter than the minimum.
    PasswordTooShort,
    /// A password on the list of breached passwords.
    PasswordBreached,
    /// A user name with spaces, control characters, or of the wrong length.
    UserNameFormat,
    /// Visitors are not users.
    NoPublicUsers,
    /// A unit user needs a unit.
    UnitUserNeedsUnit,
    /// Only unit users are bound to units.
    OnlyUnitUsersHaveUnits,
    /// A user of that name exists.
    UserExists,
    /// A number outside the range the field takes.
    OutOfRange,
    /// Not a date (`YYYY-MM-DD`).
    DateFormat,
    /// A browser session's write without its anti-forgery token.
    CsrfToken,
    /// A range whose start is after its end.
    FromAfterTo,
    /// Two filters that exclude each other.
    EitherOr,
    /// A file that is not a Tuijin backup, or a damaged one.
    NotABackup,
    /// Not an assessment period (`YYYY-Qn`, `YYYY-Hn` or `YYYY`).
    AssessPeriodFormat,
    /// Grade bands are listed from the highest minimum down.
    GradeOrder,
    /// A unit named by code in a second category.
    UnitInTwoCategories,
    /// A category that takes no unit of the plan.
    CategoryEmpty,
    /// A category's criterion weights do not add up to its total.
    WeightsSum,
    /// A criterion setting that its kind does not take.
    NotForKind,
    /// An adjustment for a unit whose category has no adjustments criterion.
    NoAdjustments,
    /// The run's state does not allow the action.
    AssessmentState,
    /// The unit is not scored in the run.
    NotScored,
    /// The objection has its answer already.
    ObjectionAnswered,
    /// A file the TOML reader refused, at its line and column.
    FileSyntax,
    /// No assessment scheme is loaded for the plan.
    NoScheme,
    /// An assessment period whose last day has not passed.
    AssessPeriodOpen,
    /// A second published result for a period that has one standing.
    PeriodPublished,
    /// A draft made in answer to an objection: kept with the answer.
    RerunOfObjection,
    /// A new item's code is an archived item's: codes are never reused.
    CodeArchived,
    /// A new unit or person with a code the plan already lists.
    CodeTaken,
    /// A baseline the plan does not have.
    UnknownBaseline,
    /// Archiving a branch with notices, reports or change requests still open on it.
    ArchiveOpenWork,
    /// A second change request on an item while the unit's first is pending.
    RequestPending,
    /// A change request on a cancelled item.
    RequestOnCancelled,
    /// A baseline named as another of the plan's.
    BaselineNameTaken,
    /// An item asked for under a kind that holds none (a milestone).
    NoChildKind,
    /// A change request from a unit that does not lead the item.
    NotLead,
    /// A target value asked of an item without a target.
    NoTarget,
    /// A change request that has been decided already.
    RequestDecided,
    /// A backup restores only into an empty database.
    RestoreIntoEmpty,
    /// A request whose path or query holds a control character.
    UriControlCharacter,
    /// Not a briefing period (`2019-W35`, `2019-08`, `2019-Q3`, `2019`).
    BriefPeriodFormat,
    /// A briefing period of another cadence than the one asked for.
    BriefCadenceMismatch,
    /// A briefing taken before its period ended.
    BriefBeforePeriodEnd,
    /// A briefing of a day that has not come.
    BriefInFuture,
    /// A workbook sheet with a value far outside any table Tuijin writes.
    SheetTooLarge,
    /// The same item, unit and period twice in one file of past reports.
    ReportTwice,
    /// More problems than are listed: the first ones are shown, with the count of the rest.
    MoreProblems,
    /// A formula whose result was never saved (a file written by a script, not by Excel).
    FormulaNoValue,
    /// An Excel 97–2003 file (.xls), not an .xlsx workbook.
    OldExcelFormat,
    /// The hidden key sheet of a report template was changed.
    KeyChanged,
    /// Rows of a report template were deleted, inserted or sorted.
    RowsMoved,
    /// A workbook that unpacks to more than is read.
    WorkbookTooLarge,
}

impl Rule {
    pub fn code(self) -> &'static str {
        self.into()
    }

    /// A request that cannot be read at all (a cursor this server never gave out, a control
    /// character in the URI): answered 400. Everything else, rules across fields (`from` after
    /// `to`, two filters that exclude each other) included, is a problem with the values a
    /// readable request carries: 422, field by field.
    pub fn is_malformed(self) -> bool {
        matches!(self, Rule::BadCursor | Rule::UriControlCharacter)
    }
}

/// One objection: which field, which rule, and the values the message names.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    /// The field as the caller named it (`percent`, `figures[1].indicator`); empty when the
    /// objection is to the request as a whole.
    pub field: String,
    pub rule: Rule,
    pub args: Vec<(&'static str, String)>,
}

impl Problem {
    pub fn new(field: impl Into<String>, rule: Rule) -> Problem {
        Problem {
            field: field.into(),
            rule,
            args: Vec::new(),
        }
    }

    /// Adds a value the message names.
    pub fn with(mut self, name: &'static str, value: impl std::fmt::Display) -> Problem {
        self.args.push((name, value.to_string()));
        self
    }

    /// The message in `lang`, with the field's values filled in.
    pub fn message(&self, lang: Lang) -> String {
        let key = format!("problem.{}", self.rule.code());
        let template = lang.lookup(&key).unwrap_or(self.rule.code());
        // A value `@key` is itself a message (a state or an action named in the message).
        let values: Vec<String> = self
            .args
            .iter()
            .map(
                |(_, v)| match v.strip_prefix('@').and_then(|k| lang.lookup(k)) {
                    Some(word) => word.to_string(),
                    None => v.clone(),
                },
            )
            .collect();
        let args: Vec<(&str, &dyn std::fmt::Display)> = self
            .args
            .iter()
            .zip(&values)
            .map(|((n, _), v)| (*n, v as &dyn std::fmt::Display))
            .collect();
        fill(template, &args)
    }
}

impl Serialize for Problem {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut st = s.serialize_struct("Problem", 3)?;
        st.serialize_field("field", &self.field)?;
        st.serialize_field("code", self.rule.code())?;
        let args: std::collections::BTreeMap<&str, &str> =
            self.args.iter().map(|(k, v)| (*k, v.as_str())).collect();
        st.serialize_field("args", &args)?;
        st.end()
    }
}

/// Why a rule refuses, with the meaning that decides the answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// The caller's input breaks rules: every problem found, at once.
    Invalid(Vec<Problem>),
    /// The record's state forbids it now.
    Conflict(Problem),
    /// The caller may not do this to this record.
    Forbidden(Problem),
}

impl Refusal {
    pub fn invalid(p: Problem) -> Refusal {
        Refusal::Invalid(vec![p])
    }

    /// The problems, whatever the meaning.
    pub fn problems(&self) -> &[Problem] {
        match self {
            Refusal::Invalid(v) => v,
            Refusal::Conflict(p) | Refusal::Forbidden(p) => std::slice::from_ref(p),
        }
    }

    /// The messages, joined, in `lang`: for a command line or a log.
    pub fn message(&self, lang: Lang) -> String {
        self.problems()
            .iter()
            .map(|p| {
                if p.field.is_empty() {
                    p.message(lang)
                } else {
                    format!("{}: {}", p.field, p.message(lang))
                }
            })
            .collect::<Vec<_>>()
            .join("; ")
    }
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message(Lang::En))
    }
}

impl std::error::Error for Refusal {}

/// Collects problems: a rule function adds each one it finds, and ends with `finish`.
#[derive(Default, Debug)]
pub struct Problems(pub Vec<Problem>);

impl Problems {
    pub fn push(&mut self, p: Problem) {
        self.0.push(p);
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// `Ok` when nothing was found, else every problem at once.
    pub fn finish(self) -> Result<(), Refusal> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(Refusal::Invalid(self.0))
        }
    }
}

/// Longest free text a field takes (a report's narrative, a comment): generous for prose, small
/// enough that one request cannot fill a disk.
pub const MAX_TEXT_CHARS: usize = 20_000;

/// The characters that reorder text (bidirectional embeddings, overrides and isolates, and the
/// direction marks): in a figure's source or a reply they can make the text read otherwise
/// than it is written.
pub fn is_bidi_control(c: char) -> bool {
    matches!(
        c,
        '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}' | '\u{061C}'
    )
}

/// Whether a text says nothing: only spaces, line breaks and invisible characters (zero-width
/// spaces and joiners, the word joiner, the byte-order mark).
pub fn is_blank(text: &str) -> bool {
    text.chars().all(|c| c.is_whitespace() || is_invisible(c))
}

/// Characters that show nothing on their own: format characters, fillers, joiners, variation
/// selectors, the soft hyphen, the blank Braille pattern, Hangul fillers and tags. Listed
/// here because the standard library has no Unicode categories and a whole table would be
/// out of proportion for telling a blank reason from a real one.
fn is_invisible(c: char) -> bool {
    matches!(
        c,
        '\u{00AD}'
            | '\u{034F}'
            | '\u{061C}'
            | '\u{115F}'
            | '\u{1160}'
            | '\u{17B4}'
            | '\u{17B5}'
            | '\u{180B}'..='\u{180F}'
            | '\u{200B}'..='\u{200F}'
            | '\u{202A}'..='\u{202E}'
            | '\u{2060}'..='\u{206F}'
            | '\u{2800}'
            | '\u{3164}'
            | '\u{FE00}'..='\u{FE0F}'
            | '\u{FEFF}'
            | '\u{FFA0}'
            | '\u{E0000}'..='\u{E007F}'
    )
}

/// Checks free text: no NUL or other control characters except line breaks and tabs, no
/// bidirectional controls (`is_bidi_control`), and not longer than `MAX_TEXT_CHARS`. The same on every backend: PostgreSQL refuses NUL in text,
/// SQLite would store it.
pub fn check_text(field: &str, value: &str, out: &mut Problems) {
    if let Some((i, c)) = value
        .chars()
        .enumerate()
        .find(|(_, c)| (c.is_control() && !matches!(c, '\n' | '\r' | '\t')) || is_bidi_control(*c))
    {
        out.push(
            Problem::new(field, Rule::ControlCharacter)
                .with("position", i + 1)
                .with("char", format!("U+{:04X}", c as u32)),
        );
        return;
    }
    let n = value.chars().count();
    if n > MAX_TEXT_CHARS {
        out.push(
            Problem::new(field, Rule::TooLong)
                .with("max", MAX_TEXT_CHARS)
                .with("length", n),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use strum::IntoEnumIterator;

    #[test]
    fn every_rule_has_its_message_in_both_languages() {
        for r in Rule::iter() {
            for l in Lang::ALL {
                let key = format!("problem.{}", r.code());
                assert!(l.lookup(&key).is_some(), "{key} missing for {l:?}");
            }
        }
    }

    #[test]
    fn text_is_checked_for_control_characters_and_length() {
        let check = |s: &str| {
            let mut p = Problems::default();
            check_text("narrative", s, &mut p);
            p.0.into_iter().map(|p| p.rule).collect::<Vec<_>>()
        };
        assert!(check("第一行\n第二行\t完").is_empty());
        assert_eq!(check("a\0b"), [Rule::ControlCharacter]);
        assert_eq!(check("\u{7f}"), [Rule::ControlCharacter]);
        assert_eq!(check(&"字".repeat(MAX_TEXT_CHARS + 1)), [Rule::TooLong]);
        for c in ['\u{202E}', '\u{2067}', '\u{200F}', '\u{061C}'] {
            assert_eq!(
                check(&format!("完成{c}90%")),
                [Rule::ControlCharacter],
                "{c:?}"
            );
        }
        assert!(is_blank(" \u{200B}\u{FEFF}\n") && !is_blank("\u{200B}好"));
        for blank in [
            "\u{034F}\u{180E}",
            "\u{3164}\u{115F}",
            "\u{2800}",
            "\u{00AD}",
            "\u{2061}\u{2062}",
        ] {
            assert!(is_blank(blank), "{blank:?}");
        }
        let p = Problem::new("narrative", Rule::ControlCharacter)
            .with("position", 2)
            .with("char", "U+0000");
        assert!(
            p.message(Lang::En).contains("U+0000"),
            "{}",
            p.message(Lang::En)
        );
        assert_eq!(
            serde_json::to_value(&p).unwrap()["code"],
            serde_json::json!("control_character")
        );
    }
}
