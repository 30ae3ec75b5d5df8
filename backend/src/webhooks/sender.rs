//! One attempt at a delivery over HTTP (R-WEBHOOK): the endpoint's URL is checked again and
//! the connection goes to the addresses the check approved (a name that now resolves to a
//! private address is refused: DNS rebinding), the request is signed, redirects are not
//! followed, and the whole exchange has a 10 s deadline. The answer's body is never read:
//! only its status counts, and nothing the receiver says reaches our logs or database.

use std::time::{Duration, Instant};

use crate::db::models::webhook_delivery::AttemptOutcome;
use crate::webhooks::{signing, target};

/// The deadline of one attempt, from connecting to the answer's status line.
pub const DEADLINE: Duration = Duration::from_secs(10);

/// What is sent.
pub struct Request<'a> {
    /// The endpoint's URL.
    pub url: &'a str,
    /// The `webhook-id`.
    pub message_id: &'a str,
    /// The JSON body.
    pub body: &'a str,
    /// The secrets that sign it (current first).
    pub secrets: &'a [String],
    /// `CONFIDANT_WEBHOOK_ALLOW_PRIVATE_NETWORKS`.
    pub allow_private: bool,
}

/// Sends `request` once and says how it went, in words chosen here (never the receiver's).
pub async fn attempt(request: &Request<'_>) -> AttemptOutcome {
    let started_at = chrono::Utc::now();
    let started = Instant::now();
    let result = post(request).await;
    let duration_ms = u32::try_from(started.elapsed().as_millis()).unwrap_or(u32::MAX);
    match result {
        Ok(status) if status.is_success() => AttemptOutcome {
            started_at,
            status_code: Some(status.as_u16()),
            duration_ms,
            error: None,
        },
        Ok(status) => AttemptOutcome {
            started_at,
            status_code: Some(status.as_u16()),
            duration_ms,
            error: Some(if status.is_redirection() {
                format!("answered {}; redirects are not followed", status.as_u16())
            } else {
                format!("answered {}, not 2xx", status.as_u16())
            }),
        },
        Err(error) => AttemptOutcome {
            started_at,
            status_code: None,
            duration_ms,
            error: Some(error),
        },
    }
}

async fn post(request: &Request<'_>) -> Result<reqwest::StatusCode, String> {
    let (url, addresses) = target::check(request.url, request.allow_private)
        .await
        .map_err(|refused| format!("not sent: {refused}"))?;
    let host = url.host_str().unwrap_or_default().to_owned();
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .connect_timeout(DEADLINE)
        .timeout(DEADLINE)
        .user_agent(concat!("Confidant-Webhooks/", env!("CARGO_PKG_VERSION")))
        .resolve_to_addrs(&host, &addresses)
        .build()
        .map_err(|_| "could not prepare the request".to_owned())?;
    let timestamp = chrono::Utc::now().timestamp();
    let signature = signing::signature(
        request.secrets,
        request.message_id,
        timestamp,
        request.body.as_bytes(),
    )
    .ok_or_else(|| "the signing secret could not be read".to_owned())?;
    let response = client
        .post(url)
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .header("webhook-id", request.message_id)
        .header("webhook-timestamp", timestamp.to_string())
        .header("webhook-signature", signature)
        .body(request.body.to_owned())
        .send()
        .await
        .map_err(|error| describe(&error))?;
    Ok(response.status())
}

/// A failed request in words that hold no URL (reqwest's own text quotes it).
fn describe(error: &reqwest::Error) -> String {
    if error.is_timeout() {
        format!("no answer within {} s", DEADLINE.as_secs())
    } else if error.is_connect() {
        "could not connect".to_owned()
    } else if error.is_request() || error.is_body() {
        "the connection failed while sending".to_owned()
    } else {
        "the request failed".to_owned()
    }
}
