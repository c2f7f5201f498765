//! Row of `guide_steps`: one numbered step of a guide (bold lead + Markdown body).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "guide_steps")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub step_guide_id: i32,
    pub position: i32,
    pub title: String,
    pub body: String,
    pub perspective_id: Option<i32>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
