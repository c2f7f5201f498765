//! The read cache keeps list pages through an article updated in place (same slug, time and
//! tags): only the pages showing it, and the search pages, are read again, in the writing
//! process at once and in others through their polling. Any other change still reloads every
//! list page.

use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use tether::domain::content::Article;

use crate::fixtures::{article, bundle, hours_ago};
use crate::support::{Options, TestApp, save_article};

/// Newest first, two a page: `a b | c d`.
const FIRST: &str = "/api/v1/articles?per_page=2&page=1";
const SECOND: &str = "/api/v1/articles?per_page=2&page=2";
/// `a d`, and `c` alone.
const CALM: &str = "/api/v1/articles?tag=calm";
const REST: &str = "/api/v1/articles?tag=rest";
const SEARCH: &str = "/api/v1/articles?q=renamed";

async fn four_articles(app: &TestApp) {
    let tagged = |slug: &str, title: &str, hours: i64, tags: &[&str]| {
        let mut a = article(slug, title, &hours_ago(hours));
        a["tags"] = json!(tags);
        a
    };
    app.import_value(&bundle(json!({"articles": [
        tagged("a", "Alpha", 1, &["calm"]),
        tagged("b", "Bravo", 2, &[]),
        tagged("c", "Charlie", 3, &["rest"]),
        tagged("d", "Delta", 4, &["calm"]),
    ]})))
    .await;
    app.caught_up().await;
}

/// Saves article `slug` through `app`'s own store (its process), changed by `change`, a minute
/// later than the server's clock said.
async fn edit(app: &TestApp, slug: &str, change: impl FnOnce(&mut Article)) {
    app.clock.advance(chrono::Duration::minutes(1));
    let action = tether::domain::publishing::EditorAction::Save;
    save_article(&app.state.db, slug, app.clock_now(), action, change).await;
}

fn slugs(list: &Value) -> Vec<&str> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|a| a["slug"].as_str().unwrap())
        .collect()
}

/// The SQL `app` runs to answer `path` (its polling of content events left out), and the data.
async fn reads_for(app: &TestApp, path: &str) -> (Vec<String>, Value) {
    let mut data = Value::Null;
    let statements = app
        .statements_during(async { data = app.data(path).await })
        .await;
    let queries = statements
        .into_iter()
        .filter(|s| !s.contains("content_events"))
        .collect();
    (queries, data)
}

/// Fills `app`'s cache with the pages of [`four_articles`], checking what they show.
async fn cache_pages(app: &TestApp) {
    assert_eq!(slugs(&app.data(FIRST).await), ["a", "b"]);
    assert_eq!(slugs(&app.data(SECOND).await), ["c", "d"]);
    assert_eq!(slugs(&app.data(CALM).await), ["a", "d"]);
    assert_eq!(slugs(&app.data(REST).await), ["c"]);
    assert_eq!(app.data(SEARCH).await, json!([]));
    // Cached: answering again reads nothing. A load that overlapped an eviction is not cached
    // (the server's poller may still be applying the import's events, after the test's own
    // process wrote them), so a page may need loading again before it is.
    for path in [FIRST, SECOND, CALM, REST, SEARCH] {
        let mut queries = Vec::new();
        for _ in 0..20 {
            queries = reads_for(app, path).await.0;
            if queries.is_empty() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        assert!(queries.is_empty(), "{path} is cached: {queries:#?}");
    }
}

/// `path` answers what `check` accepts within two seconds (another process's change).
async fn eventually(app: &TestApp, path: &str, check: impl Fn(&Value) -> bool) {
    let started = Instant::now();
    loop {
        let data = app.data(path).await;
        if check(&data) {
            return;
        }
        assert!(
            started.elapsed() < Duration::from_secs(2),
            "{path} still answers {data}"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

#[tokio::test]
async fn an_update_in_place_reloads_only_the_list_pages_showing_the_article() {
    let app = TestApp::empty().await;
    four_articles(&app).await;
    cache_pages(&app).await;
    let before = app.data(FIRST).await[0]["updated_at"].clone();

    edit(&app, "a", |a| a.title = "Alpha renamed".into()).await;

    // The pages without "a" are answered from the cache, as they were.
    for (path, shown) in [(SECOND, vec!["c", "d"]), (REST, vec!["c"])] {
        let (queries, data) = reads_for(&app, path).await;
        assert!(queries.is_empty(), "{path} stays cached: {queries:#?}");
        assert_eq!(slugs(&data), shown);
    }
    // Those with it, and the searches, are new at once.
    let (queries, first) = reads_for(&app, FIRST).await;
    assert!(!queries.is_empty());
    assert_eq!(first[0]["title"], "Alpha renamed");
    assert_ne!(first[0]["updated_at"], before);
    assert_eq!(slugs(&first), ["a", "b"]);
    assert_eq!(app.data(CALM).await[0]["title"], "Alpha renamed");
    assert_eq!(slugs(&app.data(SEARCH).await), ["a"]);
    assert_eq!(
        app.data("/api/v1/articles/a").await["title"],
        "Alpha renamed"
    );

    // Updated in place again: still only its pages.
    edit(&app, "a", |a| a.title = "Alpha again".into()).await;
    let (queries, _) = reads_for(&app, SECOND).await;
    assert!(queries.is_empty(), "{queries:#?}");
    assert_eq!(app.data(FIRST).await[0]["title"], "Alpha again");
    assert_eq!(app.data(SEARCH).await, json!([]));
}

#[tokio::test]
async fn moving_an_article_in_the_lists_reloads_every_list_page() {
    let app = TestApp::empty().await;
    four_articles(&app).await;

    // Another tag: the tag pages change.
    cache_pages(&app).await;
    edit(&app, "a", |a| a.tags.push("rest".into())).await;
    let (queries, _) = reads_for(&app, SECOND).await;
    assert!(!queries.is_empty(), "every list page is read again");
    assert_eq!(slugs(&app.data(REST).await), ["a", "c"]);

    // An earlier time: its place in the order changes.
    edit(&app, "a", |a| {
        a.published_at = a.published_at.map(|t| t - chrono::Duration::hours(4));
    })
    .await;
    assert_eq!(slugs(&app.data(FIRST).await), ["b", "c"]);
    assert_eq!(slugs(&app.data(SECOND).await), ["d", "a"]);

    // Unpublished, then published again (now, so first).
    edit(&app, "a", |a| {
        a.status = tether::domain::content::ArticleStatus::Draft;
    })
    .await;
    assert_eq!(slugs(&app.data(SECOND).await), ["d"]);
    assert_eq!(slugs(&app.data(REST).await), ["c"]);
    edit(&app, "a", |a| {
        a.status = tether::domain::content::ArticleStatus::Published;
        a.published_at = Some(tether::domain::timestamp::normalize(chrono::Utc::now()));
    })
    .await;
    assert_eq!(slugs(&app.data(FIRST).await), ["a", "b"]);
    assert_eq!(slugs(&app.data(SECOND).await), ["c", "d"]);
}

#[tokio::test]
async fn another_process_updating_in_place_reloads_only_the_pages_showing_the_article() {
    let first = TestApp::empty().await;
    let second = TestApp::start_on(Arc::clone(&first.database), Options::default()).await;
    four_articles(&first).await;
    second.caught_up().await;
    cache_pages(&first).await;
    cache_pages(&second).await;

    edit(&second, "a", |a| a.title = "Alpha renamed".into()).await;
    eventually(&first, FIRST, |d| d[0]["title"] == "Alpha renamed").await;
    first.caught_up().await;
    for path in [SECOND, REST] {
        let (queries, _) = reads_for(&first, path).await;
        assert!(queries.is_empty(), "{path} stays cached: {queries:#?}");
    }
    assert_eq!(first.data(CALM).await[0]["title"], "Alpha renamed");
    assert_eq!(slugs(&first.data(SEARCH).await), ["a"]);

    // A tag change there: every list page here is read again.
    edit(&second, "c", |c| c.tags = vec!["calm".into()]).await;
    eventually(&first, REST, |d| d == &json!([])).await;
    eventually(&first, CALM, |d| slugs(d) == ["a", "c", "d"]).await;
}
