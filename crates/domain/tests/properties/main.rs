//! Property tests of the domain (issue 9, hostile input): every validator never panics on
//! arbitrary input, accepts exactly what its rule says (generated valid values are accepted,
//! invalid ones refused with the rule's message) and round-trips; and no sequence of actions by
//! any role takes an application where SPEC §4 does not allow.
//!
//! The rules are modelled here independently of the code under test, from the SPEC and the
//! measures, so that a wrong rule in the domain shows as a disagreement with the model.
//! Default case counts (256 a property) keep `cargo test -p stationhub-domain` short.

mod common;

mod accounts;
mod application;
mod audit;
mod calendar;
mod funds;
mod import;
mod lifecycle;
mod notice;
mod organisation;
mod policy;
mod review;
mod round;
mod state_machine;
mod station;
mod upload;
