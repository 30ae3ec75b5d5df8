//! `confidant seed-demo`: a demo practice whose every printed sign-in works, seeded once.

use std::collections::HashSet;
use std::process::Output;

use confidant_openapi::conversations::{Conversation, ConversationKind, ConversationPage};
use confidant_openapi::people::{PeoplePage, PersonKind, PersonStatus};
use confidant_openapi::staff_groups::StaffGroupList;
use confidant_tests::binary::{confidant_command, seed_demo_into};
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
    invited: Vec<Invitee>,
}

#[derive(Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
struct Invitee {
    name: String,
    email: String,
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
    assert_eq!(page.items.len(), 12 + 1, "with the invited client");
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
        let signs_in = demo.people.iter().any(|p| p.email == client.email);
        assert_eq!(client.has_portal_account, signs_in, "{}", client.email);
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
    let statuses: HashSet<PersonStatus> = page.items.iter().map(|c| c.status).collect();
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
        1 + 17 + 1,
        "the practice, one line per person, then who is invited: {text}"
    );
    assert!(lines[18].contains("invited"), "{text}");
    assert!(
        lines[1..18]
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
    assert_eq!(
        everyone.items.len(),
        demo.people.len() + demo.invited.len(),
        "no duplicates"
    );
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

/// Signs in as the demo person with this email.
async fn token_of(app: &TestApp, demo: &Demo, email: &str) -> String {
    let person = demo
        .people
        .iter()
        .find(|p| p.email == email)
        .expect("a demo person");
    sign_in(app, person).await
}

async fn inbox(app: &TestApp, token: &str) -> ConversationPage {
    let response = app.get_as(token, "/api/v1/conversations?limit=100").await;
    assert_eq!(response.status(), 200);
    response.json().await.expect("a page of conversations")
}

#[tokio::test]
async fn seed_demo_makes_a_lived_in_practice_whose_every_inbox_shows_the_product() {
    let app = spawn_app().await;
    let seeded = seed_demo_into(&app).await;
    let demo = parse(&seeded);
    assert!(
        seeded.stderr.is_empty(),
        "with a storage key, the file is seeded too"
    );

    // Every sign-in opens onto a non-empty inbox, and some have something unread.
    let mut unread_somewhere = 0;
    for person in &demo.people {
        let token = sign_in(&app, person).await;
        let page = inbox(&app, &token).await;
        assert!(
            !page.items.is_empty(),
            "{} has an empty inbox",
            person.email
        );
        unread_somewhere += usize::from(page.items.iter().any(|c| c.unread_count > 0));
        // Dated over the past weeks, newest first, never in the future.
        let times: Vec<_> = page.items.iter().map(|c| c.last_message_at).collect();
        assert!(times.windows(2).all(|pair| pair[0] >= pair[1]));
        assert!(times.iter().all(|at| *at < chrono::Utc::now()));
    }
    assert!(
        unread_somewhere >= 6,
        "{unread_somewhere} people have unread threads"
    );

    // The provider's inbox: threads from clients and staff, some unread, spread over time.
    let juniper = token_of(&app, &demo, "juniper@riverbend.example").await;
    let threads = inbox(&app, &juniper).await.items;
    assert!(threads.len() >= 4, "{threads:?}");
    assert!(threads.iter().any(|c| c.unread_count > 0));
    assert!(threads.iter().any(|c| c.unread_count == 0));
    let oldest = threads.last().expect("a thread").last_message_at;
    assert!(chrono::Utc::now() - oldest > chrono::Duration::days(7));

    // One thread to several clients (R-MULTI-CLIENT: they read, they cannot reply).
    let alex = token_of(&app, &demo, "alex@riverbend.example").await;
    let group = inbox(&app, &alex)
        .await
        .items
        .into_iter()
        .find(|c| c.participants.len() > 2 || !c.can_reply)
        .expect("Alex's group thread");
    let opened: Conversation = app
        .get_as(&alex, &format!("/api/v1/conversations/{}", group.id))
        .await
        .json()
        .await
        .expect("the thread");
    assert_eq!(opened.kind, ConversationKind::MultiClient);
    assert!(!opened.can_reply);

    // One among staff only.
    let penny = token_of(&app, &demo, "penny@riverbend.example").await;
    let staff_thread = &inbox(&app, &penny).await.items[0];
    let opened: Conversation = app
        .get_as(
            &penny,
            &format!("/api/v1/conversations/{}", staff_thread.id),
        )
        .await
        .json()
        .await
        .expect("the thread");
    assert_eq!(opened.kind, ConversationKind::Group);
    assert!(
        opened
            .participants
            .iter()
            .all(|p| p.kind == PersonKind::Staff)
    );
    assert!(opened.messages.len() >= 2, "a reply among staff");

    // One carrying a file that downloads as it was seeded.
    let quinn = token_of(&app, &demo, "quinn@riverbend.example").await;
    let with_file = &inbox(&app, &quinn).await.items[0];
    let opened: Conversation = app
        .get_as(&quinn, &format!("/api/v1/conversations/{}", with_file.id))
        .await
        .json()
        .await
        .expect("the thread");
    let file = &opened.messages[0].attachments[0];
    assert!(file.content_type.starts_with("text/plain"), "{file:?}");
    let download = app
        .get_as(&quinn, &format!("/api/v1/attachments/{}", file.id))
        .await;
    assert_eq!(download.status(), 200);
    let text = download.text().await.expect("the file");
    assert!(text.starts_with("Box breathing"), "{text}");

    // A finished blast, and a client's reply in their own thread.
    let felix = token_of(&app, &demo, "felix@riverbend.example").await;
    let blasts: serde_json::Value = app
        .get_as(&felix, "/api/v1/blasts")
        .await
        .json()
        .await
        .expect("the blasts");
    let blast = &blasts["items"][0];
    assert_eq!(blast["state"], "done", "{blasts}");
    assert!(
        blast["sent"].as_i64().is_some_and(|sent| sent >= 2),
        "{blasts}"
    );
    let riley = token_of(&app, &demo, "riley@riverbend.example").await;
    let riley_thread = &inbox(&app, &riley).await.items[0];
    let opened: Conversation = app
        .get_as(
            &riley,
            &format!("/api/v1/conversations/{}", riley_thread.id),
        )
        .await
        .json()
        .await
        .expect("the thread");
    assert_eq!(opened.kind, ConversationKind::Blast);
    assert_eq!(opened.messages.len(), 2, "the blast and Riley's answer");

    // The emails: invitations to the two people without an account, and notifications for
    // what is unread, none of them carrying a word of any thread (R-NOTIFY).
    assert_eq!(demo.invited.len(), 2);
    let sent = app.run_jobs().await;
    assert!(sent >= 2 + 6, "{sent} jobs ran");
    let mail = app
        .mail
        .wait_for(sent, std::time::Duration::from_secs(20))
        .await;
    for invitee in &demo.invited {
        assert!(
            mail.iter().any(|m| m.recipients == [invitee.email.clone()]
                && m.parse()
                    .text
                    .is_some_and(|text| text.contains("accept-invitation"))),
            "an invitation for {}",
            invitee.email
        );
    }
    for email in &mail {
        let parsed = email.parse();
        let text = format!("{}\n{}", parsed.subject, parsed.text.unwrap_or_default());
        for secret in [
            "thought record",
            "Box breathing",
            "room change",
            "maintenance",
        ] {
            assert!(!text.contains(secret), "an email carries {secret:?}");
        }
    }
}
