//! 存量服务站导入 (第八条; SPEC §3 rule 17): a round has a kind — `regular` rounds receive
//! applications, an `import` round holds the records of the stations one import brought in (it
//! is never open, listed for new applications nor checked for overlap) — and a station records
//! whether it was imported rather than awarded in the system.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table("rounds")
                .add_column(string("kind").default("regular"))
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table("stations")
                .add_column(boolean("imported").default(false))
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table("stations")
                .drop_column("imported")
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table("rounds")
                .drop_column("kind")
                .to_owned(),
        )
        .await
    }
}
