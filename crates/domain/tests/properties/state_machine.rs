//! SPEC §4, the application's way, as a model independent of the domain:
//!
//! draft → county_review → county_talent_review → city_review → approval → approved (→ notice →
//! awarded, recorded by the storage's notice and award); the direct route (rule 8) starts at
//! city_review. Each review step is taken by its owning role only; any reviewer may return the
//! application (back to the host; resubmission goes back to the same step) or reject it (final).
//!
//! Arbitrary sequences of submissions and decisions by arbitrary roles are run through the
//! domain ([`submission_target`], [`decide`]); every step the domain takes must be an edge of the
//! model, every edge the model allows must be taken, and the terminal states stay terminal.

use proptest::prelude::*;
use stationhub_domain::account::Role;
use stationhub_domain::application::{Route, State, submission_target};
use stationhub_domain::review::{Action, decide, step_of};

/// The review step of a state: its owner, its forward action and where that leads (SPEC §4 and
/// the roles of SPEC §1).
pub fn spec_step(s: State) -> Option<(Role, Action, State)> {
    match s {
        State::CountyReview => Some((
            Role::CountyCast,
            Action::Recommend,
            State::CountyTalentReview,
        )),
        State::CountyTalentReview => Some((Role::CountyTalent, Action::Agree, State::CityReview)),
        State::CityReview => Some((Role::CityCast, Action::Propose, State::Approval)),
        State::Approval => Some((Role::TalentOffice, Action::Approve, State::Approved)),
        _ => None,
    }
}

/// The edges of SPEC §4 the host and the reviewers take (the notice and the award are the
/// storage's and appear here only as states never entered by these actions).
fn spec_allows(from: State, to: State, who: Role, op: Op, returned_from: Option<State>) -> bool {
    match op {
        Op::Submit(route) => {
            who == Role::HostUnit
                && match from {
                    State::Draft => {
                        to == if route == Route::Direct {
                            State::CityReview
                        } else {
                            State::CountyReview
                        }
                    }
                    State::Returned => match returned_from {
                        Some(step) => to == step,
                        None => {
                            to == if route == Route::Direct {
                                State::CityReview
                            } else {
                                State::CountyReview
                            }
                        }
                    },
                    _ => false,
                }
        }
        Op::Decide(action) => match spec_step(from) {
            Some((owner, forward, next)) if owner == who => {
                (action == forward && to == next)
                    || (action == Action::Return && to == State::Returned)
                    || (action == Action::Reject && to == State::Rejected)
            }
            _ => false,
        },
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    /// The host sends it in (first submission or resubmission), on a route.
    Submit(Route),
    Decide(Action),
}

fn step() -> impl Strategy<Value = (Role, Op)> {
    let role = (0..8usize).prop_map(|i| Role::ALL[i]);
    let op = prop_oneof![
        any::<bool>().prop_map(|d| Op::Submit(if d { Route::Direct } else { Route::County })),
        (0..6usize).prop_map(|i| Op::Decide(Action::ALL[i])),
    ];
    // Weighted so that long runs reach the later steps: the owners are likelier.
    prop_oneof![
        1 => (role, op),
        3 => op_by_owner(),
    ]
}

/// An action by a role that owns some step (so sequences go far).
fn op_by_owner() -> impl Strategy<Value = (Role, Op)> {
    prop_oneof![
        any::<bool>().prop_map(|d| (
            Role::HostUnit,
            Op::Submit(if d { Route::Direct } else { Route::County })
        )),
        (
            0..4usize,
            prop_oneof![3 => Just(0usize), 1 => Just(1), 1 => Just(2)]
        )
            .prop_map(|(i, k)| {
                let (role, forward) = [
                    (Role::CountyCast, Action::Recommend),
                    (Role::CountyTalent, Action::Agree),
                    (Role::CityCast, Action::Propose),
                    (Role::TalentOffice, Action::Approve),
                ][i];
                (
                    role,
                    Op::Decide([forward, Action::Return, Action::Reject][k]),
                )
            }),
    ]
}

/// What the domain answers to one step (the submission is the host's: the storage refuses it to
/// anyone else before the domain is asked).
fn apply(state: State, returned_from: Option<State>, who: Role, op: Op) -> Option<State> {
    match op {
        Op::Submit(route) if who == Role::HostUnit => {
            submission_target(state, route, returned_from).ok()
        }
        Op::Submit(_) => None,
        Op::Decide(action) => decide(state, who, action).ok(),
    }
}

proptest! {
    #[test]
    fn no_sequence_leaves_the_spec(steps in proptest::collection::vec(step(), 1..40)) {
        let mut state = State::Draft;
        let mut returned_from: Option<State> = None;
        let mut visited = vec![state];
        let mut last_success: Option<(Role, Op)> = None;
        for (who, op) in steps {
            let before = state;
            let got = apply(state, returned_from, who, op);
            // What the model allows here: the one target, if any.
            let allowed: Vec<State> = State::ALL
                .into_iter()
                .filter(|to| spec_allows(before, *to, who, op, returned_from))
                .collect();
            match got {
                Some(to) => {
                    prop_assert!(
                        allowed.contains(&to),
                        "{before:?} → {to:?} by {who:?} {op:?} is not an edge of SPEC §4 (path {visited:?})"
                    );
                    prop_assert!(!matches!(before, State::Rejected | State::Awarded), "left a terminal state");
                    prop_assert_ne!(last_success, Some((who, op)), "the same step twice in a row (a double step)");
                    returned_from = if to == State::Returned { Some(before) } else { None };
                    state = to;
                    visited.push(state);
                    last_success = Some((who, op));
                }
                None => {
                    prop_assert!(allowed.is_empty(), "{before:?} by {who:?} {op:?} refused, but SPEC §4 allows {allowed:?}");
                }
            }
            // Never a state the decisions cannot reach: the notice and the award are not theirs.
            prop_assert!(!matches!(state, State::Notice | State::Awarded));
            // A returned application remembers a review step, and only that.
            if state == State::Returned {
                prop_assert!(returned_from.is_some_and(|s| spec_step(s).is_some()));
            }
        }
    }

    /// Whatever a stored application says it was returned from, a resubmission goes to a review
    /// step: the step that returned it, or the first step of its route.
    #[test]
    fn a_resubmission_always_goes_to_a_review_step(i in 0..10usize, direct in any::<bool>(), known in any::<bool>()) {
        let route = if direct { Route::Direct } else { Route::County };
        let from = known.then_some(State::ALL[i]);
        let to = submission_target(State::Returned, route, from).unwrap();
        prop_assert!(spec_step(to).is_some(), "{from:?} → {to:?}");
        match from {
            Some(s) if spec_step(s).is_some() => prop_assert_eq!(to, s),
            _ => prop_assert_eq!(to, route.first_step()),
        }
    }
}

#[test]
fn the_domain_steps_are_the_spec_steps() {
    for s in State::ALL {
        let domain = step_of(s).map(|st| (st.owner, st.forward, st.next));
        assert_eq!(domain, spec_step(s), "{s:?}");
    }
    // Only a draft or a returned application is sent in; the rest is a conflict.
    for s in State::ALL {
        for r in [Route::County, Route::Direct] {
            let ok = submission_target(s, r, None).is_ok();
            assert_eq!(ok, matches!(s, State::Draft | State::Returned), "{s:?}");
        }
    }
}
