//! 申报: the application (申报书) and the rules it must meet before it is submitted —
//! SPEC §3 rules 1–8 and 17, each a function whose violation cites its article.
//!
//! [`check_submission`] runs every rule and returns every violation at once, so the applicant
//! can fix all of them in one pass.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::DomainError;
use crate::policy::Policy;

/// 申报级别 (第五条).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    National,
    Provincial,
    Municipal,
}

impl Level {
    pub const ALL: [Level; 3] = [Level::National, Level::Provincial, Level::Municipal];

    pub fn as_str(self) -> &'static str {
        match self {
            Level::National => "national",
            Level::Provincial => "provincial",
            Level::Municipal => "municipal",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Level::National => "国家级",
            Level::Provincial => "省级",
            Level::Municipal => "市级",
        }
    }

    pub fn parse(s: &str) -> Result<Level, DomainError> {
        Level::ALL
            .into_iter()
            .find(|l| l.as_str() == s || l.label() == s)
            .ok_or_else(|| {
                DomainError::invalid("level", "级别须为 national / provincial / municipal")
            })
    }
}

/// 单位性质: the five of the form, plus 乡镇科协 and 企业科协联合会 that 第五条 names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum UnitNature {
    /// 市县级科协
    CityCountyCast,
    /// 园区科协
    ParkCast,
    /// 市县级学会
    CityCountySociety,
    /// 高校科协
    UniversityCast,
    /// 企业科协
    EnterpriseCast,
    /// 乡镇科协
    TownshipCast,
    /// 企业科协联合会
    EnterpriseCastFederation,
}

impl UnitNature {
    pub const ALL: [UnitNature; 7] = [
        UnitNature::CityCountyCast,
        UnitNature::ParkCast,
        UnitNature::CityCountySociety,
        UnitNature::UniversityCast,
        UnitNature::EnterpriseCast,
        UnitNature::TownshipCast,
        UnitNature::EnterpriseCastFederation,
    ];

    pub fn label(self) -> &'static str {
        match self {
            UnitNature::CityCountyCast => "市县级科协",
            UnitNature::ParkCast => "园区科协",
            UnitNature::CityCountySociety => "市县级学会",
            UnitNature::UniversityCast => "高校科协",
            UnitNature::EnterpriseCast => "企业科协",
            UnitNature::TownshipCast => "乡镇科协",
            UnitNature::EnterpriseCastFederation => "企业科协联合会",
        }
    }

    pub fn parse(s: &str) -> Result<UnitNature, DomainError> {
        UnitNature::ALL
            .into_iter()
            .find(|n| n.label() == s.trim())
            .ok_or_else(|| {
                DomainError::invalid(
                    "nature",
                    "单位性质须为 市县级科协、园区科协、市县级学会、高校科协、企业科协、乡镇科协 或 企业科协联合会",
                )
            })
    }

    /// 第八条（一）: "设有科协组织的企事业单位和市级科技社团也可直接向市科协申报" — SPEC §5.2
    /// reads this as 企业科协, 高校科协, 市县级学会 and 市县级科协.
    pub fn may_apply_directly(self) -> bool {
        matches!(
            self,
            UnitNature::EnterpriseCast
                | UnitNature::UniversityCast
                | UnitNature::CityCountySociety
                | UnitNature::CityCountyCast
        )
    }

    /// 第五条: where a station of each level may be hosted.
    pub fn may_host(self, level: Level) -> bool {
        use UnitNature::*;
        match level {
            // 建站单位设在与产业紧密相连的县市区科协或市级学会
            Level::National => matches!(self, CityCountyCast | CityCountySociety),
            // 原则上建在市级学会、县级科协、园区科协、高校科协、企业科协及企业科协联合会
            Level::Provincial => matches!(
                self,
                CityCountySociety
                    | CityCountyCast
                    | ParkCast
                    | UniversityCast
                    | EnterpriseCast
                    | EnterpriseCastFederation
            ),
            // 原则上建在县级科协、乡镇科协、企业科协及企业科协联合会
            Level::Municipal => matches!(
                self,
                CityCountyCast | TownshipCast | EnterpriseCast | EnterpriseCastFederation
            ),
        }
    }
}

/// The required materials of 第九条, uploaded as files.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MaterialKind {
    /// 第九条（二）合作协议（须有明确的合作项目、工作目标）
    Agreement,
    /// 第九条（三）年度绩效目标（经济效益和社会效益）
    PerformanceTargets,
    /// 第九条（四）建站单位情况简介、学会服务站工作细则
    UnitIntroRules,
    /// 第九条（五）组织领导机构、专（兼）职人员名单及联系方式
    OrgStaffList,
}

impl MaterialKind {
    pub const ALL: [MaterialKind; 4] = [
        MaterialKind::Agreement,
        MaterialKind::PerformanceTargets,
        MaterialKind::UnitIntroRules,
        MaterialKind::OrgStaffList,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            MaterialKind::Agreement => "agreement",
            MaterialKind::PerformanceTargets => "performance_targets",
            MaterialKind::UnitIntroRules => "unit_intro_rules",
            MaterialKind::OrgStaffList => "org_staff_list",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            MaterialKind::Agreement => {
                "与学会签订的合作协议或建站协议（含明确的合作项目、工作目标）"
            }
            MaterialKind::PerformanceTargets => "年度绩效目标（经济效益和社会效益）",
            MaterialKind::UnitIntroRules => "建站单位情况简介、学会服务站工作细则",
            MaterialKind::OrgStaffList => "组织领导机构、专（兼）职人员名单及联系方式",
        }
    }

    pub fn parse(s: &str) -> Result<MaterialKind, DomainError> {
        MaterialKind::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| {
                DomainError::invalid(
                    "kind",
                    "材料类型须为 agreement / performance_targets / unit_intro_rules / org_staff_list",
                )
            })
    }
}

/// The application's states (SPEC §4, §5.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum State {
    Draft,
    CountyReview,
    CountyTalentReview,
    CityReview,
    Approval,
    Approved,
    Notice,
    Awarded,
    Returned,
    Rejected,
}

impl State {
    pub const ALL: [State; 10] = [
        State::Draft,
        State::CountyReview,
        State::CountyTalentReview,
        State::CityReview,
        State::Approval,
        State::Approved,
        State::Notice,
        State::Awarded,
        State::Returned,
        State::Rejected,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            State::Draft => "draft",
            State::CountyReview => "county_review",
            State::CountyTalentReview => "county_talent_review",
            State::CityReview => "city_review",
            State::Approval => "approval",
            State::Approved => "approved",
            State::Notice => "notice",
            State::Awarded => "awarded",
            State::Returned => "returned",
            State::Rejected => "rejected",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            State::Draft => "草稿",
            State::CountyReview => "县市区科协初审",
            State::CountyTalentReview => "县市区委人才办审核",
            State::CityReview => "市科协审核",
            State::Approval => "市委人才办审定",
            State::Approved => "已审定，待公示",
            State::Notice => "公示中",
            State::Awarded => "已授牌",
            State::Returned => "已退回修改",
            State::Rejected => "未通过",
        }
    }

    pub fn parse(s: &str) -> Result<State, DomainError> {
        State::ALL
            .into_iter()
            .find(|x| x.as_str() == s)
            .ok_or_else(|| DomainError::invalid("state", format!("未知状态“{s}”")))
    }

    /// The host may change the application only in these states.
    pub fn editable(self) -> bool {
        matches!(self, State::Draft | State::Returned)
    }

    /// Submitted and not finished: counts as "pending" for 第七条（七）.
    pub fn is_pending(self) -> bool {
        matches!(
            self,
            State::CountyReview
                | State::CountyTalentReview
                | State::CityReview
                | State::Approval
                | State::Approved
                | State::Notice
        )
    }
}

/// How the application travels (第八条（一）).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Route {
    #[default]
    /// Through the unit's county CAST and county talent office.
    County,
    /// Straight to city CAST.
    Direct,
}

impl Route {
    /// The first review step of a submission on this route.
    pub fn first_step(self) -> State {
        match self {
            Route::County => State::CountyReview,
            Route::Direct => State::CityReview,
        }
    }
}

/// One broken rule: its code, the article it rests on, the field it concerns, the message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Violation {
    pub code: &'static str,
    pub article: &'static str,
    pub field: &'static str,
    pub message: String,
}

/// Everything the submission rules look at, gathered by the storage layer.
#[derive(Debug, Clone)]
pub struct SubmissionFacts {
    pub today: NaiveDate,
    /// The round's open and close dates, if the application names an existing round.
    pub round: Option<(NaiveDate, NaiveDate)>,
    pub level: Level,
    pub nature: UnitNature,
    pub registered_in_yiyang: bool,
    pub independent_legal_person: bool,
    pub has_funded_expert_workstation: bool,
    pub society_level: Level,
    pub staff: usize,
    /// Experts chosen from the society's own roster.
    pub experts_of_society: usize,
    /// Experts chosen who are not on the society's roster.
    pub experts_elsewhere: usize,
    pub term_years: u32,
    pub term_reason: String,
    pub materials: Vec<MaterialKind>,
    /// Another active station or pending application of the same society (its name).
    pub society_holds: Option<String>,
    pub route: Route,
    pub society_confirmed: bool,
    /// A returned application sent back in: the round's dates were met by its first submission.
    pub resubmission: bool,
}

fn v(code: &'static str, article: &'static str, field: &'static str, message: String) -> Violation {
    Violation {
        code,
        article,
        field,
        message,
    }
}

/// Rule 17 (第八条): applications are accepted only inside an open round.
pub fn check_round(f: &SubmissionFacts) -> Option<Violation> {
    if f.resubmission {
        return None;
    }
    match f.round {
        Some((opens, closes)) if opens <= f.today && f.today <= closes => None,
        Some((opens, closes)) => Some(v(
            "round_closed",
            "第八条",
            "round_id",
            format!(
                "申报批次的受理时间为 {opens} 至 {closes}，今天（{}）不在其中，不能提交",
                f.today
            ),
        )),
        None => Some(v(
            "round_closed",
            "第八条",
            "round_id",
            "须选择一个开放中的申报批次（每两年受理一次建站申请）".into(),
        )),
    }
}

/// Rule 1 (第五条): the host's nature must suit the level applied for.
pub fn check_level_and_host(f: &SubmissionFacts) -> Option<Violation> {
    (!f.nature.may_host(f.level)).then(|| {
        let allowed: Vec<&str> = UnitNature::ALL
            .iter()
            .filter(|n| n.may_host(f.level))
            .map(|n| n.label())
            .collect();
        v(
            "level_host_mismatch",
            "第五条",
            "level",
            format!(
                "{}学会服务站的建站单位应为{}，本单位性质为{}",
                f.level.label(),
                allowed.join("、"),
                f.nature.label()
            ),
        )
    })
}

/// Rule 1, second half (第七条): the society's level must match the level applied for.
pub fn check_society_level(f: &SubmissionFacts) -> Option<Violation> {
    (f.society_level != f.level).then(|| {
        v(
            "society_level_mismatch",
            "第七条",
            "society_id",
            format!(
                "申报{}学会服务站须由{}学会建站，所选学会为{}学会",
                f.level.label(),
                f.level.label(),
                f.society_level.label()
            ),
        )
    })
}

/// Rule 2 (第七条（二）): registered in Yiyang, an independent legal person.
pub fn check_host_conditions(f: &SubmissionFacts) -> Vec<Violation> {
    let mut out = Vec::new();
    if !f.registered_in_yiyang {
        out.push(v(
            "not_registered_in_yiyang",
            "第七条（二）",
            "registered_in_yiyang",
            "申请建站单位必须在益阳市范围内注册".into(),
        ));
    }
    if !f.independent_legal_person {
        out.push(v(
            "not_independent_legal_person",
            "第七条（二）",
            "independent_legal_person",
            "申请建站单位必须具备独立法人资格".into(),
        ));
    }
    out
}

/// Rule 3 (第七条（六）): at least `min_staff` staff and `min_experts` experts of the society.
pub fn check_team(f: &SubmissionFacts, policy: &Policy) -> Vec<Violation> {
    let p = &policy.application;
    let mut out = Vec::new();
    if (f.staff as u32) < p.min_staff {
        out.push(v(
            "too_few_staff",
            "第七条（六）",
            "staff",
            format!(
                "须有专职或兼职工作人员至少 {} 名（现为 {} 名）",
                p.min_staff, f.staff
            ),
        ));
    }
    if f.experts_elsewhere > 0 {
        out.push(v(
            "expert_not_of_society",
            "第七条（六）",
            "expert_ids",
            format!(
                "专家团队须由建站学会的专家组成，有 {} 名所选专家不在该学会专家库中",
                f.experts_elsewhere
            ),
        ));
    }
    if (f.experts_of_society as u32) < p.min_experts {
        out.push(v(
            "too_few_experts",
            "第七条（六）",
            "expert_ids",
            format!(
                "须有不少于 {} 人的学会专家组成的专家团队（现为 {} 人）",
                p.min_experts, f.experts_of_society
            ),
        ));
    }
    out
}

/// Rule 4 (第七条（三）): the term is 2 years; another term needs a stated reason.
pub fn check_term(f: &SubmissionFacts, policy: &Policy) -> Option<Violation> {
    let years = policy.application.term_years;
    (f.term_years != years && f.term_reason.trim().is_empty()).then(|| {
        v(
            "term_without_reason",
            "第七条（三）",
            "term_reason",
            format!(
                "合作期限为 {years} 年；申报 {} 年须说明特殊情况（理由）",
                f.term_years
            ),
        )
    })
}

/// Rule 5 (第七条（七）): one society, one station in the city.
pub fn check_one_station_per_society(f: &SubmissionFacts) -> Option<Violation> {
    f.society_holds.as_ref().map(|other| {
        v(
            "society_has_station",
            "第七条（七）",
            "society_id",
            format!("同一学会在本市原则上只认定一家学会服务站，该学会已有“{other}”"),
        )
    })
}

/// Rule 6 (第七条（七）): a host with a funded municipal-or-higher expert workstation may apply
/// for national level only.
pub fn check_funded_workstation(f: &SubmissionFacts) -> Option<Violation> {
    (f.has_funded_expert_workstation && f.level != Level::National).then(|| {
        v(
            "funded_workstation_national_only",
            "第七条（七）",
            "level",
            "已建有市级专家工作站等以上平台并已获市财政经费资助的建站单位，只能申报国家级学会服务站"
                .into(),
        )
    })
}

/// Rule 7 (第九条): the four required materials are uploaded.
pub fn check_materials(f: &SubmissionFacts) -> Vec<Violation> {
    MaterialKind::ALL
        .into_iter()
        .filter(|k| !f.materials.contains(k))
        .map(|k| {
            v(
                "material_missing",
                "第九条",
                k.as_str(),
                format!("缺少申报材料：{}", k.label()),
            )
        })
        .collect()
}

/// Rule 8 (第八条（一）): only some units may submit straight to city CAST.
pub fn check_route(f: &SubmissionFacts) -> Option<Violation> {
    (f.route == Route::Direct && !f.nature.may_apply_directly()).then(|| {
        v(
            "direct_route_not_allowed",
            "第八条",
            "route",
            format!(
                "{}须经所在地县市区科协初审推荐；只有设有科协组织的企事业单位（企业科协、高校科协）、市县级科协和市级学会可直接向市科协申报",
                f.nature.label()
            ),
        )
    })
}

/// The society confirms the cooperation before submission (SPEC §5.2, 第七条).
pub fn check_confirmation(f: &SubmissionFacts) -> Option<Violation> {
    (!f.society_confirmed).then(|| {
        v(
            "society_not_confirmed",
            "第七条",
            "society_id",
            "建站学会尚未确认合作（学会须在本系统中确认合作内容与专家团队）".into(),
        )
    })
}

/// Every rule a submission must meet; empty when it may be submitted.
pub fn check_submission(f: &SubmissionFacts, policy: &Policy) -> Vec<Violation> {
    let mut out = Vec::new();
    out.extend(check_round(f));
    out.extend(check_level_and_host(f));
    out.extend(check_society_level(f));
    out.extend(check_host_conditions(f));
    out.extend(check_team(f, policy));
    out.extend(check_term(f, policy));
    out.extend(check_one_station_per_society(f));
    out.extend(check_funded_workstation(f));
    out.extend(check_materials(f));
    out.extend(check_route(f));
    out.extend(check_confirmation(f));
    out
}

/// One staff member of the station (第七条（六）).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Staff {
    pub name: String,
    pub mobile: String,
    #[serde(default)]
    pub duty: String,
}

/// The application's content as typed: a draft may be incomplete, but what is there must be
/// well-formed. Completeness is judged at submission ([`check_form_complete`]).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Default)]
pub struct DraftInput {
    pub round_id: i64,
    /// Left out (0): the host unit's own.
    #[serde(default)]
    pub unit_id: i64,
    pub society_id: i64,
    #[serde(default)]
    pub station_name: String,
    #[serde(default)]
    pub level: String,
    #[serde(default)]
    pub industry: String,
    #[serde(default)]
    pub industry_other: String,
    #[serde(default)]
    pub unit_overview: String,
    #[serde(default)]
    pub industry_overview: String,
    #[serde(default)]
    pub society_overview: String,
    #[serde(default)]
    pub work_plan: String,
    #[serde(default)]
    pub term_years: Option<u32>,
    #[serde(default)]
    pub term_reason: String,
    #[serde(default)]
    pub expert_ids: Vec<i64>,
    #[serde(default)]
    pub staff: Vec<Staff>,
    #[serde(default)]
    pub route: Option<String>,
}

/// A well-formed draft.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Draft {
    pub round_id: i64,
    pub unit_id: i64,
    pub society_id: i64,
    pub station_name: String,
    pub level: Level,
    pub industry: String,
    pub industry_other: String,
    pub unit_overview: String,
    pub industry_overview: String,
    pub society_overview: String,
    pub work_plan: String,
    pub term_years: u32,
    pub term_reason: String,
    pub expert_ids: Vec<i64>,
    pub staff: Vec<Staff>,
    pub route: Route,
}

/// Longest text of a long-text box of the form (申报单位基本情况 and the like).
pub const LONG_TEXT_MAX: usize = 20_000;

impl Route {
    pub fn as_str(self) -> &'static str {
        match self {
            Route::County => "county",
            Route::Direct => "direct",
        }
    }

    pub fn parse(s: &str) -> Result<Route, DomainError> {
        match s {
            "" | "county" => Ok(Route::County),
            "direct" => Ok(Route::Direct),
            _ => Err(DomainError::invalid(
                "route",
                "申报途径须为 county 或 direct",
            )),
        }
    }
}

/// Parses a draft; every malformed field is reported at once.
pub fn parse_draft(input: DraftInput, policy: &Policy) -> Result<Draft, DomainError> {
    use crate::organisation::FieldCheck;
    let mut c = FieldCheck::new();
    let level = match Level::parse(input.level.trim()) {
        Ok(l) => l,
        Err(_) => {
            c.add("level", "请选择申报级别（国家级、省级或市级）");
            Level::Municipal
        }
    };
    let industry = input.industry.trim().to_string();
    if !policy.application.industries.contains(&industry) {
        c.add(
            "industry",
            format!(
                "请选择重点产业领域：{}",
                policy.application.industries.join("、")
            ),
        );
    }
    let industry_other = c.optional("industry_other", "其他产业领域", &input.industry_other, 50);
    let station_name = c.optional("station_name", "学会服务站名称", &input.station_name, 100);
    let long = |c: &mut FieldCheck, field: &str, label: &str, v: &str| {
        // Paragraphs are kept: only line endings are normalised and the ends trimmed.
        let v = v.replace("\r\n", "\n").replace('\r', "\n");
        let v = v.trim_matches(|ch: char| ch.is_whitespace()).to_string();
        if v.chars().count() > LONG_TEXT_MAX {
            c.add(field, format!("{label}不能超过 {LONG_TEXT_MAX} 字"));
        }
        v
    };
    let unit_overview = long(
        &mut c,
        "unit_overview",
        "申报单位基本情况",
        &input.unit_overview,
    );
    let industry_overview = long(
        &mut c,
        "industry_overview",
        "服务产业基本情况",
        &input.industry_overview,
    );
    let society_overview = long(
        &mut c,
        "society_overview",
        "建站学会基本情况",
        &input.society_overview,
    );
    let work_plan = long(&mut c, "work_plan", "建站目的工作计划", &input.work_plan);
    let term_years = input.term_years.unwrap_or(policy.application.term_years);
    if !(1..=10).contains(&term_years) {
        c.add("term_years", "合作期限须为 1 至 10 年");
    }
    let term_reason = c.optional("term_reason", "合作期限说明", &input.term_reason, 1000);
    let mut expert_ids = Vec::new();
    for id in input.expert_ids {
        if !expert_ids.contains(&id) {
            expert_ids.push(id);
        }
    }
    let mut staff = Vec::new();
    for (i, s) in input.staff.into_iter().enumerate() {
        if s.name.trim().is_empty() && s.mobile.trim().is_empty() && s.duty.trim().is_empty() {
            continue;
        }
        let field = format!("staff.{i}");
        let name = c.text(
            &field,
            &format!("第 {} 名工作人员的姓名", i + 1),
            &s.name,
            30,
        );
        let mobile = c.mobile(&field, &format!("第 {} 名工作人员的手机", i + 1), &s.mobile);
        let duty = c.optional(&field, "职责", &s.duty, 100);
        staff.push(Staff { name, mobile, duty });
    }
    let route = match Route::parse(input.route.as_deref().unwrap_or("").trim()) {
        Ok(r) => r,
        Err(e) => {
            c.add("route", e.to_string());
            Route::County
        }
    };
    c.finish()?;
    Ok(Draft {
        round_id: input.round_id,
        unit_id: input.unit_id,
        society_id: input.society_id,
        station_name,
        level,
        industry,
        industry_other,
        unit_overview,
        industry_overview,
        society_overview,
        work_plan,
        term_years,
        term_reason,
        expert_ids,
        staff,
        route,
    })
}

/// 第九条（一）: the application form itself must be filled in before it is submitted.
pub fn check_form_complete(d: &Draft) -> Vec<Violation> {
    let mut out = Vec::new();
    let mut need = |field: &'static str, label: &str, value: &str| {
        if value.trim().is_empty() {
            out.push(v(
                "form_incomplete",
                "第九条（一）",
                field,
                format!("申报书未填写：{label}"),
            ));
        }
    };
    need("station_name", "学会服务站名称", &d.station_name);
    need("unit_overview", "申报单位基本情况", &d.unit_overview);
    need(
        "industry_overview",
        "服务产业基本情况",
        &d.industry_overview,
    );
    need("society_overview", "建站学会基本情况", &d.society_overview);
    need("work_plan", "建站目的工作计划", &d.work_plan);
    if d.industry == "其他" {
        need(
            "industry_other",
            "重点产业领域（其他）的具体领域",
            &d.industry_other,
        );
    }
    out
}

/// Where a submission goes (SPEC §4): a draft to the first step of its route; a returned
/// application back to the step that returned it (only a review step can have: any other
/// recorded value, as a damaged row would hold, sends it to the first step of its route).
/// Anything else is not the host's to submit.
pub fn submission_target(
    state: State,
    route: Route,
    returned_from: Option<State>,
) -> Result<State, DomainError> {
    match state {
        State::Draft => Ok(route.first_step()),
        State::Returned => Ok(returned_from
            .filter(|s| crate::review::step_of(*s).is_some())
            .unwrap_or_else(|| route.first_step())),
        other => Err(DomainError::Conflict(format!(
            "申报书当前状态为“{}”，不能再次提交（可能已被他人处理，请刷新页面）",
            other.label()
        ))),
    }
}

/// Who is looking, as far as visibility goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Viewer {
    pub role: crate::account::Role,
    pub unit_id: Option<i64>,
    pub society_id: Option<i64>,
    pub county_id: Option<i64>,
}

/// Which applications a viewer may see (SPEC §1, §5.2): the storage turns this into a query.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// Its own unit's applications, drafts included.
    Unit(i64),
    /// Applications naming the society, once it has been asked to confirm or they are submitted.
    Society(i64),
    /// Submitted applications of one county.
    County(i64),
    /// Every submitted application (city roles, talent office, supervisors).
    AllSubmitted,
    /// None: the administrator manages accounts and sees no application content (等保 三权分立).
    Nothing,
}

impl Viewer {
    pub fn application_scope(&self) -> Scope {
        use crate::account::Role::*;
        match self.role {
            HostUnit => self.unit_id.map_or(Scope::Nothing, Scope::Unit),
            Society => self.society_id.map_or(Scope::Nothing, Scope::Society),
            CountyCast | CountyTalent => self.county_id.map_or(Scope::Nothing, Scope::County),
            CityCast | TalentOffice | Supervisor => Scope::AllSubmitted,
            Admin => Scope::Nothing,
        }
    }
}

/// What the visibility rule needs to know of one application.
#[derive(Debug, Clone, Copy)]
pub struct Visibility {
    pub unit_id: i64,
    pub society_id: i64,
    pub county_id: i64,
    /// It has been submitted at least once.
    pub submitted: bool,
    /// The host asked the society to confirm.
    pub confirmation_requested: bool,
}

impl Scope {
    pub fn allows(&self, a: &Visibility) -> bool {
        match *self {
            Scope::Unit(id) => a.unit_id == id,
            Scope::Society(id) => a.society_id == id && (a.submitted || a.confirmation_requested),
            Scope::County(id) => a.county_id == id && a.submitted,
            Scope::AllSubmitted => a.submitted,
            Scope::Nothing => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok_facts() -> SubmissionFacts {
        let d = |s| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        SubmissionFacts {
            today: d("2026-03-10"),
            round: Some((d("2026-03-01"), d("2026-04-30"))),
            level: Level::Provincial,
            nature: UnitNature::EnterpriseCast,
            registered_in_yiyang: true,
            independent_legal_person: true,
            has_funded_expert_workstation: false,
            society_level: Level::Provincial,
            staff: 1,
            experts_of_society: 5,
            experts_elsewhere: 0,
            term_years: 2,
            term_reason: String::new(),
            materials: MaterialKind::ALL.to_vec(),
            society_holds: None,
            route: Route::County,
            society_confirmed: true,
            resubmission: false,
        }
    }

    fn codes(f: &SubmissionFacts) -> Vec<&'static str> {
        check_submission(f, &Policy::default())
            .into_iter()
            .map(|v| v.code)
            .collect()
    }

    #[test]
    fn a_complete_application_passes() {
        assert!(codes(&ok_facts()).is_empty());
    }

    #[test]
    fn outside_the_round_is_refused_citing_article_8() {
        let mut f = ok_facts();
        f.today = NaiveDate::from_ymd_opt(2026, 5, 1).unwrap();
        let v = check_submission(&f, &Policy::default());
        assert_eq!(v[0].code, "round_closed");
        assert_eq!(v[0].article, "第八条");
        f.today = NaiveDate::from_ymd_opt(2026, 4, 30).unwrap();
        assert!(codes(&f).is_empty(), "the close date is inclusive");
    }

    #[test]
    fn level_and_host_follow_article_5() {
        let mut f = ok_facts();
        f.level = Level::Municipal;
        f.society_level = Level::Municipal;
        f.nature = UnitNature::UniversityCast;
        assert_eq!(codes(&f), ["level_host_mismatch"]);
        f.nature = UnitNature::TownshipCast;
        f.route = Route::County;
        assert!(codes(&f).is_empty());
        f.level = Level::National;
        f.society_level = Level::National;
        assert_eq!(codes(&f), ["level_host_mismatch"]);
        f.nature = UnitNature::CityCountySociety;
        assert!(codes(&f).is_empty());
    }

    #[test]
    fn the_society_level_must_match() {
        let mut f = ok_facts();
        f.society_level = Level::National;
        let v = check_submission(&f, &Policy::default());
        assert_eq!(v.len(), 1);
        assert_eq!(v[0].article, "第七条");
    }

    #[test]
    fn host_conditions_of_article_7_2() {
        let mut f = ok_facts();
        f.registered_in_yiyang = false;
        f.independent_legal_person = false;
        let v = check_submission(&f, &Policy::default());
        assert_eq!(v.len(), 2);
        assert!(v.iter().all(|v| v.article == "第七条（二）"));
    }

    #[test]
    fn team_thresholds_of_article_7_6() {
        let mut f = ok_facts();
        f.experts_of_society = 4;
        assert_eq!(codes(&f), ["too_few_experts"]);
        f.experts_of_society = 5;
        f.staff = 0;
        assert_eq!(codes(&f), ["too_few_staff"]);
        f.staff = 1;
        f.experts_elsewhere = 1;
        assert_eq!(codes(&f), ["expert_not_of_society"]);
    }

    #[test]
    fn a_term_other_than_two_years_needs_a_reason() {
        let mut f = ok_facts();
        f.term_years = 3;
        assert_eq!(codes(&f), ["term_without_reason"]);
        f.term_reason = "企业技改周期为三年".into();
        assert!(codes(&f).is_empty());
    }

    #[test]
    fn one_society_one_station_names_the_first() {
        let mut f = ok_facts();
        f.society_holds = Some("桃江竹产业学会服务站".into());
        let v = check_submission(&f, &Policy::default());
        assert_eq!(v[0].article, "第七条（七）");
        assert!(v[0].message.contains("桃江竹产业学会服务站"));
    }

    #[test]
    fn a_funded_workstation_may_apply_for_national_only() {
        let mut f = ok_facts();
        f.has_funded_expert_workstation = true;
        assert_eq!(codes(&f), ["funded_workstation_national_only"]);
    }

    #[test]
    fn each_missing_material_is_named() {
        let mut f = ok_facts();
        f.materials = vec![MaterialKind::Agreement];
        let v = check_submission(&f, &Policy::default());
        assert_eq!(v.len(), 3);
        assert!(v.iter().all(|v| v.article == "第九条"));
    }

    #[test]
    fn the_direct_route_is_for_cast_organisations_and_societies() {
        let mut f = ok_facts();
        f.route = Route::Direct;
        assert!(codes(&f).is_empty(), "an enterprise CAST may go direct");
        f.nature = UnitNature::ParkCast;
        let v = check_submission(&f, &Policy::default());
        assert_eq!(v[0].code, "direct_route_not_allowed");
        assert_eq!(v[0].article, "第八条");
    }

    fn input() -> DraftInput {
        DraftInput {
            round_id: 1,
            unit_id: 1,
            society_id: 1,
            station_name: "湖南省机械工程学会益阳智能装备服务站".into(),
            level: "provincial".into(),
            industry: "装备制造".into(),
            unit_overview: "第一段。\r\n\r\n第二段。".into(),
            industry_overview: "产业".into(),
            society_overview: "学会".into(),
            work_plan: "计划".into(),
            term_years: Some(2),
            expert_ids: vec![3, 4, 3],
            staff: vec![Staff {
                name: "刘建国".into(),
                mobile: "13807370001".into(),
                duty: String::new(),
            }],
            ..Default::default()
        }
    }

    #[test]
    fn a_draft_keeps_paragraphs_and_drops_duplicate_experts() {
        let d = parse_draft(input(), &Policy::default()).unwrap();
        assert_eq!(d.unit_overview, "第一段。\n\n第二段。");
        assert_eq!(d.expert_ids, vec![3, 4]);
        assert!(check_form_complete(&d).is_empty());
    }

    #[test]
    fn a_draft_reports_every_malformed_field() {
        let mut i = input();
        i.level = "county".into();
        i.industry = "房地产".into();
        i.staff[0].mobile = "12345".into();
        let e = parse_draft(i, &Policy::default()).unwrap_err();
        let fields: Vec<String> = e.field_errors().into_iter().map(|f| f.field).collect();
        assert_eq!(fields, ["level", "industry", "staff.0"]);
    }

    #[test]
    fn an_incomplete_form_is_named_field_by_field() {
        let mut i = input();
        i.station_name.clear();
        i.industry = "其他".into();
        let d = parse_draft(i, &Policy::default()).unwrap();
        let v = check_form_complete(&d);
        assert_eq!(v.len(), 2);
        assert!(v.iter().all(|v| v.article == "第九条（一）"));
    }

    #[test]
    fn a_resubmission_returns_to_the_step_that_returned_it() {
        assert_eq!(
            submission_target(State::Draft, Route::County, None),
            Ok(State::CountyReview)
        );
        assert_eq!(
            submission_target(State::Draft, Route::Direct, None),
            Ok(State::CityReview)
        );
        assert_eq!(
            submission_target(State::Returned, Route::County, Some(State::CityReview)),
            Ok(State::CityReview)
        );
        assert!(submission_target(State::CityReview, Route::County, None).is_err());
        // Found by the property tests (tests/properties/state_machine.rs): a returned
        // application whose record names a state that is no review step never jumps there.
        for from in [
            State::Draft,
            State::Approved,
            State::Awarded,
            State::Rejected,
        ] {
            assert_eq!(
                submission_target(State::Returned, Route::County, Some(from)),
                Ok(State::CountyReview),
                "{from:?}"
            );
        }
        let mut f = ok_facts();
        f.resubmission = true;
        f.today = NaiveDate::from_ymd_opt(2027, 1, 1).unwrap();
        assert!(
            codes(&f).is_empty(),
            "a resubmission is not held to the round's dates"
        );
    }

    #[test]
    fn who_sees_which_application() {
        use crate::account::Role;
        let draft = Visibility {
            unit_id: 1,
            society_id: 2,
            county_id: 3,
            submitted: false,
            confirmation_requested: false,
        };
        let viewer = |role, unit_id, society_id, county_id| Viewer {
            role,
            unit_id,
            society_id,
            county_id,
        };
        let own_unit = viewer(Role::HostUnit, Some(1), None, None).application_scope();
        let other_unit = viewer(Role::HostUnit, Some(9), None, None).application_scope();
        let society = viewer(Role::Society, None, Some(2), None).application_scope();
        let county = viewer(Role::CountyCast, None, None, Some(3)).application_scope();
        let other_county = viewer(Role::CountyTalent, None, None, Some(4)).application_scope();
        let city = viewer(Role::CityCast, None, None, None).application_scope();
        let admin = viewer(Role::Admin, None, None, None).application_scope();
        assert!(own_unit.allows(&draft));
        for s in [other_unit, society, county, city, admin] {
            assert!(!s.allows(&draft), "{s:?} must not see a draft");
        }
        let asked = Visibility {
            confirmation_requested: true,
            ..draft
        };
        assert!(society.allows(&asked));
        let submitted = Visibility {
            submitted: true,
            ..asked
        };
        for s in [own_unit, society, county, city] {
            assert!(s.allows(&submitted), "{s:?}");
        }
        for s in [other_unit, other_county, admin] {
            assert!(!s.allows(&submitted), "{s:?}");
        }
    }

    #[test]
    fn every_failing_rule_is_reported_at_once() {
        let mut f = ok_facts();
        f.staff = 0;
        f.experts_of_society = 2;
        f.term_years = 1;
        f.materials.clear();
        f.society_confirmed = false;
        assert_eq!(check_submission(&f, &Policy::default()).len(), 8);
    }
}
