//! What the official documents read besides the records other modules already give: the
//! public notice a station went through, and whose seal an issuer stamps. Read-only.

use chrono::NaiveDate;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use stationhub_domain::account::Role;

use crate::entity::{notice, notice_item, office, opinion};
use crate::{Store, StoreError};

impl Store {
    /// The period of the latest public notice that listed an application (第八条（三）).
    pub async fn notice_period_of(
        &self,
        application_id: i64,
    ) -> Result<Option<(NaiveDate, NaiveDate)>, StoreError> {
        let Some(item) = notice_item::Entity::find()
            .filter(notice_item::Column::ApplicationId.eq(application_id))
            .order_by_desc(notice_item::Column::NoticeId)
            .one(self.db())
            .await?
        else {
            return Ok(None);
        };
        Ok(notice::Entity::find_by_id(item.notice_id)
            .one(self.db())
            .await?
            .map(|n| (n.starts_on, n.ends_on)))
    }

    /// Whose seal the award document carries: the office that awarded it (its opinion).
    pub async fn award_seal_owner(
        &self,
        application_id: i64,
    ) -> Result<Option<String>, StoreError> {
        Ok(opinion::Entity::find()
            .filter(opinion::Column::ApplicationId.eq(application_id))
            .filter(opinion::Column::Action.eq("award"))
            .order_by_desc(opinion::Column::Id)
            .one(self.db())
            .await?
            .map(|o| o.seal_owner)
            .filter(|s| !s.is_empty()))
    }

    /// The seal owner (`office:ID`) of the city's office of a role (市科协, 市委人才办): the
    /// first office of that role without a county.
    pub async fn city_office_seal_owner(&self, role: Role) -> Result<Option<String>, StoreError> {
        Ok(office::Entity::find()
            .filter(office::Column::Kind.eq(role.as_str()))
            .filter(office::Column::CountyId.is_null())
            .order_by_asc(office::Column::Id)
            .one(self.db())
            .await?
            .map(|o| format!("office:{}", o.id)))
    }
}
