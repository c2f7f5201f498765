//! Browser tests: headless Chromium, driven through chromedriver with fantoccini, clicks the
//! admin as a person would. Screenshots of the pages go to `target/screenshots/`.
//!
//! Needs Debian's `chromium` and `chromium-driver` (`.ci/run` installs them). Where they are
//! missing, the tests fail under CI (`CI` set) and are skipped with a notice elsewhere, so
//! `cargo test` still works on a machine without a browser.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::json;
use tether::domain::accounts::Role;

use crate::admin_support::{PASSWORD, create_user};
use crate::support::{TestApp, no_redirects};

const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
const CHROMIUM: &str = "/usr/bin/chromium";

/// A chromedriver process of this test's own, ended on drop.
struct Driver {
    process: Child,
    port: u16,
    _profile: tempfile::TempDir,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.process.kill();
        let _ = self.process.wait();
    }
}

/// `None` (with a notice) where no browser is installed and CI is not set.
fn start_driver() -> Option<Driver> {
    if !Path::new(CHROMEDRIVER).exists() || !Path::new(CHROMIUM).exists() {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must install chromium and chromium-driver for the browser tests"
        );
        eprintln!("browser test skipped: {CHROMIUM} or {CHROMEDRIVER} is not installed");
        return None;
    }
    let port = TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let process = Command::new(CHROMEDRIVER)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("chromedriver starts");
    let profile = tempfile::tempdir().expect("a profile directory");
    let deadline = Instant::now() + Duration::from_secs(10);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            Instant::now() < deadline,
            "chromedriver did not listen on port {port}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    Some(Driver {
        process,
        port,
        _profile: profile,
    })
}

async fn browser(driver: &Driver) -> Client {
    // Each browser gets a profile of its own (two at once cannot share one).
    let profile = driver
        ._profile
        .path()
        .join(uuid::Uuid::new_v4().simple().to_string())
        .display()
        .to_string();
    let capabilities = json!({
        "browserName": "chrome",
        "goog:chromeOptions": {
            "binary": CHROMIUM,
            "args": [
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic",
                "--no-first-run", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--window-size=1280,900", format!("--user-data-dir={profile}"),
            ]
        }
    });
    let serde_json::Value::Object(capabilities) = capabilities else {
        unreachable!()
    };
    ClientBuilder::new(HttpConnector::new())
        .capabilities(capabilities)
        .connect(&format!("http://127.0.0.1:{}", driver.port))
        .await
        .expect("a browser session")
}

fn screenshot_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/screenshots")
}

async fn screenshot(client: &Client, name: &str) {
    if let Ok(png) = client.screenshot().await {
        let dir = screenshot_dir();
        if std::fs::create_dir_all(&dir).is_ok() {
            let _ = std::fs::write(dir.join(format!("{name}.png")), png);
        }
    }
}

/// Finds an element, waiting up to 10 s: right after a click the next page may still be loading.
async fn find_soon(client: &Client, locator: Locator<'_>) -> fantoccini::elements::Element {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        match client.find(locator).await {
            Ok(element) => return element,
            Err(e) if Instant::now() >= deadline => panic!("no {locator:?}: {e}"),
            Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
        }
    }
}

async fn fill(client: &Client, selector: &str, text: &str) {
    let field = find_soon(client, Locator::Css(selector)).await;
    field.clear().await.expect("clear");
    field.send_keys(text).await.expect("type");
}

async fn click(client: &Client, selector: &str) {
    find_soon(client, Locator::Css(selector))
        .await
        .click()
        .await
        .expect("click");
}

/// Clicks something that loads a new page, and waits until the new page has replaced the old one.
async fn click_to_load(client: &Client, selector: &str) {
    let old_page = find_soon(client, Locator::Css("html")).await.element_id();
    click(client, selector).await;
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if let Ok(page) = client.find(Locator::Css("html")).await
            && page.element_id() != old_page
        {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "clicking {selector} loaded no new page"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn click_link(client: &Client, text: &str) {
    find_soon(client, Locator::LinkText(text))
        .await
        .click()
        .await
        .expect("click");
}

/// Waits (up to 10 s) until the page's text contains `text`, and returns the page source.
async fn wait_for_text(client: &Client, text: &str) -> String {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        // Between two pages there may briefly be no body; that is not a failure.
        let body = match client.find(Locator::Css("body")).await {
            Ok(body) => body.text().await.unwrap_or_default(),
            Err(_) => String::new(),
        };
        if body.contains(text) {
            return client.source().await.unwrap_or_default();
        }
        assert!(
            Instant::now() < deadline,
            "{text:?} never appeared; the page says:\n{body}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Waits (up to 10 s) for an element matching `selector`.
async fn wait_for_element(client: &Client, selector: &str) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while client.find(Locator::Css(selector)).await.is_err() {
        assert!(Instant::now() < deadline, "no {selector} appeared");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn path_of(client: &Client) -> String {
    client.current_url().await.expect("a url").path().to_owned()
}

async fn sign_in(client: &Client, app: &TestApp, email: &str, password: &str) {
    client
        .goto(&app.url("/admin/login"))
        .await
        .expect("login page");
    fill(client, "input[name=email]", email).await;
    fill(client, "input[name=password]", password).await;
    click_to_load(client, "form[action='/admin/login'] button[type=submit]").await;
}

#[tokio::test]
async fn first_run_setup_sign_in_and_creating_an_editor_in_a_browser() {
    let Some(driver) = start_driver() else { return };
    let app = TestApp::with_sample().await;
    let client = browser(&driver).await;

    client.goto(&app.url("/admin")).await.expect("the admin");
    assert_eq!(path_of(&client).await, "/admin/setup");
    fill(&client, "input[name=email]", "ana@example.com").await;
    fill(&client, "input[name=display_name]", "Ana").await;
    fill(&client, "input[name=password]", PASSWORD).await;
    fill(
        &client,
        "input[name=password_confirm]",
        "something else entirely",
    )
    .await;
    click_to_load(&client, "button.primary").await;
    let page = wait_for_text(&client, "the two passwords differ").await;
    assert!(
        page.contains("value=\"ana@example.com\""),
        "the email typed is kept"
    );
    screenshot(&client, "setup").await;
    fill(&client, "input[name=password]", PASSWORD).await;
    fill(&client, "input[name=password_confirm]", PASSWORD).await;
    click_to_load(&client, "button.primary").await;
    wait_for_text(&client, "Hello, Ana").await;
    screenshot(&client, "dashboard").await;

    click_to_load(&client, "form[action='/admin/logout'] button").await;
    wait_for_text(&client, "Sign in to the dashboard").await;
    screenshot(&client, "login").await;
    sign_in(&client, &app, "ana@example.com", PASSWORD).await;
    wait_for_text(&client, "Hello, Ana").await;

    click_link(&client, "Users").await;
    wait_for_text(&client, "ana@example.com").await;
    click_link(&client, "New user").await;
    wait_for_text(&client, "Initial password").await;
    fill(&client, "input[name=email]", "ed@example.com").await;
    fill(&client, "input[name=display_name]", "Ed Itor").await;
    click(&client, "input[name=role][value=editor]").await;
    fill(&client, "input[name=password]", "the editor's own password").await;
    screenshot(&client, "new-user").await;
    click_to_load(&client, "button.primary").await;
    wait_for_text(&client, "ed@example.com can now sign in as Editor.").await;
    screenshot(&client, "users").await;
    client.close().await.expect("close");

    // The editor, in a browser of their own, sees no Users page in the navigation.
    let editor = browser(&driver).await;
    sign_in(&editor, &app, "ed@example.com", "the editor's own password").await;
    wait_for_text(&editor, "Hello, Ed Itor").await;
    assert!(
        editor.find(Locator::LinkText("Users")).await.is_err(),
        "editors have no Users link"
    );
    editor.close().await.expect("close");
}

#[tokio::test]
async fn an_editor_writes_arranges_previews_and_publishes_in_a_browser() {
    let Some(driver) = start_driver() else { return };
    let app = TestApp::with_sample().await;
    create_user(&app, "ed@example.com", Role::Editor).await;
    let client = browser(&driver).await;
    sign_in(&client, &app, "ed@example.com", PASSWORD).await;
    wait_for_text(&client, "Hello").await;

    click_link(&client, "Articles").await;
    wait_for_text(&client, "The Anxious-Avoidant Relationship Dynamic").await;
    screenshot(&client, "articles").await;
    click_link(&client, "New article").await;
    wait_for_text(&client, "New article").await;
    fill(&client, "input[name=title]", "Pursue and withdraw").await;
    // The slug is proposed from the title and checked while typing.
    wait_for_text(&client, "pursue-and-withdraw: available").await;
    fill(&client, "input[name=tags]", "anxious, avoidant").await;
    fill(
        &client,
        "textarea[name=block_body]",
        "Why **both** of you feel stuck.",
    )
    .await;
    // The live preview renders the Markdown as the API will.
    wait_for_element(&client, ".markdown-preview strong").await;
    // A tag already in use, added with a click.
    click(&client, "button[data-add-tag=attachment]").await;
    click_to_load(&client, "button[value=add_feelings]").await;
    wait_for_text(&client, "Unsaved changes").await;
    // The picker's filter narrows the promos to the quiz.
    fill(&client, "input[data-filter=new_promo]", "quiz").await;
    click_to_load(&client, "button[value=add_promo]").await;
    wait_for_text(&client, "Unsaved changes").await;
    click_to_load(&client, "button[value=add_steps]").await;
    wait_for_text(&client, "Unsaved changes").await;
    // Blocks: text, feelings, promo, steps. Move the steps above the promo.
    click_to_load(&client, "button[value='up:3']").await;
    wait_for_text(&client, "Unsaved changes").await;
    screenshot(&client, "editor").await;
    click_to_load(&client, "button[value=save]").await;
    wait_for_text(&client, "Saved \"Pursue and withdraw\" (draft).").await;

    click_link(&client, "Preview").await;
    let preview = wait_for_text(&client, "What You Might Be Feeling").await;
    assert!(preview.contains("<strong>both</strong>"));
    screenshot(&client, "preview").await;
    click_link(&client, "← Back to the editor").await;
    wait_for_text(&client, "Pursue and withdraw").await;
    click_to_load(&client, "button[value=publish]").await;
    wait_for_text(&client, "(published)").await;
    client.close().await.expect("close");

    let article = app.data("/api/v1/articles/pursue-and-withdraw").await;
    let kinds: Vec<&str> = article["blocks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["type"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["text", "feelings", "steps", "promo"]);
    assert_eq!(
        article["tags"],
        json!(["anxious", "attachment", "avoidant"])
    );
    assert_eq!(article["blocks"][3]["slug"], "attachment-style-quiz");
}

#[tokio::test]
async fn a_second_editor_saving_over_a_newer_version_sees_the_conflict_page() {
    let Some(driver) = start_driver() else { return };
    let app = TestApp::with_sample().await;
    create_user(&app, "ana@example.com", Role::Editor).await;
    create_user(&app, "bo@example.com", Role::Editor).await;
    let edit = app.url("/admin/articles/anxious-avoidant-relationship-dynamic");
    let first = browser(&driver).await;
    let second = browser(&driver).await;
    sign_in(&first, &app, "ana@example.com", PASSWORD).await;
    wait_for_text(&first, "Hello").await;
    sign_in(&second, &app, "bo@example.com", PASSWORD).await;
    wait_for_text(&second, "Hello").await;
    // Both open the article, then the first saves.
    first.goto(&edit).await.expect("editor");
    second.goto(&edit).await.expect("editor");
    fill(&first, "input[name=title]", "Ana's title").await;
    click_to_load(&first, "button[value=save]").await;
    wait_for_text(&first, "Saved \"Ana's title\"").await;
    // The second, still on version 1, saves too.
    fill(&second, "input[name=title]", "Bo's title").await;
    click_to_load(&second, "button[value=save]").await;
    let page = wait_for_text(&second, "Someone else saved this article").await;
    assert!(
        page.contains("Ana&#x27;s title") || page.contains("Ana's title"),
        "the saved version is shown"
    );
    screenshot(&second, "conflict").await;
    let kept = second
        .find(Locator::Css("form input[name=title]"))
        .await
        .expect("the editor's form")
        .prop("value")
        .await
        .expect("value");
    assert_eq!(
        kept.as_deref(),
        Some("Bo's title"),
        "the second editor's text is kept"
    );
    assert_eq!(
        app.data("/api/v1/articles/anxious-avoidant-relationship-dynamic")
            .await["title"],
        "Ana's title"
    );
    first.close().await.expect("close");
    second.close().await.expect("close");
}

#[tokio::test]
async fn a_marketer_creates_an_affiliate_promo_and_places_it_for_a_tag_in_a_browser() {
    let Some(driver) = start_driver() else { return };
    let app = TestApp::with_sample().await;
    create_user(&app, "mia@example.com", Role::Marketer).await;
    let client = browser(&driver).await;
    sign_in(&client, &app, "mia@example.com", PASSWORD).await;
    wait_for_text(&client, "Hello").await;

    click_link(&client, "Promos").await;
    wait_for_text(&client, "Talk to a Licensed Therapist").await;
    screenshot(&client, "promos").await;
    click_link(&client, "New promo").await;
    wait_for_text(&client, "New promo").await;
    // Affiliate is the default kind, and its disclosure starts with the site's default text.
    let disclosure = find_soon(&client, Locator::Css("textarea[name=disclosure]"))
        .await
        .prop("value")
        .await
        .expect("value");
    assert_eq!(
        disclosure.as_deref(),
        Some("Affiliate link — we may earn a commission at no extra cost to you.")
    );
    fill(&client, "input[name=title]", "Couples Counselling, Online").await;
    fill(&client, "input[name=slug]", "couples-counselling").await;
    fill(&client, "input[name=eyebrow]", "Working on it together?").await;
    fill(&client, "input[name=cta_label]", "Start Your Free Week →").await;
    fill(
        &client,
        "input[name=target_url]",
        "https://partner.example/couples?ref=tether",
    )
    .await;
    // The preview follows the typing.
    let previewed = find_soon(&client, Locator::Css("[data-promo-preview] h3"))
        .await
        .text()
        .await
        .expect("text");
    assert_eq!(previewed, "Couples Counselling, Online");
    // Without a disclosure the preview warns, and saving is refused next to the field.
    fill(&client, "textarea[name=disclosure]", "").await;
    wait_for_text(&client, "An affiliate offer must show a disclosure.").await;
    click_to_load(&client, "form[data-promo-form] button.primary").await;
    let refused = wait_for_text(&client, "disclosure that readers are shown").await;
    assert!(
        refused.contains("Couples Counselling, Online"),
        "input kept"
    );
    fill(
        &client,
        "textarea[name=disclosure]",
        "Affiliate link: we may earn a commission.",
    )
    .await;
    screenshot(&client, "promo-editor").await;
    click_to_load(&client, "form[data-promo-form] button.primary").await;
    wait_for_text(&client, "Saved \"Couples Counselling, Online\".").await;

    // Place it at the end of articles tagged "avoidant".
    find_soon(&client, Locator::Css("select[name=slot]"))
        .await
        .select_by_value("article_end")
        .await
        .expect("choose the slot");
    fill(&client, "input[name=tag]", "avoidant").await;
    fill(&client, "input[name=priority]", "5").await;
    click_to_load(&client, "form[action$='/placements'] button.primary").await;
    wait_for_text(
        &client,
        "Placed in article_end for articles tagged \"avoidant\".",
    )
    .await;
    screenshot(&client, "promo-placed").await;

    // Three readers follow the link; the report counts them and draws the day.
    let reader = no_redirects();
    for _ in 0..3 {
        reader
            .get(app.url("/go/couples-counselling"))
            .send()
            .await
            .expect("the redirect");
    }
    click_link(&client, "Clicks report").await;
    wait_for_text(&client, "Clicks per day").await;
    let total = find_soon(&client, Locator::Css("[data-total-clicks]"))
        .await
        .text()
        .await
        .expect("text");
    assert_eq!(total, "3");
    wait_for_element(&client, "svg.chart rect").await;
    screenshot(&client, "promo-report").await;
    client.close().await.expect("close");

    let article = app
        .data("/api/v1/articles/anxious-avoidant-relationship-dynamic")
        .await;
    let placed = &article["placements"]["article_end"][0];
    assert_eq!(placed["slug"], "couples-counselling");
    assert_eq!(placed["kind"], "affiliate");
    assert_eq!(placed["rel"], "sponsored nofollow");
    assert_eq!(
        placed["disclosure"],
        "Affiliate link: we may earn a commission."
    );
    assert_eq!(placed["url"], app.url("/go/couples-counselling"));
    let redirect = no_redirects()
        .get(app.url("/go/couples-counselling"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        redirect.headers()["location"],
        "https://partner.example/couples?ref=tether"
    );
}
