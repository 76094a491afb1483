//! Cross-cutting concerns as small, named layers.

pub mod csrf;
pub mod nul;
pub mod security_headers;
pub mod trace;
