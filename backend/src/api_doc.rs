//! The OpenAPI document: general information and the integrator's guide here, paths collected
//! from the routes, and the parts every operation shares added once ([`responses`]).

mod responses;

use actix_web::App;
use actix_web::dev::{ServiceFactory, ServiceRequest};
use utoipa::OpenApi;
use utoipa_actix_web::{AppExt, UtoipaApp, scope};

use crate::routes;
use confidant_openapi::{API_PREFIX, Problem, ProblemCode};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Confidant API",
        description = include_str!("api_doc/guide.md"),
        license(name = "Proprietary", identifier = "LicenseRef-Proprietary")
    ),
    servers((url = "/", description = "This Confidant server")),
    components(schemas(
        Problem,
        ProblemCode,
        confidant_openapi::conversations::Folder,
        confidant_openapi::webhooks::WebhookPayload,
    )),
    modifiers(&BearerAuth, &WebhookPayloads),
    tags(
        (name = "auth", description = "Signing in and out, refreshing tokens, accepting invitations, confirming a new email"),
        (name = "me", description = "The signed-in person and their practice"),
        (name = "people", description = "Staff and clients of the practice"),
        (name = "staff-groups", description = "Named sets of staff that can be addressed at once"),
        (name = "recipients", description = "What the caller may address"),
        (name = "conversations", description = "Threads, messages, read marks, search, archive, deletion and the unread badge"),
        (name = "drafts", description = "What a person typed and has not sent yet, kept on the server (never in the browser: clinic computers are shared)"),
        (name = "blasts", description = "One message to many clients, each as a new private thread, with live progress"),
        (name = "events", description = "Live updates: a Server-Sent Events stream of what changed (ids only), resumable with Last-Event-ID"),
        (name = "attachments", description = "Files checked by content, encrypted at rest, downloadable by those who can see their message"),
        (name = "audit", description = "The practice's audit trail (owners and admins): who read, downloaded, changed or signed in, with ids only; as pages or CSV"),
        (name = "api-keys", description = "Personal API keys for integrators: scoped, shown once, stored as a hash, revoked at once"),
        (name = "webhooks", description = "Endpoints that hear of changes (Standard Webhooks, ids only), for owners and admins"),
        (name = "health", description = "Liveness and readiness checks, and metrics for Prometheus"),
    )
)]
struct ApiDoc;

/// Declares the security schemes: `bearer` (a person's access token), which protected routes
/// name, and `metrics_token` (the operator's, for `/metrics`).
struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .description(Some("The `access_token` from `/api/v1/auth/login`."))
                    .build(),
            ),
        );
        components.add_security_scheme(
            "api_key",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("cfk_…")
                    .description(Some(
                        "A personal API key from `POST /api/v1/me/api-keys`, sent as \
                         `Authorization: Bearer cfk_…`. Operations that take one name the \
                         scope it needs; a key without it gets 403.",
                    ))
                    .build(),
            ),
        );
        components.add_security_scheme(
            "metrics_token",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(
                        "The server's `CONFIDANT_METRICS_TOKEN`, for `GET /metrics` only.",
                    ))
                    .build(),
            ),
        );
    }
}

/// Declares what Confidant sends to webhook endpoints (OpenAPI 3.1 `webhooks`): one entry per
/// event type, each a signed `POST` of a [`WebhookPayload`](confidant_openapi::webhooks::WebhookPayload).
struct WebhookPayloads;

impl utoipa::Modify for WebhookPayloads {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use confidant_openapi::webhooks::WebhookEventType;
        let header = |name: &str, description: &str, example: &str| {
            serde_json::json!({
                "name": name,
                "in": "header",
                "required": true,
                "description": description,
                "schema": {"type": "string"},
                "example": example,
            })
        };
        let parameters = [
            header(
                "webhook-id",
                "The delivery's id, the same on every retry: drop a delivery whose id you have \
                 seen.",
                "msg_0193a1b2c3d47000800000000000abcd",
            ),
            header(
                "webhook-timestamp",
                "When this attempt was signed, in Unix seconds: refuse one more than five \
                 minutes away from your clock.",
                "1764410100",
            ),
            header(
                "webhook-signature",
                "`v1,` and the base64 HMAC-SHA256 of `{webhook-id}.{webhook-timestamp}.{body}` \
                 under the endpoint's secret (the bytes after `whsec_`, base64-decoded); during \
                 a rotation, one such value per secret, separated by spaces.",
                "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
            ),
        ];
        let types = WebhookEventType::ALL
            .iter()
            .map(|kind| kind.as_str())
            .chain(["webhook.test"]);
        let mut webhooks = serde_json::Map::new();
        for name in types {
            let operation = serde_json::json!({
                "post": {
                    "tags": ["webhooks"],
                    "summary": format!("`{name}`, sent to endpoints that subscribe to it"),
                    "description": "A Standard Webhooks delivery: ids only (never a subject, \
                        body, name, email address or file name). Answer 2xx within 10 s; \
                        anything else is retried after 5 s, 5 min, 30 min, 2 h, 5 h, 10 h \
                        and 10 h with the same `webhook-id`.",
                    "operationId": format!("webhook_{}", name.replace('.', "_")),
                    "parameters": parameters,
                    "requestBody": {
                        "required": true,
                        "content": {"application/json": {"schema": {
                            "$ref": "#/components/schemas/WebhookPayload"
                        }}}
                    },
                    "responses": {
                        "2XX": {"description": "Received: not sent again"},
                        "default": {"description": "Not received: retried on the schedule"}
                    },
                    "security": []
                }
            });
            webhooks.insert(name.to_owned(), operation);
        }
        match serde_json::from_value(serde_json::Value::Object(webhooks)) {
            Ok(paths) => openapi.webhooks = Some(paths),
            // Only a mistake in the JSON above can get here; every test run would show it.
            Err(error) => panic!("the webhooks section does not read: {error}"),
        }
    }
}

/// Registers every documented route on `app`. The server and [`document`] both call this, so
/// the served routes and the document cannot drift apart.
pub fn register<T>(app: UtoipaApp<T>) -> UtoipaApp<T>
where
    T: ServiceFactory<ServiceRequest, Config = (), Error = actix_web::Error, InitError = ()>,
{
    app.openapi(ApiDoc::openapi())
        .configure(routes::root)
        .service(scope::scope(API_PREFIX).configure(routes::api_v1))
}

/// The OpenAPI document, generated from the code: the routes' own declarations, completed
/// with what every operation shares.
pub fn document() -> utoipa::openapi::OpenApi {
    let (_app, document) = register(App::new().into_utoipa_app()).split_for_parts();
    responses::complete(document)
}

/// The document as pretty-printed JSON with a trailing newline, exactly as committed in
/// `openapi/openapi.json`.
pub fn to_json() -> String {
    let mut json = document()
        .to_pretty_json()
        .unwrap_or_else(|error| format!("{{\"error\": \"{error}\"}}"));
    json.push('\n');
    json
}
