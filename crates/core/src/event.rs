//! What the event log records: every kind of change, named once. The store appends events
//! (who, when, what, before and after) and never changes one; pages name them in words from the
//! catalogue (`event.<kind>`).

use serde::{Deserialize, Serialize};

/// The kind of thing an event happened to.
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
pub enum Entity {
    Plan,
    Unit,
    Person,
    Indicator,
    Item,
    Report,
    Period,
    User,
    Backup,
    Notice,
    Assessment,
}

impl Entity {
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

/// Every kind of event, as stored (`item.added`).
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
pub enum EventKind {
    #[strum(serialize = "plan.created")]
    #[serde(rename = "plan.created")]
    PlanCreated,
    #[strum(serialize = "plan.updated")]
    #[serde(rename = "plan.updated")]
    PlanUpdated,
    #[strum(serialize = "plan.imported")]
    #[serde(rename = "plan.imported")]
    PlanImported,
    #[strum(serialize = "unit.added")]
    #[serde(rename = "unit.added")]
    UnitAdded,
    #[strum(serialize = "unit.updated")]
    #[serde(rename = "unit.updated")]
    UnitUpdated,
    #[strum(serialize = "person.added")]
    #[serde(rename = "person.added")]
    PersonAdded,
    #[strum(serialize = "person.updated")]
    #[serde(rename = "person.updated")]
    PersonUpdated,
    /// A unit added or changed from the web or the API, with the reason.
    #[strum(serialize = "unit.edited")]
    #[serde(rename = "unit.edited")]
    UnitEdited,
    #[strum(serialize = "person.edited")]
    #[serde(rename = "person.edited")]
    PersonEdited,
    /// The plan's own fields and settings changed from the web or the API, with the reason.
    #[strum(serialize = "plan.edited")]
    #[serde(rename = "plan.edited")]
    PlanEdited,
    #[strum(serialize = "indicator.added")]
    #[serde(rename = "indicator.added")]
    IndicatorAdded,
    #[strum(serialize = "indicator.updated")]
    #[serde(rename = "indicator.updated")]
    IndicatorUpdated,
    /// An indicator's definition changed from the web or the API (a target re-based), with
    /// the reason.
    #[strum(serialize = "indicator.edited")]
    #[serde(rename = "indicator.edited")]
    IndicatorEdited,
    #[strum(serialize = "indicator.archived")]
    #[serde(rename = "indicator.archived")]
    IndicatorArchived,
    #[strum(serialize = "indicator.actuals_loaded")]
    #[serde(rename = "indicator.actuals_loaded")]
    IndicatorActualsLoaded,
    /// A figure filed by the indicator's owner (or the office on its behalf).
    #[strum(serialize = "indicator.figure_filed")]
    #[serde(rename = "indicator.figure_filed")]
    IndicatorFigureFiled,
    /// A unit's figure accepted by the office: it counts from that day.
    #[strum(serialize = "indicator.figure_accepted")]
    #[serde(rename = "indicator.figure_accepted")]
    IndicatorFigureAccepted,
    /// A unit's figure returned by the office, with why.
    #[strum(serialize = "indicator.figure_returned")]
    #[serde(rename = "indicator.figure_returned")]
    IndicatorFigureReturned,
    #[strum(serialize = "item.added")]
    #[serde(rename = "item.added")]
    ItemAdded,
    #[strum(serialize = "item.updated")]
    #[serde(rename = "item.updated")]
    ItemUpdated,
    #[strum(serialize = "item.archived")]
    #[serde(rename = "item.archived")]
    ItemArchived,
    #[strum(serialize = "item.restored")]
    #[serde(rename = "item.restored")]
    ItemRestored,
    /// An edit from the web or the API, with its reason.
    #[strum(serialize = "item.edited")]
    #[serde(rename = "item.edited")]
    ItemEdited,
    /// A note or a leader's instruction on an item.
    #[strum(serialize = "item.note_added")]
    #[serde(rename = "item.note_added")]
    NoteAdded,
    /// A lead unit asked for a change to an item (调整申请).
    #[strum(serialize = "item.change_requested")]
    #[serde(rename = "item.change_requested")]
    ChangeRequested,
    #[strum(serialize = "item.change_approved")]
    #[serde(rename = "item.change_approved")]
    ChangeApproved,
    #[strum(serialize = "item.change_refused")]
    #[serde(rename = "item.change_refused")]
    ChangeRefused,
    #[strum(serialize = "item.change_withdrawn")]
    #[serde(rename = "item.change_withdrawn")]
    ChangeWithdrawn,
    #[strum(serialize = "item.change_evidence_added")]
    #[serde(rename = "item.change_evidence_added")]
    ChangeEvidenceAdded,
    /// A baseline of the plan set.
    #[strum(serialize = "plan.baseline_set")]
    #[serde(rename = "plan.baseline_set")]
    BaselineSet,
    #[strum(serialize = "report.created")]
    #[serde(rename = "report.created")]
    ReportCreated,
    #[strum(serialize = "report.edited")]
    #[serde(rename = "report.edited")]
    ReportEdited,
    #[strum(serialize = "report.submitted")]
    #[serde(rename = "report.submitted")]
    ReportSubmitted,
    #[strum(serialize = "report.accepted")]
    #[serde(rename = "report.accepted")]
    ReportAccepted,
    #[strum(serialize = "report.returned")]
    #[serde(rename = "report.returned")]
    ReportReturned,
    #[strum(serialize = "reports.batch_submitted")]
    #[serde(rename = "reports.batch_submitted")]
    ReportsBatchSubmitted,
    #[strum(serialize = "history.loaded")]
    #[serde(rename = "history.loaded")]
    HistoryLoaded,
    /// The plan's items put in another order (their order before: a list of codes).
    #[strum(serialize = "plan.reordered")]
    #[serde(rename = "plan.reordered")]
    PlanReordered,
    #[strum(serialize = "period.closed")]
    #[serde(rename = "period.closed")]
    PeriodClosed,
    #[strum(serialize = "warning.raised")]
    #[serde(rename = "warning.raised")]
    WarningRaised,
    #[strum(serialize = "warning.cleared")]
    #[serde(rename = "warning.cleared")]
    WarningCleared,
    #[strum(serialize = "user.added")]
    #[serde(rename = "user.added")]
    UserAdded,
    #[strum(serialize = "user.disabled")]
    #[serde(rename = "user.disabled")]
    UserDisabled,
    #[strum(serialize = "user.enabled")]
    #[serde(rename = "user.enabled")]
    UserEnabled,
    #[strum(serialize = "user.password_set")]
    #[serde(rename = "user.password_set")]
    UserPasswordSet,
    #[strum(serialize = "token.created")]
    #[serde(rename = "token.created")]
    TokenCreated,
    #[strum(serialize = "token.revoked")]
    #[serde(rename = "token.revoked")]
    TokenRevoked,
    #[strum(serialize = "token.refused")]
    #[serde(rename = "token.refused")]
    TokenRefused,
    #[strum(serialize = "login.succeeded")]
    #[serde(rename = "login.succeeded")]
    LoginSucceeded,
    #[strum(serialize = "login.failed")]
    #[serde(rename = "login.failed")]
    LoginFailed,
    #[strum(serialize = "login.throttled")]
    #[serde(rename = "login.throttled")]
    LoginThrottled,
    #[strum(serialize = "logout")]
    #[serde(rename = "logout")]
    Logout,
    #[strum(serialize = "backup.restored")]
    #[serde(rename = "backup.restored")]
    BackupRestored,
    #[strum(serialize = "notice.issued")]
    #[serde(rename = "notice.issued")]
    NoticeIssued,
    #[strum(serialize = "notice.signed")]
    #[serde(rename = "notice.signed")]
    NoticeSigned,
    #[strum(serialize = "notice.replied")]
    #[serde(rename = "notice.replied")]
    NoticeReplied,
    #[strum(serialize = "notice.returned")]
    #[serde(rename = "notice.returned")]
    NoticeReturned,
    #[strum(serialize = "notice.closed")]
    #[serde(rename = "notice.closed")]
    NoticeClosed,
    #[strum(serialize = "notice.extension_asked")]
    #[serde(rename = "notice.extension_asked")]
    NoticeExtensionAsked,
    #[strum(serialize = "notice.extension_granted")]
    #[serde(rename = "notice.extension_granted")]
    NoticeExtensionGranted,
    #[strum(serialize = "notice.extension_refused")]
    #[serde(rename = "notice.extension_refused")]
    NoticeExtensionRefused,
    #[strum(serialize = "notice.proposal_dismissed")]
    #[serde(rename = "notice.proposal_dismissed")]
    ProposalDismissed,
    #[strum(serialize = "report.evidence_added")]
    #[serde(rename = "report.evidence_added")]
    ReportEvidenceAdded,
    #[strum(serialize = "notice.evidence_added")]
    #[serde(rename = "notice.evidence_added")]
    NoticeEvidenceAdded,
    #[strum(serialize = "assessment.scheme_loaded")]
    #[serde(rename = "assessment.scheme_loaded")]
    AssessmentSchemeLoaded,
    #[strum(serialize = "assessment.created")]
    #[serde(rename = "assessment.created")]
    AssessmentCreated,
    #[strum(serialize = "assessment.locked")]
    #[serde(rename = "assessment.locked")]
    AssessmentLocked,
    #[strum(serialize = "assessment.published")]
    #[serde(rename = "assessment.published")]
    AssessmentPublished,
    #[strum(serialize = "assessment.discarded")]
    #[serde(rename = "assessment.discarded")]
    AssessmentDiscarded,
    #[strum(serialize = "assessment.objection_filed")]
    #[serde(rename = "assessment.objection_filed")]
    ObjectionFiled,
    #[strum(serialize = "assessment.objection_answered")]
    #[serde(rename = "assessment.objection_answered")]
    ObjectionAnswered,
}

impl EventKind {
    pub fn as_str(self) -> &'static str {
        self.into()
    }

    pub fn parse(s: &str) -> Option<EventKind> {
        s.parse().ok()
    }

    /// What the event happened to.
    pub fn entity(self) -> Entity {
        use EventKind::*;
        match self {
            PlanCreated
            | PlanUpdated
            | PlanEdited
            | PlanImported
            | ReportsBatchSubmitted
            | HistoryLoaded
            | PlanReordered => Entity::Plan,
            UnitAdded | UnitUpdated | UnitEdited => Entity::Unit,
            PersonAdded | PersonUpdated | PersonEdited => Entity::Person,
            IndicatorAdded
            | IndicatorUpdated
            | IndicatorEdited
            | IndicatorArchived
            | IndicatorActualsLoaded
            | IndicatorFigureFiled
            | IndicatorFigureAccepted
            | IndicatorFigureReturned => Entity::Indicator,
            ItemAdded | ItemUpdated | ItemArchived | ItemRestored | ItemEdited | NoteAdded
            | ChangeRequested | ChangeApproved | ChangeRefused | ChangeWithdrawn
            | ChangeEvidenceAdded | WarningRaised | WarningCleared => Entity::Item,
            ReportCreated | ReportEdited | ReportSubmitted | ReportAccepted | ReportReturned => {
                Entity::Report
            }
            PeriodClosed => Entity::Period,
            UserAdded | UserDisabled | UserEnabled | UserPasswordSet | TokenCreated
            | TokenRevoked | TokenRefused | LoginSucceeded | LoginFailed | LoginThrottled
            | Logout => Entity::User,
            BackupRestored => Entity::Backup,
            NoticeIssued
            | NoticeSigned
            | NoticeReplied
            | NoticeReturned
            | NoticeClosed
            | NoticeExtensionAsked
            | NoticeExtensionGranted
            | NoticeExtensionRefused
            | NoticeEvidenceAdded => Entity::Notice,
            ReportEvidenceAdded => Entity::Report,
            ProposalDismissed => Entity::Item,
            AssessmentCreated | AssessmentLocked | AssessmentPublished | AssessmentDiscarded
            | ObjectionFiled | ObjectionAnswered => Entity::Assessment,
            AssessmentSchemeLoaded | BaselineSet => Entity::Plan,
        }
    }

    /// The catalogue key naming the event in words.
    pub fn message_key(self) -> String {
        format!("event.{}", self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use strum::VariantArray;

    #[test]
    fn every_kind_round_trips_and_has_words_in_both_languages() {
        for &k in EventKind::VARIANTS {
            assert_eq!(EventKind::parse(k.as_str()), Some(k));
            assert_eq!(
                serde_json::to_value(k).unwrap(),
                serde_json::json!(k.as_str())
            );
            for l in crate::i18n::Lang::ALL {
                assert!(
                    l.lookup(&k.message_key()).is_some(),
                    "{} in {l:?}",
                    k.as_str()
                );
            }
        }
    }
}
