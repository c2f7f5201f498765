//! Marketers' promotions: promos can be paused and carry their last link check; placements put
//! promos into named slots (optionally for one article tag, with a priority and a schedule); and
//! every counted click on a tracked link is one row (promo, time, coarse referring article).

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // SQLite adds one column per ALTER TABLE.
        let promo_columns = [
            boolean(Promos::Paused).default(false).to_owned(),
            string_len_null(Promos::LinkVerdict, 20),
            integer_null(Promos::LinkStatus),
            text_null(Promos::LinkDetail),
            timestamp_with_time_zone_null(Promos::LinkCheckedAt),
        ];
        for mut column in promo_columns {
            manager
                .alter_table(
                    Table::alter()
                        .table(Promos::Table)
                        .add_column(&mut column)
                        .to_owned(),
                )
                .await?;
        }

        manager
            .create_table(
                Table::create()
                    .table(PromoPlacements::Table)
                    .col(pk_auto(PromoPlacements::Id))
                    .col(integer(PromoPlacements::PromoId))
                    .col(string_len(PromoPlacements::Slot, 60))
                    .col(string_len_null(PromoPlacements::Tag, 60))
                    .col(integer(PromoPlacements::Priority).default(0))
                    .col(timestamp_with_time_zone_null(PromoPlacements::StartsAt))
                    .col(timestamp_with_time_zone_null(PromoPlacements::EndsAt))
                    .col(timestamp_with_time_zone(PromoPlacements::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_promo_placements_promo")
                            .from(PromoPlacements::Table, PromoPlacements::PromoId)
                            .to(Promos::Table, Promos::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_promo_placements_slot")
                    .table(PromoPlacements::Table)
                    .col(PromoPlacements::Slot)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_promo_placements_promo")
                    .table(PromoPlacements::Table)
                    .col(PromoPlacements::PromoId)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(PromoClicks::Table)
                    .col(big_pk_auto(PromoClicks::Id))
                    .col(integer(PromoClicks::PromoId))
                    .col(timestamp_with_time_zone(PromoClicks::ClickedAt))
                    .col(integer_null(PromoClicks::ArticleId))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_promo_clicks_promo")
                            .from(PromoClicks::Table, PromoClicks::PromoId)
                            .to(Promos::Table, Promos::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_promo_clicks_article")
                            .from(PromoClicks::Table, PromoClicks::ArticleId)
                            .to(Articles::Table, Articles::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_promo_clicks_promo_time")
                    .table(PromoClicks::Table)
                    .col(PromoClicks::PromoId)
                    .col(PromoClicks::ClickedAt)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_promo_clicks_article")
                    .table(PromoClicks::Table)
                    .col(PromoClicks::ArticleId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(PromoClicks::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(PromoPlacements::Table).to_owned())
            .await?;
        for column in [
            Promos::LinkCheckedAt,
            Promos::LinkDetail,
            Promos::LinkStatus,
            Promos::LinkVerdict,
            Promos::Paused,
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Promos::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden, Clone, Copy)]
enum Promos {
    Table,
    Id,
    Paused,
    LinkVerdict,
    LinkStatus,
    LinkDetail,
    LinkCheckedAt,
}

#[derive(DeriveIden)]
enum PromoPlacements {
    Table,
    Id,
    PromoId,
    Slot,
    Tag,
    Priority,
    StartsAt,
    EndsAt,
    CreatedAt,
}

#[derive(DeriveIden)]
enum PromoClicks {
    Table,
    Id,
    PromoId,
    ClickedAt,
    ArticleId,
}

#[derive(DeriveIden)]
enum Articles {
    Table,
    Id,
}
