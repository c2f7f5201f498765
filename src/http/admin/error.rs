//! The admin's error type: every failure becomes an HTML page (or a redirect to sign-in), never
//! a bare 500. Unexpected errors are logged; their details never reach the browser.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use minijinja::context;

use crate::http::admin::templates::TEMPLATES;
use crate::operations::OpError;
use crate::storage::{StorageError, sessions};

#[derive(Debug)]
pub enum AdminError {
    /// Not signed in (or the session ended): go to the sign-in page, then back to `next`.
    SignInRequired {
        next: String,
    },
    Forbidden,
    NotFound,
    /// A missing, wrong or expired `csrf_token`.
    BadCsrfToken,
    TooManyAttempts {
        retry_after_secs: i64,
    },
    BadRequest(String),
    PayloadTooLarge,
    UnsupportedMediaType,
    /// The database does not answer (or another process holds it busy); nothing was changed.
    Unavailable,
    /// Too many sign-ins wait for a password check; try again in a second.
    Busy,
    Internal,
}

impl AdminError {
    fn status_and_text(&self) -> (StatusCode, &'static str, String) {
        match self {
            AdminError::SignInRequired { .. } => (StatusCode::SEE_OTHER, "", String::new()),
            AdminError::Forbidden => (
                StatusCode::FORBIDDEN,
                "Not allowed",
                "Your role does not give access to this page. Ask an admin if you need it.".into(),
            ),
            AdminError::NotFound => (
                StatusCode::NOT_FOUND,
                "Not found",
                "There is nothing at this address.".into(),
            ),
            AdminError::BadCsrfToken => (
                StatusCode::FORBIDDEN,
                "This form has expired",
                "Nothing was changed. Go back, reload the page and send the form again.".into(),
            ),
            AdminError::TooManyAttempts { retry_after_secs } => (
                StatusCode::TOO_MANY_REQUESTS,
                "Too many sign-in attempts",
                format!(
                    "Sign-in is paused for this account or address. Try again in {} minute(s).",
                    (retry_after_secs + 59) / 60
                ),
            ),
            AdminError::BadRequest(message) => {
                (StatusCode::BAD_REQUEST, "Bad request", message.clone())
            }
            AdminError::PayloadTooLarge => (
                StatusCode::PAYLOAD_TOO_LARGE,
                "Too much data",
                "The form sent more data than Tether accepts. Nothing was changed.".into(),
            ),
            AdminError::UnsupportedMediaType => (
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "Unsupported form",
                "Forms must be sent as application/x-www-form-urlencoded. Nothing was changed."
                    .into(),
            ),
            AdminError::Unavailable => (
                StatusCode::SERVICE_UNAVAILABLE,
                "The database is not available",
                "Nothing was changed. Go back (your text is still in the form) and try again in \
                 a moment."
                    .into(),
            ),
            AdminError::Busy => (
                StatusCode::SERVICE_UNAVAILABLE,
                "Too busy to check passwords",
                "Many sign-ins arrived at once. Nothing was changed; try again in a moment.".into(),
            ),
            AdminError::Internal => (
                StatusCode::INTERNAL_SERVER_ERROR,
                "Something went wrong",
                "The error has been logged. Nothing you typed is lost if you go back.".into(),
            ),
        }
    }
}

impl From<StorageError> for AdminError {
    fn from(error: StorageError) -> Self {
        if error.is_unavailable() {
            tracing::warn!(%error, "the database is not available");
            return AdminError::Unavailable;
        }
        tracing::error!(%error, "storage error in the admin");
        AdminError::Internal
    }
}

impl From<sea_orm::DbErr> for AdminError {
    fn from(error: sea_orm::DbErr) -> Self {
        StorageError::from(error).into()
    }
}

/// Outcomes a handler did not show in its own page: still never a bare 500 for the user's doing.
impl From<OpError> for AdminError {
    fn from(error: OpError) -> Self {
        match error {
            OpError::NotFound => AdminError::NotFound,
            OpError::Unavailable(reason) => {
                tracing::warn!(%reason, "the database is not available");
                AdminError::Unavailable
            }
            OpError::Storage(e) => e.into(),
            OpError::Unreadable(reason) => AdminError::BadRequest(reason),
            OpError::Conflict => AdminError::BadRequest(
                "someone saved a newer version in the meantime; reload the page and try again"
                    .into(),
            ),
            OpError::InUse(users) => AdminError::BadRequest(format!(
                "this is still used by {} article(s); remove it from them first",
                users.len()
            )),
            OpError::Invalid(problems) => AdminError::BadRequest(problems.to_string()),
        }
    }
}

impl From<tower_sessions::session::Error> for AdminError {
    fn from(error: tower_sessions::session::Error) -> Self {
        use tower_sessions::session::Error as SessionError;
        use tower_sessions::session_store::Error as StoreError;
        if let SessionError::Store(StoreError::Backend(message)) = &error
            && message.starts_with(sessions::UNAVAILABLE)
        {
            tracing::warn!(%error, "the database is not available");
            return AdminError::Unavailable;
        }
        tracing::error!(%error, "session error in the admin");
        AdminError::Internal
    }
}

/// tower-sessions answers a bare 500 when it cannot store a session after the handler ran; the
/// only store is the database, so that is the database not answering: say so, as a page.
pub async fn session_save_failures(
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let response = next.run(request).await;
    if response.status() == StatusCode::INTERNAL_SERVER_ERROR
        && !response.headers().contains_key(header::CONTENT_TYPE)
    {
        return AdminError::Unavailable.into_response();
    }
    response
}

impl From<minijinja::Error> for AdminError {
    fn from(error: minijinja::Error) -> Self {
        tracing::error!(%error, "template error in the admin");
        AdminError::Internal
    }
}

impl IntoResponse for AdminError {
    fn into_response(self) -> Response {
        if let AdminError::SignInRequired { next } = &self {
            let target = if next.is_empty() || next == "/admin" {
                "/admin/login".to_owned()
            } else {
                format!("/admin/login?next={}", url_encode(next))
            };
            return Redirect::to(&target).into_response();
        }
        let (status, title, message) = self.status_and_text();
        let body = TEMPLATES
            .render(
                "error.html",
                context! { title, message, status => status.as_u16() },
            )
            .unwrap_or_else(|_| format!("<!doctype html><title>{title}</title><h1>{title}</h1>"));
        let mut response = (status, Html(body)).into_response();
        if let AdminError::TooManyAttempts { retry_after_secs } = self
            && let Ok(value) = HeaderValue::from_str(&retry_after_secs.max(1).to_string())
        {
            response.headers_mut().insert(header::RETRY_AFTER, value);
        }
        if matches!(self, AdminError::Busy) {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
        }
        response
    }
}

fn url_encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'/' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}
