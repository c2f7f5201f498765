//! Content events (CONTRACT section 6): what a write changed for readers, named by the public API
//! paths whose answers changed. Every content write records its events in the same transaction
//! (see `storage::write`); read caches evict by them and webhooks are sent from them.
//!
//! The rules of which paths a change touches live here, free of SQL: the writer says what it
//! changed and which visible articles show it, and [`EventLog`] turns that into events.
//!
//! An event also tells caches, beside its paths, whether its `/api/v1/articles` means only "this
//! article's summary changed in place" ([`ContentEvent::lists_in_place`]): not sent in webhooks.

use std::collections::BTreeSet;

use serde::Serialize;

use crate::domain::timestamp::Timestamp;

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
    /// The list and search pages (`/api/v1/articles` in `paths`) changed only because the
    /// subject, a visible article, changed in place: same slug, same place in the newest-first
    /// order, same tags, so every list keeps its articles, order and totals, and only the pages
    /// showing the subject (and search pages) changed. For caches; not part of webhooks.
    #[serde(skip)]
    pub lists_in_place: bool,
}

impl ContentEvent {
    pub fn new(kind: EventKind, subject: Option<&str>, paths: Vec<String>) -> Self {
        Self {
            kind,
            subject: subject.map(str::to_owned),
            paths,
            lists_in_place: false,
        }
    }

    /// Whether the event names the list and search pages.
    pub fn names_lists(&self) -> bool {
        self.paths.iter().any(|p| p == paths::ARTICLES)
    }

    /// Whether the event changes no list page beyond those showing its subject: it names no
    /// list page, or only for a change in place.
    fn lists_kept(&self) -> bool {
        self.lists_in_place || !self.names_lists()
    }

    fn is_about_one_article(&self) -> bool {
        matches!(
            self.kind,
            EventKind::ArticlePublished | EventKind::ArticleUpdated | EventKind::ArticleUnpublished
        )
    }
}

/// An article as readers could see it before or after a write: its slug, whether it was
/// visible, and its place in the lists when the writer knows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ArticleState<'a> {
    pub slug: &'a str,
    pub visible: bool,
    /// `None`: unknown, so an update is taken to move the article in the lists.
    pub place: Option<ListPlace<'a>>,
}

/// What decides where an article is listed: the moment it became visible (its place in the
/// newest-first order, see `publishing::visible_from`) and its tags (the tag lists it is in).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ListPlace<'a> {
    pub visible_from: Option<Timestamp>,
    pub tags: &'a BTreeSet<String>,
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
                let kept = existing.lists_kept() && event.lists_kept();
                for path in event.paths {
                    if !existing.paths.contains(&path) {
                        existing.paths.push(path);
                    }
                }
                existing.lists_in_place = kept && existing.names_lists();
            }
            None => {
                self.index.insert(key, self.events.len());
                self.events.push(event);
            }
        }
    }

    /// An article written (or deleted: `after` is `None`; created: `before` is `None`).
    /// An article readers could not see before or after changes nothing for them. A visible
    /// article that keeps its slug and its known place in the lists is updated in place.
    pub fn article_changed(&mut self, before: Option<ArticleState>, after: Option<ArticleState>) {
        let before = before.filter(|b| b.visible);
        let after = after.filter(|a| a.visible);
        let list = || paths::ARTICLES.to_owned();
        match (before, after) {
            (Some(b), Some(a)) if b.slug == a.slug => {
                let mut event = ContentEvent::new(
                    EventKind::ArticleUpdated,
                    Some(a.slug),
                    vec![paths::article(a.slug), list()],
                );
                event.lists_in_place = b.place.is_some() && b.place == a.place;
                self.push(event);
            }
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
        Some(ArticleState {
            slug,
            visible,
            place: None,
        })
    }

    fn placed<'a>(
        slug: &'a str,
        hour: u32,
        tags: &'a BTreeSet<String>,
    ) -> Option<ArticleState<'a>> {
        use chrono::TimeZone;
        Some(ArticleState {
            slug,
            visible: true,
            place: Some(ListPlace {
                visible_from: chrono::Utc
                    .with_ymd_and_hms(2026, 1, 1, hour, 0, 0)
                    .single(),
                tags,
            }),
        })
    }

    fn in_place(log: EventLog) -> Vec<(Option<String>, bool)> {
        log.into_events()
            .into_iter()
            .map(|e| (e.subject, e.lists_in_place))
            .collect()
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

    #[test]
    fn an_update_is_in_place_only_when_the_article_keeps_its_slug_time_and_tags() {
        let calm: BTreeSet<String> = ["calm".to_owned()].into();
        let both: BTreeSet<String> = ["calm".to_owned(), "rest".to_owned()].into();
        let mut log = EventLog::new();
        log.article_changed(placed("same", 1, &calm), placed("same", 1, &calm));
        log.article_changed(placed("later", 1, &calm), placed("later", 2, &calm));
        log.article_changed(placed("tagged", 1, &calm), placed("tagged", 1, &both));
        log.article_changed(state("unknown", true), state("unknown", true));
        log.article_changed(placed("old", 1, &calm), placed("new", 1, &calm));
        let mut hidden = placed("hidden", 1, &calm);
        if let Some(h) = hidden.as_mut() {
            h.visible = false;
        }
        log.article_changed(hidden, placed("hidden", 1, &calm));
        assert_eq!(
            in_place(log),
            [
                (Some("same".to_owned()), true),
                (Some("later".to_owned()), false),
                (Some("tagged".to_owned()), false),
                (Some("unknown".to_owned()), false),
                (Some("old".to_owned()), false),
                (Some("new".to_owned()), false),
                (Some("hidden".to_owned()), false),
            ]
        );
    }

    #[test]
    fn merged_events_are_in_place_only_if_every_part_is() {
        let calm: BTreeSet<String> = ["calm".to_owned()].into();
        let rest: BTreeSet<String> = ["rest".to_owned()].into();
        // Shown by a changed piece too: that names no list, so the update stays in place.
        let mut log = EventLog::new();
        log.article_changed(placed("a", 1, &calm), placed("a", 1, &calm));
        log.shown_by(vec!["a".into(), "b".into()]);
        let events = log.into_events();
        assert_eq!(events[0].paths, ["/api/v1/articles/a", "/api/v1/articles"]);
        assert!(events[0].lists_in_place);
        assert!(!events[1].lists_in_place, "{events:?}");

        // The other order, the same.
        let mut log = EventLog::new();
        log.shown_by(vec!["a".into()]);
        log.article_changed(placed("a", 1, &calm), placed("a", 1, &calm));
        assert_eq!(in_place(log), [(Some("a".to_owned()), true)]);

        // Written twice in one transaction, once moving it: not in place.
        let mut log = EventLog::new();
        log.article_changed(placed("a", 1, &calm), placed("a", 1, &calm));
        log.article_changed(placed("a", 1, &calm), placed("a", 1, &rest));
        assert_eq!(in_place(log), [(Some("a".to_owned()), false)]);
        let mut log = EventLog::new();
        log.article_changed(placed("a", 1, &calm), placed("a", 1, &rest));
        log.article_changed(placed("a", 1, &rest), placed("a", 1, &rest));
        assert_eq!(in_place(log), [(Some("a".to_owned()), false)]);
    }

    #[test]
    fn webhook_bodies_do_not_carry_the_cache_flag() {
        let calm: BTreeSet<String> = ["calm".to_owned()].into();
        let mut log = EventLog::new();
        log.article_changed(placed("a", 1, &calm), placed("a", 1, &calm));
        let events = log.into_events();
        assert!(events[0].lists_in_place);
        let json = serde_json::to_value(&events[0]).unwrap_or_default();
        assert_eq!(
            json,
            serde_json::json!({
                "kind": "article.updated",
                "subject": "a",
                "paths": ["/api/v1/articles/a", "/api/v1/articles"],
            })
        );
    }
}
