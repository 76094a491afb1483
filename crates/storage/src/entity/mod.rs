//! SeaORM entities, one per table. Relations are not declared: queries join explicitly.

pub mod application;
pub mod application_event;
pub mod application_expert;
pub mod application_staff;
pub mod audit_head;
pub mod audit_log;
pub mod county;
pub mod expert;
pub mod file;
pub mod office;
pub mod round;
pub mod session;
pub mod signin_throttle;
pub mod society;
pub mod unit;
pub mod user;
