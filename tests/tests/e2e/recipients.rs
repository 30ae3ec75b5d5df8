//! `/api/v1/recipients`: the To-picker offers exactly what the caller may address.

use confidant_openapi::people::PersonKind;
use confidant_openapi::recipients::{Recipient, RecipientList};
use confidant_tests::spawn_app;
use reqwest::Method;
use serde_json::json;

#[tokio::test]
async fn staff_may_address_all_staff_groups_staff_and_clients_one_by_one() {
    // R-TO-STAFF, R-NO-ALL-CLIENTS
    let app = spawn_app().await;
    let p = app.staffed_practice("Picker Clinic").await;
    app.send_as(
        Method::POST,
        &p.owner.token,
        "/api/v1/staff-groups",
        Some(json!({"name": "Front desk", "member_ids": [p.staff.person.id]})),
    )
    .await;
    let list: RecipientList = app
        .get_as(&p.provider.token, "/api/v1/recipients")
        .await
        .json()
        .await
        .expect("list");
    assert_eq!(list.items[0], Recipient::AllStaff);
    assert!(matches!(&list.items[1], Recipient::StaffGroup { name, .. } if name == "Front desk"));
    let people: Vec<(String, PersonKind)> = list.items[2..]
        .iter()
        .map(|item| match item {
            Recipient::Person { name, kind, .. } => (name.clone(), *kind),
            other => panic!("unexpected {other:?}"),
        })
        .collect();
    let names: Vec<&str> = people.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        [
            "Ada Admin",
            "Cleo Client",
            "Fran Desk",
            "Otto Other",
            "Picker Clinic Owner"
        ],
        "not the caller"
    );
    assert!(people.iter().any(|(_, kind)| *kind == PersonKind::Client));
    // There is no way to address every client at once.
    let raw = app
        .get_as(&p.provider.token, "/api/v1/recipients")
        .await
        .text()
        .await
        .expect("text");
    assert!(!raw.contains("all_clients"), "{raw}");
}

#[tokio::test]
async fn clients_may_address_staff_only() {
    // R-TO-CLIENT
    let app = spawn_app().await;
    let p = app.staffed_practice("Client Picker").await;
    app.send_as(
        Method::POST,
        &p.owner.token,
        "/api/v1/staff-groups",
        Some(json!({"name": "Front desk"})),
    )
    .await;
    let list: RecipientList = app
        .get_as(&p.client.token, "/api/v1/recipients")
        .await
        .json()
        .await
        .expect("list");
    assert!(!list.items.is_empty());
    for item in &list.items {
        match item {
            Recipient::Person { kind, .. } => assert_eq!(*kind, PersonKind::Staff),
            other => panic!("a client was offered {other:?}"),
        }
    }
    // Not even a search for another client's name or email finds them.
    for q in ["Otto", "otto@", "Cleo"] {
        let found: RecipientList = app
            .get_as(&p.client.token, &format!("/api/v1/recipients?q={q}"))
            .await
            .json()
            .await
            .expect("list");
        assert!(found.items.is_empty(), "{q}: {:?}", found.items);
    }
}

#[tokio::test]
async fn the_picker_searches_and_stays_inside_the_practice() {
    // R-TENANT
    let app = spawn_app().await;
    let p = app.staffed_practice("Search Clinic").await;
    let other = app.staffed_practice("Faraway Clinic").await;
    let found: RecipientList = app
        .get_as(&p.staff.token, "/api/v1/recipients?q=cleo")
        .await
        .json()
        .await
        .expect("list");
    assert_eq!(found.items.len(), 1);
    assert!(matches!(&found.items[0], Recipient::Person { id, .. } if *id == p.client.person.id));
    let everything = app
        .get_as(&p.owner.token, "/api/v1/recipients?limit=100")
        .await
        .text()
        .await
        .expect("text");
    for outsider in [
        other.client.person.id,
        other.staff.person.id,
        other.owner.person.id,
    ] {
        assert!(!everything.contains(&outsider.to_string()));
    }
    assert_eq!(
        app.get_as(&p.staff.token, "/api/v1/recipients?limit=0")
            .await
            .status(),
        422
    );
    assert_eq!(app.get("/api/v1/recipients").await.status(), 401);
}
