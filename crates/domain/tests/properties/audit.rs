//! The hash-chained audit log (SPEC §2, 等保 2.0 安全审计): a changed, removed, inserted or
//! reordered entry is always detected; an intact chain always verifies.

use proptest::prelude::*;
use stationhub_domain::audit::{AuditEntry, GENESIS_HASH, verify_chain};

fn chain(texts: &[(String, String)]) -> Vec<AuditEntry> {
    let mut prev = GENESIS_HASH.to_string();
    texts
        .iter()
        .enumerate()
        .map(|(i, (action, after))| {
            let mut e = AuditEntry {
                seq: i as i64 + 1,
                at: format!("2026-03-{:02}T08:00:00Z", i % 28 + 1),
                actor_id: Some(i as i64),
                actor_username: "city".into(),
                actor_role: "city_cast".into(),
                action: action.clone(),
                entity: "application".into(),
                entity_id: Some(i.to_string()),
                before: String::new(),
                after: after.clone(),
                prev_hash: prev.clone(),
                hash: String::new(),
            };
            e.hash = e.compute_hash();
            prev.clone_from(&e.hash);
            e
        })
        .collect()
}

fn head(c: &[AuditEntry]) -> Option<(i64, &str)> {
    c.last().map(|e| (e.seq, e.hash.as_str()))
}

proptest! {
    #[test]
    fn an_intact_chain_verifies(texts in proptest::collection::vec(("[a-z.]{1,12}", "\\PC{0,30}"), 0..20)) {
        let c = chain(&texts);
        prop_assert_eq!(verify_chain(&c, head(&c)), Ok(c.len() as u64));
    }

    #[test]
    fn any_tampering_is_detected(
        texts in proptest::collection::vec(("[a-z.]{1,12}", "\\PC{0,30}"), 1..20),
        which in any::<prop::sample::Index>(),
        how in 0..7usize,
        junk in "\\PC{1,8}",
    ) {
        let mut c = chain(&texts);
        let original_head = head(&c).map(|(s, h)| (s, h.to_string()));
        let i = which.index(c.len());
        match how {
            0 => c[i].after.push_str(&junk),
            1 => c[i].action = format!("{}{junk}", c[i].action),
            2 => c[i].actor_id = c[i].actor_id.map(|a| a + 1),
            3 => { c.remove(i); }
            4 => { let e = c[i].clone(); c.insert(i, e); }
            5 if c.len() > 1 => { let j = (i + 1) % c.len(); c.swap(i, j); }
            5 => c[i].seq += 1,
            _ => {
                // Rewritten with a fresh hash: the next entry, or the head, no longer matches.
                c[i].before.push_str(&junk);
                c[i].hash = c[i].compute_hash();
            }
        }
        let head = original_head.as_ref().map(|(s, h)| (*s, h.as_str()));
        prop_assert!(verify_chain(&c, head).is_err(), "tampering {how} at {i} went unnoticed");
    }
}
