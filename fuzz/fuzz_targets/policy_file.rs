//! Any text as the policy file: answered with the policy or a refusal naming its line, never a
//! panic; an accepted policy written out again reads back the same.
#![no_main]

use libfuzzer_sys::fuzz_target;
use stationhub_domain::policy::Policy;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match Policy::from_toml(text) {
        Ok(p) => {
            let again = toml::to_string(&p).expect("an accepted policy can be written out");
            assert_eq!(Policy::from_toml(&again).as_ref(), Ok(&p), "round trip");
        }
        Err(e) => {
            assert!(!e.reason.is_empty());
            if let Some(line) = e.line {
                assert!(
                    line >= 1 && line <= text.matches('\n').count() + 1,
                    "line {line}"
                );
            }
        }
    }
});
