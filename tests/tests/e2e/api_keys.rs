//! Personal API keys (R-KEY-SCOPE): a key does no more than its person and its scopes allow,
//! is stored only as a hash, and stops at once when revoked or its person is deactivated.

use confidant_openapi::api_keys::{ApiKeyList, CreatedApiKey};
use confidant_openapi::audit::AuditEventPage;
use confidant_openapi::{Problem, ProblemCode};
use confidant_tests::fixtures::Member;
use confidant_tests::{TestApp, spawn_app};
use diesel::QueryableByName;
use diesel_async::RunQueryDsl;
use reqwest::Method;
use serde_json::{Value, json};

async fn create_key(app: &TestApp, member: &Member, scopes: &[&str]) -> reqwest::Response {
    app.send_as(
        Method::POST,
        &member.token,
        "/api/v1/me/api-keys",
        Some(json!({"name": "EHR sync", "scopes": scopes})),
    )
    .await
}

fn new_thread(to: uuid::Uuid) -> Value {
    json!({
        "recipients": [{"type": "person", "id": to}],
        "subject": "Reminder",
        "body": "Your appointment is tomorrow.",
    })
}

#[tokio::test]
async fn a_key_does_what_its_scopes_and_its_person_allow_and_stops_when_revoked() {
    // R-KEY-SCOPE
    let app = spawn_app().await;
    let p = app.staffed_practice("Key Clinic").await;
    let created = create_key(&app, &p.provider, &["conversations:read"]).await;
    assert_eq!(created.status(), 201);
    let created: CreatedApiKey = created.json().await.expect("a key");
    let key = created.key.clone();
    assert!(key.starts_with("cfk_") && key.len() >= 4 + 43, "{key}");
    assert!(key.starts_with(&created.api_key.prefix));

    // It reads; it does not write, and says which scope is missing.
    assert_eq!(
        app.get_as(&key, "/api/v1/conversations").await.status(),
        200
    );
    assert_eq!(app.get_as(&key, "/api/v1/me").await.status(), 200);
    let write = app
        .send_as(
            Method::POST,
            &key,
            "/api/v1/conversations",
            Some(new_thread(p.client.person.id)),
        )
        .await;
    assert_eq!(write.status(), 403);
    let problem: Problem = write.json().await.expect("a problem");
    assert!(
        problem
            .detail
            .unwrap_or_default()
            .contains("conversations:write"),
        "names the scope"
    );
    assert_eq!(app.get_as(&key, "/api/v1/people").await.status(), 403);
    // Never its person's sign-in, the practice's settings or other keys.
    for (method, path, body) in [
        (Method::GET, "/api/v1/me/sessions", None),
        (
            Method::POST,
            "/api/v1/me/api-keys",
            Some(json!({"name": "more", "scopes": ["conversations:read"]})),
        ),
        (Method::GET, "/api/v1/audit-events", None),
        (Method::POST, "/api/v1/me/mfa/totp", None),
    ] {
        let response = app.send_as(method, &key, path, body).await;
        assert_eq!(response.status(), 403, "{path}");
    }

    // Intersected with its person: a provider's writing key cannot do admin work.
    let writer: CreatedApiKey = create_key(
        &app,
        &p.provider,
        &["conversations:write", "people:write", "people:read"],
    )
    .await
    .json()
    .await
    .expect("a key");
    let sent = app
        .send_as(
            Method::POST,
            &writer.key,
            "/api/v1/conversations",
            Some(new_thread(p.client.person.id)),
        )
        .await;
    assert_eq!(sent.status(), 201);
    let admin_work = app
        .send_as(
            Method::POST,
            &writer.key,
            "/api/v1/people",
            Some(json!({"kind": "client", "name": "New Client", "email": "new@keyclinic.test"})),
        )
        .await;
    assert_eq!(admin_work.status(), 403, "the provider may not add people");

    // The database holds hashes, not keys; the message the key sent is attributed to it.
    let mut conn = app.database.connect().await;
    let stored: Vec<(Vec<u8>, String)> = diesel::sql_query("SELECT key_hash, prefix FROM api_keys")
        .load::<KeyRow>(&mut conn)
        .await
        .expect("rows")
        .into_iter()
        .map(|row| (row.key_hash, row.prefix))
        .collect();
    assert_eq!(stored.len(), 2);
    for (hash, prefix) in &stored {
        assert_eq!(hash.len(), 32);
        assert_eq!(prefix.len(), 12, "only the prefix");
    }
    let dump: Vec<String> =
        diesel::sql_query("SELECT row_to_json(k)::text AS json FROM api_keys k")
            .load::<JsonRow>(&mut conn)
            .await
            .expect("rows")
            .into_iter()
            .map(|row| row.json)
            .collect();
    assert!(
        dump.iter()
            .all(|row| !row.contains(&key) && !row.contains(&writer.key))
    );
    let trail: AuditEventPage = app
        .get_as(&p.admin.token, "/api/v1/audit-events?action=message_sent")
        .await
        .json()
        .await
        .expect("the trail");
    let by_key: Vec<Option<uuid::Uuid>> =
        diesel::sql_query("SELECT api_key_id FROM audit_events WHERE action = 'message_sent'")
            .load::<KeyOfEvent>(&mut conn)
            .await
            .expect("rows")
            .into_iter()
            .map(|row| row.api_key_id)
            .collect();
    assert_eq!(trail.items.len(), 1);
    assert_eq!(by_key, vec![Some(writer.api_key.id)]);

    // Listed for its person and for admins, never for another practice or a client.
    let mine: ApiKeyList = app
        .get_as(&p.provider.token, "/api/v1/me/api-keys")
        .await
        .json()
        .await
        .expect("keys");
    assert_eq!(mine.items.len(), 2);
    let all: ApiKeyList = app
        .get_as(&p.admin.token, "/api/v1/api-keys")
        .await
        .json()
        .await
        .expect("keys");
    assert_eq!(all.items.len(), 2);
    let other = app.staffed_practice("Key Elsewhere").await;
    let path = format!("/api/v1/api-keys/{}", created.api_key.id);
    for (who, status) in [
        (&other.admin.token, 404),
        (&p.provider.token, 403),
        (&p.client.token, 403),
    ] {
        let response = app.send_as(Method::DELETE, who, &path, None).await;
        assert_eq!(response.status(), status);
    }
    assert_eq!(
        create_key(&app, &p.client, &["conversations:read"])
            .await
            .status(),
        403,
        "clients have no keys"
    );

    // Revoked by its person: refused on the next request.
    let revoke = app
        .send_as(
            Method::DELETE,
            &p.provider.token,
            &format!("/api/v1/me/api-keys/{}", created.api_key.id),
            None,
        )
        .await;
    assert_eq!(revoke.status(), 204);
    let refused = app.get_as(&key, "/api/v1/conversations").await;
    assert_eq!(refused.status(), 401);
    let problem: Problem = refused.json().await.expect("a problem");
    assert_eq!(problem.code, ProblemCode::Unauthorized);

    // Deactivating the person stops the other key too.
    assert_eq!(
        app.get_as(&writer.key, "/api/v1/people").await.status(),
        200
    );
    let off = app
        .send_as(
            Method::PATCH,
            &p.admin.token,
            &format!("/api/v1/people/{}", p.provider.person.id),
            Some(json!({"status": "deactivated"})),
        )
        .await;
    assert_eq!(off.status(), 200);
    assert_eq!(
        app.get_as(&writer.key, "/api/v1/people").await.status(),
        401
    );
}

#[tokio::test]
async fn bad_key_requests_are_named_and_store_nothing() {
    // R-KEY-SCOPE
    let app = spawn_app().await;
    let p = app.staffed_practice("Key Checks").await;
    for (body, field) in [
        (json!({"name": " ", "scopes": ["people:read"]}), "name"),
        (json!({"name": "x", "scopes": []}), "scopes"),
        (json!({"name": "x", "scopes": ["everything"]}), "scopes"),
        (
            json!({"name": "x", "scopes": ["people:read"], "expires_at": "2001-01-01T00:00:00Z"}),
            "expires_at",
        ),
    ] {
        let response = app
            .send_as(
                Method::POST,
                &p.staff.token,
                "/api/v1/me/api-keys",
                Some(body),
            )
            .await;
        assert!(
            [400, 422].contains(&response.status().as_u16()),
            "{field}: {}",
            response.status()
        );
        let problem: Problem = response.json().await.expect("a problem");
        assert!(
            problem
                .errors
                .as_ref()
                .is_some_and(|e| e.keys().any(|k| k.starts_with(field))),
            "{field}: {problem:?}"
        );
    }
    let listed: ApiKeyList = app
        .get_as(&p.staff.token, "/api/v1/me/api-keys")
        .await
        .json()
        .await
        .expect("keys");
    assert!(listed.items.is_empty());
    assert_eq!(
        app.get_as("cfk_made-up", "/api/v1/conversations")
            .await
            .status(),
        401
    );
}

#[derive(QueryableByName)]
struct KeyRow {
    #[diesel(sql_type = diesel::sql_types::Bytea)]
    key_hash: Vec<u8>,
    #[diesel(sql_type = diesel::sql_types::Text)]
    prefix: String,
}

#[derive(QueryableByName)]
struct JsonRow {
    #[diesel(sql_type = diesel::sql_types::Text)]
    json: String,
}

#[derive(QueryableByName)]
struct KeyOfEvent {
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Uuid>)]
    api_key_id: Option<uuid::Uuid>,
}
