//! Metrics for operators, in Prometheus' text format at `GET /metrics` (see
//! [`crate::routes::metrics`]): how long requests take by route, how background jobs fare,
//! how the mail relay answers, how busy the database pool is, and how long the job queue is.
//!
//! Labels hold only route patterns (`/api/v1/conversations/{id}`, never the id), methods,
//! status codes, job kinds, lanes and outcome names: nothing about people, and nothing that
//! grows with the data.
//!
//! The `metrics` crate's macros record into one process-wide recorder, installed by
//! [`install`] when the first server is built (tests build many servers in one process: they
//! share it, and count their own requests among everyone's).

use std::collections::BTreeSet;
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::{Method, StatusCode};
use actix_web::middleware::Next;
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

/// Request durations, by `method`, `route` (the matched pattern) and `status`.
pub const HTTP_REQUEST_DURATION: &str = "confidant_http_request_duration_seconds";
/// Attempts of background jobs, by `kind` and `outcome`.
pub const JOB_ATTEMPTS: &str = "confidant_job_attempts_total";
/// How long attempts of background jobs took, by `kind` and `outcome`.
pub const JOB_DURATION: &str = "confidant_job_duration_seconds";
/// Jobs in the queue now, by `kind`, `lane` and `state` (`due`, `scheduled`, `running`).
pub const JOBS_QUEUED: &str = "confidant_jobs_queued";
/// How long the oldest due job of each `kind` has waited, in seconds (0 when none waits).
pub const JOB_OLDEST_DUE_AGE: &str = "confidant_job_oldest_due_age_seconds";
/// SMTP exchanges, by `outcome` (`sent`, or why not: `timeout`, `smtp_4xx`, …).
pub const SMTP_SENDS: &str = "confidant_smtp_sends_total";
/// How long SMTP exchanges took, by `outcome`.
pub const SMTP_SEND_DURATION: &str = "confidant_smtp_send_duration_seconds";
/// Database connections, by `state` (`in_use`, `idle`).
pub const DB_POOL_CONNECTIONS: &str = "confidant_db_pool_connections";
/// The most database connections the pool opens.
pub const DB_POOL_MAX: &str = "confidant_db_pool_max_connections";
/// Requests and jobs waiting for a database connection.
pub const DB_POOL_WAITING: &str = "confidant_db_pool_waiting";
/// Live event streams open on this instance.
pub const EVENT_STREAMS: &str = "confidant_event_streams";
/// Streams dropped because they did not keep up (their clients resume from the log).
pub const EVENT_STREAMS_DROPPED: &str = "confidant_event_streams_dropped_total";
/// Events this instance's listener read from the log and handed to its streams.
pub const EVENTS_PUBLISHED: &str = "confidant_events_published_total";
/// 1 while this instance's event listener holds its database connection, else 0.
pub const EVENT_LISTENER_CONNECTED: &str = "confidant_event_listener_connected";
/// 1 when the database answered the last scrape's queue query in time, else 0.
pub const DATABASE_UP: &str = "confidant_database_up";

/// Histogram buckets, in seconds: from a fast page to the request deadline.
const BUCKETS: &[f64] = &[
    0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
];

static RECORDER: OnceLock<Option<PrometheusHandle>> = OnceLock::new();

/// Installs the process-wide recorder (once; later calls do nothing) and describes the
/// metrics. `None` if another recorder was installed first (metrics then go there).
pub fn install() -> Option<&'static PrometheusHandle> {
    RECORDER
        .get_or_init(|| {
            let installed = PrometheusBuilder::new()
                .set_buckets(BUCKETS)
                .and_then(|builder| {
                    builder.set_buckets_for_metric(Matcher::Suffix("_seconds".into()), BUCKETS)
                })
                .and_then(PrometheusBuilder::install_recorder);
            match installed {
                Ok(handle) => {
                    describe();
                    Some(handle)
                }
                Err(error) => {
                    tracing::warn!(%error, "metrics recorder not installed; /metrics stays empty");
                    None
                }
            }
        })
        .as_ref()
}

/// Drains recorded histogram samples into their buckets; run every few seconds, or memory
/// grows between scrapes. Runs on the current tokio runtime until it ends.
pub fn spawn_upkeep() {
    if let Some(handle) = install() {
        tokio::spawn(async move {
            let mut ticks = tokio::time::interval(Duration::from_secs(5));
            loop {
                ticks.tick().await;
                handle.run_upkeep();
            }
        });
    }
}

fn describe() {
    use metrics::{Unit, describe_counter, describe_gauge, describe_histogram};
    describe_histogram!(
        HTTP_REQUEST_DURATION,
        Unit::Seconds,
        "HTTP requests by method, route pattern and status"
    );
    describe_counter!(JOB_ATTEMPTS, "Background job attempts by kind and outcome");
    describe_histogram!(
        JOB_DURATION,
        Unit::Seconds,
        "Background job attempts by kind and outcome"
    );
    describe_gauge!(JOBS_QUEUED, "Jobs in the queue by kind, lane and state");
    describe_gauge!(
        JOB_OLDEST_DUE_AGE,
        Unit::Seconds,
        "How long the oldest due job of each kind has waited"
    );
    describe_counter!(SMTP_SENDS, "SMTP exchanges by outcome");
    describe_histogram!(
        SMTP_SEND_DURATION,
        Unit::Seconds,
        "SMTP exchanges (connection checkout to the relay's last reply) by outcome"
    );
    describe_gauge!(
        DB_POOL_CONNECTIONS,
        "Database connections by state, all pools of the process"
    );
    describe_gauge!(
        DB_POOL_MAX,
        "The most database connections the process's pools open"
    );
    describe_gauge!(DB_POOL_WAITING, "Waiting for a database connection");
    describe_gauge!(EVENT_STREAMS, "Live event streams open on this instance");
    describe_counter!(
        EVENT_STREAMS_DROPPED,
        "Event streams dropped for not keeping up (clients resume from the log)"
    );
    describe_counter!(
        EVENTS_PUBLISHED,
        "Events read from the log and handed to this instance's streams"
    );
    describe_gauge!(
        EVENT_LISTENER_CONNECTED,
        "1 while the event listener holds its database connection"
    );
    describe_gauge!(
        DATABASE_UP,
        "1 when the database answered the last scrape in time"
    );
}

/// Middleware: times every request and records it under its route pattern.
pub async fn time_requests(
    request: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let started = Instant::now();
    // The pattern comes from the app's resource map and the path, so it is known before
    // routing; an address no route matches is `unmatched`, whatever was asked.
    let route = crate::route_pattern::of(request.request());
    let method = method_label(request.method());
    let result = next.call(request).await;
    let status = match &result {
        Ok(response) => response.status(),
        Err(error) => error.as_response_error().status_code(),
    };
    let route = route.as_deref().unwrap_or("unmatched");
    REQUEST_DURATIONS.with_borrow_mut(|series| {
        series.record(method, route, status, started.elapsed());
    });
    result
}

thread_local! {
    /// This thread's handles to the request-duration series it has recorded into.
    static REQUEST_DURATIONS: std::cell::RefCell<RequestDurations> =
        std::cell::RefCell::new(RequestDurations::default());
}

/// Handles to [`HTTP_REQUEST_DURATION`]'s series, by method, status and route, kept so that
/// a request records into its series with one lookup. The `histogram!` macro builds the label
/// set, and the recorder copies and hashes it, on every call: about 1,700 instructions a
/// request under callgrind, against about 600 for this lookup and the recording. Bounded:
/// routes are patterns, methods a fixed set, and statuses the few each route answers. The
/// handles are taken after [`install`] (which runs before any server thread starts), so they
/// record into the installed recorder.
#[derive(Default)]
struct RequestDurations {
    /// `method status route`, written again for each lookup (its memory is reused).
    name: String,
    handles: std::collections::HashMap<Box<str>, metrics::Histogram>,
}

impl RequestDurations {
    fn record(&mut self, method: &'static str, route: &str, status: StatusCode, took: Duration) {
        self.name.clear();
        for part in [method, " ", status.as_str(), " ", route] {
            self.name.push_str(part);
        }
        if let Some(handle) = self.handles.get(self.name.as_str()) {
            handle.record(took);
            return;
        }
        let handle = metrics::histogram!(
            HTTP_REQUEST_DURATION,
            "method" => method,
            "route" => route.to_owned(),
            "status" => status.as_str().to_owned(),
        );
        handle.record(took);
        self.handles.insert(self.name.as_str().into(), handle);
    }
}

/// The method, or `other` for the unusual ones (so that made-up methods add no series).
fn method_label(method: &Method) -> &'static str {
    match *method {
        Method::GET => "GET",
        Method::HEAD => "HEAD",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::PATCH => "PATCH",
        Method::DELETE => "DELETE",
        Method::OPTIONS => "OPTIONS",
        _ => "other",
    }
}

/// Records one job attempt.
pub fn job_attempt(kind: &str, outcome: &'static str, duration: Duration) {
    metrics::counter!(JOB_ATTEMPTS, "kind" => kind.to_owned(), "outcome" => outcome).increment(1);
    metrics::histogram!(JOB_DURATION, "kind" => kind.to_owned(), "outcome" => outcome)
        .record(duration);
}

/// Records one SMTP exchange.
pub fn smtp_send(outcome: &'static str, duration: Duration) {
    metrics::counter!(SMTP_SENDS, "outcome" => outcome).increment(1);
    metrics::histogram!(SMTP_SEND_DURATION, "outcome" => outcome).record(duration);
}

/// The database pool's state now.
pub fn db_pool(status: deadpool::Status) {
    let in_use = status.size.saturating_sub(status.available);
    metrics::gauge!(DB_POOL_CONNECTIONS, "state" => "in_use").set(count(in_use));
    metrics::gauge!(DB_POOL_CONNECTIONS, "state" => "idle").set(count(status.available));
    metrics::gauge!(DB_POOL_MAX).set(count(status.max_size));
    metrics::gauge!(DB_POOL_WAITING).set(count(status.waiting));
}

/// One row of the queue's state: jobs of `kind` in `lane` and `state`.
pub struct QueueCount {
    pub kind: String,
    pub lane: String,
    pub state: &'static str,
    pub jobs: i64,
}

/// The job queue's state: counts by kind, lane and state, and each kind's oldest due job's
/// age in seconds.
pub struct QueueCensus {
    pub counts: Vec<QueueCount>,
    pub oldest_due: Vec<(String, f64)>,
}

/// Kinds and lanes seen in earlier scrapes, so that a queue that emptied reads 0 rather than
/// keeping its last value.
static SEEN: Mutex<BTreeSet<(String, String)>> = Mutex::new(BTreeSet::new());

/// The job queue's state now (`None`: the database did not answer).
pub fn job_queue(census: Option<QueueCensus>) {
    let Some(QueueCensus {
        counts,
        oldest_due: oldest,
    }) = census
    else {
        metrics::gauge!(DATABASE_UP).set(0.0);
        return;
    };
    metrics::gauge!(DATABASE_UP).set(1.0);
    let mut seen = SEEN
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    for (kind, lane) in seen.iter() {
        for state in ["due", "scheduled", "running"] {
            metrics::gauge!(JOBS_QUEUED, "kind" => kind.clone(), "lane" => lane.clone(), "state" => state)
                .set(0.0);
        }
        metrics::gauge!(JOB_OLDEST_DUE_AGE, "kind" => kind.clone()).set(0.0);
    }
    for row in counts {
        seen.insert((row.kind.clone(), row.lane.clone()));
        #[expect(clippy::cast_precision_loss, reason = "a count of queued jobs")]
        let jobs = row.jobs as f64;
        metrics::gauge!(JOBS_QUEUED, "kind" => row.kind, "lane" => row.lane, "state" => row.state)
            .set(jobs);
    }
    for (kind, age) in oldest {
        metrics::gauge!(JOB_OLDEST_DUE_AGE, "kind" => kind).set(age);
    }
}

#[expect(clippy::cast_precision_loss, reason = "pool sizes are small")]
fn count(n: usize) -> f64 {
    n as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The `_count` line of one request-duration series, as rendered.
    fn count(rendered: &str, method: &str, route: &str, status: &str) -> Option<f64> {
        let series = format!(
            "{HTTP_REQUEST_DURATION}_count{{method=\"{method}\",route=\"{route}\",status=\"{status}\"}} "
        );
        rendered
            .lines()
            .find_map(|line| line.strip_prefix(series.as_str()))
            .and_then(|value| value.parse().ok())
    }

    #[test]
    fn a_kept_handle_records_every_request_into_its_own_series() {
        let recorder = PrometheusBuilder::new().build_recorder();
        let handle = recorder.handle();
        let mut durations = RequestDurations::default();
        metrics::with_local_recorder(&recorder, || {
            let took = Duration::from_millis(3);
            // The second and third of a series go through the kept handle.
            for _ in 0..3 {
                durations.record("GET", "/api/v1/unread", StatusCode::OK, took);
            }
            durations.record("GET", "/api/v1/unread", StatusCode::UNAUTHORIZED, took);
            durations.record("POST", "/api/v1/unread", StatusCode::OK, took);
        });
        let rendered = handle.render();
        assert_eq!(
            count(&rendered, "GET", "/api/v1/unread", "200"),
            Some(3.0),
            "{rendered}"
        );
        assert_eq!(
            count(&rendered, "GET", "/api/v1/unread", "401"),
            Some(1.0),
            "{rendered}"
        );
        assert_eq!(
            count(&rendered, "POST", "/api/v1/unread", "200"),
            Some(1.0),
            "{rendered}"
        );
        assert_eq!(durations.handles.len(), 3);
    }
}
