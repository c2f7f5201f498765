//! Tether's database schema as sea-orm migrations.
//!
//! One migration list serves SQLite and PostgreSQL alike: string-backed enums guarded by CHECK
//! constraints, foreign keys declared inside `create_table`, one statement per change. Migrations
//! are append-only once released: change the schema by adding a new file, never by editing one.

pub use sea_orm_migration::prelude::*;

mod m20261125_000001_content;
mod m20261125_000002_accounts;
mod m20261125_000003_revisions;
mod m20261125_000004_promotions;
mod m20261130_000005_content_events;
mod m20261130_000006_read_scale;
mod m20261130_000007_click_counts;
mod m20261130_000008_search_pending_list;
mod m20261130_000009_lists_in_place;
mod m20261130_000010_search_vocabulary;
mod m20261130_000011_list_moves;
mod m20261130_000012_search_head_vector;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261125_000001_content::Migration),
            Box::new(m20261125_000002_accounts::Migration),
            Box::new(m20261125_000003_revisions::Migration),
            Box::new(m20261125_000004_promotions::Migration),
            Box::new(m20261130_000005_content_events::Migration),
            Box::new(m20261130_000006_read_scale::Migration),
            Box::new(m20261130_000007_click_counts::Migration),
            Box::new(m20261130_000008_search_pending_list::Migration),
            Box::new(m20261130_000009_lists_in_place::Migration),
            Box::new(m20261130_000010_search_vocabulary::Migration),
            Box::new(m20261130_000011_list_moves::Migration),
            Box::new(m20261130_000012_search_head_vector::Migration),
        ]
    }
}
