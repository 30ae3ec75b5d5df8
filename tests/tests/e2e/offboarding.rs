//! Staff offboarding (R-OFFBOARD): deactivating a staff member ends all their access at once
//! and keeps their past messages; only owners and admins may do it, never to themselves, and
//! the last active owner stays.

use confidant_openapi::conversations::Conversation;
use confidant_openapi::people::{PeoplePage, Person, PersonStatus};
use confidant_openapi::recipients::{Recipient, RecipientList};
use confidant_openapi::staff_groups::{StaffGroup, StaffGroupList};
use confidant_openapi::{Problem, ProblemCode};
use confidant_tests::spawn_app;
use diesel_async::RunQueryDsl;
use reqwest::Method;
use serde_json::json;

async fn set_status(
    app: &confidant_tests::TestApp,
    token: &str,
    id: uuid::Uuid,
    status: &str,
) -> reqwest::Response {
    app.send_as(
        Method::PATCH,
        token,
        &format!("/api/v1/people/{id}"),
        Some(json!({"status": status})),
    )
    .await
}

#[tokio::test]
async fn a_deactivated_staff_member_loses_every_access_at_once_and_keeps_their_messages() {
    // R-OFFBOARD
    let app = spawn_app().await;
    let p = app.staffed_practice("Offboard Clinic").await;
    let provider = p.provider.account();
    // A second, still-open sign-in of the provider, with its refresh token.
    let laptop = app.sign_in(&provider).await;

    let sent = app
        .send_as(
            Method::POST,
            &p.provider.token,
            "/api/v1/conversations",
            Some(json!({
                "recipients": [{"type": "person", "id": p.client.person.id}],
                "subject": "Before I go",
                "body": "Your next visit is with Dr. Reyes.",
            })),
        )
        .await;
    assert_eq!(sent.status(), 201);
    let thread: Conversation = sent.json().await.expect("a conversation");
    let group = app
        .send_as(
            Method::POST,
            &p.admin.token,
            "/api/v1/staff-groups",
            Some(json!({"name": "Clinicians", "member_ids": [p.provider.person.id, p.staff.person.id]})),
        )
        .await;
    assert_eq!(group.status(), 201);
    let group: StaffGroup = group.json().await.expect("a group");

    let response = set_status(&app, &p.admin.token, p.provider.person.id, "deactivated").await;
    assert_eq!(response.status(), 200);
    let person: Person = response.json().await.expect("the person");
    assert_eq!(person.status, PersonStatus::Deactivated);

    // Every token of theirs stops on its next request, and they cannot sign in again.
    for token in [&p.provider.token, &laptop.access_token] {
        assert_eq!(app.get_as(token, "/api/v1/me").await.status(), 401);
    }
    assert_eq!(app.refresh(&laptop.refresh_token).await.status(), 401);
    let login = app.login(&provider.email, &provider.password).await;
    assert_eq!(login.status(), 403);
    let problem: Problem = login.json().await.expect("a problem");
    let detail = problem.detail.unwrap_or_default();
    assert!(detail.contains("deactivated"), "{detail}");

    // They are nobody one can write to, and in no group.
    let recipients: RecipientList = app
        .get_as(&p.staff.token, "/api/v1/recipients?limit=100")
        .await
        .json()
        .await
        .expect("recipients");
    assert!(
        !recipients
            .items
            .iter()
            .any(|r| matches!(r, Recipient::Person { id, .. } if *id == p.provider.person.id))
    );
    let addressed = app
        .send_as(
            Method::POST,
            &p.staff.token,
            "/api/v1/conversations",
            Some(json!({
                "recipients": [{"type": "person", "id": p.provider.person.id}],
                "subject": "Handover",
                "body": "Where are the files?",
            })),
        )
        .await;
    assert_eq!(addressed.status(), 404, "as for an unknown person");
    let groups: StaffGroupList = app
        .get_as(&p.admin.token, "/api/v1/staff-groups")
        .await
        .json()
        .await
        .expect("groups");
    let group = groups
        .items
        .iter()
        .find(|g| g.id == group.id)
        .expect("the group");
    assert_eq!(group.member_ids, vec![p.staff.person.id]);
    let rejoin = app
        .send_as(
            Method::PATCH,
            &p.admin.token,
            &format!("/api/v1/staff-groups/{}", group.id),
            Some(json!({"member_ids": [p.provider.person.id]})),
        )
        .await;
    assert_eq!(rejoin.status(), 404);

    // Their past message stays, with their name.
    let read = app
        .get_as(
            &p.client.token,
            &format!("/api/v1/conversations/{}", thread.id),
        )
        .await;
    assert_eq!(read.status(), 200);
    let read: Conversation = read.json().await.expect("the thread");
    assert_eq!(read.messages[0].author.id, p.provider.person.id);
    assert_eq!(read.messages[0].author.name, p.provider.person.name);

    // Admins find them under their status; they can be made active again.
    let listed: PeoplePage = app
        .get_as(&p.admin.token, "/api/v1/people?status=deactivated")
        .await
        .json()
        .await
        .expect("people");
    let ids: Vec<_> = listed.items.iter().map(|p| p.id).collect();
    assert_eq!(ids, vec![p.provider.person.id]);
    let again = set_status(&app, &p.admin.token, p.provider.person.id, "active").await;
    assert_eq!(again.status(), 200);
    assert_eq!(
        app.login(&provider.email, &provider.password)
            .await
            .status(),
        200
    );
}

#[tokio::test]
async fn only_owners_and_admins_deactivate_never_themselves_and_the_last_active_owner_stays() {
    // R-OFFBOARD
    let app = spawn_app().await;
    let p = app.staffed_practice("Offboard Rules").await;
    let other = app.staffed_practice("Offboard Elsewhere").await;
    let target = p.staff.person.id;

    for (who, status) in [
        (&p.provider.token, 403),
        (&p.staff.token, 403),
        (&p.client.token, 403),
        (&other.admin.token, 404),
    ] {
        let response = set_status(&app, who, target, "deactivated").await;
        assert_eq!(response.status(), status);
        let problem: Problem = response.json().await.expect("a problem");
        assert!(problem.detail.is_some_and(|d| !d.is_empty()));
    }
    assert_eq!(
        app.get_as(&p.staff.token, "/api/v1/me").await.status(),
        200,
        "refused changes changed nothing"
    );

    // Statuses belong to kinds.
    for (id, status) in [
        (p.client.person.id, "deactivated"),
        (p.staff.person.id, "archived"),
    ] {
        let response = set_status(&app, &p.admin.token, id, status).await;
        assert_eq!(response.status(), 422);
        let problem: Problem = response.json().await.expect("a problem");
        assert!(
            problem
                .errors
                .as_ref()
                .is_some_and(|e| e.contains_key("status")),
            "{problem:?}"
        );
    }
    // Nobody deactivates themselves.
    let own = set_status(&app, &p.admin.token, p.admin.person.id, "deactivated").await;
    assert_eq!(own.status(), 422);
    // An admin does not deactivate an owner.
    let owner = set_status(&app, &p.admin.token, p.owner.person.id, "deactivated").await;
    assert_eq!(owner.status(), 403);

    // With two owners, one may deactivate the other; the one left is the last active owner.
    let promoted = app
        .send_as(
            Method::PATCH,
            &p.owner.token,
            &format!("/api/v1/people/{}", p.admin.person.id),
            Some(json!({"role": "owner"})),
        )
        .await;
    assert_eq!(promoted.status(), 200);
    let gone = set_status(&app, &p.admin.token, p.owner.person.id, "deactivated").await;
    assert_eq!(gone.status(), 200);
    let demote = app
        .send_as(
            Method::PATCH,
            &p.admin.token,
            &format!("/api/v1/people/{}", p.admin.person.id),
            Some(json!({"role": "admin"})),
        )
        .await;
    assert_eq!(demote.status(), 409, "a deactivated owner does not count");
    let problem: Problem = demote.json().await.expect("a problem");
    assert_eq!(problem.code, ProblemCode::Conflict);
}

// R-OFFBOARD: links emailed before a staff member was deactivated (an invitation, a password
// reset) open nothing afterwards: the same "used or expired" 404 as any spent link, and no
// password is set. Deactivating ends the open links; a link minted as it committed (a mail
// job racing it) is still refused, as the link's person is checked too.
#[tokio::test]
async fn links_sent_before_deactivation_open_nothing() {
    let app = spawn_app().await;
    let p = app.staffed_practice("Spent Links Clinic").await;
    let newcomer = app
        .add_person(
            &p.admin.token,
            json!({"kind": "staff", "name": "Nova Newcomer", "email": "nova@spent-links.test", "role": "staff"}),
        )
        .await;
    let invited = app
        .send_as(
            Method::POST,
            &p.admin.token,
            &format!("/api/v1/people/{}/invitation", newcomer.id),
            None,
        )
        .await;
    assert_eq!(invited.status(), 202);
    let invitation = app.token_from_mail(&newcomer.email).await;
    let reset = app
        .client
        .post(app.url("/api/v1/auth/password-reset"))
        .json(&json!({"email": p.staff.person.email}))
        .send()
        .await
        .expect("an answer");
    assert_eq!(reset.status(), 202);
    let reset = app.token_from_mail(&p.staff.person.email).await;

    for id in [newcomer.id, p.staff.person.id] {
        assert_eq!(
            set_status(&app, &p.admin.token, id, "deactivated")
                .await
                .status(),
            200
        );
    }
    // The race: both links open again, as if minted just after the deactivation ended them.
    let mut conn = app.database.connect().await;
    for table in ["invitations", "password_resets"] {
        diesel::sql_query(format!(
            "UPDATE {table} SET used_at = NULL WHERE person_id = ANY($1)"
        ))
        .bind::<diesel::sql_types::Array<diesel::sql_types::Uuid>, _>(vec![
            newcomer.id,
            p.staff.person.id,
        ])
        .execute(&mut conn)
        .await
        .expect("reopen the links");
    }
    let before = app
        .count("SELECT count(*) AS n FROM portal_accounts WHERE password_set_at > now() - interval '1 minute'")
        .await;
    for (path, token) in [
        ("/api/v1/auth/invitations/accept", invitation),
        ("/api/v1/auth/password-reset/confirm", reset),
    ] {
        let opened = app
            .client
            .post(app.url(path))
            .json(&json!({"token": token, "password": "lantern violet ocean harbour"}))
            .send()
            .await
            .expect("an answer");
        assert_eq!(opened.status(), 404, "{path}");
        let problem: Problem = opened.json().await.expect("a problem");
        assert_eq!(problem.code, ProblemCode::NotFound, "{path}");
        assert!(
            problem
                .errors
                .as_ref()
                .is_some_and(|e| e.contains_key("token")),
            "{path}: {problem:?}"
        );
    }
    assert_eq!(
        app.count("SELECT count(*) AS n FROM portal_accounts WHERE password_set_at > now() - interval '1 minute'")
            .await,
        before,
        "no password was set"
    );
}
