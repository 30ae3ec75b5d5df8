//! What every operation of the document shares, declared once here instead of on every
//! handler: the error answers each kind of route can give (with their headers), which routes
//! need no sign-in, and that request bodies accept no unknown fields.
//!
//! - Secured routes can answer 401 (with `WWW-Authenticate`); routes that take none say
//!   `security: []`, and the document's default is the bearer token. Secured routes outside
//!   `/api/v1/me` can answer 403 while a second factor the practice requires is missing.
//! - A JSON body can be malformed (400), too large (413), not JSON (415) or invalid (422);
//!   a query string malformed (400) or invalid (422); an id in the address malformed (400).
//! - Every route can answer 500, and every route that reaches the database 503 with
//!   `Retry-After`; a 429 a route declares carries `Retry-After`.
//!
//! Handlers declare only what is particular to them (their success, 403, 404, 409, …). Where a
//! handler declares a status this adds too, the handler's words win.
//!
//! Request schemas are tightened to what the server enforces, so that the document (and the
//! validators compiled from it, see [`crate::contract`]) state it: objects accept no unknown
//! fields, text fields and query parameters carry [`TEXT_PATTERN`] (no control characters;
//! fields marked `pattern = r"\S"` the non-blank [`NON_BLANK_TEXT_PATTERN`]), and a list of
//! ids may not name one twice.

use confidant_openapi::{NON_BLANK_TEXT_PATTERN, TEXT_PATTERN};

use crate::domain::key_scopes::{self, Needs};
use serde_json::{Map, Value, json};
use utoipa::openapi::OpenApi;

/// Completes `document` with the shared answers.
pub fn complete(document: OpenApi) -> OpenApi {
    let mut json = match serde_json::to_value(&document) {
        Ok(json) => json,
        Err(_) => return document,
    };
    shared_components(&mut json);
    let mut request_schemas = Vec::new();
    if let Some(paths) = json["paths"].as_object_mut() {
        for (path, item) in paths.iter_mut() {
            for (method, operation) in item.as_object_mut().into_iter().flatten() {
                complete_operation(path, method, operation);
                for media in ["application~1json", "multipart~1form-data"] {
                    if let Some(schema) =
                        operation.pointer(&format!("/requestBody/content/{media}/schema"))
                    {
                        request_schemas.push(schema.clone());
                    }
                }
                let parameters = operation
                    .get_mut("parameters")
                    .and_then(Value::as_array_mut);
                for parameter in parameters.into_iter().flatten() {
                    if parameter["in"] == "query"
                        && let Some(schema) = parameter.get_mut("schema")
                    {
                        tighten(schema);
                    }
                }
            }
        }
    }
    json["security"] = json!([{"bearer": []}]);
    let mut seen = Vec::new();
    for schema in &request_schemas {
        tighten_request(&mut json, schema, &mut seen);
    }
    drop_unused(&mut json);
    match serde_json::from_value(json) {
        Ok(completed) => completed,
        // Only a mistake in this module can get here; every test run would show it.
        Err(error) => panic!("the completed OpenAPI document does not read back: {error}"),
    }
}

/// Removes shared responses and headers no operation ended up using.
fn drop_unused(json: &mut Value) {
    let used = format!("{}{}", json["paths"], json["components"]["responses"]);
    for kind in ["responses", "headers"] {
        if let Some(entries) = json["components"][kind].as_object_mut() {
            entries.retain(|name, _| used.contains(&format!("\"#/components/{kind}/{name}\"")));
        }
    }
}

/// The shared responses and headers, under `components`.
fn shared_components(json: &mut Value) {
    let problem = |description: &str, headers: Option<Value>| {
        let mut response = json!({
            "description": description,
            "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}},
        });
        if let Some(headers) = headers {
            response["headers"] = headers;
        }
        response
    };
    let retry_after = json!({"Retry-After": {"$ref": "#/components/headers/Retry-After"}});
    let components = &mut json["components"];
    components["headers"] = json!({
        "Retry-After": {
            "description": "Seconds to wait before trying again.",
            "schema": {"type": "integer", "minimum": 1}
        },
        "WWW-Authenticate": {
            "description": "The authentication scheme to use: `Bearer realm=\"confidant\"`.",
            "schema": {"type": "string"}
        }
    });
    components["responses"] = json!({
        "BadRequest": problem("The request is not well-formed: JSON that does not parse, a wrong type, an unknown field, an id in the address that is not a UUID. `errors` names the fields.", None),
        "Unauthorized": problem("Not signed in: the access token is missing, invalid or expired, or its session ended.", Some(json!({"WWW-Authenticate": {"$ref": "#/components/headers/WWW-Authenticate"}}))),
        "Forbidden": problem("Not allowed: the caller's role does not permit this, or the practice requires staff to sign in with a second factor and the caller has not set one up (code `mfa_enrolment_required`).", None),
        "Conflict": problem("The request conflicts with the current state; or a request with the same `Idempotency-Key` is still being worked on (retry it in a moment).", None),
        "NotFound": problem("Nothing here the caller may see (missing and forbidden are never told apart).", None),
        "PayloadTooLarge": problem("The body is larger than 2 MiB.", None),
        "UnsupportedMediaType": problem("The body is not `application/json`.", None),
        "ValidationFailed": problem("Some values are not acceptable: `errors` names each field and what is wrong.", None),
        "ServiceUnavailable": problem("The database or file storage does not answer, or the server is busy; nothing was done. Retry after `Retry-After` seconds.", Some(retry_after)),
        "Internal": problem("Something went wrong on the server; it has been logged.", None),
    });
}

fn complete_operation(path: &str, method: &str, operation: &mut Value) {
    let public = operation.get("security").is_none();
    if public {
        operation["security"] = json!([]);
    }
    // Operations an API key may call say so, with the scope it needs.
    let uses_bearer = operation["security"]
        .as_array()
        .is_some_and(|schemes| schemes.iter().any(|s| s.get("bearer").is_some()));
    if uses_bearer {
        match key_scopes::needs(&method.to_uppercase(), path) {
            Needs::Scope(scope) => {
                operation["security"] = json!([{"bearer": []}, {"api_key": [scope.as_str()]}]);
            }
            Needs::Nothing => {
                operation["security"] = json!([{"bearer": []}, {"api_key": []}]);
            }
            Needs::NotForKeys => {}
        }
    }
    let has_json_body = operation
        .pointer("/requestBody/content/application~1json")
        .is_some();
    let mut idempotent = false;
    let parameters: Vec<String> = operation["parameters"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|p| p["in"].as_str().map(str::to_owned))
        .collect();
    // Creating POSTs take an Idempotency-Key.
    if crate::idempotency::applies_to(&actix_web::http::Method::POST, path) && method == "post" {
        let parameter = json!({
            "name": crate::idempotency::HEADER,
            "in": "header",
            "required": false,
            "description": "Makes a retry safe: the same key with the same request within 24 hours answers the first answer again (with `Idempotent-Replayed: true`) without doing the work twice. The same key with a different request is a 422; while the first is still being worked on, a 409. Keys are per person; a UUID is a good key.",
            "schema": {"type": "string", "minLength": 1, "maxLength": crate::idempotency::MAX_KEY_LEN, "pattern": "^[!-~]+$"}
        });
        match operation["parameters"].as_array_mut() {
            Some(list) => list.push(parameter),
            None => operation["parameters"] = json!([parameter]),
        }
        idempotent = true;
    }
    let has_query = parameters.iter().any(|place| place == "query");
    let has_path = parameters.iter().any(|place| place == "path");
    let responses = operation["responses"]
        .as_object_mut()
        .map(std::mem::take)
        .unwrap_or_default();
    let mut responses: Map<String, Value> = responses;
    let mut add = |status: &str, name: &str| {
        responses
            .entry(status.to_owned())
            .or_insert_with(|| json!({"$ref": format!("#/components/responses/{name}")}));
    };
    if has_json_body || has_query || has_path {
        add("400", "BadRequest");
    }
    if !public {
        add("401", "Unauthorized");
    }
    // A staff member who must set up a second factor first reaches only their own account.
    if !public && !path.starts_with("/api/v1/me") {
        add("403", "Forbidden");
    }
    if has_path {
        add("404", "NotFound");
    }
    if idempotent {
        add("409", "Conflict");
        add("422", "ValidationFailed");
    }
    if has_json_body {
        add("413", "PayloadTooLarge");
        add("415", "UnsupportedMediaType");
    }
    if has_json_body || has_query {
        add("422", "ValidationFailed");
    }
    // Liveness answers without the database; readiness reports its own 503.
    if path != "/healthz" {
        add("503", "ServiceUnavailable");
    }
    add("500", "Internal");
    for (status, header) in [
        ("429", "Retry-After"),
        ("503", "Retry-After"),
        ("401", "WWW-Authenticate"),
    ] {
        if let Some(response) = responses.get_mut(status)
            && response.get("$ref").is_none()
            && response
                .get("content")
                .is_some_and(|c| c.get("application/problem+json").is_some())
        {
            response["headers"][header] = json!({"$ref": format!("#/components/headers/{header}")});
        }
    }
    operation["responses"] = Value::Object(responses);
}

/// Tightens every schema a request body can hold (following `$ref`s into the components once
/// each): see the module's comment.
fn tighten_request(json: &mut Value, schema: &Value, seen: &mut Vec<String>) {
    if let Some(reference) = schema["$ref"].as_str() {
        if seen.iter().any(|s| s == reference) {
            return;
        }
        seen.push(reference.to_owned());
        let pointer = reference.trim_start_matches('#').to_owned();
        let Some(target) = json.pointer(&pointer).cloned() else {
            return;
        };
        tighten_request(json, &target, seen);
        if let Some(target) = json.pointer_mut(&pointer) {
            tighten(target);
        }
        return;
    }
    for key in ["oneOf", "anyOf", "allOf"] {
        for variant in schema[key].as_array().into_iter().flatten() {
            tighten_request(json, variant, seen);
        }
    }
    for (_, property) in schema["properties"].as_object().into_iter().flatten() {
        tighten_request(json, property, seen);
    }
    if let Some(items) = schema.get("items") {
        tighten_request(json, items, seen);
    }
}

/// Tightens one schema defined in place, with its properties, items and variants.
fn tighten(schema: &mut Value) {
    let types: Vec<String> = match &schema["type"] {
        Value::String(kind) => vec![kind.clone()],
        Value::Array(kinds) => kinds
            .iter()
            .filter_map(|k| k.as_str().map(str::to_owned))
            .collect(),
        _ => Vec::new(),
    };
    let is = |kind: &str| types.iter().any(|t| t == kind);
    if is("object") && schema.get("additionalProperties").is_none() {
        schema["additionalProperties"] = Value::Bool(false);
    }
    if is("string") && schema.get("format").is_none() && schema.get("enum").is_none() {
        let pattern = if schema["pattern"] == "\\S" {
            NON_BLANK_TEXT_PATTERN
        } else {
            TEXT_PATTERN
        };
        schema["pattern"] = Value::from(pattern);
    }
    if is("array") && schema["items"]["format"] == "uuid" {
        schema["uniqueItems"] = Value::Bool(true);
    }
    // `get_mut`, not indexing: indexing a JSON object mutably inserts a null for a missing key.
    for key in ["oneOf", "anyOf"] {
        if let Some(variants) = schema.get_mut(key).and_then(Value::as_array_mut) {
            variants.iter_mut().for_each(tighten);
        }
    }
    if let Some(properties) = schema.get_mut("properties").and_then(Value::as_object_mut) {
        for property in properties.values_mut() {
            tighten(property);
        }
    }
    if let Some(items) = schema.get_mut("items") {
        tighten(items);
    }
}
