//! HTTP caching (ETag, 304, Cache-Control), CORS, health, and the read cache's promise: a change
//! committed by any process sharing the database is visible on the next request.

use std::sync::Arc;

use reqwest::StatusCode;
use reqwest::header::{ACCESS_CONTROL_ALLOW_ORIGIN, CACHE_CONTROL, ETAG, IF_NONE_MATCH, ORIGIN};
use serde_json::json;

use crate::fixtures::{article, bundle, hours_ago};
use crate::support::{Options, TestApp};

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
    assert_eq!(ok.headers()[CACHE_CONTROL], "public, max-age=60");
    let list = app.get("/api/v1/articles").await;
    assert_eq!(list.headers()[CACHE_CONTROL], "public, max-age=60");
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

#[tokio::test]
async fn changes_from_another_process_are_visible_on_the_next_request() {
    let first = TestApp::empty().await;
    let second = TestApp::start_on(Arc::clone(&first.database), Options::default()).await;
    first
        .import_value(&bundle(
            json!({"articles": [article("shared", "Version one", &hours_ago(1))]}),
        ))
        .await;
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
    // Written straight to the database, as another Tether process would.
    crate::support::import(
        &second.db,
        &bundle(json!({"articles": [article("shared", "Version two", &hours_ago(1))]})).to_string(),
    )
    .await
    .unwrap();
    for app in [&first, &second] {
        assert_eq!(
            app.data("/api/v1/articles/shared").await["title"],
            "Version two"
        );
        assert_eq!(
            app.data("/api/v1/articles").await[0]["title"],
            "Version two"
        );
    }
    // Unpublishing is visible at once too.
    let mut unpublished = article("shared", "Version two", &hours_ago(1));
    unpublished["status"] = json!("draft");
    first
        .import_value(&bundle(json!({"articles": [unpublished]})))
        .await;
    for app in [&first, &second] {
        assert_eq!(
            app.get("/api/v1/articles/shared").await.status(),
            StatusCode::NOT_FOUND
        );
        assert_eq!(app.data("/api/v1/articles").await, json!([]));
    }
}

#[tokio::test]
async fn cached_answers_are_served_without_reloading_the_article() {
    let app = TestApp::with_sample().await;
    app.data(ARTICLE).await;
    let statements = app
        .statements_during(async {
            app.data(ARTICLE).await;
        })
        .await;
    assert!(
        statements.iter().all(|s| s.contains("content_state")),
        "{statements:#?}"
    );
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
