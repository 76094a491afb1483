//! Running a station (第十条至第十四条): its term years and quarters, the indicators of
//! 第十二条（一）至（五） counted from the activity log, and the assessment's grade and
//! consequences.
//!
//! Term year N runs from the award date plus N−1 years to the day before the award date plus N
//! years; quarter k starts at the term year's start plus 3(k−1) months, each counted from that
//! start, a month-end start clamping (31 Aug + 3 months = 30 Nov) (SPEC §5.2).

use chrono::{Months, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::DomainError;
use crate::policy::{AssessmentPolicy, Policy};

/// Station statuses (SPEC §5.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StationStatus {
    Active,
    Rectifying,
    Expired,
    Renewed,
    Removed,
    Merged,
    Revoked,
}

impl StationStatus {
    pub const ALL: [StationStatus; 7] = [
        StationStatus::Active,
        StationStatus::Rectifying,
        StationStatus::Expired,
        StationStatus::Renewed,
        StationStatus::Removed,
        StationStatus::Merged,
        StationStatus::Revoked,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            StationStatus::Active => "active",
            StationStatus::Rectifying => "rectifying",
            StationStatus::Expired => "expired",
            StationStatus::Renewed => "renewed",
            StationStatus::Removed => "removed",
            StationStatus::Merged => "merged",
            StationStatus::Revoked => "revoked",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            StationStatus::Active => "运行中",
            StationStatus::Rectifying => "整改中",
            StationStatus::Expired => "已期满",
            StationStatus::Renewed => "已续建",
            StationStatus::Removed => "已摘牌",
            StationStatus::Merged => "已合并",
            StationStatus::Revoked => "已撤销",
        }
    }

    pub fn parse(s: &str) -> Result<StationStatus, DomainError> {
        StationStatus::ALL
            .into_iter()
            .find(|x| x.as_str() == s)
            .ok_or_else(|| DomainError::invalid("status", format!("未知的服务站状态“{s}”")))
    }

    /// Shown on the public list (SPEC §5.2).
    pub fn is_public(self) -> bool {
        matches!(self, StationStatus::Active | StationStatus::Rectifying)
    }
}

fn add_months(d: NaiveDate, months: u32) -> NaiveDate {
    d.checked_add_months(Months::new(months)).unwrap_or(d)
}

/// Term year `n` (1-based) of a station awarded on `awarded_on`: first and last day.
pub fn term_year(awarded_on: NaiveDate, n: u32) -> (NaiveDate, NaiveDate) {
    let start = add_months(awarded_on, 12 * (n.max(1) - 1));
    let end = add_months(awarded_on, 12 * n.max(1))
        .pred_opt()
        .unwrap_or(start);
    (start, end)
}

/// Quarter `k` (1–4) of the term year starting `year_start`: first and last day.
pub fn quarter(year_start: NaiveDate, k: u32) -> (NaiveDate, NaiveDate) {
    let k = k.clamp(1, 4);
    let start = add_months(year_start, 3 * (k - 1));
    let end = add_months(year_start, 3 * k).pred_opt().unwrap_or(start);
    (start, end)
}

/// The term year holding `d`, if within `years` years of the award.
pub fn term_year_of(awarded_on: NaiveDate, years: u32, d: NaiveDate) -> Option<u32> {
    (1..=years).find(|n| {
        let (s, e) = term_year(awarded_on, *n);
        s <= d && d <= e
    })
}

/// The quarter (1–4) of the term year starting `year_start` holding `d`.
pub fn quarter_of(year_start: NaiveDate, d: NaiveDate) -> Option<u32> {
    (1..=4).find(|k| {
        let (s, e) = quarter(year_start, *k);
        s <= d && d <= e
    })
}

/// Activity kinds of the log (SPEC §5.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ActivityKind {
    ExpertService,
    Survey,
    ResearchOutcome,
    Training,
    Breakthrough,
    ProblemSolved,
    AchievementTransferred,
    AgreementProgress,
}

impl ActivityKind {
    pub const ALL: [ActivityKind; 8] = [
        ActivityKind::ExpertService,
        ActivityKind::Survey,
        ActivityKind::ResearchOutcome,
        ActivityKind::Training,
        ActivityKind::Breakthrough,
        ActivityKind::ProblemSolved,
        ActivityKind::AchievementTransferred,
        ActivityKind::AgreementProgress,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ActivityKind::ExpertService => "expert_service",
            ActivityKind::Survey => "survey",
            ActivityKind::ResearchOutcome => "research_outcome",
            ActivityKind::Training => "training",
            ActivityKind::Breakthrough => "breakthrough",
            ActivityKind::ProblemSolved => "problem_solved",
            ActivityKind::AchievementTransferred => "achievement_transferred",
            ActivityKind::AgreementProgress => "agreement_progress",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            ActivityKind::ExpertService => "专家服务",
            ActivityKind::Survey => "产业调研",
            ActivityKind::ResearchOutcome => "调研成果",
            ActivityKind::Training => "科技骨干培训",
            ActivityKind::Breakthrough => "技术攻关",
            ActivityKind::ProblemSolved => "破解技术难题",
            ActivityKind::AchievementTransferred => "推广转化科技成果",
            ActivityKind::AgreementProgress => "合作协议完成进度",
        }
    }

    pub fn parse(s: &str) -> Result<ActivityKind, DomainError> {
        ActivityKind::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| DomainError::invalid("kind", format!("未知的活动类型“{s}”")))
    }
}

/// One logged activity as the indicators count it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Activity {
    pub kind: ActivityKind,
    pub date: NaiveDate,
    /// Expert service days (expert_service).
    pub days: u32,
    /// Attendances (training).
    pub attendance: u32,
    /// Percent of the agreement completed (agreement_progress).
    pub percent: u32,
}

/// An activity must fall within the term and not after today (SPEC §5.2, else 422).
pub fn check_activity_date(
    date: NaiveDate,
    awarded_on: NaiveDate,
    term_ends_on: NaiveDate,
    today: NaiveDate,
) -> Result<(), DomainError> {
    if date < awarded_on || date > term_ends_on {
        return Err(DomainError::invalid(
            "date",
            format!("活动日期须在服务期内（{awarded_on} 至 {term_ends_on}）"),
        ));
    }
    if date > today {
        return Err(DomainError::invalid(
            "date",
            format!("活动日期不能晚于今天（{today}）"),
        ));
    }
    Ok(())
}

/// What an activity must say of itself (第十二条（一）（二）): the expert of an expert-service
/// record must be on the station's team, with 1–92 days (one quarter at most); a progress
/// record is a percentage.
pub fn check_activity_values(
    kind: ActivityKind,
    expert_id: Option<i64>,
    expert_on_team: bool,
    days: u32,
    percent: u32,
) -> Result<(), DomainError> {
    if kind == ActivityKind::ExpertService {
        if expert_id.is_none() {
            return Err(DomainError::invalid("expert_id", "请选择提供服务的专家"));
        }
        if !expert_on_team {
            return Err(DomainError::invalid(
                "expert_id",
                "该专家不在本服务站的专家团队中",
            ));
        }
        if !(1..=92).contains(&days) {
            return Err(DomainError::invalid("days", "服务天数须为 1 至 92 天"));
        }
    }
    if kind == ActivityKind::AgreementProgress && percent > 100 {
        return Err(DomainError::invalid("percent", "完成比例为 0 至 100"));
    }
    Ok(())
}

/// One indicator: its code (SPEC §5.2), what is required, what was done.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Indicator {
    pub code: String,
    pub label: String,
    pub article: &'static str,
    pub required: u32,
    pub actual: u32,
    pub met: bool,
}

/// The indicators of 第十二条（一）至（五） for term year `year`, from the year's activities.
/// Expert service days count in the quarter holding their start date.
pub fn indicators(
    year: u32,
    year_start: NaiveDate,
    activities: &[Activity],
    a: &AssessmentPolicy,
) -> Vec<Indicator> {
    let (_, year_end) = term_year(year_start, 1);
    let in_year: Vec<&Activity> = activities
        .iter()
        .filter(|x| year_start <= x.date && x.date <= year_end)
        .collect();
    let count = |k: ActivityKind| in_year.iter().filter(|x| x.kind == k).count() as u32;
    let mut out = Vec::new();
    let mut push = |code: String, label: String, article, required: u32, actual: u32| {
        out.push(Indicator {
            met: actual >= required,
            code,
            label,
            article,
            required,
            actual,
        })
    };
    let progress = in_year
        .iter()
        .filter(|x| x.kind == ActivityKind::AgreementProgress)
        .map(|x| x.percent)
        .max()
        .unwrap_or(0);
    push(
        "agreement_progress".into(),
        "合作协议完成比例（%）".into(),
        "第十二条（一）",
        if year >= 2 {
            a.agreement_percent_year2
        } else {
            a.agreement_percent_year1
        },
        progress,
    );
    let mut year_days = 0;
    for k in 1..=4 {
        let (qs, qe) = quarter(year_start, k);
        let days: u32 = in_year
            .iter()
            .filter(|x| x.kind == ActivityKind::ExpertService && qs <= x.date && x.date <= qe)
            .map(|x| x.days)
            .sum();
        year_days += days;
        push(
            format!("expert_days_q{k}"),
            format!("第 {k} 季度专家服务天数（{qs} 至 {qe}）"),
            "第十二条（二）",
            a.expert_days_per_quarter,
            days,
        );
    }
    push(
        "expert_days_year".into(),
        "全年专家服务天数".into(),
        "第十二条（二）",
        a.expert_days_per_year,
        year_days,
    );
    push(
        "surveys".into(),
        "产业调研（次）".into(),
        "第十二条（三）",
        a.surveys_per_year,
        count(ActivityKind::Survey),
    );
    push(
        "research_outcomes".into(),
        "调研成果（项）".into(),
        "第十二条（三）",
        a.research_outcomes_per_year,
        count(ActivityKind::ResearchOutcome),
    );
    let trainings = in_year
        .iter()
        .filter(|x| x.kind == ActivityKind::Training && x.attendance >= a.training_min_attendance)
        .count() as u32;
    push(
        "trainings".into(),
        format!(
            "科技骨干培训（每场不少于 {} 人次，场）",
            a.training_min_attendance
        ),
        "第十二条（四）",
        a.trainings_per_year,
        trainings,
    );
    push(
        "breakthroughs".into(),
        "技术攻关（次）".into(),
        "第十二条（五）",
        a.breakthroughs_per_year,
        count(ActivityKind::Breakthrough),
    );
    push(
        "problems_solved".into(),
        "帮助企业破解技术难题（个）".into(),
        "第十二条（五）",
        a.problems_solved_per_year,
        count(ActivityKind::ProblemSolved),
    );
    push(
        "achievements_transferred".into(),
        "推广转化科技成果（项）".into(),
        "第十二条（五）",
        a.achievements_transferred_per_year,
        count(ActivityKind::AchievementTransferred),
    );
    out
}

/// A warning when the current quarter ends within `quarter_warning_days` with fewer expert
/// days than required.
pub fn quarter_warning(
    year_start: NaiveDate,
    today: NaiveDate,
    indicators: &[Indicator],
    a: &AssessmentPolicy,
) -> Option<String> {
    let k = quarter_of(year_start, today)?;
    let (_, qe) = quarter(year_start, k);
    let left = (qe - today).num_days();
    let i = indicators
        .iter()
        .find(|i| i.code == format!("expert_days_q{k}"))?;
    (left <= i64::from(a.quarter_warning_days) && !i.met).then(|| {
        format!(
            "本季度（至 {qe}）还剩 {left} 天，专家服务仅 {} 天，不足 {} 天（第十二条（二））",
            i.actual, i.required
        )
    })
}

/// 考核等次 (第十二条).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Grade {
    Excellent,
    Pass,
    Fail,
}

impl Grade {
    pub fn label(self) -> &'static str {
        match self {
            Grade::Excellent => "优秀",
            Grade::Pass => "合格",
            Grade::Fail => "不合格",
        }
    }

    pub fn passed(self) -> bool {
        self != Grade::Fail
    }

    /// A grade as stored and shown (优秀 / 合格 / 不合格).
    pub fn parse(s: &str) -> Result<Grade, DomainError> {
        [Grade::Excellent, Grade::Pass, Grade::Fail]
            .into_iter()
            .find(|g| g.label() == s)
            .ok_or_else(|| DomainError::invalid("grade", format!("未知的考核等次“{s}”")))
    }
}

/// The grade of a 100-point score (thresholds from the policy: 90 and 60 by default).
pub fn grade(score: u32, a: &AssessmentPolicy) -> Result<Grade, DomainError> {
    if score > 100 {
        return Err(DomainError::invalid("score", "考核得分为 0 至 100 分"));
    }
    Ok(if score >= a.excellent_from {
        Grade::Excellent
    } else if score >= a.pass_from {
        Grade::Pass
    } else {
        Grade::Fail
    })
}

/// The assessment of term year N may be recorded from `opens_days_before_year_end` days before
/// the award date plus N years (SPEC §5.2; earlier: 409 citing 第十二条).
pub fn check_assessment_window(
    awarded_on: NaiveDate,
    year: u32,
    today: NaiveDate,
    policy: &Policy,
) -> Result<(), DomainError> {
    let years = policy.application.term_years;
    if !(1..=years).contains(&year) {
        return Err(DomainError::invalid(
            "year",
            format!("考核年度须为 1 至 {years}"),
        ));
    }
    let anniversary = add_months(awarded_on, 12 * year);
    let opens =
        anniversary - chrono::Duration::days(policy.assessment.opens_days_before_year_end.into());
    if today < opens {
        return Err(DomainError::Rule {
            code: "assessment_too_early",
            article: "第十二条",
            message: format!("第 {year} 年度考核自 {opens} 起方可录入"),
        });
    }
    Ok(())
}

/// What an assessment leads to (第十二条): a year-1 fail — criticism and rectification; a
/// term-end fail — the plaque is removed and paid grants are recovered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Consequence {
    /// A grant of the level's amount becomes due (第十六条).
    GrantDue,
    /// 通报批评、责令限期整改.
    Rectify,
    /// 摘牌, and every paid grant recovered.
    RemoveAndRecover,
}

impl Consequence {
    pub const ALL: [Consequence; 3] = [
        Consequence::GrantDue,
        Consequence::Rectify,
        Consequence::RemoveAndRecover,
    ];

    /// The code an assessment record keeps.
    pub fn as_str(self) -> &'static str {
        match self {
            Consequence::GrantDue => "grant_due",
            Consequence::Rectify => "rectify",
            Consequence::RemoveAndRecover => "remove_and_recover",
        }
    }

    /// As pages and documents state it, with its article.
    pub fn label(self) -> &'static str {
        match self {
            Consequence::GrantDue => "拨付资助资金（第十六条）",
            Consequence::Rectify => "通报批评，限期整改（第十二条）",
            Consequence::RemoveAndRecover => "摘牌并追回财政资助资金（第十二条）",
        }
    }

    /// The label of a stored code ("—" for none).
    pub fn label_of(code: &str) -> &'static str {
        Consequence::ALL
            .into_iter()
            .find(|c| c.as_str() == code)
            .map_or("—", Consequence::label)
    }
}

pub fn consequence(year: u32, grade: Grade, policy: &Policy) -> Consequence {
    match (grade.passed(), year >= policy.application.term_years) {
        (true, _) => Consequence::GrantDue,
        (false, false) => Consequence::Rectify,
        (false, true) => Consequence::RemoveAndRecover,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn term_years_and_quarters_follow_the_spec() {
        assert_eq!(
            term_year(d("2026-03-18"), 1),
            (d("2026-03-18"), d("2027-03-17"))
        );
        assert_eq!(
            term_year(d("2026-03-18"), 2),
            (d("2027-03-18"), d("2028-03-17"))
        );
        // A month-end start clamps: 31 Aug + 3 months = 30 Nov, + 9 months = 31 May.
        assert_eq!(quarter(d("2026-08-31"), 2).0, d("2026-11-30"));
        assert_eq!(quarter(d("2026-08-31"), 4).0, d("2027-05-31"));
        assert_eq!(
            quarter(d("2026-08-31"), 1),
            (d("2026-08-31"), d("2026-11-29"))
        );
        assert_eq!(quarter_of(d("2026-03-18"), d("2026-06-18")), Some(2));
        assert_eq!(term_year_of(d("2026-03-18"), 2, d("2027-03-18")), Some(2));
        assert_eq!(term_year_of(d("2026-03-18"), 2, d("2028-03-18")), None);
    }

    fn act(kind: ActivityKind, date: &str) -> Activity {
        Activity {
            kind,
            date: d(date),
            days: 0,
            attendance: 0,
            percent: 0,
        }
    }

    fn full_year(start: &str) -> Vec<Activity> {
        let s = d(start);
        let mut v = Vec::new();
        for k in 1..=4 {
            v.push(Activity {
                days: 10,
                ..act(ActivityKind::ExpertService, &quarter(s, k).0.to_string())
            });
        }
        for _ in 0..2 {
            v.push(act(ActivityKind::Survey, start));
            v.push(Activity {
                attendance: 50,
                ..act(ActivityKind::Training, start)
            });
            v.push(act(ActivityKind::ProblemSolved, start));
            v.push(act(ActivityKind::AchievementTransferred, start));
        }
        v.push(act(ActivityKind::ResearchOutcome, start));
        v.push(act(ActivityKind::Breakthrough, start));
        v.push(Activity {
            percent: 50,
            ..act(ActivityKind::AgreementProgress, start)
        });
        v
    }

    #[test]
    fn exactly_the_thresholds_pass_year_one() {
        let p = Policy::default();
        let i = indicators(1, d("2026-03-18"), &full_year("2026-03-18"), &p.assessment);
        assert_eq!(i.len(), 12);
        assert!(i.iter().all(|x| x.met), "{i:?}");
    }

    #[test]
    fn one_short_fails_its_indicator() {
        let p = Policy::default();
        let mut acts = full_year("2026-03-18");
        // A training with 49 attendances does not count.
        let t = acts
            .iter_mut()
            .find(|x| x.kind == ActivityKind::Training)
            .unwrap();
        t.attendance = 49;
        // Quarter 3 has 9 days.
        let q3 = acts
            .iter_mut()
            .filter(|x| x.kind == ActivityKind::ExpertService)
            .nth(2)
            .unwrap();
        q3.days = 9;
        let i = indicators(1, d("2026-03-18"), &acts, &p.assessment);
        let failed: Vec<&str> = i
            .iter()
            .filter(|x| !x.met)
            .map(|x| x.code.as_str())
            .collect();
        assert_eq!(failed, ["expert_days_q3", "expert_days_year", "trainings"]);
    }

    #[test]
    fn year_two_needs_the_whole_agreement() {
        let p = Policy::default();
        let i = indicators(2, d("2027-03-18"), &full_year("2027-03-18"), &p.assessment);
        let a = i.iter().find(|x| x.code == "agreement_progress").unwrap();
        assert_eq!((a.required, a.actual, a.met), (100, 50, false));
    }

    #[test]
    fn a_short_quarter_warns_two_weeks_before_its_end() {
        let p = Policy::default();
        let start = d("2026-03-18");
        let i = indicators(1, start, &[], &p.assessment);
        assert!(quarter_warning(start, d("2026-06-01"), &i, &p.assessment).is_none());
        let w = quarter_warning(start, d("2026-06-10"), &i, &p.assessment).unwrap();
        assert!(w.contains("第十二条（二）"));
    }

    #[test]
    fn grades_follow_the_thresholds() {
        let a = Policy::default().assessment;
        assert_eq!(grade(90, &a).unwrap(), Grade::Excellent);
        assert_eq!(grade(89, &a).unwrap(), Grade::Pass);
        assert_eq!(grade(60, &a).unwrap(), Grade::Pass);
        assert_eq!(grade(59, &a).unwrap(), Grade::Fail);
        assert!(grade(101, &a).is_err());
    }

    #[test]
    fn consequences_of_each_grade() {
        let p = Policy::default();
        assert_eq!(consequence(1, Grade::Pass, &p), Consequence::GrantDue);
        assert_eq!(consequence(1, Grade::Fail, &p), Consequence::Rectify);
        assert_eq!(
            consequence(2, Grade::Fail, &p),
            Consequence::RemoveAndRecover
        );
        assert_eq!(consequence(2, Grade::Excellent, &p), Consequence::GrantDue);
    }

    #[test]
    fn the_assessment_opens_thirty_days_before_the_year_ends() {
        let p = Policy::default();
        let awarded = d("2026-03-18");
        assert!(check_assessment_window(awarded, 1, d("2027-02-15"), &p).is_err());
        assert!(check_assessment_window(awarded, 1, d("2027-02-16"), &p).is_ok());
        assert_eq!(
            check_assessment_window(awarded, 1, d("2027-02-15"), &p)
                .unwrap_err()
                .article(),
            Some("第十二条")
        );
    }

    #[test]
    fn activities_are_dated_within_the_term_and_not_in_the_future() {
        let (a, e, t) = (d("2026-03-18"), d("2028-03-17"), d("2026-06-01"));
        assert!(check_activity_date(d("2026-05-01"), a, e, t).is_ok());
        assert!(check_activity_date(d("2026-03-17"), a, e, t).is_err());
        assert!(check_activity_date(d("2026-06-02"), a, e, t).is_err());
    }
}

/// One line of the 100-point score sheet (第十二条: 按百分制进行打分).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SheetLine {
    pub code: String,
    pub name: String,
    pub points: u32,
    /// The score the activity log gives.
    pub auto: u32,
    /// The score given (the automatic one unless the assessor adjusted it).
    pub score: u32,
    /// Why the assessor departed from the automatic score.
    pub reason: String,
}

/// An assessor's change to one line.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Adjustment {
    pub code: String,
    pub score: u32,
    #[serde(default)]
    pub reason: String,
}

/// The indicators an item of the default sheet stands for; other items (a city's own) have no
/// automatic score and are scored by the assessor.
fn indicators_of(item: &str) -> &'static [&'static str] {
    match item {
        "agreement" => &["agreement_progress"],
        "expert_days" => &[
            "expert_days_q1",
            "expert_days_q2",
            "expert_days_q3",
            "expert_days_q4",
            "expert_days_year",
        ],
        "research" => &["surveys", "research_outcomes"],
        "training" => &["trainings"],
        "breakthroughs" => &[
            "breakthroughs",
            "problems_solved",
            "achievements_transferred",
        ],
        _ => &[],
    }
}

/// The score sheet with its items and weights from the policy, each scored automatically in
/// proportion to its indicators met, then adjusted by the assessor (each change with a reason).
pub fn score_sheet(
    indicators: &[Indicator],
    adjustments: &[Adjustment],
    a: &AssessmentPolicy,
) -> Result<Vec<SheetLine>, DomainError> {
    let mut lines: Vec<SheetLine> = a
        .score_items
        .iter()
        .map(|item| {
            let codes = indicators_of(&item.code);
            let met = indicators
                .iter()
                .filter(|i| codes.contains(&i.code.as_str()) && i.met)
                .count() as u32;
            let auto = if codes.is_empty() {
                0
            } else {
                item.points * met / codes.len() as u32
            };
            SheetLine {
                code: item.code.clone(),
                name: item.name.clone(),
                points: item.points,
                auto,
                score: auto,
                reason: String::new(),
            }
        })
        .collect();
    let mut c = crate::organisation::FieldCheck::new();
    for adj in adjustments {
        let field = format!("items.{}", adj.code);
        let Some(line) = lines.iter_mut().find(|l| l.code == adj.code) else {
            c.add(&field, format!("评分表中没有“{}”一项", adj.code));
            continue;
        };
        if adj.score > line.points {
            c.add(&field, format!("“{}”满分 {} 分", line.name, line.points));
            continue;
        }
        if adj.score != line.auto && adj.reason.trim().is_empty() {
            c.add(
                &field,
                format!("“{}”自动得分为 {} 分，调整须说明理由", line.name, line.auto),
            );
            continue;
        }
        line.score = adj.score;
        line.reason = adj.reason.trim().to_string();
    }
    c.finish()?;
    Ok(lines)
}

#[cfg(test)]
mod sheet_tests {
    use super::*;

    #[test]
    fn the_sheet_scores_from_the_indicators_and_takes_reasoned_adjustments() {
        let p = Policy::default();
        let start = NaiveDate::from_ymd_opt(2026, 3, 18).unwrap();
        let none = indicators(1, start, &[], &p.assessment);
        let sheet = score_sheet(&none, &[], &p.assessment).unwrap();
        assert_eq!(sheet.len(), 5);
        assert_eq!(sheet.iter().map(|l| l.score).sum::<u32>(), 0);
        let adj = Adjustment {
            code: "training".into(),
            score: 15,
            reason: String::new(),
        };
        assert!(
            score_sheet(&none, std::slice::from_ref(&adj), &p.assessment).is_err(),
            "a reason is needed"
        );
        let adj = Adjustment {
            reason: "培训签到表遗漏一场，经核实".into(),
            ..adj
        };
        let sheet = score_sheet(&none, &[adj], &p.assessment).unwrap();
        assert_eq!(sheet.iter().map(|l| l.score).sum::<u32>(), 15);
        let too_much = Adjustment {
            code: "training".into(),
            score: 21,
            reason: "x".into(),
        };
        assert!(score_sheet(&none, &[too_much], &p.assessment).is_err());
    }
}

/// 第十条: the host unit's annual work plan and annual summary.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReportKind {
    Plan,
    Summary,
}

impl ReportKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ReportKind::Plan => "plan",
            ReportKind::Summary => "summary",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            ReportKind::Plan => "年度工作计划",
            ReportKind::Summary => "年度工作总结",
        }
    }

    pub fn parse(s: &str) -> Result<ReportKind, DomainError> {
        match s {
            "plan" => Ok(ReportKind::Plan),
            "summary" => Ok(ReportKind::Summary),
            _ => Err(DomainError::invalid("kind", "kind 须为 plan 或 summary")),
        }
    }
}

/// When a report of term year `year` may be filed: a plan from the award on (for year 1) or
/// from 30 days before the year starts; a summary once the year is within 30 days of its end
/// ("期满一年后对工作站运行情况和绩效情况进行总结", 第十条).
pub fn check_report_window(
    kind: ReportKind,
    awarded_on: NaiveDate,
    year: u32,
    today: NaiveDate,
    policy: &Policy,
) -> Result<(), DomainError> {
    let years = policy.application.term_years;
    if !(1..=years).contains(&year) {
        return Err(DomainError::invalid(
            "year",
            format!("年度须为 1 至 {years}"),
        ));
    }
    let (start, end) = term_year(awarded_on, year);
    let opens = match kind {
        ReportKind::Plan => (start - chrono::Duration::days(30)).max(awarded_on),
        ReportKind::Summary => end - chrono::Duration::days(30),
    };
    if today < opens {
        return Err(DomainError::Rule {
            code: "report_too_early",
            article: "第十条",
            message: format!("第 {year} 年度{}自 {opens} 起方可提交", kind.label()),
        });
    }
    Ok(())
}
