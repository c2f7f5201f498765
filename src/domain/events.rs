//! Content events (CONTRACT section 6): what a write changed for readers, named by the public API
//! paths whose answers changed. Every content write records its events in the same transaction
//! (see `storage::write`); read caches evict by them and webhooks are sent from them.
//!
//! The rules of which paths a change touches live here, free of SQL: the writer says what it
//! changed and which visible articles show it, and [`EventLog`] turns that into events.

use serde::Serialize;

word_enum! {
    /// The kinds of event, as webhooks name them.
    pub enum EventKind {
        /// An article became visible to readers (published now, or its scheduled time passed).
        ArticlePublished = "article.published",
        /// A visible article's answer changed, also through a piece it shows.
        ArticleUpdated = "article.updated",
        /// An article is no longer visible (unpublished, archived, deleted, renamed).
        ArticleUnpublished = "article.unpublished",
        FeelingListUpdated = "feeling_list.updated",
        StepGuideUpdated = "step_guide.updated",
        /// A promo changed, including its window opening or closing, pause and resume.
        PromoUpdated = "promo.updated",
        PerspectivesUpdated = "perspectives.updated",
        /// The promos placed in one slot changed (the subject is the slot).
        PlacementsUpdated = "placements.updated",
        AuthorUpdated = "author.updated",
        /// One change shown by more than [`BULK_ARTICLES`] articles.
        ArticlesUpdated = "articles.updated",
        /// The admin's "send test event".
        Ping = "ping",
    }
}

/// Above this many articles showing one change, a single `articles.updated` replaces the
/// per-article events.
pub const BULK_ARTICLES: usize = 1_000;

/// The public API paths events name.
pub mod paths {
    /// Every list and search page.
    pub const ARTICLES: &str = "/api/v1/articles";
    /// Every article, in an `articles.updated` event.
    pub const EVERY_ARTICLE: &str = "/api/v1/articles/*";
    pub const PERSPECTIVES: &str = "/api/v1/perspectives";

    pub fn article(slug: &str) -> String {
        format!("/api/v1/articles/{slug}")
    }

    pub fn feeling_list(slug: &str) -> String {
        format!("/api/v1/feeling-lists/{slug}")
    }

    pub fn step_guide(slug: &str) -> String {
        format!("/api/v1/step-guides/{slug}")
    }

    pub fn promo(slug: &str) -> String {
        format!("/api/v1/promos/{slug}")
    }

    pub fn placements(slot: &str) -> String {
        format!("/api/v1/placements/{slot}")
    }
}

/// One change readers can see.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ContentEvent {
    pub kind: EventKind,
    /// The slug of what changed (the slot for `placements.updated`; none for perspectives,
    /// `articles.updated` and `ping`).
    pub subject: Option<String>,
    /// Every public API path whose answer changed.
    pub paths: Vec<String>,
}

impl ContentEvent {
    pub fn new(kind: EventKind, subject: Option<&str>, paths: Vec<String>) -> Self {
        Self {
            kind,
            subject: subject.map(str::to_owned),
            paths,
        }
    }

    fn is_about_one_article(&self) -> bool {
        matches!(
            self.kind,
            EventKind::ArticlePublished | EventKind::ArticleUpdated | EventKind::ArticleUnpublished
        )
    }
}

/// An article as readers could see it before or after a write: its slug, and whether it was
/// visible.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ArticleState<'a> {
    pub slug: &'a str,
    pub visible: bool,
}

/// The events of one write transaction, merged as they are recorded.
#[derive(Debug, Default)]
pub struct EventLog {
    events: Vec<ContentEvent>,
    /// Where the event of each (kind, subject) is in `events` (an import records one per
    /// article: looking them up must not be a scan).
    index: std::collections::HashMap<(EventKind, Option<String>), usize>,
}

impl EventLog {
    pub fn new() -> Self {
        Self::default()
    }

    /// Records an event; one of the same kind and subject already recorded takes its paths.
    pub fn push(&mut self, event: ContentEvent) {
        let key = (event.kind, event.subject.clone());
        match self.index.get(&key) {
            Some(&at) => {
                let existing = &mut self.events[at];
                for path in event.paths {
                    if !existing.paths.contains(&path) {
                        existing.paths.push(path);
                    }
                }
            }
            None => {
                self.index.insert(key, self.events.len());
                self.events.push(event);
            }
        }
    }

    /// An article written (or deleted: `after` is `None`; created: `before` is `None`).
    /// An article readers could not see before or after changes nothing for them.
    pub fn article_changed(&mut self, before: Option<ArticleState>, after: Option<ArticleState>) {
        let before = before.filter(|b| b.visible);
        let after = after.filter(|a| a.visible);
        let list = || paths::ARTICLES.to_owned();
        match (before, after) {
            (Some(b), Some(a)) if b.slug == a.slug => self.push(ContentEvent::new(
                EventKind::ArticleUpdated,
                Some(a.slug),
                vec![paths::article(a.slug), list()],
            )),
            (before, after) => {
                if let Some(b) = before {
                    self.push(ContentEvent::new(
                        EventKind::ArticleUnpublished,
                        Some(b.slug),
                        vec![paths::article(b.slug), list()],
                    ));
                }
                if let Some(a) = after {
                    self.push(ContentEvent::new(
                        EventKind::ArticlePublished,
                        Some(a.slug),
                        vec![paths::article(a.slug), list()],
                    ));
                }
            }
        }
    }

    /// The visible articles showing a changed piece (a list, guide, promo, perspective or
    /// placement): one `article.updated` each, or a single `articles.updated` when there are more
    /// than [`BULK_ARTICLES`]. `slugs` may be cut off just past that bound.
    pub fn shown_by(&mut self, slugs: Vec<String>) {
        if slugs.len() > BULK_ARTICLES {
            self.shown_by_too_many();
            return;
        }
        for slug in slugs {
            self.push(ContentEvent::new(
                EventKind::ArticleUpdated,
                Some(&slug),
                vec![paths::article(&slug)],
            ));
        }
    }

    /// A change shown by more than [`BULK_ARTICLES`] articles: one `articles.updated`.
    pub fn shown_by_too_many(&mut self) {
        self.push(ContentEvent::new(
            EventKind::ArticlesUpdated,
            None,
            vec![paths::ARTICLES.to_owned(), paths::EVERY_ARTICLE.to_owned()],
        ));
    }

    pub fn is_empty(&self) -> bool {
        self.events.is_empty()
    }

    /// The events to store, without repeats: an article that was published or unpublished in
    /// the same write gets no `article.updated` besides, and an `articles.updated` stands for
    /// every `article.updated`.
    pub fn into_events(self) -> Vec<ContentEvent> {
        let bulk = self
            .events
            .iter()
            .any(|e| e.kind == EventKind::ArticlesUpdated);
        let moved: std::collections::HashSet<Option<String>> = self
            .events
            .iter()
            .filter(|e| {
                matches!(
                    e.kind,
                    EventKind::ArticlePublished | EventKind::ArticleUnpublished
                )
            })
            .map(|e| e.subject.clone())
            .collect();
        self.events
            .into_iter()
            .filter(|e| {
                !(e.is_about_one_article()
                    && e.kind == EventKind::ArticleUpdated
                    && (bulk || moved.contains(&e.subject)))
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state(slug: &str, visible: bool) -> Option<ArticleState<'_>> {
        Some(ArticleState { slug, visible })
    }

    fn summary(log: EventLog) -> Vec<(String, Option<String>, Vec<String>)> {
        log.into_events()
            .into_iter()
            .map(|e| (e.kind.to_string(), e.subject, e.paths))
            .collect()
    }

    fn row(kind: &str, subject: &str, paths: &[&str]) -> (String, Option<String>, Vec<String>) {
        (
            kind.to_owned(),
            Some(subject.to_owned()),
            paths.iter().map(|p| (*p).to_owned()).collect(),
        )
    }

    #[test]
    fn articles_appear_change_and_disappear() {
        let mut log = EventLog::new();
        log.article_changed(state("a", false), state("a", true));
        log.article_changed(state("b", true), state("b", true));
        log.article_changed(state("c", true), state("c", false));
        log.article_changed(state("d", true), None);
        log.article_changed(None, state("e", true));
        log.article_changed(state("f", false), state("f", false));
        log.article_changed(None, state("g", false));
        assert_eq!(
            summary(log),
            [
                row(
                    "article.published",
                    "a",
                    &["/api/v1/articles/a", "/api/v1/articles"]
                ),
                row(
                    "article.updated",
                    "b",
                    &["/api/v1/articles/b", "/api/v1/articles"]
                ),
                row(
                    "article.unpublished",
                    "c",
                    &["/api/v1/articles/c", "/api/v1/articles"]
                ),
                row(
                    "article.unpublished",
                    "d",
                    &["/api/v1/articles/d", "/api/v1/articles"]
                ),
                row(
                    "article.published",
                    "e",
                    &["/api/v1/articles/e", "/api/v1/articles"]
                ),
            ]
        );
    }

    #[test]
    fn a_renamed_visible_article_leaves_its_old_path_and_appears_at_the_new_one() {
        let mut log = EventLog::new();
        log.article_changed(state("old", true), state("new", true));
        assert_eq!(
            summary(log),
            [
                row(
                    "article.unpublished",
                    "old",
                    &["/api/v1/articles/old", "/api/v1/articles"]
                ),
                row(
                    "article.published",
                    "new",
                    &["/api/v1/articles/new", "/api/v1/articles"]
                ),
            ]
        );
    }

    #[test]
    fn pieces_shown_by_articles_update_each_article_once() {
        let mut log = EventLog::new();
        log.push(ContentEvent::new(
            EventKind::FeelingListUpdated,
            Some("l"),
            vec![paths::feeling_list("l")],
        ));
        log.shown_by(vec!["a".into(), "b".into()]);
        // The same write also published "b" and changed "a" itself: no second event for either.
        log.article_changed(state("b", false), state("b", true));
        log.shown_by(vec!["a".into()]);
        assert_eq!(
            summary(log),
            [
                row("feeling_list.updated", "l", &["/api/v1/feeling-lists/l"]),
                row("article.updated", "a", &["/api/v1/articles/a"]),
                row(
                    "article.published",
                    "b",
                    &["/api/v1/articles/b", "/api/v1/articles"]
                ),
            ]
        );
    }

    #[test]
    fn more_than_a_thousand_articles_make_one_bulk_event() {
        let mut log = EventLog::new();
        log.shown_by((0..=BULK_ARTICLES).map(|i| format!("a{i}")).collect());
        log.shown_by(vec!["x".into()]);
        log.article_changed(state("y", false), state("y", true));
        let events = log.into_events();
        assert_eq!(events.len(), 2, "{events:?}");
        assert_eq!(events[0].kind, EventKind::ArticlesUpdated);
        assert_eq!(events[0].subject, None);
        assert_eq!(events[0].paths, ["/api/v1/articles", "/api/v1/articles/*"]);
        assert_eq!(events[1].kind, EventKind::ArticlePublished);

        let mut log = EventLog::new();
        log.shown_by((0..BULK_ARTICLES).map(|i| format!("a{i}")).collect());
        assert_eq!(log.into_events().len(), BULK_ARTICLES);
    }
}
