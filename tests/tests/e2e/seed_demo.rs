//! `confidant seed-demo`: a demo practice whose every printed sign-in works, seeded once.

use std::collections::HashSet;
use std::process::Output;

use confidant_openapi::people::{ClientStatus, PeoplePage, PersonKind};
use confidant_openapi::staff_groups::StaffGroupList;
use confidant_tests::binary::confidant_command;
use confidant_tests::database::TestDatabase;
use confidant_tests::{TestApp, spawn_app};
use serde::Deserialize;

/// `seed-demo --json`'s output.
#[derive(Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
struct Demo {
    practice_id: uuid::Uuid,
    practice_name: String,
    people: Vec<SignIn>,
}

#[derive(Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
struct SignIn {
    name: String,
    email: String,
    password: String,
    kind: String,
    role: Option<String>,
    status: Option<String>,
}

/// Runs `confidant seed-demo <args>` against `database_url` without blocking the runtime
/// (the in-process server shares it).
async fn seed_demo(database_url: &str, args: &[&str]) -> Output {
    tokio::process::Command::from(confidant_command())
        .env("DATABASE_URL", database_url)
        .arg("seed-demo")
        .args(args)
        .output()
        .await
        .expect("run confidant seed-demo")
}

fn stdout_of(output: &Output) -> String {
    assert!(
        output.status.success(),
        "seed-demo failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout.clone()).expect("UTF-8 on stdout")
}

fn parse(output: &Output) -> Demo {
    serde_json::from_str(&stdout_of(output)).expect("JSON on stdout")
}

fn with_role<'a>(demo: &'a Demo, role: &str) -> Vec<&'a SignIn> {
    demo.people
        .iter()
        .filter(|p| p.role.as_deref() == Some(role))
        .collect()
}

async fn sign_in(app: &TestApp, person: &SignIn) -> String {
    let response = app.login(&person.email, &person.password).await;
    assert_eq!(response.status(), 200, "{} signs in", person.email);
    let tokens: confidant_openapi::auth::TokenResponse =
        response.json().await.expect("a token response");
    tokens.access_token
}

#[tokio::test]
async fn seed_demo_creates_a_practice_whose_every_sign_in_works() {
    let app = spawn_app().await;
    let demo = parse(&seed_demo(app.database.url(), &["--json"]).await);

    assert_eq!(demo.practice_name, "Riverbend Counseling");
    assert_eq!(with_role(&demo, "owner").len(), 1);
    assert_eq!(with_role(&demo, "provider").len(), 2);
    assert_eq!(with_role(&demo, "staff").len(), 1);
    let clients: Vec<&SignIn> = demo.people.iter().filter(|p| p.kind == "client").collect();
    assert_eq!(clients.len(), 12);
    for status in ["active", "inactive", "archived"] {
        assert!(
            clients.iter().any(|c| c.status.as_deref() == Some(status)),
            "a client is {status}"
        );
    }
    assert!(
        demo.people.iter().all(|p| p.email.ends_with(".example")
            && p.password.chars().count() >= 12
            && (p.kind == "staff") == p.role.is_some()
            && (p.kind == "client") == p.status.is_some()),
        "{demo:#?}"
    );

    // Every printed sign-in signs in.
    let mut owner_token = None;
    for person in &demo.people {
        let token = sign_in(&app, person).await;
        if person.role.as_deref() == Some("owner") {
            owner_token = Some(token);
        }
    }
    let owner_token = owner_token.expect("the owner signed in");

    // What the API shows: clients with providers and mixed statuses, the "Front desk" group.
    let page: PeoplePage = app
        .get_as(&owner_token, "/api/v1/people?kind=client&limit=200")
        .await
        .json()
        .await
        .expect("a page of clients");
    assert_eq!(page.items.len(), 12);
    assert!(page.next_cursor.is_none());
    let staff: PeoplePage = app
        .get_as(&owner_token, "/api/v1/people?kind=staff&limit=200")
        .await
        .json()
        .await
        .expect("a page of staff");
    let provider_ids: HashSet<uuid::Uuid> = staff
        .items
        .iter()
        .filter(|p| p.role == Some(confidant_openapi::people::Role::Provider))
        .map(|p| p.id)
        .collect();
    assert_eq!(provider_ids.len(), 2);
    for client in &page.items {
        assert_eq!(client.kind, PersonKind::Client);
        assert!(client.has_portal_account, "{} can sign in", client.email);
        let assigned = client.provider_ids.clone().unwrap_or_default();
        assert!(!assigned.is_empty(), "{} has a provider", client.email);
        assert!(assigned.iter().all(|id| provider_ids.contains(id)));
    }
    for provider in &provider_ids {
        assert!(
            page.items.iter().any(|c| c
                .provider_ids
                .as_ref()
                .is_some_and(|ids| ids == &vec![*provider])),
            "each provider has clients of their own"
        );
    }
    assert!(
        page.items
            .iter()
            .any(|c| c.provider_ids.as_ref().is_some_and(|ids| ids.len() == 2)),
        "a client sees both providers"
    );
    let statuses: HashSet<ClientStatus> = page.items.iter().filter_map(|c| c.status).collect();
    assert_eq!(statuses.len(), 3, "active, inactive and archived clients");

    let groups: StaffGroupList = app
        .get_as(&owner_token, "/api/v1/staff-groups")
        .await
        .json()
        .await
        .expect("the staff groups");
    let front_desk = groups
        .items
        .iter()
        .find(|g| g.name == "Front desk")
        .expect("a Front desk group");
    let front_desk_person = staff
        .items
        .iter()
        .find(|p| p.role == Some(confidant_openapi::people::Role::Staff))
        .expect("a front-desk staff member");
    assert!(front_desk.member_ids.contains(&front_desk_person.id));
}

#[tokio::test]
async fn seed_demo_twice_prints_the_same_sign_ins_and_adds_nobody() {
    let app = spawn_app().await;
    let first = seed_demo(app.database.url(), &[]).await;
    let text = stdout_of(&first);
    let lines: Vec<&str> = text.lines().collect();
    assert!(lines[0].starts_with("Riverbend Counseling"), "{text}");
    assert_eq!(
        lines.len(),
        1 + 17,
        "the practice, then one line per person: {text}"
    );
    assert!(
        lines[1..]
            .iter()
            .all(|line| line.contains("@riverbend.example")
                && line.trim_end().ends_with("demo-password-2026")),
        "{text}"
    );

    let second = seed_demo(app.database.url(), &[]).await;
    assert_eq!(stdout_of(&second), text, "the same sign-ins");
    let stderr = String::from_utf8_lossy(&second.stderr);
    assert!(stderr.contains("exists already"), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");

    // JSON agrees with the text, and a third run still adds nobody.
    let demo = parse(&seed_demo(app.database.url(), &["--json"]).await);
    assert!(lines[0].contains(&demo.practice_id.to_string()), "{text}");
    let owner = with_role(&demo, "owner")[0];
    let token = sign_in(&app, owner).await;
    let everyone: PeoplePage = app
        .get_as(&token, "/api/v1/people?limit=200")
        .await
        .json()
        .await
        .expect("a page of people");
    assert_eq!(everyone.items.len(), demo.people.len(), "no duplicates");
    let groups: StaffGroupList = app
        .get_as(&token, "/api/v1/staff-groups")
        .await
        .json()
        .await
        .expect("the staff groups");
    assert_eq!(
        groups
            .items
            .iter()
            .filter(|g| g.name == "Front desk")
            .count(),
        1
    );
}

#[tokio::test]
async fn seed_demo_if_empty_seeds_only_a_database_without_other_practices() {
    // An empty database: seeded.
    let empty = TestDatabase::create().await;
    let seeded = parse(&seed_demo(empty.url(), &["--if-empty", "--json"]).await);
    assert_eq!(seeded.people.len(), 17);
    // Seeded already: the same sign-ins again.
    let again = parse(&seed_demo(empty.url(), &["--if-empty", "--json"]).await);
    assert_eq!(again, seeded);

    // A database with a real practice: left alone, in one line on stderr, exit 0.
    let busy = TestDatabase::create().await;
    let created = confidant_command()
        .env("DATABASE_URL", busy.url())
        .args([
            "create-practice",
            "--name",
            "Lakeside Counselling",
            "--owner-name",
            "Dana Reyes",
            "--owner-email",
            "dana@lakeside.test",
            "--owner-password",
            "a long enough password",
        ])
        .output()
        .expect("run create-practice");
    assert!(created.status.success());
    let skipped = seed_demo(busy.url(), &["--if-empty"]).await;
    assert!(stdout_of(&skipped).is_empty(), "nothing printed on stdout");
    let stderr = String::from_utf8_lossy(&skipped.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains("nothing was seeded"), "{stderr}");

    // Without the flag the demo practice goes in beside it.
    let demo = parse(&seed_demo(busy.url(), &["--json"]).await);
    assert_eq!(demo.people.len(), 17);
}

#[tokio::test]
async fn seed_demo_refuses_in_one_line_when_a_demo_email_signs_in_elsewhere() {
    for taken in ["olive@riverbend.example", "penny@riverbend.example"] {
        let database = TestDatabase::create().await;
        let created = confidant_command()
            .env("DATABASE_URL", database.url())
            .args([
                "create-practice",
                "--name",
                "Not The Demo",
                "--owner-name",
                "Someone Else",
                "--owner-email",
                taken,
                "--owner-password",
                "a long enough password",
            ])
            .output()
            .expect("run create-practice");
        assert!(created.status.success());

        let refused = seed_demo(database.url(), &[]).await;
        assert!(!refused.status.success(), "{taken}");
        assert!(refused.stdout.is_empty(), "no sign-ins printed for {taken}");
        let stderr = String::from_utf8_lossy(&refused.stderr);
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
        assert!(stderr.starts_with("confidant: "), "{stderr}");
        assert!(stderr.contains("nothing was created"), "{stderr}");

        // `--if-empty` (as `cargo xtask run` uses it) just leaves the database alone.
        let skipped = seed_demo(database.url(), &["--if-empty"]).await;
        assert!(stdout_of(&skipped).is_empty());
    }
}
