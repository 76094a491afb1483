//! The measures as code.
//!
//! 《益阳市重点产业领域学会服务站建设管理办法（试行）》(2023) is the domain: every rule lives in a
//! module of this crate, as a function whose error names its article. Nothing here knows of HTTP,
//! SQL or templates; the storage and web crates are adapters around it.
//!
//! - [`policy`]: every number of the measures (SPEC §3), loaded from TOML.
//! - [`clock`]: the one "today" (Asia/Shanghai, `STATIONHUB_TODAY`).
//! - [`account`]: roles, usernames, the 等保 password and sign-in rules.
//! - [`application`]: the 申报书 and the submission rules (SPEC §3 rules 1–8, 17).
//! - [`audit`]: the hash-chained audit trail.
//! - [`organisation`]: host units and societies, the unified social credit code.
//! - [`round`]: 申报批次 (第八条, 第十二条 quota per round).
//! - [`review`]: the review steps and who owns each (第八条（一）（二）), the quota at approval.
//! - [`calendar`]: working days with statutory holidays and 调休 (the notice period).
//! - [`notice`]: the public notice, objections and the award (第八条（三）（四）).
//! - [`station`]: term years and quarters, the indicators of 第十二条, grades and consequences.
//! - [`funds`]: grants (第十六条), expenses (第十七条), balance and recovery, in integer fen.
//! - [`lifecycle`]: renewal after the term (第十三条); merge, reorganisation, revocation (第十四条).
//! - [`import`]: stations named before the measures, imported from a spreadsheet (第八条).
//! - [`upload`]: which uploaded files are accepted, by content; the size limit; safe names.
//! - [`error`]: the domain's error type, with the article each refusal cites.

pub mod account;
pub mod application;
pub mod audit;
pub mod calendar;
pub mod clock;
pub mod error;
pub mod funds;
pub mod import;
pub mod lifecycle;
pub mod notice;
pub mod organisation;
pub mod policy;
pub mod review;
pub mod round;
pub mod station;
pub mod upload;

pub use error::{DomainError, ErrorKind};
