//! 存量服务站导入 (SPEC §3 rule 17, 第八条: "stations named before this regulation can be
//! imported and re-certified").
//!
//! A spreadsheet lists one station per row under a header row. [`validate`] checks every row —
//! the values against the policy file, the credit code, the dates, the document numbers, the one
//! station per society of 第七条（七）, one name per credit code — within the file and against
//! what the database already holds ([`Existing`], gathered by the storage layer), and answers
//! either every row parsed or every bad cell with its Excel line, its column and the reason.
//! Nothing here reads a file: the adapters turn a workbook into a [`Sheet`] of text and dates.

use std::collections::{HashMap, HashSet};

use chrono::{Datelike, NaiveDate};
use serde::Serialize;

use crate::application::{Level, UnitNature};
use crate::notice::term_end;
use crate::organisation::CreditCode;
use crate::policy::Policy;
use crate::station::StationStatus;

/// The columns of the import sheet, in the template's order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Column {
    StationName,
    Level,
    Industry,
    UnitName,
    CreditCode,
    Nature,
    County,
    LegalRep,
    SocietyName,
    SocietyLevel,
    DocumentNumber,
    AwardedOn,
    TermEndsOn,
}

impl Column {
    pub const ALL: [Column; 13] = [
        Column::StationName,
        Column::Level,
        Column::Industry,
        Column::UnitName,
        Column::CreditCode,
        Column::Nature,
        Column::County,
        Column::LegalRep,
        Column::SocietyName,
        Column::SocietyLevel,
        Column::DocumentNumber,
        Column::AwardedOn,
        Column::TermEndsOn,
    ];

    /// The column's header in the sheet (Chinese).
    pub fn header(self) -> &'static str {
        match self {
            Column::StationName => "服务站名称",
            Column::Level => "级别",
            Column::Industry => "行业",
            Column::UnitName => "建站单位名称",
            Column::CreditCode => "统一社会信用代码",
            Column::Nature => "单位性质",
            Column::County => "所属县（市、区）",
            Column::LegalRep => "法定代表人",
            Column::SocietyName => "合作学会名称",
            Column::SocietyLevel => "学会级别",
            Column::DocumentNumber => "授牌文号",
            Column::AwardedOn => "授牌日期",
            Column::TermEndsOn => "合作期满日期",
        }
    }

    /// The machine name (the `field` of the API's error list).
    pub fn key(self) -> &'static str {
        match self {
            Column::StationName => "station_name",
            Column::Level => "level",
            Column::Industry => "industry",
            Column::UnitName => "unit_name",
            Column::CreditCode => "credit_code",
            Column::Nature => "nature",
            Column::County => "county",
            Column::LegalRep => "legal_rep",
            Column::SocietyName => "society_name",
            Column::SocietyLevel => "society_level",
            Column::DocumentNumber => "document_number",
            Column::AwardedOn => "awarded_on",
            Column::TermEndsOn => "term_ends_on",
        }
    }

    pub fn required(self) -> bool {
        self != Column::TermEndsOn
    }

    /// Longest text the column takes (characters).
    fn max_chars(self) -> usize {
        match self {
            Column::LegalRep => 30,
            _ => 100,
        }
    }

    /// How to fill the column in, with the values the policy allows (the template's
    /// instructions sheet).
    pub fn help(self, policy: &Policy) -> String {
        let levels = Level::ALL
            .iter()
            .map(|l| format!("{}（{}）", l.label(), l.as_str()))
            .collect::<Vec<_>>()
            .join("、");
        match self {
            Column::StationName => {
                "学会服务站的全称，如“益阳某某有限公司学会服务站”。".into()
            }
            Column::Level => format!("服务站级别（第五条），填 {levels} 之一。"),
            Column::Industry => format!(
                "重点产业领域，填以下之一：{}。",
                policy.application.industries.join("、")
            ),
            Column::UnitName => "建站单位全称。同一统一社会信用代码在各行须填写相同的单位名称；系统中已登记的单位按统一社会信用代码沿用，名称须一致。".into(),
            Column::CreditCode => "建站单位的 18 位统一社会信用代码（GB 32100，含校验位）。".into(),
            Column::Nature => format!(
                "建站单位性质（第五条），填以下之一：{}。",
                UnitNature::ALL.map(UnitNature::label).join("、")
            ),
            Column::County => format!(
                "建站单位所在县（市、区），填以下之一：{}。",
                policy.region.counties.join("、")
            ),
            Column::LegalRep => "建站单位的法定代表人姓名。".into(),
            Column::SocietyName => "合作（建站）学会的全称。系统中已有同名学会的，沿用该学会；没有的，按本行新建。同一学会在本市原则上只认定一家运行中的服务站（第七条（七））。".into(),
            Column::SocietyLevel => format!(
                "合作学会的级别，填 {levels} 之一（也可填“全国学会”“省级学会”“市级学会”）。"
            ),
            Column::DocumentNumber => "原授牌（认定）文件的文号，如“益科协〔2021〕12号”。文号不能与文件中其他行或系统中已有的服务站重复（第八条（四））。".into(),
            Column::AwardedOn => "原授牌日期：Excel 日期，或 YYYY-MM-DD 格式的文本；不能晚于导入当天。".into(),
            Column::TermEndsOn => format!(
                "选填。合作期满日期（Excel 日期或 YYYY-MM-DD），须晚于授牌日期；不填则按授牌日期起 {} 年计算（第七条（三））。已期满的服务站导入后状态为“已期满”。",
                policy.application.term_years
            ),
        }
    }

    /// The column a header names: its text without spaces, a trailing `*` or a note in
    /// brackets such as "（必填）". Half-width brackets are read as full-width ones.
    pub fn from_header(text: &str) -> Option<Column> {
        let mut t: String = text
            .chars()
            .filter(|c| !c.is_whitespace())
            .map(|c| match c {
                '(' => '（',
                ')' => '）',
                other => other,
            })
            .collect();
        for note in ["（必填）", "（选填）", "（可选）"] {
            if let Some(s) = t.strip_suffix(note) {
                t = s.to_string();
            }
        }
        let t = t.trim_end_matches('*').trim_start_matches('*');
        Column::ALL.into_iter().find(|c| c.header() == t)
    }
}

/// One cell as the adapters read it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cell {
    Empty,
    Text(String),
    /// An Excel date cell.
    Date(NaiveDate),
}

impl Cell {
    pub fn text(s: impl Into<String>) -> Cell {
        let s = s.into();
        if s.trim().is_empty() {
            Cell::Empty
        } else {
            Cell::Text(s)
        }
    }

    fn is_empty(&self) -> bool {
        match self {
            Cell::Empty => true,
            Cell::Text(t) => t.trim().is_empty(),
            Cell::Date(_) => false,
        }
    }

    fn as_text(&self) -> String {
        match self {
            Cell::Empty => String::new(),
            Cell::Text(t) => t.trim().to_string(),
            Cell::Date(d) => d.to_string(),
        }
    }
}

/// A worksheet: its rows with their Excel line numbers (1-based), header row included.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Sheet {
    pub rows: Vec<SheetRow>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SheetRow {
    /// The Excel line (the header is line 1 in the template).
    pub line: u32,
    pub cells: Vec<Cell>,
}

/// One bad cell (or row, or file): the Excel line, the column and the reason in Chinese, with
/// the article of the measures when one applies.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RowError {
    pub line: u32,
    pub column: Option<Column>,
    pub message: String,
    pub article: Option<&'static str>,
}

impl RowError {
    fn new(line: u32, column: Option<Column>, message: impl Into<String>) -> RowError {
        RowError {
            line,
            column,
            message: message.into(),
            article: None,
        }
    }

    fn citing(mut self, article: &'static str) -> RowError {
        self.article = Some(article);
        self
    }

    /// The column's header, or "" when the error concerns the whole row or file.
    pub fn column_header(&self) -> &'static str {
        self.column.map(Column::header).unwrap_or("")
    }

    /// The reason with its article, as a person reads it.
    pub fn reason(&self) -> String {
        match self.article {
            Some(a) => format!("{}（{a}）", self.message),
            None => self.message.clone(),
        }
    }
}

impl std::fmt::Display for RowError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.column {
            Some(c) => write!(f, "第 {} 行【{}】{}", self.line, c.header(), self.reason()),
            None => write!(f, "第 {} 行：{}", self.line, self.reason()),
        }
    }
}

/// A host unit as a row names it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ImportUnit {
    pub name: String,
    pub credit_code: String,
    pub nature: UnitNature,
    pub county: String,
    pub legal_rep: String,
}

/// A good row: a station named before the measures, ready to be recorded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ImportRow {
    pub line: u32,
    pub station_name: String,
    pub level: Level,
    pub industry: String,
    pub unit: ImportUnit,
    pub society_name: String,
    pub society_level: Level,
    pub document_number: String,
    pub awarded_on: NaiveDate,
    pub term_ends_on: NaiveDate,
    /// The term in whole years (at least 1), for the record of the original naming.
    pub term_years: u32,
    /// Active, or expired when the term ended before today.
    pub status: StationStatus,
}

/// What the database already holds that the file's rows meet.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Existing {
    /// Document numbers of existing stations.
    pub document_numbers: HashSet<String>,
    /// Units by credit code: their registered name.
    pub units: HashMap<String, String>,
    /// Societies by name: their level.
    pub societies: HashMap<String, Level>,
    /// Societies (by name) that already hold a running station or a pending application: what
    /// they hold (第七条（七）).
    pub society_holds: HashMap<String, String>,
}

/// The values of the file the database must be asked about.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Keys {
    pub credit_codes: Vec<String>,
    pub society_names: Vec<String>,
    pub document_numbers: Vec<String>,
}

/// Where the header row is and which column holds what.
struct Layout {
    header_index: usize,
    columns: HashMap<Column, usize>,
}

/// Finds the header: the first row (of the first ten) naming 服务站名称, else the first row.
fn layout(sheet: &Sheet) -> Result<Layout, Vec<RowError>> {
    let Some(first) = sheet.rows.first() else {
        return Err(vec![RowError::new(
            1,
            None,
            "表格为空：第一个工作表须有表头行，其下每行一个服务站",
        )]);
    };
    let header_index = sheet
        .rows
        .iter()
        .take(10)
        .position(|r| {
            r.cells.iter().any(|c| {
                matches!(c, Cell::Text(t) if Column::from_header(t) == Some(Column::StationName))
            })
        })
        .unwrap_or(0);
    let header = sheet.rows.get(header_index).unwrap_or(first);
    let mut columns = HashMap::new();
    let mut errors = Vec::new();
    for (i, cell) in header.cells.iter().enumerate() {
        if let Cell::Text(t) = cell
            && let Some(c) = Column::from_header(t)
            && columns.insert(c, i).is_some()
        {
            errors.push(RowError::new(
                header.line,
                Some(c),
                format!("表头中“{}”出现了不止一次", c.header()),
            ));
        }
    }
    for c in Column::ALL {
        if c.required() && !columns.contains_key(&c) {
            errors.push(RowError::new(
                header.line,
                Some(c),
                format!("表头缺少“{}”列（请使用系统提供的导入模板）", c.header()),
            ));
        }
    }
    if errors.is_empty() {
        Ok(Layout {
            header_index,
            columns,
        })
    } else {
        Err(errors)
    }
}

impl Layout {
    fn cell<'a>(&self, row: &'a SheetRow, c: Column) -> &'a Cell {
        self.columns
            .get(&c)
            .and_then(|&i| row.cells.get(i))
            .unwrap_or(&Cell::Empty)
    }

    fn data_rows<'a>(&self, sheet: &'a Sheet) -> impl Iterator<Item = &'a SheetRow> {
        sheet
            .rows
            .iter()
            .skip(self.header_index + 1)
            .filter(|r| !r.cells.iter().all(Cell::is_empty))
    }
}

/// The credit codes, society names and document numbers the file names (for the storage layer
/// to look up what the database holds of them). Empty when the header cannot be read.
pub fn keys(sheet: &Sheet) -> Keys {
    let Ok(l) = layout(sheet) else {
        return Keys::default();
    };
    let mut k = Keys::default();
    for r in l.data_rows(sheet) {
        let code = l.cell(r, Column::CreditCode).as_text().to_ascii_uppercase();
        let society = l.cell(r, Column::SocietyName).as_text();
        let number = l.cell(r, Column::DocumentNumber).as_text();
        for (list, v) in [
            (&mut k.credit_codes, code),
            (&mut k.society_names, society),
            (&mut k.document_numbers, number),
        ] {
            if !v.is_empty() {
                list.push(v);
            }
        }
    }
    for list in [
        &mut k.credit_codes,
        &mut k.society_names,
        &mut k.document_numbers,
    ] {
        list.sort();
        list.dedup();
    }
    k
}

/// Reads a level as the sheet may write it: 国家级 / 省级 / 市级, national / provincial /
/// municipal, or with 学会 (服务站) after it, or 全国学会.
pub fn parse_level(s: &str) -> Option<Level> {
    let t = s.trim();
    let t = t
        .strip_suffix("学会服务站")
        .or_else(|| t.strip_suffix("学会"))
        .unwrap_or(t);
    let t = t.trim();
    if t == "全国" || t == "国家" {
        return Some(Level::National);
    }
    Level::parse(t)
        .or_else(|_| Level::parse(&t.to_ascii_lowercase()))
        .ok()
}

/// A date cell: an Excel date, or text `YYYY-MM-DD` (also `YYYY/M/D`, `YYYY.M.D`,
/// `YYYY年M月D日`).
pub fn parse_date_cell(cell: &Cell) -> Result<Option<NaiveDate>, String> {
    match cell {
        Cell::Empty => Ok(None),
        Cell::Date(d) => Ok(Some(*d)),
        Cell::Text(t) => {
            let t = t.trim();
            if t.is_empty() {
                return Ok(None);
            }
            let normalised: String = t
                .trim_end_matches('日')
                .chars()
                .map(|c| match c {
                    '/' | '.' | '年' | '月' => '-',
                    other => other,
                })
                .collect();
            NaiveDate::parse_from_str(&normalised, "%Y-%m-%d")
                .ok()
                .filter(|d| d.year() >= 1900)
                .map(Some)
                .ok_or_else(|| format!("“{t}”不是有效日期，请填写 Excel 日期或 YYYY-MM-DD"))
        }
    }
}

/// Whole years of a term from `from` to `to` (inclusive), rounded, at least 1.
fn term_years_between(from: NaiveDate, to: NaiveDate) -> u32 {
    let days = (to - from).num_days() + 1;
    ((days as f64 / 365.25).round() as u32).max(1)
}

/// Checks every row of the sheet, within the file and against `existing`; every good row, or
/// every bad cell. Rows that are entirely empty are skipped.
pub fn validate(
    sheet: &Sheet,
    existing: &Existing,
    policy: &Policy,
    today: NaiveDate,
) -> Result<Vec<ImportRow>, Vec<RowError>> {
    let l = layout(sheet)?;
    let mut errors: Vec<RowError> = Vec::new();
    let mut rows: Vec<ImportRow> = Vec::new();
    // What earlier rows of the file took: the line that first named each value.
    let mut numbers: HashMap<String, u32> = HashMap::new();
    let mut units: HashMap<String, (u32, String)> = HashMap::new();
    let mut societies: HashMap<String, (u32, Level)> = HashMap::new();
    let mut running: HashMap<String, (u32, String)> = HashMap::new();
    let mut any = false;

    for r in l.data_rows(sheet) {
        any = true;
        let line = r.line;
        let before = errors.len();
        let err = |c: Column, m: String| RowError::new(line, Some(c), m);
        let text = |errors: &mut Vec<RowError>, c: Column| -> String {
            let v = l.cell(r, c).as_text();
            if v.is_empty() {
                if c.required() {
                    errors.push(err(c, format!("请填写{}", c.header())));
                }
            } else if v.chars().count() > c.max_chars() {
                errors.push(err(
                    c,
                    format!("{}不能超过 {} 个字", c.header(), c.max_chars()),
                ));
            }
            v
        };
        let station_name = text(&mut errors, Column::StationName);
        let level_text = text(&mut errors, Column::Level);
        let industry = text(&mut errors, Column::Industry);
        let unit_name = text(&mut errors, Column::UnitName);
        let code_text = text(&mut errors, Column::CreditCode);
        let nature_text = text(&mut errors, Column::Nature);
        let county = text(&mut errors, Column::County);
        let legal_rep = text(&mut errors, Column::LegalRep);
        let society_name = text(&mut errors, Column::SocietyName);
        let society_level_text = text(&mut errors, Column::SocietyLevel);
        let document_number = text(&mut errors, Column::DocumentNumber);

        let levels = || Level::ALL.map(Level::label).join("、");
        let level = parse_level(&level_text);
        if level.is_none() && !level_text.is_empty() {
            errors.push(
                err(
                    Column::Level,
                    format!("级别“{level_text}”无效，须为 {}", levels()),
                )
                .citing("第五条"),
            );
        }
        let society_level = parse_level(&society_level_text);
        if society_level.is_none() && !society_level_text.is_empty() {
            errors.push(err(
                Column::SocietyLevel,
                format!("学会级别“{society_level_text}”无效，须为 {}", levels()),
            ));
        }
        if !industry.is_empty() && !policy.application.industries.contains(&industry) {
            errors.push(err(
                Column::Industry,
                format!(
                    "行业“{industry}”不在重点产业领域之列，须为：{}",
                    policy.application.industries.join("、")
                ),
            ));
        }
        let nature = UnitNature::parse(&nature_text).ok();
        if nature.is_none() && !nature_text.is_empty() {
            errors.push(
                err(
                    Column::Nature,
                    format!(
                        "单位性质“{nature_text}”无效，须为：{}",
                        UnitNature::ALL.map(UnitNature::label).join("、")
                    ),
                )
                .citing("第五条"),
            );
        }
        if !county.is_empty() && !policy.region.counties.contains(&county) {
            errors.push(err(
                Column::County,
                format!(
                    "“{county}”不是{}的县（市、区），须为：{}",
                    policy.region.city,
                    policy.region.counties.join("、")
                ),
            ));
        }
        let credit_code = if code_text.is_empty() {
            None
        } else {
            match CreditCode::parse(&code_text) {
                Ok(c) => Some(c.as_str().to_string()),
                Err(e) => {
                    errors.push(err(Column::CreditCode, e.to_string()));
                    None
                }
            }
        };

        let awarded_on = match parse_date_cell(l.cell(r, Column::AwardedOn)) {
            Ok(Some(d)) if d > today => {
                errors.push(
                    err(
                        Column::AwardedOn,
                        format!("授牌日期 {d} 晚于今天（{today}），只能导入已经授牌的服务站"),
                    )
                    .citing("第八条"),
                );
                None
            }
            Ok(Some(d)) => Some(d),
            Ok(None) => {
                errors.push(err(Column::AwardedOn, "请填写授牌日期".into()));
                None
            }
            Err(m) => {
                errors.push(err(Column::AwardedOn, m));
                None
            }
        };
        let term_ends_on = match parse_date_cell(l.cell(r, Column::TermEndsOn)) {
            Ok(Some(d)) => match awarded_on {
                Some(a) if d <= a => {
                    errors.push(
                        err(
                            Column::TermEndsOn,
                            format!("合作期满日期 {d} 须晚于授牌日期 {a}"),
                        )
                        .citing("第七条（三）"),
                    );
                    None
                }
                _ => Some(d),
            },
            Ok(None) => awarded_on.map(|a| term_end(a, policy.application.term_years)),
            Err(m) => {
                errors.push(err(Column::TermEndsOn, m));
                None
            }
        };
        let status = match term_ends_on {
            Some(end) if end < today => StationStatus::Expired,
            _ => StationStatus::Active,
        };

        // 授牌文号: one station each, in the file and in the database (第八条（四）).
        if !document_number.is_empty() {
            if let Some(first) = numbers.get(&document_number) {
                errors.push(
                    err(
                        Column::DocumentNumber,
                        format!("授牌文号“{document_number}”与第 {first} 行重复，一个文号只对应一个服务站"),
                    )
                    .citing("第八条（四）"),
                );
            } else {
                numbers.insert(document_number.clone(), line);
                if existing.document_numbers.contains(&document_number) {
                    errors.push(
                        err(
                            Column::DocumentNumber,
                            format!("授牌文号“{document_number}”已被系统中的服务站使用"),
                        )
                        .citing("第八条（四）"),
                    );
                }
            }
        }

        // One name per credit code, in the file and as registered.
        if let Some(code) = &credit_code
            && !unit_name.is_empty()
        {
            match units.get(code) {
                Some((first, name)) if *name != unit_name => errors.push(err(
                    Column::UnitName,
                    format!(
                        "统一社会信用代码 {code} 在第 {first} 行的单位名称为“{name}”，与本行“{unit_name}”不一致"
                    ),
                )),
                Some(_) => {}
                None => {
                    units.insert(code.clone(), (line, unit_name.clone()));
                    if let Some(name) = existing.units.get(code)
                        && *name != unit_name
                    {
                        errors.push(err(
                            Column::UnitName,
                            format!(
                                "统一社会信用代码 {code} 在系统中登记的单位名称为“{name}”，与本行“{unit_name}”不一致"
                            ),
                        ));
                    }
                }
            }
        }

        // One level per society, in the file and as registered.
        if let Some(sl) = society_level
            && !society_name.is_empty()
        {
            match societies.get(&society_name) {
                Some((first, l)) if *l != sl => errors.push(err(
                    Column::SocietyLevel,
                    format!(
                        "学会“{society_name}”在第 {first} 行为{}学会，与本行{}学会不一致",
                        l.label(),
                        sl.label()
                    ),
                )),
                Some(_) => {}
                None => {
                    societies.insert(society_name.clone(), (line, sl));
                    if let Some(l) = existing.societies.get(&society_name)
                        && *l != sl
                    {
                        errors.push(err(
                            Column::SocietyLevel,
                            format!(
                                "学会“{society_name}”在系统中登记为{}学会，与本行{}学会不一致",
                                l.label(),
                                sl.label()
                            ),
                        ));
                    }
                }
            }
        }

        // 第七条（七）: one running station per society in the city.
        if !society_name.is_empty() && status == StationStatus::Active {
            if let Some((first, name)) = running.get(&society_name) {
                errors.push(
                    err(
                        Column::SocietyName,
                        format!(
                            "学会“{society_name}”在第 {first} 行已有运行中的服务站“{name}”，同一学会在本市原则上只认定一家学会服务站"
                        ),
                    )
                    .citing("第七条（七）"),
                );
            } else {
                running.insert(society_name.clone(), (line, station_name.clone()));
                if let Some(held) = existing.society_holds.get(&society_name) {
                    errors.push(
                        err(
                            Column::SocietyName,
                            format!(
                                "学会“{society_name}”在系统中已有{held}，同一学会在本市原则上只认定一家学会服务站"
                            ),
                        )
                        .citing("第七条（七）"),
                    );
                }
            }
        }

        if errors.len() > before {
            continue;
        }
        if let (
            Some(level),
            Some(society_level),
            Some(nature),
            Some(credit_code),
            Some(awarded_on),
            Some(term_ends_on),
        ) = (
            level,
            society_level,
            nature,
            credit_code,
            awarded_on,
            term_ends_on,
        ) {
            rows.push(ImportRow {
                line,
                station_name,
                level,
                industry,
                unit: ImportUnit {
                    name: unit_name,
                    credit_code,
                    nature,
                    county,
                    legal_rep,
                },
                society_name,
                society_level,
                document_number,
                awarded_on,
                term_ends_on,
                term_years: term_years_between(awarded_on, term_ends_on),
                status,
            });
        }
    }
    if !any && errors.is_empty() {
        let line = sheet
            .rows
            .get(l.header_index)
            .map(|r| r.line + 1)
            .unwrap_or(2);
        errors.push(RowError::new(
            line,
            None,
            "表头下没有服务站：请从第 2 行起每行填写一个服务站",
        ));
    }
    if errors.is_empty() {
        Ok(rows)
    } else {
        errors.sort_by_key(|e| e.line);
        Err(errors)
    }
}

/// The template's example row (a good row, in the template's column order): what each column
/// looks like, with values from the policy file. Dates are a year before `today`.
pub fn example_row(policy: &Policy, today: NaiveDate) -> Vec<Cell> {
    let year = today.year() - 1;
    let awarded = NaiveDate::from_ymd_opt(year, 6, 1).unwrap_or(today);
    let code = CreditCode::complete("91430900MA4L12345")
        .map(|c| c.as_str().to_string())
        .unwrap_or_default();
    let first = |v: &[String]| v.first().cloned().unwrap_or_default();
    Column::ALL
        .into_iter()
        .map(|c| match c {
            Column::StationName => Cell::text("示例：益阳某某科技有限公司学会服务站"),
            Column::Level => Cell::text(Level::Provincial.label()),
            Column::Industry => Cell::text(first(&policy.application.industries)),
            Column::UnitName => Cell::text("益阳某某科技有限公司科学技术协会"),
            Column::CreditCode => Cell::text(code.clone()),
            Column::Nature => Cell::text(UnitNature::EnterpriseCast.label()),
            Column::County => Cell::text(first(&policy.region.counties)),
            Column::LegalRep => Cell::text("张三"),
            Column::SocietyName => Cell::text("湖南省某某学会（示例）"),
            Column::SocietyLevel => Cell::text(Level::Provincial.label()),
            Column::DocumentNumber => Cell::text(format!("示例〔{year}〕1号")),
            Column::AwardedOn => Cell::Date(awarded),
            Column::TermEndsOn => Cell::Empty,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    const TODAY: &str = "2026-11-25";

    fn code(n: u32) -> String {
        CreditCode::complete(&format!("91430900MA{n:07}"))
            .unwrap()
            .as_str()
            .to_string()
    }

    fn header() -> SheetRow {
        SheetRow {
            line: 1,
            cells: Column::ALL.map(|c| Cell::text(c.header())).to_vec(),
        }
    }

    /// A good row: station n of unit n with society n.
    fn row(n: u32) -> Vec<Cell> {
        let mut r = Vec::new();
        for c in Column::ALL {
            r.push(match c {
                Column::StationName => Cell::text(format!("服务站{n}")),
                Column::Level => Cell::text("省级"),
                Column::Industry => Cell::text("装备制造"),
                Column::UnitName => Cell::text(format!("单位{n}")),
                Column::CreditCode => Cell::text(code(n)),
                Column::Nature => Cell::text("企业科协"),
                Column::County => Cell::text("资阳区"),
                Column::LegalRep => Cell::text("张三"),
                Column::SocietyName => Cell::text(format!("学会{n}")),
                Column::SocietyLevel => Cell::text("provincial"),
                Column::DocumentNumber => Cell::text(format!("益科协〔2021〕{n}号")),
                Column::AwardedOn => Cell::Date(d("2025-06-01")),
                Column::TermEndsOn => Cell::Empty,
            });
        }
        r
    }

    fn sheet(rows: Vec<Vec<Cell>>) -> Sheet {
        let mut s = Sheet {
            rows: vec![header()],
        };
        for (i, cells) in rows.into_iter().enumerate() {
            s.rows.push(SheetRow {
                line: i as u32 + 2,
                cells,
            });
        }
        s
    }

    fn set(r: &mut [Cell], c: Column, v: Cell) {
        let i = Column::ALL.iter().position(|x| *x == c).unwrap();
        r[i] = v;
    }

    fn check(s: &Sheet, e: &Existing) -> Result<Vec<ImportRow>, Vec<RowError>> {
        validate(s, e, &Policy::default(), d(TODAY))
    }

    #[test]
    fn good_rows_parse_with_their_status() {
        let mut old = row(2);
        set(&mut old, Column::AwardedOn, Cell::text("2019-03-01"));
        set(&mut old, Column::TermEndsOn, Cell::text("2021/2/28"));
        let rows = check(&sheet(vec![row(1), old]), &Existing::default()).unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].line, 2);
        assert_eq!(rows[0].level, Level::Provincial);
        assert_eq!(rows[0].society_level, Level::Provincial);
        assert_eq!(rows[0].status, StationStatus::Active);
        assert_eq!(
            rows[0].term_ends_on,
            d("2027-05-31"),
            "default term of 2 years"
        );
        assert_eq!(rows[0].term_years, 2);
        assert_eq!(rows[1].status, StationStatus::Expired);
        assert_eq!(rows[1].term_ends_on, d("2021-02-28"));
    }

    #[test]
    fn every_bad_cell_is_reported_with_line_and_column() {
        let mut bad = row(2);
        set(&mut bad, Column::Level, Cell::text("区级"));
        set(&mut bad, Column::Industry, Cell::text("房地产"));
        set(&mut bad, Column::Nature, Cell::text("公司"));
        set(&mut bad, Column::County, Cell::text("长沙县"));
        set(
            &mut bad,
            Column::CreditCode,
            Cell::text("91350100M000100Y44"),
        );
        set(&mut bad, Column::LegalRep, Cell::Empty);
        let mut late = row(3);
        set(&mut late, Column::AwardedOn, Cell::text("2026-12-01"));
        let mut short = row(4);
        set(&mut short, Column::TermEndsOn, Cell::text("2025-01-01"));
        let mut garbled = row(5);
        set(&mut garbled, Column::AwardedOn, Cell::text("去年六月"));
        let errors = check(
            &sheet(vec![row(1), bad, late, short, garbled]),
            &Existing::default(),
        )
        .unwrap_err();
        let at = |line: u32| -> Vec<Column> {
            errors
                .iter()
                .filter(|e| e.line == line)
                .filter_map(|e| e.column)
                .collect()
        };
        assert!(at(2).is_empty(), "{errors:?}");
        assert_eq!(
            at(3),
            [
                Column::LegalRep,
                Column::Level,
                Column::Industry,
                Column::Nature,
                Column::County,
                Column::CreditCode
            ]
        );
        assert_eq!(at(4), [Column::AwardedOn]);
        assert_eq!(at(5), [Column::TermEndsOn]);
        assert_eq!(at(6), [Column::AwardedOn]);
        let late = errors.iter().find(|e| e.line == 4).unwrap();
        assert_eq!(late.article, Some("第八条"));
        assert!(
            late.to_string().starts_with("第 4 行【授牌日期】"),
            "{late}"
        );
        assert!(errors.iter().any(|e| e.message.contains("校验位")));
    }

    #[test]
    fn document_numbers_are_unique_in_the_file_and_the_database() {
        let mut dup = row(2);
        set(
            &mut dup,
            Column::DocumentNumber,
            Cell::text("益科协〔2021〕1号"),
        );
        let mut taken = row(3);
        set(
            &mut taken,
            Column::DocumentNumber,
            Cell::text("益人才办〔2024〕1号"),
        );
        let existing = Existing {
            document_numbers: ["益人才办〔2024〕1号".to_string()].into(),
            ..Default::default()
        };
        let errors = check(&sheet(vec![row(1), dup, taken]), &existing).unwrap_err();
        assert_eq!(errors.len(), 2, "{errors:?}");
        assert_eq!(
            (errors[0].line, errors[0].column),
            (3, Some(Column::DocumentNumber))
        );
        assert!(errors[0].message.contains("第 2 行"));
        assert_eq!(
            (errors[1].line, errors[1].column),
            (4, Some(Column::DocumentNumber))
        );
        assert_eq!(errors[1].article, Some("第八条（四）"));
    }

    #[test]
    fn one_running_station_per_society() {
        let mut same = row(2);
        set(&mut same, Column::SocietyName, Cell::text("学会1"));
        // An expired station of the same society is history, not a second running one.
        let mut old = row(3);
        set(&mut old, Column::SocietyName, Cell::text("学会1"));
        set(&mut old, Column::AwardedOn, Cell::text("2018-01-01"));
        let held = row(9);
        let existing = Existing {
            society_holds: [("学会9".to_string(), "运行中的服务站“老站”".to_string())].into(),
            ..Default::default()
        };
        let errors = check(&sheet(vec![row(1), same, old, held]), &existing).unwrap_err();
        assert_eq!(errors.len(), 2, "{errors:?}");
        assert_eq!(errors[0].line, 3);
        assert_eq!(errors[0].column, Some(Column::SocietyName));
        assert_eq!(errors[0].article, Some("第七条（七）"));
        assert_eq!(errors[1].line, 5);
        assert!(errors[1].message.contains("老站"));
    }

    #[test]
    fn one_name_per_credit_code_and_one_level_per_society() {
        let mut renamed = row(2);
        set(&mut renamed, Column::CreditCode, Cell::text(code(1)));
        let mut relevel = row(3);
        set(&mut relevel, Column::SocietyName, Cell::text("学会1"));
        set(&mut relevel, Column::SocietyLevel, Cell::text("市级学会"));
        set(&mut relevel, Column::AwardedOn, Cell::text("2018-01-01"));
        let registered = row(7);
        let existing = Existing {
            units: [(code(7), "另一个名称".to_string())].into(),
            ..Default::default()
        };
        let errors = check(
            &sheet(vec![row(1), renamed, relevel, registered]),
            &existing,
        )
        .unwrap_err();
        let cols: Vec<(u32, Option<Column>)> = errors.iter().map(|e| (e.line, e.column)).collect();
        assert_eq!(
            cols,
            [
                (3, Some(Column::UnitName)),
                (4, Some(Column::SocietyLevel)),
                (5, Some(Column::UnitName))
            ]
        );
        // The same unit with the same name on two rows is fine.
        let mut again = row(2);
        set(&mut again, Column::CreditCode, Cell::text(code(1)));
        set(&mut again, Column::UnitName, Cell::text("单位1"));
        assert!(check(&sheet(vec![row(1), again]), &Existing::default()).is_ok());
    }

    #[test]
    fn a_missing_column_or_an_empty_sheet_is_refused() {
        let mut s = sheet(vec![row(1)]);
        s.rows[0].cells.truncate(5);
        let errors = check(&s, &Existing::default()).unwrap_err();
        assert!(errors.iter().all(|e| e.line == 1));
        assert!(
            errors
                .iter()
                .any(|e| e.column == Some(Column::DocumentNumber))
        );
        assert!(check(&Sheet::default(), &Existing::default()).is_err());
        let only_header = sheet(vec![]);
        let e = check(&only_header, &Existing::default()).unwrap_err();
        assert_eq!(e[0].line, 2);
    }

    #[test]
    fn headers_may_carry_notes_and_blank_rows_are_skipped() {
        let mut s = sheet(vec![row(1), vec![Cell::Empty; 13], row(2)]);
        s.rows[0].cells[0] = Cell::text("服务站名称*");
        s.rows[0].cells[12] = Cell::text("合作期满日期(选填)");
        let rows = check(&s, &Existing::default()).unwrap();
        assert_eq!(rows.iter().map(|r| r.line).collect::<Vec<_>>(), [2, 4]);
    }

    #[test]
    fn levels_and_dates_read_as_people_write_them() {
        assert_eq!(parse_level("全国学会"), Some(Level::National));
        assert_eq!(parse_level("省级学会"), Some(Level::Provincial));
        assert_eq!(parse_level("Municipal"), Some(Level::Municipal));
        assert_eq!(parse_level("区级"), None);
        assert_eq!(
            parse_date_cell(&Cell::text("2021年3月5日")),
            Ok(Some(d("2021-03-05")))
        );
        assert!(parse_date_cell(&Cell::text("2021-02-30")).is_err());
    }

    #[test]
    fn keys_name_what_the_database_is_asked() {
        let k = keys(&sheet(vec![row(1), row(2)]));
        assert_eq!(k.credit_codes, [code(1), code(2)]);
        assert_eq!(k.society_names, ["学会1", "学会2"]);
        assert_eq!(k.document_numbers.len(), 2);
    }

    #[test]
    fn the_example_row_is_a_good_row() {
        let p = Policy::default();
        let s = sheet(vec![example_row(&p, d(TODAY))]);
        let rows = check(&s, &Existing::default()).unwrap();
        assert_eq!(rows[0].industry, p.application.industries[0]);
        assert_eq!(rows[0].unit.county, p.region.counties[0]);
    }
}
