//! PDF through typst used as a library: a minimal [`World`] over in-memory sources (the
//! templates in `typst/`, built into the binary), one JSON data file and the seal images, and
//! the fonts of a folder loaded once per process.
//!
//! The data never becomes typst markup: each template reads `/data.json` with `json()` and
//! prints its strings as text, so whatever a person typed is shown as typed.
//!
//! Fonts: the folders of `STATIONHUB_FONT_DIR` (`:`-separated; default
//! [`DEFAULT_FONT_DIRS`]: Debian's fonts-noto-cjk, and DejaVu for the ballot box ☑ that Noto
//! CJK lacks) are read once and kept for the life of the process: by the server in the
//! background just after it starts listening ([`warm_up`]), otherwise on the first render. The
//! files are mapped, not read, and their pages given back once typst has hashed them, so only
//! the glyphs a document sets stay resident. Without a Chinese font nothing is rendered (an
//! error, never a blank page).

pub mod official;

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Instant;

use serde::Serialize;
use typst::diag::{FileError, FileResult, Severity, SourceDiagnostic};
use typst::foundations::{Bytes, Datetime};
use typst::syntax::{FileId, RootedPath, Source, VirtualPath, VirtualRoot};
use typst::text::{Font, FontBook};
use typst::utils::LazyHash;
use typst::{Library, LibraryExt, World};
use typst_layout::PagedDocument;

use crate::form::{DocError, Form, SealImage};

/// Where Debian puts the fonts the documents use (fonts-noto-cjk, fonts-dejavu-core).
pub const DEFAULT_FONT_DIRS: &str =
    "/usr/share/fonts/opentype/noto:/usr/share/fonts/truetype/dejavu";
/// The environment variable naming other font folders.
pub const FONT_DIR_ENV: &str = "STATIONHUB_FONT_DIR";

/// The family every document is set in (must be among the loaded fonts).
const CJK_FAMILY: &str = "noto serif cjk sc";

static ENGINE: OnceLock<Result<Engine, String>> = OnceLock::new();
/// Renders at once: typst's caches are trimmed after each, when no other is running.
static RUNNING: Mutex<usize> = Mutex::new(0);

/// The font folders: `STATIONHUB_FONT_DIR` or the default.
fn font_dirs() -> Vec<PathBuf> {
    let spec = std::env::var(FONT_DIR_ENV)
        .ok()
        .filter(|s| !s.trim().is_empty())
        .unwrap_or_else(|| DEFAULT_FONT_DIRS.to_string());
    spec.split(':')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(PathBuf::from)
        .collect()
}

/// The fonts and the standard library, shared by every render.
struct Engine {
    library: LazyHash<Library>,
    book: LazyHash<FontBook>,
    fonts: Vec<Font>,
    /// Some loaded font has ☑ (U+2611); otherwise the templates draw the tick.
    ballot: bool,
}

impl Engine {
    fn load() -> Result<Engine, String> {
        let started = Instant::now();
        let dirs = font_dirs();
        let mut fonts = Vec::new();
        for dir in &dirs {
            let Ok(entries) = std::fs::read_dir(dir) else {
                tracing::warn!(dir = %dir.display(), "font folder cannot be read");
                continue;
            };
            let mut paths: Vec<PathBuf> = entries
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| {
                    p.extension().and_then(|e| e.to_str()).is_some_and(|e| {
                        ["ttf", "otf", "ttc", "otc"].contains(&e.to_lowercase().as_str())
                    })
                })
                .collect();
            paths.sort();
            for path in paths {
                match map_font(&path) {
                    Ok(map) => {
                        let map = Arc::new(map);
                        let bytes = Bytes::new(Mapped(map.clone()));
                        fonts.extend(Font::iter(bytes.clone()).filter(wanted));
                        // typst knows a font by a hash of its whole file, taken the first time
                        // a document uses it: that reads every page of the file. Taken here,
                        // one file at a time, and the pages given back at once, the process
                        // holds at most one file's pages at any moment instead of all of
                        // them for good; later renders touch only the glyphs they set.
                        let _ = typst::utils::hash128(&bytes);
                        release(&map);
                    }
                    Err(e) => {
                        tracing::warn!(path = %path.display(), error = %e, "font cannot be read")
                    }
                }
            }
        }
        let book = FontBook::from_fonts(&fonts);
        if !book.contains_family(CJK_FAMILY) {
            return Err(format!(
                "未找到中文字体 Noto Serif CJK SC（字体目录：{}；可用环境变量 {FONT_DIR_ENV} 指定）",
                dirs.iter()
                    .map(|d| d.display().to_string())
                    .collect::<Vec<_>>()
                    .join(":")
            ));
        }
        let ballot = fonts.iter().any(|f| f.info().coverage.contains(0x2611));
        tracing::info!(
            fonts = fonts.len(),
            ballot,
            ms = started.elapsed().as_millis() as u64,
            "fonts for documents loaded"
        );
        Ok(Engine {
            library: LazyHash::new(Library::default()),
            book: LazyHash::new(book),
            fonts,
            ballot,
        })
    }
}

/// The documents are in Simplified Chinese: of the CJK collections (Japanese, Korean,
/// Traditional Chinese … faces in each file) only the SC faces are kept, with every other font.
fn wanted(font: &Font) -> bool {
    let family = font.info().family.to_lowercase();
    !family.contains("cjk") || family.ends_with(" sc")
}

/// A font file mapped into memory: the CJK collections are about 90 MB, of which a document
/// touches a few hundred glyphs; mapped, only those pages are read and they are shared with
/// the page cache, where reading the files would hold all of them on the heap.
fn map_font(path: &std::path::Path) -> std::io::Result<memmap2::Mmap> {
    let file = std::fs::File::open(path)?;
    // SAFETY: the map is read-only, and font files are installed by the system's packages and
    // not rewritten while the server runs; if one were truncated underneath, reading it could
    // fault, which is the documented risk of any mapped file.
    unsafe { memmap2::Mmap::map(&file) }
}

/// A mapped font file as typst's [`Bytes`]; the map is shared with [`release`].
struct Mapped(Arc<memmap2::Mmap>);

impl AsRef<[u8]> for Mapped {
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}

/// Gives the mapped pages back: they leave the process's resident set and are read again
/// (from the page cache, as a rule) when next touched.
fn release(map: &memmap2::Mmap) {
    // SAFETY: the map is a shared, read-only mapping of a file (see `map_font`): dropping its
    // pages loses nothing, the next read finds the file's bytes again.
    if let Err(e) = unsafe { map.unchecked_advise(memmap2::UncheckedAdvice::DontNeed) } {
        tracing::debug!(error = %e, "font pages not given back");
    }
}

/// Loads the fonts now rather than at the first document (the server calls it in the
/// background once it is listening): the first PDF is then as quick as the others, and the
/// reading of the font files happens while the process holds little else.
pub fn warm_up() -> Result<(), DocError> {
    engine().map(|_| ())
}

fn engine() -> Result<&'static Engine, DocError> {
    ENGINE
        .get_or_init(Engine::load)
        .as_ref()
        .map_err(|e| DocError::Fonts(e.clone()))
}

/// The templates, built into the binary.
const SOURCES: [(&str, &str); 3] = [
    ("/common.typ", include_str!("../../typst/common.typ")),
    ("/form.typ", include_str!("../../typst/form.typ")),
    ("/official.typ", include_str!("../../typst/official.typ")),
];

fn file_id(path: &str) -> Result<FileId, DocError> {
    let vpath = VirtualPath::new(path).map_err(|e| DocError::Render(format!("{path}: {e:?}")))?;
    Ok(RootedPath::new(VirtualRoot::Project, vpath).intern())
}

/// One document's world: the engine's fonts and library, the templates, the data and images.
struct DocWorld {
    engine: &'static Engine,
    main: FileId,
    sources: HashMap<FileId, Source>,
    files: HashMap<FileId, Bytes>,
}

impl World for DocWorld {
    fn library(&self) -> &LazyHash<Library> {
        &self.engine.library
    }

    fn book(&self) -> &LazyHash<FontBook> {
        &self.engine.book
    }

    fn main(&self) -> FileId {
        self.main
    }

    fn source(&self, id: FileId) -> FileResult<Source> {
        self.sources
            .get(&id)
            .cloned()
            .ok_or_else(|| FileError::NotFound(id.vpath().get_with_slash().into()))
    }

    fn file(&self, id: FileId) -> FileResult<Bytes> {
        if let Some(b) = self.files.get(&id) {
            return Ok(b.clone());
        }
        if let Some(s) = self.sources.get(&id) {
            return Ok(Bytes::from_string(s.clone()));
        }
        Err(FileError::NotFound(id.vpath().get_with_slash().into()))
    }

    fn font(&self, index: usize) -> Option<Font> {
        self.engine.fonts.get(index).cloned()
    }

    fn today(&self, _offset: Option<typst::foundations::Duration>) -> Option<Datetime> {
        None
    }
}

#[derive(Serialize)]
struct Envelope<'a, T: Serialize> {
    /// A font has ☑: print the character, else draw the tick.
    ballot: bool,
    doc: &'a T,
}

fn describe(diags: &[SourceDiagnostic]) -> String {
    diags
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .map(|d| d.message.to_string())
        .collect::<Vec<_>>()
        .join("; ")
}

struct RunningGuard;

impl RunningGuard {
    fn enter() -> RunningGuard {
        if let Ok(mut n) = RUNNING.lock() {
            *n += 1;
        }
        RunningGuard
    }
}

impl Drop for RunningGuard {
    fn drop(&mut self) {
        if let Ok(mut n) = RUNNING.lock() {
            *n = n.saturating_sub(1);
            if *n == 0 {
                // Keep what the next document reuses (the templates' parse, the font
                // shaping of labels) and drop the rest, so memory stays flat.
                typst::comemo::evict(10);
            }
        }
    }
}

/// Compiles `main` with `data` as `/data.json` and `images` as `/image-N.png`, to PDF bytes.
/// CPU-bound (a few milliseconds warm): call it from a blocking task.
fn render<T: Serialize>(main: &str, data: &T, images: &[&[u8]]) -> Result<Vec<u8>, DocError> {
    let engine = engine()?;
    let started = Instant::now();
    let _guard = RunningGuard::enter();
    let mut sources = HashMap::new();
    for (path, text) in SOURCES {
        let id = file_id(path)?;
        sources.insert(id, Source::new(id, text.to_string()));
    }
    let json = serde_json::to_vec(&Envelope {
        ballot: engine.ballot,
        doc: data,
    })
    .map_err(|e| DocError::Render(e.to_string()))?;
    let mut files = HashMap::new();
    files.insert(file_id("/data.json")?, Bytes::new(json));
    for (i, img) in images.iter().enumerate() {
        files.insert(
            file_id(&format!("/image-{i}.png"))?,
            Bytes::new(img.to_vec()),
        );
    }
    let world = DocWorld {
        engine,
        main: file_id(main)?,
        sources,
        files,
    };
    let document: PagedDocument = typst::compile(&world)
        .output
        .map_err(|d| DocError::Render(describe(&d)))?;
    let pdf = typst_pdf::pdf(&document, &typst_pdf::PdfOptions::default())
        .map_err(|d| DocError::Render(describe(&d)))?;
    tracing::debug!(
        main,
        pages = document.pages().len(),
        ms = started.elapsed().as_secs_f64() * 1000.0,
        "pdf rendered"
    );
    Ok(pdf)
}

/// The 申报书 as PDF: the cover, then the table with its ticks and the four opinion boxes.
pub fn form(f: &Form) -> Result<Vec<u8>, DocError> {
    let images: Vec<&[u8]> = f.seals.iter().map(|s| s.png.as_slice()).collect();
    render("/form.typ", f, &images)
}

/// An official document (公示, 授牌通知, 考核表, 经费台账) as PDF, in the manner of GB/T 9704.
pub fn official(doc: &official::Official, seal: Option<&SealImage>) -> Result<Vec<u8>, DocError> {
    let images: Vec<&[u8]> = seal.map(|s| s.png.as_slice()).into_iter().collect();
    let mut doc = doc.clone();
    doc.seal = seal.cloned();
    render("/official.typ", &doc, &images)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::form::{sample, sample_seal};
    use official::{Align, Block, Column, Official};

    /// Writes what the tests render to `STATIONHUB_DOC_OUT`, to look at.
    fn keep(name: &str, bytes: &[u8]) {
        if let Ok(dir) = std::env::var("STATIONHUB_DOC_OUT") {
            let _ = std::fs::write(PathBuf::from(dir).join(name), bytes);
        }
    }

    fn sample_official() -> Official {
        Official {
            banner: vec![official::TALENT_OFFICE.into()],
            number: "益人才办〔2026〕1号".into(),
            title: "关于认定湖南省机械工程学会益阳智能装备学会服务站为省级学会服务站的通知".into(),
            addressee: "益阳智能装备有限公司科学技术协会、湖南省机械工程学会：".into(),
            body: vec![
                Block::Para {
                    text: "根据《益阳市重点产业领域学会服务站建设管理办法（试行）》第八条规定，决定予以授牌。#emph[不是标记]".into(),
                },
                Block::Fields {
                    items: vec![
                        ("服务站名称".into(), "湖南省机械工程学会益阳智能装备学会服务站".into()),
                        ("级　　别".into(), "省级学会服务站".into()),
                        ("服务期".into(), "2026年3月18日至2028年3月17日".into()),
                    ],
                },
                Block::Heading { text: "一、评分".into() },
                Block::Table {
                    columns: vec![
                        Column { header: "日期".into(), align: Align::Center, width: 3 },
                        Column { header: "说明".into(), align: Align::Left, width: 8 },
                        Column { header: "金额（元）".into(), align: Align::Right, width: 3 },
                    ],
                    rows: vec![vec!["2026-03-20".into(), "第 1 年度考核合格".into(), "100,000.00".into()]],
                    foot: vec![official::FootRow {
                        label: "经费余额".into(),
                        cells: vec!["96,543.21".into()],
                    }],
                },
            ],
            issuer: vec![official::TALENT_OFFICE.into()],
            date: "2026年3月18日".into(),
            seal: None,
            compact: false,
            imprint_by: official::TALENT_OFFICE.into(),
            imprint_on: "2026年3月18日印发".into(),
            file_stem: "授牌通知".into(),
        }
    }

    #[test]
    fn the_form_and_an_official_document_render_and_a_warm_render_is_fast() {
        let f = sample();
        let cold = Instant::now();
        let pdf = form(&f).expect("form renders");
        let cold = cold.elapsed();
        assert!(pdf.starts_with(b"%PDF"));
        keep("form.pdf", &pdf);
        let mut warm = std::time::Duration::MAX;
        for _ in 0..5 {
            let t = Instant::now();
            form(&f).expect("form renders");
            warm = warm.min(t.elapsed());
        }
        let seal = sample_seal();
        let t = Instant::now();
        let doc = official(&sample_official(), Some(&seal)).expect("official renders");
        let first_official = t.elapsed();
        keep("official.pdf", &doc);
        let t = Instant::now();
        official(&sample_official(), Some(&seal)).expect("official renders");
        let warm_official = t.elapsed();
        eprintln!(
            "form: cold {cold:?} (fonts included), warm {warm:?}; official: first {first_official:?}, warm {warm_official:?}"
        );
        let docx = crate::docx::form(&f).expect("docx");
        assert!(docx.starts_with(b"PK"));
        keep("form.docx", &docx);
    }
}
