//! The click writer through the real HTTP stack, on SQLite and PostgreSQL alike: the backlog is
//! written without anyone asking (within about a second), a tiny backlog cap makes redirects wait
//! for room while the database is locked and none of their clicks is lost, and the reports show
//! exact numbers from the counters, including click rows that migration 7 turned into counters.

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::Duration as Days;
use reqwest::StatusCode;
use sea_orm::sea_query::{Alias, Query};
use sea_orm::{ColumnTrait, ConnectionTrait, DatabaseBackend, EntityTrait, QueryFilter};
use serde_json::json;
use tether::app::SAMPLE_BUNDLE;
use tether::domain::accounts::Role;
use tether::domain::timestamp::Timestamp;
use tether::operations::{self, Actor};
use tether::storage::StorageError;
use tether::storage::entities::{article, promo};
use tether_migrations::{Migrator, MigratorTrait};
use tokio::sync::oneshot;

use crate::admin_promos::parse_csv_line;
use crate::admin_support::signed_in;
use crate::fixtures::{bundle, promo as promo_json};
use crate::promos::counted_in_database;
use crate::support::{Options, TestApp, TestDatabase, import, no_redirects, now};

/// Long enough for any machine; the tests never depend on it being short.
const PATIENCE: Duration = Duration::from_secs(30);

async fn app_with_promo(options: Options) -> TestApp {
    let app = TestApp::start(options).await;
    app.import_value(&bundle(
        json!({ "promos": [promo_json("therapy", "affiliate")] }),
    ))
    .await;
    app
}

async fn redirect(client: &reqwest::Client, url: &str) -> StatusCode {
    tokio::time::timeout(PATIENCE, client.get(url).send())
        .await
        .expect("the redirect answered")
        .expect("a response")
        .status()
}

/// Holds the database's write access to the click counts from a connection of the test's own
/// (SQLite's write lock; on PostgreSQL a lock on the table that blocks its writers) until the
/// returned sender is used or dropped.
async fn lock_click_counts(app: &TestApp) -> (oneshot::Sender<()>, tokio::task::JoinHandle<()>) {
    let (locked, is_locked) = oneshot::channel::<()>();
    let (release, released) = oneshot::channel::<()>();
    let db = app.db.clone();
    let holder = tokio::spawn(async move {
        db.write(move |txn| {
            Box::pin(async move {
                if txn.get_database_backend() == DatabaseBackend::Postgres {
                    txn.execute_unprepared(
                        "LOCK TABLE promo_click_counts IN SHARE ROW EXCLUSIVE MODE",
                    )
                    .await?;
                }
                let _ = locked.send(());
                let _ = released.await;
                Ok::<_, StorageError>(())
            })
        })
        .await
        .expect("the lock is held and released");
    });
    is_locked.await.expect("the lock was taken");
    (release, holder)
}

#[tokio::test]
async fn waiting_clicks_are_written_within_about_a_second_without_a_flush() {
    let app = app_with_promo(Options::default()).await;
    let client = no_redirects();
    let url = app.url("/go/therapy");
    for _ in 0..40 {
        assert_eq!(redirect(&client, &url).await, StatusCode::FOUND);
    }
    // Nobody flushes: the writer stores the backlog on its own, every 250 ms.
    let started = Instant::now();
    while counted_in_database(&app, "therapy").await < 40 {
        assert!(
            started.elapsed() < PATIENCE,
            "the waiting clicks were not written"
        );
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    eprintln!("40 waiting clicks stored {:?} later", started.elapsed());
    assert_eq!(counted_in_database(&app, "therapy").await, 40);
    assert_eq!(app.state.clicks.waiting(), 0);
}

/// Clicks on many promos in one write all count (the write looks each promo up among those
/// still stored; a lookup that assumed the database's order dropped half of 20 promos' clicks).
#[tokio::test]
async fn clicks_on_twenty_promos_in_one_write_all_count() {
    let app = TestApp::start(Options::default()).await;
    let slugs: Vec<String> = (0..20).map(|i| format!("offer-{i}")).collect();
    let promos: Vec<serde_json::Value> = slugs
        .iter()
        .map(|slug| promo_json(slug, "affiliate"))
        .collect();
    app.import_value(&bundle(json!({ "promos": promos }))).await;
    let client = no_redirects();
    for (i, slug) in slugs.iter().enumerate() {
        for _ in 0..=i {
            let url = app.url(&format!("/go/{slug}"));
            assert_eq!(redirect(&client, &url).await, StatusCode::FOUND);
        }
    }
    app.state.clicks.flush().await;
    for (i, slug) in slugs.iter().enumerate() {
        assert_eq!(
            counted_in_database(&app, slug).await,
            i as u64 + 1,
            "clicks on {slug}"
        );
    }
}

#[tokio::test]
async fn redirects_beyond_the_backlog_cap_wait_for_room_and_none_is_lost() {
    let cap = 5;
    let app = app_with_promo(Options {
        click_backlog_max: Some(cap),
        ..Options::default()
    })
    .await;
    let client = no_redirects();
    let url = app.url("/go/therapy");
    assert_eq!(redirect(&client, &url).await, StatusCode::FOUND);
    app.state.clicks.flush().await;
    assert_eq!(counted_in_database(&app, "therapy").await, 1);

    // Another connection holds the write lock (as an import would): the writer cannot store.
    let (release, holder) = lock_click_counts(&app).await;
    // Below the cap, redirects are answered at once: the clicks wait in memory.
    for _ in 0..cap {
        assert_eq!(redirect(&client, &url).await, StatusCode::FOUND);
    }
    assert_eq!(app.state.clicks.waiting(), cap);
    // At the cap, redirects wait for room instead of the backlog growing.
    let beyond: Vec<_> = (0..3)
        .map(|_| {
            let client = client.clone();
            let url = url.clone();
            tokio::spawn(async move { redirect(&client, &url).await })
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(
        beyond.iter().all(|r| !r.is_finished()),
        "a redirect beyond the cap was answered while no room could be made"
    );
    assert_eq!(app.state.clicks.waiting(), cap);
    assert_eq!(counted_in_database(&app, "therapy").await, 1);

    // Once the lock is released the writer makes room and the waiting redirects are answered.
    let _ = release.send(());
    holder.await.unwrap();
    for answer in beyond {
        assert_eq!(answer.await.unwrap(), StatusCode::FOUND);
    }
    app.state.clicks.flush().await;
    assert_eq!(
        counted_in_database(&app, "therapy").await,
        1 + cap as u64 + 3
    );
    assert_eq!(app.state.clicks.waiting(), 0);
    // Nothing is left behind by a graceful stop either.
    app.state.clicks.shutdown().await;
    assert_eq!(
        counted_in_database(&app, "therapy").await,
        1 + cap as u64 + 3
    );
}

/// The migrations from `name` on, counted from the end (to roll back to just before it).
fn migrations_from(name: &str) -> u32 {
    let all = Migrator::migrations();
    let position = all
        .iter()
        .position(|m| m.name() == name)
        .expect("the migration exists");
    u32::try_from(all.len() - position).unwrap()
}

const CLICK_COUNTS: &str = "m20261130_000007_click_counts";

/// Inserts one old-style click row (one row per click, the table before migration 7).
async fn old_click(db: &impl ConnectionTrait, promo_id: i32, at: Timestamp, article: Option<i32>) {
    let insert = Query::insert()
        .into_table(Alias::new("promo_clicks"))
        .columns([
            Alias::new("promo_id"),
            Alias::new("clicked_at"),
            Alias::new("article_id"),
        ])
        .values([promo_id.into(), at.into(), article.into()])
        .unwrap()
        .to_owned();
    db.execute(&insert).await.unwrap();
}

async fn id_of_promo(db: &impl ConnectionTrait, slug: &str) -> i32 {
    promo::Entity::find()
        .filter(promo::Column::Slug.eq(slug))
        .one(db)
        .await
        .unwrap()
        .unwrap()
        .id
}

/// The number in the cell after the one containing `label` in the sources table.
fn clicks_after(body: &str, label: &str) -> u64 {
    let at = body
        .find(label)
        .unwrap_or_else(|| panic!("{label} in the report"));
    let rest = &body[at..];
    let cell = rest.find("<td>").unwrap() + 4;
    let end = rest[cell..].find("</td>").unwrap();
    rest[cell..cell + end].parse().unwrap()
}

#[tokio::test]
async fn reports_count_exactly_from_counters_and_from_click_rows_migrated_into_them() {
    let t0 = now();
    let day = |t: Timestamp| t.format("%Y-%m-%d").to_string();
    let database = Arc::new(TestDatabase::create().await);
    let store = database.connect().await;
    import(&store, SAMPLE_BUNDLE).await.unwrap();
    let therapy = id_of_promo(&store, "online-therapy").await;
    let book = id_of_promo(&store, "attachment-style-book").await;
    let dynamic = "anxious-avoidant-relationship-dynamic";
    let article_id = article::Entity::find()
        .filter(article::Column::Slug.eq(dynamic))
        .one(store.conn())
        .await
        .unwrap()
        .unwrap()
        .id;

    // Back to the one-row-per-click table, with clicks stored the old way.
    Migrator::down(store.conn(), Some(migrations_from(CLICK_COUNTS)))
        .await
        .unwrap();
    let hour_ago = t0 - Days::hours(1);
    let two_days_ago = t0 - Days::days(2);
    let old: Vec<(i32, Timestamp, Option<i32>)> = vec![
        (therapy, hour_ago, Some(article_id)),
        (therapy, hour_ago, Some(article_id)),
        (therapy, hour_ago, Some(article_id)),
        (therapy, hour_ago, None),
        (therapy, hour_ago, None),
        (therapy, two_days_ago, None),
        (therapy, two_days_ago, None),
        // The first second of the rolling 30 days, and the last one before it.
        (therapy, t0 - Days::days(30), None),
        (
            therapy,
            t0 - Days::days(30) - Days::seconds(1),
            Some(article_id),
        ),
        (therapy, t0 - Days::days(40), Some(article_id)),
        (therapy, t0 - Days::days(40), Some(article_id)),
        (therapy, t0 - Days::days(40), Some(article_id)),
        (therapy, t0 - Days::days(40), Some(article_id)),
        (book, t0 - Days::days(5), None),
    ];
    for (promo_id, at, article) in &old {
        old_click(store.conn(), *promo_id, *at, *article).await;
    }

    // The server migrates them into counters when it starts.
    let app = TestApp::start_on(Arc::clone(&database), Options::default()).await;
    app.clock.set(t0);
    let client = no_redirects();
    for referer in [
        Some("https://site.example/anxious-avoidant-relationship-dynamic"),
        Some("https://site.example/articles/anxious-avoidant-relationship-dynamic?x=1"),
        Some("https://site.example/no-such-article"),
        None,
    ] {
        let mut request = client.get(app.url("/go/online-therapy"));
        if let Some(referer) = referer {
            request = request.header("referer", referer);
        }
        assert_eq!(request.send().await.unwrap().status(), StatusCode::FOUND);
    }

    // Every click, old and new: (time, from the article?).
    let mut clicks: Vec<(Timestamp, bool)> = old
        .iter()
        .filter(|(promo_id, _, _)| *promo_id == therapy)
        .map(|(_, at, article)| (*at, article.is_some()))
        .collect();
    clicks.extend([(t0, true), (t0, true), (t0, false), (t0, false)]);
    let total = clicks.len() as u64;
    let last_30 = clicks
        .iter()
        .filter(|(at, _)| *at >= t0 - Days::days(30))
        .count() as u64;
    let from_article = clicks.iter().filter(|(_, a)| *a).count() as u64;
    assert_eq!((total, last_30, from_article), (17, 12, 10));

    let (marketer, _) = signed_in(&app, "mia@example.com", Role::Marketer).await;
    let csv = marketer.get("/admin/promos/report.csv").await;
    assert_eq!(csv.status, StatusCode::OK);
    let rows: Vec<Vec<String>> = csv.body.lines().skip(1).map(parse_csv_line).collect();
    let row = |slug: &str| {
        let row = rows.iter().find(|r| r[0] == slug).unwrap();
        (row[4].clone(), row[5].clone())
    };
    assert_eq!(
        row("online-therapy"),
        (total.to_string(), last_30.to_string())
    );
    assert_eq!(row("attachment-style-book"), ("1".into(), "1".into()));

    let report = marketer
        .get("/admin/promos/online-therapy/report?days=90")
        .await;
    assert_eq!(report.status, StatusCode::OK);
    assert!(
        report.body.contains(&format!("data-total-clicks>{total}<")),
        "{}",
        report.body
    );
    assert!(
        report
            .body
            .contains(&format!("<span class=\"tile-number\">{last_30}</span>"))
    );
    let mut per_day: std::collections::BTreeMap<String, u64> = Default::default();
    for (at, _) in &clicks {
        *per_day.entry(day(*at)).or_default() += 1;
    }
    for (date, n) in &per_day {
        let label = format!("{date}: {n} click{}<", if *n == 1 { "" } else { "s" });
        assert!(report.body.contains(&label), "{label}");
    }
    assert_eq!(
        clicks_after(&report.body, &format!("/admin/articles/{dynamic}\"")),
        from_article
    );
    assert_eq!(
        clicks_after(&report.body, "no referring article"),
        total - from_article
    );

    // A deleted article's clicks count as coming from no article, as before.
    operations::articles::delete(&app.db, Actor::command_line(), dynamic.into(), t0)
        .await
        .unwrap();
    let report = marketer.get("/admin/promos/online-therapy/report").await;
    assert!(
        !report
            .body
            .contains(&format!("/admin/articles/{dynamic}\""))
    );
    assert_eq!(clicks_after(&report.body, "no referring article"), total);
    assert!(report.body.contains(&format!("data-total-clicks>{total}<")));

    // Rolled back, the counters become one row per click again. (A new pool: SQLite
    // connections that saw the schema before the server migrated could still believe the old
    // table's indexes exist.)
    app.state.clicks.shutdown().await;
    let store = database.connect().await;
    Migrator::down(store.conn(), Some(migrations_from(CLICK_COUNTS)))
        .await
        .unwrap();
    let count = |sql: &'static str| {
        let db = store.conn().clone();
        async move {
            let row = db
                .query_one_raw(sea_orm::Statement::from_string(
                    db.get_database_backend(),
                    sql,
                ))
                .await
                .unwrap()
                .unwrap();
            row.try_get_by_index::<i64>(0).unwrap()
        }
    };
    assert_eq!(
        count("SELECT COUNT(*) FROM promo_clicks").await,
        i64::try_from(total + 1).unwrap()
    );
    assert_eq!(
        count("SELECT COUNT(*) FROM promo_clicks WHERE article_id IS NOT NULL").await,
        0,
        "the article was deleted"
    );
    Migrator::up(store.conn(), None).await.unwrap();
}
