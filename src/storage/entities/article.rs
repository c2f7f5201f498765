//! Row of `articles`. `search_text` is the lowercased text the public search matches.

use sea_orm::entity::prelude::*;

use crate::domain::content::ArticleStatus;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "articles")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    #[sea_orm(unique)]
    pub slug: String,
    pub title: String,
    pub subtitle: Option<String>,
    pub summary: Option<String>,
    pub status: ArticleStatus,
    pub published_at: Option<DateTimeUtc>,
    pub search_text: String,
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
