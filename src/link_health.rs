//! Link health: checking promo target URLs from the server ("is this link broken or redirected?").
//!
//! This module owns the outbound HTTP client used for those checks, the redirect walk, the
//! classification of every outcome into a [`LinkReport`], and the SSRF guard that keeps a
//! user-supplied URL from reaching private, loopback or otherwise non-public addresses (unless
//! [`LinkCheckSettings::allow_private`] is set, as in tests).
//!
//! The guard has two halves, because reqwest connects to IP-literal hosts without asking the
//! resolver:
//! - every hop's IP-literal host is classified before the request is sent;
//! - domain names go through [`GuardedResolver`], which refuses a name if *any* of its addresses
//!   is non-public, so the address connected to is always one that was checked (no rebinding gap).
//!
//! The system proxy is disabled so that a proxy cannot do the connecting on our behalf.

use std::error::Error as StdError;
use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use reqwest::StatusCode;
use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use url::{Host, Url};

/// How link checks behave.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkCheckSettings {
    /// Overall time budget for one check, all redirect hops included.
    pub timeout: Duration,
    /// How many redirects are followed before the link counts as broken.
    pub max_redirects: usize,
    /// Allow private, loopback and other non-public addresses (tests and closed networks only).
    pub allow_private: bool,
    /// The `User-Agent` sent with every check.
    pub user_agent: String,
}

impl Default for LinkCheckSettings {
    fn default() -> Self {
        Self {
            timeout: Duration::from_secs(10),
            max_redirects: 3,
            allow_private: false,
            user_agent: "Tether link check".to_owned(),
        }
    }
}

/// The outcome class of one check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkVerdict {
    /// Answered 2xx without redirecting.
    Ok,
    /// Answered 2xx after at least one redirect.
    Redirected,
    /// 4xx/5xx, network or TLS error, timeout, too many redirects, or not an http(s) URL.
    Broken,
    /// Refused by the SSRF guard; nothing was sent to that address.
    Blocked,
}

impl LinkVerdict {
    /// The stable lower-case name ("ok", "redirected", "broken", "blocked").
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Ok => "ok",
            Self::Redirected => "redirected",
            Self::Broken => "broken",
            Self::Blocked => "blocked",
        }
    }

    /// The inverse of [`LinkVerdict::as_str`].
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "ok" => Some(Self::Ok),
            "redirected" => Some(Self::Redirected),
            "broken" => Some(Self::Broken),
            "blocked" => Some(Self::Blocked),
            _ => None,
        }
    }

    /// Whether a marketer should look at this link (everything but [`LinkVerdict::Ok`]).
    pub fn is_problem(self) -> bool {
        !matches!(self, Self::Ok)
    }
}

impl fmt::Display for LinkVerdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a check found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkReport {
    pub verdict: LinkVerdict,
    /// For [`LinkVerdict::Redirected`] the first redirect's status; otherwise the last status
    /// received, if any.
    pub status: Option<u16>,
    /// Where the walk ended; only set when at least one redirect was followed.
    pub final_url: Option<String>,
    /// One human sentence, e.g. "answered 404 Not Found".
    pub detail: String,
}

impl LinkReport {
    fn new(
        verdict: LinkVerdict,
        status: Option<u16>,
        final_url: Option<String>,
        detail: String,
    ) -> Self {
        Self {
            verdict,
            status,
            final_url,
            detail,
        }
    }

    fn broken(detail: impl Into<String>) -> Self {
        Self::new(LinkVerdict::Broken, None, None, detail.into())
    }
}

/// Building the checker's HTTP client failed.
#[derive(Debug, thiserror::Error)]
pub enum LinkCheckError {
    #[error("could not build the link-check HTTP client: {0}")]
    Client(#[from] reqwest::Error),
}

/// Checks links; cheap to clone (the HTTP client is reference-counted).
#[derive(Debug, Clone)]
pub struct LinkChecker {
    client: reqwest::Client,
    settings: Arc<LinkCheckSettings>,
}

impl LinkChecker {
    pub fn new(settings: LinkCheckSettings) -> Result<Self, LinkCheckError> {
        let mut builder = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .user_agent(settings.user_agent.as_str())
            .connect_timeout(settings.timeout)
            .timeout(settings.timeout);
        if !settings.allow_private {
            builder = builder.dns_resolver(GuardedResolver);
        }
        Ok(Self {
            client: builder.build()?,
            settings: Arc::new(settings),
        })
    }

    /// Checks one URL. Every outcome, including a timeout or a refusal, is a report.
    pub async fn check(&self, url: &str) -> LinkReport {
        let budget = self.settings.timeout;
        match tokio::time::timeout(budget, self.walk(url)).await {
            Ok(report) => report,
            Err(_) => LinkReport::broken(format!("timed out after {}", human_duration(budget))),
        }
    }

    async fn walk(&self, url: &str) -> LinkReport {
        let Ok(mut current) = Url::parse(url.trim()) else {
            return LinkReport::broken("not an http(s) URL");
        };
        if !is_http(&current) {
            return LinkReport::broken("not an http(s) URL");
        }
        // Status of the first redirect, once one has been followed.
        let mut first_redirect: Option<u16> = None;
        let mut hops = 0usize;
        loop {
            let redirected = first_redirect.is_some();
            let final_url = redirected.then(|| current.to_string());
            if !self.settings.allow_private
                && let Some(ip) = literal_ip(&current)
                && !is_public(ip)
            {
                return LinkReport::new(
                    LinkVerdict::Blocked,
                    None,
                    final_url,
                    blocked_detail(ip, redirected.then_some(&current)),
                );
            }

            let response = match self.client.get(current.clone()).send().await {
                Ok(response) => response,
                Err(err) => return self.request_failed(&err, final_url, &current, redirected),
            };
            let status = response.status();
            let location = response.headers().get(reqwest::header::LOCATION).cloned();
            // The body is never needed; dropping the response closes the connection.
            drop(response);

            if status.is_success() {
                return match first_redirect {
                    None => LinkReport::new(
                        LinkVerdict::Ok,
                        Some(status.as_u16()),
                        None,
                        format!("answered {}", status_text(status)),
                    ),
                    Some(first) => LinkReport::new(
                        LinkVerdict::Redirected,
                        Some(first),
                        final_url,
                        format!("redirects to {current} ({first})"),
                    ),
                };
            }

            if status.is_redirection() {
                let Some(location) = location else {
                    return LinkReport::new(
                        LinkVerdict::Broken,
                        Some(status.as_u16()),
                        final_url,
                        format!("answered {} without a Location", status_text(status)),
                    );
                };
                let next = location
                    .to_str()
                    .ok()
                    .and_then(|location| current.join(location.trim()).ok());
                let Some(next) = next else {
                    return LinkReport::new(
                        LinkVerdict::Broken,
                        Some(status.as_u16()),
                        final_url,
                        format!("answered {} with an unusable Location", status_text(status)),
                    );
                };
                if !is_http(&next) {
                    return LinkReport::new(
                        LinkVerdict::Broken,
                        Some(status.as_u16()),
                        Some(next.to_string()),
                        format!("redirects to a non-http(s) URL ({})", next.scheme()),
                    );
                }
                if hops >= self.settings.max_redirects {
                    return LinkReport::new(
                        LinkVerdict::Broken,
                        Some(status.as_u16()),
                        final_url,
                        format!("more than {} redirects", self.settings.max_redirects),
                    );
                }
                hops += 1;
                first_redirect.get_or_insert(status.as_u16());
                current = next;
                continue;
            }

            // 4xx, 5xx and anything else unexpected (1xx cannot surface here).
            let after = if redirected {
                format!(" after redirecting to {current}")
            } else {
                String::new()
            };
            return LinkReport::new(
                LinkVerdict::Broken,
                Some(status.as_u16()),
                final_url,
                format!("answered {}{after}", status_text(status)),
            );
        }
    }

    fn request_failed(
        &self,
        err: &reqwest::Error,
        final_url: Option<String>,
        current: &Url,
        redirected: bool,
    ) -> LinkReport {
        if let Some(blocked) = find_source::<BlockedAddress>(err) {
            return LinkReport::new(
                LinkVerdict::Blocked,
                None,
                final_url,
                blocked_detail(blocked.0, redirected.then_some(current)),
            );
        }
        let detail = if err.is_timeout() {
            format!("timed out after {}", human_duration(self.settings.timeout))
        } else if err.is_connect() {
            format!("could not connect: {}", innermost_message(err))
        } else {
            format!("request failed: {}", innermost_message(err))
        };
        let detail = if redirected {
            format!("{detail} (after redirecting to {current})")
        } else {
            detail
        };
        LinkReport::new(LinkVerdict::Broken, None, final_url, detail)
    }
}

fn is_http(url: &Url) -> bool {
    matches!(url.scheme(), "http" | "https") && url.host().is_some()
}

/// The host as an address, when the URL names one directly (these never reach the resolver).
/// The `url` crate has already normalized forms such as `0x7f.1` and `2130706433`.
fn literal_ip(url: &Url) -> Option<IpAddr> {
    match url.host()? {
        Host::Ipv4(ip) => Some(IpAddr::V4(ip)),
        Host::Ipv6(ip) => Some(IpAddr::V6(ip)),
        Host::Domain(_) => None,
    }
}

fn blocked_detail(ip: IpAddr, via: Option<&Url>) -> String {
    match via {
        None => format!("resolves to a private address ({ip}); not checked"),
        Some(url) => {
            format!("redirects to {url}, which resolves to a private address ({ip}); not checked")
        }
    }
}

fn status_text(status: StatusCode) -> String {
    match status.canonical_reason() {
        Some(reason) => format!("{} {reason}", status.as_u16()),
        None => status.as_u16().to_string(),
    }
}

fn human_duration(d: Duration) -> String {
    if d.subsec_millis() == 0 && d.as_secs() > 0 {
        format!("{} s", d.as_secs())
    } else {
        format!("{} ms", d.as_millis())
    }
}

fn find_source<'a, T: StdError + 'static>(err: &'a (dyn StdError + 'static)) -> Option<&'a T> {
    let mut source: Option<&(dyn StdError + 'static)> = Some(err);
    while let Some(err) = source {
        if let Some(found) = err.downcast_ref::<T>() {
            return Some(found);
        }
        source = err.source();
    }
    None
}

/// The last error in the chain, which is usually the short, specific one
/// ("Connection refused (os error 111)", "invalid peer certificate: UnknownIssuer").
fn innermost_message(err: &(dyn StdError + 'static)) -> String {
    let mut last = err;
    while let Some(next) = last.source() {
        last = next;
    }
    let mut message = last.to_string();
    if message.chars().count() > 160 {
        message = message.chars().take(157).collect::<String>() + "...";
    }
    message
}

/// The resolver refused a name because it maps to a non-public address.
#[derive(Debug)]
struct BlockedAddress(IpAddr);

impl fmt::Display for BlockedAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "refusing non-public address {}", self.0)
    }
}

impl StdError for BlockedAddress {}

/// Resolves with the system resolver and refuses a name if any of its addresses is non-public.
#[derive(Debug, Clone, Copy)]
struct GuardedResolver;

impl Resolve for GuardedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let host = name.as_str().to_owned();
        Box::pin(async move {
            // Port 0: reqwest puts in the URL's port.
            let addrs: Vec<SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            if let Some(bad) = addrs.iter().find(|addr| !is_public(addr.ip())) {
                return Err(Box::new(BlockedAddress(bad.ip())) as Box<dyn StdError + Send + Sync>);
            }
            Ok(Box::new(addrs.into_iter()) as Addrs)
        })
    }
}

/// Whether an address is publicly routable, i.e. safe to contact on a user's behalf.
fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(ip) => is_public_v4(ip),
        IpAddr::V6(ip) => is_public_v6(ip),
    }
}

fn is_public_v4(ip: Ipv4Addr) -> bool {
    let [a, b, c, _] = ip.octets();
    let non_public = a == 0 // 0.0.0.0/8 ("this network", includes unspecified)
        || a == 10 // private
        || (a == 100 && (64..128).contains(&b)) // CGNAT 100.64/10
        || a == 127 // loopback
        || (a == 169 && b == 254) // link-local
        || (a == 172 && (16..32).contains(&b)) // private
        || (a == 192 && b == 0 && c == 0) // IETF protocol assignments 192.0.0.0/24
        || (a == 192 && b == 0 && c == 2) // TEST-NET-1
        || (a == 192 && b == 88 && c == 99) // 6to4 relay anycast (deprecated)
        || (a == 192 && b == 168) // private
        || (a == 198 && (b == 18 || b == 19)) // benchmarking 198.18/15
        || (a == 198 && b == 51 && c == 100) // TEST-NET-2
        || (a == 203 && b == 0 && c == 113) // TEST-NET-3
        || a >= 224; // multicast 224/4, reserved 240/4, broadcast
    !non_public
}

fn is_public_v6(ip: Ipv6Addr) -> bool {
    let seg = ip.segments();
    if ip.is_unspecified() || ip.is_loopback() {
        return false;
    }
    // IPv4-mapped ::ffff:a.b.c.d
    if let Some(v4) = ip.to_ipv4_mapped() {
        return is_public_v4(v4);
    }
    let v4_tail = Ipv4Addr::new(
        (seg[6] >> 8) as u8,
        seg[6] as u8,
        (seg[7] >> 8) as u8,
        seg[7] as u8,
    );
    // IPv4-compatible ::a.b.c.d (deprecated) and NAT64 64:ff9b::/96: judged by the IPv4 part.
    if seg[..6] == [0, 0, 0, 0, 0, 0] || seg[..6] == [0x64, 0xff9b, 0, 0, 0, 0] {
        return is_public_v4(v4_tail);
    }
    // 6to4 2002::/16 embeds an IPv4 address in bits 16..48.
    if seg[0] == 0x2002 {
        let embedded = Ipv4Addr::new(
            (seg[1] >> 8) as u8,
            seg[1] as u8,
            (seg[2] >> 8) as u8,
            seg[2] as u8,
        );
        return is_public_v4(embedded);
    }
    let non_public = (seg[0] == 0x64 && seg[1] == 0xff9b && seg[2] == 1) // local-use NAT64 64:ff9b:1::/48
        || (seg[0] == 0x100 && seg[1..4] == [0, 0, 0]) // discard-only 100::/64
        || (seg[0] == 0x2001 && seg[1] == 0xdb8) // documentation 2001:db8::/32
        || (seg[0] == 0x3fff && seg[1] < 0x1000) // documentation 3fff::/20
        || (seg[0] & 0xfe00) == 0xfc00 // unique local fc00::/7
        || (seg[0] & 0xffc0) == 0xfe80 // link-local fe80::/10
        || (seg[0] & 0xffc0) == 0xfec0 // site-local fec0::/10 (deprecated)
        || (seg[0] & 0xff00) == 0xff00; // multicast ff00::/8
    !non_public
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::Router;
    use axum::extract::Path;
    use axum::http::StatusCode as Code;
    use axum::http::header::LOCATION;
    use axum::response::IntoResponse;
    use axum::routing::get;

    fn redirect(code: Code, to: String) -> impl IntoResponse {
        (code, [(LOCATION, to)])
    }

    /// A local server with one route per behaviour; returns its base URL.
    async fn serve() -> String {
        let app = Router::new()
            .route("/ok", get(|| async { "fine" }))
            .route("/missing", get(|| async { Code::NOT_FOUND }))
            .route("/failing", get(|| async { Code::INTERNAL_SERVER_ERROR }))
            .route(
                "/moved",
                get(|| async { redirect(Code::MOVED_PERMANENTLY, "/ok".into()) }),
            )
            .route(
                "/moved-to-missing",
                get(|| async { redirect(Code::FOUND, "missing".into()) }),
            )
            .route(
                "/loop",
                get(|| async { redirect(Code::FOUND, "/loop".into()) }),
            )
            .route(
                "/to-ftp",
                get(|| async { redirect(Code::FOUND, "ftp://example.com/file".into()) }),
            )
            .route(
                "/hop/{n}",
                get(|Path(n): Path<u32>| async move {
                    let to = if n == 0 {
                        "/ok".to_owned()
                    } else {
                        format!("/hop/{}", n - 1)
                    };
                    redirect(Code::TEMPORARY_REDIRECT, to)
                }),
            )
            .route(
                "/slow",
                get(|| async {
                    tokio::time::sleep(Duration::from_secs(5)).await;
                    "late"
                }),
            );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        format!("http://{addr}")
    }

    fn checker(allow_private: bool) -> LinkChecker {
        LinkChecker::new(LinkCheckSettings {
            allow_private,
            ..LinkCheckSettings::default()
        })
        .unwrap()
    }

    #[test]
    fn address_classifier() {
        let cases: &[(&str, bool)] = &[
            // IPv4 public
            ("8.8.8.8", true),
            ("1.1.1.1", true),
            ("93.184.216.34", true),
            ("100.63.255.255", true),
            ("100.128.0.0", true),
            ("172.15.255.255", true),
            ("172.32.0.0", true),
            ("192.0.1.1", true),
            ("198.17.255.255", true),
            ("198.20.0.0", true),
            ("223.255.255.255", true),
            // IPv4 non-public
            ("0.0.0.0", false),
            ("0.1.2.3", false),
            ("10.0.0.1", false),
            ("100.64.0.1", false),
            ("100.127.255.255", false),
            ("127.0.0.1", false),
            ("127.255.255.254", false),
            ("169.254.169.254", false),
            ("172.16.0.1", false),
            ("172.31.255.255", false),
            ("192.0.0.8", false),
            ("192.0.2.1", false),
            ("192.168.1.1", false),
            ("198.18.0.1", false),
            ("198.19.255.255", false),
            ("198.51.100.7", false),
            ("203.0.113.9", false),
            ("224.0.0.1", false),
            ("239.255.255.250", false),
            ("240.0.0.1", false),
            ("255.255.255.255", false),
            // IPv6 public
            ("2606:4700:4700::1111", true),
            ("2001:4860:4860::8888", true),
            ("::ffff:8.8.8.8", true),
            ("64:ff9b::808:808", true),
            ("2002:808:808::1", true),
            // IPv6 non-public
            ("::", false),
            ("::1", false),
            ("fe80::1", false),
            ("febf::1", false),
            ("fc00::1", false),
            ("fd12:3456::1", false),
            ("ff02::1", false),
            ("2001:db8::1", false),
            ("3fff::1", false),
            ("100::1", false),
            ("fec0::1", false),
            ("::ffff:127.0.0.1", false),
            ("::ffff:10.1.2.3", false),
            ("::ffff:169.254.169.254", false),
            ("::127.0.0.1", false),
            ("::192.168.0.1", false),
            ("64:ff9b::7f00:1", false),
            ("64:ff9b::a9fe:a9fe", false),
            ("64:ff9b:1::1", false),
            ("2002:7f00:1::1", false),
            ("2002:c0a8:101::1", false),
        ];
        for (addr, public) in cases {
            let ip: IpAddr = addr.parse().unwrap();
            assert_eq!(is_public(ip), *public, "{addr}");
        }
    }

    #[test]
    fn verdict_names_round_trip() {
        for v in [
            LinkVerdict::Ok,
            LinkVerdict::Redirected,
            LinkVerdict::Broken,
            LinkVerdict::Blocked,
        ] {
            assert_eq!(LinkVerdict::parse(v.as_str()), Some(v));
            assert_eq!(v.is_problem(), v != LinkVerdict::Ok);
        }
        assert_eq!(LinkVerdict::parse("OK"), None);
    }

    #[tokio::test]
    async fn ok_page_is_ok() {
        let base = serve().await;
        let report = checker(true).check(&format!("{base}/ok")).await;
        assert_eq!(
            report,
            LinkReport {
                verdict: LinkVerdict::Ok,
                status: Some(200),
                final_url: None,
                detail: "answered 200 OK".into(),
            }
        );
    }

    #[tokio::test]
    async fn not_found_is_broken() {
        let base = serve().await;
        let report = checker(true).check(&format!("{base}/missing")).await;
        assert_eq!(report.verdict, LinkVerdict::Broken);
        assert_eq!(report.status, Some(404));
        assert_eq!(report.detail, "answered 404 Not Found");

        let report = checker(true).check(&format!("{base}/failing")).await;
        assert_eq!(report.verdict, LinkVerdict::Broken);
        assert_eq!(report.status, Some(500));
    }

    #[tokio::test]
    async fn redirect_to_ok_is_redirected() {
        let base = serve().await;
        let report = checker(true).check(&format!("{base}/moved")).await;
        assert_eq!(
            report,
            LinkReport {
                verdict: LinkVerdict::Redirected,
                status: Some(301),
                final_url: Some(format!("{base}/ok")),
                detail: format!("redirects to {base}/ok (301)"),
            }
        );
    }

    #[tokio::test]
    async fn redirect_to_missing_is_broken_and_says_so() {
        let base = serve().await;
        let report = checker(true)
            .check(&format!("{base}/moved-to-missing"))
            .await;
        assert_eq!(report.verdict, LinkVerdict::Broken);
        assert_eq!(report.status, Some(404));
        assert_eq!(report.final_url, Some(format!("{base}/missing")));
        assert_eq!(
            report.detail,
            format!("answered 404 Not Found after redirecting to {base}/missing")
        );
    }

    #[tokio::test]
    async fn redirect_limit() {
        let base = serve().await;
        // /hop/2 -> /hop/1 -> /hop/0 -> /ok: exactly three redirects.
        let report = checker(true).check(&format!("{base}/hop/2")).await;
        assert_eq!(report.verdict, LinkVerdict::Redirected);
        assert_eq!(report.status, Some(307));
        assert_eq!(report.final_url, Some(format!("{base}/ok")));

        let report = checker(true).check(&format!("{base}/hop/3")).await;
        assert_eq!(report.verdict, LinkVerdict::Broken);
        assert_eq!(report.detail, "more than 3 redirects");
    }

    #[tokio::test]
    async fn redirect_loop_is_broken() {
        let base = serve().await;
        let report = checker(true).check(&format!("{base}/loop")).await;
        assert_eq!(report.verdict, LinkVerdict::Broken);
        assert_eq!(report.status, Some(302));
        assert_eq!(report.detail, "more than 3 redirects");
    }

    #[tokio::test]
    async fn redirect_to_other_scheme_is_broken() {
        let base = serve().await;
        let report = checker(true).check(&format!("{base}/to-ftp")).await;
        assert_eq!(report.verdict, LinkVerdict::Broken);
        assert_eq!(report.detail, "redirects to a non-http(s) URL (ftp)");
    }

    #[tokio::test]
    async fn slow_answer_times_out() {
        let base = serve().await;
        let checker = LinkChecker::new(LinkCheckSettings {
            timeout: Duration::from_millis(300),
            allow_private: true,
            ..LinkCheckSettings::default()
        })
        .unwrap();
        let started = std::time::Instant::now();
        let report = checker.check(&format!("{base}/slow")).await;
        assert!(started.elapsed() < Duration::from_secs(2));
        assert_eq!(report.verdict, LinkVerdict::Broken);
        assert_eq!(report.detail, "timed out after 300 ms");
    }

    #[tokio::test]
    async fn refused_connection_is_broken_with_a_short_detail() {
        // Bind and drop to get a port nobody listens on.
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        drop(listener);
        let report = checker(true).check(&format!("http://{addr}/")).await;
        assert_eq!(report.verdict, LinkVerdict::Broken);
        assert!(
            report.detail.starts_with("could not connect: "),
            "{}",
            report.detail
        );
        assert!(report.detail.len() < 200, "{}", report.detail);
    }

    #[tokio::test]
    async fn tls_failure_is_broken_with_a_short_detail() {
        // HTTPS to a plain-HTTP server: the TLS stack starts up, then the handshake fails.
        let base = serve().await.replace("http://", "https://");
        let report = checker(true).check(&format!("{base}/ok")).await;
        assert_eq!(report.verdict, LinkVerdict::Broken);
        assert!(report.detail.len() < 200, "{}", report.detail);
        assert!(
            report.detail.starts_with("could not connect: "),
            "{}",
            report.detail
        );
    }

    #[tokio::test]
    async fn loopback_literal_is_blocked() {
        let base = serve().await;
        let report = checker(false).check(&format!("{base}/ok")).await;
        assert_eq!(
            report,
            LinkReport {
                verdict: LinkVerdict::Blocked,
                status: None,
                final_url: None,
                detail: "resolves to a private address (127.0.0.1); not checked".into(),
            }
        );
    }

    #[tokio::test]
    async fn disguised_literals_are_blocked() {
        let checker = checker(false);
        for (url, ip) in [
            ("http://0x7f.1/", "127.0.0.1"),
            ("http://2130706433/", "127.0.0.1"),
            ("http://0177.0.0.1/", "127.0.0.1"),
            ("http://0/", "0.0.0.0"),
            ("http://[::1]/", "::1"),
            ("http://[::ffff:127.0.0.1]/", "::ffff:127.0.0.1"),
            (
                "https://169.254.169.254/latest/meta-data/",
                "169.254.169.254",
            ),
            ("http://[fd00::1]:8080/", "fd00::1"),
        ] {
            let report = checker.check(url).await;
            assert_eq!(report.verdict, LinkVerdict::Blocked, "{url}");
            assert!(
                report.detail.contains(&format!("({ip})")),
                "{url}: {}",
                report.detail
            );
        }
    }

    #[tokio::test]
    async fn localhost_is_blocked_by_the_resolver() {
        let base = serve().await;
        let port = base.rsplit(':').next().unwrap();
        let report = checker(false)
            .check(&format!("http://localhost:{port}/ok"))
            .await;
        assert_eq!(report.verdict, LinkVerdict::Blocked, "{}", report.detail);
        assert_eq!(report.status, None);
        assert!(
            report.detail.starts_with("resolves to a private address (")
                && report.detail.ends_with("); not checked"),
            "{}",
            report.detail
        );
        // The same URL is fine when private addresses are allowed.
        let report = checker(true)
            .check(&format!("http://localhost:{port}/ok"))
            .await;
        assert_eq!(report.verdict, LinkVerdict::Ok, "{}", report.detail);
    }

    #[tokio::test]
    async fn non_http_urls_are_broken() {
        let checker = checker(true);
        for url in [
            "ftp://x",
            "file:///etc/passwd",
            "javascript:alert(1)",
            "not a url",
            "",
        ] {
            let report = checker.check(url).await;
            assert_eq!(report.verdict, LinkVerdict::Broken, "{url}");
            assert_eq!(report.detail, "not an http(s) URL", "{url}");
        }
    }

    #[test]
    fn durations_read_well() {
        assert_eq!(human_duration(Duration::from_secs(10)), "10 s");
        assert_eq!(human_duration(Duration::from_millis(300)), "300 ms");
        assert_eq!(human_duration(Duration::from_millis(1500)), "1500 ms");
    }
}
