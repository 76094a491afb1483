//! An application's current files as one .zip: each entry named by its material kind in
//! Chinese and the name it was uploaded with, made safe (no folders, no characters Windows or
//! unzip tools refuse, unique within the archive). Entries are written one at a time into any
//! writer, so the caller can keep the archive in a temporary file rather than in memory.

use std::collections::HashSet;
use std::io::{Seek, Write};

use stationhub_domain::application::MaterialKind;
use zip::CompressionMethod;
use zip::ZipWriter;
use zip::write::SimpleFileOptions;

/// The content type of a .zip file.
pub const CONTENT_TYPE: &str = "application/zip";

/// Longest entry name kept, in characters (the extension is kept whole).
const MAX_NAME_CHARS: usize = 100;

#[derive(Debug, thiserror::Error)]
pub enum BundleError {
    #[error("生成压缩包失败：{0}")]
    Zip(#[from] zip::result::ZipError),
    #[error("生成压缩包失败：{0}")]
    Io(#[from] std::io::Error),
}

/// The short Chinese name of a material of 第九条, as a file name starts with.
pub fn material_label(kind: MaterialKind) -> &'static str {
    match kind {
        MaterialKind::Agreement => "合作协议",
        MaterialKind::PerformanceTargets => "年度绩效目标",
        MaterialKind::UnitIntroRules => "单位简介与工作细则",
        MaterialKind::OrgStaffList => "组织机构与人员名单",
    }
}

/// A name safe in any archive and on any system: no path, no control characters, none of
/// `\ / : * ? " < > |`, no leading dots or spaces; never empty.
pub fn safe_name(name: &str) -> String {
    // Only the last part of a path counts (a browser may send `C:\Users\…\file.pdf`).
    let last = name.rsplit(['/', '\\']).next().unwrap_or(name);
    let cleaned: String = last
        .chars()
        .map(|c| {
            if c.is_control() || "\\/:*?\"<>|".contains(c) {
                '_'
            } else {
                c
            }
        })
        .collect();
    let cleaned = cleaned
        .trim()
        .trim_start_matches(['.', ' '])
        .trim_end_matches(['.', ' '])
        .to_string();
    let cleaned = if cleaned.is_empty() {
        "文件".to_string()
    } else {
        cleaned
    };
    shorten(&cleaned)
}

/// Cuts a long name, keeping its extension.
fn shorten(name: &str) -> String {
    if name.chars().count() <= MAX_NAME_CHARS {
        return name.to_string();
    }
    let (stem, ext) = split_ext(name);
    let keep = MAX_NAME_CHARS
        .saturating_sub(ext.chars().count() + 1)
        .max(1);
    let stem: String = stem.chars().take(keep).collect();
    if ext.is_empty() {
        stem
    } else {
        format!("{stem}.{ext}")
    }
}

/// `("name", "pdf")` of `name.pdf`; no extension when there is no dot (or only a leading one).
fn split_ext(name: &str) -> (&str, &str) {
    match name.rfind('.') {
        Some(i) if i > 0 && i + 1 < name.len() && name.len() - i <= 10 => {
            (&name[..i], &name[i + 1..])
        }
        _ => (name, ""),
    }
}

/// Already-compressed formats are stored as they are; the rest is deflated.
fn method_for(name: &str) -> CompressionMethod {
    let (_, ext) = split_ext(name);
    match ext.to_ascii_lowercase().as_str() {
        "jpg" | "jpeg" | "png" | "gif" | "webp" | "zip" | "docx" | "xlsx" | "pptx" | "ofd" => {
            CompressionMethod::Stored
        }
        _ => CompressionMethod::Deflated,
    }
}

/// A .zip being written.
pub struct Bundle<W: Write + Seek> {
    zip: ZipWriter<W>,
    names: HashSet<String>,
}

impl<W: Write + Seek> Bundle<W> {
    pub fn new(out: W) -> Bundle<W> {
        Bundle {
            zip: ZipWriter::new(out),
            names: HashSet::new(),
        }
    }

    /// Adds a file as `{label}_{original name}` (made safe and unique); the entry's name.
    pub fn add(
        &mut self,
        label: &str,
        original: &str,
        bytes: &[u8],
    ) -> Result<String, BundleError> {
        let name = self.unique(safe_name(&format!("{label}_{}", safe_name(original))));
        let options = SimpleFileOptions::default()
            .compression_method(method_for(&name))
            .large_file(bytes.len() as u64 >= u64::from(u32::MAX));
        self.zip.start_file(name.as_str(), options)?;
        self.zip.write_all(bytes)?;
        Ok(name)
    }

    /// `name`, or `name (2).ext`, `name (3).ext` … when taken.
    fn unique(&mut self, name: String) -> String {
        let mut candidate = name.clone();
        let mut n = 2;
        while self.names.contains(&candidate.to_lowercase()) {
            let (stem, ext) = split_ext(&name);
            candidate = if ext.is_empty() {
                format!("{stem} ({n})")
            } else {
                format!("{stem} ({n}).{ext}")
            };
            n += 1;
        }
        self.names.insert(candidate.to_lowercase());
        candidate
    }

    /// Writes the archive's directory; the writer back.
    pub fn finish(self) -> Result<W, BundleError> {
        Ok(self.zip.finish()?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_safe() {
        assert_eq!(safe_name("../../etc/passwd"), "passwd");
        assert_eq!(safe_name("C:\\Users\\张三\\协议.pdf"), "协议.pdf");
        assert_eq!(safe_name("a<b>c|d?.pdf"), "a_b_c_d_.pdf");
        assert_eq!(safe_name("..."), "文件");
        assert_eq!(safe_name(".hidden"), "hidden");
        assert_eq!(safe_name("a\u{0}b.pdf"), "a_b.pdf");
        let long = format!("{}.pdf", "长".repeat(300));
        let s = safe_name(&long);
        assert_eq!(s.chars().count(), MAX_NAME_CHARS);
        assert!(s.ends_with(".pdf"));
    }

    #[test]
    fn entries_are_unique_and_read_back() {
        let mut b = Bundle::new(std::io::Cursor::new(Vec::new()));
        let a = b.add("合作协议", "x.pdf", b"%PDF-1").unwrap();
        let c = b.add("合作协议", "X.pdf", b"%PDF-2").unwrap();
        assert_eq!(a, "合作协议_x.pdf");
        assert_eq!(c, "合作协议_X (2).pdf");
        let bytes = b.finish().unwrap().into_inner();
        let mut z = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
        assert_eq!(z.len(), 2);
        let mut f = z.by_name("合作协议_X (2).pdf").unwrap();
        let mut out = Vec::new();
        std::io::Read::read_to_end(&mut f, &mut out).unwrap();
        assert_eq!(out, b"%PDF-2");
    }
}
