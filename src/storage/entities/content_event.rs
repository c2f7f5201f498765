//! Row of `content_events`: one change readers can see, with the public API paths it touched
//! (a JSON array of strings in `paths`), and whether those list pages changed only in place.

use sea_orm::entity::prelude::*;

use crate::domain::events::EventKind;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "content_events")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub seq: i64,
    pub at: DateTimeUtc,
    pub kind: EventKind,
    pub subject: Option<String>,
    pub paths: String,
    pub lists_in_place: bool,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
