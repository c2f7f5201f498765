//! Row of `articles`. `search_text` is the lowercased text the admin's list search matches;
//! `body_text` feeds full-text search. The database also derives `visible_from` (and, on
//! PostgreSQL, `search_vector`) from these columns; they are read in queries, not here.

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
    /// The text of its text blocks, for full-text search.
    pub body_text: String,
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
