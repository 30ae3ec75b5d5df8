//! What every operation of the document shares, declared once here instead of on every
//! handler: the error answers each kind of route can give (with their headers), which routes
//! need no sign-in, and that request bodies accept no unknown fields.
//!
//! - Secured routes can answer 401 (with `WWW-Authenticate`); routes that take none say
//!   `security: []`, and the document's default is the bearer token.
//! - A JSON body can be malformed (400), too large (413), not JSON (415) or invalid (422);
//!   a query string malformed (400) or invalid (422); an id in the address malformed (400).
//! - Every route can answer 500, and every route that reaches the database 503 with
//!   `Retry-After`; a 429 a route declares carries `Retry-After`.
//!
//! Handlers declare only what is particular to them (their success, 403, 404, 409, …). Where a
//! handler declares a status this adds too, the handler's words win.

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
            for operation in item.as_object_mut().into_iter().flatten().map(|(_, op)| op) {
                complete_operation(path, operation);
                if let Some(schema) =
                    operation.pointer("/requestBody/content/application~1json/schema")
                {
                    request_schemas.push(schema.clone());
                }
            }
        }
    }
    json["security"] = json!([{"bearer": []}]);
    for schema in &request_schemas {
        close_objects(&mut json, schema, &mut Vec::new());
    }
    serde_json::from_value(json).unwrap_or(document)
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
        },
        "Allow": {
            "description": "The methods the address takes.",
            "schema": {"type": "string"}
        }
    });
    components["responses"] = json!({
        "BadRequest": problem("The request is not well-formed: JSON that does not parse, a wrong type, an unknown field, an id in the address that is not a UUID. `errors` names the fields.", None),
        "Unauthorized": problem("Not signed in: the access token is missing, invalid or expired, or its session ended.", Some(json!({"WWW-Authenticate": {"$ref": "#/components/headers/WWW-Authenticate"}}))),
        "NotFound": problem("Nothing here the caller may see (missing and forbidden are never told apart).", None),
        "PayloadTooLarge": problem("The body is larger than 256 KiB.", None),
        "UnsupportedMediaType": problem("The body is not `application/json`.", None),
        "ValidationFailed": problem("Some values are not acceptable: `errors` names each field and what is wrong.", None),
        "ServiceUnavailable": problem("The database does not answer or the server is busy; nothing was done. Retry after `Retry-After` seconds.", Some(retry_after)),
        "Internal": problem("Something went wrong on the server; it has been logged.", None),
    });
}

fn complete_operation(path: &str, operation: &mut Value) {
    let public = operation.get("security").is_none();
    if public {
        operation["security"] = json!([]);
    }
    let has_json_body = operation
        .pointer("/requestBody/content/application~1json")
        .is_some();
    let parameters: Vec<String> = operation["parameters"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|p| p["in"].as_str().map(str::to_owned))
        .collect();
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
    if has_path {
        add("404", "NotFound");
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

/// Marks every object schema a request body can hold as accepting no other fields: request
/// types refuse unknown fields, and variants of a tagged union (a recipient) are objects of
/// their own that the generator leaves open.
fn close_objects(json: &mut Value, schema: &Value, seen: &mut Vec<String>) {
    if let Some(reference) = schema["$ref"].as_str() {
        if seen.iter().any(|s| s == reference) {
            return;
        }
        seen.push(reference.to_owned());
        let pointer = reference.trim_start_matches('#').to_owned();
        let Some(target) = json.pointer(&pointer).cloned() else {
            return;
        };
        close_objects(json, &target, seen);
        if let Some(target) = json.pointer_mut(&pointer) {
            close(target);
        }
        return;
    }
    for key in ["oneOf", "anyOf", "allOf"] {
        for variant in schema[key].as_array().into_iter().flatten() {
            close_objects(json, variant, seen);
        }
    }
    for property in schema["properties"].as_object().into_iter().flatten() {
        close_objects(json, property.1, seen);
    }
    if let Some(items) = schema.get("items") {
        close_objects(json, items, seen);
    }
}

/// `additionalProperties: false` on an object schema (and on the object variants of a union
/// defined in place) that does not say otherwise.
fn close(schema: &mut Value) {
    if schema["type"] == "object" && schema.get("additionalProperties").is_none() {
        schema["additionalProperties"] = Value::Bool(false);
    }
    for key in ["oneOf", "anyOf"] {
        if let Some(variants) = schema[key].as_array_mut() {
            for variant in variants {
                close(variant);
            }
        }
    }
}
