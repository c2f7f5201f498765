//! The content model: perspectives, promos, feeling lists, step guides, articles and their
//! ordered blocks, plus the single-row content version that read caches check.

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
                    .table(Perspectives::Table)
                    .col(pk_auto(Perspectives::Id))
                    .col(string_len_uniq(Perspectives::Key, 120))
                    .col(string_len(Perspectives::Label, 200))
                    .col(integer(Perspectives::Position))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Promos::Table)
                    .col(pk_auto(Promos::Id))
                    .col(string_len_uniq(Promos::Slug, 120))
                    .col(
                        string_len(Promos::Kind, 20).check(Expr::col(Promos::Kind).is_in([
                            "affiliate",
                            "book",
                            "quiz",
                            "cta",
                        ])),
                    )
                    .col(text_null(Promos::Eyebrow))
                    .col(text(Promos::Title))
                    .col(text_null(Promos::Body))
                    .col(text_null(Promos::Icon))
                    .col(text_null(Promos::CtaLabel))
                    .col(text(Promos::TargetUrl))
                    .col(text_null(Promos::Disclosure))
                    .col(timestamp_with_time_zone_null(Promos::StartsAt))
                    .col(timestamp_with_time_zone_null(Promos::EndsAt))
                    .col(timestamp_with_time_zone(Promos::CreatedAt))
                    .col(timestamp_with_time_zone(Promos::UpdatedAt))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(FeelingLists::Table)
                    .col(pk_auto(FeelingLists::Id))
                    .col(string_len_uniq(FeelingLists::Slug, 120))
                    .col(text(FeelingLists::Title))
                    .col(timestamp_with_time_zone(FeelingLists::CreatedAt))
                    .col(timestamp_with_time_zone(FeelingLists::UpdatedAt))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(FeelingItems::Table)
                    .col(pk_auto(FeelingItems::Id))
                    .col(integer(FeelingItems::FeelingListId))
                    .col(integer(FeelingItems::Position))
                    .col(integer(FeelingItems::PerspectiveId))
                    .col(text(FeelingItems::Text))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_feeling_items_list")
                            .from(FeelingItems::Table, FeelingItems::FeelingListId)
                            .to(FeelingLists::Table, FeelingLists::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_feeling_items_perspective")
                            .from(FeelingItems::Table, FeelingItems::PerspectiveId)
                            .to(Perspectives::Table, Perspectives::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .index(
                        Index::create()
                            .name("ux_feeling_items_list_position")
                            .col(FeelingItems::FeelingListId)
                            .col(FeelingItems::Position)
                            .unique(),
                    )
                    .to_owned(),
            )
            .await?;
        create_index(
            manager,
            "ix_feeling_items_perspective",
            FeelingItems::Table,
            FeelingItems::PerspectiveId,
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(StepGuides::Table)
                    .col(pk_auto(StepGuides::Id))
                    .col(string_len_uniq(StepGuides::Slug, 120))
                    .col(text(StepGuides::Title))
                    .col(timestamp_with_time_zone(StepGuides::CreatedAt))
                    .col(timestamp_with_time_zone(StepGuides::UpdatedAt))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(GuideSteps::Table)
                    .col(pk_auto(GuideSteps::Id))
                    .col(integer(GuideSteps::StepGuideId))
                    .col(integer(GuideSteps::Position))
                    .col(text(GuideSteps::Title))
                    .col(text(GuideSteps::Body))
                    .col(integer_null(GuideSteps::PerspectiveId))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_guide_steps_guide")
                            .from(GuideSteps::Table, GuideSteps::StepGuideId)
                            .to(StepGuides::Table, StepGuides::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_guide_steps_perspective")
                            .from(GuideSteps::Table, GuideSteps::PerspectiveId)
                            .to(Perspectives::Table, Perspectives::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .index(
                        Index::create()
                            .name("ux_guide_steps_guide_position")
                            .col(GuideSteps::StepGuideId)
                            .col(GuideSteps::Position)
                            .unique(),
                    )
                    .to_owned(),
            )
            .await?;
        create_index(
            manager,
            "ix_guide_steps_perspective",
            GuideSteps::Table,
            GuideSteps::PerspectiveId,
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(Articles::Table)
                    .col(pk_auto(Articles::Id))
                    .col(string_len_uniq(Articles::Slug, 120))
                    .col(text(Articles::Title))
                    .col(text_null(Articles::Subtitle))
                    .col(text_null(Articles::Summary))
                    .col(string_len(Articles::Status, 20).check(
                        Expr::col(Articles::Status).is_in([
                            "draft",
                            "published",
                            "scheduled",
                            "archived",
                        ]),
                    ))
                    .col(timestamp_with_time_zone_null(Articles::PublishedAt))
                    .col(text(Articles::SearchText))
                    .col(integer(Articles::Version).default(1))
                    .col(timestamp_with_time_zone(Articles::CreatedAt))
                    .col(timestamp_with_time_zone(Articles::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_articles_status_published_at")
                    .table(Articles::Table)
                    .col(Articles::Status)
                    .col(Articles::PublishedAt)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(ArticleTags::Table)
                    .col(integer(ArticleTags::ArticleId))
                    .col(string_len(ArticleTags::Tag, 120))
                    .primary_key(
                        Index::create()
                            .col(ArticleTags::ArticleId)
                            .col(ArticleTags::Tag),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_article_tags_article")
                            .from(ArticleTags::Table, ArticleTags::ArticleId)
                            .to(Articles::Table, Articles::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        create_index(
            manager,
            "ix_article_tags_tag",
            ArticleTags::Table,
            ArticleTags::Tag,
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(ArticleBlocks::Table)
                    .col(pk_auto(ArticleBlocks::Id))
                    .col(integer(ArticleBlocks::ArticleId))
                    .col(integer(ArticleBlocks::Position))
                    .col(
                        string_len(ArticleBlocks::Kind, 20).check(
                            Expr::col(ArticleBlocks::Kind)
                                .is_in(["text", "feelings", "steps", "promo"]),
                        ),
                    )
                    .col(text_null(ArticleBlocks::Heading))
                    .col(text_null(ArticleBlocks::Body))
                    .col(integer_null(ArticleBlocks::FeelingListId))
                    .col(integer_null(ArticleBlocks::StepGuideId))
                    .col(integer_null(ArticleBlocks::PromoId))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_article_blocks_article")
                            .from(ArticleBlocks::Table, ArticleBlocks::ArticleId)
                            .to(Articles::Table, Articles::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_article_blocks_feeling_list")
                            .from(ArticleBlocks::Table, ArticleBlocks::FeelingListId)
                            .to(FeelingLists::Table, FeelingLists::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_article_blocks_step_guide")
                            .from(ArticleBlocks::Table, ArticleBlocks::StepGuideId)
                            .to(StepGuides::Table, StepGuides::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_article_blocks_promo")
                            .from(ArticleBlocks::Table, ArticleBlocks::PromoId)
                            .to(Promos::Table, Promos::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .index(
                        Index::create()
                            .name("ux_article_blocks_article_position")
                            .col(ArticleBlocks::ArticleId)
                            .col(ArticleBlocks::Position)
                            .unique(),
                    )
                    .to_owned(),
            )
            .await?;
        create_index(
            manager,
            "ix_article_blocks_feeling_list",
            ArticleBlocks::Table,
            ArticleBlocks::FeelingListId,
        )
        .await?;
        create_index(
            manager,
            "ix_article_blocks_step_guide",
            ArticleBlocks::Table,
            ArticleBlocks::StepGuideId,
        )
        .await?;
        create_index(
            manager,
            "ix_article_blocks_promo",
            ArticleBlocks::Table,
            ArticleBlocks::PromoId,
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(ContentState::Table)
                    .col(integer(ContentState::Id).primary_key())
                    .col(big_integer(ContentState::Version))
                    .to_owned(),
            )
            .await?;
        manager
            .exec_stmt(
                Query::insert()
                    .into_table(ContentState::Table)
                    .columns([ContentState::Id, ContentState::Version])
                    .values_panic([1.into(), 0i64.into()])
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            ContentState::Table.into_iden(),
            ArticleBlocks::Table.into_iden(),
            ArticleTags::Table.into_iden(),
            Articles::Table.into_iden(),
            GuideSteps::Table.into_iden(),
            StepGuides::Table.into_iden(),
            FeelingItems::Table.into_iden(),
            FeelingLists::Table.into_iden(),
            Promos::Table.into_iden(),
            Perspectives::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}

async fn create_index<T, C>(
    manager: &SchemaManager<'_>,
    name: &str,
    table: T,
    col: C,
) -> Result<(), DbErr>
where
    T: IntoIden,
    C: IntoIden,
{
    manager
        .create_index(Index::create().name(name).table(table).col(col).to_owned())
        .await
}

#[derive(DeriveIden)]
enum Perspectives {
    Table,
    Id,
    Key,
    Label,
    Position,
}

#[derive(DeriveIden)]
enum Promos {
    Table,
    Id,
    Slug,
    Kind,
    Eyebrow,
    Title,
    Body,
    Icon,
    CtaLabel,
    TargetUrl,
    Disclosure,
    StartsAt,
    EndsAt,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum FeelingLists {
    Table,
    Id,
    Slug,
    Title,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum FeelingItems {
    Table,
    Id,
    FeelingListId,
    Position,
    PerspectiveId,
    Text,
}

#[derive(DeriveIden)]
enum StepGuides {
    Table,
    Id,
    Slug,
    Title,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum GuideSteps {
    Table,
    Id,
    StepGuideId,
    Position,
    Title,
    Body,
    PerspectiveId,
}

#[derive(DeriveIden)]
enum Articles {
    Table,
    Id,
    Slug,
    Title,
    Subtitle,
    Summary,
    Status,
    PublishedAt,
    SearchText,
    Version,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum ArticleTags {
    Table,
    ArticleId,
    Tag,
}

#[derive(DeriveIden)]
enum ArticleBlocks {
    Table,
    Id,
    ArticleId,
    Position,
    Kind,
    Heading,
    Body,
    FeelingListId,
    StepGuideId,
    PromoId,
}

#[derive(DeriveIden)]
enum ContentState {
    Table,
    Id,
    Version,
}
