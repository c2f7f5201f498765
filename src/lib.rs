//! Tether: a headless CMS for guidance-content sites.
//!
//! The layers, outermost first:
//! - [`http`]: routes, extractors, the error envelope, caching headers (knows HTTP, not SQL);
//! - [`domain`]: the content model and its rules (knows neither HTTP nor SQL);
//! - [`storage`]: connection, migrations, entities and every query (knows SQL, not HTTP).

pub mod app; // shared state, start-up, the server and graceful shutdown
pub mod cli; // the `tether` command line
pub mod click_recorder; // batched, lossless storing of promo clicks
pub mod clock; // the time source (swappable in tests)
pub mod config; // configuration from the environment
pub mod domain; // content model, validation, publishing rules, bundle format
pub mod http; // public API, admin, docs, health, tracked links
pub mod link_health; // checking promo target URLs from the server
pub mod read_cache; // never-stale cache of public answers
pub mod storage; // database access
pub mod telemetry; // logging set-up
