//! `/api/v1/staff-groups`: owners and admins keep named sets of staff.

use confidant_openapi::Problem;
use confidant_openapi::staff_groups::{StaffGroup, StaffGroupList};
use confidant_tests::spawn_app;
use reqwest::Method;
use serde_json::json;

#[tokio::test]
async fn admins_create_rename_refill_and_delete_groups() {
    let app = spawn_app().await;
    let p = app.staffed_practice("Group Clinic").await;
    let response = app
        .send_as(Method::POST, &p.admin.token, "/api/v1/staff-groups",
            Some(json!({"name": " Front desk ", "member_ids": [p.staff.person.id, p.admin.person.id, p.staff.person.id]})))
        .await;
    assert_eq!(response.status(), 422, "a member listed twice");
    let response = app
        .send_as(Method::POST, &p.admin.token, "/api/v1/staff-groups",
            Some(json!({"name": " Front desk ", "member_ids": [p.staff.person.id, p.admin.person.id]})))
        .await;
    assert_eq!(response.status(), 201);
    let group: StaffGroup = response.json().await.expect("group");
    assert_eq!(group.name, "Front desk");
    assert_eq!(group.member_ids.len(), 2);

    let path = format!("/api/v1/staff-groups/{}", group.id);
    let renamed: StaffGroup = app
        .send_as(
            Method::PATCH,
            &p.owner.token,
            &path,
            Some(json!({"name": "Reception", "member_ids": [p.provider.person.id]})),
        )
        .await
        .json()
        .await
        .expect("group");
    assert_eq!(renamed.name, "Reception");
    assert_eq!(renamed.member_ids, vec![p.provider.person.id]);

    for token in [&p.provider.token, &p.staff.token] {
        let list: StaffGroupList = app
            .get_as(token, "/api/v1/staff-groups")
            .await
            .json()
            .await
            .expect("list");
        assert_eq!(list.items, vec![renamed.clone()], "staff may look");
    }
    assert_eq!(
        app.send_as(Method::DELETE, &p.admin.token, &path, None)
            .await
            .status(),
        204
    );
    assert_eq!(
        app.send_as(Method::DELETE, &p.admin.token, &path, None)
            .await
            .status(),
        404
    );
    let list: StaffGroupList = app
        .get_as(&p.owner.token, "/api/v1/staff-groups")
        .await
        .json()
        .await
        .expect("list");
    assert!(list.items.is_empty());
}

#[tokio::test]
async fn only_owners_and_admins_change_groups_and_clients_see_none() {
    let app = spawn_app().await;
    let p = app.staffed_practice("Guard Clinic").await;
    let group: StaffGroup = app
        .send_as(
            Method::POST,
            &p.owner.token,
            "/api/v1/staff-groups",
            Some(json!({"name": "Billing"})),
        )
        .await
        .json()
        .await
        .expect("group");
    let path = format!("/api/v1/staff-groups/{}", group.id);
    for token in [&p.provider.token, &p.staff.token, &p.client.token] {
        assert_eq!(
            app.send_as(
                Method::POST,
                token,
                "/api/v1/staff-groups",
                Some(json!({"name": "Mine"}))
            )
            .await
            .status(),
            403
        );
        assert_eq!(
            app.send_as(Method::PATCH, token, &path, Some(json!({"name": "Mine"})))
                .await
                .status(),
            403
        );
        assert_eq!(
            app.send_as(Method::DELETE, token, &path, None)
                .await
                .status(),
            403
        );
    }
    assert_eq!(
        app.get_as(&p.client.token, "/api/v1/staff-groups")
            .await
            .status(),
        403
    );
    assert_eq!(app.get("/api/v1/staff-groups").await.status(), 401);
}

#[tokio::test]
async fn groups_stay_inside_their_practice() {
    // R-TENANT
    let app = spawn_app().await;
    let p = app.staffed_practice("Home Clinic").await;
    let other = app.staffed_practice("Away Clinic").await;
    let group: StaffGroup = app
        .send_as(
            Method::POST,
            &p.owner.token,
            "/api/v1/staff-groups",
            Some(json!({"name": "Billing"})),
        )
        .await
        .json()
        .await
        .expect("group");
    let path = format!("/api/v1/staff-groups/{}", group.id);
    let list: StaffGroupList = app
        .get_as(&other.owner.token, "/api/v1/staff-groups")
        .await
        .json()
        .await
        .expect("list");
    assert!(list.items.is_empty());
    assert_eq!(
        app.send_as(
            Method::PATCH,
            &other.owner.token,
            &path,
            Some(json!({"name": "Taken"}))
        )
        .await
        .status(),
        404
    );
    assert_eq!(
        app.send_as(Method::DELETE, &other.owner.token, &path, None)
            .await
            .status(),
        404
    );
    // Another practice's staff cannot be made members.
    let response = app
        .send_as(
            Method::POST,
            &p.owner.token,
            "/api/v1/staff-groups",
            Some(json!({"name": "Mixed", "member_ids": [other.staff.person.id]})),
        )
        .await;
    assert_eq!(response.status(), 404);
}

#[tokio::test]
async fn bad_group_input_names_the_field() {
    let app = spawn_app().await;
    let p = app.staffed_practice("Input Clinic").await;
    app.send_as(
        Method::POST,
        &p.owner.token,
        "/api/v1/staff-groups",
        Some(json!({"name": "Billing"})),
    )
    .await;
    let cases = [
        (json!({"name": "  "}), 422, Some("name")),
        // Ids that name no staff member of the practice are a 404 naming the field.
        (
            json!({"name": "Clients too", "member_ids": [p.client.person.id]}),
            404,
            Some("member_ids"),
        ),
        (json!({"name": "Billing"}), 409, None),
        (json!({"name": "X", "practice_id": p.id}), 400, None),
    ];
    for (body, status, field) in cases {
        let response = app
            .send_as(
                Method::POST,
                &p.owner.token,
                "/api/v1/staff-groups",
                Some(body.clone()),
            )
            .await;
        assert_eq!(response.status(), status, "{body}");
        let problem: Problem = response.json().await.expect("problem");
        if let Some(field) = field {
            assert!(
                problem.errors.expect("errors").contains_key(field),
                "{body}"
            );
        }
    }
    let list: StaffGroupList = app
        .get_as(&p.owner.token, "/api/v1/staff-groups")
        .await
        .json()
        .await
        .expect("list");
    assert_eq!(list.items.len(), 1, "nothing else stored");
}
