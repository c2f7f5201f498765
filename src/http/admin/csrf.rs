//! CSRF tokens: one random token per session, put in every form as `csrf_token` and checked on
//! every POST (in constant time) before the form is even parsed. The `Origin`/`Sec-Fetch-Site`
//! check (tower-http's `CsrfLayer`) runs in front of this as a second line.

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::header;
use base64::Engine;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use subtle::ConstantTimeEq;
use tower_sessions::Session;

use crate::http::admin::error::AdminError;
use crate::state::AppState;

const CSRF_KEY: &str = "csrf";

/// The session's token, created on first use.
pub async fn token(session: &Session) -> Result<String, AdminError> {
    if let Some(existing) = session.get::<String>(CSRF_KEY).await? {
        return Ok(existing);
    }
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| {
        tracing::error!(error = %e, "no randomness for a CSRF token");
        AdminError::Internal
    })?;
    let fresh = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes);
    session.insert(CSRF_KEY, &fresh).await?;
    Ok(fresh)
}

#[derive(Deserialize)]
struct TokenField {
    #[serde(default)]
    csrf_token: String,
}

/// A URL-encoded form whose `csrf_token` matched the session's; anything else is refused
/// (403, 413 or 415) without the handler running.
pub struct CsrfForm<T>(pub T);

impl<T: DeserializeOwned> FromRequest<AppState> for CsrfForm<T> {
    type Rejection = AdminError;

    async fn from_request(request: Request, state: &AppState) -> Result<Self, AdminError> {
        let (mut parts, body) = request.into_parts();
        let session = Session::from_request_parts(&mut parts, state)
            .await
            .map_err(|_| AdminError::Internal)?;
        let is_form = parts
            .headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| {
                v.split(';').next().is_some_and(|m| {
                    m.trim()
                        .eq_ignore_ascii_case("application/x-www-form-urlencoded")
                })
            });
        if !is_form {
            return Err(AdminError::UnsupportedMediaType);
        }
        let bytes = Bytes::from_request(Request::from_parts(parts, body), state)
            .await
            .map_err(|rejection| match rejection {
                BytesRejection::FailedToBufferBody(_) => AdminError::PayloadTooLarge,
                _ => AdminError::BadRequest("the form could not be read".into()),
            })?;
        let sent = serde_urlencoded::from_bytes::<TokenField>(&bytes)
            .map(|f| f.csrf_token)
            .unwrap_or_default();
        let expected = session.get::<String>(CSRF_KEY).await?.unwrap_or_default();
        if expected.is_empty() || !bool::from(sent.as_bytes().ct_eq(expected.as_bytes())) {
            return Err(AdminError::BadCsrfToken);
        }
        serde_urlencoded::from_bytes::<T>(&bytes)
            .map(CsrfForm)
            .map_err(|e| AdminError::BadRequest(format!("the form is malformed: {e}")))
    }
}
