//! Every list as an .xlsx spreadsheet (SPEC §5: "Excel (.xlsx) exports of every list"): Chinese
//! headers, real column types — dates as Excel dates (`yyyy-mm-dd`), money as numbers in yuan
//! (`#,##0.00`, from integer fen, turned into a float only at the cell), counts as numbers, and
//! states, levels and grades as their Chinese labels.
//!
//! [`Book`] is the one generic writer: sheets declared by their [`Column`]s, then rows of typed
//! [`Cell`]s, written in order. Every sheet is in rust_xlsxwriter's constant-memory mode: rows
//! go to a temporary file as they are written, so a large export costs about the same memory
//! as a small one. The functions below ([`applications`], [`stations`], …) declare one list
//! each; the caller pushes the list's rows in chunks as it pages through the query.

use std::io::Write;

use chrono::{DateTime, Datelike, NaiveDate, NaiveDateTime, Timelike, Utc};
use chrono_tz::Asia::Shanghai;
use rust_xlsxwriter::{ExcelDateTime, Format, FormatAlign, Workbook, XlsxError};
use stationhub_domain::account::Role;
use stationhub_domain::audit::AuditEntry;
use stationhub_domain::funds::Totals;
use stationhub_domain::station::{Indicator, StationStatus};
use stationhub_storage::applications::ApplicationRow;
use stationhub_storage::entity::station;
use stationhub_storage::funds::FundOverview;
use stationhub_storage::review::StationView;
use stationhub_storage::stations::{AssessmentRow, IndicatorReport, Ledger};

/// Rows a sheet can hold below its header row (Excel's limit is 1,048,576 rows in all).
pub const MAX_ROWS: u32 = 1_048_575;

/// Excel refuses longer text in a cell.
const MAX_TEXT_CHARS: usize = 32_767;

/// The content type of an .xlsx file.
pub const CONTENT_TYPE: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

#[derive(Debug, thiserror::Error)]
pub enum SheetError {
    /// More rows than a sheet can hold: the person should narrow the filters.
    #[error("导出的记录超过 Excel 单个工作表的上限（{MAX_ROWS} 行），请缩小筛选范围后再导出")]
    TooManyRows,
    #[error("生成 Excel 文件失败：{0}")]
    Xlsx(#[from] XlsxError),
}

/// What a column holds; it decides the cell format and the default width.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Text,
    /// A calendar date, `yyyy-mm-dd`.
    Date,
    /// A moment, in Beijing time, `yyyy-mm-dd hh:mm:ss`.
    DateTime,
    /// Yuan with two decimals, `#,##0.00`.
    Money,
    /// A whole number.
    Count,
}

/// One column: its Chinese header, what it holds and its width (in characters).
#[derive(Debug, Clone)]
pub struct Column {
    pub header: String,
    pub kind: Kind,
    pub width: f64,
}

impl Column {
    pub fn new(header: impl Into<String>, kind: Kind) -> Column {
        let width = match kind {
            Kind::Text => 16.0,
            Kind::Date => 12.0,
            Kind::DateTime => 19.0,
            Kind::Money => 15.0,
            Kind::Count => 9.0,
        };
        Column {
            header: header.into(),
            kind,
            width,
        }
    }

    pub fn width(mut self, width: f64) -> Column {
        self.width = width;
        self
    }
}

fn col(header: &str, kind: Kind) -> Column {
    Column::new(header, kind)
}

/// One typed cell.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Empty,
    Text(String),
    Date(NaiveDate),
    /// Local (Beijing) time.
    DateTime(NaiveDateTime),
    /// Integer fen; written as yuan.
    Money(i64),
    Count(i64),
}

impl Cell {
    pub fn text(s: impl Into<String>) -> Cell {
        Cell::Text(s.into())
    }

    /// A date cell, or an empty one.
    pub fn date(d: Option<NaiveDate>) -> Cell {
        d.map_or(Cell::Empty, Cell::Date)
    }

    /// A moment as Beijing time (the civil time of SPEC §5.2).
    pub fn moment(t: DateTime<Utc>) -> Cell {
        Cell::DateTime(t.with_timezone(&Shanghai).naive_local())
    }

    /// The local date of a moment, or an empty cell.
    pub fn local_date(t: Option<DateTime<Utc>>) -> Cell {
        Cell::date(t.map(|t| t.with_timezone(&Shanghai).date_naive()))
    }
}

/// Where a sheet of a [`Book`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SheetId(usize);

struct SheetState {
    columns: usize,
    kinds: Vec<Kind>,
    /// Rows written below the header.
    rows: u32,
}

struct Formats {
    header: Format,
    text: Format,
    date: Format,
    datetime: Format,
    money: Format,
    count: Format,
}

/// The generic writer: a workbook of constant-memory sheets, each with a header row and typed
/// rows written in order.
pub struct Book {
    workbook: Workbook,
    sheets: Vec<SheetState>,
    formats: Formats,
}

impl Default for Book {
    fn default() -> Self {
        Book::new()
    }
}

impl Book {
    pub fn new() -> Book {
        Book {
            workbook: Workbook::new(),
            sheets: Vec::new(),
            formats: Formats {
                header: Format::new()
                    .set_bold()
                    .set_background_color(0xDDEBF7)
                    .set_align(FormatAlign::Center),
                text: Format::new(),
                date: Format::new().set_num_format("yyyy-mm-dd"),
                datetime: Format::new().set_num_format("yyyy-mm-dd hh:mm:ss"),
                money: Format::new().set_num_format("#,##0.00"),
                count: Format::new().set_num_format("0"),
            },
        }
    }

    /// Adds a sheet named `name` (cut to Excel's 31 characters) with its header row; the top
    /// row stays in view and the columns get filters.
    pub fn sheet(&mut self, name: &str, columns: &[Column]) -> Result<SheetId, SheetError> {
        let index = self.sheets.len();
        let ws = self.workbook.add_worksheet_with_constant_memory()?;
        ws.set_name(sheet_name(name, index))?;
        for (c, column) in columns.iter().enumerate() {
            let c = col_num(c)?;
            ws.set_column_width(c, column.width)?;
            ws.write_string_with_format(0, c, &column.header, &self.formats.header)?;
        }
        ws.set_freeze_panes(1, 0)?;
        self.sheets.push(SheetState {
            columns: columns.len(),
            kinds: columns.iter().map(|c| c.kind).collect(),
            rows: 0,
        });
        Ok(SheetId(index))
    }

    /// Rows written so far below the header of `sheet`.
    pub fn rows(&self, sheet: SheetId) -> u32 {
        self.sheets.get(sheet.0).map_or(0, |s| s.rows)
    }

    /// Writes the next row of `sheet`.
    pub fn row(&mut self, sheet: SheetId, cells: &[Cell]) -> Result<(), SheetError> {
        let state = self
            .sheets
            .get_mut(sheet.0)
            .ok_or(XlsxError::UnknownWorksheetNameOrIndex(sheet.0.to_string()))?;
        if state.rows >= MAX_ROWS {
            return Err(SheetError::TooManyRows);
        }
        state.rows += 1;
        let r = state.rows;
        let ws = self.workbook.worksheet_from_index(sheet.0)?;
        let f = &self.formats;
        for (c, cell) in cells.iter().enumerate().take(state.columns) {
            let cn = col_num(c)?;
            match cell {
                Cell::Empty => {}
                Cell::Text(s) => {
                    if !s.is_empty() {
                        ws.write_string_with_format(r, cn, fit_text(s), &f.text)?;
                    }
                }
                Cell::Date(d) => {
                    ws.write_datetime_with_format(r, cn, excel_date(*d)?, &f.date)?;
                }
                Cell::DateTime(t) => {
                    let dt = excel_date(t.date())?.and_hms(
                        t.hour() as u16,
                        t.minute() as u8,
                        t.second(),
                    )?;
                    ws.write_datetime_with_format(r, cn, &dt, &f.datetime)?;
                }
                Cell::Money(fen) => {
                    // Exact to the fen: the nearest double to the decimal yuan amount.
                    ws.write_number_with_format(r, cn, *fen as f64 / 100.0, &f.money)?;
                }
                Cell::Count(n) => {
                    ws.write_number_with_format(r, cn, *n as f64, &f.count)?;
                }
            }
        }
        debug_assert!(
            cells
                .iter()
                .zip(&state.kinds)
                .all(|(cell, kind)| fits(cell, *kind)),
            "a cell of the wrong kind for its column"
        );
        Ok(())
    }

    /// Writes the finished .xlsx to `out` (a file, to keep memory flat, or a buffer).
    pub fn save<W: Write + Send>(mut self, out: W) -> Result<(), SheetError> {
        for (i, s) in self.sheets.iter().enumerate() {
            if s.columns > 0 {
                let last = col_num(s.columns - 1)?;
                self.workbook
                    .worksheet_from_index(i)?
                    .autofilter(0, 0, s.rows, last)?;
            }
        }
        self.workbook.save_to_writer(out)?;
        Ok(())
    }

    /// The finished .xlsx in memory.
    pub fn to_bytes(self) -> Result<Vec<u8>, SheetError> {
        let mut out = Vec::new();
        self.save(&mut out)?;
        Ok(out)
    }
}

fn fits(cell: &Cell, kind: Kind) -> bool {
    matches!(
        (cell, kind),
        (Cell::Empty, _)
            | (Cell::Text(_), Kind::Text)
            | (Cell::Date(_), Kind::Date)
            | (Cell::DateTime(_), Kind::DateTime)
            | (Cell::Money(_), Kind::Money)
            | (Cell::Count(_), Kind::Count)
    )
}

fn col_num(c: usize) -> Result<u16, SheetError> {
    u16::try_from(c).map_err(|_| SheetError::Xlsx(XlsxError::RowColumnLimitError))
}

fn excel_date(d: NaiveDate) -> Result<ExcelDateTime, XlsxError> {
    let year = u16::try_from(d.year()).map_err(|_| XlsxError::DateTimeRangeError(d.to_string()))?;
    ExcelDateTime::from_ymd(year, d.month() as u8, d.day() as u8)
}

/// Text Excel accepts: at most 32,767 characters.
fn fit_text(s: &str) -> String {
    if s.chars().count() <= MAX_TEXT_CHARS {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(MAX_TEXT_CHARS - 1).collect();
        t.push('…');
        t
    }
}

/// A sheet name Excel accepts: no `[]:*?/\`, not empty, at most 31 characters.
fn sheet_name(name: &str, index: usize) -> String {
    let clean: String = name
        .chars()
        .map(|c| {
            if "[]:*?/\\".contains(c) || c.is_control() {
                '_'
            } else {
                c
            }
        })
        .take(28)
        .collect();
    let clean = clean.trim_matches('\'').trim().to_string();
    if clean.is_empty() {
        format!("Sheet{}", index + 1)
    } else {
        clean
    }
}

/// How a record becomes its row.
type RowOf<T> = Box<dyn Fn(&T) -> Vec<Cell> + Send + Sync>;

/// A typed list: one sheet and how a record becomes its row.
pub struct List<T> {
    book: Book,
    sheet: SheetId,
    cells: RowOf<T>,
}

impl<T> List<T> {
    fn new(
        name: &str,
        columns: &[Column],
        cells: impl Fn(&T) -> Vec<Cell> + Send + Sync + 'static,
    ) -> Result<List<T>, SheetError> {
        let mut book = Book::new();
        let sheet = book.sheet(name, columns)?;
        Ok(List {
            book,
            sheet,
            cells: Box::new(cells),
        })
    }

    /// Appends a chunk of records.
    pub fn push(&mut self, records: &[T]) -> Result<(), SheetError> {
        for r in records {
            let cells = (self.cells)(r);
            self.book.row(self.sheet, &cells)?;
        }
        Ok(())
    }

    /// Records written so far.
    pub fn rows(&self) -> u32 {
        self.book.rows(self.sheet)
    }

    pub fn into_book(self) -> Book {
        self.book
    }
}

// ---------------------------------------------------------------------------------------------
// Labels of stored codes
// ---------------------------------------------------------------------------------------------

/// 运行中, 整改中 … for a station status code.
pub fn station_status_label(s: &str) -> String {
    StationStatus::parse(s).map_or_else(|_| s.to_string(), |x| x.label().to_string())
}

/// 国家级 / 省级 / 市级 for a level code.
fn level_label(s: &str) -> String {
    stationhub_domain::application::Level::parse(s)
        .map_or_else(|_| s.to_string(), |l| l.label().to_string())
}

/// A short header for an indicator code (the long labels carry the quarter's dates).
pub fn indicator_short_label(code: &str) -> String {
    match code {
        "agreement_progress" => "协议完成比例（%）".into(),
        "expert_days_year" => "全年专家服务天数".into(),
        "surveys" => "产业调研".into(),
        "research_outcomes" => "调研成果".into(),
        "trainings" => "科技骨干培训".into(),
        "breakthroughs" => "技术攻关".into(),
        "problems_solved" => "破解技术难题".into(),
        "achievements_transferred" => "推广转化成果".into(),
        c => match c.strip_prefix("expert_days_q") {
            Some(k) => format!("第{k}季度专家服务天数"),
            None => c.into(),
        },
    }
}

// ---------------------------------------------------------------------------------------------
// One function per list
// ---------------------------------------------------------------------------------------------

/// 申报书 list (`GET /api/v1/applications`).
pub fn applications() -> Result<List<ApplicationRow>, SheetError> {
    List::new(
        "申报书",
        &[
            col("编号", Kind::Count),
            col("服务站名称", Kind::Text).width(40.0),
            col("申报单位", Kind::Text).width(32.0),
            col("建站学会", Kind::Text).width(28.0),
            col("县市区", Kind::Text).width(10.0),
            col("申报批次", Kind::Text).width(22.0),
            col("申报级别", Kind::Text).width(10.0),
            col("重点产业领域", Kind::Text).width(14.0),
            col("状态", Kind::Text).width(14.0),
            col("提交日期", Kind::Date),
            col("最后修改时间", Kind::DateTime),
        ],
        |r: &ApplicationRow| {
            vec![
                Cell::Count(r.id),
                Cell::text(&r.station_name),
                Cell::text(&r.unit_name),
                Cell::text(&r.society_name),
                Cell::text(&r.county),
                Cell::text(&r.round_name),
                Cell::text(r.level.label()),
                Cell::text(&r.industry),
                Cell::text(r.state.label()),
                Cell::local_date(r.submitted_at),
                Cell::moment(r.updated_at),
            ]
        },
    )
}

/// 学会服务站名单 (`GET /api/v1/stations`).
pub fn stations() -> Result<List<StationView>, SheetError> {
    List::new(
        "学会服务站",
        &[
            col("编号", Kind::Count),
            col("学会服务站", Kind::Text).width(40.0),
            col("建站单位", Kind::Text).width(32.0),
            col("建站学会", Kind::Text).width(28.0),
            col("级别", Kind::Text).width(8.0),
            col("重点产业领域", Kind::Text).width(14.0),
            col("县市区", Kind::Text).width(10.0),
            col("授牌文号", Kind::Text).width(20.0),
            col("授牌日期", Kind::Date),
            col("服务期至", Kind::Date),
            col("状态", Kind::Text).width(8.0),
            col("来源", Kind::Text).width(10.0),
        ],
        |s: &StationView| {
            vec![
                Cell::Count(s.id),
                Cell::text(&s.name),
                Cell::text(&s.unit_name),
                Cell::text(&s.society_name),
                Cell::text(s.level.label()),
                Cell::text(&s.industry),
                Cell::text(&s.county),
                Cell::text(&s.document_number),
                Cell::Date(s.awarded_on),
                Cell::Date(s.term_ends_on),
                Cell::text(station_status_label(&s.status)),
                Cell::text(if s.imported {
                    "存量导入"
                } else {
                    "本系统授牌"
                }),
            ]
        },
    )
}

/// The indicator table of every running station (`GET /api/v1/indicators`): for each
/// indicator of `codes` (in their order) what was done and what is required.
pub fn indicators(
    codes: Vec<String>,
) -> Result<List<(station::Model, IndicatorReport)>, SheetError> {
    let mut columns = vec![
        col("编号", Kind::Count),
        col("学会服务站", Kind::Text).width(40.0),
        col("状态", Kind::Text).width(8.0),
        col("考核年度（第几年）", Kind::Count).width(10.0),
        col("年度起", Kind::Date),
        col("年度止", Kind::Date),
        col("未达标项数", Kind::Count).width(10.0),
    ];
    for code in &codes {
        let label = indicator_short_label(code);
        columns.push(col(&format!("{label}·完成"), Kind::Count).width(12.0));
        columns.push(col(&format!("{label}·要求"), Kind::Count).width(12.0));
    }
    columns.push(col("提醒", Kind::Text).width(40.0));
    List::new(
        "考核指标",
        &columns,
        move |(s, r): &(station::Model, IndicatorReport)| {
            let mut cells = vec![
                Cell::Count(s.id),
                Cell::text(&s.name),
                Cell::text(station_status_label(&s.status)),
                Cell::Count(i64::from(r.year)),
                Cell::Date(r.year_starts_on),
                Cell::Date(r.year_ends_on),
                Cell::Count(r.items.iter().filter(|i| !i.met).count() as i64),
            ];
            for code in &codes {
                match r.items.iter().find(|i: &&Indicator| &i.code == code) {
                    Some(i) => {
                        cells.push(Cell::Count(i64::from(i.actual)));
                        cells.push(Cell::Count(i64::from(i.required)));
                    }
                    None => cells.extend([Cell::Empty, Cell::Empty]),
                }
            }
            cells.push(Cell::text(r.warning.clone().unwrap_or_default()));
            cells
        },
    )
}

/// The city-wide assessment list (`GET /api/v1/assessments`).
pub fn assessments() -> Result<List<AssessmentRow>, SheetError> {
    List::new(
        "年度考核",
        &[
            col("编号", Kind::Count),
            col("学会服务站", Kind::Text).width(40.0),
            col("建站单位", Kind::Text).width(32.0),
            col("县市区", Kind::Text).width(10.0),
            col("级别", Kind::Text).width(8.0),
            col("考核年度（第几年）", Kind::Count).width(10.0),
            col("得分", Kind::Count).width(8.0),
            col("等次", Kind::Text).width(8.0),
            col("处理", Kind::Text).width(34.0),
            col("整改期限", Kind::Date),
            col("考核日期", Kind::Date),
            col("考核意见", Kind::Text).width(40.0),
        ],
        |a: &AssessmentRow| {
            vec![
                Cell::Count(a.id),
                Cell::text(&a.station_name),
                Cell::text(&a.unit_name),
                Cell::text(&a.county),
                Cell::text(a.level.label()),
                Cell::Count(i64::from(a.year)),
                Cell::Count(i64::from(a.score)),
                Cell::text(&a.grade),
                Cell::text(stationhub_domain::station::Consequence::label_of(
                    &a.consequence,
                )),
                Cell::date(a.rectify_by),
                Cell::Date(a.decided_on),
                Cell::text(&a.opinion),
            ]
        },
    )
}

/// The audit log (`GET /api/v1/audit`), newest first.
pub fn audit() -> Result<List<AuditEntry>, SheetError> {
    List::new(
        "审计日志",
        &[
            col("序号", Kind::Count),
            col("时间", Kind::DateTime),
            col("操作人", Kind::Text).width(18.0),
            col("角色", Kind::Text).width(12.0),
            col("操作", Kind::Text).width(24.0),
            col("对象类型", Kind::Text).width(14.0),
            col("对象编号", Kind::Text).width(10.0),
            col("变更前", Kind::Text).width(40.0),
            col("变更后", Kind::Text).width(40.0),
            col("哈希", Kind::Text).width(20.0),
        ],
        |e: &AuditEntry| {
            let at = DateTime::parse_from_rfc3339(&e.at)
                .map_or_else(|_| Cell::text(&e.at), |t| Cell::moment(t.to_utc()));
            vec![
                Cell::Count(e.seq),
                at,
                Cell::text(&e.actor_username),
                Cell::text(
                    Role::parse(&e.actor_role)
                        .map_or_else(|_| e.actor_role.clone(), |r| r.label().to_string()),
                ),
                Cell::text(&e.action),
                Cell::text(&e.entity),
                Cell::text(e.entity_id.clone().unwrap_or_default()),
                Cell::text(&e.before),
                Cell::text(&e.after),
                Cell::text(&e.hash),
            ]
        },
    )
}

/// A station's fund ledger (`GET /api/v1/stations/{id}/ledger`): the entries in the ledger's
/// order, and a second sheet with the balance.
pub fn ledger(station_name: &str, l: &Ledger) -> Result<Book, SheetError> {
    let mut book = Book::new();
    let lines = book.sheet(
        "经费台账",
        &[
            col("日期", Kind::Date),
            col("类别", Kind::Text).width(8.0),
            col("金额（元）", Kind::Money),
            col("状态", Kind::Text).width(8.0),
            col("支付日期", Kind::Date),
            col("开支科目", Kind::Text).width(20.0),
            col("说明", Kind::Text).width(30.0),
            col("文件", Kind::Text).width(24.0),
            col("凭证", Kind::Text).width(8.0),
        ],
    )?;
    for e in &l.entries {
        book.row(
            lines,
            &[
                Cell::Date(e.date),
                Cell::text(stationhub_domain::funds::entry_kind_label(&e.kind)),
                Cell::Money(e.amount_fen),
                Cell::text(stationhub_domain::funds::entry_status_label(&e.status)),
                Cell::date(e.paid_on),
                Cell::text(&e.category),
                Cell::text(&e.note),
                Cell::text(&e.document),
                Cell::text(if e.voucher_file_id.is_some() {
                    "已上传"
                } else if e.voucher_missing {
                    "缺凭证"
                } else {
                    ""
                }),
            ],
        )?;
    }
    let summary = book.sheet(
        "余额",
        &[
            col("学会服务站", Kind::Text).width(40.0),
            col("经费余额（元）", Kind::Money),
        ],
    )?;
    book.row(
        summary,
        &[Cell::text(station_name), Cell::Money(l.balance_fen)],
    )?;
    Ok(book)
}

fn totals_cells(t: &Totals) -> [Cell; 5] {
    [
        Cell::Money(t.grants_due.0),
        Cell::Money(t.grants_paid.0),
        Cell::Money(t.expenses.0),
        Cell::Money(t.recoveries.0),
        Cell::Money(t.balance().0),
    ]
}

/// The fund overview (`GET /api/v1/funds`): one sheet per station, by year, by expense
/// category, and the totals.
pub fn funds(o: &FundOverview) -> Result<Book, SheetError> {
    let mut book = Book::new();
    let money = |h: &str| col(h, Kind::Money);
    let stations = book.sheet(
        "各服务站",
        &[
            col("编号", Kind::Count),
            col("学会服务站", Kind::Text).width(40.0),
            col("建站单位", Kind::Text).width(32.0),
            col("级别", Kind::Text).width(8.0),
            col("县市区", Kind::Text).width(10.0),
            col("状态", Kind::Text).width(8.0),
            money("待拨付资助（元）"),
            money("已拨付资助（元）"),
            money("支出（元）"),
            money("追回（元）"),
            money("结余（元）"),
            col("缺凭证（笔）", Kind::Count).width(12.0),
        ],
    )?;
    for r in &o.rows {
        let mut cells = vec![
            Cell::Count(r.station_id),
            Cell::text(&r.station_name),
            Cell::text(&r.unit),
            Cell::text(level_label(&r.level)),
            Cell::text(&r.county),
            Cell::text(station_status_label(&r.status)),
        ];
        cells.extend(totals_cells(&r.totals));
        cells.push(Cell::Count(i64::from(r.vouchers_missing)));
        book.row(stations, &cells)?;
    }
    let years = book.sheet(
        "各年度",
        &[
            col("年度", Kind::Count).width(8.0),
            money("待拨付资助（元）"),
            money("已拨付资助（元）"),
            money("支出（元）"),
            money("追回（元）"),
            money("当年净额（元）"),
        ],
    )?;
    for y in &o.by_year {
        let mut cells = vec![Cell::Count(i64::from(y.year))];
        cells.extend(totals_cells(&y.totals));
        book.row(years, &cells)?;
    }
    let categories = book.sheet(
        "开支科目",
        &[col("开支科目", Kind::Text).width(30.0), money("金额（元）")],
    )?;
    for c in &o.by_category {
        book.row(
            categories,
            &[Cell::text(&c.category), Cell::Money(c.amount_fen)],
        )?;
    }
    let totals = book.sheet(
        "合计",
        &[
            col("范围", Kind::Text).width(14.0),
            money("待拨付资助（元）"),
            money("已拨付资助（元）"),
            money("支出（元）"),
            money("追回（元）"),
            money("结余（元）"),
        ],
    )?;
    let scope = match o.year {
        Some(y) => format!("{y} 年"),
        None => "全部年度".into(),
    };
    let mut cells = vec![Cell::Text(scope)];
    cells.extend(totals_cells(&o.totals));
    book.row(totals, &cells)?;
    Ok(book)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_text_is_cut_to_what_excel_accepts() {
        let s = "审".repeat(40_000);
        let t = fit_text(&s);
        assert_eq!(t.chars().count(), MAX_TEXT_CHARS);
        assert!(t.ends_with('…'));
        assert_eq!(fit_text("短"), "短");
    }

    #[test]
    fn sheet_names_are_what_excel_accepts() {
        assert_eq!(sheet_name("a/b:c", 0), "a_b_c");
        assert_eq!(sheet_name("", 2), "Sheet3");
        assert!(sheet_name(&"长".repeat(50), 0).chars().count() <= 31);
    }

    #[test]
    fn a_book_with_typed_cells_is_written() {
        let mut book = Book::new();
        let s = book
            .sheet(
                "测试",
                &[
                    col("日期", Kind::Date),
                    col("金额", Kind::Money),
                    col("数量", Kind::Count),
                    col("名称", Kind::Text),
                    col("时间", Kind::DateTime),
                ],
            )
            .unwrap();
        let d = NaiveDate::from_ymd_opt(2026, 3, 10).unwrap();
        book.row(
            s,
            &[
                Cell::Date(d),
                Cell::Money(5_000_000),
                Cell::Count(3),
                Cell::text("益阳"),
                Cell::DateTime(d.and_hms_opt(8, 30, 0).unwrap()),
            ],
        )
        .unwrap();
        assert_eq!(book.rows(s), 1);
        let bytes = book.to_bytes().unwrap();
        assert!(bytes.starts_with(b"PK"));
    }
}
