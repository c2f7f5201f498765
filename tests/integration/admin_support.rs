//! Helpers for admin tests: a browser-like client (cookies, no automatic redirects) and
//! accounts created straight in the database.

use reqwest::header::{HeaderMap, LOCATION};
use reqwest::{Response, StatusCode};
use tether::domain::accounts::Role;
use tether::domain::passwords;
use tether::storage::accounts::{self, UserRecord};
use tether::storage::entities::user;

use crate::support::{TestApp, now};

pub const PASSWORD: &str = "correct horse battery staple";

/// One browser: its own cookie jar, redirects left to the test.
pub struct Browser {
    pub client: reqwest::Client,
    pub base: String,
    /// Sent as `X-Forwarded-For` (for servers that trust it).
    pub address: Option<String>,
}

pub struct Page {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: String,
}

impl Page {
    async fn from(response: Response) -> Page {
        Page {
            status: response.status(),
            headers: response.headers().clone(),
            body: response.text().await.unwrap(),
        }
    }

    pub fn location(&self) -> Option<&str> {
        self.headers.get(LOCATION).and_then(|v| v.to_str().ok())
    }

    pub fn assert_redirect(&self, to: &str) {
        assert_eq!(self.status, StatusCode::SEE_OTHER, "{}", self.body);
        assert_eq!(self.location(), Some(to));
    }

    /// The value of the page's first `csrf_token` field.
    pub fn csrf_token(&self) -> String {
        let marker = "name=\"csrf_token\" value=\"";
        let start = self
            .body
            .find(marker)
            .unwrap_or_else(|| panic!("no csrf_token in {}", self.body))
            + marker.len();
        let end = self.body[start..].find('"').unwrap() + start;
        self.body[start..end].to_owned()
    }
}

impl Browser {
    pub fn new(app: &TestApp) -> Browser {
        let client = reqwest::Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        Browser {
            client,
            base: app.base.clone(),
            address: None,
        }
    }

    pub fn from_address(app: &TestApp, address: &str) -> Browser {
        Browser {
            address: Some(address.to_owned()),
            ..Browser::new(app)
        }
    }

    fn request(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        let mut request = self
            .client
            .request(method, format!("{}{}", self.base, path));
        if let Some(address) = &self.address {
            request = request.header("x-forwarded-for", address);
        }
        request
    }

    pub async fn get(&self, path: &str) -> Page {
        Page::from(
            self.request(reqwest::Method::GET, path)
                .send()
                .await
                .unwrap(),
        )
        .await
    }

    /// Posts a form exactly as given (no token added).
    pub async fn post_raw(&self, path: &str, fields: &[(&str, &str)]) -> Page {
        Page::from(
            self.request(reqwest::Method::POST, path)
                .form(fields)
                .send()
                .await
                .unwrap(),
        )
        .await
    }

    /// Posts a form with the CSRF token of the page at `form_page`, as a person submitting it would.
    pub async fn submit(&self, form_page: &str, action: &str, fields: &[(&str, &str)]) -> Page {
        let token = self.get(form_page).await.csrf_token();
        let mut all = vec![("csrf_token", token.as_str())];
        all.extend_from_slice(fields);
        self.post_raw(action, &all).await
    }

    pub async fn sign_in(&self, email: &str, password: &str) -> Page {
        self.submit(
            "/admin/login",
            "/admin/login",
            &[("email", email), ("password", password)],
        )
        .await
    }
}

/// An account created directly in the database.
pub async fn create_user(app: &TestApp, email: &str, role: Role) -> user::Model {
    let hash = passwords::hash(PASSWORD).unwrap();
    accounts::insert_user(
        app.db.conn(),
        UserRecord {
            email,
            display_name: email.split('@').next().unwrap(),
            role,
            password_hash: hash,
        },
        now(),
    )
    .await
    .unwrap()
}

/// A browser signed in as a new user of `role`.
pub async fn signed_in(app: &TestApp, email: &str, role: Role) -> (Browser, user::Model) {
    let user = create_user(app, email, role).await;
    let browser = Browser::new(app);
    browser
        .sign_in(email, PASSWORD)
        .await
        .assert_redirect("/admin");
    (browser, user)
}
