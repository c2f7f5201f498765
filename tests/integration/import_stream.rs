//! Importing and exporting large bundles element by element, through the `tether` command
//! line: every problem of every article listed with nothing written, import twice changes
//! nothing, and a streamed export is byte-identical to the whole bundle serialised at once.

use std::path::Path;
use std::process::{Command, Output, Stdio};

use serde_json::{Value, json};
use tether::storage::bundle;

use crate::fixtures::{bundle as with_version, hours_ago, perspectives, promo};
use crate::support::{TestDatabase, import};

fn tether(database_url: &str) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_tether"));
    command
        .env("DATABASE_URL", database_url)
        .env("RUST_LOG", "warn")
        .env_remove("TETHER_SAMPLE_CONTENT");
    command
}

fn succeeded(output: Output) -> Output {
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

fn cli_import(url: &str, file: &Path) -> Output {
    tether(url).arg("import").arg(file).output().unwrap()
}

fn cli_export(url: &str) -> Vec<u8> {
    succeeded(tether(url).arg("export").output().unwrap()).stdout
}

/// `n` articles (every fourth a draft, every seventh scheduled) over a few lists, guides and
/// promos, with tags, text in several scripts, and placements.
fn generated(n: usize) -> Value {
    let lists: Vec<Value> = (0..5)
        .map(|i| {
            json!({"slug": format!("list-{i}"), "title": format!("List {i}"),
            "items": [{"perspective": "anxious", "text": format!("Feeling {i} — “quoted”")},
                      {"perspective": "avoidant", "text": "🙂"}]})
        })
        .collect();
    let guides: Vec<Value> = (0..5)
        .map(|i| {
            json!({"slug": format!("guide-{i}"), "title": format!("Guide {i}"),
            "steps": [{"title": "Step", "body": format!("Do **{i}**."), "perspective": null}]})
        })
        .collect();
    let promos: Vec<Value> = (0..4)
        .map(|i| {
            promo(
                &format!("promo-{i}"),
                ["affiliate", "book", "quiz", "cta"][i],
            )
        })
        .collect();
    let articles: Vec<Value> = (0..n)
        .map(|i| {
            let (status, published_at) = match i % 28 {
                0 | 4 | 8 | 12 | 16 | 20 | 24 => ("draft", Value::Null),
                7 | 14 | 21 => ("scheduled", json!("2031-01-01T00:00:00Z")),
                _ => ("published", json!(hours_ago(i as i64 + 1))),
            };
            json!({
                "slug": format!("article-{i:05}"), "title": format!("Article {i} ünïcödé"),
                "subtitle": if i % 3 == 0 { Value::Null } else { json!(format!("Sub {i}")) },
                "summary": format!("Summary\nof {i}"), "status": status, "published_at": published_at,
                "tags": [format!("tag-{}", i % 7), "all"],
                "blocks": [
                    {"type": "text", "heading": if i % 2 == 0 { Value::Null } else { json!("H") }, "body": format!("Body {i} \"q\" \\ end")},
                    {"type": "feelings", "ref": format!("list-{}", i % 5)},
                    {"type": "steps", "ref": format!("guide-{}", i % 5)},
                    {"type": "promo", "ref": format!("promo-{}", i % 4)},
                    {"type": "text", "heading": "Last", "body": "The end."}
                ]
            })
        })
        .collect();
    with_version(json!({
        "perspectives": perspectives(),
        "promos": promos,
        "feeling_lists": lists,
        "step_guides": guides,
        "articles": articles,
        "placements": [{"promo": "promo-1", "slot": "sidebar", "tag": null, "priority": 3}]
    }))
}

#[tokio::test]
async fn a_generated_bundle_imports_and_exports_identically_and_twice_changes_nothing() {
    let source = TestDatabase::create().await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("generated.json");
    std::fs::write(&file, generated(1_100).to_string()).unwrap();
    let first = succeeded(cli_import(&source.url, &file));
    let stderr = String::from_utf8_lossy(&first.stderr);
    assert!(
        stderr.contains("imported 1100 articles, 5 feeling lists, 5 step guides, 4 promos, 2 perspectives, 1 placements in"),
        "{stderr}"
    );

    // The streamed export (three pages of articles) is the whole bundle's bytes.
    let streamed = cli_export(&source.url);
    let db = source.connect().await;
    let whole = bundle::export(&db, crate::support::now()).await.unwrap();
    assert_eq!(whole.articles.len(), 1_100);
    assert_eq!(
        String::from_utf8(streamed.clone()).unwrap(),
        whole.to_json()
    );
    let version = tether::storage::content_version::current(&db)
        .await
        .unwrap();

    // The same bundle again changes nothing, not even the content version.
    let again = succeeded(cli_import(&source.url, &file));
    let stderr = String::from_utf8_lossy(&again.stderr);
    assert!(
        stderr.contains("(0 created, 0 updated, 1117 unchanged)"),
        "{stderr}"
    );
    assert_eq!(cli_export(&source.url), streamed);
    assert_eq!(
        tether::storage::content_version::current(&db)
            .await
            .unwrap(),
        version
    );

    // Round trip: the export, imported (from standard input) into an empty database, exports
    // the same bytes.
    let target = TestDatabase::create().await;
    let mut child = tether(&target.url)
        .args(["import", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    {
        use std::io::Write;
        let mut stdin = child.stdin.take().unwrap();
        stdin.write_all(&streamed).unwrap();
    }
    succeeded(child.wait_with_output().unwrap());
    assert_eq!(cli_export(&target.url), streamed);
    db.close().await.ok();
}

#[tokio::test]
async fn the_sample_content_exports_the_same_bytes_streamed() {
    let database = TestDatabase::create().await;
    let db = database.connect().await;
    import(&db, tether::app::SAMPLE_BUNDLE).await.unwrap();
    let whole = bundle::export(&db, crate::support::now())
        .await
        .unwrap()
        .to_json();
    assert_eq!(String::from_utf8(cli_export(&database.url)).unwrap(), whole);

    let empty = TestDatabase::create().await;
    succeeded(tether(&empty.url).arg("migrate").output().unwrap());
    let nothing = cli_export(&empty.url);
    assert_eq!(
        String::from_utf8(nothing).unwrap(),
        tether::domain::bundle::Bundle::empty().to_json()
    );
    db.close().await.ok();
}

#[tokio::test]
async fn problems_in_many_articles_are_all_listed_and_nothing_is_written() {
    let database = TestDatabase::create().await;
    let mut bad = generated(300);
    bad["articles"][3]["blocks"][1]["ref"] = json!("no-such-list");
    bad["articles"][150]["slug"] = json!("Not A Slug");
    bad["articles"][299]["blocks"][3]["ref"] = json!("no-such-promo");
    bad["articles"][299]["title"] = json!("");
    bad["articles"][200]["slug"] = json!("article-00010");
    bad["feeling_lists"][2]["items"][0]["perspective"] = json!("nobody");
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("bad.json");
    std::fs::write(&file, bad.to_string()).unwrap();

    let refused = cli_import(&database.url, &file);
    assert!(!refused.status.success());
    let stderr = String::from_utf8_lossy(&refused.stderr);
    let listed: Vec<&str> = stderr.lines().skip(1).map(str::trim).collect();
    assert!(stderr.contains("6 problems found"), "{stderr}");
    assert_eq!(
        listed,
        [
            "articles[200].slug: \"article-00010\" appears more than once",
            "feeling_lists[2].items[0].perspective: unknown perspective \"nobody\"",
            "articles[3].blocks[1].ref: unknown feeling list \"no-such-list\"",
            "articles[150].slug: \"Not A Slug\" is not a valid slug: use 1 to 120 lowercase letters and digits, joined by single hyphens",
            "articles[299].title: must not be empty",
            "articles[299].blocks[3].ref: unknown promo \"no-such-promo\"",
        ],
        "{stderr}"
    );

    let db = database.connect().await;
    let exported = bundle::export(&db, crate::support::now()).await.unwrap();
    assert!(exported.articles.is_empty() && exported.promos.is_empty());
    assert!(exported.perspectives.is_empty() && exported.feeling_lists.is_empty());
    db.close().await.ok();
}

#[tokio::test]
async fn sections_may_come_in_any_order() {
    let database = TestDatabase::create().await;
    let ordered = generated(30);
    // Articles and placements first, what they refer to after them.
    let mut text = String::from("{\"articles\": ");
    text.push_str(&ordered["articles"].to_string());
    for key in [
        "placements",
        "step_guides",
        "feeling_lists",
        "promos",
        "perspectives",
    ] {
        text.push_str(&format!(", \"{key}\": {}", ordered[key]));
    }
    text.push_str(", \"version\": 1}");
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("reordered.json");
    std::fs::write(&file, text).unwrap();
    succeeded(cli_import(&database.url, &file));

    let expected = TestDatabase::create().await;
    let canonical = dir.path().join("canonical.json");
    std::fs::write(&canonical, ordered.to_string()).unwrap();
    succeeded(cli_import(&expected.url, &canonical));
    assert_eq!(cli_export(&database.url), cli_export(&expected.url));
}

#[tokio::test]
async fn a_section_named_twice_is_a_problem() {
    let database = TestDatabase::create().await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("twice.json");
    std::fs::write(
        &file,
        r#"{"version": 1, "perspectives": [], "perspectives": [{"key": "a", "label": "A"}]}"#,
    )
    .unwrap();
    let refused = cli_import(&database.url, &file);
    assert!(!refused.status.success());
    assert!(
        String::from_utf8_lossy(&refused.stderr)
            .contains("perspectives: appears more than once in the bundle")
    );
}
