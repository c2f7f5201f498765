//! Row of `article_blocks`: one block of an article at its position; `kind` says which of the optional columns is set.

use sea_orm::entity::prelude::*;

use crate::domain::content::BlockKind;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "article_blocks")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub article_id: i32,
    pub position: i32,
    pub kind: BlockKind,
    pub heading: Option<String>,
    pub body: Option<String>,
    pub feeling_list_id: Option<i32>,
    pub step_guide_id: Option<i32>,
    pub promo_id: Option<i32>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
