//! Any bytes as the import spreadsheet, through the path of `stationhub import`: the storage's
//! `read_sheet` (calamine), then the domain's `keys` and `validate` of every row. The answer is
//! the rows or a list of refusals with their Excel lines, never a panic.
#![no_main]

use std::sync::{Once, OnceLock};

use libfuzzer_sys::fuzz_target;
use stationhub_domain::ErrorKind;
use stationhub_domain::import::{Existing, keys, validate};
use stationhub_domain::policy::Policy;
use stationhub_storage::import::read_sheet;

fn policy() -> &'static Policy {
    static P: OnceLock<Policy> = OnceLock::new();
    P.get_or_init(Policy::default)
}

/// `read_sheet` refuses a file that its spreadsheet reader (calamine) panics on, but libFuzzer's
/// panic hook aborts before any panic can unwind that far. This hook lets a panic raised inside
/// calamine unwind to `read_sheet`, silently (one that escaped it would still abort at
/// libFuzzer's own catch); every other panic goes to libFuzzer's hook and aborts, as before.
fn contain_reader_panics() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let libfuzzer_hook = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if info
                .location()
                .is_some_and(|l| l.file().contains("/calamine-"))
            {
                return;
            }
            libfuzzer_hook(info);
        }));
    });
}

fuzz_target!(|data: &[u8]| {
    contain_reader_panics();
    let sheet = match read_sheet(data) {
        Ok(sheet) => sheet,
        Err(e) => {
            assert_eq!(e.kind(), ErrorKind::Unprocessable, "{e:?}");
            return;
        }
    };
    let _ = keys(&sheet);
    let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 25).unwrap();
    match validate(&sheet, &Existing::default(), policy(), today) {
        Ok(rows) => assert!(!rows.is_empty()),
        Err(errors) => {
            assert!(!errors.is_empty());
            for e in errors {
                assert!(!e.to_string().is_empty());
            }
        }
    }
});
