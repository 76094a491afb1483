//! Documents: what officials print, file and forward, rendered from the records the storage
//! adapter reads. Nothing here decides anything; every rule stays in the domain.
//!
//! - [`pdf`]: the 申报书 and the official documents (公示, 授牌通知, 考核表, 经费台账) through typst,
//!   with the Noto CJK font embedded.
//! - [`docx`]: the 申报书 as Word, the table intact for Word and WPS.
//! - [`form`]: the 申报书's one model (cover, rows, ticks, opinion boxes) both renderers print.
//! - [`xlsx`]: every list as a spreadsheet with Chinese headers and typed columns.
//! - [`bundle`]: an application's files as one .zip.

pub mod bundle;
pub mod docx;
pub mod form;
pub mod pdf;
pub mod xlsx;
