//! Content events: every content write appends what it changed for readers (the event type, its
//! subject and the public API paths whose answers changed), in the same transaction. Read caches
//! evict by them and webhooks are sent from them; `seq` orders them across processes.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(ContentEvents::Table)
                    .col(big_pk_auto(ContentEvents::Seq))
                    .col(timestamp_with_time_zone(ContentEvents::At))
                    .col(string_len(ContentEvents::Kind, 40))
                    .col(text_null(ContentEvents::Subject))
                    .col(text(ContentEvents::Paths))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_content_events_at")
                    .table(ContentEvents::Table)
                    .col(ContentEvents::At)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(ContentEvents::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum ContentEvents {
    Table,
    Seq,
    At,
    Kind,
    Subject,
    Paths,
}
