//! Unit assessment (目标考核): a scheme of weighted criteria per unit category, run over a
//! period on the facts as they stood at its end, giving each unit a score that is the exact
//! sum of its explanation lines, a rank in its category and a grade (PRACTICE.md §3).
//!
//! Pure: the scheme and the facts come in (`Facts`, loaded by the store as of a date), the
//! scores and their lines go out (`score::run`). Points are kept in hundredths (`Points`), so
//! a run repeated on the same facts gives the same figures to the last digit and the lines of
//! a unit add up to its score exactly.

mod period;
mod scheme;
pub mod score;

pub use period::{ASSESS_PERIOD_PATTERN, AssessPeriod, AssessPeriodError};
pub use scheme::{
    Adjustment, Category, Criterion, CriterionKind, Grade, Scheme, SchemeHeader, check_scheme,
};
pub use score::{
    Basis, CategoryResult, CriterionResult, Facts, FigureFact, Line, NoticeFacts, Outcome,
    ReportFact, UnitResult, run,
};

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Points in hundredths: `Points(1234)` is 12.34 points. Integer, so sums are exact.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Points(pub i64);

impl Points {
    pub const ZERO: Points = Points(0);

    /// The nearest hundredth of `x` points (halves away from zero).
    pub fn of(x: f64) -> Points {
        Points((x * 100.0).round() as i64)
    }

    pub fn as_f64(self) -> f64 {
        self.0 as f64 / 100.0
    }
}

impl std::ops::Add for Points {
    type Output = Points;
    fn add(self, o: Points) -> Points {
        Points(self.0 + o.0)
    }
}

impl std::ops::Sub for Points {
    type Output = Points;
    fn sub(self, o: Points) -> Points {
        Points(self.0 - o.0)
    }
}

impl std::ops::Neg for Points {
    type Output = Points;
    fn neg(self) -> Points {
        Points(-self.0)
    }
}

impl std::iter::Sum for Points {
    fn sum<I: Iterator<Item = Points>>(it: I) -> Points {
        Points(it.map(|p| p.0).sum())
    }
}

impl std::fmt::Display for Points {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let a = self.0.unsigned_abs();
        write!(f, "{sign}{}.{:02}", a / 100, a % 100)
    }
}

impl Serialize for Points {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_f64(self.as_f64())
    }
}

impl<'de> Deserialize<'de> for Points {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Points, D::Error> {
        let x = f64::deserialize(d)?;
        if !x.is_finite() {
            return Err(serde::de::Error::custom("points must be a finite number"));
        }
        Ok(Points::of(x))
    }
}

/// Where a run is in its life: a draft may be discarded; a locked run never changes; a
/// published one is seen by the units it scores.
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
pub enum RunState {
    Draft,
    Locked,
    Published,
}

impl RunState {
    pub fn as_str(self) -> &'static str {
        self.into()
    }
    pub fn parse(s: &str) -> Option<Self> {
        s.parse().ok()
    }
}

/// What may be done to a run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RunAction {
    Lock,
    Publish,
    Discard,
}

/// The state a run moves to (`None` for a discarded draft), or why it may not.
pub fn run_transition(
    from: RunState,
    action: RunAction,
) -> Result<Option<RunState>, crate::problem::Refusal> {
    use crate::problem::{Problem, Refusal, Rule};
    match (from, action) {
        (RunState::Draft, RunAction::Lock) => Ok(Some(RunState::Locked)),
        (RunState::Locked, RunAction::Publish) => Ok(Some(RunState::Published)),
        (RunState::Draft, RunAction::Discard) => Ok(None),
        _ => Err(Refusal::Conflict(
            Problem::new("state", Rule::AssessmentState)
                .with("state", format!("@assess.state.{}", from.as_str())),
        )),
    }
}

/// Whether an objection (申诉) may be filed: on a published run, by a unit it scored, with a
/// reason.
pub fn check_objection(
    state: RunState,
    scored: bool,
    reason: &str,
) -> Result<(), crate::problem::Refusal> {
    use crate::problem::{Problem, Problems, Refusal, Rule, check_text, is_blank};
    if state != RunState::Published {
        return Err(Refusal::Conflict(
            Problem::new("state", Rule::AssessmentState)
                .with("state", format!("@assess.state.{}", state.as_str())),
        ));
    }
    if !scored {
        return Err(Refusal::Forbidden(Problem::new("unit", Rule::NotScored)));
    }
    let mut out = Problems::default();
    if is_blank(reason) {
        out.push(Problem::new("reason", Rule::Required));
    }
    check_text("reason", reason, &mut out);
    out.finish()
}

/// Whether an answer to an objection may be given: to an open one, with a text.
pub fn check_answer(open: bool, answer: &str) -> Result<(), crate::problem::Refusal> {
    use crate::problem::{Problem, Problems, Refusal, Rule, check_text, is_blank};
    if !open {
        return Err(Refusal::Conflict(Problem::new(
            "objection",
            Rule::ObjectionAnswered,
        )));
    }
    let mut out = Problems::default();
    if is_blank(answer) {
        out.push(Problem::new("answer", Rule::Required));
    }
    check_text("answer", answer, &mut out);
    out.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn points_print_and_add_exactly() {
        assert_eq!(Points::of(12.345).to_string(), "12.35");
        assert_eq!(Points(-5).to_string(), "-0.05");
        assert_eq!(Points(-305).to_string(), "-3.05");
        let sum: Points = [Points::of(0.1); 10].into_iter().sum();
        assert_eq!(sum, Points(100));
        assert_eq!(serde_json::to_string(&Points(1234)).unwrap(), "12.34");
    }

    #[test]
    fn a_locked_run_cannot_be_locked_again_or_discarded() {
        assert_eq!(
            run_transition(RunState::Draft, RunAction::Lock).unwrap(),
            Some(RunState::Locked)
        );
        assert!(run_transition(RunState::Locked, RunAction::Discard).is_err());
        assert!(run_transition(RunState::Locked, RunAction::Lock).is_err());
        assert!(run_transition(RunState::Published, RunAction::Publish).is_err());
        assert!(run_transition(RunState::Draft, RunAction::Publish).is_err());
    }

    #[test]
    fn objections_need_a_published_run_a_scored_unit_and_a_reason() {
        assert!(check_objection(RunState::Locked, true, "why").is_err());
        assert!(check_objection(RunState::Published, false, "why").is_err());
        assert!(check_objection(RunState::Published, true, " \u{200b}").is_err());
        assert!(check_objection(RunState::Published, true, "第3项已按期完成").is_ok());
    }
}
