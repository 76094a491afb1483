//! Any bytes as the JSON body of the API's write routes. Each body type is read as its handler
//! reads it (axum's `Json` extractor, whose rejection the API maps to its error shape) and then
//! checked with the domain's parsers the handler calls, in the same order. Whatever the bytes,
//! the answer is the parsed value or an error whose response is a 4xx: never a panic, never a
//! 500.
#![no_main]

use std::sync::OnceLock;

use axum::Json;
use axum::response::IntoResponse;
use chrono::NaiveDate;
use libfuzzer_sys::fuzz_target;
use serde::de::DeserializeOwned;
use stationhub_domain::DomainError;
use stationhub_domain::account::{NewPassword, Role, Username, parse_display_name, parse_email};
use stationhub_domain::application::{DraftInput, Route, parse_draft};
use stationhub_domain::calendar::{UnknownYears, WorkCalendar};
use stationhub_domain::clock::parse_date;
use stationhub_domain::funds::{Fen, check_expense_category};
use stationhub_domain::lifecycle::parse_change_request;
use stationhub_domain::notice::{ObjectionInput, Outcome, check_notice_start, notice_end};
use stationhub_domain::organisation::{ExpertInput, SocietyInput, UnitInput};
use stationhub_domain::policy::Policy;
use stationhub_domain::review::{Action, SiteInspectionInput, parse_opinion};
use stationhub_domain::round::RoundInput;
use stationhub_domain::station::{ReportKind, check_report_window, grade, indicators, score_sheet};
use stationhub_web::api::{accounts, applications, lifecycle, review, stations};
use stationhub_web::error::ApiError;

fn policy() -> &'static Policy {
    static P: OnceLock<Policy> = OnceLock::new();
    P.get_or_init(Policy::default)
}

fn calendar() -> &'static WorkCalendar {
    static C: OnceLock<WorkCalendar> = OnceLock::new();
    C.get_or_init(WorkCalendar::builtin)
}

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 3, 20).unwrap()
}

/// The handlers' `date(field, s)`: `YYYY-MM-DD`, blanks around ignored.
fn date(field: &str, s: &str) -> Result<NaiveDate, DomainError> {
    parse_date(s.trim()).map_err(|_| DomainError::invalid(field, "日期须为 YYYY-MM-DD 格式"))
}

/// An error as the API answers it: a client error, whatever the input.
fn answer(e: ApiError) {
    let status = e.into_response().status();
    assert!(status.is_client_error(), "answered {status}");
}

/// One body type: read as `ApiJson<T>` reads it, then checked as its handler checks it.
fn body<T: DeserializeOwned>(data: &[u8], check: impl FnOnce(T) -> Result<(), DomainError>) {
    match Json::<T>::from_bytes(data) {
        Ok(Json(v)) => {
            if let Err(e) = check(v) {
                assert!(!e.to_string().is_empty());
                answer(e.into());
            }
        }
        Err(rejection) => answer(rejection.into()),
    }
}

fuzz_target!(|data: &[u8]| {
    let p = policy();
    // POST /api/v1/session, PUT /api/v1/me/password, POST /api/v1/users
    body(data, |_: accounts::SignInRequest| Ok(()));
    body(data, |r: accounts::ChangePasswordRequest| {
        NewPassword::parse(&r.new_password, &p.security).map(|_| ())
    });
    body(data, |r: accounts::CreateUserRequest| {
        Username::parse(&r.username)?;
        parse_display_name(&r.display_name)?;
        Role::parse(&r.role)?;
        NewPassword::parse(&r.password, &p.security)?;
        parse_email(r.email.as_deref().unwrap_or_default()).map(|_| ())
    });
    // POST /api/v1/units, /societies, /societies/{id}/experts, /rounds
    body(data, |u: UnitInput| u.parse().map(|_| ()));
    body(data, |s: SocietyInput| s.parse().map(|_| ()));
    body(data, |x: ExpertInput| x.parse().map(|_| ()));
    body(data, |r: RoundInput| r.parse(p).map(|_| ()));
    // POST /api/v1/applications, PUT /api/v1/applications/{id}, …/submit, …/confirmation
    body(data, |d: DraftInput| parse_draft(d, p).map(|_| ()));
    body(data, |r: applications::UpdateRequest| {
        parse_draft(r.draft, p).map(|_| ())
    });
    body(data, |r: applications::RouteRequest| {
        r.route
            .filter(|r| !r.trim().is_empty())
            .map(|r| Route::parse(r.trim()))
            .transpose()
            .map(|_| ())
    });
    body(data, |_: applications::ConfirmationRequest| Ok(()));
    // POST /api/v1/applications/{id}/decisions
    body(data, |r: review::DecisionRequest| {
        let action = Action::parse(r.action.trim())?;
        parse_opinion(action, &r.opinion)?;
        if let Some(s) = r.site_inspection {
            SiteInspectionInput {
                date: s.date,
                inspectors: s.inspectors,
                findings: s.findings,
            }
            .parse(today())?;
        }
        Ok(())
    });
    // POST /api/v1/notices, …/objections, /objections/{id}/handling, …/award
    body(data, |r: review::NoticeRequest| {
        let starts_on = date("starts_on", &r.starts_on)?;
        check_notice_start(starts_on, today())?;
        let unknown = if r.assume_plain_weekends {
            UnknownYears::AssumePlainWeekends
        } else {
            UnknownYears::Refuse
        };
        notice_end(calendar(), starts_on, p, unknown).map(|_| ())
    });
    body(data, |o: ObjectionInput| o.parse(&[1, 2], p).map(|_| ()));
    body(data, |r: review::HandlingRequest| {
        Outcome::parse(r.outcome.trim()).map(|_| ())
    });
    body(data, |r: review::AwardRequest| {
        r.awarded_on
            .filter(|d| !d.trim().is_empty())
            .map(|d| date("awarded_on", &d))
            .transpose()
            .map(|_| ())
    });
    body(data, |r: review::DayRequest| {
        let name = r.name.trim();
        if name.is_empty() || name.chars().count() > 30 {
            return Err(DomainError::invalid("name", "请填写节日名称（30 字以内）"));
        }
        Ok(())
    });
    // POST /api/v1/stations/{id}/activities, …/assessments, …/reports
    body(data, |r: stations::ActivityRequest| {
        stations::parse_activity(r).map(|_| ())
    });
    body(data, |r: stations::AssessmentRequest| {
        let start = today();
        let items = indicators(r.year.max(1), start, &[], &p.assessment);
        let sheet = score_sheet(&items, &r.items, &p.assessment)?;
        let total: u32 = sheet.iter().map(|l| l.score).sum();
        grade(r.score.unwrap_or(total), &p.assessment).map(|_| ())
    });
    body(data, |r: stations::ReportRequest| {
        let kind = ReportKind::parse(r.kind.trim())?;
        check_report_window(kind, today(), r.year, today(), p)
    });
    // The ledger: grants, payments, expenses, recoveries (integer fen).
    body(data, |r: stations::PaymentRequest| {
        date("paid_on", &r.paid_on).map(|_| ())
    });
    body(data, |r: stations::NationalGrantRequest| {
        Fen::positive("amount_fen", r.amount_fen).map(|_| ())
    });
    body(data, |r: stations::ExpenseRequest| {
        Fen::positive("amount_fen", r.amount_fen)?;
        date("spent_on", &r.spent_on)?;
        check_expense_category(&r.category, p)
    });
    body(data, |r: stations::RecoveryRequest| {
        Fen::positive("amount_fen", r.amount_fen).map(|_| ())
    });
    // POST /api/v1/stations/{id}/requests, /station-requests/{id}/decision (第十四条)
    body(data, |b: lifecycle::ChangeRequestBody| {
        parse_change_request(lifecycle::parse_request_body(b)).map(|_| ())
    });
    body(data, |b: lifecycle::DecisionBody| {
        lifecycle::parse_decision(&b.decision).map(|_| ())
    });
});
