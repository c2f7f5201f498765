//! `content_events.lists_in_place`: the event's `/api/v1/articles` means only that its subject, a
//! visible article, changed in place (same slug, time and tags), so read caches in other
//! processes keep the list pages that do not show it. Older events read as `false` (every list
//! and search page changed), which is what they meant.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(ContentEvents::Table)
                    .add_column(boolean(ContentEvents::ListsInPlace).default(false))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(ContentEvents::Table)
                    .drop_column(ContentEvents::ListsInPlace)
                    .to_owned(),
            )
            .await
    }
}

#[derive(DeriveIden)]
enum ContentEvents {
    Table,
    ListsInPlace,
}
