//! Names of the records a list refers to (units, societies, rounds, counties, offices), read
//! for one page of the list at once: one query per table, only the id and the name, and no
//! query at all when the page refers to none.

use std::collections::{BTreeSet, HashMap};

use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};

use crate::StoreError;

/// `id → name` of the rows of `E` among `ids` (`id` and `name` are its columns).
pub(crate) async fn names_of<E, C>(
    db: &C,
    id: E::Column,
    name: E::Column,
    ids: impl IntoIterator<Item = i64>,
) -> Result<HashMap<i64, String>, StoreError>
where
    E: EntityTrait,
    C: ConnectionTrait,
{
    let ids: BTreeSet<i64> = ids.into_iter().collect();
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let rows: Vec<(i64, String)> = E::find()
        .select_only()
        .column(id)
        .column(name)
        .filter(id.is_in(ids))
        .into_tuple()
        .all(db)
        .await?;
    Ok(rows.into_iter().collect())
}
