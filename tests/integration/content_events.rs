//! Content events: every kind of change records the public API paths whose answers changed
//! (CONTRACT section 6), whoever makes it, and a change nobody can see records nothing.

use serde_json::json;
use tether::domain::content::{FeelingItem, FeelingList, Perspective, Step, StepGuide};
use tether::domain::promotions::Placement;
use tether::domain::publishing::EditorAction;
use tether::operations::articles::{self, ArticleSave};
use tether::operations::{self, Actor};
use tether::storage::events;
use tether::storage::revisions::Author;

use crate::fixtures::{article, bundle, hours_ago, promo};
use crate::support::{TestApp, now};

const ARTICLE: &str = "anxious-avoidant-relationship-dynamic";
const LIST: &str = "anxious-avoidant-feelings";
const GUIDE: &str = "anxious-avoidant-what-to-do";

type Row = (String, Option<String>, Vec<String>);

fn row(kind: &str, subject: Option<&str>, paths: &[&str]) -> Row {
    (
        kind.to_owned(),
        subject.map(str::to_owned),
        paths.iter().map(|p| (*p).to_owned()).collect(),
    )
}

/// The events recorded while `change` ran.
async fn events_of<F: Future<Output = ()>>(app: &TestApp, change: F) -> Vec<Row> {
    let before = events::last_seq(&app.db).await.unwrap();
    change.await;
    events::after(&app.db, before, 10_000)
        .await
        .unwrap()
        .into_iter()
        .map(|e| (e.kind.to_string(), e.subject, e.paths))
        .collect()
}

fn author() -> Author {
    Author {
        user_id: None,
        name: "test".into(),
        keep: 10,
    }
}

/// Saves the sample article (opened at its current version) after `edit`.
async fn save_sample(
    app: &TestApp,
    action: EditorAction,
    edit: impl FnOnce(&mut tether::domain::content::Article),
) {
    let stored = tether::storage::articles::load(&app.db, ARTICLE)
        .await
        .unwrap()
        .unwrap();
    let mut draft = stored.article;
    edit(&mut draft);
    let request = ArticleSave {
        existing: Some((ARTICLE.to_owned(), stored.version)),
        draft,
        action,
    };
    articles::save(
        &app.db,
        Actor::command_line(),
        author(),
        request,
        app.clock_now(),
    )
    .await
    .unwrap();
}

#[tokio::test]
async fn article_saves_record_what_readers_see_change() {
    let app = TestApp::with_sample().await;
    let article_path = format!("/api/v1/articles/{ARTICLE}");
    let paths = [article_path.as_str(), "/api/v1/articles"];

    let changed = events_of(
        &app,
        save_sample(&app, EditorAction::Save, |a| a.title = "New title".into()),
    )
    .await;
    assert_eq!(changed, [row("article.updated", Some(ARTICLE), &paths)]);

    let gone = events_of(&app, save_sample(&app, EditorAction::Unpublish, |_| {})).await;
    assert_eq!(gone, [row("article.unpublished", Some(ARTICLE), &paths)]);

    let unseen = events_of(
        &app,
        save_sample(&app, EditorAction::Save, |a| a.title = "Draft".into()),
    )
    .await;
    assert_eq!(unseen, [], "a draft's change is nobody's to see");

    let back = events_of(&app, save_sample(&app, EditorAction::Publish, |_| {})).await;
    assert_eq!(back, [row("article.published", Some(ARTICLE), &paths)]);

    let renamed = events_of(
        &app,
        save_sample(&app, EditorAction::Save, |a| a.slug = "renamed".into()),
    )
    .await;
    assert_eq!(
        renamed,
        [
            row("article.unpublished", Some(ARTICLE), &paths),
            row(
                "article.published",
                Some("renamed"),
                &["/api/v1/articles/renamed", "/api/v1/articles"]
            ),
        ]
    );
    let deleted = events_of(&app, async {
        articles::delete(
            &app.db,
            Actor::command_line(),
            "renamed".into(),
            app.clock_now(),
        )
        .await
        .unwrap();
    })
    .await;
    assert_eq!(
        deleted,
        [row(
            "article.unpublished",
            Some("renamed"),
            &["/api/v1/articles/renamed", "/api/v1/articles"]
        )]
    );
}

/// Whether each event recorded while `change` ran is an update in place, by subject.
async fn in_place_of<F: Future<Output = ()>>(app: &TestApp, change: F) -> Vec<(String, bool)> {
    let before = events::last_seq(&app.db).await.unwrap();
    change.await;
    events::after(&app.db, before, 10_000)
        .await
        .unwrap()
        .into_iter()
        .map(|e| (e.subject.unwrap_or_default(), e.lists_in_place))
        .collect()
}

#[tokio::test]
async fn updates_that_keep_an_article_in_place_in_the_lists_are_marked_so() {
    let app = TestApp::with_sample().await;
    let marked = |in_place| [(ARTICLE.to_owned(), in_place)];
    let retitled = in_place_of(
        &app,
        save_sample(&app, EditorAction::Save, |a| a.title = "New title".into()),
    )
    .await;
    assert_eq!(retitled, marked(true));
    let tagged = in_place_of(
        &app,
        save_sample(&app, EditorAction::Save, |a| a.tags.push("extra".into())),
    )
    .await;
    assert_eq!(tagged, marked(false), "another tag list shows it");
    let untagged = in_place_of(
        &app,
        save_sample(&app, EditorAction::Save, |a| {
            a.tags.retain(|t| t != "extra")
        }),
    )
    .await;
    assert_eq!(untagged, marked(false));
    let earlier = in_place_of(
        &app,
        save_sample(&app, EditorAction::Save, |a| {
            a.published_at = a.published_at.map(|t| t - chrono::Duration::hours(1));
        }),
    )
    .await;
    assert_eq!(earlier, marked(false), "its place in the order changed");
    let again = in_place_of(
        &app,
        save_sample(&app, EditorAction::Save, |a| a.summary = Some("New".into())),
    )
    .await;
    assert_eq!(again, marked(true));
    // An import does not look at where articles were listed.
    let mut stored = tether::storage::articles::load(&app.db, ARTICLE)
        .await
        .unwrap()
        .unwrap()
        .article;
    stored.title = "Imported title".into();
    let imported = in_place_of(&app, async {
        let json = bundle(json!({"articles": [stored]}));
        app.import_value(&json).await;
    })
    .await;
    assert_eq!(imported, marked(false));
}

#[tokio::test]
async fn pieces_update_every_visible_article_that_shows_them() {
    let app = TestApp::with_sample().await;
    let article_path = format!("/api/v1/articles/{ARTICLE}");
    let list = FeelingList {
        slug: LIST.into(),
        title: "Feelings, renamed".into(),
        items: vec![FeelingItem {
            perspective: "anxious".into(),
            text: "Only one".into(),
        }],
    };
    let changed = events_of(&app, async {
        operations::pieces::save(
            &app.db,
            Actor::command_line(),
            Some(LIST.into()),
            list,
            app.clock_now(),
        )
        .await
        .unwrap();
    })
    .await;
    assert_eq!(
        changed,
        [
            row(
                "feeling_list.updated",
                Some(LIST),
                &[&format!("/api/v1/feeling-lists/{LIST}")]
            ),
            row("article.updated", Some(ARTICLE), &[&article_path]),
        ]
    );

    let guide = StepGuide {
        slug: "guide-renamed".into(),
        title: "What to do".into(),
        steps: vec![Step {
            title: "One".into(),
            body: String::new(),
            perspective: None,
        }],
    };
    let renamed = events_of(&app, async {
        operations::pieces::save(
            &app.db,
            Actor::command_line(),
            Some(GUIDE.into()),
            guide,
            app.clock_now(),
        )
        .await
        .unwrap();
    })
    .await;
    assert_eq!(
        renamed,
        [
            row(
                "step_guide.updated",
                Some("guide-renamed"),
                &[
                    &format!("/api/v1/step-guides/{GUIDE}"),
                    "/api/v1/step-guides/guide-renamed"
                ]
            ),
            row("article.updated", Some(ARTICLE), &[&article_path]),
        ]
    );

    // Relabeling a perspective changes the lists that show it, and their articles.
    let relabeled = events_of(&app, async {
        operations::perspectives::relabel(
            &app.db,
            Actor::command_line(),
            "anxious",
            "The anxious one",
            app.clock_now(),
        )
        .await
        .unwrap();
    })
    .await;
    assert_eq!(
        relabeled,
        [
            row(
                "perspectives.updated",
                None,
                &[
                    "/api/v1/perspectives",
                    &format!("/api/v1/feeling-lists/{LIST}")
                ]
            ),
            row("article.updated", Some(ARTICLE), &[&article_path]),
        ]
    );
    let added = events_of(&app, async {
        let new = Perspective {
            key: "secure".into(),
            label: "Secure partner".into(),
        };
        operations::perspectives::create(&app.db, Actor::command_line(), new, app.clock_now())
            .await
            .unwrap();
    })
    .await;
    assert_eq!(
        added,
        [row("perspectives.updated", None, &["/api/v1/perspectives"])]
    );
}

#[tokio::test]
async fn promos_and_placements_update_their_slots_and_the_articles_that_show_them() {
    let app = TestApp::with_sample().await;
    let article_path = format!("/api/v1/articles/{ARTICLE}");
    // The quiz is a block of the sample article and is placed in every sidebar.
    let quiz = tether::storage::promos::load(&app.db, "attachment-style-quiz")
        .await
        .unwrap()
        .unwrap()
        .promo;
    let mut retitled = quiz.clone();
    retitled.title = "Take the quiz".into();
    let changed = events_of(&app, async {
        operations::promos::save(
            &app.db,
            Actor::command_line(),
            Some(quiz.slug.clone()),
            retitled,
            app.clock_now(),
        )
        .await
        .unwrap();
    })
    .await;
    assert_eq!(
        changed,
        [
            row(
                "promo.updated",
                Some("attachment-style-quiz"),
                &[
                    "/api/v1/promos/attachment-style-quiz",
                    "/api/v1/placements/sidebar"
                ]
            ),
            row("article.updated", Some(ARTICLE), &[&article_path]),
        ]
    );

    let paused = events_of(&app, async {
        operations::promos::set_paused(
            &app.db,
            Actor::command_line(),
            "attachment-style-quiz".into(),
            true,
            app.clock_now(),
        )
        .await
        .unwrap();
    })
    .await;
    assert_eq!(paused.len(), 2, "{paused:?}");
    assert_eq!(paused[0].0, "promo.updated");

    // A paused promo's changes are nobody's to see; its copy starts paused too.
    let mut hidden = quiz.clone();
    hidden.title = "Still hidden".into();
    let unseen = events_of(&app, async {
        operations::promos::save(
            &app.db,
            Actor::command_line(),
            Some(quiz.slug.clone()),
            hidden,
            app.clock_now(),
        )
        .await
        .unwrap();
        operations::promos::duplicate(
            &app.db,
            Actor::command_line(),
            "attachment-style-quiz".into(),
            app.clock_now(),
        )
        .await
        .unwrap();
    })
    .await;
    assert_eq!(unseen, []);

    let slots = app.state.config.promo_slots.clone();
    let placement = |tag: Option<&str>| Placement {
        promo: "online-therapy".into(),
        slot: "article_start".into(),
        tag: tag.map(str::to_owned),
        priority: 0,
        starts_at: None,
        ends_at: None,
    };
    let placed = events_of(&app, async {
        operations::promos::place(
            &app.db,
            Actor::command_line(),
            placement(Some("avoidant")),
            &slots,
            app.clock_now(),
        )
        .await
        .unwrap();
    })
    .await;
    assert_eq!(
        placed,
        [
            row(
                "placements.updated",
                Some("article_start"),
                &["/api/v1/placements/article_start"]
            ),
            row("article.updated", Some(ARTICLE), &[&article_path]),
        ]
    );
    // A placement that starts tomorrow changes nothing yet.
    let mut later = placement(None);
    later.starts_at = Some(app.clock_now() + chrono::Duration::days(1));
    let not_yet = events_of(&app, async {
        operations::promos::place(
            &app.db,
            Actor::command_line(),
            later,
            &slots,
            app.clock_now(),
        )
        .await
        .unwrap();
    })
    .await;
    assert_eq!(not_yet, []);
}

#[tokio::test]
async fn a_change_shown_by_more_than_a_thousand_articles_is_one_bulk_event() {
    let app = TestApp::empty().await;
    let articles: Vec<_> = (0..1001)
        .map(|i| article(&format!("a{i}"), "A", &hours_ago(1)))
        .collect();
    let imported = events_of(&app, async {
        app.import_value(&bundle(
            json!({"articles": articles, "promos": [promo("p", "book")]}),
        ))
        .await;
    })
    .await;
    let published = imported
        .iter()
        .filter(|(kind, _, _)| kind == "article.published")
        .count();
    assert_eq!(
        published, 1001,
        "an import records an event per article it publishes"
    );
    let slots = app.state.config.promo_slots.clone();
    let everywhere = Placement {
        promo: "p".into(),
        slot: "sidebar".into(),
        tag: None,
        priority: 0,
        starts_at: None,
        ends_at: None,
    };
    let placed = events_of(&app, async {
        operations::promos::place(&app.db, Actor::command_line(), everywhere, &slots, now())
            .await
            .unwrap();
    })
    .await;
    assert_eq!(
        placed,
        [
            row(
                "placements.updated",
                Some("sidebar"),
                &["/api/v1/placements/sidebar"]
            ),
            row(
                "articles.updated",
                None,
                &["/api/v1/articles", "/api/v1/articles/*"]
            ),
        ]
    );
}

#[tokio::test]
async fn importing_an_unchanged_bundle_records_nothing() {
    let app = TestApp::with_sample().await;
    let again = events_of(&app, async {
        app.import(tether::app::SAMPLE_BUNDLE).await.unwrap();
    })
    .await;
    assert_eq!(again, []);
}
