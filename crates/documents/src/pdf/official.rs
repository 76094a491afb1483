//! The official documents other than the 申报书, in the manner of GB/T 9704-2012 (党政机关公文
//!格式): the issuer's red banner and separator line, the document number, the title, the
//! addressee, the body, the issuer and date with the seal over them, page numbers `— 1 —`.
//! One model ([`Official`]) for all of them; the builders here only word them.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use stationhub_domain::funds::Fen;
use stationhub_domain::station::SheetLine;
use stationhub_storage::entity::assessment;
use stationhub_storage::review::{NoticeView, StationView};
use stationhub_storage::stations::Ledger;

use crate::form::{SealImage, date_zh, paragraphs, safe_file_name};

/// The city's science and technology association (市科协).
pub const CITY_CAST: &str = "益阳市科学技术协会";
/// The talent office (市委人才办), which awards the plaque (第八条（四）).
pub const TALENT_OFFICE: &str = "中共益阳市委人才工作领导小组办公室";
/// The measures, as documents cite them.
pub const MEASURES: &str = "《益阳市重点产业领域学会服务站建设管理办法（试行）》";

/// How a table column is aligned.
#[derive(Debug, Clone, Copy, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Align {
    Left,
    Center,
    Right,
}

#[derive(Debug, Clone, Serialize)]
pub struct Column {
    pub header: String,
    pub align: Align,
    /// Relative width (typst `fr`).
    pub width: u32,
}

fn col(header: &str, align: Align, width: u32) -> Column {
    Column {
        header: header.into(),
        align,
        width,
    }
}

/// A closing row of a table (a total): its label spans the columns the values leave free.
#[derive(Debug, Clone, Serialize)]
pub struct FootRow {
    pub label: String,
    /// The values of the last columns.
    pub cells: Vec<String>,
}

fn foot(label: &str, cells: Vec<String>) -> FootRow {
    FootRow {
        label: label.into(),
        cells,
    }
}

/// A piece of the body.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Block {
    /// A paragraph, indented by two characters.
    Para { text: String },
    /// A heading inside the body (黑体, as 一、二、 headings are set).
    Heading { text: String },
    /// Labelled values, two pairs a row, in a bordered table.
    Fields { items: Vec<(String, String)> },
    /// A bordered table with a header row, and closing rows (totals) set apart.
    Table {
        columns: Vec<Column>,
        rows: Vec<Vec<String>>,
        foot: Vec<FootRow>,
    },
}

fn para(text: impl Into<String>) -> Block {
    Block::Para { text: text.into() }
}

/// An official document.
#[derive(Debug, Clone, Serialize)]
pub struct Official {
    /// The red banner: the issuing organ(s), one a line.
    pub banner: Vec<String>,
    /// 发文字号, e.g. 益人才办〔2026〕1号; empty when the document has none.
    pub number: String,
    pub title: String,
    /// 主送机关 (with its colon); empty for a public notice or a sheet.
    pub addressee: String,
    pub body: Vec<Block>,
    /// 落款: the issuing organ(s).
    pub issuer: Vec<String>,
    /// 成文日期, e.g. 2026年3月18日.
    pub date: String,
    /// The issuer's seal, stamped over the date (set by the renderer).
    pub seal: Option<SealImage>,
    /// Smaller type for sheets and statements with wide tables (小四 instead of 三号).
    pub compact: bool,
    /// 版记: the printing organ (left) …
    pub imprint_by: String,
    /// … and the printing date, e.g. 2026年3月18日印发 (right); both empty for none.
    pub imprint_on: String,
    /// The file name to download it as (without extension).
    #[serde(skip)]
    pub file_stem: String,
}

impl Official {
    pub fn file_name(&self) -> String {
        format!("{}.pdf", safe_file_name(&self.file_stem))
    }
}

/// The public notice (公示, 第八条（三）) of the applications approved for notice.
pub fn notice(n: &NoticeView) -> Official {
    let rows = n
        .items
        .iter()
        .enumerate()
        .map(|(i, a)| {
            vec![
                (i + 1).to_string(),
                a.station_name.clone(),
                a.unit_name.clone(),
                a.society_name.clone(),
                format!("{}学会服务站", a.level.label()),
                a.county.clone(),
            ]
        })
        .collect();
    let starts = date_zh(n.starts_on);
    let ends = date_zh(n.ends_on);
    Official {
        banner: vec![CITY_CAST.into()],
        number: String::new(),
        title: n.title.clone(),
        addressee: String::new(),
        body: vec![
            para(format!(
                "根据{MEASURES}第八条规定，经建站单位申请、县市区科协初审推荐、市科协审核和实地考察，并经中共益阳市委人才工作领导小组办公室审定，现将下列学会服务站拟认定名单予以公示。"
            )),
            Block::Table {
                columns: vec![
                    col("序号", Align::Center, 3),
                    col("学会服务站名称", Align::Left, 9),
                    col("建站单位", Align::Left, 7),
                    col("建站学会", Align::Left, 7),
                    col("级别", Align::Center, 5),
                    col("县市区", Align::Center, 5),
                ],
                rows,
                foot: vec![],
            },
            para(format!(
                "公示期：{starts}至{ends}（{} 个工作日）。",
                n.working_days
            )),
            para(
                "公示期间，任何单位和个人对公示名单如有异议，请以实名方式向益阳市科学技术协会提出，并提供联系方式和必要的证明材料。也可在本系统公示页面在线提出异议。",
            ),
        ],
        issuer: vec![CITY_CAST.into()],
        date: starts.clone(),
        seal: None,
        compact: false,
        imprint_by: CITY_CAST.into(),
        imprint_on: format!("{starts}印发"),
        file_stem: format!("{}（{}至{}）", n.title, n.starts_on, n.ends_on),
    }
}

/// The award notice (授牌通知, 第八条（四）) of a station, under its document number.
/// `notice` is the public notice's period, when the station went through one.
pub fn award(s: &StationView, notice: Option<(NaiveDate, NaiveDate)>) -> Official {
    let level = format!("{}学会服务站", s.level.label());
    let mut steps = format!(
        "根据{MEASURES}第八条规定，经{}申请、{}确认合作，市科协审核和实地考察、中共益阳市委人才工作领导小组办公室审定",
        s.unit_name, s.society_name
    );
    match notice {
        Some((a, b)) => steps.push_str(&format!(
            "，并经社会公示（公示期{}至{}）无异议",
            date_zh(a),
            date_zh(b)
        )),
        None if s.imported => steps.push_str("（本办法施行前已建站，按本办法重新认定）"),
        None => {}
    }
    steps.push_str(&format!("，决定认定“{}”为{level}，予以授牌。", s.name));
    let date = date_zh(s.awarded_on);
    Official {
        banner: vec![TALENT_OFFICE.into()],
        number: s.document_number.clone(),
        title: format!("关于认定{}为{level}的通知", s.name),
        addressee: format!("{}、{}：", s.unit_name, s.society_name),
        body: vec![
            para(steps),
            Block::Fields {
                items: vec![
                    ("建站单位".into(), s.unit_name.clone()),
                    ("建站学会".into(), s.society_name.clone()),
                    ("重点产业领域".into(), s.industry.clone()),
                    ("所在县市区".into(), s.county.clone()),
                    (
                        "服务期".into(),
                        format!("{}至{}", date_zh(s.awarded_on), date_zh(s.term_ends_on)),
                    ),
                ],
            },
            para(
                "请建站单位按照办法第十条的规定，制定服务站年度工作计划，期满一年后对服务站运行和绩效情况进行总结；建站学会组织专家团队按合作协议开展咨询服务、技术指导、成果转化和人才培养工作。市科协将按办法第十二条对服务站实行年度考核、绩效评估和动态管理，考核合格的按第十六条给予经费资助。",
            ),
        ],
        issuer: vec![TALENT_OFFICE.into()],
        date: date.clone(),
        seal: None,
        compact: false,
        imprint_by: TALENT_OFFICE.into(),
        imprint_on: format!("{date}印发"),
        file_stem: format!("{}授牌通知（{}）", s.name, s.document_number),
    }
}

/// An indicator as the assessment recorded it.
#[derive(Debug, Clone, Deserialize)]
struct RecordedIndicator {
    #[serde(default)]
    label: String,
    #[serde(default)]
    article: String,
    #[serde(default)]
    required: u32,
    #[serde(default)]
    actual: u32,
    #[serde(default)]
    met: bool,
}

/// What an assessment leads to, as the sheet states it.
pub fn consequence_label(c: &str) -> &'static str {
    match c {
        "grant_due" => "考核合格，拨付资助资金（第十六条）",
        "rectify" => "通报批评，责令限期整改（第十二条）",
        "remove_and_recover" => "期满考核不合格，予以摘牌并追回财政资助资金（第十二条）",
        _ => "—",
    }
}

/// The assessment sheet (考核表) of one station-year (第十二条): the 100-point score sheet,
/// the indicators checked, the grade, the opinion and the consequence.
pub fn assessment_sheet(
    s: &StationView,
    a: &assessment::Model,
    year_span: (NaiveDate, NaiveDate),
) -> Official {
    let sheet: Vec<SheetLine> = serde_json::from_str(&a.score_sheet).unwrap_or_default();
    let indicators: Vec<RecordedIndicator> =
        serde_json::from_str(&a.indicators).unwrap_or_default();
    let mut body = vec![Block::Fields {
        items: vec![
            ("服务站名称".into(), s.name.clone()),
            ("级　　别".into(), format!("{}学会服务站", s.level.label())),
            ("建站单位".into(), s.unit_name.clone()),
            ("建站学会".into(), s.society_name.clone()),
            ("授牌文号".into(), s.document_number.clone()),
            (
                "考核年度".into(),
                format!(
                    "第{}年（{}至{}）",
                    a.year,
                    date_zh(year_span.0),
                    date_zh(year_span.1)
                ),
            ),
        ],
    }];
    if !sheet.is_empty() {
        body.push(Block::Heading {
            text: "一、评分（百分制）".into(),
        });
        let total_points: u32 = sheet.iter().map(|l| l.points).sum();
        let total_auto: u32 = sheet.iter().map(|l| l.auto).sum();
        let total_score: u32 = sheet.iter().map(|l| l.score).sum();
        body.push(Block::Table {
            columns: vec![
                col("序号", Align::Center, 2),
                col("考核项目", Align::Left, 10),
                col("分值", Align::Center, 2),
                col("系统评分", Align::Center, 4),
                col("评定得分", Align::Center, 4),
                col("调整说明", Align::Left, 5),
            ],
            rows: sheet
                .iter()
                .enumerate()
                .map(|(i, l)| {
                    vec![
                        (i + 1).to_string(),
                        l.name.clone(),
                        l.points.to_string(),
                        l.auto.to_string(),
                        l.score.to_string(),
                        l.reason.clone(),
                    ]
                })
                .collect(),
            foot: vec![foot(
                "合计",
                vec![
                    total_points.to_string(),
                    total_auto.to_string(),
                    total_score.to_string(),
                    String::new(),
                ],
            )],
        });
    }
    if !indicators.is_empty() {
        body.push(Block::Heading {
            text: "二、考核指标完成情况（第十二条（一）至（五））".into(),
        });
        body.push(Block::Table {
            columns: vec![
                col("考核指标", Align::Left, 10),
                col("依据", Align::Center, 4),
                col("要求", Align::Center, 2),
                col("完成", Align::Center, 2),
                col("结果", Align::Center, 3),
            ],
            rows: indicators
                .iter()
                .map(|i| {
                    vec![
                        i.label.clone(),
                        i.article.clone(),
                        i.required.to_string(),
                        i.actual.to_string(),
                        if i.met { "达标" } else { "未达标" }.into(),
                    ]
                })
                .collect(),
            foot: vec![],
        });
    }
    body.push(Block::Heading {
        text: "三、考核结论".into(),
    });
    let mut outcome = consequence_label(&a.consequence).to_string();
    if let Some(d) = a.rectify_by {
        outcome.push_str(&format!("，整改期限至{}", date_zh(d)));
    }
    body.push(Block::Fields {
        items: vec![
            ("考核得分".into(), format!("{} 分", a.score)),
            ("考核等次".into(), a.grade.clone()),
            ("考核结果".into(), outcome),
            ("考核日期".into(), date_zh(a.decided_on)),
        ],
    });
    body.push(Block::Heading {
        text: "四、考核意见".into(),
    });
    let opinion = paragraphs(&a.opinion);
    if opinion.is_empty() {
        body.push(para("（无）"));
    } else {
        body.extend(opinion.into_iter().map(para));
    }
    let date = date_zh(a.decided_on);
    Official {
        banner: vec![CITY_CAST.into()],
        number: String::new(),
        title: format!("学会服务站第{}年度考核表", a.year),
        addressee: String::new(),
        body,
        issuer: vec![CITY_CAST.into()],
        date,
        seal: None,
        compact: true,
        imprint_by: String::new(),
        imprint_on: String::new(),
        file_stem: format!("{}第{}年度考核表", s.name, a.year),
    }
}

/// A station's ledger statement (经费台账, 第十五条至第十九条): every entry, the totals and the
/// balance (paid grants less expenses less recoveries), in yuan with two decimals.
pub fn ledger_statement(s: &StationView, l: &Ledger, today: NaiveDate) -> Official {
    let mut paid = 0i64;
    let mut due = 0i64;
    let mut spent = 0i64;
    let mut recovered = 0i64;
    let rows = l
        .entries
        .iter()
        .map(|e| {
            match (e.kind.as_str(), e.status.as_str()) {
                ("grant", "paid") => paid += e.amount_fen,
                ("grant", "due") => due += e.amount_fen,
                ("expense", _) => spent += e.amount_fen,
                ("recovery", _) => recovered += e.amount_fen,
                _ => {}
            }
            let mut note = e.note.clone();
            if !e.document.is_empty() {
                if !note.is_empty() {
                    note.push('；');
                }
                note.push_str(&e.document);
            }
            if e.voucher_missing {
                if !note.is_empty() {
                    note.push('；');
                }
                note.push_str("缺凭证");
            }
            let mut status = stationhub_domain::funds::entry_status_label(&e.status).to_string();
            if let Some(p) = e.paid_on {
                status.push_str(&format!("（{p}）"));
            }
            vec![
                e.date.to_string(),
                stationhub_domain::funds::entry_kind_label(&e.kind).into(),
                e.category.clone(),
                note,
                status,
                Fen(e.amount_fen).yuan(),
            ]
        })
        .collect();
    let date = date_zh(today);
    Official {
        banner: vec![CITY_CAST.into()],
        number: String::new(),
        title: "学会服务站经费台账".into(),
        addressee: String::new(),
        body: vec![
            Block::Fields {
                items: vec![
                    ("服务站名称".into(), s.name.clone()),
                    ("建站单位".into(), s.unit_name.clone()),
                    ("授牌文号".into(), s.document_number.clone()),
                    (
                        "服务期".into(),
                        format!("{}至{}", date_zh(s.awarded_on), date_zh(s.term_ends_on)),
                    ),
                ],
            },
            Block::Table {
                columns: vec![
                    col("日期", Align::Center, 4),
                    col("类别", Align::Center, 2),
                    col("开支科目", Align::Left, 4),
                    col("说明及文件", Align::Left, 8),
                    col("状态", Align::Center, 4),
                    col("金额（元）", Align::Right, 4),
                ],
                rows,
                foot: vec![
                    foot("已支付资助合计", vec![Fen(paid).yuan()]),
                    foot("支出合计", vec![Fen(spent).yuan()]),
                    foot("追回合计", vec![Fen(recovered).yuan()]),
                    foot("经费余额", vec![Fen(l.balance_fen).yuan()]),
                ],
            },
            para(format!(
                "经费余额为已支付资助减去支出和追回（单位：元）：{} 元。{}",
                Fen(l.balance_fen).yuan(),
                if due > 0 {
                    format!("另有待支付资助 {} 元。", Fen(due).yuan())
                } else {
                    String::new()
                }
            )),
            para(
                "资助经费开支范围限于第十七条所列科目，使用情况接受财政、科协、审计、纪检监察等部门的监督检查（第十八条）。",
            ),
        ],
        issuer: vec![CITY_CAST.into()],
        date,
        seal: None,
        compact: true,
        imprint_by: String::new(),
        imprint_on: String::new(),
        file_stem: format!("{}经费台账（截至{}）", s.name, today),
    }
}
