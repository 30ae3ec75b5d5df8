//! `HEAD` works wherever `GET` does: the request is routed as a `GET`. Routes are declared for
//! `GET` only; this spares each of them a second declaration.
//!
//! The answer goes out with the `GET`'s headers, its length included, and no body: the HTTP
//! codec read the method off the wire as `HEAD` before this ran and leaves the body out itself.

use actix_web::Error;
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::Method;
use actix_web::middleware::Next;

/// The middleware: `App::new().wrap(from_fn(http_head::as_get))`.
pub async fn as_get(
    mut request: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    if request.method() == Method::HEAD {
        request.head_mut().method = Method::GET;
    }
    next.call(request).await
}
