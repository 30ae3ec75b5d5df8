//! The OpenAPI document as the contract the server holds itself to (R-CONTRACT).
//!
//! At start-up the generated document is compiled into JSON Schema validators: one per JSON
//! request body and one per set of query parameters. Every request is checked against the
//! rule the document states for its route before a handler sees it, so the document cannot
//! promise a limit the server does not keep, and a wrong shape (an array where an object
//! belongs, a wrong type, an unknown field) is refused the same way on every route. The same
//! document tells which methods a known path takes, for `405 Method Not Allowed`.
//!
//! Refusals name fields and limits, never the values sent (R-NO-VALUES-IN-LOGS): see
//! [`refusal`].

pub mod refusal;

use std::collections::HashMap;

use actix_web::dev::ResourceDef;
use actix_web::http::Method;
use serde_json::{Map, Value};
use utoipa::openapi::OpenApi;

/// The largest JSON body accepted: 2 MiB. The largest request the document allows is about
/// 1 MB (a blast naming 5,000 clients and excluding 5,000, with a 50,000-character body
/// written as `\u` escapes), so every valid request fits, and an invalid one is read and
/// refused by name rather than for its size.
pub const MAX_JSON_BYTES: usize = 2 * 1024 * 1024;

pub use refusal::Refusal;

/// What the document says about requests, compiled.
pub struct Contract {
    bodies: HashMap<(Method, String), jsonschema::Validator>,
    queries: HashMap<(Method, String), QueryRule>,
    paths: Vec<(ResourceDef, Vec<Method>)>,
}

/// The query parameters of one operation.
struct QueryRule {
    validator: jsonschema::Validator,
    /// Each parameter's JSON type (`integer`, `boolean`, …), for reading the text of a query
    /// string as JSON before it is checked.
    types: HashMap<String, &'static str>,
}

impl Contract {
    /// Compiles the rules of `document`.
    ///
    /// # Errors
    /// When a schema of the document does not compile: a mistake in the code that generates
    /// it, which every test run reveals.
    pub fn from_document(document: &OpenApi) -> anyhow::Result<Self> {
        let json = serde_json::to_value(document)?;
        let components = json
            .pointer("/components")
            .cloned()
            .unwrap_or_else(|| Value::Object(Map::new()));
        let mut bodies = HashMap::new();
        let mut queries = HashMap::new();
        let mut paths = Vec::new();
        for (path, item) in json["paths"].as_object().into_iter().flatten() {
            let mut methods = Vec::new();
            for (method, operation) in item.as_object().into_iter().flatten() {
                let Ok(method) = Method::from_bytes(method.to_uppercase().as_bytes()) else {
                    continue;
                };
                methods.push(method.clone());
                let key = (method, path.clone());
                if let Some(schema) =
                    operation.pointer("/requestBody/content/application~1json/schema")
                {
                    bodies.insert(key.clone(), compile(schema, &components)?);
                }
                if let Some(rule) = query_rule(operation, &components)? {
                    queries.insert(key, rule);
                }
            }
            if methods.contains(&Method::GET) {
                methods.push(Method::HEAD);
            }
            paths.push((ResourceDef::new(path.as_str()), methods));
        }
        Ok(Self {
            bodies,
            queries,
            paths,
        })
    }

    /// Checks a JSON request body against the schema of the route `pattern` (as actix matched
    /// it, e.g. `/api/v1/people/{id}`). Routes without a JSON body in the document pass.
    pub fn check_body(&self, method: &Method, pattern: &str, body: &Value) -> Result<(), Refusal> {
        match self.bodies.get(&(method.clone(), pattern.to_owned())) {
            Some(validator) => refusal::check(validator, body),
            None => Ok(()),
        }
    }

    /// Reads query `pairs` as the JSON object the document describes for the route `pattern`
    /// and checks it. Answers the object; routes without query parameters take none.
    pub fn check_query(
        &self,
        method: &Method,
        pattern: &str,
        pairs: &[(String, String)],
    ) -> Result<Value, Refusal> {
        let rule = self.queries.get(&(method.clone(), pattern.to_owned()));
        let mut object = Map::new();
        for (name, text) in pairs {
            if object.contains_key(name) {
                return Err(Refusal::bad_request(
                    name,
                    "Given more than once; give it at most once.",
                ));
            }
            let kind = rule.and_then(|rule| rule.types.get(name)).copied();
            object.insert(name.clone(), typed(text, kind));
        }
        let object = Value::Object(object);
        match rule {
            Some(rule) => refusal::check(&rule.validator, &object)?,
            None => {
                if let Some(name) = pairs.first().map(|(name, _)| name) {
                    return Err(Refusal::bad_request(
                        name,
                        "This address takes no query parameters.",
                    ));
                }
            }
        }
        Ok(object)
    }

    /// The methods a known `path` takes, when it is known at all (for 405 and `Allow`).
    pub fn methods_of(&self, path: &str) -> Option<&[Method]> {
        self.paths
            .iter()
            .find(|(resource, _)| resource.is_match(path))
            .map(|(_, methods)| methods.as_slice())
    }
}

/// A validator for `schema`, whose `$ref`s point into `components`.
fn compile(schema: &Value, components: &Value) -> anyhow::Result<jsonschema::Validator> {
    let mut root = match schema {
        Value::Object(object) => object.clone(),
        other => Map::from_iter([("allOf".to_owned(), Value::Array(vec![other.clone()]))]),
    };
    root.insert("components".into(), components.clone());
    jsonschema::options()
        .with_draft(jsonschema::Draft::Draft202012)
        .should_validate_formats(true)
        .build(&Value::Object(root))
        .map_err(|error| anyhow::anyhow!("a schema of the OpenAPI document: {error}"))
}

/// The query parameters of `operation` as one object schema, if it has any.
fn query_rule(operation: &Value, components: &Value) -> anyhow::Result<Option<QueryRule>> {
    let parameters: Vec<&Value> = operation["parameters"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|parameter| parameter["in"] == "query")
        .collect();
    if parameters.is_empty() {
        return Ok(None);
    }
    let mut properties = Map::new();
    let mut required = Vec::new();
    let mut types = HashMap::new();
    for parameter in parameters {
        let Some(name) = parameter["name"].as_str() else {
            continue;
        };
        let schema = parameter["schema"].clone();
        types.insert(name.to_owned(), json_type(&schema, components));
        properties.insert(name.to_owned(), schema);
        if parameter["required"] == true {
            required.push(Value::from(name));
        }
    }
    let schema = serde_json::json!({
        "type": "object",
        "properties": properties,
        "required": required,
        "additionalProperties": false,
    });
    Ok(Some(QueryRule {
        validator: compile(&schema, components)?,
        types,
    }))
}

/// The JSON type a parameter's schema asks for (following one `$ref`), `string` otherwise.
fn json_type(schema: &Value, components: &Value) -> &'static str {
    let resolved = schema["$ref"]
        .as_str()
        .and_then(|reference| reference.strip_prefix("#/components"))
        .and_then(|pointer| components.pointer(pointer))
        .unwrap_or(schema);
    let kinds: Vec<&str> = match &resolved["type"] {
        Value::String(kind) => vec![kind.as_str()],
        Value::Array(kinds) => kinds.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    };
    if kinds.contains(&"integer") {
        "integer"
    } else if kinds.contains(&"number") {
        "number"
    } else if kinds.contains(&"boolean") {
        "boolean"
    } else {
        "string"
    }
}

/// The text of a query parameter as the JSON value its type asks for; text that does not
/// read as that type stays text, for the schema to refuse by name.
fn typed(text: &str, kind: Option<&str>) -> Value {
    match kind {
        Some("integer") => text
            .parse::<i64>()
            .map(Value::from)
            .unwrap_or_else(|_| Value::from(text)),
        Some("number") => text
            .parse::<f64>()
            .ok()
            .and_then(serde_json::Number::from_f64)
            .map(Value::Number)
            .unwrap_or_else(|| Value::from(text)),
        Some("boolean") => match text {
            "true" => Value::Bool(true),
            "false" => Value::Bool(false),
            other => Value::from(other),
        },
        _ => Value::from(text),
    }
}
