//! Invitations: owner/admin invites, the email arrives with a one-time link, the person sets a
//! password and signs in.

use std::time::Duration;

use confidant_openapi::auth::TokenResponse;
use confidant_openapi::people::{InvitationSent, Person};
use confidant_openapi::{Problem, ProblemCode};
use confidant_tests::{TestApp, spawn_app};
use diesel_async::RunQueryDsl;
use reqwest::Method;
use serde_json::json;

const NEW_PASSWORD: &str = "my own long passphrase";

async fn invite(app: &TestApp, token: &str, person: &Person) -> reqwest::Response {
    app.send_as(
        Method::POST,
        token,
        &format!("/api/v1/people/{}/invitation", person.id),
        None,
    )
    .await
}

async fn accept(app: &TestApp, token: &str, password: &str) -> reqwest::Response {
    app.client
        .post(app.url("/api/v1/auth/invitations/accept"))
        .json(&json!({"token": token, "password": password}))
        .send()
        .await
        .expect("an answer")
}

#[tokio::test]
async fn invited_people_set_a_password_from_the_email_and_sign_in() {
    let app = spawn_app().await;
    let practice = app.create_practice("Willow Practice").await;
    let owner = app.sign_in(&practice.owner).await.access_token;
    let provider = app
        .add_person(&owner, json!({"kind": "staff", "name": "Rosa Provider", "email": "rosa@willow.test", "role": "provider"}))
        .await;
    let client = app
        .add_person(&owner, json!({"kind": "client", "name": "Sam Client", "email": "sam@willow.test", "provider_ids": [provider.id]}))
        .await;

    for person in [&provider, &client] {
        let fetch = || async {
            let view: Person = app
                .get_as(&owner, &format!("/api/v1/people/{}", person.id))
                .await
                .json()
                .await
                .expect("a person");
            view
        };
        assert_eq!(fetch().await.invitation, None, "not invited yet");
        let response = invite(&app, &owner, person).await;
        assert_eq!(response.status(), 202);
        let sent: InvitationSent = response.json().await.expect("invitation");
        let days = (sent.expires_at - chrono::Utc::now()).num_hours();
        assert!((167..=168).contains(&days), "7 days: {days} hours");
        // The people page can say where it stands: invited on …, until ….
        let open = fetch().await.invitation.expect("an open invitation");
        assert_eq!(open.expires_at, sent.expires_at);
        assert!(
            open.sent_at <= chrono::Utc::now()
                && open.sent_at > open.expires_at - chrono::Duration::days(8)
        );
    }
    assert_eq!(app.run_jobs().await, 2);
    let mails = app.mail.wait_for(2, Duration::from_secs(5)).await;
    assert_eq!(mails.len(), 2);
    for (mail, person) in mails.iter().zip([&provider, &client]) {
        assert_eq!(mail.recipients, std::slice::from_ref(&person.email));
        let parsed = mail.parse();
        assert!(
            parsed.subject.contains("Willow Practice"),
            "{}",
            parsed.subject
        );
        let text = parsed.text.expect("text");
        assert!(
            text.contains("http://confidant.test/accept-invitation#token="),
            "{text}"
        );
        assert!(
            parsed
                .html
                .expect("html")
                .contains("accept-invitation#token=")
        );
        // No names in the email: only the practice and the link.
        assert!(
            !mail.raw_text().contains(&person.name),
            "{}",
            mail.raw_text()
        );
    }

    for person in [&provider, &client] {
        let token = app.token_from_mail(&person.email).await;
        let response = accept(&app, &token, NEW_PASSWORD).await;
        assert_eq!(response.status(), 200);
        let tokens: TokenResponse = response.json().await.expect("tokens");
        assert_eq!(tokens.person.id, person.id);
        assert!(tokens.person.has_portal_account);
        assert_eq!(tokens.person.invitation, None, "used: no longer open");
        assert_eq!(app.login(&person.email, NEW_PASSWORD).await.status(), 200);
    }
}

#[tokio::test]
async fn an_invitation_works_once_and_not_after_it_expires() {
    let app = spawn_app().await;
    let practice = app.create_practice("Once Clinic").await;
    let owner = app.sign_in(&practice.owner).await.access_token;
    let client = app
        .add_person(
            &owner,
            json!({"kind": "client", "name": "Una Once", "email": "una@once.test"}),
        )
        .await;
    invite(&app, &owner, &client).await;
    let token = app.token_from_mail(&client.email).await;
    assert_eq!(accept(&app, &token, NEW_PASSWORD).await.status(), 200);
    let again = accept(&app, &token, "another long passphrase").await;
    assert_eq!(again.status(), 404);
    let problem: Problem = again.json().await.expect("problem");
    assert!(problem.errors.expect("errors").contains_key("token"));
    assert_eq!(
        app.login(&client.email, "another long passphrase")
            .await
            .status(),
        401
    );

    // A fresh invitation (for someone without an account yet) whose week has passed.
    let newcomer = app
        .add_person(
            &owner,
            json!({"kind": "client", "name": "Nell Newcomer", "email": "nell@once.test"}),
        )
        .await;
    invite(&app, &owner, &newcomer).await;
    let token = app.token_from_mail(&newcomer.email).await;
    let mut conn = app.database.connect().await;
    diesel::sql_query(
        "UPDATE invitations SET expires_at = now() - interval '1 minute' WHERE used_at IS NULL",
    )
    .execute(&mut conn)
    .await
    .expect("expire");
    assert_eq!(accept(&app, &token, NEW_PASSWORD).await.status(), 404);
}

#[tokio::test]
async fn a_new_invitation_replaces_the_old_link() {
    let app = spawn_app().await;
    let practice = app.create_practice("Twice Clinic").await;
    let owner = app.sign_in(&practice.owner).await.access_token;
    let client = app
        .add_person(
            &owner,
            json!({"kind": "client", "name": "Tom Twice", "email": "tom@twice.test"}),
        )
        .await;
    invite(&app, &owner, &client).await;
    let first = app.token_from_mail(&client.email).await;
    invite(&app, &owner, &client).await;
    let second = app.token_from_mail(&client.email).await;
    assert_ne!(first, second);
    assert_eq!(accept(&app, &first, NEW_PASSWORD).await.status(), 404);
    assert_eq!(accept(&app, &second, NEW_PASSWORD).await.status(), 200);
}

#[tokio::test]
async fn no_usable_token_is_stored_anywhere() {
    let app = spawn_app().await;
    let practice = app.create_practice("Vault Clinic").await;
    let owner = app.sign_in(&practice.owner).await.access_token;
    let client = app
        .add_person(
            &owner,
            json!({"kind": "client", "name": "Val Vault", "email": "val@vault.test"}),
        )
        .await;
    invite(&app, &owner, &client).await;
    let token = app.token_from_mail(&client.email).await;
    #[derive(diesel::QueryableByName)]
    struct Dump {
        #[diesel(sql_type = diesel::sql_types::Text)]
        everything: String,
    }
    let mut conn = app.database.connect().await;
    let dump: Vec<Dump> = diesel::sql_query(
        "SELECT row_to_json(j)::text AS everything FROM jobs j \
         UNION ALL SELECT row_to_json(i)::text FROM invitations i",
    )
    .load(&mut conn)
    .await
    .expect("dump");
    assert!(!dump.is_empty());
    for row in dump {
        assert!(!row.everything.contains(&token), "{}", row.everything);
        assert!(
            !row.everything.contains(&client.email),
            "{}",
            row.everything
        );
    }
}

#[tokio::test]
async fn accepting_needs_a_valid_password() {
    let app = spawn_app().await;
    let practice = app.create_practice("Reset Clinic").await;
    let owner = app.sign_in(&practice.owner).await.access_token;
    let staff = app
        .add_person(&owner, json!({"kind": "staff", "name": "Rex Reset", "email": "rex@reset.test", "role": "staff"}))
        .await;
    invite(&app, &owner, &staff).await;
    let token = app.token_from_mail(&staff.email).await;

    let short = accept(&app, &token, "short").await;
    assert_eq!(short.status(), 422);
    let problem: Problem = short.json().await.expect("problem");
    assert!(problem.errors.expect("errors").contains_key("password"));

    assert_eq!(accept(&app, &token, NEW_PASSWORD).await.status(), 200);
}

#[tokio::test]
async fn someone_who_has_an_account_is_not_invited_again() {
    // R-NO-TAKEOVER: an invitation sets a password, so it must not reach an existing account
    // (an admin could otherwise set one for an address they control).
    let app = spawn_app().await;
    let practice = app.create_practice("Again Clinic").await;
    let owner = app.sign_in(&practice.owner).await.access_token;
    let staff = app
        .add_person(&owner, json!({"kind": "staff", "name": "Rex Again", "email": "rex@again.test", "role": "staff"}))
        .await;
    let token = app.token_for(&staff).await;
    let response = invite(&app, &owner, &staff).await;
    assert_eq!(response.status(), 409);
    let problem: Problem = response.json().await.expect("problem");
    assert!(
        problem
            .detail
            .unwrap_or_default()
            .contains("reset their password"),
        "says what to do instead"
    );
    assert_eq!(app.run_jobs().await, 0, "no invitation email was queued");
    assert!(app.mail.messages().is_empty());
    assert_eq!(app.get_as(&token, "/api/v1/me").await.status(), 200);
}

#[tokio::test]
async fn only_owners_and_admins_of_the_practice_invite() {
    let app = spawn_app().await;
    let practice = app.create_practice("Gate Clinic").await;
    let owner = app.sign_in(&practice.owner).await.access_token;
    let admin_person = app
        .add_person(&owner, json!({"kind": "staff", "name": "Ann Admin", "email": "ann@gate.test", "role": "admin"}))
        .await;
    let staff_person = app
        .add_person(&owner, json!({"kind": "staff", "name": "Stu Staff", "email": "stu@gate.test", "role": "staff"}))
        .await;
    let client_person = app
        .add_person(
            &owner,
            json!({"kind": "client", "name": "Cal Client", "email": "cal@gate.test"}),
        )
        .await;
    let admin = app.token_for(&admin_person).await;
    let staff = app.token_for(&staff_person).await;
    let client = app.token_for(&client_person).await;
    let elsewhere = app.create_practice("Elsewhere").await;
    let stranger = app.sign_in(&elsewhere.owner).await.access_token;

    assert_eq!(invite(&app, &staff, &client_person).await.status(), 403);
    assert_eq!(invite(&app, &client, &client_person).await.status(), 403);
    let foreign = invite(&app, &stranger, &client_person).await;
    assert_eq!(foreign.status(), 404);
    let problem: Problem = foreign.json().await.expect("problem");
    assert_eq!(problem.code, ProblemCode::NotFound);
    let anonymous = app
        .client
        .post(app.url(&format!("/api/v1/people/{}/invitation", client_person.id)))
        .send()
        .await
        .expect("an answer");
    assert_eq!(anonymous.status(), 401);
    // An admin cannot invite (reset the password of) an owner.
    let owner_person: Person = app
        .get_as(&owner, &format!("/api/v1/people/{}", practice.owner.id))
        .await
        .json()
        .await
        .expect("owner");
    assert_eq!(invite(&app, &admin, &owner_person).await.status(), 403);
    let newcomer = app
        .add_person(
            &owner,
            json!({"kind": "client", "name": "Nia New", "email": "nia@gate.test"}),
        )
        .await;
    assert_eq!(invite(&app, &admin, &newcomer).await.status(), 202);
    // Refused invitations sent nothing.
    assert_eq!(app.run_jobs().await, 1);
}

#[tokio::test]
async fn an_smtp_outage_delays_the_invitation_but_does_not_lose_it() {
    let app = spawn_app().await;
    let practice = app.create_practice("Outage Clinic").await;
    let owner = app.sign_in(&practice.owner).await.access_token;
    let client = app
        .add_person(
            &owner,
            json!({"kind": "client", "name": "Ola Outage", "email": "ola@outage.test"}),
        )
        .await;
    app.mail.fail_next(1, 451);
    invite(&app, &owner, &client).await;
    app.run_jobs().await;
    assert!(app.mail.messages().is_empty(), "the first try failed");
    let mut conn = app.database.connect().await;
    diesel::sql_query("UPDATE jobs SET run_at = now() WHERE state = 'available'")
        .execute(&mut conn)
        .await
        .expect("let the retry be due");
    let token = app.token_from_mail(&client.email).await;
    assert_eq!(accept(&app, &token, NEW_PASSWORD).await.status(), 200);
}
