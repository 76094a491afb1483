//! 存量服务站导入 (第八条; SPEC §3 rule 17): stations named before the measures come in from a
//! spreadsheet, all or none.
//!
//! [`read_sheet`] turns the first worksheet of an .xlsx file into the domain's [`Sheet`] (text
//! and dates, with Excel line numbers); [`template_xlsx`] writes the template people fill in.
//! [`Store::import_stations`] gathers what the database holds of the file's credit codes,
//! societies and document numbers, lets the domain judge every row
//! ([`stationhub_domain::import::validate`]) and, when every row is good, records them in one
//! transaction: each unit (reused by credit code) and society (reused by name), the record of
//! the original naming (an application in state `awarded` in a round of kind `import`) and the
//! station, each with its audit entry.

use std::collections::{BTreeMap, HashMap};
use std::io::Cursor;

use calamine::{DataRef, Reader, Xlsx, open_workbook_from_rs};
use chrono::{Datelike, NaiveDate, SecondsFormat, Utc};
use rust_xlsxwriter::{
    Color, DataValidation, DataValidationErrorStyle, ExcelDateTime, Format, FormatBorder, Workbook,
    Worksheet, XlsxError,
};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect, Set,
};
use serde::Serialize;
use stationhub_domain::DomainError;
use stationhub_domain::application::{Level, Route, State, UnitNature};
use stationhub_domain::import::{
    Cell, Column, Existing, ImportRow, RowError, Sheet, SheetRow, example_row, keys, validate,
};
use stationhub_domain::policy::Policy;

use crate::audit::Change;
use crate::entity::{application, application_event, county, round, society, station, unit};
use crate::{Actor, Store, StoreError, Tx};

/// The most lines a sheet may have (header included); a city has hundreds of stations at most.
pub const MAX_LINES: u32 = 10_000;
/// Columns beyond this are ignored (the template has 13).
const MAX_COLUMNS: u32 = 64;
/// Values per `IN (…)` list.
const CHUNK: usize = 500;

fn unreadable() -> DomainError {
    DomainError::invalid(
        "file",
        "无法读取该文件：请上传 .xlsx 格式的 Excel 文件（可先下载导入模板，按模板填写）",
    )
}

/// Reads the first worksheet of an .xlsx file: every non-empty row with its Excel line number.
/// Cells are streamed, so a stray cell far down the sheet costs nothing; more than
/// [`MAX_LINES`] lines are refused.
///
/// The spreadsheet reader panics on some malformed files (with overflow checks on, a cell
/// reference of many letters overflows calamine's column number: found by the fuzz target
/// `import_sheet`): such a file is refused as unreadable rather than ending the import or the
/// request.
pub fn read_sheet(bytes: &[u8]) -> Result<Sheet, DomainError> {
    std::panic::catch_unwind(|| read_first_sheet(bytes)).unwrap_or_else(|_| Err(unreadable()))
}

fn read_first_sheet(bytes: &[u8]) -> Result<Sheet, DomainError> {
    let mut book: Xlsx<_> = open_workbook_from_rs(Cursor::new(bytes)).map_err(|_| unreadable())?;
    let first = book.sheet_names().first().cloned().ok_or_else(unreadable)?;
    let mut reader = book
        .worksheet_cells_reader(&first)
        .map_err(|_| unreadable())?;
    let mut rows: BTreeMap<u32, BTreeMap<u32, Cell>> = BTreeMap::new();
    while let Some(c) = reader.next_cell().map_err(|_| unreadable())? {
        let (row, col) = c.get_position();
        let cell = cell_of(c.get_value());
        if cell == Cell::Empty || col >= MAX_COLUMNS {
            continue;
        }
        if row >= MAX_LINES {
            return Err(DomainError::invalid(
                "file",
                format!(
                    "文件超过 {MAX_LINES} 行（第 {} 行仍有内容），请分批导入",
                    row + 1
                ),
            ));
        }
        rows.entry(row).or_default().insert(col, cell);
    }
    Ok(Sheet {
        rows: rows
            .into_iter()
            .map(|(row, cells)| {
                let width = cells.keys().next_back().map(|c| c + 1).unwrap_or(0) as usize;
                let mut v = vec![Cell::Empty; width];
                for (col, cell) in cells {
                    v[col as usize] = cell;
                }
                SheetRow {
                    line: row + 1,
                    cells: v,
                }
            })
            .collect(),
    })
}

/// One cell as the domain reads it: text, or a date for an Excel date cell. Numbers become
/// their text (whole numbers without decimals).
fn cell_of(v: &DataRef<'_>) -> Cell {
    match v {
        DataRef::Empty => Cell::Empty,
        DataRef::String(s) => Cell::text(s.as_str()),
        DataRef::SharedString(s) => Cell::text(*s),
        DataRef::Int(i) => Cell::text(i.to_string()),
        DataRef::Float(f) => Cell::text(number_text(*f)),
        DataRef::Bool(b) => Cell::text(if *b { "是" } else { "否" }),
        DataRef::DateTime(dt) if dt.is_datetime() => {
            let (y, m, d, ..) = dt.to_ymd_hms_milli();
            NaiveDate::from_ymd_opt(i32::from(y), u32::from(m), u32::from(d))
                .map(Cell::Date)
                .unwrap_or_else(|| Cell::text(number_text(dt.as_f64())))
        }
        DataRef::DateTime(dt) => Cell::text(number_text(dt.as_f64())),
        DataRef::DateTimeIso(s) => s
            .get(..10)
            .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
            .map(Cell::Date)
            .unwrap_or_else(|| Cell::text(s.as_str())),
        DataRef::DurationIso(s) => Cell::text(s.as_str()),
        DataRef::Error(e) => Cell::text(format!("#{e}")),
    }
}

fn number_text(f: f64) -> String {
    if f.fract() == 0.0 && f.abs() < 1e15 {
        format!("{}", f as i64)
    } else {
        f.to_string()
    }
}

/// The import template: the header row and one example row on the first sheet (with drop-down
/// lists of the allowed values), and "填写说明" explaining every column with the values of the
/// policy file.
pub fn template_xlsx(policy: &Policy, today: NaiveDate) -> Result<Vec<u8>, String> {
    build_template(policy, today).map_err(|e| format!("导入模板生成失败：{e}"))
}

fn build_template(policy: &Policy, today: NaiveDate) -> Result<Vec<u8>, XlsxError> {
    let head = Format::new()
        .set_bold()
        .set_background_color(Color::RGB(0xDDEBF7))
        .set_border(FormatBorder::Thin);
    let optional_head = head.clone().set_font_color(Color::RGB(0x7F7F7F));
    let example = Format::new().set_font_color(Color::RGB(0x7F7F7F));
    let example_date = example.clone().set_num_format("yyyy-mm-dd");
    let date = Format::new().set_num_format("yyyy-mm-dd");
    let text = Format::new().set_num_format("@");
    let wrap = Format::new().set_text_wrap();

    let mut sheet = Worksheet::new();
    sheet.set_name("存量服务站")?;
    let last_row = MAX_LINES - 1;
    for (i, c) in Column::ALL.into_iter().enumerate() {
        let col = i as u16;
        let f = if c.required() { &head } else { &optional_head };
        sheet.write_string_with_format(0, col, c.header(), f)?;
        sheet.set_column_width(
            col,
            if c.header().chars().count() > 6 {
                26
            } else {
                16
            },
        )?;
        match c {
            Column::AwardedOn | Column::TermEndsOn => {
                sheet.set_column_format(col, &date)?;
            }
            Column::CreditCode | Column::DocumentNumber => {
                sheet.set_column_format(col, &text)?;
            }
            _ => {}
        }
        let choices: Option<Vec<String>> = match c {
            Column::Level | Column::SocietyLevel => {
                Some(Level::ALL.map(|l| l.label().to_string()).to_vec())
            }
            Column::Industry => Some(policy.application.industries.clone()),
            Column::Nature => Some(UnitNature::ALL.map(|n| n.label().to_string()).to_vec()),
            Column::County => Some(policy.region.counties.clone()),
            _ => None,
        };
        // Excel limits a list to 255 characters; a longer one is explained on 填写说明 only.
        if let Some(list) = choices
            && let Ok(v) = DataValidation::new().allow_list_strings(&list)
        {
            // Levels may also be written as national / 全国学会 …: a warning, not a stop.
            let v = if matches!(c, Column::Level | Column::SocietyLevel) {
                v.set_error_style(DataValidationErrorStyle::Warning)
                    .set_error_message("建议从下拉列表中选择（其他写法见“填写说明”工作表）")?
            } else {
                v.set_error_message("请从下拉列表中选择（见“填写说明”工作表）")?
            };
            let v = v.set_error_title(c.header())?;
            sheet.add_data_validation(1, col, last_row, col, &v)?;
        }
    }
    for (i, cell) in example_row(policy, today).into_iter().enumerate() {
        let col = i as u16;
        match cell {
            Cell::Empty => {}
            Cell::Text(t) => {
                sheet.write_string_with_format(1, col, t, &example)?;
            }
            Cell::Date(d) => {
                let d = ExcelDateTime::from_ymd(d.year() as u16, d.month() as u8, d.day() as u8)?;
                sheet.write_datetime_with_format(1, col, &d, &example_date)?;
            }
        }
    }
    sheet.set_freeze_panes(1, 0)?;

    let mut help = Worksheet::new();
    help.set_name("填写说明")?;
    help.set_column_width(0, 20)?;
    help.set_column_width(1, 10)?;
    help.set_column_width(2, 90)?;
    let notes = [
        "存量服务站导入模板：用于导入本办法施行前已认定的学会服务站（第八条），导入后可按本办法重新认定。".to_string(),
        "在“存量服务站”工作表中，第 1 行为表头（请勿修改），从第 2 行起每行填写一个服务站。第 2 行为示例（灰色），导入前请删除或改为实际数据。".to_string(),
        "导入时逐行检查全部数据：只要有一行有误，整个文件都不导入，并列出每个有误的行号、列名和原因；改正后重新导入即可。".to_string(),
        "系统中已登记的建站单位按统一社会信用代码沿用，学会按名称沿用；没有的按本表新建，其余资料由单位和学会登录后补充。".to_string(),
        format!(
            "授牌日期不能晚于导入当天；合作期满日期不填时按授牌日期起 {} 年计算，已期满的服务站导入后状态为“已期满”。",
            policy.application.term_years
        ),
    ];
    for (i, n) in notes.iter().enumerate() {
        help.write_string_with_format(i as u32, 0, n, &Format::new())?;
    }
    let top = notes.len() as u32 + 1;
    for (col, h) in ["列名", "是否必填", "填写说明"].into_iter().enumerate() {
        help.write_string_with_format(top, col as u16, h, &head)?;
    }
    for (i, c) in Column::ALL.into_iter().enumerate() {
        let row = top + 1 + i as u32;
        help.write_string(row, 0, c.header())?;
        help.write_string(row, 1, if c.required() { "必填" } else { "选填" })?;
        help.write_string_with_format(row, 2, c.help(policy), &wrap)?;
    }
    // The allowed values, one list per column, below the explanations.
    let lists: [(&str, Vec<String>); 4] = [
        (
            "级别 / 学会级别",
            Level::ALL
                .map(|l| format!("{}（{}）", l.label(), l.as_str()))
                .to_vec(),
        ),
        ("行业", policy.application.industries.clone()),
        (
            "单位性质",
            UnitNature::ALL.map(|n| n.label().to_string()).to_vec(),
        ),
        ("所属县（市、区）", policy.region.counties.clone()),
    ];
    let top = top + Column::ALL.len() as u32 + 2;
    help.write_string_with_format(top, 0, "可填写的值", &head)?;
    for (col, (name, values)) in lists.iter().enumerate() {
        let col = col as u16 + 4;
        help.set_column_width(col, 18)?;
        help.write_string_with_format(top, col, *name, &head)?;
        for (i, v) in values.iter().enumerate() {
            help.write_string(top + 1 + i as u32, col, v)?;
        }
    }

    let mut book = Workbook::new();
    book.push_worksheet(sheet);
    book.push_worksheet(help);
    book.save_to_buffer()
}

/// What an import did, or would do (`dry_run`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ImportSummary {
    /// Stations imported (or that would be).
    pub stations: usize,
    pub active: usize,
    pub expired: usize,
    pub units_created: usize,
    pub societies_created: usize,
    /// The round holding the records of this import (none on a dry run).
    pub round_id: Option<i64>,
    pub dry_run: bool,
}

/// The answer of an import: done (or checked), or refused with every bad row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ImportOutcome {
    Done(ImportSummary),
    Refused(Vec<RowError>),
}

/// What the database holds of the file's values, and the ids to reuse.
#[derive(Default)]
struct Found {
    existing: Existing,
    /// Units by credit code: id and county.
    units: HashMap<String, (i64, i64)>,
    /// Societies by name: id.
    societies: HashMap<String, i64>,
}

async fn found<C: ConnectionTrait>(
    db: &C,
    sheet: &Sheet,
    lock: Option<&Tx>,
) -> Result<Found, StoreError> {
    let k = keys(sheet);
    let mut f = Found::default();
    for chunk in k.document_numbers.chunks(CHUNK) {
        let taken: Vec<String> = station::Entity::find()
            .select_only()
            .column(station::Column::DocumentNumber)
            .filter(station::Column::DocumentNumber.is_in(chunk.to_vec()))
            .into_tuple()
            .all(db)
            .await?;
        f.existing.document_numbers.extend(taken);
    }
    for chunk in k.credit_codes.chunks(CHUNK) {
        for u in unit::Entity::find()
            .filter(unit::Column::CreditCode.is_in(chunk.to_vec()))
            .all(db)
            .await?
        {
            f.units.insert(u.credit_code.clone(), (u.id, u.county_id));
            f.existing.units.insert(u.credit_code, u.name);
        }
    }
    let mut names: HashMap<i64, String> = HashMap::new();
    for chunk in k.society_names.chunks(CHUNK) {
        for s in society::Entity::find()
            .filter(society::Column::Name.is_in(chunk.to_vec()))
            .all(db)
            .await?
        {
            if let Ok(l) = Level::parse(&s.level) {
                f.existing.societies.insert(s.name.clone(), l);
            }
            f.societies.insert(s.name.clone(), s.id);
            names.insert(s.id, s.name);
        }
    }
    // 第七条（七）: taken one at a time with the submissions naming the same society.
    if let Some(tx) = lock {
        let mut ids: Vec<i64> = names.keys().copied().collect();
        ids.sort_unstable();
        for id in ids {
            tx.lock(crate::locks::SOCIETY_BASE + id).await?;
        }
    }
    let ids: Vec<i64> = names.keys().copied().collect();
    for chunk in ids.chunks(CHUNK) {
        for s in station::Entity::find()
            .filter(station::Column::SocietyId.is_in(chunk.to_vec()))
            .filter(station::Column::Status.is_in(["active", "rectifying"]))
            .all(db)
            .await?
        {
            if let Some(n) = names.get(&s.society_id) {
                f.existing
                    .society_holds
                    .insert(n.clone(), format!("运行中的服务站“{}”", s.name));
            }
        }
        let pending: Vec<&str> = State::ALL
            .into_iter()
            .filter(|s| s.is_pending())
            .map(State::as_str)
            .collect();
        for a in application::Entity::find()
            .filter(application::Column::SocietyId.is_in(chunk.to_vec()))
            .filter(application::Column::State.is_in(pending))
            .all(db)
            .await?
        {
            if let Some(n) = names.get(&a.society_id) {
                f.existing
                    .society_holds
                    .entry(n.clone())
                    .or_insert_with(|| {
                        if a.station_name.is_empty() {
                            format!("正在办理的申报（申报书 #{}）", a.id)
                        } else {
                            format!("正在办理的申报“{}”", a.station_name)
                        }
                    });
            }
        }
    }
    Ok(f)
}

impl Store {
    /// Checks every row of `sheet` and, unless `dry_run`, imports them all in one transaction
    /// (or nothing, when any row is bad). `actor` is recorded on every audit entry.
    pub async fn import_stations(
        &self,
        actor: &Actor,
        sheet: &Sheet,
        dry_run: bool,
        today: NaiveDate,
        policy: &Policy,
    ) -> Result<ImportOutcome, StoreError> {
        if dry_run {
            let f = found(self.db(), sheet, None).await?;
            return Ok(match validate(sheet, &f.existing, policy, today) {
                Err(errors) => ImportOutcome::Refused(errors),
                Ok(rows) => ImportOutcome::Done(summary(&rows, &f, None, true)),
            });
        }
        let tx = self.begin().await?;
        tx.lock(crate::locks::DOC).await?;
        let f = found(tx.conn(), sheet, Some(&tx)).await?;
        let rows = match validate(sheet, &f.existing, policy, today) {
            Err(errors) => return Ok(ImportOutcome::Refused(errors)),
            Ok(rows) => rows,
        };
        let round_id = import_round(&tx, actor, today).await?;
        let s = summary(&rows, &f, Some(round_id), false);
        let counties: HashMap<String, i64> = county::Entity::find()
            .all(tx.conn())
            .await?
            .into_iter()
            .map(|c| (c.name, c.id))
            .collect();
        let mut units = f.units;
        let mut societies = f.societies;
        for r in &rows {
            let (unit_id, county_id) = match units.get(&r.unit.credit_code) {
                Some(u) => *u,
                None => {
                    let county_id = *counties.get(&r.unit.county).ok_or_else(|| {
                        DomainError::invalid("county", format!("县市区“{}”不存在", r.unit.county))
                    })?;
                    let id = create_unit(&tx, actor, r, county_id).await?;
                    units.insert(r.unit.credit_code.clone(), (id, county_id));
                    (id, county_id)
                }
            };
            let society_id = match societies.get(&r.society_name) {
                Some(id) => *id,
                None => {
                    let id = create_society(&tx, actor, r).await?;
                    societies.insert(r.society_name.clone(), id);
                    id
                }
            };
            record_station(
                &tx, actor, r, round_id, unit_id, society_id, county_id, policy,
            )
            .await?;
        }
        tx.commit().await?;
        Ok(ImportOutcome::Done(s))
    }
}

fn summary(rows: &[ImportRow], f: &Found, round_id: Option<i64>, dry_run: bool) -> ImportSummary {
    let mut codes: Vec<&str> = rows
        .iter()
        .map(|r| r.unit.credit_code.as_str())
        .filter(|c| !f.units.contains_key(*c))
        .collect();
    codes.sort_unstable();
    codes.dedup();
    let mut names: Vec<&str> = rows
        .iter()
        .map(|r| r.society_name.as_str())
        .filter(|n| !f.societies.contains_key(*n))
        .collect();
    names.sort_unstable();
    names.dedup();
    let active = rows
        .iter()
        .filter(|r| r.status == stationhub_domain::station::StationStatus::Active)
        .count();
    ImportSummary {
        stations: rows.len(),
        active,
        expired: rows.len() - active,
        units_created: codes.len(),
        societies_created: names.len(),
        round_id,
        dry_run,
    }
}

/// The round of kind `import` holding this import's records, named after the day.
async fn import_round(tx: &Tx, actor: &Actor, today: NaiveDate) -> Result<i64, StoreError> {
    let base = format!("存量服务站导入（{today}）");
    let same_day = round::Entity::find()
        .filter(round::Column::Kind.eq(round::KIND_IMPORT))
        .filter(round::Column::OpensOn.eq(today))
        .all(tx.conn())
        .await?
        .len();
    let name = if same_day == 0 {
        base
    } else {
        format!("{base}第 {} 批", same_day + 1)
    };
    let m = round::ActiveModel {
        name: Set(name.clone()),
        opens_on: Set(today),
        closes_on: Set(today),
        municipal_quota: Set(0),
        provincial_quota: Set(None),
        national_quota: Set(None),
        created_at: Set(Utc::now()),
        kind: Set(round::KIND_IMPORT.into()),
        ..Default::default()
    }
    .insert(tx.conn())
    .await?;
    tx.audit(
        actor,
        Change::new("round.create", "round", m.id).after(serde_json::json!({
            "name": name, "kind": round::KIND_IMPORT, "opens_on": today, "closes_on": today,
        })),
    )
    .await?;
    Ok(m.id)
}

async fn create_unit(
    tx: &Tx,
    actor: &Actor,
    r: &ImportRow,
    county_id: i64,
) -> Result<i64, StoreError> {
    let now = Utc::now();
    let u = &r.unit;
    // What the sheet does not say is left empty (false) for the unit to complete.
    let m = unit::ActiveModel {
        name: Set(u.name.clone()),
        credit_code: Set(u.credit_code.clone()),
        nature: Set(u.nature.label().to_string()),
        county_id: Set(county_id),
        legal_rep: Set(u.legal_rep.clone()),
        address: Set(String::new()),
        postcode: Set(String::new()),
        contact_name: Set(String::new()),
        contact_phone: Set(String::new()),
        contact_mobile: Set(String::new()),
        fax: Set(String::new()),
        email: Set(String::new()),
        qq_wechat: Set(String::new()),
        registered_in_yiyang: Set(false),
        independent_legal_person: Set(false),
        has_funded_expert_workstation: Set(false),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(tx.conn())
    .await
    .map_err(|e| crate::orgs::conflict_on_unique(e, "该统一社会信用代码的单位已存在"))?;
    tx.audit(
        actor,
        Change::new("unit.create", "unit", m.id).after(serde_json::json!({
            "name": u.name, "credit_code": u.credit_code, "nature": u.nature.label(),
            "county": u.county, "legal_rep": u.legal_rep, "source": "import", "line": r.line,
        })),
    )
    .await?;
    Ok(m.id)
}

async fn create_society(tx: &Tx, actor: &Actor, r: &ImportRow) -> Result<i64, StoreError> {
    let now = Utc::now();
    let m = society::ActiveModel {
        name: Set(r.society_name.clone()),
        level: Set(r.society_level.as_str().to_string()),
        legal_rep: Set(String::new()),
        legal_rep_title: Set(String::new()),
        legal_rep_mobile: Set(String::new()),
        address: Set(String::new()),
        postcode: Set(String::new()),
        contact_name: Set(String::new()),
        contact_title: Set(String::new()),
        contact_mobile: Set(String::new()),
        phone_fax: Set(String::new()),
        qq: Set(String::new()),
        email: Set(String::new()),
        wechat: Set(String::new()),
        description: Set(String::new()),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(tx.conn())
    .await
    .map_err(|e| crate::orgs::conflict_on_unique(e, "同名学会已存在"))?;
    tx.audit(
        actor,
        Change::new("society.create", "society", m.id).after(serde_json::json!({
            "name": r.society_name, "level": r.society_level.as_str(), "source": "import",
            "line": r.line,
        })),
    )
    .await?;
    Ok(m.id)
}

/// The record of the original naming (an application in state `awarded`, never reviewed) and
/// the station, with the application's history and the station's audit entry.
#[allow(clippy::too_many_arguments)]
async fn record_station(
    tx: &Tx,
    actor: &Actor,
    r: &ImportRow,
    round_id: i64,
    unit_id: i64,
    society_id: i64,
    county_id: i64,
    policy: &Policy,
) -> Result<(), StoreError> {
    let now = Utc::now();
    let awarded = State::Awarded.as_str();
    let a = application::ActiveModel {
        round_id: Set(round_id),
        unit_id: Set(unit_id),
        society_id: Set(society_id),
        county_id: Set(county_id),
        station_name: Set(r.station_name.clone()),
        level: Set(r.level.as_str().into()),
        industry: Set(r.industry.clone()),
        industry_other: Set(String::new()),
        unit_overview: Set(String::new()),
        industry_overview: Set(String::new()),
        society_overview: Set(String::new()),
        work_plan: Set(String::new()),
        term_years: Set(r.term_years as i32),
        term_reason: Set(if r.term_years == policy.application.term_years {
            String::new()
        } else {
            "本办法施行前认定，合作期限按原授牌文件".into()
        }),
        route: Set(Route::Direct.as_str().into()),
        state: Set(awarded.into()),
        returned_from: Set(None),
        confirmation_requested_at: Set(None),
        confirmed_at: Set(None),
        confirmation_opinion: Set(String::new()),
        // Entered into the system by this import: seen by whoever sees submitted applications.
        submitted_at: Set(Some(now)),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(tx.conn())
    .await?;
    let s = station::ActiveModel {
        application_id: Set(a.id),
        name: Set(r.station_name.clone()),
        level: Set(r.level.as_str().into()),
        industry: Set(r.industry.clone()),
        unit_id: Set(unit_id),
        society_id: Set(society_id),
        county_id: Set(county_id),
        round_id: Set(round_id),
        document_number: Set(r.document_number.clone()),
        awarded_on: Set(r.awarded_on),
        term_ends_on: Set(r.term_ends_on),
        status: Set(r.status.as_str().into()),
        created_at: Set(now),
        updated_at: Set(now),
        imported: Set(true),
        ..Default::default()
    }
    .insert(tx.conn())
    .await
    .map_err(|e| {
        crate::orgs::conflict_on_unique(
            e,
            &format!("授牌文号“{}”已被使用（第八条（四））", r.document_number),
        )
    })?;
    application_event::ActiveModel {
        application_id: Set(a.id),
        at: Set(now.to_rfc3339_opts(SecondsFormat::Secs, true)),
        actor_id: Set(actor.id),
        actor_name: Set(actor.username.clone()),
        actor_role: Set(actor.role.clone()),
        organisation: Set(String::new()),
        action: Set("import".into()),
        from_state: Set(awarded.into()),
        to_state: Set(awarded.into()),
        opinion: Set(format!(
            "本办法施行前认定的服务站导入系统：原授牌文号 {}，授牌日期 {}（导入文件第 {} 行）",
            r.document_number, r.awarded_on, r.line
        )),
        ..Default::default()
    }
    .insert(tx.conn())
    .await?;
    tx.audit(
        actor,
        Change::new("station.import", "station", s.id).after(&s),
    )
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_template_reads_back_as_a_good_sheet() {
        let policy = Policy::default();
        let today = NaiveDate::from_ymd_opt(2026, 11, 25).unwrap();
        let bytes = template_xlsx(&policy, today).unwrap();
        let sheet = read_sheet(&bytes).unwrap();
        assert_eq!(sheet.rows.len(), 2, "header and example");
        assert_eq!(sheet.rows[0].line, 1);
        assert_eq!(sheet.rows[1].line, 2);
        assert_eq!(
            sheet.rows[1].cells[11],
            Cell::Date(NaiveDate::from_ymd_opt(2025, 6, 1).unwrap()),
            "the example's date is an Excel date"
        );
        let rows = validate(&sheet, &Existing::default(), &policy, today).unwrap();
        assert_eq!(rows.len(), 1);
    }

    /// A workbook of one sheet whose XML is `sheet_data`, its parts stored uncompressed.
    fn workbook(sheet_data: &str) -> Vec<u8> {
        use std::io::Write;
        let parts = [
            (
                "[Content_Types].xml",
                r#"<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/></Types>"#.to_string(),
            ),
            (
                "_rels/.rels",
                r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#.to_string(),
            ),
            (
                "xl/workbook.xml",
                r#"<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="s" sheetId="1" r:id="rId1"/></sheets></workbook>"#.to_string(),
            ),
            (
                "xl/_rels/workbook.xml.rels",
                r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>"#.to_string(),
            ),
            (
                "xl/worksheets/sheet1.xml",
                format!(
                    r#"<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>{sheet_data}</sheetData></worksheet>"#
                ),
            ),
        ];
        let mut z = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let stored = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Stored);
        for (name, text) in parts {
            z.start_file(name, stored).unwrap();
            z.write_all(text.as_bytes()).unwrap();
        }
        z.finish().unwrap().into_inner()
    }

    #[test]
    fn a_cell_reference_the_reader_chokes_on_is_refused_not_a_crash() {
        let cell =
            |r: &str| format!(r#"<row r="1"><c r="{r}" t="inlineStr"><is><t>x</t></is></c></row>"#);
        let ok = read_sheet(&workbook(&cell("A1"))).unwrap();
        assert_eq!(ok.rows[0].cells, [Cell::text("x")]);
        // Found by fuzz/import_sheet: eight letters overflow the reader's column number.
        let e = read_sheet(&workbook(&cell("ZZZZZZZZ1"))).unwrap_err();
        assert_eq!(e.field(), Some("file"));
    }

    #[test]
    fn a_file_that_is_not_xlsx_is_refused() {
        let e = read_sheet(b"not a spreadsheet").unwrap_err();
        assert_eq!(e.field(), Some("file"));
    }
}
