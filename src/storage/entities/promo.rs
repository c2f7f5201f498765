//! Row of `promos`: an affiliate offer, book promo, quiz or call to action.

use sea_orm::entity::prelude::*;

use crate::domain::content::PromoKind;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "promos")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    #[sea_orm(unique)]
    pub slug: String,
    pub kind: PromoKind,
    pub eyebrow: Option<String>,
    pub title: String,
    pub body: Option<String>,
    pub icon: Option<String>,
    pub cta_label: Option<String>,
    pub target_url: String,
    pub disclosure: Option<String>,
    pub starts_at: Option<DateTimeUtc>,
    pub ends_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    /// A paused promo is hidden from readers and its tracked link answers 404.
    pub paused: bool,
    /// The last link check: `ok`, `redirected`, `broken` or `blocked` (see `link_health`).
    pub link_verdict: Option<String>,
    pub link_status: Option<i32>,
    pub link_detail: Option<String>,
    pub link_checked_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
