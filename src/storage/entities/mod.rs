//! sea-orm entities, one per table, kept as plain row mappings. Behaviour (queries, upserts,
//! transactions) lives in the sibling storage modules, not here.

pub mod article;
pub mod article_block;
pub mod article_revision;
pub mod article_tag;
pub mod audit_event;
pub mod content_event;
pub mod content_state;
pub mod feeling_item;
pub mod feeling_list;
pub mod guide_step;
pub mod login_attempt;
pub mod perspective;
pub mod promo;
pub mod promo_click_count;
pub mod promo_placement;
pub mod session;
pub mod setting;
pub mod step_guide;
pub mod user;
