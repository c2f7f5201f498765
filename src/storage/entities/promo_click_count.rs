//! Row of `promo_click_counts`: how many counted clicks a promo's tracked link had in one second
//! from one referring article (`article_id` 0: none, or one not known). No personal data: the
//! time, and at most the article the readers came from.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "promo_click_counts")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub promo_id: i32,
    /// The second the clicks happened in (UTC, whole seconds).
    #[sea_orm(primary_key, auto_increment = false)]
    pub clicked_at: DateTimeUtc,
    /// The referring article's id, or 0 ([`crate::storage::clicks::NO_ARTICLE`]).
    #[sea_orm(primary_key, auto_increment = false)]
    pub article_id: i32,
    pub clicks: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
