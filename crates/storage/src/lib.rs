//! Storage adapter: one SeaORM code base for SQLite (default) and PostgreSQL (production).
//!
//! [`Store`] owns the connection pool; every change goes through a [`Tx`], which records its audit
//! entry in the same database transaction so that no change is ever without its trail. The
//! use-case functions (`accounts`, `audit`) load records, apply the domain's rules and save.

pub mod accounts;
pub mod applications;
pub mod audit;
pub mod entity;
pub mod files;
pub mod migration;
pub mod orgs;
pub mod review;
mod store;

pub use store::{Actor, Backend, Page, Store, StoreError, Tx};

/// The offset of a page (1-based), safe for any page number a query string can hold.
pub fn offset(page: u64, per_page: u64) -> u64 {
    page.saturating_sub(1).saturating_mul(per_page)
}
