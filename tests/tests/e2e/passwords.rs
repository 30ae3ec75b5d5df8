//! Passwords (R-RESET, R-NO-ORACLE): a forgotten one is reset by email without revealing
//! whether an account exists, a reset or a change ends every session, and a password that is
//! easy to guess is refused in words wherever one is chosen.

use confidant_tests::fixtures::{Account, StaffedPractice};
use confidant_tests::{TestApp, spawn_app};
use diesel_async::RunQueryDsl;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

const NEW_PASSWORD: &str = "lantern violet ocean harbour";

async fn ask_reset(app: &TestApp, email: &str) -> reqwest::Response {
    app.client
        .post(app.url("/api/v1/auth/password-reset"))
        .json(&json!({ "email": email }))
        .send()
        .await
        .expect("an answer")
}

async fn confirm_reset(app: &TestApp, token: &str, password: &str) -> reqwest::Response {
    app.client
        .post(app.url("/api/v1/auth/password-reset/confirm"))
        .json(&json!({ "token": token, "password": password }))
        .send()
        .await
        .expect("an answer")
}

async fn problem(response: reqwest::Response, status: StatusCode) -> Value {
    assert_eq!(response.status(), status);
    response.json().await.expect("a problem")
}

/// The subjects of the emails sent to `email`.
fn subjects_to(app: &TestApp, email: &str) -> Vec<String> {
    app.mail
        .messages()
        .iter()
        .filter(|mail| mail.recipients.iter().any(|r| r == email))
        .map(|mail| mail.parse().subject)
        .collect()
}

#[tokio::test]
async fn a_forgotten_password_is_reset_by_email_and_every_session_ends() {
    // R-RESET: a single-use link by email; the reset ends every session and refresh token,
    // and the account hears that its password changed.
    let app = spawn_app().await;
    let p: StaffedPractice = app.staffed_practice("Reset Clinic").await;
    let email = p.client.person.email.clone();
    let other_device = app.sign_in(&p.client.account()).await;

    let asked = ask_reset(&app, &format!("  {}  ", email.to_uppercase())).await;
    assert_eq!(asked.status(), StatusCode::ACCEPTED);
    let token = app.token_from_mail(&email).await;
    let mails = app.mail.messages();
    let mail = mails
        .iter()
        .rev()
        .find(|mail| mail.recipients.contains(&email))
        .expect("the reset email");
    let text = mail.parse().text.expect("a text part");
    assert!(text.contains("expires in 60 minutes"), "{text}");
    assert!(!text.contains("Cleo"), "no name in the email: {text}");

    // A weak password is refused in words, and the link still works after.
    let weak = problem(
        confirm_reset(&app, &token, "Password123!").await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    let reason = weak["errors"]["password"][0].as_str().expect("a reason");
    assert!(reason.contains("too easy to guess"), "{reason}");
    assert!(
        !reason.contains("Password123"),
        "the reason repeats the password"
    );
    assert_eq!(
        app.get_as(&p.client.token, "/api/v1/me").await.status(),
        200,
        "a refused reset changes nothing"
    );

    assert_eq!(
        confirm_reset(&app, &token, NEW_PASSWORD).await.status(),
        StatusCode::NO_CONTENT
    );
    // Every session ended: access tokens on their next request, refresh tokens at once.
    for access in [&p.client.token, &other_device.access_token] {
        assert_eq!(app.get_as(access, "/api/v1/me").await.status(), 401);
    }
    assert_eq!(app.refresh(&other_device.refresh_token).await.status(), 401);
    assert_eq!(
        app.login(&email, "correct horse battery staple")
            .await
            .status(),
        401
    );
    assert_eq!(app.login(&email, NEW_PASSWORD).await.status(), 200);

    // The link works once.
    let reused = problem(
        confirm_reset(&app, &token, "another lantern violet ocean").await,
        StatusCode::NOT_FOUND,
    )
    .await;
    assert!(reused["errors"]["token"][0].as_str().is_some(), "{reused}");

    app.run_jobs().await;
    let subjects = subjects_to(&app, &email);
    assert!(
        subjects
            .iter()
            .any(|s| s.contains("password") && s.contains("was changed")),
        "{subjects:?}"
    );
}

#[tokio::test]
async fn an_unknown_email_gets_the_same_answer_and_nothing_is_sent() {
    // R-RESET, R-NO-ORACLE: the same status, headers and body whether or not the email has
    // an account, and no email to an address without one.
    let app = spawn_app().await;
    let p = app.staffed_practice("Oracle Clinic").await;
    let known = ask_reset(&app, &p.provider.person.email).await;
    let unknown = ask_reset(&app, "nobody@oracle-clinic.test").await;
    assert_eq!(known.status(), unknown.status());
    let shape = |response: &reqwest::Response| {
        let mut names: Vec<String> = response
            .headers()
            .keys()
            .filter(|name| *name != "date")
            .map(ToString::to_string)
            .collect();
        names.sort();
        names
    };
    assert_eq!(shape(&known), shape(&unknown));
    assert_eq!(
        known.bytes().await.expect("a body"),
        unknown.bytes().await.expect("a body")
    );
    app.run_jobs().await;
    assert!(subjects_to(&app, "nobody@oracle-clinic.test").is_empty());
    assert_eq!(subjects_to(&app, &p.provider.person.email).len(), 1);
}

#[tokio::test]
async fn reset_requests_are_limited_per_email() {
    let app = spawn_app().await;
    let p = app.staffed_practice("Flood Clinic").await;
    for _ in 0..3 {
        assert_eq!(
            ask_reset(&app, &p.staff.person.email).await.status(),
            StatusCode::ACCEPTED
        );
    }
    let refused = ask_reset(&app, &p.staff.person.email).await;
    assert_eq!(refused.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(refused.headers().contains_key("retry-after"));
    // Another email from the same address is still served.
    assert_eq!(
        ask_reset(&app, &p.admin.person.email).await.status(),
        StatusCode::ACCEPTED
    );
    app.run_jobs().await;
    assert_eq!(subjects_to(&app, &p.staff.person.email).len(), 3);
}

#[tokio::test]
async fn forged_and_expired_reset_tokens_change_nothing() {
    let app = spawn_app().await;
    let p = app.staffed_practice("Forged Clinic").await;
    let forged = problem(
        confirm_reset(&app, "made-up-token", NEW_PASSWORD).await,
        StatusCode::NOT_FOUND,
    )
    .await;
    assert!(forged["errors"]["token"][0].as_str().is_some());

    ask_reset(&app, &p.client.person.email).await;
    let token = app.token_from_mail(&p.client.person.email).await;
    diesel::sql_query("UPDATE password_resets SET expires_at = now() - interval '1 minute'")
        .execute(&mut app.database.connect().await)
        .await
        .expect("expire the link");
    problem(
        confirm_reset(&app, &token, NEW_PASSWORD).await,
        StatusCode::NOT_FOUND,
    )
    .await;
    assert_eq!(
        app.get_as(&p.client.token, "/api/v1/me").await.status(),
        200
    );
    assert_eq!(
        app.login(&p.client.person.email, "correct horse battery staple")
            .await
            .status(),
        200
    );
}

#[tokio::test]
async fn a_signed_in_person_changes_their_password_with_the_current_one() {
    let app = spawn_app().await;
    let p = app.staffed_practice("Change Clinic").await;
    let other_device = app.sign_in(&p.provider.account()).await;
    let change = |current: &str, new: &str| {
        app.send_as(
            Method::POST,
            &p.provider.token,
            "/api/v1/me/password",
            Some(json!({"current_password": current, "new_password": new})),
        )
    };
    let wrong = problem(
        change("not my password", NEW_PASSWORD).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert!(
        wrong["errors"]["current_password"][0].as_str().is_some(),
        "{wrong}"
    );
    let weak = problem(
        change("correct horse battery staple", "changeclinic2026").await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert!(
        weak["errors"]["new_password"][0].as_str().is_some(),
        "{weak}"
    );

    let changed = change("correct horse battery staple", NEW_PASSWORD).await;
    assert_eq!(changed.status(), 200);
    let tokens: Value = changed.json().await.expect("new tokens");
    let fresh = tokens["access_token"].as_str().expect("an access token");
    assert_eq!(app.get_as(fresh, "/api/v1/me").await.status(), 200);
    assert_eq!(
        app.get_as(&other_device.access_token, "/api/v1/me")
            .await
            .status(),
        401
    );
    assert_eq!(app.refresh(&other_device.refresh_token).await.status(), 401);
    let account = Account {
        id: p.provider.person.id,
        email: p.provider.person.email.clone(),
        password: NEW_PASSWORD.to_owned(),
    };
    app.sign_in(&account).await;
    app.run_jobs().await;
    assert!(
        subjects_to(&app, &p.provider.person.email)
            .iter()
            .any(|s| s.contains("was changed"))
    );
}

#[tokio::test]
async fn wrong_current_passwords_are_limited() {
    let app = spawn_app().await;
    let p = app.staffed_practice("Guess Clinic").await;
    for _ in 0..5 {
        let response = app
            .send_as(
                Method::POST,
                &p.staff.token,
                "/api/v1/me/password",
                Some(json!({"current_password": "a wrong guess", "new_password": NEW_PASSWORD})),
            )
            .await;
        assert_eq!(response.status(), 422);
    }
    let refused = app
        .send_as(
            Method::POST,
            &p.staff.token,
            "/api/v1/me/password",
            Some(json!({"current_password": "correct horse battery staple", "new_password": NEW_PASSWORD})),
        )
        .await;
    assert_eq!(refused.status(), StatusCode::TOO_MANY_REQUESTS);
}
