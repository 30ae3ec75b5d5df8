//! Hosting the built web app: static files from `CONFIDANT_WEB_DIR`, and `index.html` for any
//! other browser path so that deep links (`/messages/123`) open the app. API paths never fall
//! back to the app: an unknown `/api/…` address is a 404 problem.

use std::path::PathBuf;

use actix_files::{Files, NamedFile};
use actix_web::http::header::{CACHE_CONTROL, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, Responder, web};

use crate::error::ApiError;

/// Where the built web app lives.
#[derive(Clone, Debug)]
pub struct WebApp {
    dir: PathBuf,
}

impl WebApp {
    /// The web app in `dir` (which holds `index.html`).
    pub fn new(dir: PathBuf) -> Self {
        Self { dir }
    }

    /// Serves the app's files under `/`, with [`fallback`] for anything missing.
    pub fn files(&self) -> Files {
        Files::new("/", &self.dir)
            .index_file("index.html")
            .default_handler(web::to(fallback))
    }
}

/// The answer for every path no route or file matched.
pub async fn fallback(request: HttpRequest, web_app: Option<web::Data<WebApp>>) -> HttpResponse {
    if let Some(refusal) = crate::error::method_not_allowed(&request) {
        return refusal.error_response_boxed();
    }
    let path = request.path();
    let is_api = path == "/api" || path.starts_with("/api/");
    match web_app {
        Some(web_app) if !is_api && request.method() == actix_web::http::Method::GET => {
            let index = web_app.dir.join("index.html");
            match web::block(move || NamedFile::open(index)).await {
                Ok(Ok(file)) => {
                    let mut response = file.respond_to(&request).map_into_boxed_body();
                    // The shell must be re-checked on every visit so a deploy takes effect.
                    response
                        .headers_mut()
                        .insert(CACHE_CONTROL, HeaderValue::from_static("no-cache"));
                    response
                }
                Ok(Err(error)) => ApiError::internal("reading the web app's index.html", &error)
                    .error_response_boxed(),
                Err(error) => ApiError::internal("reading the web app's index.html", &error)
                    .error_response_boxed(),
            }
        }
        _ => ApiError::not_found().error_response_boxed(),
    }
}

impl ApiError {
    fn error_response_boxed(&self) -> HttpResponse {
        actix_web::ResponseError::error_response(self)
    }
}
