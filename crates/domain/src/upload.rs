//! Uploaded files: which ones the application materials accept, decided by their content.
//!
//! A file's name and the browser's `Content-Type` say what the sender claims; [`sniff`] looks at
//! the bytes. A program renamed `材料.pdf` is refused because it does not begin with `%PDF-`.
//! [`check_size`] caps one file at [`MAX_UPLOAD_BYTES`], and [`safe_filename`] makes the sender's
//! name fit to show and to offer as a download name. The name is never used to build a storage
//! key or a path (the storage crate generates keys).

use crate::error::DomainError;

/// The largest file accepted: 20 MB.
pub const MAX_UPLOAD_BYTES: u64 = 20 * 1024 * 1024;

/// The longest name [`safe_filename`] keeps, in characters.
const MAX_FILENAME_CHARS: usize = 120;

const REFUSED_TYPE: &str =
    "只接受 PDF、图片（PNG/JPEG/GIF/WebP）、Word 或 Excel 文件；该文件的内容不是其中之一";

/// The kinds of file accepted as application materials.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FileType {
    Pdf,
    Png,
    Jpeg,
    Gif,
    Webp,
    /// Word 2007+ (Office Open XML).
    Docx,
    /// Excel 2007+ (Office Open XML).
    Xlsx,
    /// Word 97–2003 (OLE2 compound file); also WPS 文字 `.wps`.
    Doc,
    /// Excel 97–2003 (OLE2 compound file); also WPS 表格 `.et`.
    Xls,
}

impl FileType {
    /// The media type to answer with when the file is downloaded.
    pub fn mime(self) -> &'static str {
        match self {
            FileType::Pdf => "application/pdf",
            FileType::Png => "image/png",
            FileType::Jpeg => "image/jpeg",
            FileType::Gif => "image/gif",
            FileType::Webp => "image/webp",
            FileType::Docx => {
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
            }
            FileType::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            FileType::Doc => "application/msword",
            FileType::Xls => "application/vnd.ms-excel",
        }
    }

    /// The usual file name extension, without the dot.
    pub fn extension(self) -> &'static str {
        match self {
            FileType::Pdf => "pdf",
            FileType::Png => "png",
            FileType::Jpeg => "jpg",
            FileType::Gif => "gif",
            FileType::Webp => "webp",
            FileType::Docx => "docx",
            FileType::Xlsx => "xlsx",
            FileType::Doc => "doc",
            FileType::Xls => "xls",
        }
    }

    /// The kind, as shown to people.
    pub fn label(self) -> &'static str {
        match self {
            FileType::Pdf => "PDF",
            FileType::Png | FileType::Jpeg | FileType::Gif | FileType::Webp => "图片",
            FileType::Docx | FileType::Doc => "Word 文档",
            FileType::Xlsx | FileType::Xls => "Excel 表格",
        }
    }

    /// True for the image types (which a page may show inline).
    pub fn is_image(self) -> bool {
        matches!(
            self,
            FileType::Png | FileType::Jpeg | FileType::Gif | FileType::Webp
        )
    }
}

/// What the file is, from its bytes; `filename` only tells a legacy Word file from a legacy Excel
/// file, which share one container format.
pub fn sniff(bytes: &[u8], filename: &str) -> Result<FileType, DomainError> {
    if bytes.is_empty() {
        return Err(DomainError::invalid("file", "文件为空"));
    }
    let refused = || DomainError::invalid("file", REFUSED_TYPE);
    if bytes.starts_with(b"%PDF-") {
        Ok(FileType::Pdf)
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Ok(FileType::Png)
    } else if bytes.starts_with(b"\xFF\xD8\xFF") {
        Ok(FileType::Jpeg)
    } else if bytes.starts_with(b"GIF87a") || bytes.starts_with(b"GIF89a") {
        Ok(FileType::Gif)
    } else if bytes.len() >= 12 && bytes.starts_with(b"RIFF") && &bytes[8..12] == b"WEBP" {
        Ok(FileType::Webp)
    } else if bytes.starts_with(b"PK\x03\x04") {
        office_open_xml(bytes, filename).ok_or_else(refused)
    } else if bytes.starts_with(b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1") {
        // An OLE2 compound file holds Word 97–2003, Excel 97–2003 (and WPS) documents alike;
        // telling them apart would mean reading the container's directory. The name's extension
        // decides instead: .xls/.et is Excel, anything else (.doc, .wps, or no known extension)
        // is taken as Word. The bytes are not inspected further.
        Ok(match extension_of(filename).as_deref() {
            Some("xls" | "et") => FileType::Xls,
            _ => FileType::Doc,
        })
    } else {
        Err(refused())
    }
}

/// Refuses a file larger than [`MAX_UPLOAD_BYTES`].
pub fn check_size(len: u64) -> Result<(), DomainError> {
    if len <= MAX_UPLOAD_BYTES {
        return Ok(());
    }
    // Tenths of a MB, rounded up, so that one byte over the limit reads "20.1", not "20.0".
    let tenths = (u128::from(len) * 10).div_ceil(1024 * 1024);
    Err(DomainError::FileTooLarge {
        size_mb: format!("{}.{}", tenths / 10, tenths % 10),
    })
}

/// The sender's file name made fit to show and to offer for download: the last path component
/// only, without control characters, direction overrides or `<>:"|?*`, without leading or
/// trailing dots and spaces, at most 120 characters (keeping a short extension), and `file` if
/// nothing is left.
pub fn safe_filename(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or_default();
    let cleaned: String = base
        .chars()
        .filter(|&c| !c.is_control() && !is_bidi_control(c) && !"<>:\"|?*".contains(c))
        .collect();
    let trimmed = trim_dots_spaces(&cleaned);
    let capped = if trimmed.chars().count() <= MAX_FILENAME_CHARS {
        trimmed.to_string()
    } else {
        match trimmed.rsplit_once('.') {
            // Keep a short extension, so that a long name still opens with the right program.
            Some((stem, ext)) if !ext.is_empty() && ext.chars().count() <= 10 => {
                let keep = MAX_FILENAME_CHARS - ext.chars().count() - 1;
                let stem: String = stem.chars().take(keep).collect();
                format!("{}.{ext}", trim_dots_spaces(&stem))
            }
            _ => {
                let cut: String = trimmed.chars().take(MAX_FILENAME_CHARS).collect();
                trim_dots_spaces(&cut).to_string()
            }
        }
    };
    if capped.is_empty() {
        "file".to_string()
    } else {
        capped
    }
}

fn trim_dots_spaces(s: &str) -> &str {
    s.trim_matches(|c: char| c == '.' || c.is_whitespace())
}

/// The invisible marks that reorder text, as used to show `exe.pdf` for `fdp.exe`.
fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// The file name's extension, lower case, without the dot.
fn extension_of(filename: &str) -> Option<String> {
    let base = filename.rsplit(['/', '\\']).next().unwrap_or_default();
    base.rsplit_once('.')
        .map(|(_, ext)| ext.trim().to_ascii_lowercase())
}

/// A ZIP is a Word or Excel 2007+ document when its central directory lists the main part,
/// `word/document.xml` or `xl/workbook.xml`. Reading the central directory (rather than searching
/// the bytes for names) means that a ZIP which merely contains a .docx file is not taken for one.
fn office_open_xml(bytes: &[u8], filename: &str) -> Option<FileType> {
    let (mut word, mut excel) = (false, false);
    for name in zip_entry_names(bytes)? {
        // Part names of Open Packaging are case-insensitive.
        word |= name.eq_ignore_ascii_case(b"word/document.xml");
        excel |= name.eq_ignore_ascii_case(b"xl/workbook.xml");
    }
    match (word, excel) {
        (true, true) if extension_of(filename).as_deref() == Some("xlsx") => Some(FileType::Xlsx),
        (true, _) => Some(FileType::Docx),
        (false, true) => Some(FileType::Xlsx),
        (false, false) => None,
    }
}

/// The entry names of the ZIP's central directory; `None` when it cannot be found or read.
fn zip_entry_names(bytes: &[u8]) -> Option<Vec<&[u8]>> {
    const EOCD: &[u8] = b"PK\x05\x06";
    const EOCD_LEN: usize = 22;
    const CENTRAL: &[u8] = b"PK\x01\x02";
    const CENTRAL_LEN: usize = 46;

    // The end-of-central-directory record is the last 22 bytes, unless an archive comment
    // (at most 65535 bytes) follows it.
    let last = bytes.len().checked_sub(EOCD_LEN)?;
    let first = last.saturating_sub(u16::MAX as usize);
    let eocd = (first..=last).rev().find(|&at| {
        bytes[at..].starts_with(EOCD)
            && le16(bytes, at + 20).is_some_and(|comment| at + EOCD_LEN + comment == bytes.len())
    })?;
    let count = le16(bytes, eocd + 10)?;
    let mut at = le32(bytes, eocd + 16)?; // offset of the central directory
    let mut names = Vec::with_capacity(count);
    for _ in 0..count {
        if !bytes.get(at..)?.starts_with(CENTRAL) {
            return None;
        }
        let name_len = le16(bytes, at + 28)?;
        let extra_len = le16(bytes, at + 30)?;
        let comment_len = le16(bytes, at + 32)?;
        let name_at = at + CENTRAL_LEN;
        names.push(bytes.get(name_at..name_at + name_len)?);
        at = name_at + name_len + extra_len + comment_len;
    }
    Some(names)
}

fn le16(bytes: &[u8], at: usize) -> Option<usize> {
    let b = bytes.get(at..at + 2)?;
    Some(usize::from(u16::from_le_bytes([b[0], b[1]])))
}

fn le32(bytes: &[u8], at: usize) -> Option<usize> {
    let b = bytes.get(at..at + 4)?;
    usize::try_from(u32::from_le_bytes([b[0], b[1], b[2], b[3]])).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorKind;

    /// A ZIP of empty, stored entries with the given names, as a zip tool writes it.
    fn zip(names: &[&str]) -> Vec<u8> {
        let mut out = Vec::new();
        let mut central = Vec::new();
        for name in names {
            let offset = out.len() as u32;
            let n = name.len() as u16;
            out.extend_from_slice(b"PK\x03\x04");
            out.extend_from_slice(&[20, 0, 0, 0, 0, 0, 0, 0, 0, 0]); // version, flags, method, time, date
            out.extend_from_slice(&[0; 12]); // crc, sizes
            out.extend_from_slice(&n.to_le_bytes());
            out.extend_from_slice(&0u16.to_le_bytes());
            out.extend_from_slice(name.as_bytes());

            central.extend_from_slice(b"PK\x01\x02");
            central.extend_from_slice(&[20, 0, 20, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
            central.extend_from_slice(&[0; 12]);
            central.extend_from_slice(&n.to_le_bytes());
            central.extend_from_slice(&[0; 12]); // extra, comment, disk, attributes
            central.extend_from_slice(&offset.to_le_bytes());
            central.extend_from_slice(name.as_bytes());
        }
        let cd_offset = out.len() as u32;
        let cd_len = central.len() as u32;
        out.extend_from_slice(&central);
        out.extend_from_slice(b"PK\x05\x06");
        out.extend_from_slice(&[0; 4]);
        out.extend_from_slice(&(names.len() as u16).to_le_bytes());
        out.extend_from_slice(&(names.len() as u16).to_le_bytes());
        out.extend_from_slice(&cd_len.to_le_bytes());
        out.extend_from_slice(&cd_offset.to_le_bytes());
        out.extend_from_slice(&0u16.to_le_bytes());
        out
    }

    const OLE2: &[u8] = b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1\x00\x00\x00\x00";

    fn refused(bytes: &[u8], name: &str) -> DomainError {
        let e = sniff(bytes, name).expect_err("should be refused");
        assert_eq!(e.kind(), ErrorKind::Unprocessable);
        assert_eq!(e.field(), Some("file"));
        e
    }

    #[test]
    fn pdf() {
        let t = sniff(b"%PDF-1.7\n%\xE2\xE3\xCF\xD3\n1 0 obj", "申报书.pdf").unwrap();
        assert_eq!(t, FileType::Pdf);
        assert_eq!(t.mime(), "application/pdf");
        assert_eq!(t.extension(), "pdf");
        assert_eq!(t.label(), "PDF");
    }

    #[test]
    fn images() {
        let png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR";
        assert_eq!(sniff(png, "a.png").unwrap(), FileType::Png);
        assert_eq!(
            sniff(b"\xFF\xD8\xFF\xE0\x00\x10JFIF", "a.jpg").unwrap(),
            FileType::Jpeg
        );
        assert_eq!(sniff(b"GIF89a\x01\x00", "a.gif").unwrap(), FileType::Gif);
        assert_eq!(sniff(b"GIF87a\x01\x00", "a.gif").unwrap(), FileType::Gif);
        let webp = b"RIFF\x24\x00\x00\x00WEBPVP8 ";
        assert_eq!(sniff(webp, "a.webp").unwrap(), FileType::Webp);
        // A RIFF that is not WebP (a WAV sound) is refused.
        refused(b"RIFF\x24\x00\x00\x00WAVEfmt ", "a.webp");

        for t in [FileType::Png, FileType::Jpeg, FileType::Gif, FileType::Webp] {
            assert_eq!(t.label(), "图片");
            assert!(t.is_image());
            assert!(t.mime().starts_with("image/"));
        }
        assert_eq!(FileType::Jpeg.mime(), "image/jpeg");
        assert_eq!(FileType::Jpeg.extension(), "jpg");
    }

    #[test]
    fn the_content_decides_not_the_name() {
        // A PNG named .pdf is a PNG.
        assert_eq!(
            sniff(b"\x89PNG\r\n\x1a\n", "扫描件.pdf").unwrap(),
            FileType::Png
        );
    }

    #[test]
    fn docx_and_xlsx() {
        let docx = zip(&[
            "[Content_Types].xml",
            "_rels/.rels",
            "word/document.xml",
            "word/styles.xml",
        ]);
        let t = sniff(&docx, "章程.docx").unwrap();
        assert_eq!(t, FileType::Docx);
        assert_eq!(
            t.mime(),
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
        );
        assert_eq!(t.label(), "Word 文档");
        // Whatever it is called.
        assert_eq!(sniff(&docx, "材料.zip").unwrap(), FileType::Docx);

        let xlsx = zip(&[
            "[Content_Types].xml",
            "xl/workbook.xml",
            "xl/worksheets/sheet1.xml",
        ]);
        let t = sniff(&xlsx, "名单.xlsx").unwrap();
        assert_eq!(t, FileType::Xlsx);
        assert_eq!(
            t.mime(),
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        );
        assert_eq!(t.extension(), "xlsx");
        assert_eq!(t.label(), "Excel 表格");
    }

    #[test]
    fn legacy_office_by_extension() {
        assert_eq!(sniff(OLE2, "旧表.XLS").unwrap(), FileType::Xls);
        assert_eq!(sniff(OLE2, "旧表.et").unwrap(), FileType::Xls);
        assert_eq!(sniff(OLE2, "旧文档.doc").unwrap(), FileType::Doc);
        assert_eq!(sniff(OLE2, "旧文档.wps").unwrap(), FileType::Doc);
        assert_eq!(sniff(OLE2, "无扩展名").unwrap(), FileType::Doc);
        assert_eq!(FileType::Doc.mime(), "application/msword");
        assert_eq!(FileType::Xls.mime(), "application/vnd.ms-excel");
        assert_eq!(FileType::Doc.label(), "Word 文档");
        assert_eq!(FileType::Xls.label(), "Excel 表格");
    }

    #[test]
    fn a_renamed_program_is_refused() {
        let exe = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xFF\xFF";
        let e = refused(exe, "x.pdf");
        assert_eq!(
            e.to_string(),
            REFUSED_TYPE.to_string(),
            "the refusal names the accepted types"
        );
        assert_eq!(e.code(), "invalid");
    }

    #[test]
    fn other_zips_are_refused() {
        refused(&zip(&["readme.txt", "photos/a.jpg"]), "材料.zip");
        refused(
            &zip(&["META-INF/MANIFEST.MF", "com/example/Main.class"]),
            "app.jar",
        );
        // A ZIP that holds a Word document is not one.
        refused(&zip(&["inner/章程.docx", "word/"]), "章程.docx");
        // A truncated ZIP (no central directory) is refused, not guessed at.
        let docx = zip(&["word/document.xml"]);
        refused(&docx[..docx.len() - 10], "a.docx");
    }

    #[test]
    fn text_is_refused() {
        refused("会员名单\n张三\n李四\n".as_bytes(), "名单.txt");
        refused(b"<html><body>hi</body></html>", "a.pdf");
    }

    #[test]
    fn an_empty_file_is_refused() {
        let e = refused(b"", "a.pdf");
        assert_eq!(e.to_string(), "文件为空");
    }

    #[test]
    fn size_limit() {
        assert!(check_size(0).is_ok());
        assert!(check_size(MAX_UPLOAD_BYTES).is_ok());
        assert_eq!(MAX_UPLOAD_BYTES, 20_971_520);
        let e = check_size(MAX_UPLOAD_BYTES + 1).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::PayloadTooLarge);
        assert_eq!(e.code(), "file_too_large");
        assert_eq!(e.to_string(), "文件过大：20.1 MB，单个文件不能超过 20 MB");
        let e = check_size(35 * 1024 * 1024).unwrap_err();
        assert_eq!(e.to_string(), "文件过大：35.0 MB，单个文件不能超过 20 MB");
        assert!(check_size(u64::MAX).is_err());
    }

    #[test]
    fn safe_filenames() {
        assert_eq!(safe_filename("申报书（2024）.pdf"), "申报书（2024）.pdf");
        assert_eq!(safe_filename("../../etc/passwd"), "passwd");
        assert_eq!(
            safe_filename(r"C:\Users\张三\Desktop\章程.docx"),
            "章程.docx"
        );
        assert_eq!(safe_filename("a<b>c:d\"e|f?g*h.pdf"), "abcdefgh.pdf");
        assert_eq!(safe_filename("name\r\n\t\0.pdf"), "name.pdf");
        assert_eq!(safe_filename("  . report.pdf . "), "report.pdf");
        // Right-to-left override: shows as "申报exe.pdf", is "申报fdp.exe" without it.
        assert_eq!(safe_filename("申报\u{202E}fdp.exe"), "申报fdp.exe");
        for empty in ["", "..", "/", "a/", "...", "  ", "<>", "\u{7}"] {
            assert_eq!(safe_filename(empty), "file", "{empty:?}");
        }

        let long = "很".repeat(200) + ".pdf";
        let s = safe_filename(&long);
        assert_eq!(s.chars().count(), 120);
        assert!(s.ends_with("很.pdf"));
        let no_ext = "长".repeat(300);
        assert_eq!(safe_filename(&no_ext), "长".repeat(120));
        let long_ext = format!("a.{}", "x".repeat(200));
        assert_eq!(safe_filename(&long_ext).chars().count(), 120);
    }
}
