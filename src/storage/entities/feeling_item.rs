//! Row of `feeling_items`: one feeling of a list, at its position, from one perspective.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "feeling_items")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub feeling_list_id: i32,
    pub position: i32,
    pub perspective_id: i32,
    pub text: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
