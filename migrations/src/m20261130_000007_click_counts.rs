//! Clicks as counters: one row per (promo, second, referring article) with how many clicks it had,
//! instead of one row per click, so storing clicks keeps up with the redirect (one upsert per
//! batch) and the table grows with the seconds that had clicks, not with the clicks.
//!
//! Every existing click row is added into its counter (the second it was stored with, its article
//! or 0 for none), then the click rows are dropped: all totals, days and articles stay exactly as
//! they were. `down` expands each counter back into that many click rows.
//!
//! `article_id` is part of the key, so it cannot be NULL (0 means no article), and it has no
//! foreign key: a deleted article's counters keep its id and reports count them as "no referring
//! article". Deleting a promo still deletes its counters.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    /// All or nothing on SQLite too (it moves data): a failure leaves the click rows as they were.
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(PromoClickCounts::Table)
                    .col(integer(PromoClickCounts::PromoId))
                    .col(timestamp_with_time_zone(PromoClickCounts::ClickedAt))
                    .col(integer(PromoClickCounts::ArticleId).default(0))
                    .col(big_integer(PromoClickCounts::Clicks))
                    .primary_key(
                        Index::create()
                            .col(PromoClickCounts::PromoId)
                            .col(PromoClickCounts::ClickedAt)
                            .col(PromoClickCounts::ArticleId),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_promo_click_counts_promo")
                            .from(PromoClickCounts::Table, PromoClickCounts::PromoId)
                            .to(Promos::Table, Promos::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        // Written out, not bound: PostgreSQL must see the same expression in SELECT and GROUP BY.
        let article = Expr::cust("COALESCE(\"article_id\", 0)");
        let counted = Query::select()
            .column(PromoClicks::PromoId)
            .column(PromoClicks::ClickedAt)
            .expr(article.clone())
            .expr(Expr::col(PromoClicks::Id).count())
            .from(PromoClicks::Table)
            .group_by_col(PromoClicks::PromoId)
            .group_by_col(PromoClicks::ClickedAt)
            .add_group_by([article])
            .to_owned();
        manager
            .exec_stmt(
                Query::insert()
                    .into_table(PromoClickCounts::Table)
                    .columns([
                        PromoClickCounts::PromoId,
                        PromoClickCounts::ClickedAt,
                        PromoClickCounts::ArticleId,
                        PromoClickCounts::Clicks,
                    ])
                    .select_from(counted)
                    .map_err(|e| DbErr::Migration(e.to_string()))?
                    .to_owned(),
            )
            .await?;
        manager
            .drop_table(Table::drop().table(PromoClicks::Table).to_owned())
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // The table as migration 4 made it.
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
            .await?;
        // One row per click: each counter joined with the numbers 1..=clicks. Ids of articles
        // deleted since become NULL, as the foreign key would have made them.
        manager
            .get_connection()
            .execute_unprepared(
                r#"WITH RECURSIVE n(i) AS (
                    SELECT 1
                    UNION ALL
                    SELECT i + 1 FROM n
                    WHERE i < (SELECT COALESCE(MAX("clicks"), 0) FROM "promo_click_counts")
                )
                INSERT INTO "promo_clicks" ("promo_id", "clicked_at", "article_id")
                SELECT c."promo_id", c."clicked_at", a."id"
                FROM "promo_click_counts" c
                JOIN n ON n.i <= c."clicks"
                LEFT JOIN "articles" a ON a."id" = c."article_id"
                ORDER BY c."clicked_at""#,
            )
            .await?;
        manager
            .drop_table(Table::drop().table(PromoClickCounts::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum PromoClickCounts {
    Table,
    PromoId,
    ClickedAt,
    ArticleId,
    Clicks,
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
enum Promos {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Articles {
    Table,
    Id,
}
