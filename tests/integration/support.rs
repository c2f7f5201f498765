//! Test harness: a real Tether server on a random local port, over a fresh database per test.
//!
//! SQLite files in a temporary directory by default; when `TEST_DATABASE_URL` names a PostgreSQL
//! server, each test creates its own database there and drops it afterwards. Tests get a clock
//! they control, and can count the SQL statements the server runs.

use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};
use reqwest::StatusCode;
use serde_json::Value;
use tether::app::SAMPLE_BUNDLE;
use tether::clock::ManualClock;
use tether::config::{Config, CorsOrigins};
use tether::operations::import::{BundleSource, Quiet};
use tether::operations::{self, Actor};
use tether::state::AppState;
use tether::storage::bundle::ImportReport;
use tether::storage::{self, Patience, Store};

/// A fresh, migrated database that disappears with this value.
pub struct TestDatabase {
    pub url: String,
    _dir: Option<tempfile::TempDir>,
    postgres: Option<(String, String)>, // (server URL, database name)
}

impl TestDatabase {
    pub async fn create() -> Self {
        match std::env::var("TEST_DATABASE_URL")
            .ok()
            .filter(|u| !u.is_empty())
        {
            Some(server) => {
                let name = format!("tether_test_{}", uuid::Uuid::new_v4().simple());
                let admin = storage::connect(&server, Patience::COMMAND)
                    .await
                    .expect("connect to TEST_DATABASE_URL");
                use sea_orm::ConnectionTrait;
                admin
                    .execute_unprepared(&format!("CREATE DATABASE {name}"))
                    .await
                    .expect("create test database");
                admin.close().await.ok();
                let url = with_database(&server, &name);
                Self {
                    url,
                    _dir: None,
                    postgres: Some((server, name)),
                }
            }
            None => {
                let dir = tempfile::tempdir().expect("temp dir");
                let url = format!(
                    "sqlite://{}?mode=rwc",
                    dir.path().join("tether.db").display()
                );
                Self {
                    url,
                    _dir: Some(dir),
                    postgres: None,
                }
            }
        }
    }

    /// A new connection pool on this database, migrated.
    pub async fn connect(&self) -> Store {
        let db = storage::connect(&self.url, Patience::COMMAND)
            .await
            .expect("connect");
        storage::migrate(&db).await.expect("migrate");
        Store::new(db)
    }
}

fn with_database(server: &str, name: &str) -> String {
    let mut url = url::Url::parse(server).expect("TEST_DATABASE_URL is a URL");
    url.set_path(&format!("/{name}"));
    url.to_string()
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        if let Some((server, name)) = self.postgres.take() {
            // Drop runs inside the test's runtime; a separate thread gets a runtime of its own.
            let _ = std::thread::spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .ok()?;
                rt.block_on(async {
                    use sea_orm::ConnectionTrait;
                    let admin = storage::connect(&server, Patience::COMMAND).await.ok()?;
                    admin
                        .execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                        .await
                        .ok()?;
                    admin.close().await.ok()
                })
            })
            .join();
        }
    }
}

/// Options for [`TestApp::start`].
#[derive(Clone)]
pub struct Options {
    pub sample: bool,
    pub read_cache: bool,
    pub cors: CorsOrigins,
    pub trust_forwarded_for: bool,
    /// `TETHER_PUBLIC_URL`, when the test needs one.
    pub public_url: Option<String>,
    /// `TETHER_LINK_CHECK_ALLOW_PRIVATE`: lets link checks reach the test's local servers.
    pub allow_private_links: bool,
    /// The server reaches the database through this URL instead (a relay the test controls).
    pub server_database_url: Option<String>,
    /// `TETHER_CLICK_BACKLOG_MAX`, when the test needs a small one.
    pub click_backlog_max: Option<usize>,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            sample: false,
            read_cache: true,
            cors: CorsOrigins::Any,
            trust_forwarded_for: false,
            public_url: None,
            allow_private_links: false,
            server_database_url: None,
            click_backlog_max: None,
        }
    }
}

pub struct TestApp {
    pub base: String,
    pub client: reqwest::Client,
    /// A connection of the test's own (not the server's), for writes "from elsewhere".
    pub db: Store,
    pub clock: ManualClock,
    /// Every SQL statement the server has run.
    pub statements: Arc<Mutex<Vec<String>>>,
    pub database: Arc<TestDatabase>,
    /// The server's state (its click recorder, for shutdown tests).
    pub state: AppState,
    server: tokio::task::JoinHandle<()>,
}

impl Drop for TestApp {
    fn drop(&mut self) {
        self.server.abort();
    }
}

/// A client that leaves redirects to the test, as readers' clicks on tracked links are checked.
pub fn no_redirects() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("a client")
}

pub fn now() -> DateTime<Utc> {
    tether::domain::timestamp::normalize(Utc::now())
}

impl TestApp {
    /// An empty database.
    pub async fn empty() -> Self {
        Self::start(Options::default()).await
    }

    /// The sample content loaded.
    pub async fn with_sample() -> Self {
        Self::start(Options {
            sample: true,
            ..Options::default()
        })
        .await
    }

    pub async fn start(options: Options) -> Self {
        let database = Arc::new(TestDatabase::create().await);
        Self::start_on(database, options).await
    }

    /// A second server process on the same database (as behind a load balancer).
    pub async fn start_on(database: Arc<TestDatabase>, options: Options) -> Self {
        let mut server_conn = match &options.server_database_url {
            Some(url) => storage::connect(url, Patience::COMMAND)
                .await
                .expect("connect"),
            None => database.connect().await.conn().clone(),
        };
        let statements = Arc::new(Mutex::new(Vec::new()));
        let seen = Arc::clone(&statements);
        server_conn.set_metric_callback(move |info| {
            seen.lock().unwrap().push(info.statement.to_string());
        });
        let server_db = Store::new(server_conn);
        let db = database.connect().await;
        let clock = ManualClock::new(now());
        if options.sample {
            import(&db, SAMPLE_BUNDLE).await.expect("sample imports");
        }
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let base = format!("http://{}", listener.local_addr().expect("addr"));
        let mut config = Config::from_lookup(|_| None).expect("default config");
        config.public_url = base.clone();
        config.database_url = database.url.clone();
        config.cors_origins = options.cors;
        config.read_cache_entries = if options.read_cache { 1000 } else { 0 };
        config.trust_forwarded_for = options.trust_forwarded_for;
        if let Some(public_url) = options.public_url {
            config.public_url = public_url;
        }
        config.link_check_allow_private = options.allow_private_links;
        if let Some(max) = options.click_backlog_max {
            config.click_backlog_max = max;
        }
        let state =
            AppState::new(server_db, config, Arc::new(clock.clone())).expect("the app state");
        let router = tether::http::router(state.clone());
        let server = tokio::spawn(async move {
            let service = router.into_make_service_with_connect_info::<std::net::SocketAddr>();
            axum::serve(listener, service).await.expect("server runs");
        });
        Self {
            base,
            client: reqwest::Client::new(),
            db,
            clock,
            statements,
            database,
            state,
            server,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(self.url(path))
            .send()
            .await
            .expect("request")
    }

    /// Status and JSON body of a GET.
    pub async fn get_json(&self, path: &str) -> (StatusCode, Value) {
        let response = self.get(path).await;
        let status = response.status();
        let body = response.json::<Value>().await.expect("JSON body");
        (status, body)
    }

    /// The `data` of a GET that must succeed.
    pub async fn data(&self, path: &str) -> Value {
        let (status, body) = self.get_json(path).await;
        assert_eq!(status, StatusCode::OK, "GET {path}: {body}");
        body["data"].clone()
    }

    /// Imports bundle JSON through the test's own connection (as another process would), then
    /// lets the server's read cache catch up at once instead of at its next poll.
    pub async fn import(&self, json: &str) -> Result<ImportReport, String> {
        let report = import(&self.db, json).await;
        self.caught_up().await;
        report
    }

    /// The server has applied every change made so far through other connections.
    pub async fn caught_up(&self) {
        self.state
            .cache
            .refresh()
            .await
            .expect("the read cache reads content events");
    }

    pub async fn import_value(&self, bundle: &Value) {
        self.import(&bundle.to_string())
            .await
            .expect("bundle imports");
    }

    /// Statements the server ran while `action` ran.
    pub async fn statements_during<F: Future<Output = ()>>(&self, action: F) -> Vec<String> {
        let before = self.statements.lock().unwrap().len();
        action.await;
        self.statements.lock().unwrap()[before..].to_vec()
    }
}

pub async fn import(db: &Store, json: &str) -> Result<ImportReport, String> {
    let source = BundleSource::Bytes(bytes::Bytes::from(json.to_owned()));
    operations::import::import(db, Actor::command_line(), source, now(), Arc::new(Quiet))
        .await
        .map(|imported| imported.report)
        .map_err(|e| e.to_string())
}

/// Asserts an error answer with the envelope and the given status and code.
pub async fn assert_error(app: &TestApp, path: &str, status: StatusCode, code: &str) -> Value {
    let (actual, body) = app.get_json(path).await;
    assert_eq!(actual, status, "GET {path}: {body}");
    assert_eq!(body["error"]["code"], code, "GET {path}: {body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .is_some_and(|m| !m.is_empty()),
        "{body}"
    );
    body
}

impl TestApp {
    /// The whole JSON body of a GET that must succeed.
    pub async fn data_or_whole(&self, path: &str) -> Value {
        let (status, body) = self.get_json(path).await;
        assert_eq!(status, StatusCode::OK, "GET {path}: {body}");
        body
    }
}

impl TestApp {
    /// The server's current time.
    pub fn clock_now(&self) -> chrono::DateTime<chrono::Utc> {
        use tether::clock::Clock;
        self.clock.now()
    }
}

/// Saves article `slug` through `store`, opened at its current version and changed by `edit`,
/// as `operations::articles::save` does for the admin: the test's own store (`app.db`) writes
/// as another process would, the server's (`app.state.db`) as its admin.
pub async fn save_article(
    store: &Store,
    slug: &str,
    now: DateTime<Utc>,
    action: tether::domain::publishing::EditorAction,
    edit: impl FnOnce(&mut tether::domain::content::Article),
) {
    use tether::operations::articles::{self, ArticleSave};
    let stored = tether::storage::articles::load(store, slug)
        .await
        .unwrap()
        .unwrap();
    let mut draft = stored.article;
    edit(&mut draft);
    let request = ArticleSave {
        existing: Some((slug.to_owned(), stored.version)),
        draft,
        action,
    };
    let author = tether::storage::revisions::Author {
        user_id: None,
        name: "t".into(),
        keep: 5,
    };
    articles::save(store, Actor::command_line(), author, request, now)
        .await
        .unwrap();
}
