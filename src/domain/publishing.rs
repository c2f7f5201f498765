//! Publishing rules: when readers may see an article or a promo, and how promo links are marked.
//!
//! Visibility depends on the clock, not on a job: a scheduled article appears once its time has
//! passed, a promo shows only inside its window. The storage queries mirror these functions.

use crate::domain::content::{ArticleStatus, PromoKind};
use crate::domain::timestamp::Timestamp;

/// Statuses whose articles readers may see once `published_at` has passed.
pub const READABLE_STATUSES: [ArticleStatus; 2] =
    [ArticleStatus::Published, ArticleStatus::Scheduled];

pub fn article_is_public(
    status: ArticleStatus,
    published_at: Option<Timestamp>,
    now: Timestamp,
) -> bool {
    READABLE_STATUSES.contains(&status) && published_at.is_some_and(|t| t <= now)
}

/// A promo runs from `starts_at` (inclusive) until `ends_at` (exclusive); open ends are unbounded.
pub fn promo_is_running(
    starts_at: Option<Timestamp>,
    ends_at: Option<Timestamp>,
    now: Timestamp,
) -> bool {
    starts_at.is_none_or(|s| s <= now) && ends_at.is_none_or(|e| now < e)
}

/// The next moment after `now` at which a promo with this window starts or stops running.
pub fn promo_next_change(
    starts_at: Option<Timestamp>,
    ends_at: Option<Timestamp>,
    now: Timestamp,
) -> Option<Timestamp> {
    [starts_at, ends_at]
        .into_iter()
        .flatten()
        .filter(|t| *t > now)
        .min()
}

/// The `rel` attribute a frontend must put on a promo's link: affiliate links are sponsored.
pub fn promo_link_rel(kind: PromoKind) -> &'static str {
    match kind {
        PromoKind::Affiliate => "sponsored nofollow",
        PromoKind::Book | PromoKind::Quiz | PromoKind::Cta => "noopener",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Duration, Utc};

    #[test]
    fn scheduled_articles_appear_when_due() {
        let now = Utc::now();
        let past = Some(now - Duration::minutes(1));
        let future = Some(now + Duration::minutes(1));
        assert!(article_is_public(ArticleStatus::Scheduled, past, now));
        assert!(!article_is_public(ArticleStatus::Scheduled, future, now));
        assert!(article_is_public(ArticleStatus::Published, Some(now), now));
        assert!(!article_is_public(ArticleStatus::Draft, past, now));
        assert!(!article_is_public(ArticleStatus::Archived, past, now));
        assert!(!article_is_public(ArticleStatus::Published, None, now));
    }

    #[test]
    fn promo_window_is_half_open() {
        let now = Utc::now();
        assert!(promo_is_running(None, None, now));
        assert!(promo_is_running(Some(now), None, now));
        assert!(!promo_is_running(None, Some(now), now));
        assert!(!promo_is_running(
            Some(now + Duration::seconds(1)),
            None,
            now
        ));
        assert_eq!(
            promo_next_change(
                Some(now - Duration::days(1)),
                Some(now + Duration::days(1)),
                now
            ),
            Some(now + Duration::days(1))
        );
    }
}
