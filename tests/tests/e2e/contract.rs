//! The API contract held against hostile input (R-CONTRACT, R-NO-VALUES-IN-LOGS): control
//! characters, JSON of the wrong shape, wrong methods, `HEAD`, malformed ids; the document's
//! own promises (limits as schema keywords, resolvable references, declared security); and
//! logs that name fields, never values.

use confidant_openapi::attachments::MAX_ATTACHMENTS_PER_MESSAGE;
use confidant_openapi::conversations::{MAX_BODY_CHARS, MAX_SUBJECT_CHARS};
use confidant_openapi::{PROBLEM_JSON, Problem, ProblemCode};
use confidant_tests::binary::ServerProcess;
use confidant_tests::{TestApp, spawn_app};
use diesel_async::RunQueryDsl;
use reqwest::Method;
use serde_json::{Value, json};

async fn problem(response: reqwest::Response) -> (u16, Problem) {
    let status = response.status().as_u16();
    assert_eq!(
        response.headers()["content-type"],
        PROBLEM_JSON,
        "status {status}"
    );
    (status, response.json().await.expect("a problem"))
}

async fn count(app: &TestApp, table: &str) -> i64 {
    #[derive(diesel::QueryableByName)]
    struct Count {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let mut conn = app.database.connect().await;
    diesel::sql_query(format!("SELECT count(*) AS n FROM {table}"))
        .get_result::<Count>(&mut conn)
        .await
        .expect("a count")
        .n
}

#[tokio::test]
async fn nul_and_control_characters_are_422_naming_the_field_and_never_stored() {
    // They were a 500 (PostgreSQL refuses NUL in text), even unauthenticated at sign-in.
    let app = spawn_app().await;
    let w = app.staffed_practice("Control Clinic").await;
    let (status, refused) = problem(app.login("jane\u{0}@example.com", "password").await).await;
    assert_eq!(status, 422);
    assert!(refused.errors.expect("errors").contains_key("email"));

    let conversations = count(&app, "conversations").await;
    let people = count(&app, "people").await;
    for (path, body, field) in [
        (
            "/api/v1/conversations",
            json!({"recipients": [{"type": "person", "id": w.client.person.id}], "subject": "Hi\u{0}", "body": "Body"}),
            "subject",
        ),
        (
            "/api/v1/conversations",
            json!({"recipients": [{"type": "person", "id": w.client.person.id}], "subject": "Hi", "body": "a\u{1b}[31mred"}),
            "body",
        ),
        (
            "/api/v1/people",
            json!({"kind": "client", "name": "Nul\u{0}Name", "email": "nul@controlclinic.test"}),
            "name",
        ),
    ] {
        let (status, refused) = problem(
            app.send_as(Method::POST, &w.owner.token, path, Some(body))
                .await,
        )
        .await;
        assert_eq!(status, 422, "{path} {field}");
        assert!(
            refused.errors.expect("errors").contains_key(field),
            "{path} {field}"
        );
    }
    assert_eq!(count(&app, "conversations").await, conversations);
    assert_eq!(count(&app, "people").await, people);

    for path in ["/api/v1/people?q=a%00b", "/api/v1/recipients?q=%07bell"] {
        let (status, refused) = problem(app.get_as(&w.owner.token, path).await).await;
        assert_eq!(status, 422, "{path}");
        assert!(refused.errors.expect("errors").contains_key("q"), "{path}");
    }
    // Line breaks and tabs are text like any other.
    let response = app
        .send_as(
            Method::POST,
            &w.owner.token,
            "/api/v1/conversations",
            Some(json!({"recipients": [{"type": "person", "id": w.client.person.id}], "subject": "Plan", "body": "Line one\r\n\tLine two"})),
        )
        .await;
    assert_eq!(response.status(), 201);
}

#[tokio::test]
async fn json_of_the_wrong_shape_is_refused_on_every_route() {
    // Arrays were accepted for objects (serde reads a struct from a sequence), and logout and
    // refresh answered 204 to malformed JSON.
    let app = spawn_app().await;
    let w = app.staffed_practice("Shape Clinic").await;
    let person = format!("/api/v1/people/{}", w.client.person.id);
    for (method, path, token) in [
        (Method::POST, "/api/v1/auth/login", None),
        (Method::PATCH, person.as_str(), Some(&w.owner.token)),
        (Method::PATCH, "/api/v1/practice", Some(&w.owner.token)),
        (Method::POST, "/api/v1/conversations", Some(&w.owner.token)),
        (Method::POST, "/api/v1/auth/refresh", None),
        (Method::POST, "/api/v1/auth/logout", None),
    ] {
        for body in [
            json!(["olive@riverbend.example", "demo-password-2026"]),
            json!("a string"),
            json!(42),
        ] {
            let mut request = app
                .client
                .request(method.clone(), app.url(path))
                .json(&body);
            if let Some(token) = token {
                request = request.bearer_auth(token);
            }
            let response = request.send().await.expect("an answer");
            let (status, refused) = problem(response).await;
            assert_eq!(status, 400, "{method} {path} {body}");
            assert_eq!(refused.code, ProblemCode::BadRequest);
        }
        let mut request = app
            .client
            .request(method.clone(), app.url(path))
            .header("content-type", "application/json")
            .body("{\"refresh_token\": ");
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let (status, refused) = problem(request.send().await.expect("an answer")).await;
        assert_eq!(status, 400, "{method} {path}: malformed JSON");
        assert!(
            refused
                .detail
                .unwrap_or_default()
                .contains("not valid JSON")
        );
    }
    // Wrong types inside an object name the field.
    let (status, refused) = problem(
        app.send_as(
            Method::PATCH,
            &w.owner.token,
            &person,
            Some(json!({"name": 7, "provider_ids": "all"})),
        )
        .await,
    )
    .await;
    assert_eq!(status, 400);
    let errors = refused.errors.expect("errors");
    assert!(
        errors.contains_key("name") && errors.contains_key("provider_ids"),
        "{errors:?}"
    );
    // A recipient with a field its type does not have.
    let (status, _) = problem(
        app.send_as(
            Method::POST,
            &w.owner.token,
            "/api/v1/conversations",
            Some(json!({"recipients": [{"type": "all_staff", "id": w.client.person.id}], "subject": "s", "body": "b"})),
        )
        .await,
    )
    .await;
    assert_eq!(status, 400);
    // A body that is not JSON at all is a 415.
    let response = app
        .client
        .post(app.url("/api/v1/auth/login"))
        .header("content-type", "text/plain")
        .body("email=a&password=b")
        .send()
        .await
        .expect("an answer");
    assert_eq!(problem(response).await.0, 415);
}

#[tokio::test]
async fn head_works_wherever_get_does() {
    let app = spawn_app().await;
    let w = app.staffed_practice("Head Clinic").await;
    for (path, token) in [
        ("/healthz", None),
        ("/api/v1/me", Some(&w.owner.token)),
        ("/api/v1/conversations", Some(&w.owner.token)),
        ("/api-docs/openapi.json", None),
    ] {
        let mut get = app.client.get(app.url(path));
        let mut head = app.client.head(app.url(path));
        if let Some(token) = token {
            get = get.bearer_auth(token);
            head = head.bearer_auth(token);
        }
        let get = get.send().await.expect("GET");
        let head = head.send().await.expect("HEAD");
        assert_eq!(head.status(), get.status(), "{path}");
        assert_eq!(
            head.headers().get("content-length"),
            get.headers().get("content-length"),
            "{path}"
        );
        assert_eq!(
            head.headers().get("content-type"),
            get.headers().get("content-type")
        );
        assert!(head.bytes().await.expect("no body").is_empty(), "{path}");
    }
    let unauthorized = app
        .client
        .head(app.url("/api/v1/me"))
        .send()
        .await
        .expect("HEAD");
    assert_eq!(unauthorized.status(), 401);
}

#[tokio::test]
async fn malformed_ids_in_the_address_are_400_naming_the_parameter() {
    let app = spawn_app().await;
    let w = app.staffed_practice("Id Clinic").await;
    for path in [
        "/api/v1/people/not-a-uuid",
        "/api/v1/conversations/12345/messages/also-not",
        "/api/v1/attachments/%00",
    ] {
        let (status, refused) = problem(app.get_as(&w.owner.token, path).await).await;
        // One of the two documented answers for an address that names nothing real.
        assert!(
            status == 400 || status == 404 || status == 405,
            "{path}: {status}"
        );
        if status == 400 {
            assert!(refused.errors.is_some(), "{path}");
        }
    }
    let (status, refused) = problem(
        app.get_as(&w.owner.token, "/api/v1/people/not-a-uuid")
            .await,
    )
    .await;
    assert_eq!(status, 400);
    assert!(refused.errors.expect("errors").contains_key("id"));
}

#[tokio::test]
async fn logs_name_fields_and_codes_never_what_was_sent() {
    // serde's message (`invalid type: string "…", expected …`) reached the request's log line.
    let app = spawn_app().await;
    let server = ServerProcess::start_logging(
        &app,
        &[("CONFIDANT_WORKERS", "0"), ("CONFIDANT_LOG_FORMAT", "json")],
    )
    .await;
    let marker = "jane.secret.marker@example.com";
    let client = reqwest::Client::new();
    let bodies = [
        json!({"email": marker, "password": 5}),
        json!({"email": format!("{marker}\u{0}"), "password": "x"}),
        json!({"email": [marker], "password": "x"}),
        json!({"email": "a@b.c", "password": "x", marker: true}),
        json!([marker]),
    ];
    for body in &bodies {
        let response = client
            .post(server.url("/api/v1/auth/login"))
            .json(body)
            .send()
            .await
            .expect("an answer");
        assert!(response.status().is_client_error(), "{body}");
    }
    let response = client
        .post(server.url("/api/v1/auth/login"))
        .header("content-type", "application/json")
        .body(format!("{{\"email\": \"{marker}\", "))
        .send()
        .await
        .expect("an answer");
    assert_eq!(response.status(), 400);
    let response = client
        .get(server.url(&format!("/api/v1/people?q={marker}%00")))
        .send()
        .await
        .expect("an answer");
    assert_eq!(response.status(), 401);
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    let log = server.log();
    assert!(
        log.contains("/api/v1/auth/login"),
        "the requests were logged: {log}"
    );
    assert!(
        !log.contains("jane.secret"),
        "a request value reached the log:\n{log}"
    );
    assert!(
        !log.contains("example.com"),
        "a request value reached the log:\n{log}"
    );
}

/// The served document, with a `resolve` helper for `$ref`s.
struct Document(Value);

impl Document {
    async fn load(app: &TestApp) -> Self {
        Self(
            app.get("/api-docs/openapi.json")
                .await
                .json()
                .await
                .expect("the document"),
        )
    }

    fn schema(&self, name: &str) -> &Value {
        &self.0["components"]["schemas"][name]
    }

    fn resolve<'a>(&'a self, value: &'a Value) -> &'a Value {
        match value["$ref"].as_str() {
            Some(reference) => self
                .0
                .pointer(reference.trim_start_matches('#'))
                .unwrap_or_else(|| panic!("{reference} does not resolve")),
            None => value,
        }
    }
}

fn every_ref(value: &Value, found: &mut Vec<String>) {
    match value {
        Value::Object(object) => {
            if let Some(Value::String(reference)) = object.get("$ref") {
                found.push(reference.clone());
            }
            object.values().for_each(|v| every_ref(v, found));
        }
        Value::Array(items) => items.iter().for_each(|v| every_ref(v, found)),
        _ => {}
    }
}

#[tokio::test]
async fn the_document_states_its_limits_references_security_and_errors() {
    let app = spawn_app().await;
    let doc = Document::load(&app).await;
    // Every reference resolves (`Folder` did not).
    let mut refs = Vec::new();
    every_ref(&doc.0, &mut refs);
    assert!(refs.iter().any(|r| r.ends_with("/Folder")));
    for reference in &refs {
        doc.resolve(&json!({ "$ref": reference }));
    }
    assert_eq!(doc.0["servers"][0]["url"], "/");
    // Limits as schema keywords, equal to the server's constants.
    let login = doc.schema("LoginRequest");
    assert_eq!(login["properties"]["email"]["maxLength"], 254);
    let conversation = doc.schema("CreateConversationRequest");
    assert_eq!(
        conversation["properties"]["subject"]["maxLength"],
        MAX_SUBJECT_CHARS
    );
    assert_eq!(
        conversation["properties"]["body"]["maxLength"],
        MAX_BODY_CHARS
    );
    assert_eq!(
        conversation["properties"]["attachment_ids"]["maxItems"],
        MAX_ATTACHMENTS_PER_MESSAGE
    );
    assert_eq!(
        doc.schema("CreatePersonRequest")["properties"]["email"]["format"],
        "email"
    );
    for variant in doc.schema("RecipientRef")["oneOf"]
        .as_array()
        .expect("variants")
    {
        assert_eq!(variant["additionalProperties"], false, "{variant}");
    }
    let list = &doc.0["paths"]["/api/v1/conversations"]["get"]["parameters"];
    let limit = list
        .as_array()
        .expect("parameters")
        .iter()
        .find(|p| p["name"] == "limit")
        .expect("limit");
    assert_eq!(limit["schema"]["minimum"], 1);
    assert_eq!(limit["schema"]["maximum"], 100);
    // Every operation says how it is secured, has an example body, and documents its errors.
    for (path, item) in doc.0["paths"].as_object().expect("paths") {
        for (method, operation) in item.as_object().expect("operations") {
            let what = format!("{method} {path}");
            let security = operation["security"].as_array().expect(&what);
            let responses = &operation["responses"];
            assert!(responses["500"].is_object(), "{what}");
            if !security.is_empty() {
                let unauthorized = doc.resolve(&responses["401"]);
                assert!(
                    unauthorized["headers"]["WWW-Authenticate"].is_object(),
                    "{what}"
                );
            }
            for status in ["429", "503"] {
                if responses[status].is_object() && path != "/readyz" {
                    let response = doc.resolve(&responses[status]);
                    assert!(
                        response["headers"]["Retry-After"].is_object(),
                        "{what} {status}"
                    );
                }
            }
            if let Some(body) = operation.pointer("/requestBody/content/application~1json/schema") {
                let body = doc.resolve(body);
                let schema = match body["oneOf"].as_array() {
                    Some(variants) => doc.resolve(&variants[0]),
                    None => body,
                };
                assert!(schema["example"].is_object(), "{what} has no example");
                for status in ["400", "413", "415", "422"] {
                    assert!(responses[status].is_object(), "{what} {status}");
                }
            }
        }
    }
    // A download is a binary body in each of the allowed types.
    let download =
        &doc.0["paths"]["/api/v1/attachments/{id}"]["get"]["responses"]["200"]["content"];
    for media in ["application/pdf", "image/png", "text/plain"] {
        assert_eq!(
            doc.resolve(&download[media]["schema"])["format"],
            "binary",
            "{media}"
        );
    }
    // Problem types point at the catalogue, which has an entry for every code.
    let catalogue = app.get("/docs/errors").await.text().await.expect("page");
    for code in ProblemCode::ALL {
        assert!(
            catalogue.contains(&format!("id=\"{}\"", code.as_str())),
            "{code:?}"
        );
    }
    let (_, not_found) = problem(app.get("/api/v1/nothing").await).await;
    assert_eq!(not_found.kind, "/docs/errors#not_found");
    // Summaries say what a route does, without the spec's rule ids.
    let text = doc.0["paths"].to_string();
    assert!(
        !text.contains("(R-"),
        "a rule id in a summary or description"
    );
}
