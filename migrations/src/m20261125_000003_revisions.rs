//! Article revisions: every save through the admin keeps the full article (with its blocks) as
//! JSON, with who saved it and when, so an editor can compare and restore. Also the settings
//! table, which holds the key that signs preview links (shared by every Tether process).

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
                    .table(ArticleRevisions::Table)
                    .col(big_pk_auto(ArticleRevisions::Id))
                    .col(integer(ArticleRevisions::ArticleId))
                    .col(integer(ArticleRevisions::Version))
                    .col(timestamp_with_time_zone(ArticleRevisions::SavedAt))
                    .col(integer_null(ArticleRevisions::UserId))
                    .col(string_len(ArticleRevisions::Author, 254))
                    .col(text(ArticleRevisions::Content))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_article_revisions_article")
                            .from(ArticleRevisions::Table, ArticleRevisions::ArticleId)
                            .to(Articles::Table, Articles::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_article_revisions_user")
                            .from(ArticleRevisions::Table, ArticleRevisions::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_article_revisions_article_version")
                    .table(ArticleRevisions::Table)
                    .col(ArticleRevisions::ArticleId)
                    .col(ArticleRevisions::Version)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Settings::Table)
                    .col(string_len(Settings::Key, 100).primary_key())
                    .col(text(Settings::Value))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Settings::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(ArticleRevisions::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum ArticleRevisions {
    Table,
    Id,
    ArticleId,
    Version,
    SavedAt,
    UserId,
    Author,
    Content,
}

#[derive(DeriveIden)]
enum Articles {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Settings {
    Table,
    Key,
    Value,
}
