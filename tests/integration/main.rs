//! Tether's integration tests: one binary (it links once), each test on its own database and
//! its own server, all in parallel. `TEST_DATABASE_URL=postgres://...` runs them on PostgreSQL.

mod admin_access;
mod admin_content;
mod admin_promos;
mod admin_roles;
mod admin_support;
mod admin_users;
mod articles;
mod browser;
mod caching;
mod cancel_safety;
mod clicks;
mod content_events;
mod deep_pages;
mod fixtures;
mod import_export;
mod import_stream;
mod library;
mod list_eviction;
mod openapi;
mod outage;
mod promos;
mod sample_page;
mod search;
mod startup;
mod stored_values;
mod support;
mod write_races;
