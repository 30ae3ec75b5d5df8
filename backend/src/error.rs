//! One error type for every handler, rendered as RFC 9457 problem details.
//!
//! Errors never echo stored content: messages here are written for the caller and name fields,
//! not values. Internal causes are logged by kind only (a database error's text can quote the
//! row it failed on, e.g. an email address in a unique violation).

use std::collections::BTreeMap;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::ServiceResponse;
use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::middleware::{ErrorHandlerResponse, ErrorHandlers};
use actix_web::{HttpRequest, HttpResponse, ResponseError, web};
use confidant_openapi::{PROBLEM_JSON, Problem, ProblemCode};

/// The error every handler returns.
pub struct ApiError {
    code: ProblemCode,
    detail: Option<String>,
    errors: Option<BTreeMap<String, Vec<String>>>,
    retry_after_seconds: Option<u64>,
    /// For 405: the methods the address takes.
    allow: Option<String>,
}

impl ApiError {
    /// An error with the code's standard status and title.
    pub fn new(code: ProblemCode, detail: impl Into<String>) -> Self {
        Self {
            code,
            detail: Some(detail.into()),
            errors: None,
            retry_after_seconds: None,
            allow: None,
        }
    }

    /// 405 with `Allow`: the address exists, but not with this method.
    pub fn method_not_allowed(methods: &[actix_web::http::Method]) -> Self {
        let allow: Vec<&str> = methods
            .iter()
            .map(actix_web::http::Method::as_str)
            .collect();
        let allow = allow.join(", ");
        Self {
            allow: Some(allow.clone()),
            ..Self::new(
                ProblemCode::MethodNotAllowed,
                format!("This address does not take this method; it takes {allow}."),
            )
        }
    }

    /// 404: missing, or not the caller's to see (the two are never told apart).
    pub fn not_found() -> Self {
        Self::new(ProblemCode::NotFound, "There is nothing at this address.")
    }

    /// 400: the request is malformed.
    pub fn bad_request(detail: impl Into<String>) -> Self {
        Self::new(ProblemCode::BadRequest, detail)
    }

    /// 422: well-formed, but these fields are not valid.
    pub fn validation(errors: BTreeMap<String, Vec<String>>) -> Self {
        let fields: Vec<&str> = errors.keys().map(String::as_str).collect();
        Self {
            code: ProblemCode::ValidationFailed,
            detail: Some(format!("Please correct: {}.", fields.join(", "))),
            errors: Some(errors),
            retry_after_seconds: None,
            allow: None,
        }
    }

    /// 429 with the `Retry-After` header.
    pub fn too_many_requests(retry_after_seconds: u64) -> Self {
        Self {
            retry_after_seconds: Some(retry_after_seconds),
            ..Self::new(
                ProblemCode::TooManyRequests,
                format!("Too many attempts. Try again in {retry_after_seconds} seconds."),
            )
        }
    }

    /// 500 for an unexpected failure. `what` says where it happened; `cause` is logged with
    /// its whole chain of causes (see [`log_safe`]). The caller learns nothing of the
    /// internals.
    pub fn internal(what: &'static str, cause: &(dyn std::error::Error + 'static)) -> Self {
        tracing::error!(what, cause = %log_safe(cause), "internal error");
        Self::new(
            ProblemCode::Internal,
            "Something went wrong on our side. It has been logged; please try again.",
        )
    }

    /// 503 with `Retry-After` when a shared resource stayed busy (every password hashing
    /// thread, for instance): the request was not worked on and can simply be repeated.
    pub fn busy(what: &'static str) -> Self {
        tracing::warn!(what, "busy: request turned away");
        Self {
            retry_after_seconds: Some(1),
            ..Self::new(
                ProblemCode::ServiceUnavailable,
                "The service is busy. Please try again in a moment.",
            )
        }
    }

    /// 503 with `Retry-After` when the database could not be reached or broke off mid-way:
    /// nothing was done, and the same request can be repeated.
    pub fn database_unavailable(
        what: &'static str,
        cause: &(dyn std::error::Error + 'static),
    ) -> Self {
        tracing::error!(what, cause = %log_safe(cause), "database unavailable");
        Self {
            retry_after_seconds: Some(DATABASE_RETRY_AFTER_SECONDS),
            ..Self::new(
                ProblemCode::ServiceUnavailable,
                "The service is briefly unavailable: its database does not answer. Please try again in a moment.",
            )
        }
    }

    /// 503 with `Retry-After` for a request that passed its deadline (see
    /// [`crate::deadline`]): most likely the database stopped answering.
    pub fn deadline_passed() -> Self {
        Self {
            retry_after_seconds: Some(DATABASE_RETRY_AFTER_SECONDS),
            ..Self::new(
                ProblemCode::ServiceUnavailable,
                "The service did not finish this in time; it may not have been done. Please try again in a moment.",
            )
        }
    }

    /// 507 (storage full) or 503 (storage unavailable) for a failure to store or read a file,
    /// 500 for anything else; logged with the cause chain.
    pub fn storage(what: &'static str, cause: &(dyn std::error::Error + 'static)) -> Self {
        match storage_fault(cause) {
            Some(StorageFault::Full) => {
                tracing::error!(what, cause = %log_safe(cause), "file storage is full");
                Self::new(
                    ProblemCode::InsufficientStorage,
                    "File storage is full, so the file was not stored. Please tell your practice's administrator.",
                )
            }
            Some(StorageFault::Unavailable) => {
                tracing::error!(what, cause = %log_safe(cause), "file storage is unavailable");
                Self {
                    retry_after_seconds: Some(STORAGE_RETRY_AFTER_SECONDS),
                    ..Self::new(
                        ProblemCode::ServiceUnavailable,
                        "File storage is not available right now, so nothing was stored. Please try again later.",
                    )
                }
            }
            None => Self::internal(what, cause),
        }
    }

    /// The stable code.
    pub fn code(&self) -> ProblemCode {
        self.code
    }

    /// The problem document of this error.
    pub fn to_problem(&self) -> Problem {
        Problem {
            kind: self.code.type_uri(),
            title: self.code.title().into(),
            status: self.code.status(),
            detail: self.detail.clone(),
            code: self.code,
            errors: self.errors.clone(),
        }
    }
}

/// Seconds a client is told to wait after the database did not answer.
const DATABASE_RETRY_AFTER_SECONDS: u64 = 2;
/// Seconds a client is told to wait after file storage did not answer.
const STORAGE_RETRY_AFTER_SECONDS: u64 = 30;

/// A log-safe description of an error and each of its causes (its `source()` chain), joined
/// by `: `. Database errors give their kind, table and constraint, never their message (which
/// can quote a stored value such as an email); I/O errors their kind and the OS's words;
/// storage, pool, mail and other library errors their own text, which names no request
/// values (stored files are `attachments/<id>`).
pub fn log_safe(cause: &(dyn std::error::Error + 'static)) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut next = Some(cause);
    while let Some(error) = next {
        let part = describe(error);
        if !parts.iter().any(|seen| seen.ends_with(&part)) {
            parts.push(part);
        }
        // A diesel error's source is the database's message: stop there.
        if error.downcast_ref::<diesel::result::Error>().is_some() {
            break;
        }
        next = error.source();
    }
    parts.join(": ")
}

fn describe(error: &(dyn std::error::Error + 'static)) -> String {
    use diesel::result::Error as Diesel;
    if let Some(error) = error.downcast_ref::<Diesel>() {
        return match error {
            Diesel::DatabaseError(kind, info) => format!(
                "database {kind:?} (table {}, constraint {})",
                info.table_name().unwrap_or("?"),
                info.constraint_name().unwrap_or("?")
            ),
            other => format!("diesel {}", diesel_variant(other)),
        };
    }
    if let Some(io) = error.downcast_ref::<std::io::Error>() {
        return format!("io {:?}: {io}", io.kind());
    }
    error.to_string()
}

/// What a storage failure means for the caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StorageFault {
    /// No space left: 507.
    Full,
    /// Storage cannot be written or reached (read-only, permissions, network): 503.
    Unavailable,
}

/// The fault behind a storage error, found anywhere in its chain.
pub fn storage_fault(cause: &(dyn std::error::Error + 'static)) -> Option<StorageFault> {
    use std::io::ErrorKind;
    let mut next = Some(cause);
    while let Some(error) = next {
        if let Some(io) = error.downcast_ref::<std::io::Error>() {
            return match io.kind() {
                ErrorKind::StorageFull | ErrorKind::QuotaExceeded | ErrorKind::FileTooLarge => {
                    Some(StorageFault::Full)
                }
                ErrorKind::ReadOnlyFilesystem
                | ErrorKind::PermissionDenied
                | ErrorKind::NotFound
                | ErrorKind::ConnectionRefused
                | ErrorKind::ConnectionReset
                | ErrorKind::ConnectionAborted
                | ErrorKind::NotConnected
                | ErrorKind::TimedOut
                | ErrorKind::HostUnreachable
                | ErrorKind::NetworkUnreachable
                | ErrorKind::NetworkDown => Some(StorageFault::Unavailable),
                _ => None,
            };
        }
        if let Some(storage) = error.downcast_ref::<crate::attachments::store::StorageError>()
            && storage.is_remote_unavailable()
        {
            return Some(StorageFault::Unavailable);
        }
        next = error.source();
    }
    None
}

fn diesel_variant(error: &diesel::result::Error) -> &'static str {
    use diesel::result::Error as Diesel;
    match error {
        Diesel::NotFound => "NotFound",
        Diesel::RollbackTransaction => "RollbackTransaction",
        Diesel::BrokenTransactionManager => "BrokenTransactionManager",
        Diesel::AlreadyInTransaction => "AlreadyInTransaction",
        Diesel::NotInTransaction => "NotInTransaction",
        Diesel::SerializationError(_) => "SerializationError",
        Diesel::DeserializationError(_) => "DeserializationError",
        Diesel::QueryBuilderError(_) => "QueryBuilderError",
        _ => "other",
    }
}

/// Only the code and the names of the failing fields: an error's `Debug` reaches the request's
/// log line, and its detail may describe what was sent.
impl std::fmt::Debug for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let fields: Vec<&str> = self
            .errors
            .iter()
            .flat_map(|errors| errors.keys().map(String::as_str))
            .collect();
        f.debug_struct("ApiError")
            .field("code", &self.code)
            .field("fields", &fields)
            .finish()
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:?}", self.code)
    }
}

impl From<diesel::result::Error> for ApiError {
    fn from(error: diesel::result::Error) -> Self {
        use diesel::result::{DatabaseErrorKind, Error as Diesel};
        match error {
            Diesel::NotFound => Self::not_found(),
            // The connection broke mid-query (the database restarted or went away), or the
            // database cancelled the statement at `statement_timeout`: nothing was done.
            Diesel::BrokenTransactionManager
            | Diesel::DatabaseError(
                DatabaseErrorKind::ClosedConnection | DatabaseErrorKind::UnableToSendCommand,
                _,
            ) => Self::database_unavailable("a database query", &error),
            Diesel::DatabaseError(DatabaseErrorKind::Unknown, ref info)
                if info
                    .message()
                    .starts_with("canceling statement due to statement timeout") =>
            {
                Self::database_unavailable("a database query", &error)
            }
            other => Self::internal("a database query", &other),
        }
    }
}

impl From<crate::auth::password::HashError> for ApiError {
    fn from(error: crate::auth::password::HashError) -> Self {
        match error {
            crate::auth::password::HashError::Busy => Self::busy("password hashing"),
            failed @ crate::auth::password::HashError::Failed => {
                Self::internal("password hashing", &failed)
            }
        }
    }
}

impl From<crate::contract::Refusal> for ApiError {
    fn from(refusal: crate::contract::Refusal) -> Self {
        if refusal.malformed {
            let problems: Vec<String> = refusal
                .fields
                .iter()
                .map(|(field, messages)| format!("{field}: {}", messages.join(" ")))
                .collect();
            Self {
                detail: Some(format!(
                    "The request is not well-formed. {}",
                    problems.join(" ")
                )),
                errors: Some(refusal.fields.clone()),
                ..Self::new(ProblemCode::BadRequest, "")
            }
        } else {
            Self::validation(refusal.fields)
        }
    }
}

/// True for a unique violation: the row would duplicate a name or email that must be unique.
pub fn is_unique_violation(error: &diesel::result::Error) -> bool {
    matches!(
        error,
        diesel::result::Error::DatabaseError(diesel::result::DatabaseErrorKind::UniqueViolation, _)
    )
}

/// A 404 naming the field whose ids the caller cannot see (nonexistent, in another practice,
/// or not of the kind the field takes; the three are never told apart): the API's rule for
/// anything outside the caller's visibility, applied to ids in a body.
pub fn unknown_ids(field: &str, message: impl Into<String>) -> ApiError {
    ApiError {
        errors: Some(BTreeMap::from([(field.to_owned(), vec![message.into()])])),
        ..ApiError::new(
            ProblemCode::NotFound,
            format!("Some ids in `{field}` name nothing you can use here."),
        )
    }
}

/// A 422 for one field.
pub fn field_error(field: &str, message: impl Into<String>) -> ApiError {
    ApiError::validation(BTreeMap::from([(field.to_owned(), vec![message.into()])]))
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        StatusCode::from_u16(self.code.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }

    fn error_response(&self) -> HttpResponse {
        let mut response = HttpResponse::build(self.status_code());
        response.content_type(PROBLEM_JSON);
        // Also set by `security_headers` on every answer; here too for an error answered
        // where no middleware sees it (a request cut off at its deadline).
        response.insert_header((header::CACHE_CONTROL, "no-store"));
        response.insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"));
        if self.code == ProblemCode::Unauthorized {
            response.insert_header((header::WWW_AUTHENTICATE, "Bearer realm=\"confidant\""));
        }
        if let Some(seconds) = self.retry_after_seconds {
            response.insert_header((header::RETRY_AFTER, seconds.to_string()));
        }
        if let Some(allow) = &self.allow {
            response.insert_header((header::ALLOW, allow.clone()));
        }
        response.json(self.to_problem())
    }
}

/// The 405 for a request whose address the contract knows under other methods.
pub fn method_not_allowed(request: &HttpRequest) -> Option<ApiError> {
    let contract = request.app_data::<web::Data<crate::contract::Contract>>()?;
    let methods = contract.methods_of(request.path())?;
    (!methods.contains(request.method())).then(|| ApiError::method_not_allowed(methods))
}

/// Extractor settings: the body size limit, and a problem for an address whose id is not a
/// UUID. (JSON bodies and query strings go through [`crate::extract`].)
pub fn extractor_configs() -> (web::PayloadConfig, web::PathConfig) {
    let payload = web::PayloadConfig::new(crate::contract::MAX_JSON_BYTES);
    let path = web::PathConfig::default().error_handler(|_error, request: &HttpRequest| {
        // The parser's message quotes what it could not read; the names are enough.
        let names: Vec<String> = request
            .match_info()
            .iter()
            .map(|(name, _)| name.to_owned())
            .collect();
        ApiError::from(crate::contract::Refusal::bad_request(
            &names.first().cloned().unwrap_or_else(|| "path".into()),
            "Must be an id (a UUID).",
        ))
        .into()
    });
    (payload, path)
}

/// Middleware that gives every non-JSON error response (one the framework itself produced, or
/// a plain-text error from a library) a problem+json body, so that clients only ever parse one
/// error shape.
pub fn problem_for_framework_errors<B: MessageBody + 'static>() -> ErrorHandlers<B> {
    ErrorHandlers::new().default_handler(|response: ServiceResponse<B>| {
        // JSON error bodies are deliberate (a problem, or `/readyz`'s 503 readiness report);
        // anything else (empty, text, HTML) is replaced.
        let is_json = response
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|value| value.to_str().ok())
            .is_some_and(|value| {
                let essence = value.split(';').next().unwrap_or_default().trim();
                essence == "application/json" || essence.ends_with("+json")
            });
        if is_json {
            return Ok(ErrorHandlerResponse::Response(
                response.map_into_left_body(),
            ));
        }
        let code = code_for_status(response.status());
        let problem = ApiError {
            code,
            detail: None,
            errors: None,
            retry_after_seconds: None,
            allow: None,
        }
        .to_problem();
        let (request, mut plain) = response.into_parts();
        let body = serde_json::to_vec(&problem).unwrap_or_default();
        plain
            .headers_mut()
            .insert(header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON));
        let plain = plain.set_body(BoxBody::new(body));
        let response = ServiceResponse::new(request, plain).map_into_right_body::<B>();
        Ok(ErrorHandlerResponse::Response(response))
    })
}

fn code_for_status(status: StatusCode) -> ProblemCode {
    match status.as_u16() {
        401 => ProblemCode::Unauthorized,
        403 => ProblemCode::Forbidden,
        404 => ProblemCode::NotFound,
        405 => ProblemCode::MethodNotAllowed,
        409 => ProblemCode::Conflict,
        413 => ProblemCode::PayloadTooLarge,
        415 => ProblemCode::UnsupportedMediaType,
        422 => ProblemCode::ValidationFailed,
        429 => ProblemCode::TooManyRequests,
        503 => ProblemCode::ServiceUnavailable,
        507 => ProblemCode::InsufficientStorage,
        400..=499 => ProblemCode::BadRequest,
        _ => ProblemCode::Internal,
    }
}

/// For unit tests: a unique violation whose details quote an email address, as PostgreSQL's
/// do, to check that nothing logs or stores them.
#[cfg(test)]
pub(crate) fn unique_violation_quoting_an_email() -> diesel::result::Error {
    struct Info;
    impl diesel::result::DatabaseErrorInformation for Info {
        fn message(&self) -> &str {
            "duplicate key value violates unique constraint"
        }
        fn details(&self) -> Option<&str> {
            Some("Key (email)=(jane@example.com) already exists.")
        }
        fn hint(&self) -> Option<&str> {
            None
        }
        fn table_name(&self) -> Option<&str> {
            Some("people")
        }
        fn column_name(&self) -> Option<&str> {
            None
        }
        fn constraint_name(&self) -> Option<&str> {
            Some("people_email_key")
        }
        fn statement_position(&self) -> Option<i32> {
            None
        }
    }
    diesel::result::Error::DatabaseError(
        diesel::result::DatabaseErrorKind::UniqueViolation,
        Box::new(Info),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::{App, test as actix_test};

    async fn plain_error() -> HttpResponse {
        HttpResponse::BadRequest().body("plain text from somewhere in the framework")
    }

    async fn call(request: actix_test::TestRequest) -> (StatusCode, String, Problem) {
        let (payload, path) = extractor_configs();
        let app = actix_test::init_service(
            App::new()
                .app_data(payload)
                .app_data(path)
                .wrap(problem_for_framework_errors())
                .route("/api/plain", web::get().to(plain_error)),
        )
        .await;
        let response = actix_test::call_service(&app, request.to_request()).await;
        let status = response.status();
        let content_type = response
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        let problem: Problem = actix_test::read_body_json(response).await;
        (status, content_type, problem)
    }

    #[actix_web::test]
    async fn framework_error_responses_become_problems() {
        let (status, content_type, problem) =
            call(actix_test::TestRequest::get().uri("/api/plain")).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_eq!(content_type, PROBLEM_JSON);
        assert_eq!(problem.status, 400);
        assert_eq!(problem.code, ProblemCode::BadRequest);
    }

    #[test]
    fn database_errors_are_logged_without_their_message() {
        let error = unique_violation_quoting_an_email();
        let kind = log_safe(&error);
        assert!(kind.contains("people_email_key"), "{kind}");
        assert!(!kind.contains("jane@example.com"), "{kind}");
    }

    #[test]
    fn debug_output_names_fields_but_never_the_detail() {
        let error = ApiError::from(crate::contract::Refusal::bad_request(
            "email",
            "Is not valid JSON near jane@example.com",
        ));
        let printed = format!("{error:?}");
        assert!(printed.contains("email"), "{printed}");
        assert!(!printed.contains("jane@"), "{printed}");
    }

    #[test]
    fn validation_problem_names_the_fields() {
        let mut errors = BTreeMap::new();
        errors.insert("subject".to_owned(), vec!["must not be empty".to_owned()]);
        let problem = ApiError::validation(errors).to_problem();
        assert_eq!(problem.status, 422);
        assert_eq!(problem.code, ProblemCode::ValidationFailed);
        assert!(problem.detail.unwrap_or_default().contains("subject"));
        assert!(problem.errors.is_some_and(|e| e.contains_key("subject")));
    }
}
