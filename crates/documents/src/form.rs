//! The 申报书 as the regulation's attachment lays it out (益阳市学会服务站申报书): one model of
//! its cover, its table rows, its ticks and its four opinion boxes, built from an
//! [`ApplicationView`]. Both renderers ([`crate::pdf`] and [`crate::docx`]) print this model
//! and nothing else, so the PDF and the Word file never disagree; the printable web page ticks
//! its boxes with the same functions ([`natures`], [`industries`], [`levels`]).

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use stationhub_domain::application::{Level, MaterialKind, State, UnitNature};
use stationhub_storage::applications::ApplicationView;

/// The form's name, on its cover.
pub const TITLE: &str = "益阳市重点产业领域学会服务站申报书";
/// Who made the form, and when (the cover's foot).
pub const MAKER: &str = "益阳市科学技术协会制";
pub const MAKER_DATE: &str = "2023年9月";

/// One box of a tick line (单位性质, 重点产业领域, 申报级别).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Tick {
    pub label: String,
    pub ticked: bool,
}

impl Tick {
    /// The box as printed: `☑` before a chosen label, `□` before the others.
    pub fn mark(&self) -> &'static str {
        if self.ticked { "☑" } else { "□" }
    }
}

/// The five natures the form prints (第二条), plus the unit's own when it is one of the others
/// that 第五条 names (乡镇科协, 企业科协联合会), ticked.
pub const FORM_NATURES: [UnitNature; 5] = [
    UnitNature::CityCountyCast,
    UnitNature::ParkCast,
    UnitNature::CityCountySociety,
    UnitNature::UniversityCast,
    UnitNature::EnterpriseCast,
];

/// The 单位性质 line for a unit of `nature`.
pub fn natures(nature: &str) -> Vec<Tick> {
    let mut ticks: Vec<Tick> = FORM_NATURES
        .iter()
        .map(|n| Tick {
            label: n.label().into(),
            ticked: nature == n.label(),
        })
        .collect();
    if !ticks.iter().any(|t| t.ticked) && !nature.is_empty() {
        ticks.push(Tick {
            label: nature.to_string(),
            ticked: true,
        });
    }
    ticks
}

/// The 重点产业领域 line: the policy's industries, 其他 with its text when chosen.
pub fn industries(policy_industries: &[String], industry: &str, other: &str) -> Vec<Tick> {
    policy_industries
        .iter()
        .map(|i| Tick {
            label: if i == "其他" && industry == "其他" && !other.is_empty() {
                format!("其他（{other}）")
            } else {
                i.clone()
            },
            ticked: industry == i,
        })
        .collect()
}

/// The 申报级别 line.
pub fn levels(level: Level) -> Vec<Tick> {
    Level::ALL
        .iter()
        .map(|l| Tick {
            label: format!("{}学会服务站", l.label()),
            ticked: level == *l,
        })
        .collect()
}

/// A seal image ready to stamp: PNG bytes and their size in pixels (the size is what the
/// templates read, to keep the stamp's proportions).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SealImage {
    #[serde(skip)]
    pub png: Vec<u8>,
    pub width: u32,
    pub height: u32,
}

impl SealImage {
    /// Checks an uploaded seal by decoding it, and gives it as PNG (converted when it was
    /// JPEG, GIF or WebP). `None` when the bytes are no image this can read: the document is
    /// then printed without the stamp rather than not at all.
    pub fn from_bytes(bytes: &[u8]) -> Option<SealImage> {
        let img = match image::load_from_memory(bytes) {
            Ok(img) => img,
            Err(e) => {
                tracing::warn!(error = %e, "seal image cannot be decoded; printed without it");
                return None;
            }
        };
        let (width, height) = (img.width(), img.height());
        if width == 0 || height == 0 {
            return None;
        }
        let png = if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
            bytes.to_vec()
        } else {
            let mut out = std::io::Cursor::new(Vec::new());
            if let Err(e) = img.write_to(&mut out, image::ImageFormat::Png) {
                tracing::warn!(error = %e, "seal image cannot be converted to PNG");
                return None;
            }
            out.into_inner()
        };
        Some(SealImage { png, width, height })
    }
}

/// The cover page.
#[derive(Debug, Clone, Serialize)]
pub struct Cover {
    pub station_name: String,
    pub unit_name: String,
    pub legal_rep: String,
    /// 申报日期: the submission date, empty for a draft.
    pub date: String,
    pub maker: &'static str,
    pub maker_date: &'static str,
    /// Not submitted yet (a draft or returned for revision): the cover says so.
    pub draft_note: String,
}

/// 申报单位: the unit block of the table.
#[derive(Debug, Clone, Serialize)]
pub struct UnitBlock {
    pub name: String,
    pub credit_code: String,
    pub county: String,
    pub legal_rep: String,
    pub address: String,
    pub postcode: String,
    pub contact_name: String,
    pub contact_phone: String,
    pub contact_mobile: String,
    pub fax: String,
    pub email: String,
    pub qq_wechat: String,
}

/// 建站学会基本情况.
#[derive(Debug, Clone, Serialize)]
pub struct SocietyBlock {
    pub name: String,
    pub legal_rep: String,
    pub legal_rep_title: String,
    pub legal_rep_mobile: String,
    pub address: String,
    pub postcode: String,
    pub contact_name: String,
    pub contact_title: String,
    pub contact_mobile: String,
    pub phone_fax: String,
    pub qq: String,
    pub email: String,
    pub wechat: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct ExpertLine {
    pub name: String,
    pub title: String,
    pub specialty: String,
    pub employer: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct StaffLine {
    pub name: String,
    pub mobile: String,
    pub duty: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct MaterialLine {
    pub label: &'static str,
    pub article: &'static str,
    /// The uploaded file's name, or 未上传.
    pub file: String,
}

/// A long text of the form with the hint the attachment prints in its box.
#[derive(Debug, Clone, Serialize)]
pub struct LongText {
    pub hint: &'static str,
    /// The text's paragraphs, as typed (blank lines dropped).
    pub paragraphs: Vec<String>,
}

/// One of the four opinion boxes.
#[derive(Debug, Clone, Serialize)]
pub struct OpinionBox {
    pub id: &'static str,
    /// The box's heading, one element per printed line (申报单位 / 意　　见).
    pub label: Vec<&'static str>,
    pub opinion: Option<BoxOpinion>,
}

#[derive(Debug, Clone, Serialize)]
pub struct BoxOpinion {
    pub paragraphs: Vec<String>,
    pub organisation: String,
    pub date: String,
    /// Index into [`Form::seals`] of the organisation's seal, when it has one.
    pub seal: Option<usize>,
}

/// Everything both renderers print.
#[derive(Debug, Clone, Serialize)]
pub struct Form {
    pub id: i64,
    pub title: &'static str,
    pub cover: Cover,
    pub unit: UnitBlock,
    pub natures: Vec<Tick>,
    pub industries: Vec<Tick>,
    pub levels: Vec<Tick>,
    pub unit_overview: LongText,
    pub industry_overview: LongText,
    pub society: SocietyBlock,
    pub society_overview: LongText,
    pub work_plan: LongText,
    pub experts: Vec<ExpertLine>,
    pub staff: Vec<StaffLine>,
    pub term: String,
    pub materials: Vec<MaterialLine>,
    pub boxes: Vec<OpinionBox>,
    /// The seal images the boxes stamp (their bytes are not serialised: the PDF reads them as
    /// files `/image-N.png`).
    pub seals: Vec<SealImage>,
}

/// What the form needs besides the application: the policy's lists and the seals.
pub struct FormContext<'a> {
    /// The policy's key industry fields (重点产业领域).
    pub industries: &'a [String],
    /// The policy's cooperation term (第七条（三）), to tell whether a reason is printed.
    pub term_years: u32,
    /// Seal images by owner (`unit:ID`, `office:ID`), as [`seal_owners`] lists them.
    pub seals: &'a HashMap<String, SealImage>,
}

/// `2026年3月10日`.
pub fn date_zh(d: NaiveDate) -> String {
    d.format("%Y年%-m月%-d日").to_string()
}

/// The civil date in Asia/Shanghai of an instant.
pub fn local_date(t: DateTime<Utc>) -> NaiveDate {
    t.with_timezone(&chrono_tz::Asia::Shanghai).date_naive()
}

/// A long text as paragraphs: one per line, blank lines dropped, the writer's own indentation
/// (spaces, full-width spaces) removed, since both renderers indent each paragraph by two
/// characters.
pub fn paragraphs(s: &str) -> Vec<String> {
    s.lines()
        .map(|l| l.trim_matches(|c: char| c.is_whitespace() || c == '\u{3000}'))
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect()
}

/// The step whose latest opinion fills each reviewer's box.
const REVIEW_BOXES: [(&str, &[&str], State); 3] = [
    ("county", &["县市区科协", "意　　见"], State::CountyReview),
    (
        "county-talent",
        &["县市区委", "人才办", "意　　见"],
        State::CountyTalentReview,
    ),
    ("city", &["市科协", "意　　见"], State::CityReview),
];

fn latest_opinion(
    v: &ApplicationView,
    step: State,
) -> Option<&stationhub_storage::entity::opinion::Model> {
    v.opinions.iter().rev().find(|o| o.step == step.as_str())
}

/// The seal owners the form stamps: the unit's (its own box), and each reviewer's office.
pub fn seal_owners(v: &ApplicationView) -> Vec<String> {
    let mut owners = Vec::new();
    if v.submitted_at.is_some() {
        owners.push(format!("unit:{}", v.unit.id));
    }
    for (_, _, step) in REVIEW_BOXES {
        if let Some(o) = latest_opinion(v, step)
            && !o.seal_owner.is_empty()
            && !owners.contains(&o.seal_owner)
        {
            owners.push(o.seal_owner.clone());
        }
    }
    owners
}

/// The material of 第九条 each line names.
fn article_of(kind: MaterialKind) -> &'static str {
    match kind {
        MaterialKind::Agreement => "第九条（二）",
        MaterialKind::PerformanceTargets => "第九条（三）",
        MaterialKind::UnitIntroRules => "第九条（四）",
        MaterialKind::OrgStaffList => "第九条（五）",
    }
}

/// Builds the form of an application.
pub fn build(v: &ApplicationView, cx: &FormContext<'_>) -> Form {
    let mut seals: Vec<SealImage> = Vec::new();
    let mut seal_index: HashMap<String, usize> = HashMap::new();
    let mut seal_of = |owner: &str| -> Option<usize> {
        if let Some(i) = seal_index.get(owner) {
            return Some(*i);
        }
        let img = cx.seals.get(owner)?;
        seals.push(img.clone());
        seal_index.insert(owner.to_string(), seals.len() - 1);
        Some(seals.len() - 1)
    };
    let submitted_on = v.submitted_at.map(local_date);
    let unit_box = submitted_on.map(|d| BoxOpinion {
        paragraphs: vec!["同意申报。".into()],
        organisation: v.unit.name.clone(),
        date: date_zh(d),
        seal: seal_of(&format!("unit:{}", v.unit.id)),
    });
    let mut boxes = vec![OpinionBox {
        id: "unit",
        label: vec!["申报单位", "意　　见"],
        opinion: unit_box,
    }];
    for (id, label, step) in REVIEW_BOXES {
        let opinion = latest_opinion(v, step).map(|o| {
            let mut paragraphs = paragraphs(&o.text);
            if step == State::CityReview {
                // The site inspection (第八条（二）) belongs to city CAST's review.
                for s in &v.site_inspections {
                    let inspectors: Vec<String> =
                        serde_json::from_str(&s.inspectors).unwrap_or_default();
                    let mut line = format!("实地考察：{}", date_zh(s.inspected_on));
                    if !inspectors.is_empty() {
                        line.push_str(&format!("，考察人员：{}", inspectors.join("、")));
                    }
                    let findings = s.findings.trim();
                    if !findings.is_empty() {
                        line.push_str(&format!("。{findings}"));
                    }
                    paragraphs.push(line);
                }
            }
            BoxOpinion {
                paragraphs,
                organisation: o.organisation.clone(),
                date: date_zh(o.decided_on),
                seal: if o.seal_owner.is_empty() {
                    None
                } else {
                    seal_of(&o.seal_owner)
                },
            }
        });
        boxes.push(OpinionBox {
            id,
            label: label.to_vec(),
            opinion,
        });
    }
    let u = &v.unit;
    let s = &v.society;
    Form {
        id: v.id,
        title: TITLE,
        cover: Cover {
            station_name: v.station_name.clone(),
            unit_name: u.name.clone(),
            legal_rep: u.legal_rep.clone(),
            date: submitted_on.map(date_zh).unwrap_or_default(),
            maker: MAKER,
            maker_date: MAKER_DATE,
            draft_note: if v.state.editable() {
                format!("（{}，尚未提交）", v.state.label())
            } else {
                String::new()
            },
        },
        unit: UnitBlock {
            name: u.name.clone(),
            credit_code: u.credit_code.clone(),
            county: u.county.clone(),
            legal_rep: u.legal_rep.clone(),
            address: u.address.clone(),
            postcode: u.postcode.clone(),
            contact_name: u.contact_name.clone(),
            contact_phone: u.contact_phone.clone(),
            contact_mobile: u.contact_mobile.clone(),
            fax: u.fax.clone(),
            email: u.email.clone(),
            qq_wechat: u.qq_wechat.clone(),
        },
        natures: natures(&u.nature),
        industries: industries(cx.industries, &v.industry, &v.industry_other),
        levels: levels(v.level),
        unit_overview: LongText {
            hint: "（申报单位基本概况：规模、运营状况、人才团队、主要优势及成效等）",
            paragraphs: paragraphs(&v.unit_overview),
        },
        industry_overview: LongText {
            hint: "（服务产业规模、企业数、国际国内市场份额、产品层次、所取得科技成果、企业概述等）",
            paragraphs: paragraphs(&v.industry_overview),
        },
        society: SocietyBlock {
            name: s.name.clone(),
            legal_rep: s.legal_rep.clone(),
            legal_rep_title: s.legal_rep_title.clone(),
            legal_rep_mobile: s.legal_rep_mobile.clone(),
            address: s.address.clone(),
            postcode: s.postcode.clone(),
            contact_name: s.contact_name.clone(),
            contact_title: s.contact_title.clone(),
            contact_mobile: s.contact_mobile.clone(),
            phone_fax: s.phone_fax.clone(),
            qq: s.qq.clone(),
            email: s.email.clone(),
            wechat: s.wechat.clone(),
        },
        society_overview: LongText {
            hint: "（重点产业领域、开展活动描述及主要成果等）",
            paragraphs: paragraphs(&v.society_overview),
        },
        work_plan: LongText {
            hint: "（重点产业领域、工作目标、任务内容、预期成效等，附双方所签协议）",
            paragraphs: paragraphs(&v.work_plan),
        },
        experts: v
            .experts
            .iter()
            .map(|e| ExpertLine {
                name: e.name.clone(),
                title: e.title.clone(),
                specialty: e.specialty.clone(),
                employer: e.employer.clone(),
            })
            .collect(),
        staff: v
            .staff
            .iter()
            .map(|s| StaffLine {
                name: s.name.clone(),
                mobile: s.mobile.clone(),
                duty: s.duty.clone(),
            })
            .collect(),
        term: if v.term_years.max(0) as u32 == cx.term_years || v.term_reason.trim().is_empty() {
            format!("{} 年", v.term_years)
        } else {
            format!(
                "{} 年（特殊情况说明：{}）",
                v.term_years,
                v.term_reason.trim()
            )
        },
        materials: MaterialKind::ALL
            .iter()
            .map(|k| MaterialLine {
                label: k.label(),
                article: article_of(*k),
                file: v
                    .material(*k)
                    .map(|f| f.filename.clone())
                    .unwrap_or_else(|| "未上传".into()),
            })
            .collect(),
        boxes,
        seals,
    }
}

/// The document's file name: `<服务站名称>申报书.<ext>` (or `申报书-<id>` for an unnamed draft),
/// without characters a file system refuses.
pub fn file_name(f: &Form, ext: &str) -> String {
    let name = if f.cover.station_name.trim().is_empty() {
        format!("申报书-{}", f.id)
    } else {
        format!("{}申报书", f.cover.station_name.trim())
    };
    format!("{}.{ext}", safe_file_name(&name))
}

/// Why a document could not be made (the caller logs it and answers 500).
#[derive(Debug, thiserror::Error)]
pub enum DocError {
    /// No usable font (the message names the folders searched).
    #[error("{0}")]
    Fonts(String),
    /// typst or the Word writer failed.
    #[error("文档生成失败：{0}")]
    Render(String),
}

/// A file name without the characters file systems refuse (`/ \ : * ? " < > |`, control
/// characters), at most 80 characters.
pub fn safe_file_name(name: &str) -> String {
    let s: String = name
        .chars()
        .map(|c| {
            if c.is_control() || "/\\:*?\"<>|".contains(c) {
                '_'
            } else {
                c
            }
        })
        .take(80)
        .collect();
    let s = s.trim().trim_matches('.').to_string();
    if s.is_empty() { "document".into() } else { s }
}

/// A filled form for the renderers' own tests.
#[cfg(test)]
pub(crate) fn sample() -> Form {
    let t = |s: &str| s.to_string();
    let long = |hint: &'static str, text: &str| LongText {
        hint,
        paragraphs: paragraphs(text),
    };
    Form {
        id: 7,
        title: TITLE,
        cover: Cover {
            station_name: t("湖南省机械工程学会益阳智能装备学会服务站"),
            unit_name: t("益阳智能装备有限公司科学技术协会"),
            legal_rep: t("张三"),
            date: t("2026年3月10日"),
            maker: MAKER,
            maker_date: MAKER_DATE,
            draft_note: String::new(),
        },
        unit: UnitBlock {
            name: t("益阳智能装备有限公司科学技术协会"),
            credit_code: t("91430900MA4L000010"),
            county: t("资阳区"),
            legal_rep: t("张三"),
            address: t("益阳市资阳区长春经济开发区88号"),
            postcode: t("413000"),
            contact_name: t("李四"),
            contact_phone: t("0737-1234567"),
            contact_mobile: t("13800000000"),
            fax: t("0737-1234568"),
            email: t("kx@example.cn"),
            qq_wechat: t("yyzn2023"),
        },
        natures: natures("企业科协"),
        industries: industries(
            &[
                "现代农业",
                "装备制造",
                "数字经济",
                "电子信息",
                "新材料",
                "新能源",
                "生命健康",
                "生态绿色食品",
                "其他",
            ]
            .map(String::from),
            "装备制造",
            "",
        ),
        levels: levels(Level::Provincial),
        unit_overview: long(
            "（申报单位基本概况：规模、运营状况、人才团队、主要优势及成效等）",
            "公司成立于2008年，员工620人，其中研发人员120人。\n\n拥有省级企业技术中心，<b>#strong[不是标记]</b> $x$ 与 \\ 原样显示。",
        ),
        industry_overview: long(
            "（服务产业规模、企业数、国际国内市场份额、产品层次、所取得科技成果、企业概述等）",
            "益阳装备制造产业规模约300亿元。",
        ),
        society: SocietyBlock {
            name: t("湖南省机械工程学会"),
            legal_rep: t("王五"),
            legal_rep_title: t("理事长"),
            legal_rep_mobile: t("13900000000"),
            address: t("长沙市岳麓区麓山南路932号"),
            postcode: t("410000"),
            contact_name: t("赵六"),
            contact_title: t("秘书长"),
            contact_mobile: t("13900000001"),
            phone_fax: t("0731-88888888"),
            qq: t("12345678"),
            email: t("s@example.cn"),
            wechat: t("hnmes"),
        },
        society_overview: long(
            "（重点产业领域、开展活动描述及主要成果等）",
            "学会会员1.2万人，长期服务装备制造。",
        ),
        work_plan: long(
            "（重点产业领域、工作目标、任务内容、预期成效等，附双方所签协议）",
            "围绕智能装备开展技术攻关、人才培养与成果转化。\n第一年完成协议内容的50%。",
        ),
        experts: (0..5)
            .map(|i| ExpertLine {
                name: format!("专家{i}"),
                title: t("教授"),
                specialty: t("机械工程"),
                employer: t("中南大学"),
            })
            .collect(),
        staff: vec![StaffLine {
            name: t("刘建国"),
            mobile: t("13807370001"),
            duty: t("日常管理"),
        }],
        term: t("2 年"),
        materials: MaterialKind::ALL
            .iter()
            .map(|k| MaterialLine {
                label: k.label(),
                article: article_of(*k),
                file: t("协议.pdf"),
            })
            .collect(),
        boxes: vec![
            OpinionBox {
                id: "unit",
                label: vec!["申报单位", "意　　见"],
                opinion: Some(BoxOpinion {
                    paragraphs: vec![t("同意申报。")],
                    organisation: t("益阳智能装备有限公司科学技术协会"),
                    date: t("2026年3月10日"),
                    seal: Some(0),
                }),
            },
            OpinionBox {
                id: "county",
                label: vec!["县市区科协", "意　　见"],
                opinion: None,
            },
            OpinionBox {
                id: "county-talent",
                label: vec!["县市区委", "人才办", "意　　见"],
                opinion: None,
            },
            OpinionBox {
                id: "city",
                label: vec!["市科协", "意　　见"],
                opinion: Some(BoxOpinion {
                    paragraphs: vec![
                        t("经审核和实地考察，同意推荐。"),
                        t(
                            "实地考察：2026年3月12日，考察人员：周文彬、谭丽娟。场地、人员、制度到位",
                        ),
                    ],
                    organisation: t("益阳市科学技术协会"),
                    date: t("2026年3月12日"),
                    seal: None,
                }),
            },
        ],
        seals: vec![sample_seal()],
    }
}

/// A round red seal drawn in memory.
#[cfg(test)]
pub(crate) fn sample_seal() -> SealImage {
    let size = 240u32;
    let img = image::RgbaImage::from_fn(size, size, |x, y| {
        let (dx, dy) = (x as f32 - 120.0, y as f32 - 120.0);
        let r = (dx * dx + dy * dy).sqrt();
        if (100.0..112.0).contains(&r) || (r < 30.0 && (dx.abs() < 8.0 || dy.abs() < 8.0)) {
            image::Rgba([220, 20, 30, 220])
        } else {
            image::Rgba([0, 0, 0, 0])
        }
    });
    let mut out = std::io::Cursor::new(Vec::new());
    image::DynamicImage::ImageRgba8(img)
        .write_to(&mut out, image::ImageFormat::Png)
        .expect("png");
    SealImage::from_bytes(&out.into_inner()).expect("seal")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paragraphs_keep_lines_and_drop_blank_ones_and_indentation() {
        assert_eq!(
            paragraphs("　　第一段。\n\n  第二段。\r\n"),
            vec!["第一段。".to_string(), "第二段。".to_string()]
        );
    }

    #[test]
    fn ticks_follow_the_printable_page() {
        let n = natures("企业科协");
        assert_eq!(n.len(), 5);
        assert!(n.iter().any(|t| t.label == "企业科协" && t.ticked));
        let n = natures("乡镇科协");
        assert_eq!(n.len(), 6);
        assert_eq!(n[5].mark(), "☑");
        let inds = vec!["装备制造".to_string(), "其他".to_string()];
        let t = industries(&inds, "其他", "文旅");
        assert_eq!(t[1].label, "其他（文旅）");
        assert!(t[1].ticked && !t[0].ticked);
        let l = levels(Level::Provincial);
        assert_eq!(l[1].label, "省级学会服务站");
        assert!(l[1].ticked);
    }

    #[test]
    fn a_seal_that_is_no_image_is_left_out() {
        assert!(SealImage::from_bytes(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR seal").is_none());
    }
}
