//! The import of stations named before the measures (第八条): every sheet is answered without a
//! panic, good rows are taken as typed, and a bad cell is named by its line and column.

use chrono::{Datelike, Duration, NaiveDate};
use proptest::prelude::*;
use stationhub_domain::application::{Level, UnitNature};
use stationhub_domain::import::{
    Cell, Column, Existing, Sheet, SheetRow, keys, parse_date_cell, parse_level, validate,
};
use stationhub_domain::organisation::CreditCode;
use stationhub_domain::station::StationStatus;

use crate::common::{any_text, d, date, policy};

const TODAY: &str = "2026-11-25";

fn header() -> SheetRow {
    SheetRow {
        line: 1,
        cells: Column::ALL.map(|c| Cell::text(c.header())).to_vec(),
    }
}

fn code(n: usize) -> String {
    CreditCode::complete(&format!("91430900MA{n:07}"))
        .unwrap()
        .as_str()
        .to_string()
}

/// A good row n: its own unit, society and document number.
#[derive(Debug, Clone)]
struct GoodRow {
    level: Level,
    industry: String,
    nature: UnitNature,
    county: String,
    awarded: NaiveDate,
    term_ends: Option<NaiveDate>,
    as_text: bool,
}

fn good_row() -> impl Strategy<Value = GoodRow> {
    let p = policy();
    (
        0..3usize,
        proptest::sample::select(p.application.industries.clone()),
        proptest::sample::select(p.region.counties.clone()),
        0i64..3000,
        proptest::option::of(1i64..2000),
        any::<bool>(),
    )
        .prop_map(|(l, industry, county, back, len, as_text)| {
            let level = Level::ALL[l];
            // A nature that may host the level (第五条 does not bind imported stations, but the
            // example rows keep to it).
            let nature = UnitNature::ALL
                .into_iter()
                .find(|n| n.may_host(level))
                .unwrap();
            let awarded = d(TODAY) - Duration::days(back);
            GoodRow {
                level,
                industry,
                nature,
                county,
                awarded,
                term_ends: len.map(|k| awarded + Duration::days(k)),
                as_text,
            }
        })
}

fn cells(n: usize, r: &GoodRow) -> Vec<Cell> {
    let date_cell = |x: NaiveDate| {
        if r.as_text {
            Cell::text(format!("{}年{}月{}日", x.year(), x.month(), x.day()))
        } else {
            Cell::Date(x)
        }
    };
    Column::ALL
        .map(|c| match c {
            Column::StationName => Cell::text(format!("服务站{n}")),
            Column::Level => Cell::text(r.level.label()),
            Column::Industry => Cell::text(r.industry.clone()),
            Column::UnitName => Cell::text(format!("单位{n}")),
            Column::CreditCode => Cell::text(code(n)),
            Column::Nature => Cell::text(r.nature.label()),
            Column::County => Cell::text(r.county.clone()),
            Column::LegalRep => Cell::text("张三"),
            Column::SocietyName => Cell::text(format!("学会{n}")),
            Column::SocietyLevel => Cell::text(format!("{}学会", r.level.label())),
            Column::DocumentNumber => Cell::text(format!("益科协〔2021〕{n}号")),
            Column::AwardedOn => date_cell(r.awarded),
            Column::TermEndsOn => r.term_ends.map(date_cell).unwrap_or(Cell::Empty),
        })
        .to_vec()
}

fn sheet(rows: &[GoodRow]) -> Sheet {
    let mut s = Sheet {
        rows: vec![header()],
    };
    for (i, r) in rows.iter().enumerate() {
        s.rows.push(SheetRow {
            line: i as u32 + 2,
            cells: cells(i + 1, r),
        });
    }
    s
}

fn any_cell() -> impl Strategy<Value = Cell> {
    prop_oneof![
        Just(Cell::Empty),
        any_text().prop_map(Cell::Text),
        (0..13usize).prop_map(|i| Cell::text(Column::ALL[i].header())),
        date().prop_map(Cell::Date),
        prop_oneof![
            Just("省级"),
            Just("企业科协"),
            Just("资阳区"),
            Just("2020-01-01"),
            Just("91350100M000100Y43")
        ]
        .prop_map(Cell::text),
    ]
}

proptest! {
    #[test]
    fn any_sheet_is_answered_without_a_panic(
        with_header in any::<bool>(),
        rows in proptest::collection::vec((1u32..30, proptest::collection::vec(any_cell(), 0..16)), 0..8),
    ) {
        let mut s = Sheet::default();
        if with_header { s.rows.push(header()); }
        s.rows.extend(rows.into_iter().map(|(line, cells)| SheetRow { line, cells }));
        let _ = keys(&s);
        match validate(&s, &Existing::default(), policy(), d(TODAY)) {
            Ok(good) => prop_assert!(!good.is_empty()),
            Err(errors) => {
                prop_assert!(!errors.is_empty());
                for e in &errors {
                    prop_assert!(!e.message.is_empty());
                    let start = format!("第 {} 行", e.line);
                    prop_assert!(e.to_string().starts_with(&start), "{}", e);
                }
                prop_assert!(errors.windows(2).all(|w| w[0].line <= w[1].line), "sorted by line");
            }
        }
    }

    #[test]
    fn good_rows_are_taken_as_typed(rows in proptest::collection::vec(good_row(), 1..8)) {
        let got = validate(&sheet(&rows), &Existing::default(), policy(), d(TODAY)).unwrap();
        prop_assert_eq!(got.len(), rows.len());
        for (i, (g, r)) in got.iter().zip(&rows).enumerate() {
            prop_assert_eq!(g.line, i as u32 + 2);
            prop_assert_eq!(g.level, r.level);
            prop_assert_eq!(g.society_level, r.level);
            prop_assert_eq!(g.awarded_on, r.awarded);
            let end = r.term_ends.unwrap_or_else(|| stationhub_domain::notice::term_end(r.awarded, policy().application.term_years));
            prop_assert_eq!(g.term_ends_on, end);
            prop_assert_eq!(g.status, if end < d(TODAY) { StationStatus::Expired } else { StationStatus::Active });
            prop_assert!(g.term_years >= 1);
            prop_assert_eq!(&g.unit.credit_code, &code(i + 1));
        }
        let k = keys(&sheet(&rows));
        prop_assert_eq!(k.credit_codes.len(), rows.len());
        prop_assert_eq!(k.document_numbers.len(), rows.len());
    }

    /// One cell spoiled: the error names its line and its column, and nothing is taken.
    #[test]
    fn a_spoiled_cell_is_named_by_line_and_column(
        rows in proptest::collection::vec(good_row(), 1..6),
        which in any::<prop::sample::Index>(),
        spoil in 0..8usize,
    ) {
        let mut s = sheet(&rows);
        let at = which.index(rows.len());
        let line = at as u32 + 2;
        let (col, cell) = match spoil {
            0 => (Column::Level, Cell::text("区级")),
            1 => (Column::Industry, Cell::text("房地产")),
            2 => (Column::CreditCode, Cell::text("91350100M000100Y44")),
            3 => (Column::County, Cell::text("长沙县")),
            4 => (Column::AwardedOn, Cell::Date(d(TODAY) + Duration::days(1))),
            5 => (Column::AwardedOn, Cell::text("去年六月")),
            6 => (Column::StationName, Cell::Empty),
            _ => (Column::DocumentNumber, Cell::text(format!("益科协〔2021〕{}号", if at == 0 { 2 } else { 1 }))),
        };
        if spoil == 7 && rows.len() == 1 {
            // A duplicate needs a second row; refuse an existing number instead.
            let mut existing = Existing::default();
            existing.document_numbers.insert("益科协〔2021〕1号".into());
            let errors = validate(&s, &existing, policy(), d(TODAY)).unwrap_err();
            prop_assert_eq!((errors[0].line, errors[0].column), (2, Some(Column::DocumentNumber)));
            return Ok(());
        }
        let i = Column::ALL.iter().position(|c| *c == col).unwrap();
        s.rows[at + 1].cells[i] = cell;
        let errors = validate(&s, &Existing::default(), policy(), d(TODAY)).unwrap_err();
        // A duplicate number is charged to the later of the two rows.
        let line = if spoil == 7 && at == 0 { 3 } else { line };
        prop_assert!(errors.iter().any(|e| e.line == line && e.column == Some(col)), "{errors:?}");
        prop_assert!(errors.iter().all(|e| e.line == line), "only that line: {errors:?}");
    }

    #[test]
    fn levels_are_read_as_people_write_them(l in 0..3usize, suffix in prop_oneof![Just(""), Just("学会"), Just("学会服务站")], s in any_text()) {
        let level = Level::ALL[l];
        prop_assert_eq!(parse_level(&format!(" {}{suffix} ", level.label())), Some(level));
        prop_assert_eq!(parse_level(&level.as_str().to_ascii_uppercase()), Some(level));
        let _ = parse_level(&s);
    }

    #[test]
    fn date_cells_are_excel_dates_or_written_dates(x in date(), sep in 0..4usize, s in any_text()) {
        let text = match sep {
            0 => x.format("%Y-%m-%d").to_string(),
            1 => format!("{}/{}/{}", x.year(), x.month(), x.day()),
            2 => format!("{}.{}.{}", x.year(), x.month(), x.day()),
            _ => format!("{}年{}月{}日", x.year(), x.month(), x.day()),
        };
        prop_assert_eq!(parse_date_cell(&Cell::text(text)), Ok(Some(x)));
        prop_assert_eq!(parse_date_cell(&Cell::Date(x)), Ok(Some(x)));
        prop_assert_eq!(parse_date_cell(&Cell::Empty), Ok(None));
        if let Ok(Some(y)) = parse_date_cell(&Cell::Text(s.clone())) {
            prop_assert!(y.year() >= 1900);
        }
    }

    #[test]
    fn headers_may_carry_notes(i in 0..13usize, note in prop_oneof![Just(""), Just("*"), Just("（必填）"), Just("(选填)"), Just(" （可选） ")], s in any_text()) {
        let c = Column::ALL[i];
        prop_assert_eq!(Column::from_header(&format!("{}{note}", c.header())), Some(c));
        if let Some(x) = Column::from_header(&s) {
            prop_assert!(!x.key().is_empty());
        }
    }
}
