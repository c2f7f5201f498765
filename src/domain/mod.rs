//! The content model and its rules, independent of HTTP and of the database.
//!
//! Both the bundle importer and (later) the admin build these types and run the same
//! validation, so a rule such as "an affiliate promo needs a disclosure" lives in one place.

pub mod accounts;
pub mod bundle;
pub mod content;
pub mod markdown;
pub mod passwords;
pub mod preview;
pub mod problems;
pub mod promotions;
pub mod publishing;
pub mod rules;
pub mod timestamp;
