//! The fund overview across stations and years (第十五条至第十九条): what finance and audit
//! supervisors and city CAST look at — grants due and paid, expenses by category, recoveries and
//! balances, per station, per year and in total. Sums follow the domain's [`Totals`].

use std::collections::{BTreeMap, HashMap};

use chrono::Datelike;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use serde::Serialize;
use stationhub_domain::DomainError;
use stationhub_domain::funds::{Fen, Totals};

use crate::accounts::UserView;
use crate::entity::{county, ledger_entry, station, unit};
use crate::{Store, StoreError};

/// One station's sums.
#[derive(Debug, Clone, Serialize)]
pub struct FundRow {
    pub station_id: i64,
    pub station_name: String,
    pub level: String,
    pub status: String,
    pub county: String,
    pub unit: String,
    pub totals: Totals,
    pub balance_fen: i64,
    /// Expenses recorded without their voucher (凭证) yet.
    pub vouchers_missing: u32,
}

/// One year's sums (by the entry's date; a paid grant by its payment date).
#[derive(Debug, Clone, Serialize)]
pub struct YearRow {
    pub year: i32,
    pub totals: Totals,
}

#[derive(Debug, Clone, Serialize)]
pub struct CategoryRow {
    pub category: String,
    pub amount_fen: i64,
}

#[derive(Debug, Clone, Serialize)]
pub struct FundOverview {
    /// The year asked for, if any (else every year).
    pub year: Option<i32>,
    pub rows: Vec<FundRow>,
    pub by_year: Vec<YearRow>,
    pub by_category: Vec<CategoryRow>,
    pub totals: Totals,
    pub balance_fen: i64,
    pub years: Vec<i32>,
}

/// The year an entry counts in.
fn year_of(e: &ledger_entry::Model) -> i32 {
    e.paid_on
        .filter(|_| e.status == "paid")
        .unwrap_or(e.on_date)
        .year()
}

impl Store {
    /// The overview for the city roles and supervisors (every station), and for a county's
    /// roles (the county's stations); `year` limits the sums to one calendar year.
    pub async fn fund_overview(
        &self,
        user: &UserView,
        year: Option<i32>,
        categories: &[String],
    ) -> Result<FundOverview, StoreError> {
        let mut q = station::Entity::find().order_by_asc(station::Column::Id);
        if !user.role.may_read_funds() {
            return Err(DomainError::Forbidden.into());
        }
        if !user.role.sees_whole_city() {
            q = q.filter(station::Column::CountyId.eq(user.county_id.unwrap_or(-1)));
        }
        let stations = q.all(self.db()).await?;
        let ids: Vec<i64> = stations.iter().map(|s| s.id).collect();
        let entries = ledger_entry::Entity::find()
            .filter(ledger_entry::Column::StationId.is_in(ids))
            .all(self.db())
            .await?;
        let counties: HashMap<i64, String> = county::Entity::find()
            .all(self.db())
            .await?
            .into_iter()
            .map(|c| (c.id, c.name))
            .collect();
        let unit_ids: Vec<i64> = stations.iter().map(|s| s.unit_id).collect();
        let units: HashMap<i64, String> = unit::Entity::find()
            .filter(unit::Column::Id.is_in(unit_ids))
            .all(self.db())
            .await?
            .into_iter()
            .map(|u| (u.id, u.name))
            .collect();

        let mut per_station: HashMap<i64, (Totals, u32)> = HashMap::new();
        let mut per_year: BTreeMap<i32, Totals> = BTreeMap::new();
        // In the policy's order (第十七条), then anything else recorded.
        let mut per_category: Vec<(String, i64)> =
            categories.iter().map(|c| (c.clone(), 0)).collect();
        let mut years = std::collections::BTreeSet::new();
        for e in &entries {
            let y = year_of(e);
            years.insert(y);
            per_year
                .entry(y)
                .or_default()
                .add(&e.kind, &e.status, Fen(e.amount_fen));
            if year.is_some_and(|want| want != y) {
                continue;
            }
            let slot = per_station.entry(e.station_id).or_default();
            slot.0.add(&e.kind, &e.status, Fen(e.amount_fen));
            if e.kind == "expense" {
                match per_category.iter_mut().find(|(c, _)| *c == e.category) {
                    Some((_, sum)) => *sum += e.amount_fen,
                    None => per_category.push((e.category.clone(), e.amount_fen)),
                }
                if e.voucher_file_id.is_none() {
                    slot.1 += 1;
                }
            }
        }
        let mut totals = Totals::default();
        let rows: Vec<FundRow> = stations
            .into_iter()
            .map(|s| {
                let (t, missing) = per_station.get(&s.id).copied().unwrap_or_default();
                totals.merge(&t);
                FundRow {
                    station_id: s.id,
                    station_name: s.name,
                    level: s.level,
                    status: s.status,
                    county: counties.get(&s.county_id).cloned().unwrap_or_default(),
                    unit: units.get(&s.unit_id).cloned().unwrap_or_default(),
                    balance_fen: t.balance().0,
                    totals: t,
                    vouchers_missing: missing,
                }
            })
            .collect();
        Ok(FundOverview {
            year,
            balance_fen: totals.balance().0,
            totals,
            rows,
            by_year: per_year
                .into_iter()
                .map(|(year, totals)| YearRow { year, totals })
                .collect(),
            by_category: per_category
                .into_iter()
                .map(|(category, amount_fen)| CategoryRow {
                    category,
                    amount_fen,
                })
                .collect(),
            years: years.into_iter().collect(),
        })
    }
}
