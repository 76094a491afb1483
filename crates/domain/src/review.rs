//! 审核: the review steps of 第八条（一）（二）, each owned by one role (SPEC §4), and the quota
//! of 第十二条 enforced at approval.
//!
//! county_review (县市区科协 recommends) → county_talent_review (县市区委人才办 agrees) →
//! city_review (市科协, with site inspection, proposes) → approval (市委人才办 approves) →
//! approved. The direct route starts at city_review. Any reviewer may return the application
//! for revision (it comes back to the same step) or reject it (final).

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::DomainError;
use crate::account::Role;
use crate::application::{Level, State};

/// What a reviewer decides.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// 县市区科协: 初审推荐
    Recommend,
    /// 县市区委人才办: 同意
    Agree,
    /// 市科协: 审核、实地考察后提出支持意见
    Propose,
    /// 市委人才办: 审定批准
    Approve,
    /// 退回修改
    Return,
    /// 不予通过 (final)
    Reject,
}

impl Action {
    pub const ALL: [Action; 6] = [
        Action::Recommend,
        Action::Agree,
        Action::Propose,
        Action::Approve,
        Action::Return,
        Action::Reject,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Action::Recommend => "recommend",
            Action::Agree => "agree",
            Action::Propose => "propose",
            Action::Approve => "approve",
            Action::Return => "return",
            Action::Reject => "reject",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Action::Recommend => "初审推荐",
            Action::Agree => "同意推荐",
            Action::Propose => "提出支持意见",
            Action::Approve => "审定批准",
            Action::Return => "退回修改",
            Action::Reject => "不予通过",
        }
    }

    pub fn parse(s: &str) -> Result<Action, DomainError> {
        Action::ALL
            .into_iter()
            .find(|a| a.as_str() == s)
            .ok_or_else(|| {
                DomainError::invalid(
                    "action",
                    "action 须为 recommend / agree / propose / approve / return / reject",
                )
            })
    }
}

/// One review step: the state it is in, who owns it, its forward action and where that leads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Step {
    pub state: State,
    pub owner: Role,
    pub forward: Action,
    pub next: State,
    /// The opinion box of the form this step fills.
    pub box_label: &'static str,
}

pub const STEPS: [Step; 4] = [
    Step {
        state: State::CountyReview,
        owner: Role::CountyCast,
        forward: Action::Recommend,
        next: State::CountyTalentReview,
        box_label: "县市区科协意见",
    },
    Step {
        state: State::CountyTalentReview,
        owner: Role::CountyTalent,
        forward: Action::Agree,
        next: State::CityReview,
        box_label: "县市区委人才办意见",
    },
    Step {
        state: State::CityReview,
        owner: Role::CityCast,
        forward: Action::Propose,
        next: State::Approval,
        box_label: "市科协意见",
    },
    Step {
        state: State::Approval,
        owner: Role::TalentOffice,
        forward: Action::Approve,
        next: State::Approved,
        box_label: "市委人才办审定意见",
    },
];

pub fn step_of(state: State) -> Option<&'static Step> {
    STEPS.iter().find(|s| s.state == state)
}

/// The state a decision leads to. The step must be current (else 409: someone acted first or
/// the form is stale), the role must own it (403), and the action must be the step's own,
/// a return or a rejection (422).
pub fn decide(state: State, role: Role, action: Action) -> Result<State, DomainError> {
    // A role that owns no step (host unit, society, supervisor, admin) is refused as such,
    // whatever state the application is in.
    if !STEPS.iter().any(|s| s.owner == role) {
        return Err(DomainError::Forbidden);
    }
    let Some(step) = step_of(state) else {
        return Err(DomainError::Conflict(format!(
            "该申报书当前为“{}”，不在审核环节，可能已被他人处理（已被他人处理），请刷新页面",
            state.label()
        )));
    };
    if step.owner != role {
        // The role has a step, but not this one: the application has moved on or is not
        // there yet.
        return Err(DomainError::Conflict(format!(
            "该申报书当前处于“{}”环节，不由{}办理（可能已被他人处理）",
            state.label(),
            role.label()
        )));
    }
    match action {
        a if a == step.forward => Ok(step.next),
        Action::Return => Ok(State::Returned),
        Action::Reject => Ok(State::Rejected),
        other => Err(DomainError::invalid(
            "action",
            format!(
                "“{}”环节可选：{}、退回修改、不予通过；不能“{}”",
                state.label(),
                step.forward.label(),
                other.label()
            ),
        )),
    }
}

/// An opinion is required at every step (the form's opinion boxes); a return or a rejection
/// must say why.
pub fn parse_opinion(action: Action, text: &str) -> Result<String, DomainError> {
    let t = text.trim();
    if t.is_empty() {
        return Err(DomainError::invalid(
            "opinion",
            match action {
                Action::Return => "请填写退回理由",
                Action::Reject => "请填写不予通过的理由",
                _ => "请填写审核意见",
            },
        ));
    }
    if t.chars().count() > 2000 {
        return Err(DomainError::invalid("opinion", "意见不能超过 2000 字"));
    }
    Ok(t.to_string())
}

/// 实地考察: date, inspectors and findings (第八条（二）).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct SiteInspectionInput {
    #[serde(default)]
    pub date: String,
    #[serde(default)]
    pub inspectors: Vec<String>,
    #[serde(default)]
    pub findings: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SiteInspection {
    pub date: NaiveDate,
    pub inspectors: Vec<String>,
    pub findings: String,
}

impl SiteInspectionInput {
    pub fn parse(self, today: NaiveDate) -> Result<SiteInspection, DomainError> {
        let mut c = crate::organisation::FieldCheck::new();
        let date = crate::clock::parse_date(self.date.trim()).ok();
        match date {
            None => c.add("site_inspection.date", "考察日期须为 YYYY-MM-DD 格式"),
            Some(d) if d > today => c.add("site_inspection.date", "考察日期不能晚于今天"),
            _ => {}
        }
        let inspectors: Vec<String> = self
            .inspectors
            .iter()
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .collect();
        if inspectors.is_empty() {
            c.add("site_inspection.inspectors", "请填写考察人员");
        }
        let findings = c.text("site_inspection.findings", "考察情况", &self.findings, 5000);
        c.finish()?;
        Ok(SiteInspection {
            date: date.unwrap_or(today),
            inspectors,
            findings,
        })
    }
}

/// 第十二条: at most `quota` municipal-level stations per round. `already` counts the round's
/// municipal applications approved so far (approved, in notice or awarded).
pub fn check_quota(level: Level, already: u32, quota: u32) -> Result<(), DomainError> {
    if level == Level::Municipal && already >= quota {
        return Err(DomainError::Rule {
            code: "quota_exhausted",
            article: "第十二条",
            message: format!(
                "本批次市级学会服务站认定名额为 {quota} 家，已审定 {already} 家，不能再批准"
            ),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_step_is_taken_by_its_owner_only() {
        assert_eq!(
            decide(State::CountyReview, Role::CountyCast, Action::Recommend),
            Ok(State::CountyTalentReview)
        );
        assert_eq!(
            decide(State::CountyTalentReview, Role::CountyTalent, Action::Agree),
            Ok(State::CityReview)
        );
        assert_eq!(
            decide(State::CityReview, Role::CityCast, Action::Propose),
            Ok(State::Approval)
        );
        assert_eq!(
            decide(State::Approval, Role::TalentOffice, Action::Approve),
            Ok(State::Approved)
        );
        assert_eq!(
            decide(State::CountyReview, Role::HostUnit, Action::Recommend),
            Err(DomainError::Forbidden)
        );
        // A role with no step is refused whatever the state, in review or not.
        for state in State::ALL {
            for role in [Role::HostUnit, Role::Society, Role::Supervisor, Role::Admin] {
                assert_eq!(
                    decide(state, role, Action::Approve),
                    Err(DomainError::Forbidden),
                    "{role:?} at {state:?}"
                );
            }
        }
        assert_eq!(
            decide(State::CountyReview, Role::CityCast, Action::Propose)
                .unwrap_err()
                .code(),
            "conflict"
        );
    }

    #[test]
    fn any_reviewer_returns_or_rejects() {
        for s in STEPS {
            assert_eq!(
                decide(s.state, s.owner, Action::Return),
                Ok(State::Returned)
            );
            assert_eq!(
                decide(s.state, s.owner, Action::Reject),
                Ok(State::Rejected)
            );
        }
    }

    #[test]
    fn a_step_not_current_is_a_conflict() {
        // A repeated recommendation: the application has moved on.
        let e = decide(
            State::CountyTalentReview,
            Role::CountyCast,
            Action::Recommend,
        )
        .unwrap_err();
        assert_eq!(e.code(), "conflict");
        assert!(e.to_string().contains("已被他人处理"));
        assert_eq!(
            decide(State::Approved, Role::TalentOffice, Action::Approve)
                .unwrap_err()
                .code(),
            "conflict"
        );
    }

    #[test]
    fn the_wrong_action_for_a_step_is_refused() {
        let e = decide(State::CountyReview, Role::CountyCast, Action::Approve).unwrap_err();
        assert_eq!(e.field(), Some("action"));
    }

    #[test]
    fn opinions_are_required() {
        assert!(parse_opinion(Action::Recommend, "  ").is_err());
        assert!(
            parse_opinion(Action::Return, "")
                .unwrap_err()
                .to_string()
                .contains("退回理由")
        );
        assert_eq!(parse_opinion(Action::Agree, " 同意 ").unwrap(), "同意");
    }

    #[test]
    fn the_sixth_municipal_station_is_refused() {
        assert!(check_quota(Level::Municipal, 4, 5).is_ok());
        let e = check_quota(Level::Municipal, 5, 5).unwrap_err();
        assert_eq!(e.article(), Some("第十二条"));
        assert!(check_quota(Level::Provincial, 50, 5).is_ok());
    }

    #[test]
    fn a_site_inspection_needs_date_inspectors_and_findings() {
        let today = NaiveDate::from_ymd_opt(2026, 3, 20).unwrap();
        let e = SiteInspectionInput::default().parse(today).unwrap_err();
        assert_eq!(e.field_errors().len(), 3);
        let ok = SiteInspectionInput {
            date: "2026-03-18".into(),
            inspectors: vec!["周文彬".into(), " ".into()],
            findings: "场地、人员到位".into(),
        }
        .parse(today)
        .unwrap();
        assert_eq!(ok.inspectors, ["周文彬"]);
    }
}
