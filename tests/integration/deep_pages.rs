//! Deep list pages are walked from markers along the list (`storage::public_read::anchors`).
//! Whatever the writes and however time passes, every page of every list must hold exactly
//! what a walk from the top holds: the same articles, in the same order, with the same total.

use serde_json::{Value, json};
use tether::domain::publishing::EditorAction;
use tether::operations::Actor;
use tether::operations::articles;
use tether::storage::public_read::{ArticleFilter, ListAnchors, list_articles};

use crate::fixtures::{article, bundle, ts};
use crate::support::{TestApp, now, save_article};

/// Every page of the list of `tag` (None: all articles), as (slugs, total), up to one page past
/// the end.
async fn pages(
    app: &TestApp,
    anchors: &ListAnchors,
    tag: Option<&str>,
    per_page: u64,
) -> Vec<(Vec<String>, u64)> {
    let mut all = Vec::new();
    for page in 1.. {
        let filter = ArticleFilter {
            page,
            per_page,
            tag: tag.map(str::to_owned),
            search: None,
        };
        let found = list_articles(&app.db, anchors, &filter, app.clock_now())
            .await
            .unwrap()
            .value;
        let slugs: Vec<String> = found.items.iter().map(|a| a.slug.clone()).collect();
        let done = slugs.is_empty();
        all.push((slugs, found.total));
        if done {
            return all;
        }
    }
    unreachable!()
}

/// Compares every list's pages, at several page sizes, walked from markers and from the top.
async fn assert_same_pages(app: &TestApp, marked: &ListAnchors, when: &str) {
    let from_top = ListAnchors::with_spacing(1 << 40);
    for tag in [None, Some("even"), Some("odd")] {
        for per_page in [1, 2, 5] {
            let expected = pages(app, &from_top, tag, per_page).await;
            let walked = pages(app, marked, tag, per_page).await;
            assert_eq!(walked, expected, "{when}: tag {tag:?}, {per_page} per page");
        }
    }
}

async fn save(
    app: &TestApp,
    slug: &str,
    edit: impl FnOnce(&mut tether::domain::content::Article),
    action: EditorAction,
) {
    save_article(&app.db, slug, app.clock_now(), action, edit).await;
}

#[tokio::test]
async fn pages_walked_from_markers_match_pages_walked_from_the_top() {
    let app = TestApp::empty().await;
    let start = now();
    let mut list: Vec<Value> = (0..40)
        .map(|i| {
            // Pairs share a time, so the order also rests on the id.
            let at = start - chrono::Duration::hours(i / 2 + 1);
            let mut a = article(&format!("a{i:02}"), &format!("A {i}"), &ts(at));
            a["tags"] = json!([if i % 2 == 0 { "even" } else { "odd" }]);
            a
        })
        .collect();
    for (i, hours) in [(0, 1), (1, 3), (2, 5)] {
        let mut later = article(
            &format!("later{i}"),
            "Later",
            &ts(start + chrono::Duration::hours(hours)),
        );
        later["status"] = json!("scheduled");
        later["tags"] = json!(["even"]);
        list.push(later);
    }
    let mut draft = article("draft", "Draft", &ts(start - chrono::Duration::minutes(30)));
    draft["status"] = json!("draft");
    draft["tags"] = json!(["odd"]);
    list.push(draft);
    app.import_value(&bundle(json!({ "articles": list }))).await;

    let marked = ListAnchors::with_spacing(3);
    assert_same_pages(&app, &marked, "after the import").await;

    // Writes that move articles within, into and out of the lists.
    save(&app, "draft", |_| {}, EditorAction::Publish).await;
    assert_same_pages(&app, &marked, "a draft published").await;
    save(&app, "a07", |_| {}, EditorAction::Unpublish).await;
    assert_same_pages(&app, &marked, "an article unpublished").await;
    save(
        &app,
        "a30",
        |d| d.tags = vec!["even".into()],
        EditorAction::Save,
    )
    .await;
    assert_same_pages(&app, &marked, "an article retagged").await;
    save(
        &app,
        "a35",
        |d| d.published_at = Some(start - chrono::Duration::minutes(5)),
        EditorAction::Save,
    )
    .await;
    assert_same_pages(&app, &marked, "an article's time moved to the top").await;
    save(
        &app,
        "a12",
        |d| d.title = "Renamed in place".into(),
        EditorAction::Save,
    )
    .await;
    assert_same_pages(&app, &marked, "an article edited in place").await;
    articles::delete(
        &app.db,
        Actor::command_line(),
        "a20".into(),
        app.clock_now(),
    )
    .await
    .unwrap();
    assert_same_pages(&app, &marked, "an article deleted").await;

    // Time alone: scheduled articles go live one by one, on top of the list.
    for hours in [2, 2, 2] {
        app.clock.advance(chrono::Duration::hours(hours));
        assert_same_pages(&app, &marked, "time passed").await;
    }
}
