//! Building and running the HTTP server and the background job workers.

use std::net::{SocketAddr, TcpListener};
use std::sync::Arc;

use actix_web::dev::Server;
use actix_web::http::header;
use actix_web::{App, HttpResponse, HttpServer, web};
use tracing_actix_web::TracingLogger;
use utoipa_actix_web::AppExt;
use utoipa_swagger_ui::SwaggerUi;

use crate::api_doc;
use crate::attachments::FileStore;
use crate::auth::tokens::TokenKeys;
use crate::config::Config;
use crate::contract::Contract;
use crate::db::thread_pools::{self, ThreadPools};
use crate::db::watch::DbWatch;
use crate::db::{self, DbPool};
use crate::deadline;
use crate::email::Mailer;
use crate::error::{self, ApiError};
use crate::events::{EventHub, listener};
use crate::http_head;
use crate::idempotency;
use crate::jobs::{JobContext, JobWake, Registry, WorkerSettings, Workers};
use crate::monitoring;
use crate::routes;
use crate::security_headers;
use crate::state::AppState;
use crate::telemetry::PrivateRootSpan;
use crate::web_app::{self, WebApp};

/// A bound, not yet running server.
pub struct Application {
    server: Server,
    address: SocketAddr,
    state: AppState,
    jobs: JobContext,
}

impl Application {
    /// Migrates the database, connects the pool and binds the listener.
    pub async fn build(config: Config) -> anyhow::Result<Self> {
        let url = config.require_database_url()?.clone();
        db::run_migrations(&url).await?;
        let pool = db::pool_with(&url, config.db_pool_size, config.db_statement_timeout)?;
        db::check(&pool, &url).await?;
        Self::build_with_pool(config, pool)
    }

    /// Binds the listener over an existing pool (migrations are the caller's business).
    pub fn build_with_pool(config: Config, pool: DbPool) -> anyhow::Result<Self> {
        if config.jwt_secret.generated {
            tracing::warn!(
                "CONFIDANT_JWT_SECRET is not set: using a random key, so sign-ins end on restart"
            );
        }
        if config.storage_key.generated {
            tracing::warn!(
                "CONFIDANT_STORAGE_KEY is not set: using a random key, so attachments stored now \
                 cannot be read after a restart"
            );
        }
        monitoring::spawn_upkeep();
        let listener = TcpListener::bind(config.listen)
            .map_err(|error| anyhow::anyhow!("cannot listen on {}: {error}", config.listen))?;
        let address = listener.local_addr()?;
        let mailer = Mailer::from_config(&config)?;
        tracing::info!(smtp = mailer.server(), "emails go out through SMTP");
        let files = FileStore::from_config(&config)?;
        let wake = JobWake::default();
        let events = EventHub::default();
        let db_watch = DbWatch::default();
        if let Some(url) = &config.database_url {
            db_watch.spawn(url.clone(), config.db_statement_timeout);
            // One LISTEN connection for this instance: it feeds the live streams and wakes
            // the job workers.
            listener::spawn(
                url.clone(),
                config.db_statement_timeout,
                events.clone(),
                wake.clone(),
            );
        }
        let state = AppState {
            pools: ThreadPools::new(&pool),
            pool,
            db_watch,
            files: files.clone(),
            events,
            tokens: TokenKeys::new(&config.jwt_secret),
            config: Arc::new(config),
        };
        let jobs = JobContext {
            pool: state.pool.clone(),
            mailer: Arc::new(mailer),
            config: Arc::clone(&state.config),
            files,
            wake,
        };
        let server = serve(listener, state.clone())?;
        Ok(Self {
            server,
            address,
            state,
            jobs,
        })
    }

    /// The address the server listens on (with the real port when port 0 was asked for).
    pub fn address(&self) -> SocketAddr {
        self.address
    }

    /// The shared state, for tests that look behind the API.
    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// What background jobs run with (the same pool, settings and mailer as the server).
    pub fn job_context(&self) -> &JobContext {
        &self.jobs
    }

    /// Serves and runs `CONFIDANT_WORKERS` background workers until SIGINT/SIGTERM (or the
    /// server handle stops it). In-flight requests and the jobs in hand get the configured
    /// shutdown timeout to finish, both at once; unfinished jobs are given back to the queue.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        // Listen before anything runs: until then a SIGTERM would kill the process outright.
        let stop = StopSignal::listen()?;
        let grace = self.state.config.shutdown_timeout;
        // The webhook dispatcher runs where the workers that deliver its jobs run.
        let dispatcher = (self.state.config.workers > 0).then(|| {
            crate::webhooks::dispatch::spawn(self.state.pool.clone(), self.state.events.clone())
        });
        if self.state.config.workers > 0 {
            schedule_maintenance(&self.state).await;
        }
        let workers = Workers::start(
            self.jobs,
            job_registry(),
            WorkerSettings::from_config(&self.state.config),
        );
        let handle = self.server.handle();
        let mut server = self.server;
        let server_ended = tokio::select! {
            result = &mut server => Some(result),
            () = stop.recv() => None,
        };
        // Its transactions are short and a new one resumes from the cursor: stop it at once.
        if let Some(dispatcher) = dispatcher {
            dispatcher.abort();
        }
        match server_ended {
            Some(result) => {
                workers.shutdown(grace).await;
                result
            }
            None => {
                tracing::info!("stopping: finishing the requests and jobs in hand");
                // Live streams never finish on their own: end them, clients resume elsewhere.
                self.state.events.close();
                // Sends the command at once; the server future below ends when it is done.
                drop(handle.stop(true));
                let (result, ()) = tokio::join!(server, workers.shutdown(grace));
                result
            }
        }
    }

    /// The HTTP server future alone, for running it on a task while keeping the handle. It
    /// does not react to signals (stop it with its handle) and no background workers run:
    /// tests (which set `CONFIDANT_WORKERS=0`) run jobs with `jobs::run_pending` and
    /// [`Application::job_context`].
    pub fn into_server(self) -> Server {
        self.server
    }
}

/// Every job type the server runs: the composition root's list, so that the job queue knows
/// no domain module.
pub fn job_registry() -> Registry {
    Registry::empty()
        .with::<crate::invitations::SendInvitationEmailJob>()
        .with::<crate::email_changes::SendEmailConfirmationJob>()
        .with::<crate::email_changes::SendEmailChangeNoticeJob>()
        .with::<crate::sign_in_emails::SendPasswordResetJob>()
        .with::<crate::sign_in_emails::SendPasswordChangedNoticeJob>()
        .with::<crate::sign_in_emails::SendSecondFactorNoticeJob>()
        .with::<crate::messaging::SendMessageNotificationJob>()
        .with::<crate::messaging::SendNotificationDigestJob>()
        .with::<crate::attachments::cleanup::RemoveStoredFilesJob>()
        .with::<crate::attachments::cleanup::ExpireUploadJob>()
        .with::<crate::blasts::BlastFanOutJob>()
        .with::<crate::maintenance::DailyMaintenanceJob>()
        .with::<crate::events::retention::PruneEventsJob>()
        .with::<crate::webhooks::delivery::DeliverWebhookJob>()
        .with::<crate::webhooks::disabled_notice::SendWebhookDisabledEmailJob>()
}

/// Makes sure today's housekeeping job and this hour's pruning of the event log exist (every
/// instance tries; one job of each results).
async fn schedule_maintenance(state: &AppState) {
    let scheduled = match state.pool.get().await {
        Ok(mut conn) => {
            let daily = crate::maintenance::DailyMaintenanceJob::today()
                .schedule(&mut conn, std::time::Duration::ZERO)
                .await;
            let hourly = crate::events::retention::PruneEventsJob::this_hour()
                .schedule(&mut conn, std::time::Duration::ZERO)
                .await;
            daily
                .and(hourly)
                .map(|_| ())
                .map_err(|error| crate::error::log_safe(&error))
        }
        Err(error) => Err(error.to_string()),
    };
    if let Err(cause) = scheduled {
        tracing::warn!(%cause, "could not schedule the housekeeping jobs; the next start will");
    }
}

fn serve(listener: TcpListener, state: AppState) -> anyhow::Result<Server> {
    let document = api_doc::document();
    let contract = web::Data::new(Contract::from_document(&document)?);
    let web_app = state.config.web_dir.clone().map(WebApp::new);
    let shutdown_seconds = state.config.shutdown_timeout.as_secs();
    let hsts = state.config.public_url.scheme() == "https";
    let request_timeout = state.config.request_timeout;
    // Named, not left to actix's default (the same count), to share the pool size out.
    let http_workers = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
    let pool_per_worker = thread_pools::per_thread(state.config.db_pool_size, http_workers);
    let server = HttpServer::new(move || {
        // Runs on each worker thread: its requests use connections it opens and drives.
        let state = state.for_worker_thread(pool_per_worker);
        let (payload, path) = error::extractor_configs();
        let (app, _document) = api_doc::register(
            App::new()
                .app_data(web::Data::new(state.clone()))
                .app_data(payload)
                .app_data(path)
                .app_data(contract.clone())
                .app_data(web::Data::new(deadline::RequestDeadline(request_timeout)))
                .app_data(web::Data::new(security_headers::Hsts(hsts)))
                .wrap(actix_web::middleware::from_fn(idempotency::remember))
                .wrap(actix_web::middleware::from_fn(deadline::enforce))
                .wrap(actix_web::middleware::from_fn(http_head::as_get))
                .wrap(actix_web::middleware::from_fn(security_headers::add))
                .wrap(error::problem_for_framework_errors())
                .wrap(TracingLogger::<PrivateRootSpan>::new())
                .wrap(actix_web::middleware::from_fn(monitoring::time_requests))
                .into_utoipa_app(),
        )
        .split_for_parts();
        let app = app
            // Before Swagger UI, which answers everything under `/docs/`.
            .service(web::resource("/docs/errors").to(routes::docs::error_catalogue))
            .service(SwaggerUi::new("/docs/{_:.*}").url("/api-docs/openapi.json", document.clone()))
            .service(web::resource("/docs").to(|| async {
                HttpResponse::PermanentRedirect()
                    .insert_header((header::LOCATION, "/docs/"))
                    .finish()
            }))
            .service(web::scope("/api").default_service(web::to(api_not_found)));
        match &web_app {
            Some(web_app) => app
                .app_data(web::Data::new(web_app.clone()))
                .service(web_app.files())
                .default_service(web::to(web_app::fallback)),
            None => app.default_service(web::to(web_app::fallback)),
        }
    })
    .workers(http_workers)
    .shutdown_timeout(shutdown_seconds)
    // `run_until_stopped` handles the signals, so that HTTP and the job workers stop together.
    .disable_signals()
    .listen(listener)?
    .run();
    Ok(server)
}

async fn api_not_found(request: actix_web::HttpRequest) -> Result<HttpResponse, ApiError> {
    Err(crate::error::method_not_allowed(&request).unwrap_or_else(ApiError::not_found))
}

/// SIGTERM or SIGINT, caught from the moment [`StopSignal::listen`] returns.
struct StopSignal {
    #[cfg(unix)]
    terminate: tokio::signal::unix::Signal,
    #[cfg(unix)]
    interrupt: tokio::signal::unix::Signal,
}

impl StopSignal {
    /// Installs the handlers (the default action, ending the process, no longer applies).
    fn listen() -> std::io::Result<Self> {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            Ok(Self {
                terminate: signal(SignalKind::terminate())?,
                interrupt: signal(SignalKind::interrupt())?,
            })
        }
        #[cfg(not(unix))]
        Ok(Self {})
    }

    /// Resolves when either signal arrives.
    async fn recv(mut self) {
        #[cfg(unix)]
        tokio::select! {
            Some(()) = self.terminate.recv() => {}
            Some(()) = self.interrupt.recv() => {}
            else => std::future::pending::<()>().await,
        }
        #[cfg(not(unix))]
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    }
}
