//! Bundle import and export: every problem reported with its path, all or nothing, idempotent
//! upserts, and a byte-identical round trip; also through the `tether` command line.

use std::process::Command;

use serde_json::{Value, json};
use tether::storage::bundle::{self, ImportReport};

use crate::fixtures::{article, bundle, hours_ago, perspectives, promo};
use crate::support::{TestApp, TestDatabase, import};

fn problems_of(result: Result<ImportReport, String>) -> String {
    result.expect_err("the bundle must be refused")
}

fn assert_has(problems: &str, expected: &str) {
    assert!(
        problems.lines().any(|l| l == expected),
        "missing line {expected:?} in:\n{problems}"
    );
}

#[tokio::test]
async fn every_problem_is_reported_with_its_path_and_nothing_is_written() {
    let app = TestApp::empty().await;
    let mut no_disclosure = promo("therapy", "affiliate");
    no_disclosure["disclosure"] = Value::Null;
    let mut js_url = promo("js", "quiz");
    js_url["target_url"] = json!("javascript:alert(1)");
    let mut relative = promo("relative", "cta");
    relative["target_url"] = json!("/quiz");
    let mut backwards = promo("backwards", "book");
    backwards["starts_at"] = json!("2026-12-01T00:00:00Z");
    backwards["ends_at"] = json!("2026-11-01T00:00:00Z");
    let mut bad_slug = article("Bad Slug", "Fine", &hours_ago(1));
    bad_slug["blocks"] = json!([
        {"type": "text", "heading": null, "body": "ok"},
        {"type": "steps", "ref": "missing-guide"},
        {"type": "feelings", "ref": "x"},
        {"type": "promo", "ref": "nowhere"}
    ]);
    let mut scheduled = article("scheduled", "", &hours_ago(1));
    scheduled["status"] = json!("scheduled");
    scheduled["published_at"] = Value::Null;
    scheduled["tags"] = json!(["ok", "Not OK", "ok"]);
    let mut long_title = article("long", &"x".repeat(201), &hours_ago(1));
    long_title["blocks"] = json!([{"type": "text", "heading": null, "body": "  "}]);
    let duplicate = promo("therapy", "book");
    let bad = bundle(json!({
        "perspectives": [{"key": "anxious", "label": "Anxious"}, {"key": "Both!", "label": ""}],
        "promos": [no_disclosure, js_url, relative, backwards, duplicate],
        "feeling_lists": [{"slug": "list", "title": "L", "items": [{"perspective": "unknown", "text": "t"}]}],
        "step_guides": [{"slug": "guide", "title": "G", "steps": [{"title": "", "body": "", "perspective": "nobody"}]}],
        "articles": [bad_slug, scheduled, long_title]
    }));
    let problems = problems_of(app.import(&bad.to_string()).await);
    for expected in [
        "perspectives[1].key: \"Both!\" is not a valid slug: use 1 to 120 lowercase letters and digits, joined by single hyphens",
        "perspectives[1].label: must not be empty",
        "promos[0].disclosure: an affiliate promo must have a disclosure that readers are shown",
        "promos[1].target_url: \"javascript:alert(1)\" is not an absolute http:// or https:// URL",
        "promos[2].target_url: \"/quiz\" is not an absolute http:// or https:// URL",
        "promos[3].ends_at: must be later than starts_at",
        "promos[4].slug: \"therapy\" appears more than once",
        "feeling_lists[0].items[0].perspective: unknown perspective \"unknown\"",
        "step_guides[0].steps[0].title: must not be empty",
        "step_guides[0].steps[0].perspective: unknown perspective \"nobody\"",
        "articles[0].slug: \"Bad Slug\" is not a valid slug: use 1 to 120 lowercase letters and digits, joined by single hyphens",
        "articles[0].blocks[1].ref: unknown step guide \"missing-guide\"",
        "articles[0].blocks[2].ref: unknown feeling list \"x\"",
        "articles[0].blocks[3].ref: unknown promo \"nowhere\"",
        "articles[1].title: must not be empty",
        "articles[1].published_at: a scheduled article needs a published_at time",
        "articles[1].tags[1]: \"Not OK\" is not a valid tag: use 1 to 60 lowercase letters and digits, joined by single hyphens",
        "articles[1].tags[2]: tag \"ok\" is listed twice",
        "articles[2].title: is 201 characters long; at most 200 are allowed",
        "articles[2].blocks[0].body: a text block needs a heading or a body",
    ] {
        assert_has(&problems, expected);
    }
    assert_eq!(problems.lines().count(), 20, "{problems}");

    // Nothing of the valid parts was written either.
    let exported = bundle::export(&app.db, crate::support::now())
        .await
        .unwrap();
    assert!(
        exported.perspectives.is_empty()
            && exported.promos.is_empty()
            && exported.articles.is_empty()
    );
}

#[tokio::test]
async fn structural_problems_are_reported_per_element() {
    let app = TestApp::empty().await;
    let json = r#"{
        "version": 2,
        "promos": [{"slug": "a", "kind": "banner", "title": "T", "target_url": "https://x.example"}],
        "articles": [
            {"slug": "one", "title": "One", "status": "draft", "titel": "typo"},
            {"slug": "two", "status": "draft"},
            {"slug": "three", "title": "Three", "status": "live"},
            {"slug": "four", "title": "Four", "status": "draft", "published_at": "yesterday"},
            {"slug": "five", "title": "Five", "status": "draft", "blocks": [{"type": "video", "url": "x"}]}
        ],
        "extras": []
    }"#;
    let problems = problems_of(app.import(json).await);
    assert_has(
        &problems,
        "version: is 2; this Tether reads bundle version 1",
    );
    assert_has(
        &problems,
        "extras: unknown field; expected version, perspectives, promos, feeling_lists, step_guides, articles or placements",
    );
    for (prefix, fragment) in [
        ("promos[0].kind: ", "unknown variant `banner`"),
        ("articles[0].titel: ", "unknown field `titel`"),
        ("articles[1]: ", "missing field `title`"),
        ("articles[2].status: ", "unknown variant `live`"),
        ("articles[3].published_at: ", "is not an RFC 3339 timestamp"),
        ("articles[4].blocks[0]", "unknown variant `video`"),
    ] {
        assert!(
            problems
                .lines()
                .any(|l| l.starts_with(prefix) && l.contains(fragment)),
            "no {prefix}…{fragment} in:\n{problems}"
        );
    }
}

#[tokio::test]
async fn malformed_json_reports_line_and_column() {
    let app = TestApp::empty().await;
    let problems = problems_of(
        app.import("{\n  \"version\": 1,\n  \"articles\": [}\n}")
            .await,
    );
    assert!(
        problems.starts_with("malformed JSON at line 3, column 16"),
        "{problems}"
    );
    let problems = problems_of(app.import("[1, 2]").await);
    assert_eq!(problems, "a bundle must be a JSON object");
}

fn rich_bundle() -> Value {
    let mut scheduled = article("later", "Later “quoted” — 🙂", "2030-01-01T00:00:00Z");
    scheduled["status"] = json!("scheduled");
    scheduled["tags"] = json!(["zeta", "alpha"]);
    let mut draft = article("draft", "Draft 'single'", &hours_ago(1));
    draft["status"] = json!("draft");
    draft["published_at"] = Value::Null;
    draft["summary"] = json!("Ünïcödé summary\nwith a newline");
    draft["blocks"] = json!([
        {"type": "feelings", "ref": "list"}, {"type": "steps", "ref": "guide"},
        {"type": "promo", "ref": "offer"}, {"type": "text", "heading": "H", "body": "**b**"}
    ]);
    let mut paused = promo("paused-quiz", "quiz");
    paused["paused"] = json!(true);
    paused["ends_at"] = json!("2031-01-01T00:00:00Z");
    bundle(json!({
        "perspectives": perspectives(),
        "promos": [promo("offer", "affiliate"), promo("book", "book"), paused],
        "placements": [
            {"promo": "offer", "slot": "article_end", "tag": "zeta", "priority": 10},
            {"promo": "book", "slot": "sidebar", "tag": null, "priority": 0,
             "starts_at": "2030-01-01T00:00:00Z", "ends_at": "2030-02-01T00:00:00Z"}
        ],
        "feeling_lists": [{"slug": "list", "title": "L", "items": [{"perspective": "avoidant", "text": "x"}, {"perspective": "anxious", "text": "y"}]}],
        "step_guides": [{"slug": "guide", "title": "G", "steps": [{"title": "t", "body": "b", "perspective": null}]}],
        "articles": [scheduled, draft]
    }))
}

#[tokio::test]
async fn export_import_export_is_identical() {
    let source = TestApp::with_sample().await;
    source.import_value(&rich_bundle()).await;
    let first = bundle::export(&source.db, crate::support::now())
        .await
        .unwrap()
        .to_json();

    let target = TestDatabase::create().await;
    let target_db = target.connect().await;
    import(&target_db, &first).await.unwrap();
    let second = bundle::export(&target_db, crate::support::now())
        .await
        .unwrap()
        .to_json();
    assert_eq!(first, second);
    // Text comes back exactly as given.
    assert!(first.contains("Later “quoted” — 🙂"));
    assert!(first.contains("Ünïcödé summary\\nwith a newline"));
    assert!(first.contains("Get 20% Off Your First Month →"));
    assert!(first.contains("\"paused\": true"));
    assert!(first.contains("\"slot\": \"article_end\""));
}

#[tokio::test]
async fn placements_in_bundles_are_checked_and_upserted() {
    let app = TestApp::empty().await;
    let bad = bundle(json!({
        "promos": [promo("offer", "affiliate")],
        "placements": [
            {"promo": "nowhere", "slot": "sidebar"},
            {"promo": "offer", "slot": "Side Bar", "priority": 5000},
            {"promo": "offer", "slot": "sidebar"},
            {"promo": "offer", "slot": "sidebar"}
        ]
    }));
    let problems = problems_of(app.import(&bad.to_string()).await);
    for expected in [
        "placements[0].promo: unknown promo \"nowhere\"",
        "placements[1].slot: \"Side Bar\" is not a slot name: use lowercase letters and digits joined by single underscores",
        "placements[1].priority: must be a whole number from -1000 to 1000",
        "placements[3]: this promo is placed in this slot for this tag more than once",
    ] {
        assert_has(&problems, expected);
    }
    assert_eq!(problems.lines().count(), 4, "{problems}");

    let good = bundle(json!({
        "promos": [promo("offer", "affiliate")],
        "placements": [{"promo": "offer", "slot": "sidebar", "priority": 1}]
    }));
    let first = app.import(&good.to_string()).await.unwrap();
    assert_eq!(first.created, 2);
    assert_eq!(
        app.data("/api/v1/placements/sidebar").await[0]["slug"],
        "offer"
    );
    let again = app.import(&good.to_string()).await.unwrap();
    assert_eq!((again.created, again.updated), (0, 0));
    let mut moved = good.clone();
    moved["placements"][0]["priority"] = json!(7);
    let changed = app.import(&moved.to_string()).await.unwrap();
    assert_eq!((changed.created, changed.updated), (0, 1));
}

#[tokio::test]
async fn importing_the_same_bundle_twice_changes_nothing() {
    let app = TestApp::with_sample().await;
    let bundle = rich_bundle().to_string();
    let first = app.import(&bundle).await.unwrap();
    assert!(first.created > 0);
    let before = bundle::export(&app.db, crate::support::now())
        .await
        .unwrap();
    let version_before = tether::storage::content_version::current(&app.db)
        .await
        .unwrap();
    let listed_before = app.data("/api/v1/articles").await;

    let second = app.import(&bundle).await.unwrap();
    assert_eq!((second.created, second.updated), (0, 0), "{second:?}");
    assert_eq!(
        bundle::export(&app.db, crate::support::now())
            .await
            .unwrap(),
        before
    );
    assert_eq!(
        tether::storage::content_version::current(&app.db)
            .await
            .unwrap(),
        version_before
    );
    assert_eq!(
        app.data("/api/v1/articles").await,
        listed_before,
        "updated_at must not move"
    );
    let sample_again = app.import(tether::app::SAMPLE_BUNDLE).await.unwrap();
    assert_eq!((sample_again.created, sample_again.updated), (0, 0));
}

#[tokio::test]
async fn import_upserts_by_slug() {
    let app = TestApp::empty().await;
    app.import_value(&bundle(json!({"perspectives": perspectives(), "feeling_lists": [
        {"slug": "list", "title": "Old", "items": [{"perspective": "anxious", "text": "a"}, {"perspective": "anxious", "text": "b"}]}
    ]})))
    .await;
    // A later bundle may refer to what is already stored.
    let report = app
        .import(&bundle(json!({
            "feeling_lists": [{"slug": "list", "title": "New", "items": [{"perspective": "avoidant", "text": "c"}]}],
            "articles": [{"slug": "uses-list", "title": "T", "status": "published", "published_at": hours_ago(1),
                          "blocks": [{"type": "feelings", "ref": "list"}]}]
        }))
        .to_string())
        .await
        .unwrap();
    assert_eq!((report.created, report.updated), (1, 1));
    assert_eq!(
        app.data("/api/v1/feeling-lists/list").await,
        json!({"slug": "list", "title": "New", "items": [{"perspective": "avoidant", "perspective_label": "Avoidant partner", "text": "c"}]})
    );
}

fn tether(database_url: &str) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_tether"));
    command
        .env("DATABASE_URL", database_url)
        .env("RUST_LOG", "warn")
        .env_remove("TETHER_SAMPLE_CONTENT");
    command
}

#[tokio::test]
async fn command_line_import_export_and_migrate() {
    let database = TestDatabase::create().await;
    let dir = tempfile::tempdir().unwrap();

    let migrate = tether(&database.url).arg("migrate").output().unwrap();
    assert!(
        migrate.status.success(),
        "{}",
        String::from_utf8_lossy(&migrate.stderr)
    );

    let bad = dir.path().join("bad.json");
    let mut offer = promo("offer", "affiliate");
    offer["disclosure"] = Value::Null;
    let mut a = article("a", "A", &hours_ago(1));
    a["blocks"] =
        json!([{"type": "text", "heading": null, "body": "x"}, {"type": "feelings", "ref": "x"}]);
    std::fs::write(
        &bad,
        bundle(json!({"promos": [offer], "articles": [a]})).to_string(),
    )
    .unwrap();
    let refused = tether(&database.url)
        .arg("import")
        .arg(&bad)
        .output()
        .unwrap();
    assert!(!refused.status.success());
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(stderr.contains("2 problems"), "{stderr}");
    assert!(
        stderr.contains("articles[0].blocks[1].ref: unknown feeling list \"x\""),
        "{stderr}"
    );
    assert!(stderr.contains("promos[0].disclosure: "), "{stderr}");

    let malformed = dir.path().join("malformed.json");
    std::fs::write(&malformed, "{\"version\": 1,\n\"promos\": [").unwrap();
    let refused = tether(&database.url)
        .arg("import")
        .arg(&malformed)
        .output()
        .unwrap();
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("malformed JSON at line 2"));

    let good = dir.path().join("good.json");
    std::fs::write(&good, tether::app::SAMPLE_BUNDLE).unwrap();
    let imported = tether(&database.url)
        .arg("import")
        .arg(&good)
        .output()
        .unwrap();
    assert!(
        imported.status.success(),
        "{}",
        String::from_utf8_lossy(&imported.stderr)
    );

    let stdout_export = tether(&database.url).arg("export").output().unwrap();
    assert!(stdout_export.status.success());
    let out = dir.path().join("out.json");
    let file_export = tether(&database.url)
        .args(["export", "--out"])
        .arg(&out)
        .output()
        .unwrap();
    assert!(file_export.status.success());
    let exported = std::fs::read_to_string(&out).unwrap();
    assert_eq!(exported.as_bytes(), stdout_export.stdout.as_slice());
    let sample: Value = serde_json::from_str(tether::app::SAMPLE_BUNDLE).unwrap();
    let exported_value: Value = serde_json::from_str(&exported).unwrap();
    assert_eq!(
        exported_value["articles"][0]["blocks"],
        sample["articles"][0]["blocks"]
    );
    assert_eq!(exported_value["perspectives"], sample["perspectives"]);

    let missing = tether(&database.url)
        .arg("import")
        .arg(dir.path().join("nope.json"))
        .output()
        .unwrap();
    assert!(!missing.status.success());
    assert!(String::from_utf8_lossy(&missing.stderr).contains("cannot read"));
}

/// After an import the planner knows the tables' new sizes (PostgreSQL's `ANALYZE`, SQLite's
/// `PRAGMA optimize`), so the first searches after a large import do not scan.
#[tokio::test]
async fn an_import_leaves_the_planner_statistics_fresh() {
    use sea_orm::{ConnectionTrait, DatabaseBackend, Statement};
    let app = TestApp::empty().await;
    let articles: Vec<Value> = (0..30)
        .map(|i| article(&format!("fresh-{i}"), "Fresh", &hours_ago(i + 1)))
        .collect();
    import(&app.db, &bundle(json!({"articles": articles})).to_string())
        .await
        .unwrap();
    let db = app.db.conn();
    let backend = db.get_database_backend();
    let sql = match backend {
        DatabaseBackend::Postgres => {
            "SELECT count(*) FROM pg_stat_user_tables WHERE relname = 'articles' \
             AND last_analyze IS NOT NULL"
        }
        _ => "SELECT count(*) FROM sqlite_stat1 WHERE tbl = 'articles'",
    };
    let row = db
        .query_one_raw(Statement::from_string(backend, sql))
        .await
        .unwrap()
        .unwrap();
    let analyzed: i64 = row.try_get_by_index(0).unwrap();
    assert!(analyzed > 0, "no statistics for articles after an import");
}
