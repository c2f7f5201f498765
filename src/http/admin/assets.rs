//! The admin's static assets, compiled into the binary and served under names that carry a
//! hash of their content, so browsers may cache them for a year.

use std::sync::LazyLock;

use axum::extract::Path;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};

use crate::http::admin::error::AdminError;

const CSS: &str = include_str!("../../../admin-templates/static/admin.css");
const JS: &str = include_str!("../../../admin-templates/static/admin.js");

struct Asset {
    path: String,
    body: &'static str,
    content_type: &'static str,
}

fn versioned(stem: &str, ext: &str, body: &'static str, content_type: &'static str) -> Asset {
    let digest = Sha256::digest(body.as_bytes());
    let hash: String = digest[..6].iter().map(|b| format!("{b:02x}")).collect();
    Asset {
        path: format!("/admin/static/{stem}-{hash}.{ext}"),
        body,
        content_type,
    }
}

static ASSETS: LazyLock<[Asset; 2]> = LazyLock::new(|| {
    [
        versioned("admin", "css", CSS, "text/css; charset=utf-8"),
        versioned("admin", "js", JS, "text/javascript; charset=utf-8"),
    ]
});

/// The versioned URL of the stylesheet, for templates.
pub fn css_path() -> &'static str {
    &ASSETS[0].path
}

/// The versioned URL of the script, for templates.
pub fn js_path() -> &'static str {
    &ASSETS[1].path
}

pub async fn serve(Path(name): Path<String>) -> Result<Response, AdminError> {
    let wanted = format!("/admin/static/{name}");
    let asset = ASSETS
        .iter()
        .find(|a| a.path == wanted)
        .ok_or(AdminError::NotFound)?;
    let mut response = asset.body.into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(asset.content_type),
    );
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=31536000, immutable"),
    );
    Ok(response)
}
