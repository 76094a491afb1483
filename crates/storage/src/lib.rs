//! Storage adapter: one SeaORM code base for SQLite (default) and PostgreSQL (production).
//!
//! [`Store`] owns the connection pool; every change goes through a [`Tx`], which records its audit
//! entry in the same database transaction so that no change is ever without its trail. The
//! use-case functions (`accounts`, `audit`) load records, apply the domain's rules and save.

pub mod accounts;
pub mod applications;
pub mod audit;
pub mod backup;
pub mod dashboard;
pub mod documents;
pub mod entity;
pub mod exports;
pub mod files;
pub mod funds;
pub mod import;
pub mod jobs;
pub mod lifecycle;
mod locks;
pub mod mail;
pub mod memo;
pub mod migration;
mod names;
pub mod orgs;
pub mod review;
pub mod stations;
mod store;

pub use memo::{ChangeNo, MemoStats};
pub use store::{Actor, Backend, MEMO_MB, Page, Store, StoreError, Tx};

/// `column LIKE '%text%'` with the text taken literally: its own `%`, `_` and `\\` are escaped.
/// (sea-orm's `contains` passes them on as wildcards, so that a search for "%" or "_" listed
/// every row.)
pub(crate) fn contains_text<C: sea_orm::ColumnTrait>(
    column: C,
    text: &str,
) -> sea_orm::sea_query::Expr {
    like_text(column, &format!("%{}%", escape_like(text)))
}

/// `column LIKE 'text%'`, the text taken literally (see [`contains_text`]).
pub(crate) fn starts_with_text<C: sea_orm::ColumnTrait>(
    column: C,
    text: &str,
) -> sea_orm::sea_query::Expr {
    like_text(column, &format!("{}%", escape_like(text)))
}

fn like_text<C: sea_orm::ColumnTrait>(column: C, pattern: &str) -> sea_orm::sea_query::Expr {
    use sea_orm::sea_query::{ExprTrait, LikeExpr};
    sea_orm::sea_query::Expr::col(column.as_column_ref()).like(LikeExpr::new(pattern).escape('\\'))
}

fn escape_like(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// The last page a list will seek to; beyond it lists are simply empty.
pub const MAX_PAGE: u64 = 1_000_000;

/// The offset of a page (1-based), safe for any page number a query string can hold (the
/// database drivers take offsets as signed 64-bit numbers).
pub fn offset(page: u64, per_page: u64) -> u64 {
    (page.clamp(1, MAX_PAGE) - 1).saturating_mul(per_page.min(10_000))
}
