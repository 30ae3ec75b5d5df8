//! Headers that protect every answer in browsers and caches (R-HEADERS).
//!
//! - API answers (and health checks, the OpenAPI document) hold private data: `Cache-Control:
//!   no-store` (plus `Pragma: no-cache` for HTTP/1.0 proxies) unless a route chose its own,
//!   and a CSP that lets nothing load or frame them.
//! - The web app gets a strict CSP: its own scripts only (WebAssembly compiled from its own
//!   files), no inline scripts, no framing, network calls to its own origin only.
//! - `/docs` (Swagger UI) gets the fitting one: its own scripts, and the inline styles and
//!   `data:` images Swagger UI uses.
//! - Everywhere: no MIME sniffing, no framing, no referrer, a separate browsing context group;
//!   and `Strict-Transport-Security` when `CONFIDANT_PUBLIC_URL` is https.

use actix_web::Error;
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderMap, HeaderName, HeaderValue};
use actix_web::middleware::Next;

/// The web app's policy.
pub const WEB_APP_CSP: &str = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; \
    style-src 'self'; img-src 'self' data: blob:; font-src 'self'; connect-src 'self'; \
    object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// Swagger UI's policy: it styles elements inline and draws icons from `data:` URLs.
pub const DOCS_CSP: &str = "default-src 'self'; script-src 'self'; \
    style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; \
    connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; \
    frame-ancestors 'none'";

/// API answers load nothing and are never framed.
pub const API_CSP: &str = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; \
    form-action 'none'";

/// Two years, the preload list's minimum.
const HSTS: &str = "max-age=63072000; includeSubDomains";

/// What an address serves, for choosing its headers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Served {
    /// JSON API answers, health checks, the OpenAPI document.
    Api,
    /// Swagger UI.
    Docs,
    /// The web app and its files.
    WebApp,
}

impl Served {
    /// What `path` serves.
    pub fn of(path: &str) -> Self {
        let under = |prefix: &str| path == prefix || path.starts_with(&format!("{prefix}/"));
        if ["/api", "/api-docs", "/healthz", "/readyz", "/metrics"]
            .into_iter()
            .any(under)
        {
            Self::Api
        } else if under("/docs") {
            Self::Docs
        } else {
            Self::WebApp
        }
    }
}

/// The middleware: `App::new().wrap(from_fn(security_headers::add))`. HSTS is sent when
/// the request's app data says so (see [`Hsts`]).
pub async fn add(
    request: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let served = Served::of(request.path());
    let hsts = request
        .app_data::<actix_web::web::Data<Hsts>>()
        .is_some_and(|hsts| hsts.0);
    let mut response = next.call(request).await?;
    apply(response.headers_mut(), served, hsts);
    Ok(response)
}

/// Whether to send `Strict-Transport-Security` (the public address is https).
#[derive(Debug, Clone, Copy)]
pub struct Hsts(pub bool);

/// Sets the headers for `served` on an answer's `headers`, keeping a `Cache-Control` the
/// route chose.
pub fn apply(headers: &mut HeaderMap, served: Served, hsts: bool) {
    let set = |headers: &mut HeaderMap, name: HeaderName, value: &'static str| {
        headers.insert(name, HeaderValue::from_static(value));
    };
    set(headers, header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    set(headers, header::X_FRAME_OPTIONS, "DENY");
    set(headers, header::REFERRER_POLICY, "no-referrer");
    set(headers, header::CROSS_ORIGIN_OPENER_POLICY, "same-origin");
    set(
        headers,
        HeaderName::from_static("permissions-policy"),
        "camera=(), microphone=(), geolocation=(), payment=()",
    );
    if hsts {
        set(headers, header::STRICT_TRANSPORT_SECURITY, HSTS);
    }
    match served {
        Served::Api => {
            if !headers.contains_key(header::CACHE_CONTROL) {
                set(headers, header::CACHE_CONTROL, "no-store");
            }
            set(headers, header::PRAGMA, "no-cache");
            set(headers, header::CONTENT_SECURITY_POLICY, API_CSP);
        }
        Served::Docs => set(headers, header::CONTENT_SECURITY_POLICY, DOCS_CSP),
        Served::WebApp => set(headers, header::CONTENT_SECURITY_POLICY, WEB_APP_CSP),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_are_classified_by_what_they_serve() {
        assert_eq!(Served::of("/api/v1/me"), Served::Api);
        assert_eq!(Served::of("/api"), Served::Api);
        assert_eq!(Served::of("/api-docs/openapi.json"), Served::Api);
        assert_eq!(Served::of("/readyz"), Served::Api);
        assert_eq!(Served::of("/metrics"), Served::Api);
        assert_eq!(Served::of("/docs/"), Served::Docs);
        assert_eq!(Served::of("/docs"), Served::Docs);
        assert_eq!(Served::of("/"), Served::WebApp);
        assert_eq!(Served::of("/apiary"), Served::WebApp);
        assert_eq!(Served::of("/messages/1"), Served::WebApp);
    }

    #[test]
    fn a_cache_control_chosen_by_the_route_is_kept() {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::CACHE_CONTROL,
            HeaderValue::from_static("private, no-store"),
        );
        apply(&mut headers, Served::Api, false);
        assert_eq!(
            headers.get(header::CACHE_CONTROL),
            Some(&HeaderValue::from_static("private, no-store"))
        );
        assert_eq!(
            headers.get(header::PRAGMA),
            Some(&HeaderValue::from_static("no-cache"))
        );
        assert!(!headers.contains_key(header::STRICT_TRANSPORT_SECURITY));
        apply(&mut headers, Served::WebApp, true);
        assert!(headers.contains_key(header::STRICT_TRANSPORT_SECURITY));
    }

    #[test]
    fn the_web_app_policy_allows_no_inline_script() {
        let script = WEB_APP_CSP
            .split(';')
            .find(|d| d.trim().starts_with("script-src"))
            .expect("a script-src");
        assert!(!script.contains("unsafe-inline"), "{script}");
        assert!(!script.contains("'unsafe-eval'"), "{script}");
        assert!(WEB_APP_CSP.contains("frame-ancestors 'none'"));
    }
}
