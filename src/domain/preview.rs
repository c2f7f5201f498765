//! Preview links: a signed, expiring token that lets a frontend read one unpublished article.
//!
//! The token is `EXPIRES.SIGNATURE`, where the signature is HMAC-SHA256 over the article's slug
//! and the expiry time, so a token works for one article and only until it expires.

use base64::Engine;
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

use crate::domain::timestamp::Timestamp;

/// How long a preview link works.
pub fn lifetime() -> chrono::Duration {
    chrono::Duration::hours(48)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PreviewError {
    #[error("the preview token is malformed")]
    Malformed,
    #[error("the preview token has expired")]
    Expired,
    #[error("the preview token is not valid for this article")]
    Invalid,
}

fn mac(key: &[u8], slug: &str, expires: i64) -> Option<Hmac<Sha256>> {
    // HMAC takes keys of any length, so this is `None` only for a broken build of the crate.
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(key).ok()?;
    mac.update(slug.as_bytes());
    mac.update(b"\0");
    mac.update(expires.to_string().as_bytes());
    Some(mac)
}

/// A token for `slug`, valid until `expires`.
pub fn sign(key: &[u8], slug: &str, expires: Timestamp) -> String {
    let expires = expires.timestamp();
    let signature = mac(key, slug, expires)
        .map(|m| m.finalize().into_bytes().to_vec())
        .unwrap_or_default();
    format!(
        "{expires}.{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(signature)
    )
}

/// Checks a token for `slug` at `now` (the signature in constant time).
pub fn verify(key: &[u8], slug: &str, token: &str, now: Timestamp) -> Result<(), PreviewError> {
    let (expires, signature) = token.split_once('.').ok_or(PreviewError::Malformed)?;
    let expires: i64 = expires.parse().map_err(|_| PreviewError::Malformed)?;
    let signature = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(signature)
        .map_err(|_| PreviewError::Malformed)?;
    mac(key, slug, expires)
        .ok_or(PreviewError::Invalid)?
        .verify_slice(&signature)
        .map_err(|_| PreviewError::Invalid)?;
    if now.timestamp() >= expires {
        return Err(PreviewError::Expired);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Duration, Utc};

    #[test]
    fn tokens_work_for_one_article_until_they_expire() {
        let key = b"a key of the installation";
        let now = Utc::now();
        let token = sign(key, "draft", now + Duration::hours(1));
        assert_eq!(verify(key, "draft", &token, now), Ok(()));
        assert_eq!(
            verify(key, "other", &token, now),
            Err(PreviewError::Invalid)
        );
        assert_eq!(
            verify(b"another key", "draft", &token, now),
            Err(PreviewError::Invalid)
        );
        assert_eq!(
            verify(key, "draft", &token, now + Duration::hours(2)),
            Err(PreviewError::Expired)
        );
        let (_, signature) = token.split_once('.').unwrap();
        let forged = format!("{}.{signature}", (now + Duration::days(30)).timestamp());
        assert_eq!(
            verify(key, "draft", &forged, now),
            Err(PreviewError::Invalid)
        );
        for bad in ["", "abc", "1.", "x.y", "1.!!"] {
            assert!(verify(key, "draft", bad, now).is_err(), "{bad}");
        }
    }
}
