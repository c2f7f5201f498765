//! Strong ETags and `304 Not Modified` for every successful GET.
//!
//! Handlers that serve a cached body set its precomputed ETag; for any other 200 answer this
//! middleware hashes the body. A request whose `If-None-Match` matches gets 304 with no body.

use axum::body::{Body, to_bytes};
use axum::extract::Request;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::http::error::ApiError;
use crate::read_cache::CachedBody;

/// Bodies larger than this are not buffered for hashing (none of the API's come close).
const MAX_HASHED_BODY: usize = 32 * 1024 * 1024;

/// A 200 JSON answer from a cached body, carrying its ETag.
pub fn json_body(cached: &CachedBody) -> Response {
    let mut response = Response::new(Body::from(cached.body.clone()));
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    if let Ok(etag) = HeaderValue::from_str(&cached.etag) {
        headers.insert(header::ETAG, etag);
    }
    response
}

pub async fn etag_middleware(request: Request, next: Next) -> Response {
    let is_read = matches!(*request.method(), Method::GET | Method::HEAD);
    let if_none_match = request.headers().get(header::IF_NONE_MATCH).cloned();
    let response = next.run(request).await;
    if !is_read || response.status() != StatusCode::OK {
        return response;
    }
    let response = if response.headers().contains_key(header::ETAG) {
        response
    } else {
        let (mut parts, body) = response.into_parts();
        let Ok(bytes) = to_bytes(body, MAX_HASHED_BODY).await else {
            return ApiError::internal().into_response();
        };
        let cached = CachedBody::new(bytes, None);
        if let Ok(etag) = HeaderValue::from_str(&cached.etag) {
            parts.headers.insert(header::ETAG, etag);
        }
        Response::from_parts(parts, Body::from(cached.body))
    };
    match (if_none_match, response.headers().get(header::ETAG)) {
        (Some(wanted), Some(etag)) if etag_matches(&wanted, etag) => {
            not_modified(response.headers())
        }
        _ => response,
    }
}

/// `If-None-Match` uses the weak comparison: `W/"x"` matches `"x"`; `*` matches anything.
fn etag_matches(if_none_match: &HeaderValue, etag: &HeaderValue) -> bool {
    let Ok(wanted) = if_none_match.to_str() else {
        return false;
    };
    let Ok(etag) = etag.to_str() else {
        return false;
    };
    let opaque = |tag: &str| tag.trim().trim_start_matches("W/").to_owned();
    let etag = opaque(etag);
    wanted.split(',').any(|candidate| {
        let candidate = candidate.trim();
        candidate == "*" || opaque(candidate) == etag
    })
}

fn not_modified(headers_of_full: &HeaderMap) -> Response {
    let mut response = StatusCode::NOT_MODIFIED.into_response();
    for name in [header::ETAG, header::CACHE_CONTROL, header::VARY] {
        if let Some(value) = headers_of_full.get(&name) {
            response.headers_mut().insert(name, value.clone());
        }
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weak_comparison() {
        let etag = HeaderValue::from_static("\"abc\"");
        assert!(etag_matches(&HeaderValue::from_static("\"abc\""), &etag));
        assert!(etag_matches(&HeaderValue::from_static("W/\"abc\""), &etag));
        assert!(etag_matches(
            &HeaderValue::from_static("\"x\", \"abc\""),
            &etag
        ));
        assert!(etag_matches(&HeaderValue::from_static("*"), &etag));
        assert!(!etag_matches(&HeaderValue::from_static("\"abd\""), &etag));
    }
}
