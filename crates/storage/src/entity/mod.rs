//! SeaORM entities, one per table. Relations are not declared: queries join explicitly.

pub mod audit_head;
pub mod audit_log;
pub mod county;
pub mod office;
pub mod session;
pub mod signin_throttle;
pub mod society;
pub mod unit;
pub mod user;
