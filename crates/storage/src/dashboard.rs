//! The statistics dashboard (city CAST, the talent office and supervisors): stations by level,
//! industry, county and status; applications per round and their outcomes; indicator compliance
//! of the running stations; grants paid and expenses by category per year. Counts are grouped in
//! the database; only the indicator check reads activities, through the same rule as the
//! station page (`domain::station::indicators`).

use std::collections::{BTreeMap, HashMap};

use chrono::{Datelike, NaiveDate};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use serde::Serialize;
use stationhub_domain::DomainError;
use stationhub_domain::application::{Level, State};
use stationhub_domain::policy::Policy;
use stationhub_domain::station::StationStatus;

use crate::accounts::UserView;
use crate::entity::{application, county, ledger_entry, round, station};
use crate::{Store, StoreError};

/// One bar: a label and its count (or amount in fen).
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Bar {
    pub key: String,
    pub label: String,
    pub value: i64,
}

/// A round's applications by outcome.
#[derive(Debug, Clone, Serialize)]
pub struct RoundOutcomes {
    pub round_id: i64,
    pub round: String,
    pub opens_on: NaiveDate,
    /// Still being drafted or revised by the host (draft, returned).
    pub drafting: i64,
    /// Submitted and under review, or approved and in notice.
    pub in_review: i64,
    pub awarded: i64,
    pub rejected: i64,
}

/// One indicator across the running stations.
#[derive(Debug, Clone, Serialize)]
pub struct Compliance {
    pub code: String,
    pub label: String,
    pub met: i64,
    pub total: i64,
}

/// One year of money (fen).
#[derive(Debug, Clone, Serialize, Default)]
pub struct MoneyYear {
    pub year: i32,
    pub grants_paid_fen: i64,
    pub expenses_fen: i64,
    /// Expenses by category, in the policy's order (第十七条).
    pub by_category: Vec<Bar>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Dashboard {
    pub today: NaiveDate,
    pub stations_total: i64,
    pub stations_by_level: Vec<Bar>,
    pub stations_by_industry: Vec<Bar>,
    pub stations_by_county: Vec<Bar>,
    pub stations_by_status: Vec<Bar>,
    pub rounds: Vec<RoundOutcomes>,
    /// Running stations whose current term year meets every indicator, of all running ones.
    pub all_met: i64,
    pub running: i64,
    pub compliance: Vec<Compliance>,
    pub money: Vec<MoneyYear>,
}

/// An indicator's label without the dates of one station's quarter (the dashboard counts every
/// station, each with its own quarters).
fn generic_label(code: &str, label: &str) -> String {
    match code.strip_prefix("expert_days_q") {
        Some(q) => format!("第{q}季度专家服务天数"),
        None => label.to_string(),
    }
}

/// Sorted by value (largest first), then label.
fn bars(mut v: Vec<Bar>) -> Vec<Bar> {
    v.sort_by(|a, b| b.value.cmp(&a.value).then(a.label.cmp(&b.label)));
    v
}

impl Store {
    pub async fn dashboard(
        &self,
        user: &UserView,
        today: NaiveDate,
        policy: &Policy,
    ) -> Result<Dashboard, StoreError> {
        if !user.role.sees_whole_city() {
            return Err(DomainError::Forbidden.into());
        }
        let db = self.db();
        let count = || Expr::col(station::Column::Id).count();

        let by = |col: station::Column| {
            station::Entity::find()
                .select_only()
                .column(col)
                .column_as(count(), "n")
                .filter(station::Column::Status.is_in(["active", "rectifying"]))
                .group_by(col)
                .into_tuple::<(String, i64)>()
        };
        let per_level = by(station::Column::Level).all(db).await?;
        // Every level, national first, zeros included.
        let levels: Vec<Bar> = Level::ALL
            .into_iter()
            .map(|l| Bar {
                key: l.as_str().into(),
                label: l.label().into(),
                value: per_level
                    .iter()
                    .find(|p| p.0 == l.as_str())
                    .map(|p| p.1)
                    .unwrap_or(0),
            })
            .collect();
        let industries: Vec<Bar> = by(station::Column::Industry)
            .all(db)
            .await?
            .into_iter()
            .map(|(k, n)| Bar {
                label: k.clone(),
                key: k,
                value: n,
            })
            .collect();
        let counties = county::Entity::find()
            .order_by_asc(county::Column::Id)
            .all(db)
            .await?;
        let per_county: Vec<(i64, i64)> = station::Entity::find()
            .select_only()
            .column(station::Column::CountyId)
            .column_as(count(), "n")
            .filter(station::Column::Status.is_in(["active", "rectifying"]))
            .group_by(station::Column::CountyId)
            .into_tuple()
            .all(db)
            .await?;
        let per_county: HashMap<i64, i64> = per_county.into_iter().collect();
        // Every county in the policy's order, zeros included.
        let by_county: Vec<Bar> = counties
            .into_iter()
            .map(|c| Bar {
                key: c.id.to_string(),
                value: per_county.get(&c.id).copied().unwrap_or(0),
                label: c.name,
            })
            .collect();
        let per_status: Vec<(String, i64)> = station::Entity::find()
            .select_only()
            .column(station::Column::Status)
            .column_as(count(), "n")
            .group_by(station::Column::Status)
            .into_tuple()
            .all(db)
            .await?;
        let stations_total = per_status.iter().map(|s| s.1).sum();
        // Every status, in the state machine's order, zeros included.
        let by_status: Vec<Bar> = StationStatus::ALL
            .into_iter()
            .map(|s| Bar {
                key: s.as_str().into(),
                label: s.label().into(),
                value: per_status
                    .iter()
                    .find(|p| p.0 == s.as_str())
                    .map(|p| p.1)
                    .unwrap_or(0),
            })
            .collect();

        // Applications per round and outcome (regular rounds; imports are records, not rounds).
        let rounds = round::Entity::find()
            .filter(round::Column::Kind.eq(round::KIND_REGULAR))
            .order_by_asc(round::Column::OpensOn)
            .all(db)
            .await?;
        let per_round: Vec<(i64, String, i64)> = application::Entity::find()
            .select_only()
            .column(application::Column::RoundId)
            .column(application::Column::State)
            .column_as(Expr::col(application::Column::Id).count(), "n")
            .group_by(application::Column::RoundId)
            .group_by(application::Column::State)
            .into_tuple()
            .all(db)
            .await?;
        let rounds = rounds
            .into_iter()
            .map(|r| {
                let mut o = RoundOutcomes {
                    round_id: r.id,
                    round: r.name,
                    opens_on: r.opens_on,
                    drafting: 0,
                    in_review: 0,
                    awarded: 0,
                    rejected: 0,
                };
                for (_, state, n) in per_round.iter().filter(|p| p.0 == r.id) {
                    match State::parse(state) {
                        Ok(State::Awarded) => o.awarded += n,
                        Ok(State::Rejected) => o.rejected += n,
                        Ok(State::Draft | State::Returned) => o.drafting += n,
                        _ => o.in_review += n,
                    }
                }
                o
            })
            .collect();

        // Indicator compliance of the running stations' current term year.
        let table = self.indicator_table(today, policy).await?;
        let mut compliance: Vec<Compliance> = Vec::new();
        let mut all_met = 0;
        for (_, r) in &table {
            if r.all_met {
                all_met += 1;
            }
            for i in &r.items {
                match compliance.iter_mut().find(|c| c.code == i.code) {
                    Some(c) => {
                        c.total += 1;
                        c.met += i64::from(i.met);
                    }
                    None => compliance.push(Compliance {
                        code: i.code.clone(),
                        label: generic_label(&i.code, &i.label),
                        met: i64::from(i.met),
                        total: 1,
                    }),
                }
            }
        }

        // Money per year: grants by payment date, expenses by date and category.
        let entries: Vec<(String, String, String, i64, NaiveDate, Option<NaiveDate>)> =
            ledger_entry::Entity::find()
                .select_only()
                .column(ledger_entry::Column::Kind)
                .column(ledger_entry::Column::Status)
                .column(ledger_entry::Column::Category)
                .column(ledger_entry::Column::AmountFen)
                .column(ledger_entry::Column::OnDate)
                .column(ledger_entry::Column::PaidOn)
                .filter(ledger_entry::Column::Kind.is_in(["grant", "expense"]))
                .into_tuple()
                .all(db)
                .await?;
        let mut years: BTreeMap<i32, MoneyYear> = BTreeMap::new();
        let blank = |year: i32| MoneyYear {
            year,
            by_category: policy
                .expenses
                .categories
                .iter()
                .map(|c| Bar {
                    key: c.clone(),
                    label: c.clone(),
                    value: 0,
                })
                .collect(),
            ..Default::default()
        };
        for (kind, status, category, fen, on, paid_on) in entries {
            match (kind.as_str(), status.as_str()) {
                ("grant", "paid") => {
                    let y = paid_on.unwrap_or(on).year();
                    years.entry(y).or_insert_with(|| blank(y)).grants_paid_fen += fen;
                }
                ("expense", _) => {
                    let y = on.year();
                    let m = years.entry(y).or_insert_with(|| blank(y));
                    m.expenses_fen += fen;
                    match m.by_category.iter_mut().find(|b| b.key == category) {
                        Some(b) => b.value += fen,
                        None => m.by_category.push(Bar {
                            key: category.clone(),
                            label: category,
                            value: fen,
                        }),
                    }
                }
                _ => {}
            }
        }

        Ok(Dashboard {
            today,
            stations_total,
            stations_by_level: levels,
            stations_by_industry: bars(industries),
            stations_by_county: by_county,
            stations_by_status: by_status,
            rounds,
            all_met,
            running: table.len() as i64,
            compliance,
            money: years.into_values().collect(),
        })
    }
}
