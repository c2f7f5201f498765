//! Publishing rules: when readers may see an article, and what the editor's workflow buttons do.
//!
//! Visibility depends on the clock, not on a job: a scheduled article appears once its time has
//! passed. Every way an article is written (the admin, `tether import`, a restored revision)
//! goes through [`check_publishing`], so they agree on what may be stored; the storage queries
//! mirror [`article_is_public`].

use crate::domain::content::{Article, ArticleStatus};
use crate::domain::problems::{Problems, join};
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

/// From when readers may see an article: its `published_at` when its status lets them, else
/// never (the database derives the same as `visible_from`).
pub fn visible_from(status: ArticleStatus, published_at: Option<Timestamp>) -> Option<Timestamp> {
    published_at.filter(|_| READABLE_STATUSES.contains(&status))
}

/// The status an article has for people at `now`: a scheduled article whose time has passed is
/// published (no job flips the stored word). The editor shows this, and export writes it, so a
/// bundle never holds a scheduled article with a past time (which import refuses).
pub fn effective_status(
    status: ArticleStatus,
    published_at: Option<Timestamp>,
    now: Timestamp,
) -> ArticleStatus {
    match (status, published_at) {
        (ArticleStatus::Scheduled, Some(at)) if at <= now => ArticleStatus::Published,
        _ => status,
    }
}

/// What an editor asked for with the article form's buttons.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EditorAction {
    /// Keep the status the form says.
    Save,
    /// Make it public now (or keep its earlier publication time).
    Publish,
    /// Back to draft.
    Unpublish,
    Archive,
}

impl EditorAction {
    /// Applies the action to the draft about to be saved.
    pub fn apply(self, draft: &mut Article, now: Timestamp) {
        match self {
            EditorAction::Save => {}
            EditorAction::Publish => {
                draft.status = ArticleStatus::Published;
                if draft.published_at.is_none_or(|t| t > now) {
                    draft.published_at = Some(now);
                }
            }
            EditorAction::Unpublish => draft.status = ArticleStatus::Draft,
            EditorAction::Archive => draft.status = ArticleStatus::Archived,
        }
    }
}

/// The publishing rules an article must meet to be stored at `now`: published and scheduled
/// articles need a time, and a scheduled one a time still to come (use `published` for a time
/// that has passed). Problems go under `path` (`articles[3]`, or "" for a form).
pub fn check_publishing(article: &Article, now: Timestamp, path: &str, problems: &mut Problems) {
    let field = join(path, "published_at");
    match (article.status, article.published_at) {
        (ArticleStatus::Published | ArticleStatus::Scheduled, None) => problems.push(
            field,
            format!(
                "a {} article needs a published_at time",
                article.status.as_str()
            ),
        ),
        (ArticleStatus::Scheduled, Some(at)) if at <= now => problems.push(
            field,
            "a scheduled article needs a time in the future; for a time that has passed, \
             the status is published",
        ),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Duration, Utc};

    fn article(status: ArticleStatus, published_at: Option<Timestamp>) -> Article {
        Article {
            slug: "a".into(),
            title: "A".into(),
            subtitle: None,
            summary: None,
            status,
            published_at,
            tags: Vec::new(),
            blocks: Vec::new(),
        }
    }

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
    fn a_due_scheduled_article_is_effectively_published() {
        let now = Utc::now();
        let past = Some(now - Duration::minutes(1));
        let future = Some(now + Duration::minutes(1));
        use ArticleStatus::*;
        assert_eq!(effective_status(Scheduled, past, now), Published);
        assert_eq!(effective_status(Scheduled, Some(now), now), Published);
        assert_eq!(effective_status(Scheduled, future, now), Scheduled);
        assert_eq!(effective_status(Draft, past, now), Draft);
        assert_eq!(effective_status(Archived, past, now), Archived);
    }

    #[test]
    fn publish_keeps_an_earlier_time_and_replaces_a_future_one() {
        let now = Utc::now();
        let earlier = now - Duration::days(3);
        let mut draft = article(ArticleStatus::Draft, Some(earlier));
        EditorAction::Publish.apply(&mut draft, now);
        assert_eq!(
            (draft.status, draft.published_at),
            (ArticleStatus::Published, Some(earlier))
        );
        let mut draft = article(ArticleStatus::Scheduled, Some(now + Duration::days(1)));
        EditorAction::Publish.apply(&mut draft, now);
        assert_eq!(draft.published_at, Some(now));
        let mut draft = article(ArticleStatus::Draft, None);
        EditorAction::Publish.apply(&mut draft, now);
        assert_eq!(draft.published_at, Some(now));
        EditorAction::Unpublish.apply(&mut draft, now);
        assert_eq!(draft.status, ArticleStatus::Draft);
        EditorAction::Archive.apply(&mut draft, now);
        assert_eq!(draft.status, ArticleStatus::Archived);
        EditorAction::Save.apply(&mut draft, now);
        assert_eq!(draft.status, ArticleStatus::Archived);
    }

    #[test]
    fn every_entry_point_gets_the_same_schedule_rule() {
        let now = Utc::now();
        let check = |a: &Article| {
            let mut problems = Problems::new();
            check_publishing(a, now, "articles[0]", &mut problems);
            problems.iter().map(|p| p.path.clone()).collect::<Vec<_>>()
        };
        let field = vec!["articles[0].published_at".to_owned()];
        assert_eq!(check(&article(ArticleStatus::Published, None)), field);
        assert_eq!(check(&article(ArticleStatus::Scheduled, None)), field);
        assert_eq!(
            check(&article(
                ArticleStatus::Scheduled,
                Some(now - Duration::seconds(1))
            )),
            field
        );
        assert_eq!(check(&article(ArticleStatus::Scheduled, Some(now))), field);
        assert!(
            check(&article(
                ArticleStatus::Scheduled,
                Some(now + Duration::hours(1))
            ))
            .is_empty()
        );
        assert!(
            check(&article(
                ArticleStatus::Published,
                Some(now - Duration::days(9))
            ))
            .is_empty()
        );
        assert!(check(&article(ArticleStatus::Draft, None)).is_empty());
    }
}
