//! Tether: a headless CMS for guidance-content sites.
//!
//! The layers, outermost first:
//! - [`http`]: routes, extractors, the error envelope, caching headers (knows HTTP, not SQL);
//! - [`operations`]: every change, whoever asks for it, in one transaction each;
//! - [`domain`]: the content model and its rules (knows neither HTTP nor SQL);
//! - [`storage`]: connection, migrations, entities and every query (knows SQL, not HTTP).

pub mod app; // start-up, the server, graceful shutdown and background jobs
pub mod cli; // the `tether` command line
pub mod click_recorder; // batched, lossless storing of promo clicks
pub mod clock; // the time source (swappable in tests)
pub mod config; // configuration from the environment
pub mod domain; // content model, validation, publishing rules, bundle format
pub mod http; // public API, admin, docs, health, tracked links
pub mod link_health; // checking promo target URLs from the server
pub mod operations; // every change to content and accounts (admin, import, CLI)
pub mod read_cache; // never-stale cache of public answers
pub mod state; // what every request shares (AppState)
pub mod storage; // database access
pub mod telemetry; // logging set-up
