//! Signing in, tokens, sessions and throttling (SPEC §7 "Auth").

use chrono::Utc;
use confidant_openapi::auth::TokenResponse;
use confidant_openapi::me::Me;
use confidant_openapi::people::Role;
use confidant_openapi::{Problem, ProblemCode};
use confidant_tests::spawn_app;
use diesel_async::RunQueryDsl;
use jsonwebtoken::{Algorithm, EncodingKey, Header};

const TEST_SECRET: &str = "test-secret-that-is-long-enough-to-pass-the-check";

async fn problem(response: reqwest::Response) -> Problem {
    assert_eq!(
        response.headers()["content-type"],
        confidant_openapi::PROBLEM_JSON
    );
    response.json().await.expect("a problem")
}

#[tokio::test]
async fn owner_signs_in_and_sees_themselves() {
    let app = spawn_app().await;
    let practice = app.create_practice("Harbor Therapy").await;

    let response = app
        .login(&practice.owner.email, &practice.owner.password)
        .await;
    assert_eq!(response.status(), 200);
    let cookie = response.headers()["set-cookie"]
        .to_str()
        .expect("ascii")
        .to_owned();
    assert!(cookie.starts_with("confidant_refresh="), "{cookie}");
    assert!(cookie.contains("HttpOnly"), "{cookie}");
    assert!(cookie.contains("SameSite=Strict"), "{cookie}");
    assert!(cookie.contains("Path=/api/v1/auth"), "{cookie}");
    let tokens: TokenResponse = response.json().await.expect("tokens");
    assert_eq!(tokens.token_type, "Bearer");
    assert_eq!(tokens.expires_in, 900);
    assert_eq!(tokens.person.id, practice.owner.id);
    assert_eq!(tokens.person.role, Some(Role::Owner));

    let me: Me = app
        .get_as(&tokens.access_token, "/api/v1/me")
        .await
        .json()
        .await
        .expect("me");
    assert_eq!(me.person.email, practice.owner.email);
    assert!(me.person.has_portal_account);
    assert_eq!(me.practice.id, practice.id);
    assert_eq!(me.practice.name, "Harbor Therapy");
}

#[tokio::test]
async fn email_is_matched_without_regard_to_case_or_spaces() {
    let app = spawn_app().await;
    let practice = app.create_practice("Case Clinic").await;
    let shouted = format!("  {}  ", practice.owner.email.to_uppercase());
    assert_eq!(
        app.login(&shouted, &practice.owner.password).await.status(),
        200
    );
}

#[tokio::test]
async fn wrong_password_and_unknown_email_get_the_same_401() {
    let app = spawn_app().await;
    let practice = app.create_practice("Same Answer").await;

    let wrong = problem(
        app.login(&practice.owner.email, "not the password at all")
            .await,
    )
    .await;
    let unknown = problem(
        app.login("nobody@nowhere.test", "not the password at all")
            .await,
    )
    .await;
    assert_eq!(wrong.status, 401);
    assert_eq!(wrong.code, ProblemCode::Unauthorized);
    assert_eq!(wrong, unknown, "no hint whether the account exists");
}

#[tokio::test]
async fn login_rejects_unknown_fields_and_empty_fields() {
    let app = spawn_app().await;
    let response = app
        .client
        .post(app.url("/api/v1/auth/login"))
        .json(&serde_json::json!({"email": "a@b.test", "password": "x", "practice_id": "p"}))
        .send()
        .await
        .expect("an answer");
    assert_eq!(response.status(), 400);
    assert!(
        problem(response)
            .await
            .detail
            .unwrap_or_default()
            .contains("practice_id")
    );

    let response = app.login("", "").await;
    assert_eq!(response.status(), 422);
    let problem = problem(response).await;
    let errors = problem.errors.expect("field errors");
    assert!(
        errors.contains_key("email") && errors.contains_key("password"),
        "{errors:?}"
    );
}

#[tokio::test]
async fn repeated_failures_are_throttled_with_retry_after() {
    let app = spawn_app().await;
    let practice = app.create_practice("Throttle Clinic").await;
    for attempt in 1..=5 {
        let response = app
            .login(&practice.owner.email, "wrong password attempt")
            .await;
        assert_eq!(response.status(), 401, "attempt {attempt}");
    }
    let response = app
        .login(&practice.owner.email, "wrong password attempt")
        .await;
    assert_eq!(response.status(), 429);
    let retry_after: u64 = response.headers()["retry-after"]
        .to_str()
        .expect("ascii")
        .parse()
        .expect("seconds");
    assert!((1..=900).contains(&retry_after), "{retry_after}");
    assert_eq!(problem(response).await.code, ProblemCode::TooManyRequests);
    // While throttled, even the right password is refused.
    let response = app
        .login(&practice.owner.email, &practice.owner.password)
        .await;
    assert_eq!(response.status(), 429);
}

#[tokio::test]
async fn failures_are_throttled_per_address_across_accounts() {
    let app = spawn_app().await;
    // 20 failures from one address, spread over many (unknown) accounts.
    for n in 0..20 {
        let response = app
            .login(&format!("guess{n}@nowhere.test"), "wrong password")
            .await;
        assert_eq!(response.status(), 401, "attempt {n}");
    }
    let practice = app.create_practice("Address Clinic").await;
    let response = app
        .login(&practice.owner.email, &practice.owner.password)
        .await;
    assert_eq!(response.status(), 429);
}

#[tokio::test]
async fn sign_ins_and_failures_are_audited_without_the_email() {
    let app = spawn_app().await;
    let practice = app.create_practice("Audit Clinic").await;
    app.sign_in(&practice.owner).await;
    app.login(&practice.owner.email, "wrong password here")
        .await;
    let mut conn = app.database.connect().await;
    #[derive(diesel::QueryableByName)]
    struct Row {
        #[diesel(sql_type = diesel::sql_types::Text)]
        action: String,
        #[diesel(sql_type = diesel::sql_types::Text)]
        everything: String,
    }
    let rows: Vec<Row> = diesel::sql_query(
        "SELECT action, row_to_json(audit_events)::text AS everything FROM audit_events ORDER BY created_at",
    )
    .load(&mut conn)
    .await
    .expect("audit rows");
    let actions: Vec<&str> = rows.iter().map(|r| r.action.as_str()).collect();
    assert_eq!(actions, ["sign_in", "sign_in_failed"]);
    for row in &rows {
        assert!(
            !row.everything.contains(&practice.owner.email),
            "{}",
            row.everything
        );
    }
}

#[tokio::test]
async fn refresh_rotates_and_a_reused_token_ends_the_session() {
    let app = spawn_app().await;
    let practice = app.create_practice("Rotation Clinic").await;
    let first = app.sign_in(&practice.owner).await;

    let response = app.refresh(&first.refresh_token).await;
    assert_eq!(response.status(), 200);
    let second: TokenResponse = response.json().await.expect("tokens");
    assert_ne!(second.refresh_token, first.refresh_token);
    assert_eq!(
        app.get_as(&second.access_token, "/api/v1/me")
            .await
            .status(),
        200
    );

    // The first token is spent: presenting it again means it was copied.
    let reuse = app.refresh(&first.refresh_token).await;
    assert_eq!(reuse.status(), 401);
    assert_eq!(problem(reuse).await.code, ProblemCode::Unauthorized);
    // The whole session is gone: its newest refresh token and its access token too.
    assert_eq!(app.refresh(&second.refresh_token).await.status(), 401);
    assert_eq!(
        app.get_as(&second.access_token, "/api/v1/me")
            .await
            .status(),
        401
    );
    // Another session of the same person is untouched.
    let other = app.sign_in(&practice.owner).await;
    assert_eq!(
        app.get_as(&other.access_token, "/api/v1/me").await.status(),
        200
    );
}

#[tokio::test]
async fn refresh_works_from_the_cookie_alone() {
    let app = spawn_app().await;
    let practice = app.create_practice("Cookie Clinic").await;
    let tokens = app.sign_in(&practice.owner).await;
    let response = app
        .client
        .post(app.url("/api/v1/auth/refresh"))
        .header(
            "cookie",
            format!("confidant_refresh={}", tokens.refresh_token),
        )
        .send()
        .await
        .expect("an answer");
    assert_eq!(response.status(), 200);
    let cookie = response.headers()["set-cookie"]
        .to_str()
        .expect("ascii")
        .to_owned();
    let next: TokenResponse = response.json().await.expect("tokens");
    assert!(
        cookie.contains(&next.refresh_token),
        "the cookie carries the new token"
    );
}

#[tokio::test]
async fn idle_sessions_end() {
    let app = spawn_app().await;
    let practice = app.create_practice("Idle Clinic").await;
    let tokens = app.sign_in(&practice.owner).await;
    let mut conn = app.database.connect().await;
    diesel::sql_query("UPDATE sessions SET last_active_at = now() - interval '31 minutes'")
        .execute(&mut conn)
        .await
        .expect("age the session");
    let response = app.refresh(&tokens.refresh_token).await;
    assert_eq!(response.status(), 401);
    assert!(
        problem(response)
            .await
            .detail
            .unwrap_or_default()
            .contains("without activity")
    );
    // The session is over for its access token too.
    assert_eq!(
        app.get_as(&tokens.access_token, "/api/v1/me")
            .await
            .status(),
        401
    );
}

#[tokio::test]
async fn logout_ends_access_and_refresh_tokens() {
    let app = spawn_app().await;
    let practice = app.create_practice("Logout Clinic").await;
    let tokens = app.sign_in(&practice.owner).await;
    let response = app
        .client
        .post(app.url("/api/v1/auth/logout"))
        .json(&serde_json::json!({"refresh_token": tokens.refresh_token}))
        .send()
        .await
        .expect("an answer");
    assert_eq!(response.status(), 204);
    assert!(
        response.headers()["set-cookie"]
            .to_str()
            .expect("ascii")
            .contains("confidant_refresh=;")
    );
    assert_eq!(
        app.get_as(&tokens.access_token, "/api/v1/me")
            .await
            .status(),
        401
    );
    assert_eq!(app.refresh(&tokens.refresh_token).await.status(), 401);
    // Logging out twice is harmless.
    let again = app
        .client
        .post(app.url("/api/v1/auth/logout"))
        .json(&serde_json::json!({"refresh_token": tokens.refresh_token}))
        .send()
        .await
        .expect("an answer");
    assert_eq!(again.status(), 204);
}

#[tokio::test]
async fn a_new_security_stamp_ends_older_access_tokens() {
    let app = spawn_app().await;
    let practice = app.create_practice("Stamp Clinic").await;
    let tokens = app.sign_in(&practice.owner).await;
    let mut conn = app.database.connect().await;
    diesel::sql_query("UPDATE people SET security_stamp = gen_random_uuid()")
        .execute(&mut conn)
        .await
        .expect("change the stamp");
    assert_eq!(
        app.get_as(&tokens.access_token, "/api/v1/me")
            .await
            .status(),
        401
    );
}

fn sign(claims: &serde_json::Value, secret: &str) -> String {
    jsonwebtoken::encode(
        &Header::new(Algorithm::HS256),
        claims,
        &EncodingKey::from_secret(secret.as_bytes()),
    )
    .expect("sign")
}

#[tokio::test]
async fn forged_expired_and_foreign_tokens_are_401() {
    use base64::Engine;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;

    let app = spawn_app().await;
    let practice = app.create_practice("Forgery Clinic").await;
    let genuine = app.sign_in(&practice.owner).await;
    let parts: Vec<&str> = genuine.access_token.split('.').collect();
    let claims: serde_json::Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[1]).expect("base64")).expect("json");
    assert_eq!(
        app.get_as(&sign(&claims, TEST_SECRET), "/api/v1/me")
            .await
            .status(),
        200,
        "control"
    );

    let now = Utc::now().timestamp();
    let with = |key: &str, value: serde_json::Value| {
        let mut changed = claims.clone();
        changed[key] = value;
        changed
    };
    let alg_none = format!(
        "{}.{}.",
        URL_SAFE_NO_PAD.encode(r#"{"alg":"none","typ":"JWT"}"#),
        parts[1]
    );
    let tampered = format!(
        "{}.{}.{}",
        parts[0],
        URL_SAFE_NO_PAD.encode(with("sub", serde_json::json!(uuid::Uuid::new_v4())).to_string()),
        parts[2]
    );
    let cases = [
        ("alg none", alg_none),
        ("tampered payload", tampered),
        (
            "other secret",
            sign(&claims, "some-other-secret-that-is-long-enough-too"),
        ),
        (
            "expired",
            sign(&with("exp", serde_json::json!(now - 120)), TEST_SECRET),
        ),
        (
            "wrong audience",
            sign(&with("aud", serde_json::json!("another-api")), TEST_SECRET),
        ),
        (
            "wrong issuer",
            sign(&with("iss", serde_json::json!("someone-else")), TEST_SECRET),
        ),
        ("garbage", "not.a.token".to_owned()),
    ];
    for (case, token) in cases {
        let response = app.get_as(&token, "/api/v1/me").await;
        assert_eq!(response.status(), 401, "{case}");
        assert_eq!(
            response.headers()["www-authenticate"],
            "Bearer realm=\"confidant\"",
            "{case}"
        );
        assert_eq!(
            problem(response).await.code,
            ProblemCode::Unauthorized,
            "{case}"
        );
    }
    let anonymous = app.get("/api/v1/me").await;
    assert_eq!(anonymous.status(), 401);
}

#[tokio::test]
async fn a_token_of_another_practice_cannot_pose_as_this_one() {
    let app = spawn_app().await;
    let here = app.create_practice("Here Clinic").await;
    let there = app.create_practice("There Clinic").await;
    let tokens = app.sign_in(&here.owner).await;
    let parts: Vec<&str> = tokens.access_token.split('.').collect();
    use base64::Engine;
    let mut claims: serde_json::Value = serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(parts[1])
            .expect("base64"),
    )
    .expect("json");
    // Even a correctly signed token (the secret leaked) naming another practice finds nobody.
    claims["pid"] = serde_json::json!(there.id);
    let response = app.get_as(&sign(&claims, TEST_SECRET), "/api/v1/me").await;
    assert_eq!(response.status(), 401);
}

#[tokio::test]
async fn the_badge_sent_with_the_session_check_answers_only_when_the_check_passes() {
    // The badge's count goes to the database in the same round trip as the session check
    // (`Caller::check_with`): whatever the check refuses, the badge refuses, and tells nothing.
    use confidant_openapi::conversations::UnreadCounts;
    use reqwest::Method;
    let app = spawn_app().await;
    let p = app.staffed_practice("Badge Clinic").await;
    app.start_thread(&p.provider, p.client.person.id, "Hello", "One.")
        .await;
    let badge = async |token: &str| app.get_as(token, "/api/v1/unread").await;
    let refused = async |token: &str, status: u16, code: ProblemCode| {
        let response = badge(token).await;
        assert_eq!(response.status(), status);
        let problem: Problem = response.json().await.expect("a problem");
        assert_eq!(problem.code, code);
    };

    let signed_in = app.sign_in(&p.client.account()).await;
    let counts: UnreadCounts = badge(&signed_in.access_token)
        .await
        .json()
        .await
        .expect("counts");
    assert_eq!((counts.conversations, counts.messages), (1, 1));

    // An API key with the scope reads its person's badge; one without it is refused.
    let key = async |scope: &str| -> String {
        let created = app
            .send_as(
                Method::POST,
                &p.provider.token,
                "/api/v1/me/api-keys",
                Some(serde_json::json!({"name": "badge", "scopes": [scope]})),
            )
            .await;
        assert_eq!(created.status(), 201);
        let created: serde_json::Value = created.json().await.expect("a key");
        created["key"].as_str().expect("the key").to_owned()
    };
    let counts: UnreadCounts = badge(&key("conversations:read").await)
        .await
        .json()
        .await
        .expect("counts");
    assert_eq!((counts.conversations, counts.messages), (0, 0));
    refused(&key("people:read").await, 403, ProblemCode::Forbidden).await;

    // Staff who must first set up a second factor get no badge; clients are not concerned.
    let required = app
        .send_as(
            Method::PATCH,
            &p.admin.token,
            "/api/v1/practice",
            Some(serde_json::json!({"require_staff_mfa": true})),
        )
        .await;
    assert_eq!(required.status(), 200);
    refused(&p.provider.token, 403, ProblemCode::MfaEnrolmentRequired).await;
    assert_eq!(badge(&p.client.token).await.status(), 200);

    // A session ended by logout, and tokens older than a new security stamp, get 401.
    let logout = app
        .client
        .post(app.url("/api/v1/auth/logout"))
        .json(&serde_json::json!({"refresh_token": signed_in.refresh_token}))
        .send()
        .await
        .expect("an answer");
    assert_eq!(logout.status(), 204);
    refused(&signed_in.access_token, 401, ProblemCode::Unauthorized).await;
    let mut conn = app.database.connect().await;
    diesel::sql_query("UPDATE people SET security_stamp = gen_random_uuid()")
        .execute(&mut conn)
        .await
        .expect("update");
    refused(&p.client.token, 401, ProblemCode::Unauthorized).await;
    // A token that is not genuine never reaches the database.
    refused("not-a-token", 401, ProblemCode::Unauthorized).await;
}
