//! Logging: `tracing` to stdout, human-readable or JSON, one span per request with its id.
//!
//! Request spans record the matched route *pattern* (`/api/v1/conversations/{id}`), never the
//! raw path or query string: query strings carry search terms such as client names, and logs
//! must hold no health information.

use actix_web::Error;
use actix_web::HttpMessage;
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use tracing::Span;
use tracing_actix_web::{RequestId, RootSpanBuilder};
use tracing_subscriber::EnvFilter;

use crate::config::LogFormat;

/// Installs the global subscriber, writing to stderr (stdout is for command output such as
/// `create-practice`'s JSON). `RUST_LOG` refines the default level (`info`).
/// Calling it again (as tests do) is harmless.
pub fn init(format: LogFormat) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    // Colour codes only for a person at a terminal, never in files or collectors.
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(ansi);
    let result = match format {
        LogFormat::Text => builder.try_init(),
        LogFormat::Json => builder.json().flatten_event(true).try_init(),
    };
    // An error only means a subscriber is already installed.
    drop(result);
}

/// Builds the per-request span with the request id, the method and the route pattern.
pub struct PrivateRootSpan;

impl RootSpanBuilder for PrivateRootSpan {
    fn on_request_start(request: &ServiceRequest) -> Span {
        // Fields are written only when a subscriber takes the span: with none, or with
        // `RUST_LOG` above `info`, a request formats nothing.
        let request_id = request.extensions().get::<RequestId>().copied();
        let route = crate::route_pattern::of(request.request());
        tracing::info_span!(
            "request",
            request_id = request_id.map(tracing::field::display),
            method = %request.method(),
            route = %route.as_deref().unwrap_or("unmatched"),
            status = tracing::field::Empty,
        )
    }

    fn on_request_end<B: MessageBody>(span: Span, outcome: &Result<ServiceResponse<B>, Error>) {
        let status = match outcome {
            Ok(response) => response.status().as_u16(),
            Err(error) => error.as_response_error().status_code().as_u16(),
        };
        span.record("status", status);
        let _entered = span.enter();
        if status >= 500 {
            tracing::error!("request failed");
        } else {
            tracing::info!("request done");
        }
    }
}
