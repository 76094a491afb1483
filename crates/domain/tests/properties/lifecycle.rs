//! Renewal (第十三条) and merge, reorganisation, revocation (第十四条).

use proptest::prelude::*;
use stationhub_domain::account::Role;
use stationhub_domain::lifecycle::{
    ChangeRequestInput, DecisionFacts, RenewalFacts, RequestFacts, RequestKind, RequestState,
    check_decision, check_renewal, check_request, parse_change_request,
};
use stationhub_domain::station::{Grade, StationStatus};
use stationhub_domain::{DomainError, ErrorKind};

use crate::common::any_text;

fn status() -> impl Strategy<Value = StationStatus> {
    (0..7usize).prop_map(|i| StationStatus::ALL[i])
}

fn running(s: StationStatus) -> bool {
    matches!(s, StationStatus::Active | StationStatus::Rectifying)
}

fn role() -> impl Strategy<Value = Role> {
    (0..8usize).prop_map(|i| Role::ALL[i])
}

fn kind() -> impl Strategy<Value = RequestKind> {
    (0..3usize).prop_map(|i| RequestKind::ALL[i])
}

fn request_state() -> impl Strategy<Value = RequestState> {
    prop_oneof![
        Just(RequestState::Pending),
        Just(RequestState::Approved),
        Just(RequestState::Declined)
    ]
}

fn grade() -> impl Strategy<Value = Grade> {
    prop_oneof![Just(Grade::Excellent), Just(Grade::Pass), Just(Grade::Fail)]
}

proptest! {
    #[test]
    fn kinds_and_states_round_trip(k in kind(), st in request_state(), s in any_text()) {
        prop_assert_eq!(RequestKind::parse(k.as_str()), Ok(k));
        prop_assert_eq!(RequestKind::parse(k.label()), Ok(k));
        prop_assert_eq!(RequestState::parse(st.as_str()), Ok(st));
        if let Ok(k) = RequestKind::parse(&s) {
            prop_assert!(k.as_str() == s || k.label() == s);
        }
        if let Ok(st) = RequestState::parse(&s) {
            prop_assert_eq!(st.as_str(), s.as_str());
        }
        // A merge ends the station as merged, a revocation as revoked; a reorganisation keeps it.
        let after = k.status_after();
        prop_assert_eq!(after, match k {
            RequestKind::Merge => Some(StationStatus::Merged),
            RequestKind::Revoke => Some(StationStatus::Revoked),
            RequestKind::Reorganise => None,
        });
    }

    #[test]
    fn a_change_request_needs_its_kind_a_reason_and_for_a_merge_its_target(
        kind in prop_oneof![any_text(), Just("merge".into()), Just("撤销".into()), Just(" reorganise ".into())],
        reason in prop_oneof![any_text(), "\\p{Han}{1,30}", "\\p{Han}{5001}"],
        target in proptest::option::of(1i64..100),
        new_name in prop_oneof![any_text(), "\\p{Han}{1,20}", "\\p{Han}{101}"],
    ) {
        let k = RequestKind::parse(kind.trim()).ok();
        let r = reason.trim();
        let mut want = Vec::new();
        if k.is_none() { want.push("kind"); }
        if r.is_empty() { want.push("reason"); }
        if r.chars().count() > 5000 { want.push("reason"); }
        if new_name.trim().chars().count() > 100 { want.push("new_name"); }
        if k == Some(RequestKind::Merge) && target.is_none() { want.push("target_station_id"); }
        let got = parse_change_request(ChangeRequestInput {
            kind, reason: reason.clone(), target_station_id: target, new_name: new_name.clone(),
        });
        match got {
            Ok(c) => {
                prop_assert!(want.is_empty(), "{want:?}");
                prop_assert_eq!(Some(c.kind), k);
                prop_assert_eq!(c.reason.as_str(), r);
                prop_assert_eq!(c.target_station_id, if c.kind == RequestKind::Merge { target } else { None });
                prop_assert_eq!(c.new_name.as_str(), if c.kind == RequestKind::Reorganise { new_name.trim() } else { "" });
            }
            Err(e) => {
                let fields: Vec<String> = e.field_errors().into_iter().map(|f| f.field).collect();
                prop_assert_eq!(fields, want);
            }
        }
    }

    /// 第十四条: the station's host unit or society, for a running station, one request at a
    /// time; a merge into another running station.
    #[test]
    fn who_may_ask_for_a_change(
        k in kind(), role in role(), own in any::<bool>(), status in status(), pending in any::<bool>(),
        target in proptest::option::of(1i64..4), target_status in proptest::option::of(status()),
    ) {
        let r = parse_change_request(ChangeRequestInput {
            kind: k.as_str().into(), reason: "客观需要".into(), target_station_id: Some(target.unwrap_or(2)), new_name: String::new(),
        }).unwrap();
        let f = RequestFacts { role, is_own_station: own, status, pending_request: pending, station_id: 1, target_status };
        let merge = k == RequestKind::Merge;
        let want: Result<(), &str> = if !matches!(role, Role::HostUnit | Role::Society) || !own {
            Err("request_not_by_host")
        } else if !running(status) {
            Err("station_not_running")
        } else if pending {
            Err("conflict")
        } else if merge && (r.target_station_id == Some(1) || target_status.is_none()) {
            Err("invalid")
        } else if merge && !target_status.is_some_and(running) {
            Err("merge_target_not_running")
        } else {
            Ok(())
        };
        let got = check_request(&r, &f);
        prop_assert_eq!(got.as_ref().map_err(DomainError::code).copied(), want, "{:?}", got);
        if let Err(DomainError::Rule { article, .. }) = got {
            prop_assert_eq!(article, "第十四条");
        }
    }

    /// City CAST decides once; approval needs the written request and a running station (and
    /// target); a refusal gives its reason.
    #[test]
    fn who_decides_a_change_and_when(
        role in role(), state in request_state(), approve in any::<bool>(),
        reason in prop_oneof![Just(String::new()), Just(" ".into()), "\\p{Han}{1,10}"],
        letter in any::<bool>(), k in kind(), status in status(), target in proptest::option::of(status()),
    ) {
        let f = DecisionFacts { role, state, approve, reason: reason.clone(), has_letter: letter, kind: k, status, target_status: target };
        let want: Result<(), ErrorKind> = if role != Role::CityCast {
            Err(ErrorKind::Forbidden)
        } else if state != RequestState::Pending {
            Err(ErrorKind::Conflict)
        } else if !approve {
            if reason.trim().is_empty() { Err(ErrorKind::Unprocessable) } else { Ok(()) }
        } else if !letter || !running(status) || (k == RequestKind::Merge && !target.is_some_and(running)) {
            Err(ErrorKind::Conflict)
        } else {
            Ok(())
        };
        prop_assert_eq!(check_decision(&f).map_err(|e| e.kind()), want);
    }

    /// 第十三条: the host, after a passing term end, a station not ended otherwise, only once.
    #[test]
    fn who_may_renew(
        host in any::<bool>(), status in status(), g in proptest::option::of(grade()), in_progress in proptest::option::of(1i64..9),
    ) {
        let f = RenewalFacts { is_host: host, status, term_end_grade: g, renewal_in_progress: in_progress };
        let ended = !matches!(status, StationStatus::Active | StationStatus::Rectifying | StationStatus::Expired);
        let want: Result<(), &str> = if !host {
            Err("renewal_not_by_host")
        } else if ended {
            Err("renewal_station_ended")
        } else if g == Some(Grade::Fail) {
            Err("renewal_term_end_failed")
        } else if g.is_none() {
            Err("renewal_before_term_end_pass")
        } else if in_progress.is_some() {
            Err("conflict")
        } else {
            Ok(())
        };
        let got = check_renewal(&f);
        prop_assert_eq!(got.as_ref().map_err(DomainError::code).copied(), want);
        if let Err(e) = got {
            // Who may never renew is refused as such (403); the rest are rules of the state (409).
            let kind = if !host { ErrorKind::Forbidden } else { ErrorKind::Conflict };
            prop_assert_eq!(e.kind(), kind);
            if e.code() != "conflict" { prop_assert_eq!(e.article(), Some("第十三条")); }
        }
    }
}
