//! Row of `promo_placements`: one promo shown in one named slot, optionally only for articles
//! with one tag, with a priority (higher first) and its own schedule.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "promo_placements")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub promo_id: i32,
    pub slot: String,
    pub tag: Option<String>,
    pub priority: i32,
    pub starts_at: Option<DateTimeUtc>,
    pub ends_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
