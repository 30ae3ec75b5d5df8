//! `/api/v1/people`: who may see and change whom (R-TENANT), validation, pagination.

use confidant_openapi::people::{PeoplePage, Person, PersonKind, PersonStatus, Role};
use confidant_openapi::{Problem, ProblemCode};
use confidant_tests::{TestApp, spawn_app};
use reqwest::Method;
use serde_json::json;

/// The staffed practice's tokens and people, and a stranger from another practice.
struct World {
    app: TestApp,
    owner: String,
    admin: String,
    provider: String,
    staff: String,
    client: String,
    stranger: String,
    provider_person: Person,
    client_person: Person,
    other_client: Person,
    owner_id: uuid::Uuid,
}

async fn world() -> World {
    let app = spawn_app().await;
    let p = app.staffed_practice("Maple Health").await;
    let elsewhere = app.create_practice("Other Place").await;
    let stranger = app.sign_in(&elsewhere.owner).await.access_token;
    World {
        owner: p.owner.token,
        admin: p.admin.token,
        provider: p.provider.token,
        staff: p.staff.token,
        client: p.client.token,
        stranger,
        provider_person: p.provider.person,
        client_person: p.client.person,
        other_client: p.other_client,
        owner_id: p.owner.person.id,
        app,
    }
}

async fn problem(response: reqwest::Response) -> Problem {
    assert_eq!(
        response.headers()["content-type"],
        confidant_openapi::PROBLEM_JSON
    );
    response.json().await.expect("a problem")
}

#[tokio::test]
async fn adding_people_sets_kind_role_status_and_providers() {
    let w = world().await;
    assert_eq!(w.provider_person.role, Some(Role::Provider));
    assert_eq!(w.provider_person.status, PersonStatus::Active);
    assert_eq!(w.client_person.kind, PersonKind::Client);
    assert_eq!(w.client_person.status, PersonStatus::Active);
    assert_eq!(w.client_person.role, None);
    assert_eq!(
        w.client_person.provider_ids,
        Some(vec![w.provider_person.id])
    );
    assert!(!w.other_client.has_portal_account);
}

#[tokio::test]
async fn staff_see_people_and_clients_are_refused() {
    let w = world().await;
    for token in [&w.owner, &w.admin, &w.provider, &w.staff] {
        let page: PeoplePage = w
            .app
            .get_as(token, "/api/v1/people")
            .await
            .json()
            .await
            .expect("page");
        assert_eq!(page.items.len(), 6);
        let one = w
            .app
            .get_as(token, &format!("/api/v1/people/{}", w.client_person.id))
            .await;
        assert_eq!(one.status(), 200);
    }
    for path in [
        "/api/v1/people".to_owned(),
        format!("/api/v1/people/{}", w.provider_person.id),
    ] {
        let response = w.app.get_as(&w.client, &path).await;
        assert_eq!(response.status(), 403, "{path}");
        assert_eq!(problem(response).await.code, ProblemCode::Forbidden);
    }
    assert_eq!(w.app.get("/api/v1/people").await.status(), 401);
}

#[tokio::test]
async fn another_practice_sees_none_of_these_people() {
    // R-TENANT
    let w = world().await;
    let page: PeoplePage = w
        .app
        .get_as(&w.stranger, "/api/v1/people")
        .await
        .json()
        .await
        .expect("page");
    assert_eq!(page.items.len(), 1, "only the stranger's own owner");
    let path = format!("/api/v1/people/{}", w.client_person.id);
    let response = w.app.get_as(&w.stranger, &path).await;
    assert_eq!(response.status(), 404);
    let unknown = w
        .app
        .get_as(
            &w.stranger,
            &format!("/api/v1/people/{}", uuid::Uuid::new_v4()),
        )
        .await;
    assert_eq!(
        problem(response).await,
        problem(unknown).await,
        "foreign and missing look alike"
    );
    let patch = w
        .app
        .send_as(
            Method::PATCH,
            &w.stranger,
            &path,
            Some(json!({"name": "Renamed"})),
        )
        .await;
    assert_eq!(patch.status(), 404);
    // Nor can another practice's provider be assigned to one's own client.
    let response = w.app.send_as(
        Method::POST, &w.stranger, "/api/v1/people",
        Some(json!({"kind": "client", "name": "X", "email": "x@other.test", "provider_ids": [w.provider_person.id]})),
    ).await;
    assert_eq!(response.status(), 404);
}

#[tokio::test]
async fn only_owners_and_admins_add_and_change_people() {
    let w = world().await;
    let body = json!({"kind": "client", "name": "New Client", "email": "new@maplehealth.test"});
    for token in [&w.provider, &w.staff, &w.client] {
        let response = w
            .app
            .send_as(Method::POST, token, "/api/v1/people", Some(body.clone()))
            .await;
        assert_eq!(response.status(), 403);
        let path = format!("/api/v1/people/{}", w.other_client.id);
        let response = w
            .app
            .send_as(
                Method::PATCH,
                token,
                &path,
                Some(json!({"name": "Renamed"})),
            )
            .await;
        assert_eq!(response.status(), 403);
    }
    let response = w
        .app
        .send_as(Method::POST, &w.admin, "/api/v1/people", Some(body))
        .await;
    assert_eq!(response.status(), 201);
}

#[tokio::test]
async fn admins_cannot_make_or_change_owners_and_the_last_owner_stays() {
    let w = world().await;
    let response = w.app.send_as(
        Method::POST, &w.admin, "/api/v1/people",
        Some(json!({"kind": "staff", "name": "Sneaky", "email": "sneaky@maplehealth.test", "role": "owner"})),
    ).await;
    assert_eq!(response.status(), 422);
    let owner_path = format!("/api/v1/people/{}", w.owner_id);
    let response = w
        .app
        .send_as(
            Method::PATCH,
            &w.admin,
            &owner_path,
            Some(json!({"role": "staff"})),
        )
        .await;
    assert_eq!(response.status(), 403);
    let response = w
        .app
        .send_as(
            Method::PATCH,
            &w.owner,
            &owner_path,
            Some(json!({"role": "admin"})),
        )
        .await;
    assert_eq!(response.status(), 409);
    assert!(
        problem(response)
            .await
            .detail
            .unwrap_or_default()
            .contains("at least one active owner")
    );
}

#[tokio::test]
async fn bad_input_names_the_field_and_stores_nothing() {
    let w = world().await;
    let cases = [
        (
            json!({"kind": "client", "name": " ", "email": "a@maplehealth.test"}),
            422,
            "name",
        ),
        (
            json!({"kind": "client", "name": "A", "email": "not-an-email"}),
            422,
            "email",
        ),
        (
            json!({"kind": "staff", "name": "A", "email": "a@maplehealth.test"}),
            422,
            "role",
        ),
        (
            json!({"kind": "client", "name": "A", "email": "a@maplehealth.test", "role": "admin"}),
            422,
            "role",
        ),
        (
            json!({"kind": "client", "name": "A", "email": "a@maplehealth.test", "provider_ids": [w.other_client.id]}),
            404,
            "provider_ids",
        ),
        (
            json!({"kind": "client", "name": "A", "email": "a@maplehealth.test", "practice_id": uuid::Uuid::new_v4()}),
            400,
            "practice_id",
        ),
        (
            json!({"kind": "client", "name": "A", "email": "CLEO@maplehealth.test"}),
            409,
            "",
        ),
    ];
    for (body, status, field) in cases {
        let response = w
            .app
            .send_as(Method::POST, &w.owner, "/api/v1/people", Some(body.clone()))
            .await;
        assert_eq!(response.status(), status, "{body}");
        let problem = problem(response).await;
        if status == 422 || status == 404 {
            assert!(
                problem.errors.expect("errors").contains_key(field),
                "{body}"
            );
        } else if status == 400 {
            assert!(problem.detail.unwrap_or_default().contains(field), "{body}");
        }
    }
    let page: PeoplePage = w
        .app
        .get_as(&w.owner, "/api/v1/people")
        .await
        .json()
        .await
        .expect("page");
    assert_eq!(page.items.len(), 6, "nothing stored");
}

#[tokio::test]
async fn status_changes_are_kept_and_audited() {
    let w = world().await;
    let path = format!("/api/v1/people/{}", w.client_person.id);
    let response = w
        .app
        .send_as(
            Method::PATCH,
            &w.admin,
            &path,
            Some(json!({"status": "inactive"})),
        )
        .await;
    assert_eq!(response.status(), 200);
    let person: Person = response.json().await.expect("person");
    assert_eq!(person.status, PersonStatus::Inactive);
    let response = w
        .app
        .send_as(
            Method::PATCH,
            &w.admin,
            &path,
            Some(json!({"role": "staff"})),
        )
        .await;
    assert_eq!(response.status(), 422, "clients have no role");

    use diesel_async::RunQueryDsl;
    #[derive(diesel::QueryableByName)]
    struct Row {
        #[diesel(sql_type = diesel::sql_types::Text)]
        details: String,
    }
    let mut conn = w.app.database.connect().await;
    let rows: Vec<Row> = diesel::sql_query(
        "SELECT details::text AS details FROM audit_events WHERE action = 'status_changed'",
    )
    .load(&mut conn)
    .await
    .expect("audit");
    assert_eq!(rows.len(), 1);
    assert!(rows[0].details.contains("inactive"), "{}", rows[0].details);
}

#[tokio::test]
async fn email_changes_move_the_sign_in_too_once_confirmed() {
    let w = world().await;
    let path = format!("/api/v1/people/{}", w.provider_person.id);
    let response = w
        .app
        .send_as(
            Method::PATCH,
            &w.owner,
            &path,
            Some(json!({"email": "Paul.New@Maplehealth.test"})),
        )
        .await;
    assert_eq!(response.status(), 200);
    let token = w.app.token_from_mail("paul.new@maplehealth.test").await;
    let confirmed = w
        .app
        .client
        .post(w.app.url("/api/v1/auth/email-change/confirm"))
        .json(&json!({ "token": token }))
        .send()
        .await
        .expect("an answer");
    assert_eq!(confirmed.status(), 204);
    assert_eq!(
        w.app
            .login(
                "paul.new@maplehealth.test",
                confidant_tests::fixtures::PASSWORD
            )
            .await
            .status(),
        200
    );
    assert_eq!(
        w.app
            .login("paul@maplehealth.test", confidant_tests::fixtures::PASSWORD)
            .await
            .status(),
        401
    );
    let taken = w
        .app
        .send_as(
            Method::PATCH,
            &w.owner,
            &path,
            Some(json!({"email": "cleo@maplehealth.test"})),
        )
        .await;
    assert_eq!(taken.status(), 409);
}

#[tokio::test]
async fn lists_filter_and_page_in_name_order() {
    let w = world().await;
    let clients: PeoplePage = w
        .app
        .get_as(&w.owner, "/api/v1/people?kind=client")
        .await
        .json()
        .await
        .expect("page");
    let names: Vec<&str> = clients.items.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, ["Cleo Client", "Otto Other"]);
    let found: PeoplePage = w
        .app
        .get_as(&w.owner, "/api/v1/people?q=PAUL")
        .await
        .json()
        .await
        .expect("page");
    assert_eq!(found.items.len(), 1);
    let wildcard: PeoplePage = w
        .app
        .get_as(&w.owner, "/api/v1/people?q=%25")
        .await
        .json()
        .await
        .expect("page");
    assert!(wildcard.items.is_empty(), "% is searched for literally");

    // Pages of 3 cover everyone exactly once, in order.
    let seen: Vec<String> = w
        .app
        .every_item::<Person>(&w.owner, "/api/v1/people?limit=3")
        .await
        .into_iter()
        .map(|p| p.name)
        .collect();
    let mut sorted = seen.clone();
    sorted.sort();
    assert_eq!(seen, sorted);
    assert_eq!(seen.len(), 6);
    assert_eq!(
        w.app
            .get_as(&w.owner, "/api/v1/people?cursor=garbage")
            .await
            .status(),
        400
    );
    assert_eq!(
        w.app
            .get_as(&w.owner, "/api/v1/people?limit=0")
            .await
            .status(),
        422
    );
    assert_eq!(
        w.app
            .get_as(&w.owner, "/api/v1/people?kind=robot")
            .await
            .status(),
        422
    );
}
