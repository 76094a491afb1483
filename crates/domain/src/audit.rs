//! The audit trail (SPEC §2, 等保 2.0 安全审计): every change and decision — who, role, when,
//! what, before → after — append-only, each entry carrying the hash of the one before it, so a
//! changed, inserted or deleted row is detected by [`verify_chain`].

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// The hash the first entry chains to.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// One recorded change or decision, as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    /// 1, 2, 3 … without gaps.
    pub seq: i64,
    /// RFC 3339 UTC instant, as stored.
    pub at: String,
    pub actor_id: Option<i64>,
    pub actor_username: String,
    pub actor_role: String,
    /// What happened, e.g. `user.create`, `session.sign_in_failed`.
    pub action: String,
    /// The kind of record, e.g. `user`.
    pub entity: String,
    pub entity_id: Option<String>,
    /// JSON of the record before and after (empty when there is none).
    pub before: String,
    pub after: String,
    pub prev_hash: String,
    pub hash: String,
}

impl AuditEntry {
    /// The SHA-256 of every field but `hash`, fields separated unambiguously (length-prefixed).
    pub fn compute_hash(&self) -> String {
        let mut h = Sha256::new();
        let actor = self.actor_id.map(|i| i.to_string()).unwrap_or_default();
        let entity_id = self.entity_id.clone().unwrap_or_default();
        for field in [
            self.seq.to_string().as_str(),
            &self.at,
            &actor,
            &self.actor_username,
            &self.actor_role,
            &self.action,
            &self.entity,
            &entity_id,
            &self.before,
            &self.after,
            &self.prev_hash,
        ] {
            h.update((field.len() as u64).to_be_bytes());
            h.update(field.as_bytes());
        }
        hex::encode(h.finalize())
    }
}

/// Where and why the chain is broken.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("审计日志第 {seq} 条异常：{reason}")]
pub struct ChainBreak {
    pub seq: i64,
    pub reason: String,
}

/// Checks a chain entry by entry, in `seq` order, without holding it in memory.
#[derive(Debug, Clone)]
pub struct ChainVerifier {
    prev_hash: String,
    expected_seq: i64,
}

impl Default for ChainVerifier {
    fn default() -> Self {
        ChainVerifier {
            prev_hash: GENESIS_HASH.to_string(),
            expected_seq: 1,
        }
    }
}

impl ChainVerifier {
    pub fn push(&mut self, e: &AuditEntry) -> Result<(), ChainBreak> {
        if e.seq != self.expected_seq {
            return Err(ChainBreak {
                seq: self.expected_seq,
                reason: format!("缺失（下一条为第 {} 条），记录被删除", e.seq),
            });
        }
        if e.prev_hash != self.prev_hash {
            return Err(ChainBreak {
                seq: e.seq,
                reason: "前序哈希与上一条不符，前面的记录被改动或删除".into(),
            });
        }
        if e.compute_hash() != e.hash {
            return Err(ChainBreak {
                seq: e.seq,
                reason: "内容与其哈希不符，记录被改动".into(),
            });
        }
        self.prev_hash.clone_from(&e.hash);
        self.expected_seq += 1;
        Ok(())
    }

    /// Ends the walk: the chain must end at the recorded head (`head`: the last seq and hash
    /// written, kept apart so that removing the newest rows is detected too). Returns the count.
    pub fn finish(self, head: Option<(i64, &str)>) -> Result<u64, ChainBreak> {
        let last = self.expected_seq - 1;
        if let Some((head_seq, head_hash)) = head {
            if head_seq != last || head_hash != self.prev_hash {
                return Err(ChainBreak {
                    seq: self.expected_seq.min(head_seq),
                    reason: format!("链尾应为第 {head_seq} 条，最新的记录被删除或改动"),
                });
            }
        } else if last > 0 {
            return Err(ChainBreak {
                seq: last,
                reason: "链尾记录缺失".into(),
            });
        }
        Ok(last as u64)
    }
}

/// Checks a whole chain given in `seq` order against its recorded head.
pub fn verify_chain<'a>(
    entries: impl IntoIterator<Item = &'a AuditEntry>,
    head: Option<(i64, &str)>,
) -> Result<u64, ChainBreak> {
    let mut v = ChainVerifier::default();
    for e in entries {
        v.push(e)?;
    }
    v.finish(head)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chain(n: i64) -> Vec<AuditEntry> {
        let mut prev = GENESIS_HASH.to_string();
        (1..=n)
            .map(|seq| {
                let mut e = AuditEntry {
                    seq,
                    at: format!("2026-11-25T10:00:{seq:02}Z"),
                    actor_id: Some(1),
                    actor_username: "admin".into(),
                    actor_role: "admin".into(),
                    action: "user.create".into(),
                    entity: "user".into(),
                    entity_id: Some(seq.to_string()),
                    before: String::new(),
                    after: format!("{{\"id\":{seq}}}"),
                    prev_hash: prev.clone(),
                    hash: String::new(),
                };
                e.hash = e.compute_hash();
                prev = e.hash.clone();
                e
            })
            .collect()
    }

    fn head(c: &[AuditEntry]) -> Option<(i64, &str)> {
        c.last().map(|e| (e.seq, e.hash.as_str()))
    }

    #[test]
    fn an_intact_chain_verifies() {
        let c = chain(5);
        assert_eq!(verify_chain(&c, head(&c)), Ok(5));
        assert_eq!(verify_chain(&[], None), Ok(0));
    }

    #[test]
    fn an_altered_row_is_named() {
        let mut c = chain(5);
        let h = c[4].hash.clone();
        c[2].after = "{\"id\":99}".into();
        assert_eq!(verify_chain(&c, Some((5, &h))).unwrap_err().seq, 3);
    }

    #[test]
    fn a_removed_row_is_named() {
        let mut c = chain(5);
        let h = c[4].hash.clone();
        c.remove(1);
        assert_eq!(verify_chain(&c, Some((5, &h))).unwrap_err().seq, 2);
    }

    #[test]
    fn removing_the_newest_row_is_detected_by_the_head() {
        let mut c = chain(5);
        let h = c[4].hash.clone();
        c.pop();
        assert_eq!(verify_chain(&c, Some((5, &h))).unwrap_err().seq, 5);
    }

    #[test]
    fn a_rehashed_forgery_breaks_the_next_link() {
        let mut c = chain(5);
        let h = c[4].hash.clone();
        c[1].actor_username = "mallory".into();
        c[1].hash = c[1].compute_hash();
        assert_eq!(verify_chain(&c, Some((5, &h))).unwrap_err().seq, 3);
    }
}
