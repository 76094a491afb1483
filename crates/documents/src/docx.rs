//! The 申报书 as Word (.docx) with docx-rs: the same cover and the same table as the PDF, from
//! the same [`Form`] model. The table is a real Word table on a fixed 7-column grid (merged
//! cells with `gridSpan` and `vMerge`, every cell holding a paragraph) so that Word and WPS
//! open it intact; ticks are the characters ☑ / □; seals are embedded as PNG pictures.

use docx_rs::{
    AlignmentType, BreakType, Docx, Footer, HeightRule, LineSpacing, PageMargin, PageNum,
    PageNumType, Paragraph, Pic, Run, RunFonts, SpecialIndentType, Table, TableCell,
    TableLayoutType, TableRow, VAlignType, VMergeType, WidthType,
};

use crate::form::{DocError, Form, LongText, OpinionBox, SealImage, Tick};

/// Twips per centimetre.
const CM: f32 = 566.93;
/// The grid of the table (twips), as the PDF's columns: 16 cm in all.
const GRID: [usize; 7] = [1304, 1191, 2211, 794, 1134, 850, 1587];
/// 五号 (10.5 pt), in half-points.
const BODY: usize = 21;
/// Two characters of 五号, in twips: the first-line indent of a paragraph.
const INDENT: i32 = 420;

fn cm(v: f32) -> i32 {
    (v * CM).round() as i32
}

fn text_run(s: &str) -> Run {
    Run::new().add_text(s)
}

fn para(s: &str) -> Paragraph {
    Paragraph::new().add_run(text_run(s))
}

fn centered(s: &str) -> Paragraph {
    para(s).align(AlignmentType::Center)
}

/// A paragraph with the line breaks of a label (申报单位 / 意　　见).
fn lines(parts: &[&str]) -> Paragraph {
    let mut run = Run::new();
    for (i, p) in parts.iter().enumerate() {
        if i > 0 {
            run = run.add_break(BreakType::TextWrapping);
        }
        run = run.add_text(*p);
    }
    Paragraph::new().add_run(run).align(AlignmentType::Center)
}

/// A cell starting at grid column `col` and spanning `span` columns.
struct Cell {
    col: usize,
    span: usize,
    paragraphs: Vec<Paragraph>,
    merge: Option<VMergeType>,
    top: bool,
}

impl Cell {
    fn new(col: usize, span: usize, paragraphs: Vec<Paragraph>) -> Cell {
        Cell {
            col,
            span,
            paragraphs,
            merge: None,
            top: false,
        }
    }

    fn into_cell(self) -> TableCell {
        let width: usize = GRID[self.col..(self.col + self.span).min(GRID.len())]
            .iter()
            .sum();
        let mut c = TableCell::new()
            .width(width, WidthType::Dxa)
            .vertical_align(if self.top {
                VAlignType::Top
            } else {
                VAlignType::Center
            });
        if self.span > 1 {
            c = c.grid_span(self.span);
        }
        if let Some(m) = self.merge {
            c = c.vertical_merge(m);
        }
        let paragraphs = if self.paragraphs.is_empty() {
            vec![Paragraph::new()]
        } else {
            self.paragraphs
        };
        for p in paragraphs {
            c = c.add_paragraph(p);
        }
        c
    }
}

/// A label cell (centred).
fn lab(col: usize, span: usize, s: &str) -> Cell {
    Cell::new(col, span, vec![centered(s)])
}

/// A label cell with line breaks.
fn lab_lines(col: usize, span: usize, parts: &[&str]) -> Cell {
    Cell::new(col, span, vec![lines(parts)])
}

/// A value cell (left).
fn val(col: usize, span: usize, s: &str) -> Cell {
    Cell::new(col, span, vec![para(s)])
}

/// The first cell of a vertical merge of `rows` rows (a single row needs none).
fn merged_first(mut c: Cell, rows: usize) -> Cell {
    if rows > 1 {
        c.merge = Some(VMergeType::Restart);
    }
    c
}

/// The cell a vertical merge continues in.
fn merged_next(col: usize, span: usize) -> Cell {
    let mut c = Cell::new(col, span, vec![]);
    c.merge = Some(VMergeType::Continue);
    c
}

fn row(cells: Vec<Cell>) -> TableRow {
    TableRow::new(cells.into_iter().map(Cell::into_cell).collect())
}

fn mark_run(t: &Tick) -> Run {
    // Word and WPS pick a symbol font for ☑ when the body font lacks it.
    Run::new().add_text(t.mark()).fonts(
        RunFonts::new()
            .ascii("Segoe UI Symbol")
            .hi_ansi("Segoe UI Symbol")
            .east_asia("Segoe UI Symbol"),
    )
}

fn ticks(list: &[Tick]) -> Paragraph {
    let mut p = Paragraph::new();
    for (i, t) in list.iter().enumerate() {
        if i > 0 {
            p = p.add_run(text_run("　"));
        }
        p = p.add_run(mark_run(t)).add_run(text_run(&t.label));
    }
    p
}

/// Right-aligned, 1 cm from the cell's edge (the organisation and date of a box).
fn right(s: &str) -> Paragraph {
    para(s)
        .align(AlignmentType::Right)
        .indent(None, None, Some(cm(1.0)), None)
}

fn indented(s: &str) -> Paragraph {
    para(s).indent(None, Some(SpecialIndentType::FirstLine(INDENT)), None, None)
}

fn long(t: &LongText) -> Vec<Paragraph> {
    let mut ps = vec![Paragraph::new().add_run(text_run(t.hint).size(18).color("595959"))];
    ps.extend(t.paragraphs.iter().map(|p| indented(p)));
    ps
}

fn long_cell(col: usize, t: &LongText) -> Cell {
    let mut c = Cell::new(col, 7 - col, long(t));
    c.top = true;
    c
}

/// A seal as an inline picture 3.4 cm wide.
fn seal_pic(s: &SealImage) -> Pic {
    let w_emu: u32 = 1_224_000;
    let h_emu = (u64::from(w_emu) * u64::from(s.height) / u64::from(s.width.max(1))) as u32;
    Pic::new_with_dimensions(s.png.clone(), s.width, s.height).size(w_emu, h_emu)
}

fn opinion_row(b: &OpinionBox, seals: &[SealImage]) -> TableRow {
    let mut ps: Vec<Paragraph> = Vec::new();
    match &b.opinion {
        Some(o) => {
            ps.extend(o.paragraphs.iter().map(|p| indented(p)));
            ps.push(Paragraph::new());
            if let Some(s) = o.seal.and_then(|i| seals.get(i)) {
                ps.push(
                    Paragraph::new()
                        .add_run(Run::new().add_image(seal_pic(s)))
                        .align(AlignmentType::Right)
                        .indent(None, None, Some(cm(1.0)), None),
                );
            } else {
                ps.push(Paragraph::new());
            }
            ps.push(right(&format!("{}（盖章）", o.organisation)));
            ps.push(right(&o.date));
        }
        None => {
            ps.push(Paragraph::new());
            ps.push(Paragraph::new());
            ps.push(right("（盖章）　　　　"));
            ps.push(right("年　　月　　日"));
        }
    }
    let mut content = Cell::new(1, 6, ps);
    content.top = true;
    row(vec![lab_lines(0, 1, &b.label), content])
        .row_height(cm(4.2) as f32)
        .height_rule(HeightRule::AtLeast)
        .cant_split()
}

/// Width in half-width units (a Chinese character is two).
fn width(s: &str) -> usize {
    s.chars().map(|c| if c.is_ascii() { 1 } else { 2 }).sum()
}

/// A cover line: the label, then the value underlined to a common length.
fn cover_line(label: &str, value: &str) -> Paragraph {
    let pad = 54usize.saturating_sub(width(label) + width(value)) / 2;
    Paragraph::new()
        .add_run(text_run(label).size(30))
        .add_run(
            text_run(&format!("{value}{}", "　".repeat(pad)))
                .size(28)
                .underline("single"),
        )
        .line_spacing(LineSpacing::new().before(cm(0.9) as u32))
}

fn table(f: &Form) -> Table {
    let u = &f.unit;
    let s = &f.society;
    let mut rows = vec![
        row(vec![
            lab(0, 1, "单位名称"),
            val(1, 3, &u.name),
            lab(4, 1, "法人代表"),
            val(5, 2, &u.legal_rep),
        ]),
        row(vec![
            lab_lines(0, 1, &["统一社会", "信用代码"]),
            val(1, 3, &u.credit_code),
            lab(4, 1, "县市区"),
            val(5, 2, &u.county),
        ]),
        row(vec![
            lab(0, 1, "通讯地址"),
            val(1, 3, &u.address),
            lab(4, 1, "邮　　编"),
            val(5, 2, &u.postcode),
        ]),
        row(vec![
            merged_first(lab(0, 1, "联系人"), 3),
            lab(1, 1, "姓　　名"),
            val(2, 2, &u.contact_name),
            lab(4, 1, "电　　话"),
            val(5, 2, &u.contact_phone),
        ]),
        row(vec![
            merged_next(0, 1),
            lab(1, 1, "手　　机"),
            val(2, 2, &u.contact_mobile),
            lab(4, 1, "传　　真"),
            val(5, 2, &u.fax),
        ]),
        row(vec![
            merged_next(0, 1),
            lab(1, 1, "电子邮件"),
            val(2, 2, &u.email),
            lab(4, 1, "QQ/微信"),
            val(5, 2, &u.qq_wechat),
        ]),
        row(vec![
            lab(0, 1, "单位性质"),
            Cell::new(1, 6, vec![ticks(&f.natures)]),
        ]),
        row(vec![
            lab_lines(0, 1, &["重点产业", "领域"]),
            Cell::new(1, 6, vec![ticks(&f.industries)]),
        ]),
        row(vec![
            lab(0, 1, "申报级别"),
            Cell::new(1, 6, vec![ticks(&f.levels)]),
        ]),
        row(vec![
            lab_lines(0, 1, &["申报单位", "基本情况"]),
            long_cell(1, &f.unit_overview),
        ])
        .row_height(cm(3.0) as f32)
        .height_rule(HeightRule::AtLeast),
        row(vec![
            lab_lines(0, 1, &["服务产业", "基本情况"]),
            long_cell(1, &f.industry_overview),
        ])
        .row_height(cm(3.0) as f32)
        .height_rule(HeightRule::AtLeast),
        row(vec![
            merged_first(lab_lines(0, 1, &["建站学会", "基本情况"]), 7),
            lab(1, 1, "学会名称"),
            val(2, 5, &s.name),
        ]),
        row(vec![
            merged_next(0, 1),
            lab(1, 1, "法人代表"),
            val(2, 1, &s.legal_rep),
            lab(3, 1, "职务"),
            val(4, 1, &s.legal_rep_title),
            lab(5, 1, "手机"),
            val(6, 1, &s.legal_rep_mobile),
        ]),
        row(vec![
            merged_next(0, 1),
            lab(1, 1, "通讯地址"),
            val(2, 3, &s.address),
            lab(5, 1, "邮编"),
            val(6, 1, &s.postcode),
        ]),
        row(vec![
            merged_next(0, 1),
            lab(1, 1, "联系人"),
            val(2, 1, &s.contact_name),
            lab(3, 1, "职务"),
            val(4, 1, &s.contact_title),
            lab(5, 1, "手机"),
            val(6, 1, &s.contact_mobile),
        ]),
        row(vec![
            merged_next(0, 1),
            lab(1, 1, "电话传真"),
            val(2, 3, &s.phone_fax),
            lab(5, 1, "QQ"),
            val(6, 1, &s.qq),
        ]),
        row(vec![
            merged_next(0, 1),
            lab(1, 1, "电子邮件"),
            val(2, 3, &s.email),
            lab(5, 1, "微信"),
            val(6, 1, &s.wechat),
        ]),
        row(vec![merged_next(0, 1), long_cell(1, &f.society_overview)])
            .row_height(cm(3.0) as f32)
            .height_rule(HeightRule::AtLeast),
        row(vec![
            lab_lines(0, 1, &["建站目的", "工作计划"]),
            long_cell(1, &f.work_plan),
        ])
        .row_height(cm(3.0) as f32)
        .height_rule(HeightRule::AtLeast),
    ];
    let n = f.experts.len() + 1;
    rows.push(row(vec![
        merged_first(lab(0, 1, "专家团队"), n),
        lab(1, 1, "姓名"),
        lab(2, 1, "职称"),
        lab(3, 2, "专业"),
        lab(5, 2, "工作单位"),
    ]));
    for e in &f.experts {
        rows.push(row(vec![
            merged_next(0, 1),
            lab(1, 1, &e.name),
            lab(2, 1, &e.title),
            val(3, 2, &e.specialty),
            val(5, 2, &e.employer),
        ]));
    }
    let n = f.staff.len() + 1;
    rows.push(row(vec![
        merged_first(lab(0, 1, "工作人员"), n),
        lab(1, 1, "姓名"),
        lab(2, 2, "手机"),
        lab(4, 3, "职责"),
    ]));
    for p in &f.staff {
        rows.push(row(vec![
            merged_next(0, 1),
            lab(1, 1, &p.name),
            lab(2, 2, &p.mobile),
            val(4, 3, &p.duty),
        ]));
    }
    rows.push(row(vec![lab(0, 1, "合作期限"), val(1, 6, &f.term)]));
    rows.push(row(vec![
        lab(0, 1, "申报材料"),
        Cell::new(
            1,
            6,
            f.materials
                .iter()
                .enumerate()
                .map(|(i, m)| {
                    para(&format!(
                        "{}. {}（{}）：{}",
                        i + 1,
                        m.label,
                        m.article,
                        m.file
                    ))
                })
                .collect(),
        ),
    ]));
    for b in &f.boxes {
        rows.push(opinion_row(b, &f.seals));
    }
    Table::new(rows)
        .set_grid(GRID.to_vec())
        .width(GRID.iter().sum(), WidthType::Dxa)
        .layout(TableLayoutType::Fixed)
}

/// The 申报书 as a .docx file.
pub fn form(f: &Form) -> Result<Vec<u8>, DocError> {
    let body = RunFonts::new()
        .east_asia("宋体")
        .ascii("Times New Roman")
        .hi_ansi("Times New Roman");
    let footer = Footer::new().add_paragraph(
        Paragraph::new()
            .add_run(text_run("— "))
            .add_page_num(PageNum::new())
            .add_run(text_run(" —"))
            .align(AlignmentType::Center),
    );
    let mut doc = Docx::new()
        .default_fonts(body)
        .default_size(BODY)
        .page_size(11906, 16838)
        .page_margin(PageMargin {
            top: cm(2.4),
            left: cm(2.5),
            bottom: cm(2.4),
            right: cm(2.5),
            header: cm(1.5),
            footer: cm(1.5),
            gutter: 0,
        })
        // The cover has no page number; the table's first page is — 1 —.
        .page_num_type(PageNumType::new().start(0))
        .title_pg()
        .first_footer(Footer::new().add_paragraph(Paragraph::new()))
        .footer(footer);

    // The cover.
    for _ in 0..3 {
        doc = doc.add_paragraph(Paragraph::new());
    }
    doc = doc
        .add_paragraph(
            Paragraph::new()
                .add_run(text_run("益阳市重点产业领域学会服务站").size(44).bold())
                .align(AlignmentType::Center),
        )
        .add_paragraph(
            Paragraph::new()
                .add_run(text_run("申　报　书").size(52).bold())
                .align(AlignmentType::Center)
                .line_spacing(LineSpacing::new().before(cm(0.4) as u32)),
        );
    for _ in 0..4 {
        doc = doc.add_paragraph(Paragraph::new());
    }
    let c = &f.cover;
    doc = doc
        .add_paragraph(cover_line("学会服务站名称：", &c.station_name))
        .add_paragraph(cover_line("申报单位名称（盖章）：", &c.unit_name))
        .add_paragraph(cover_line("法定代表人（签章）：", &c.legal_rep))
        .add_paragraph(cover_line("申报日期：", &c.date));
    if !c.draft_note.is_empty() {
        doc = doc.add_paragraph(
            Paragraph::new()
                .add_run(text_run(&c.draft_note).size(24).color("595959"))
                .align(AlignmentType::Center)
                .line_spacing(LineSpacing::new().before(cm(0.8) as u32)),
        );
    }
    for _ in 0..13 {
        doc = doc.add_paragraph(Paragraph::new());
    }
    doc = doc
        .add_paragraph(
            Paragraph::new()
                .add_run(text_run(c.maker).size(32))
                .align(AlignmentType::Center),
        )
        .add_paragraph(
            Paragraph::new()
                .add_run(text_run(c.maker_date).size(32))
                .add_run(Run::new().add_break(BreakType::Page))
                .align(AlignmentType::Center),
        );

    doc = doc.add_table(table(f));
    let mut out = std::io::Cursor::new(Vec::new());
    doc.pack(&mut out)
        .map_err(|e| DocError::Render(format!("Word 文件：{e}")))?;
    Ok(out.into_inner())
}
