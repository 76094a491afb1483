//! Advisory-lock keys, in one place so that no two uses collide and every use case that must
//! take its turn with another uses the same key (`Tx::lock`: `pg_advisory_xact_lock` on
//! PostgreSQL, the write lock on SQLite). Per-record keys add the record's id to a base.

/// The audit chain's head (every entry takes its turn).
pub(crate) const AUDIT: i64 = 7_262_001;
/// Opening rounds (no two overlap, 第八条).
pub(crate) const ROUNDS: i64 = 7_262_002;
/// Award document numbers (文号) and the doc_sequences they are drawn from.
pub(crate) const DOC: i64 = 7_262_003;
/// The working-day calendar.
pub(crate) const CALENDAR: i64 = 7_262_004;
/// Migrations (and the reference data seeded after them): one server at a time.
pub(crate) const MIGRATE: i64 = 7_262_005;
/// Submissions naming one society (第七条（七）), plus the society's id.
pub(crate) const SOCIETY_BASE: i64 = 7_300_000_000;
/// Approvals within one round (the quota of 第十二条), plus the round's id.
pub(crate) const ROUND_BASE: i64 = 7_400_000_000;
/// Changes of one station's ledger and assessments, plus the station's id.
pub(crate) const STATION_BASE: i64 = 7_500_000_000;
/// Renewals and change requests of one station (第十三条、第十四条), plus the station's id.
pub(crate) const LIFECYCLE_BASE: i64 = 7_600_000_000;
