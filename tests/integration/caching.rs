//! HTTP caching (ETag, 304, Cache-Control), CORS, health, and the read cache's promise: a change
//! committed by any process sharing the database is visible on the next request.

use std::sync::Arc;

use reqwest::StatusCode;
use reqwest::header::{ACCESS_CONTROL_ALLOW_ORIGIN, CACHE_CONTROL, ETAG, IF_NONE_MATCH, ORIGIN};
use serde_json::json;

use crate::fixtures::{article, bundle, hours_ago};
use crate::support::{Options, TestApp, save_article};

const ARTICLE: &str = "/api/v1/articles/anxious-avoidant-relationship-dynamic";

#[tokio::test]
async fn every_public_read_has_a_strong_etag_and_answers_304() {
    let app = TestApp::with_sample().await;
    for path in [
        ARTICLE,
        "/api/v1/articles?page=1",
        "/api/v1/feeling-lists/anxious-avoidant-feelings",
        "/api/v1/step-guides/anxious-avoidant-what-to-do",
        "/api/v1/promos/online-therapy",
        "/api/v1/perspectives",
        "/api/openapi.json",
        "/healthz",
    ] {
        let first = app.get(path).await;
        assert_eq!(first.status(), StatusCode::OK, "{path}");
        let etag = first.headers()[ETAG].to_str().unwrap().to_owned();
        assert!(
            etag.starts_with('"') && etag.ends_with('"') && etag.len() > 10,
            "{path}: strong ETag, got {etag}"
        );
        let again = app.get(path).await;
        assert_eq!(again.headers()[ETAG], etag.as_str(), "{path}: stable ETag");

        let not_modified = app
            .client
            .get(app.url(path))
            .header(IF_NONE_MATCH, &etag)
            .send()
            .await
            .unwrap();
        assert_eq!(not_modified.status(), StatusCode::NOT_MODIFIED, "{path}");
        assert_eq!(not_modified.headers()[ETAG], etag.as_str());
        assert!(not_modified.bytes().await.unwrap().is_empty());

        let other = app
            .client
            .get(app.url(path))
            .header(IF_NONE_MATCH, "\"other\"")
            .send()
            .await
            .unwrap();
        assert_eq!(other.status(), StatusCode::OK, "{path}");
    }
}

#[tokio::test]
async fn public_reads_are_cacheable_and_errors_are_not() {
    let app = TestApp::with_sample().await;
    let ok = app.get(ARTICLE).await;
    assert_eq!(
        ok.headers()[CACHE_CONTROL],
        "public, max-age=60, stale-if-error=86400"
    );
    let list = app.get("/api/v1/articles").await;
    assert_eq!(
        list.headers()[CACHE_CONTROL],
        "public, max-age=60, stale-if-error=86400"
    );
    let missing = app.get("/api/v1/articles/missing").await;
    assert_eq!(missing.headers()[CACHE_CONTROL], "no-store");
    let health = app.get("/healthz").await;
    assert_eq!(health.headers()[CACHE_CONTROL], "no-store");
    assert_eq!(
        health.json::<serde_json::Value>().await.unwrap(),
        json!({"status": "ok"})
    );
}

#[tokio::test]
async fn etag_changes_when_content_changes() {
    let app = TestApp::empty().await;
    app.import_value(&bundle(
        json!({"articles": [article("a", "First title", &hours_ago(1))]}),
    ))
    .await;
    let before = app.get("/api/v1/articles/a").await.headers()[ETAG].clone();
    app.import_value(&bundle(
        json!({"articles": [article("a", "Second title", &hours_ago(1))]}),
    ))
    .await;
    let response = app
        .client
        .get(app.url("/api/v1/articles/a"))
        .header(IF_NONE_MATCH, before.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_ne!(response.headers()[ETAG], before);
    assert_eq!(
        response.json::<serde_json::Value>().await.unwrap()["data"]["title"],
        "Second title"
    );
}

/// Saves an article through a server's own store (its process), as its admin would.
async fn retitle(app: &TestApp, slug: &str, title: &str) {
    let action = tether::domain::publishing::EditorAction::Save;
    save_article(&app.state.db, slug, app.clock_now(), action, |draft| {
        draft.title = title.to_owned();
    })
    .await;
}

/// How long `app` takes to answer `path` with `title`, asking every few milliseconds; panics
/// after two seconds.
async fn time_until(app: &TestApp, path: &str, field: &str, want: &str) -> std::time::Duration {
    let started = std::time::Instant::now();
    loop {
        let data = app.data(path).await;
        let value = if data.is_array() {
            &data[0][field]
        } else {
            &data[field]
        };
        if value == want {
            return started.elapsed();
        }
        assert!(
            started.elapsed() < std::time::Duration::from_secs(2),
            "{path} still answers {value} after 2 s"
        );
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
}

#[tokio::test]
async fn a_change_is_seen_at_once_by_its_process_and_soon_by_every_other() {
    let first = TestApp::empty().await;
    let second = TestApp::start_on(Arc::clone(&first.database), Options::default()).await;
    first
        .import_value(&bundle(
            json!({"articles": [article("shared", "Version one", &hours_ago(1))]}),
        ))
        .await;
    second.caught_up().await;
    for app in [&first, &second] {
        assert_eq!(
            app.data("/api/v1/articles/shared").await["title"],
            "Version one"
        );
        assert_eq!(
            app.data("/api/v1/articles").await[0]["title"],
            "Version one"
        );
    }
    // The second server saves: its own next answers are new, with no wait.
    retitle(&second, "shared", "Version two").await;
    assert_eq!(
        second.data("/api/v1/articles/shared").await["title"],
        "Version two"
    );
    assert_eq!(
        second.data("/api/v1/articles").await[0]["title"],
        "Version two"
    );
    // The first server learns of it from the content events (polled every 50 ms). The bound
    // is 100 ms; machines here are shared, so this checks a generous one and prints the time.
    let one = time_until(&first, "/api/v1/articles/shared", "title", "Version two").await;
    let list = time_until(&first, "/api/v1/articles", "title", "Version two").await;
    eprintln!("the other process saw the change after {one:?} (article), {list:?} (list)");
    assert!(one < std::time::Duration::from_secs(1), "{one:?}");

    // Unpublishing, imported by another process (as `tether import` would): gone everywhere.
    let mut unpublished = article("shared", "Version two", &hours_ago(1));
    unpublished["status"] = json!("draft");
    crate::support::import(
        &second.db,
        &bundle(json!({"articles": [unpublished]})).to_string(),
    )
    .await
    .unwrap();
    // Each answer goes within the bound; not necessarily both at once (an article that was not
    // cached is read afresh, while the cached list waits for the next poll).
    for app in [&first, &second] {
        let started = std::time::Instant::now();
        while app.get("/api/v1/articles/shared").await.status() != StatusCode::NOT_FOUND
            || app.data("/api/v1/articles").await != json!([])
        {
            assert!(started.elapsed() < std::time::Duration::from_secs(2));
            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        }
    }
}

#[tokio::test]
async fn a_save_evicts_only_the_answers_it_changed() {
    let app = TestApp::empty().await;
    app.import_value(&bundle(json!({"articles": [
        article("changed", "Before", &hours_ago(2)),
        article("untouched", "Same", &hours_ago(1)),
    ]})))
    .await;
    app.data("/api/v1/articles/changed").await;
    app.data("/api/v1/articles/untouched").await;
    retitle(&app, "changed", "After").await;
    let reloaded = app
        .statements_during(async {
            assert_eq!(
                app.data("/api/v1/articles/untouched").await["title"],
                "Same"
            );
        })
        .await;
    let queries: Vec<&String> = reloaded
        .iter()
        .filter(|s| !s.contains("content_events"))
        .collect();
    assert!(
        queries.is_empty(),
        "the untouched article stays cached: {queries:#?}"
    );
    assert_eq!(app.data("/api/v1/articles/changed").await["title"], "After");
}

#[tokio::test]
async fn concurrent_readers_all_see_a_change() {
    let app = TestApp::empty().await;
    app.import_value(&bundle(
        json!({"articles": [article("busy", "Before", &hours_ago(1))]}),
    ))
    .await;
    let app = Arc::new(app);
    let read_all = |expected: &'static str| {
        let tasks: Vec<_> = (0..32)
            .map(|_| {
                let app = Arc::clone(&app);
                tokio::spawn(async move {
                    app.data("/api/v1/articles/busy").await["title"]
                        .as_str()
                        .unwrap()
                        .to_owned()
                })
            })
            .collect();
        async move {
            for task in tasks {
                assert_eq!(task.await.unwrap(), expected);
            }
        }
    };
    read_all("Before").await;
    app.import_value(&bundle(
        json!({"articles": [article("busy", "After", &hours_ago(1))]}),
    ))
    .await;
    read_all("After").await;
}

#[tokio::test]
async fn cors_follows_the_configured_origins() {
    let open = TestApp::with_sample().await;
    let response = open
        .client
        .get(open.url(ARTICLE))
        .header(ORIGIN, "https://site.example")
        .send()
        .await
        .unwrap();
    assert_eq!(response.headers()[ACCESS_CONTROL_ALLOW_ORIGIN], "*");

    let restricted = TestApp::start(Options {
        sample: true,
        cors: tether::config::CorsOrigins::List(vec!["https://site.example".into()]),
        ..Options::default()
    })
    .await;
    let allowed = restricted
        .client
        .get(restricted.url(ARTICLE))
        .header(ORIGIN, "https://site.example")
        .send()
        .await
        .unwrap();
    assert_eq!(
        allowed.headers()[ACCESS_CONTROL_ALLOW_ORIGIN],
        "https://site.example"
    );
    let refused = restricted
        .client
        .get(restricted.url(ARTICLE))
        .header(ORIGIN, "https://evil.example")
        .send()
        .await
        .unwrap();
    assert!(refused.headers().get(ACCESS_CONTROL_ALLOW_ORIGIN).is_none());
    let preflight = restricted
        .client
        .request(reqwest::Method::OPTIONS, restricted.url(ARTICLE))
        .header(ORIGIN, "https://site.example")
        .header("access-control-request-method", "GET")
        .send()
        .await
        .unwrap();
    assert!(preflight.status().is_success());
    assert_eq!(
        preflight.headers()[ACCESS_CONTROL_ALLOW_ORIGIN],
        "https://site.example"
    );
}

#[tokio::test]
async fn docs_page_is_served_with_its_assets() {
    let app = TestApp::empty().await;
    let page = app.get("/api/docs/").await;
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.unwrap();
    assert!(html.contains("swagger-ui"), "{html}");
    assert!(!html.contains("cdn"), "docs must not load from a CDN");
    for asset in [
        "/api/docs/swagger-ui.css",
        "/api/docs/swagger-ui-bundle.js",
        "/api/docs/swagger-initializer.js",
    ] {
        assert_eq!(app.get(asset).await.status(), StatusCode::OK, "{asset}");
    }
    let initializer = app
        .get("/api/docs/swagger-initializer.js")
        .await
        .text()
        .await
        .unwrap();
    assert!(initializer.contains("/api/openapi.json"));
}
