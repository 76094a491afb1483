//! After the term and changes of a station (第十三条、第十四条).
//!
//! - Renewal (第十三条): a station whose term ended with a passing term-end assessment may be
//!   continued; the host unit applies again and the application is reviewed like a new one.
//!   When it is awarded the old station becomes `renewed`.
//! - Merge, reorganisation, revocation (第十四条): a written request (书面申请) by the host unit
//!   or the society to city CAST, decided there; the station's status follows the decision
//!   (merge → `merged`, revocation → `revoked`, reorganisation keeps it running, under its new
//!   name when one is given).

use serde::Serialize;

use crate::DomainError;
use crate::account::Role;
use crate::organisation::FieldCheck;
use crate::station::{Grade, StationStatus};

/// The kinds of change request of 第十四条.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RequestKind {
    Merge,
    Reorganise,
    Revoke,
}

impl RequestKind {
    pub const ALL: [RequestKind; 3] = [
        RequestKind::Merge,
        RequestKind::Reorganise,
        RequestKind::Revoke,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            RequestKind::Merge => "merge",
            RequestKind::Reorganise => "reorganise",
            RequestKind::Revoke => "revoke",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            RequestKind::Merge => "合并",
            RequestKind::Reorganise => "重组",
            RequestKind::Revoke => "撤销",
        }
    }

    pub fn parse(s: &str) -> Result<RequestKind, DomainError> {
        RequestKind::ALL
            .into_iter()
            .find(|k| k.as_str() == s || k.label() == s)
            .ok_or_else(|| {
                DomainError::invalid(
                    "kind",
                    "申请类型须为合并（merge）、重组（reorganise）或撤销（revoke）",
                )
            })
    }

    /// The station's status once the request is approved (`None`: it keeps running).
    pub fn status_after(self) -> Option<StationStatus> {
        match self {
            RequestKind::Merge => Some(StationStatus::Merged),
            RequestKind::Revoke => Some(StationStatus::Revoked),
            RequestKind::Reorganise => None,
        }
    }
}

/// A request's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RequestState {
    Pending,
    Approved,
    Declined,
}

impl RequestState {
    pub fn as_str(self) -> &'static str {
        match self {
            RequestState::Pending => "pending",
            RequestState::Approved => "approved",
            RequestState::Declined => "declined",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            RequestState::Pending => "待市科协决定",
            RequestState::Approved => "已同意",
            RequestState::Declined => "不同意",
        }
    }

    pub fn parse(s: &str) -> Result<RequestState, DomainError> {
        [
            RequestState::Pending,
            RequestState::Approved,
            RequestState::Declined,
        ]
        .into_iter()
        .find(|k| k.as_str() == s)
        .ok_or_else(|| DomainError::invalid("state", format!("未知的申请状态“{s}”")))
    }
}

/// A change request as typed, before its facts are checked.
#[derive(Debug, Clone, Default)]
pub struct ChangeRequestInput {
    pub kind: String,
    pub reason: String,
    pub target_station_id: Option<i64>,
    pub new_name: String,
}

/// A change request whose fields are well formed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChangeRequest {
    pub kind: RequestKind,
    pub reason: String,
    pub target_station_id: Option<i64>,
    pub new_name: String,
}

/// Parses a request, reporting every bad field at once.
pub fn parse_change_request(i: ChangeRequestInput) -> Result<ChangeRequest, DomainError> {
    let mut c = FieldCheck::new();
    let kind = RequestKind::parse(i.kind.trim());
    if let Err(e) = &kind {
        c.add("kind", e.to_string());
    }
    let reason = i.reason.trim().to_string();
    if reason.is_empty() {
        c.add("reason", "请说明申请的理由（第十四条：因客观需要）");
    }
    let reason = c.optional("reason", "理由", &reason, 5000);
    let new_name = c.optional("new_name", "服务站名称", &i.new_name, 100);
    if kind.as_ref().ok() == Some(&RequestKind::Merge) && i.target_station_id.is_none() {
        c.add("target_station_id", "合并须写明并入的服务站");
    }
    c.finish()?;
    let kind = kind?;
    Ok(ChangeRequest {
        kind,
        reason,
        target_station_id: (kind == RequestKind::Merge)
            .then_some(i.target_station_id)
            .flatten(),
        new_name: if kind == RequestKind::Reorganise {
            new_name
        } else {
            String::new()
        },
    })
}

/// What a new request is judged against.
#[derive(Debug, Clone)]
pub struct RequestFacts {
    pub role: Role,
    /// The user is the station's host unit or its society.
    pub is_own_station: bool,
    pub status: StationStatus,
    pub pending_request: bool,
    /// merge: the target's id as the station's own id, and the target's status.
    pub station_id: i64,
    pub target_status: Option<StationStatus>,
}

fn running(s: StationStatus) -> bool {
    matches!(s, StationStatus::Active | StationStatus::Rectifying)
}

/// 第十四条: the request comes from the station's host unit or society, for a running station,
/// one at a time; a merge names another running station.
pub fn check_request(r: &ChangeRequest, f: &RequestFacts) -> Result<(), DomainError> {
    if !matches!(f.role, Role::HostUnit | Role::Society) || !f.is_own_station {
        return Err(DomainError::NotPermitted {
            code: "request_not_by_host",
            article: "第十四条",
            message: "合并、重组、撤销应由该服务站的建站单位或上级学会提出书面申请".into(),
        });
    }
    if !running(f.status) {
        return Err(DomainError::Rule {
            code: "station_not_running",
            article: "第十四条",
            message: format!(
                "服务站当前为“{}”，只有运行中或整改中的服务站可申请合并、重组、撤销",
                f.status.label()
            ),
        });
    }
    if f.pending_request {
        return Err(DomainError::Conflict(
            "该服务站已有一份申请待市科协决定，决定后方可再提出".into(),
        ));
    }
    if r.kind == RequestKind::Merge {
        if r.target_station_id == Some(f.station_id) {
            return Err(DomainError::invalid(
                "target_station_id",
                "不能并入服务站自身",
            ));
        }
        match f.target_status {
            None => {
                return Err(DomainError::invalid(
                    "target_station_id",
                    "并入的服务站不存在",
                ));
            }
            Some(s) if !running(s) => {
                return Err(DomainError::Rule {
                    code: "merge_target_not_running",
                    article: "第十四条",
                    message: format!("并入的服务站当前为“{}”，只能并入运行中的服务站", s.label()),
                });
            }
            Some(_) => {}
        }
    }
    Ok(())
}

/// What a decision on a request is judged against.
#[derive(Debug, Clone)]
pub struct DecisionFacts {
    pub role: Role,
    pub state: RequestState,
    pub approve: bool,
    pub reason: String,
    pub has_letter: bool,
    pub kind: RequestKind,
    pub status: StationStatus,
    pub target_status: Option<StationStatus>,
}

/// 第十四条: city CAST decides; a request is decided once; approval needs the written request
/// on file and (for a merge) a target still running; a refusal gives its reason.
pub fn check_decision(f: &DecisionFacts) -> Result<(), DomainError> {
    if f.role != Role::CityCast {
        return Err(DomainError::Forbidden);
    }
    if f.state != RequestState::Pending {
        return Err(DomainError::Conflict(format!(
            "该申请已{}，不能再次决定（可能已被他人处理）",
            f.state.label()
        )));
    }
    if !f.approve && f.reason.trim().is_empty() {
        return Err(DomainError::invalid("reason", "不同意时须写明理由"));
    }
    if f.approve {
        if !f.has_letter {
            return Err(DomainError::Rule {
                code: "letter_missing",
                article: "第十四条",
                message: "须上传建站单位或上级学会的书面申请后方可同意".into(),
            });
        }
        if !running(f.status) {
            return Err(DomainError::Conflict(format!(
                "服务站当前为“{}”，不能再合并、重组或撤销",
                f.status.label()
            )));
        }
        if f.kind == RequestKind::Merge && !f.target_status.is_some_and(running) {
            return Err(DomainError::Rule {
                code: "merge_target_not_running",
                article: "第十四条",
                message: "并入的服务站已不在运行，不能同意合并".into(),
            });
        }
    }
    Ok(())
}

/// What a renewal (第十三条) is judged against.
#[derive(Debug, Clone)]
pub struct RenewalFacts {
    /// The user is the station's host unit.
    pub is_host: bool,
    pub status: StationStatus,
    /// The grade of the term-end assessment, if recorded.
    pub term_end_grade: Option<Grade>,
    /// Another renewal of this station is in progress or awarded.
    pub renewal_in_progress: Option<i64>,
}

/// 第十三条: only the host unit, only after a passing term-end assessment, only once.
pub fn check_renewal(f: &RenewalFacts) -> Result<(), DomainError> {
    if !f.is_host {
        return Err(DomainError::NotPermitted {
            code: "renewal_not_by_host",
            article: "第十三条",
            message: "继续运行的申请由建站单位提出".into(),
        });
    }
    if !matches!(
        f.status,
        StationStatus::Active | StationStatus::Rectifying | StationStatus::Expired
    ) {
        return Err(DomainError::Rule {
            code: "renewal_station_ended",
            article: "第十三条",
            message: format!("服务站当前为“{}”，不能申请继续运行", f.status.label()),
        });
    }
    match f.term_end_grade {
        Some(g) if g.passed() => {}
        Some(g) => {
            return Err(DomainError::Rule {
                code: "renewal_term_end_failed",
                article: "第十三条",
                message: format!(
                    "期满考核为“{}”，合作期满考核合格的方可申请继续运行",
                    g.label()
                ),
            });
        }
        None => {
            return Err(DomainError::Rule {
                code: "renewal_before_term_end_pass",
                article: "第十三条",
                message: "合作期满考核合格后方可申请继续运行（期满考核尚未录入）".into(),
            });
        }
    }
    if let Some(id) = f.renewal_in_progress {
        return Err(DomainError::Conflict(format!(
            "该服务站已有继续运行的申请（申报书 #{id}），不能重复申请"
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(kind: &str) -> ChangeRequestInput {
        ChangeRequestInput {
            kind: kind.into(),
            reason: "两站服务同一产业链，合并运行".into(),
            target_station_id: Some(2),
            new_name: "新名称".into(),
        }
    }

    fn facts() -> RequestFacts {
        RequestFacts {
            role: Role::HostUnit,
            is_own_station: true,
            status: StationStatus::Active,
            pending_request: false,
            station_id: 1,
            target_status: Some(StationStatus::Active),
        }
    }

    #[test]
    fn kinds_parse_in_english_and_chinese() {
        assert_eq!(RequestKind::parse("merge").ok(), Some(RequestKind::Merge));
        assert_eq!(RequestKind::parse("撤销").ok(), Some(RequestKind::Revoke));
        assert!(RequestKind::parse("close").is_err());
        assert_eq!(
            RequestKind::Merge.status_after(),
            Some(StationStatus::Merged)
        );
        assert_eq!(RequestKind::Reorganise.status_after(), None);
    }

    #[test]
    fn a_request_needs_a_reason_and_a_merge_its_target() {
        let mut i = req("merge");
        i.reason = " ".into();
        i.target_station_id = None;
        let Err(DomainError::Fields(f)) = parse_change_request(i) else {
            panic!("expected field errors");
        };
        let fields: Vec<_> = f.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["reason", "target_station_id"]);
        let r = parse_change_request(req("revoke")).unwrap();
        assert_eq!(r.target_station_id, None);
        assert_eq!(r.new_name, "");
        let r = parse_change_request(req("reorganise")).unwrap();
        assert_eq!(r.new_name, "新名称");
    }

    #[test]
    fn only_the_host_or_society_of_a_running_station_may_ask() {
        let r = parse_change_request(req("revoke")).unwrap();
        assert!(check_request(&r, &facts()).is_ok());
        let f = RequestFacts {
            role: Role::Society,
            ..facts()
        };
        assert!(check_request(&r, &f).is_ok());
        let f = RequestFacts {
            role: Role::CityCast,
            ..facts()
        };
        // Who may never ask is refused as such (403), whatever the station's state.
        let e = check_request(&r, &f).unwrap_err();
        assert_eq!(e.kind(), crate::ErrorKind::Forbidden);
        assert_eq!(e.article(), Some("第十四条"));
        let f = RequestFacts {
            is_own_station: false,
            status: StationStatus::Removed,
            pending_request: true,
            ..facts()
        };
        let e = check_request(&r, &f).unwrap_err();
        assert_eq!(e.kind(), crate::ErrorKind::Forbidden);
        assert_eq!(e.code(), "request_not_by_host");
        let f = RequestFacts {
            status: StationStatus::Removed,
            ..facts()
        };
        assert!(check_request(&r, &f).is_err());
        let f = RequestFacts {
            pending_request: true,
            ..facts()
        };
        assert!(matches!(
            check_request(&r, &f),
            Err(DomainError::Conflict(_))
        ));
    }

    #[test]
    fn a_merge_goes_into_another_running_station() {
        let r = parse_change_request(req("merge")).unwrap();
        assert!(check_request(&r, &facts()).is_ok());
        let f = RequestFacts {
            target_status: Some(StationStatus::Revoked),
            ..facts()
        };
        assert!(check_request(&r, &f).is_err());
        let f = RequestFacts {
            station_id: 2,
            ..facts()
        };
        assert!(check_request(&r, &f).is_err());
        let f = RequestFacts {
            target_status: None,
            ..facts()
        };
        assert!(check_request(&r, &f).is_err());
    }

    fn decision() -> DecisionFacts {
        DecisionFacts {
            role: Role::CityCast,
            state: RequestState::Pending,
            approve: true,
            reason: String::new(),
            has_letter: true,
            kind: RequestKind::Revoke,
            status: StationStatus::Active,
            target_status: None,
        }
    }

    #[test]
    fn city_cast_decides_once_with_the_letter_on_file() {
        assert!(check_decision(&decision()).is_ok());
        let f = DecisionFacts {
            role: Role::TalentOffice,
            ..decision()
        };
        assert_eq!(check_decision(&f), Err(DomainError::Forbidden));
        let f = DecisionFacts {
            has_letter: false,
            ..decision()
        };
        let Err(DomainError::Rule { code, .. }) = check_decision(&f) else {
            panic!("the written request is needed");
        };
        assert_eq!(code, "letter_missing");
        let f = DecisionFacts {
            state: RequestState::Approved,
            ..decision()
        };
        assert!(matches!(check_decision(&f), Err(DomainError::Conflict(_))));
        let f = DecisionFacts {
            approve: false,
            has_letter: false,
            ..decision()
        };
        assert!(check_decision(&f).is_err(), "a refusal needs its reason");
        let f = DecisionFacts {
            approve: false,
            reason: "理由不充分".into(),
            has_letter: false,
            ..decision()
        };
        assert!(check_decision(&f).is_ok());
        let f = DecisionFacts {
            kind: RequestKind::Merge,
            target_status: Some(StationStatus::Merged),
            ..decision()
        };
        assert!(check_decision(&f).is_err());
    }

    fn renewal() -> RenewalFacts {
        RenewalFacts {
            is_host: true,
            status: StationStatus::Expired,
            term_end_grade: Some(Grade::Pass),
            renewal_in_progress: None,
        }
    }

    #[test]
    fn renewal_follows_a_passing_term_end() {
        assert!(check_renewal(&renewal()).is_ok());
        let f = RenewalFacts {
            term_end_grade: Some(Grade::Excellent),
            status: StationStatus::Active,
            ..renewal()
        };
        assert!(check_renewal(&f).is_ok());
        // Only the host unit asks (403 for anyone else, whatever the station's state).
        let f = RenewalFacts {
            is_host: false,
            term_end_grade: None,
            ..renewal()
        };
        let e = check_renewal(&f).unwrap_err();
        assert_eq!(e.kind(), crate::ErrorKind::Forbidden);
        assert_eq!(
            (e.code(), e.article()),
            ("renewal_not_by_host", Some("第十三条"))
        );
        for (f, code) in [
            (
                RenewalFacts {
                    term_end_grade: None,
                    ..renewal()
                },
                "renewal_before_term_end_pass",
            ),
            (
                RenewalFacts {
                    term_end_grade: Some(Grade::Fail),
                    ..renewal()
                },
                "renewal_term_end_failed",
            ),
            (
                RenewalFacts {
                    status: StationStatus::Removed,
                    ..renewal()
                },
                "renewal_station_ended",
            ),
        ] {
            let Err(DomainError::Rule {
                code: c, article, ..
            }) = check_renewal(&f)
            else {
                panic!("{code} expected");
            };
            assert_eq!((c, article), (code, "第十三条"));
        }
        let f = RenewalFacts {
            renewal_in_progress: Some(9),
            ..renewal()
        };
        assert!(matches!(check_renewal(&f), Err(DomainError::Conflict(_))));
    }
}
