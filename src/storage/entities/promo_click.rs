//! Row of `promo_clicks`: one counted click on a promo's tracked link. No personal data: the
//! time, and at most the article the reader came from.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "promo_clicks")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub promo_id: i32,
    pub clicked_at: DateTimeUtc,
    pub article_id: Option<i32>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
