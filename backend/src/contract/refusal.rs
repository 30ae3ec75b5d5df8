//! Why a request was refused, in words that name fields and limits but never repeat what was
//! sent: the words go to the caller and, through the error's log line, to the logs.
//!
//! A request of the wrong shape (wrong type, unknown field, an array for an object, not one
//! of the accepted variants) is a 400; a request of the right shape with a value out of
//! bounds (missing, too long, too many, not an email, not one of the allowed values, a control
//! character) is a 422. Both list the failing fields.

use std::collections::BTreeMap;

use jsonschema::error::{TypeKind, ValidationErrorKind};
use serde_json::Value;

/// A refused request: whether it was malformed (400) or invalid (422), and per field what
/// is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    /// True for a wrong shape (400), false for a value out of bounds (422).
    pub malformed: bool,
    /// Field (dotted path, `body` for the whole) → what is wrong with it.
    pub fields: BTreeMap<String, Vec<String>>,
}

impl Refusal {
    /// A 400 for `field`.
    pub fn bad_request(field: &str, message: &str) -> Self {
        Self {
            malformed: true,
            fields: BTreeMap::from([(field.to_owned(), vec![message.to_owned()])]),
        }
    }

    fn add(&mut self, field: String, message: String, malformed: bool) {
        self.malformed |= malformed;
        let messages = self.fields.entry(field).or_default();
        if !messages.contains(&message) {
            messages.push(message);
        }
    }
}

/// Checks `instance` against `validator`, and refuses any string with a control character
/// (PostgreSQL cannot store NUL, and the others have no place in what people type).
pub fn check(validator: &jsonschema::Validator, instance: &Value) -> Result<(), Refusal> {
    let mut refusal = Refusal {
        malformed: false,
        fields: BTreeMap::new(),
    };
    for error in validator.iter_errors(instance) {
        // Text with a control character fails its pattern too; the scan below says so in
        // better words.
        if matches!(error.kind(), ValidationErrorKind::Pattern { .. })
            && error
                .instance()
                .as_str()
                .is_some_and(|text| text.chars().any(is_forbidden))
        {
            continue;
        }
        let field = field_name(&error.instance_path().to_string());
        let (message, malformed) = describe(error.kind(), &field);
        let field = match error.kind() {
            // A missing field is named by itself, not by the object that lacks it.
            ValidationErrorKind::Required { property } => property
                .as_str()
                .map(|property| join(&field, property))
                .unwrap_or(field),
            _ => field,
        };
        refusal.add(field, message, malformed);
    }
    control_characters(instance, String::new(), &mut refusal);
    if refusal.fields.is_empty() {
        Ok(())
    } else {
        Err(refusal)
    }
}

/// `/recipients/0/id` → `recipients.0.id`; the root is `body`.
fn field_name(pointer: &str) -> String {
    let path: Vec<String> = pointer
        .split('/')
        .skip(1)
        .map(|segment| segment.replace("~1", "/").replace("~0", "~"))
        .collect();
    if path.is_empty() {
        "body".to_owned()
    } else {
        path.join(".")
    }
}

fn join(parent: &str, child: &str) -> String {
    if parent == "body" {
        child.to_owned()
    } else {
        format!("{parent}.{child}")
    }
}

/// What is wrong, and whether it is a matter of shape (400) rather than value (422).
fn describe(kind: &ValidationErrorKind, field: &str) -> (String, bool) {
    use ValidationErrorKind as Kind;
    match kind {
        Kind::Type { kind } => (format!("Must be {}.", type_words(kind)), true),
        Kind::AdditionalProperties { unexpected } => {
            let names: Vec<String> = unexpected.iter().map(|n| format!("`{n}`")).collect();
            let list = names.join(", ");
            if field == "body" {
                (format!("Unknown field {list}: leave it out."), true)
            } else {
                (format!("Has the unknown field {list}: leave it out."), true)
            }
        }
        Kind::OneOfNotValid { .. } | Kind::AnyOf { .. } | Kind::OneOfMultipleValid { .. } => (
            "Does not match any of the accepted forms (see the API documentation).".into(),
            true,
        ),
        Kind::FalseSchema => ("Is not accepted here.".into(), true),
        Kind::Required { .. } => ("Is required.".into(), false),
        Kind::MinLength { limit } if *limit == 1 => ("Must not be empty.".into(), false),
        Kind::MinLength { limit } => (format!("Use at least {limit} characters."), false),
        Kind::MaxLength { limit } => (format!("Use at most {limit} characters."), false),
        Kind::MinItems { limit } if *limit == 1 => ("Give at least one.".into(), false),
        Kind::MinItems { limit } => (format!("Give at least {limit}."), false),
        Kind::MaxItems { limit } => (format!("Give at most {limit}."), false),
        Kind::Minimum { limit } => (format!("Must be at least {limit}."), false),
        Kind::Maximum { limit } => (format!("Must be at most {limit}."), false),
        Kind::ExclusiveMinimum { limit } => (format!("Must be more than {limit}."), false),
        Kind::ExclusiveMaximum { limit } => (format!("Must be less than {limit}."), false),
        Kind::Format { format } => (format_words(format), false),
        Kind::Enum { options } => (
            format!("Must be one of: {}.", options_words(options)),
            false,
        ),
        Kind::Constant { expected_value } => (
            format!(
                "Must be {}.",
                options_words(&Value::Array(vec![(**expected_value).clone()]))
            ),
            false,
        ),
        Kind::Pattern { pattern } if pattern == confidant_openapi::NON_BLANK_TEXT_PATTERN => {
            ("Must not be blank.".into(), false)
        }
        Kind::Pattern { .. } => ("Is not in the expected form.".into(), false),
        Kind::UniqueItems => ("Must not list the same value twice.".into(), false),
        _ => ("Is not valid here.".into(), false),
    }
}

fn type_words(kind: &TypeKind) -> String {
    let word = |name: &str| match name {
        "object" => "an object".to_owned(),
        "array" => "an array".to_owned(),
        "string" => "a string".to_owned(),
        "integer" => "a whole number".to_owned(),
        "number" => "a number".to_owned(),
        "boolean" => "true or false".to_owned(),
        "null" => "null".to_owned(),
        other => other.to_owned(),
    };
    match kind {
        TypeKind::Single(single) => word(single.as_str()),
        TypeKind::Multiple(set) => {
            let words: Vec<String> = set.iter().map(|t| word(t.as_str())).collect();
            words.join(" or ")
        }
    }
}

fn format_words(format: &str) -> String {
    match format {
        "email" => "Must be an email address.".into(),
        "uuid" => "Must be an id (a UUID).".into(),
        "date-time" => "Must be a time in RFC 3339 form.".into(),
        other => format!("Must be in `{other}` form."),
    }
}

/// The allowed values of an enum: from the schema, never from the request.
fn options_words(options: &Value) -> String {
    let words: Vec<String> = options
        .as_array()
        .into_iter()
        .flatten()
        .map(|option| match option {
            Value::String(text) => format!("`{text}`"),
            other => other.to_string(),
        })
        .collect();
    words.join(", ")
}

/// True for characters no text field accepts: C0 controls but tab, line feed and carriage
/// return, and DEL.
fn is_forbidden(c: char) -> bool {
    (c.is_ascii_control() && !matches!(c, '\t' | '\n' | '\r')) || c == '\u{7f}'
}

fn control_characters(value: &Value, path: String, refusal: &mut Refusal) {
    let field = |path: &str| {
        if path.is_empty() {
            "body".to_owned()
        } else {
            path.to_owned()
        }
    };
    match value {
        Value::String(text) if text.chars().any(is_forbidden) => refusal.add(
            field(&path),
            "Contains a control character (such as NUL); remove it.".into(),
            false,
        ),
        Value::Array(items) => {
            for (index, item) in items.iter().enumerate() {
                control_characters(item, join(&field(&path), &index.to_string()), refusal);
            }
        }
        Value::Object(object) => {
            for (key, item) in object {
                if key.chars().any(is_forbidden) {
                    refusal.add(
                        field(&path),
                        "Has a field name with a control character.".into(),
                        true,
                    );
                    continue;
                }
                control_characters(item, join(&field(&path), key), refusal);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn validator(schema: Value) -> jsonschema::Validator {
        jsonschema::options()
            .should_validate_formats(true)
            .build(&schema)
            .expect("a schema")
    }

    fn login() -> jsonschema::Validator {
        validator(json!({
            "type": "object",
            "required": ["email", "password"],
            "properties": {
                "email": {"type": "string", "minLength": 1, "maxLength": 254},
                "password": {"type": "string", "minLength": 1},
                "ids": {"type": "array", "maxItems": 2, "items": {"type": "string", "format": "uuid"}},
                "kind": {"type": "string", "enum": ["staff", "client"]}
            },
            "additionalProperties": false
        }))
    }

    #[test]
    fn a_wrong_shape_is_malformed_and_names_the_field_not_the_value() {
        let refused =
            check(&login(), &json!(["secret@example.com", "hunter2"])).expect_err("an array");
        assert!(refused.malformed);
        assert_eq!(refused.fields["body"], ["Must be an object."]);
        let refused = check(
            &login(),
            &json!({"email": 42, "password": "hunter2-secret", "role": "owner"}),
        )
        .expect_err("wrong types");
        assert!(refused.malformed);
        assert_eq!(refused.fields["email"], ["Must be a string."]);
        assert!(refused.fields["body"][0].contains("`role`"));
        let everything = format!("{refused:?}");
        assert!(!everything.contains("hunter2"), "{everything}");
    }

    #[test]
    fn values_out_of_bounds_are_invalid_and_name_their_limit() {
        let long = "x".repeat(300);
        let refused = check(
            &login(),
            &json!({"email": long, "password": "", "ids": ["nope", "x", "y"], "kind": "admin"}),
        )
        .expect_err("invalid");
        assert!(!refused.malformed);
        assert_eq!(refused.fields["email"], ["Use at most 254 characters."]);
        assert_eq!(refused.fields["password"], ["Must not be empty."]);
        assert_eq!(refused.fields["ids"], ["Give at most 2."]);
        assert_eq!(refused.fields["ids.0"], ["Must be an id (a UUID)."]);
        assert_eq!(
            refused.fields["kind"],
            ["Must be one of: `staff`, `client`."]
        );
        let everything = format!("{refused:?}");
        assert!(
            !everything.contains("nope") && !everything.contains("admin"),
            "{everything}"
        );
        let refused = check(&login(), &json!({"email": "a@b.c"})).expect_err("missing");
        assert_eq!(refused.fields["password"], ["Is required."]);
    }

    #[test]
    fn control_characters_are_refused_wherever_they_hide() {
        let refused = check(
            &login(),
            &json!({"email": "jane\u{0}@example.com", "password": "tab\tand\nnewline ok"}),
        )
        .expect_err("NUL");
        assert!(!refused.malformed);
        assert_eq!(refused.fields.keys().collect::<Vec<_>>(), ["email"]);
        let nested = validator(json!({"type": "object"}));
        let refused = check(&nested, &json!({"a": [{"b": "x\u{1b}y"}]})).expect_err("ESC");
        assert!(refused.fields.contains_key("a.0.b"));
        assert!(check(&nested, &json!({"a": "línea\r\nnueva\ttab"})).is_ok());
    }
}
