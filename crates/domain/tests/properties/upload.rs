//! Uploaded files: the type is decided by the content, the size is capped, and the sender's
//! name is made safe to show and to offer (issue 9: uploads whose content does not match an
//! allowed type, path traversal in file names).

use proptest::prelude::*;
use stationhub_domain::ErrorKind;
use stationhub_domain::upload::{FileType, MAX_UPLOAD_BYTES, check_size, safe_filename, sniff};

use crate::common::any_text;

/// The magic numbers of the accepted types.
fn accepted_by_magic(bytes: &[u8]) -> Option<FileType> {
    let starts = |m: &[u8]| bytes.starts_with(m);
    if starts(b"%PDF-") {
        Some(FileType::Pdf)
    } else if starts(b"\x89PNG\r\n\x1a\n") {
        Some(FileType::Png)
    } else if starts(b"\xFF\xD8\xFF") {
        Some(FileType::Jpeg)
    } else if starts(b"GIF87a") || starts(b"GIF89a") {
        Some(FileType::Gif)
    } else if bytes.len() >= 12 && starts(b"RIFF") && &bytes[8..12] == b"WEBP" {
        Some(FileType::Webp)
    } else {
        None
    }
}

fn prefixed_bytes() -> impl Strategy<Value = Vec<u8>> {
    let magic = prop_oneof![
        Just(b"%PDF-".to_vec()),
        Just(b"\x89PNG\r\n\x1a\n".to_vec()),
        Just(b"\xFF\xD8\xFF".to_vec()),
        Just(b"GIF89a".to_vec()),
        Just(b"RIFF\0\0\0\0WEBP".to_vec()),
        Just(b"PK\x03\x04".to_vec()),
        Just(b"PK\x05\x06".to_vec()),
        Just(b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1".to_vec()),
        Just(b"MZ\x90\x00".to_vec()),
        Just(b"<html><script>".to_vec()),
        Just(Vec::new()),
    ];
    (magic, proptest::collection::vec(any::<u8>(), 0..300)).prop_map(|(mut m, rest)| {
        m.extend(rest);
        m
    })
}

/// A ZIP whose central directory is damaged at random: lengths and offsets pointing anywhere.
fn broken_zip() -> impl Strategy<Value = Vec<u8>> {
    (
        proptest::collection::vec(any::<u8>(), 0..200),
        any::<u16>(),
        any::<u32>(),
        any::<u16>(),
    )
        .prop_map(|(body, count, offset, comment)| {
            let mut z = b"PK\x03\x04".to_vec();
            z.extend(body);
            z.extend(b"PK\x01\x02");
            z.extend([0u8; 24]);
            z.extend(b"PK\x05\x06");
            z.extend([0u8; 6]);
            z.extend(count.to_le_bytes());
            z.extend([0u8; 4]);
            z.extend(offset.to_le_bytes());
            z.extend(comment.to_le_bytes());
            z
        })
}

proptest! {
    #[test]
    fn any_bytes_are_judged_by_their_content(
        bytes in prop_oneof![proptest::collection::vec(any::<u8>(), 0..400), prefixed_bytes(), broken_zip()],
        name in prop_oneof![any_text(), Just("a.xls".to_string()), Just("材料.PDF".to_string()), Just("../../etc/passwd".to_string())],
    ) {
        match sniff(&bytes, &name) {
            Ok(t) => {
                if let Some(m) = accepted_by_magic(&bytes) {
                    prop_assert_eq!(t, m, "the content decides, not the name");
                } else if bytes.starts_with(b"PK\x03\x04") {
                    prop_assert!(matches!(t, FileType::Docx | FileType::Xlsx));
                } else {
                    prop_assert!(bytes.starts_with(b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1"), "{:?}", t);
                    prop_assert!(matches!(t, FileType::Doc | FileType::Xls));
                }
                prop_assert!(!t.mime().is_empty() && !t.extension().is_empty());
            }
            Err(e) => {
                prop_assert_eq!(accepted_by_magic(&bytes), None);
                prop_assert_eq!(e.kind(), ErrorKind::Unprocessable);
                prop_assert_eq!(e.field(), Some("file"));
            }
        }
    }

    #[test]
    fn files_up_to_20_mb_are_accepted(len in prop_oneof![0u64..u64::MAX, (MAX_UPLOAD_BYTES - 5)..(MAX_UPLOAD_BYTES + 5)]) {
        match check_size(len) {
            Ok(()) => prop_assert!(len <= MAX_UPLOAD_BYTES),
            Err(e) => {
                prop_assert!(len > MAX_UPLOAD_BYTES);
                prop_assert_eq!(e.kind(), ErrorKind::PayloadTooLarge);
                prop_assert!(e.to_string().contains("20 MB"));
                prop_assert!(!e.to_string().contains(" 20.0 MB"), "one byte over reads 20.1: {}", e);
            }
        }
    }

    /// The sender's name never carries a path, a control or direction mark, or a character
    /// Windows refuses; it is short, never empty, and cleaning it again changes nothing.
    #[test]
    fn file_names_are_made_safe(name in prop_oneof![
        any_text(),
        "[./\\\\]{0,6}(\\.\\./){0,4}[a-z\u{202E}\u{0}<>:|?*]{0,20}\\.(pdf|exe)",
        "\\p{Han}{100,140}\\.(docx|averyveryverylongext)",
    ]) {
        let safe = safe_filename(&name);
        prop_assert!(!safe.is_empty());
        prop_assert!(!safe.contains(['/', '\\']), "{:?}", safe);
        prop_assert!(!safe.chars().any(|c| c.is_control() || "<>:\"|?*".contains(c)));
        let bidi = safe.chars().any(|c| matches!(c, '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}'));
        prop_assert!(!bidi, "{:?}", safe);
        prop_assert!(safe.chars().count() <= 120);
        prop_assert!(!safe.starts_with('.') && !safe.ends_with('.'));
        prop_assert!(safe != ".." && safe != ".");
        prop_assert_eq!(safe_filename(&safe), safe.clone(), "idempotent");
    }
}
