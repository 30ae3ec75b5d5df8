//! Sign-in with a second factor (R-MFA): TOTP codes computed here from the secret, as the
//! person's app would; recovery codes once each; replays refused; a practice that requires it
//! of staff leaves staff without it nothing but setting it up, and clients alone.

use confidant_openapi::auth::TokenResponse;
use confidant_openapi::me::{Me, RecoveryCodeList, TotpEnrolment};
use confidant_openapi::{Problem, ProblemCode};
use confidant_tests::fixtures::Member;
use confidant_tests::{TestApp, spawn_app};
use reqwest::Method;
use serde_json::{Value, json};
use totp_rs::{Builder, Secret, Totp};

/// The person's authenticator app, from the secret the server gave.
fn app_for(enrolment: &TotpEnrolment) -> Totp {
    let secret = Secret::try_from_base32(&enrolment.secret).expect("base32");
    Builder::new()
        .with_secret(secret)
        .build()
        .expect("a valid secret")
}

fn now() -> u64 {
    u64::try_from(chrono::Utc::now().timestamp()).expect("after 1970")
}

/// A code of the step after the last one used: codes of one step work once, so a test that
/// needs two codes takes them from neighbouring steps (the server accepts one step of drift).
fn code(app: &Totp, offset_steps: i64) -> String {
    let at = now() as i64 + offset_steps * 30;
    app.generate(u64::try_from(at).expect("positive"))
        .to_string()
}

/// The subjects and text of the emails `member`'s sign-in address received, in order,
/// checked for what no such email may carry: the person's name or any code.
fn notices_to(app: &TestApp, member: &Member) -> Vec<String> {
    app.mail
        .messages()
        .iter()
        .filter(|mail| mail.recipients.contains(&member.person.email))
        .map(|mail| {
            let mail = mail.parse();
            let text = format!("{}\n{}", mail.subject, mail.text.unwrap_or_default());
            assert!(!text.contains(&member.person.name), "{text}");
            text
        })
        .collect()
}

async fn enrol(app: &TestApp, member: &Member) -> (Totp, Vec<String>) {
    let started = app
        .send_as(Method::POST, &member.token, "/api/v1/me/mfa/totp", None)
        .await;
    assert_eq!(started.status(), 200);
    let enrolment: TotpEnrolment = started.json().await.expect("an enrolment");
    assert!(
        enrolment
            .otpauth_uri
            .starts_with("otpauth://totp/Confidant:"),
        "{}",
        enrolment.otpauth_uri
    );
    assert!(enrolment.otpauth_uri.contains(&enrolment.secret));
    let totp = app_for(&enrolment);

    // A wrong code confirms nothing.
    let wrong = confirm(app, member, "000000").await;
    assert_eq!(wrong.status(), 422);
    let confirmed = confirm(app, member, &code(&totp, -1)).await;
    assert_eq!(confirmed.status(), 200);
    let codes: RecoveryCodeList = confirmed.json().await.expect("recovery codes");
    assert!(codes.recovery_codes.len() >= 8);
    (totp, codes.recovery_codes)
}

async fn confirm(app: &TestApp, member: &Member, code: &str) -> reqwest::Response {
    app.send_as(
        Method::POST,
        &member.token,
        "/api/v1/me/mfa/totp/confirm",
        Some(json!({"code": code})),
    )
    .await
}

async fn password_step(app: &TestApp, member: &Member) -> String {
    let account = member.account();
    let response = app.login(&account.email, &account.password).await;
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.expect("json");
    assert_eq!(body["mfa_required"], true, "{body}");
    assert!(
        body.get("access_token").is_none(),
        "no token before the code"
    );
    body["mfa_token"].as_str().expect("a token").to_owned()
}

async fn code_step(app: &TestApp, mfa_token: &str, code: &str) -> reqwest::Response {
    app.client
        .post(app.url("/api/v1/auth/login/mfa"))
        .json(&json!({"mfa_token": mfa_token, "code": code}))
        .send()
        .await
        .expect("an answer")
}

#[tokio::test]
async fn a_person_enrols_then_signs_in_with_a_code_once_and_a_recovery_code_once() {
    // R-MFA
    let app = spawn_app().await;
    let p = app.staffed_practice("Second Factor Clinic").await;
    let (totp, recovery) = enrol(&app, &p.provider).await;
    let me: Me = app
        .get_as(&p.provider.token, "/api/v1/me")
        .await
        .json()
        .await
        .expect("me");
    assert!(me.mfa.enabled);
    assert_eq!(me.mfa.recovery_codes_left, recovery.len() as i64);
    // A second enrolment waits until this one is turned off.
    let again = app
        .send_as(Method::POST, &p.provider.token, "/api/v1/me/mfa/totp", None)
        .await;
    assert_eq!(again.status(), 409);

    // Password alone no longer signs in; a wrong code is 401 and a right one signs in.
    let mfa_token = password_step(&app, &p.provider).await;
    let wrong = code_step(&app, &mfa_token, "123456").await;
    assert_eq!(wrong.status(), 401);
    let problem: Problem = wrong.json().await.expect("a problem");
    assert_eq!(problem.code, ProblemCode::Unauthorized);
    let current = code(&totp, 0);
    let signed_in = code_step(&app, &mfa_token, &current).await;
    assert_eq!(signed_in.status(), 200);
    let tokens: TokenResponse = signed_in.json().await.expect("tokens");
    assert_eq!(
        app.get_as(&tokens.access_token, "/api/v1/me")
            .await
            .status(),
        200
    );
    // The challenge is spent, and the same code does not work again in a new one.
    assert_eq!(code_step(&app, &mfa_token, &current).await.status(), 401);
    let replay_token = password_step(&app, &p.provider).await;
    let replayed = code_step(&app, &replay_token, &current).await;
    assert_eq!(replayed.status(), 401, "a code works once");

    // A recovery code signs in once, typed any way, and the account hears of it.
    app.run_jobs().await;
    let before = notices_to(&app, &p.provider).len();
    let typed = recovery[0].to_uppercase().replace('-', " ");
    let with_recovery = code_step(&app, &replay_token, &typed).await;
    assert_eq!(with_recovery.status(), 200);
    app.run_jobs().await;
    let notices = notices_to(&app, &p.provider);
    assert_eq!(notices.len(), before + 1, "{notices:?}");
    assert!(
        notices[before].contains("A recovery code was used"),
        "{notices:?}"
    );
    let again_token = password_step(&app, &p.provider).await;
    assert_eq!(
        code_step(&app, &again_token, &recovery[0]).await.status(),
        401
    );

    // Forged tokens open nothing.
    assert_eq!(
        code_step(&app, "not-a-token", &code(&totp, 1))
            .await
            .status(),
        401
    );

    // Turning it off takes a current code; then the password alone signs in again.
    let off_wrong = app
        .send_as(
            Method::DELETE,
            &tokens.access_token,
            "/api/v1/me/mfa/totp",
            Some(json!({"code": "000000"})),
        )
        .await;
    assert_eq!(off_wrong.status(), 422);
    let off = app
        .send_as(
            Method::DELETE,
            &tokens.access_token,
            "/api/v1/me/mfa/totp",
            Some(json!({"code": recovery[1]})),
        )
        .await;
    assert_eq!(off.status(), 204);
    app.run_jobs().await;
    let notices = notices_to(&app, &p.provider);
    assert_eq!(notices.len(), before + 2, "{notices:?}");
    assert!(
        notices[before + 1].contains("was turned off"),
        "{notices:?}"
    );
    let account = p.provider.account();
    let plain: Value = app
        .login(&account.email, &account.password)
        .await
        .json()
        .await
        .expect("tokens");
    assert!(plain["access_token"].is_string(), "{plain}");
}

#[tokio::test]
async fn wrong_codes_are_limited_per_challenge_and_per_person() {
    // R-MFA
    let app = spawn_app().await;
    let p = app.staffed_practice("Code Guessing").await;
    let (totp, _) = enrol(&app, &p.staff).await;
    let mfa_token = password_step(&app, &p.staff).await;
    for _ in 0..5 {
        assert_eq!(code_step(&app, &mfa_token, "111111").await.status(), 401);
    }
    // The challenge is used up: even the right code needs the password again.
    assert_eq!(
        code_step(&app, &mfa_token, &code(&totp, 0)).await.status(),
        401
    );
    // With the wrong code at enrolment, four more make ten wrong codes for the person: the
    // next attempt waits, whatever its challenge and code.
    let second = password_step(&app, &p.staff).await;
    for _ in 0..4 {
        assert_eq!(code_step(&app, &second, "222222").await.status(), 401);
    }
    let third = password_step(&app, &p.staff).await;
    let limited = code_step(&app, &third, &code(&totp, 0)).await;
    assert_eq!(limited.status(), 429);
    assert!(limited.headers().contains_key("retry-after"));
}

#[tokio::test]
async fn a_practice_requiring_mfa_leaves_staff_without_it_only_enrolment_and_clients_alone() {
    // R-MFA
    let app = spawn_app().await;
    let p = app.staffed_practice("Required Factor").await;
    for (who, status) in [(&p.provider.token, 403), (&p.client.token, 403)] {
        let response = app
            .send_as(
                Method::PATCH,
                who,
                "/api/v1/practice",
                Some(json!({"require_staff_mfa": true})),
            )
            .await;
        assert_eq!(response.status(), status);
    }
    let set = app
        .send_as(
            Method::PATCH,
            &p.admin.token,
            "/api/v1/practice",
            Some(json!({"require_staff_mfa": true})),
        )
        .await;
    assert_eq!(set.status(), 200);

    // The provider has no second factor: their own account answers, practice data does not.
    let blocked = app.get_as(&p.provider.token, "/api/v1/conversations").await;
    assert_eq!(blocked.status(), 403);
    let problem: Problem = blocked.json().await.expect("a problem");
    assert_eq!(problem.code, ProblemCode::MfaEnrolmentRequired);
    let me: Me = app
        .get_as(&p.provider.token, "/api/v1/me")
        .await
        .json()
        .await
        .expect("me");
    assert!(me.mfa.enrolment_required);
    // Clients are not forced.
    assert_eq!(
        app.get_as(&p.client.token, "/api/v1/conversations")
            .await
            .status(),
        200
    );

    let (totp, _) = enrol(&app, &p.provider).await;
    assert_eq!(
        app.get_as(&p.provider.token, "/api/v1/conversations")
            .await
            .status(),
        200
    );
    // While it is required, staff cannot turn it off.
    let off = app
        .send_as(
            Method::DELETE,
            &p.provider.token,
            "/api/v1/me/mfa/totp",
            Some(json!({"code": code(&totp, 1)})),
        )
        .await;
    assert_eq!(off.status(), 403);
}
