//! Who may do what: the one place every permission is decided, for the API and the pages
//! alike. Handlers ask `decide`; none decides by itself.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::Code;
use crate::problem::{Problem, Rule};
use crate::report::Relation;

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
pub enum Role {
    /// Users and settings.
    Admin,
    /// The delivery office: plan, review, notices, assessments, briefings.
    Office,
    /// Reads everything, writes nothing.
    Leader,
    /// Bound to one or more units: reads the plan, writes its own units' reports.
    Unit,
    /// Anyone not logged in: the public portal only.
    Public,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        self.into()
    }
    pub fn parse(s: &str) -> Option<Self> {
        s.parse().ok()
    }
}

/// The one acting: a user with a role, bound to units when the role is `Unit`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Principal {
    pub name: String,
    pub role: Role,
    pub units: Vec<Code>,
}

impl Principal {
    pub fn anonymous() -> Principal {
        Principal {
            name: "anonymous".into(),
            role: Role::Public,
            units: Vec::new(),
        }
    }

    fn has_unit(&self, unit: &str) -> bool {
        self.units.iter().any(|u| u.as_str() == unit)
    }
}

/// Everything that can be asked for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action<'a> {
    /// The published part of a plan: public items and indicators, health.
    ReadPublic,
    /// The whole plan: every item, units, progress, summaries, explanations, timelines,
    /// warnings.
    ReadPlan,
    /// The reports (drafts included) of one unit.
    ReadReports { unit: &'a str },
    /// One report, by its unit and state: a unit reads its own units' reports in every state
    /// and the accepted reports of any unit (the plan's record, on which progress rests);
    /// another unit's draft, submitted or returned report is its own business.
    ReadReport { unit: &'a str, accepted: bool },
    /// Create, edit or submit a report for one unit on an item it stands to in `relation`.
    WriteReport {
        unit: &'a str,
        item: &'a str,
        relation: Relation,
    },
    /// File a figure of an indicator: its owner unit, or the office on the owner's behalf.
    FileFigure {
        indicator: &'a str,
        owner: Option<&'a str>,
    },
    /// Issue a supervision notice (督办单).
    IssueNotice,
    /// Read a notice: `addressed` when it is addressed to one of the user's units.
    ReadNotice { addressed: bool },
    /// Act on a notice: the office verifies, returns, closes and decides extensions; an
    /// addressed unit signs, replies and asks for extensions.
    ActOnNotice {
        action: crate::notice::NoticeAction,
        addressed: bool,
    },
    /// Load a scheme, run, lock, publish or discard an assessment, answer objections.
    Assess,
    /// Read an assessment run: `published` when it is published.
    ReadAssessment { published: bool },
    /// File an objection (申诉) to a run for a unit.
    ObjectToAssessment { unit: &'a str },
    /// Accept or return submitted reports.
    Review,
    /// Close a reporting period, locking its reports.
    ClosePeriod,
    /// Import a plan file.
    ImportPlan,
    /// Add, change, move, cancel, restore and archive items from the web or the API; set
    /// baselines.
    EditPlan,
    /// Add a note on an item (a leader's is an instruction, 领导批示).
    AddNote,
    /// Ask for a change to an item the unit leads (调整申请); the office decides (`EditPlan`).
    RequestChange { unit: &'a str },
    /// Add, disable and reset users; create and revoke their tokens.
    ManageUsers,
    /// Operational metrics.
    ReadMetrics,
    /// Make and read briefings (工作简报): the office writes them, leaders read them; they
    /// show every unit's standing, so units see their own on their pages instead.
    ReadBriefing,
    /// Create, list and revoke one's own API tokens; choose one's language.
    ManageOwnAccount,
}

/// Why something is refused, for the one-line message the user sees.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Decision {
    Allow,
    /// Not logged in, and logging in might help.
    Unauthenticated,
    /// Logged in, and the role does not allow it: why, as a problem with its message.
    Deny(Problem),
}

impl fmt::Display for Decision {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Decision::Allow => f.write_str("allowed"),
            Decision::Unauthenticated => f.write_str("log in or send an API token"),
            Decision::Deny(why) => f.write_str(&why.message(crate::i18n::Lang::En)),
        }
    }
}

pub fn decide(p: &Principal, action: Action<'_>) -> Decision {
    use Action::*;
    use Role::*;
    let allowed = match (p.role, action) {
        (_, ReadPublic) => true,
        (Public, _) => return Decision::Unauthenticated,
        (Admin | Office | Leader | Unit, ReadPlan) => true,
        (Admin | Office | Leader, ReadReports { .. }) => true,
        (Unit, ReadReports { unit }) => p.has_unit(unit),
        (Admin | Office | Leader, ReadReport { .. }) => true,
        (Unit, ReadReport { unit, accepted }) => accepted || p.has_unit(unit),
        (Unit, WriteReport { unit, relation, .. }) => p.has_unit(unit) && relation.may_report(),
        (
            Office,
            Review | ImportPlan | EditPlan | ClosePeriod | FileFigure { .. } | IssueNotice | Assess,
        ) => true,
        (Admin | Office | Leader, ReadAssessment { .. }) => true,
        (Office | Leader, AddNote) => true,
        (Unit, RequestChange { unit }) => p.has_unit(unit),
        (Unit, ReadAssessment { published }) => published,
        (Unit, ObjectToAssessment { unit }) => p.has_unit(unit),
        (Admin | Office | Leader, ReadNotice { .. }) => true,
        (Unit, ReadNotice { addressed }) => addressed,
        (Office, ActOnNotice { action, .. }) => action.by_office(),
        (Unit, ActOnNotice { action, addressed }) => addressed && !action.by_office(),
        (Unit, FileFigure { owner, .. }) => owner.is_some_and(|o| p.has_unit(o)),
        (Admin, ManageUsers | ReadMetrics) => true,
        (Admin | Office | Leader, ReadBriefing) => true,
        (Admin | Office | Leader | Unit, ManageOwnAccount) => true,
        _ => false,
    };
    if allowed {
        return Decision::Allow;
    }
    let why = match action {
        WriteReport { unit, .. }
        | ReadReports { unit }
        | ReadReport { unit, .. }
        | ObjectToAssessment { unit }
        | RequestChange { unit }
            if p.role == Unit && !p.has_unit(unit) =>
        {
            Problem::new("unit", Rule::NotYourUnit)
                .with("user", &p.name)
                .with("unit", unit)
        }
        ReadNotice { .. }
        | ActOnNotice {
            addressed: false, ..
        } if p.role == Unit => Problem::new("unit", Rule::NotAddressed).with(
            "unit",
            p.units
                .iter()
                .map(|u| u.as_str())
                .collect::<Vec<_>>()
                .join("、"),
        ),
        FileFigure { indicator, .. } if p.role == Unit => {
            Problem::new("indicator", Rule::FigureNotOwner).with("indicator", indicator)
        }
        WriteReport { unit, item, .. } if p.role == Unit => {
            Problem::new("unit", Rule::NotResponsible)
                .with("unit", unit)
                .with("item", item)
        }
        _ => Problem::new("", Rule::RoleMayNot).with("role", format!("@role.{}", p.role.as_str())),
    };
    Decision::Deny(why)
}

/// How long a browser session lives and when log-ins are refused for a while: the rules, with
/// the numbers an office may change. Pure; the store counts, these decide.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SessionRules {
    /// A session unused this long ends.
    pub idle: chrono::Duration,
    /// A session ends this long after log-in, used or not.
    pub absolute: chrono::Duration,
    /// Failed log-ins are counted over this window.
    pub window: chrono::Duration,
    /// Failures for one account within the window before its log-ins are refused.
    pub max_account_failures: u32,
    /// Failures from one address within the window before its log-ins are refused.
    pub max_address_failures: u32,
}

impl Default for SessionRules {
    fn default() -> Self {
        SessionRules {
            idle: chrono::Duration::minutes(30),
            absolute: chrono::Duration::hours(12),
            window: chrono::Duration::minutes(15),
            max_account_failures: 5,
            max_address_failures: 20,
        }
    }
}

impl SessionRules {
    /// Whether a log-in attempt must be refused without even checking the password.
    pub fn throttled(&self, account_failures: u64, address_failures: u64) -> bool {
        account_failures >= u64::from(self.max_account_failures)
            || address_failures >= u64::from(self.max_address_failures)
    }

    /// When a session started at `created` and last used at `last_seen` ends.
    pub fn ends_at(
        &self,
        created: chrono::DateTime<chrono::Utc>,
        last_seen: chrono::DateTime<chrono::Utc>,
    ) -> chrono::DateTime<chrono::Utc> {
        (last_seen + self.idle).min(created + self.absolute)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn who(role: Role, units: &[&str]) -> Principal {
        Principal {
            name: "u".into(),
            role,
            units: units.iter().map(|u| Code::parse(u).unwrap()).collect(),
        }
    }

    #[test]
    fn which_reports_a_unit_reads() {
        use Action::ReadReport;
        let jtw = who(Role::Unit, &["JTW"]);
        let read = |p: &Principal, unit, accepted| decide(p, ReadReport { unit, accepted });
        // Its own units' reports in every state.
        assert_eq!(read(&jtw, "JTW", false), Decision::Allow);
        assert_eq!(read(&jtw, "JTW", true), Decision::Allow);
        // Another unit's accepted report is the plan's record; its drafts are not.
        assert_eq!(read(&jtw, "FGW", true), Decision::Allow);
        assert!(matches!(read(&jtw, "FGW", false), Decision::Deny(_)));
        for role in [Role::Admin, Role::Office, Role::Leader] {
            assert_eq!(read(&who(role, &[]), "FGW", false), Decision::Allow);
        }
        assert_eq!(
            read(&Principal::anonymous(), "FGW", true),
            Decision::Unauthenticated
        );
    }

    #[test]
    fn briefings_are_for_the_office_and_leaders() {
        for role in [Role::Admin, Role::Office, Role::Leader] {
            assert_eq!(
                decide(&who(role, &[]), Action::ReadBriefing),
                Decision::Allow
            );
        }
        assert!(matches!(
            decide(&who(Role::Unit, &["JTW"]), Action::ReadBriefing),
            Decision::Deny(_)
        ));
        assert_eq!(
            decide(&Principal::anonymous(), Action::ReadBriefing),
            Decision::Unauthenticated
        );
    }

    #[test]
    fn the_role_table() {
        use Action::*;
        let actions = [
            ReadPublic,
            ReadPlan,
            ReadReports { unit: "JTW" },
            WriteReport {
                unit: "JTW",
                item: "E1.1",
                relation: Relation::Lead,
            },
            Review,
            ImportPlan,
            ManageUsers,
            ReadMetrics,
            ManageOwnAccount,
            ClosePeriod,
        ];
        // admin, office, leader, unit of JTW, unit of FGW, public
        let table: [(Principal, [bool; 10]); 6] = [
            (
                who(Role::Admin, &[]),
                [
                    true, true, true, false, false, false, true, true, true, false,
                ],
            ),
            (
                who(Role::Office, &[]),
                [
                    true, true, true, false, true, true, false, false, true, true,
                ],
            ),
            (
                who(Role::Leader, &[]),
                [
                    true, true, true, false, false, false, false, false, true, false,
                ],
            ),
            (
                who(Role::Unit, &["JTW"]),
                [
                    true, true, true, true, false, false, false, false, true, false,
                ],
            ),
            (
                who(Role::Unit, &["FGW"]),
                [
                    true, true, false, false, false, false, false, false, true, false,
                ],
            ),
            (
                Principal::anonymous(),
                [
                    true, false, false, false, false, false, false, false, false, false,
                ],
            ),
        ];
        for (p, expected) in &table {
            for (a, want) in actions.iter().zip(expected) {
                assert_eq!(
                    decide(p, *a) == Decision::Allow,
                    *want,
                    "{:?} {:?} {a:?}",
                    p.role,
                    p.units
                );
            }
        }
        assert_eq!(
            decide(&Principal::anonymous(), Action::Review),
            Decision::Unauthenticated
        );
        let deny = |p: &Principal, a| match decide(p, a) {
            Decision::Deny(why) => why.rule,
            other => panic!("{other:?}"),
        };
        let jtw = who(Role::Unit, &["JTW"]);
        let write = |relation| Action::WriteReport {
            unit: "JTW",
            item: "E1.1",
            relation,
        };
        assert_eq!(
            deny(&who(Role::Unit, &["FGW"]), write(Relation::Lead)),
            Rule::NotYourUnit
        );
        // Bound to the unit, but the unit has nothing to do with the item.
        assert_eq!(deny(&jtw, write(Relation::None)), Rule::NotResponsible);
        assert_eq!(decide(&jtw, write(Relation::Co)), Decision::Allow);
        assert_eq!(
            deny(&who(Role::Leader, &[]), write(Relation::Lead)),
            Rule::RoleMayNot
        );
    }

    #[test]
    fn sessions_end_when_idle_or_too_old_and_logins_throttle_at_the_limits() {
        use chrono::{Duration, TimeZone, Utc};
        let r = SessionRules::default();
        let t0 = Utc.with_ymd_and_hms(2020, 6, 30, 9, 0, 0).unwrap();
        assert_eq!(r.ends_at(t0, t0), t0 + Duration::minutes(30));
        // Kept alive by use, but never past the absolute limit.
        let late = t0 + Duration::hours(11) + Duration::minutes(50);
        assert_eq!(r.ends_at(t0, late), t0 + Duration::hours(12));
        assert!(!r.throttled(4, 19));
        assert!(r.throttled(5, 0));
        assert!(r.throttled(0, 20));
    }
}
