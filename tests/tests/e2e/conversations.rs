//! Conversations (SPEC §2, §3, §5): reply rules, privacy, read state, deletion, notifications.

use confidant_openapi::conversations::{
    Conversation, ConversationKind, ConversationPage, ConversationSummary, Message, ReplyBlock,
    UnreadCounts,
};
use confidant_openapi::people::Person;
use confidant_openapi::{Problem, ProblemCode};
use confidant_tests::fixtures::{Member, StaffedPractice};
use confidant_tests::{TestApp, spawn_app};
use diesel_async::RunQueryDsl;
use reqwest::Method;
use serde_json::{Value, json};

fn to(people: &[&Person]) -> Value {
    Value::Array(
        people
            .iter()
            .map(|p| json!({"type": "person", "id": p.id}))
            .collect(),
    )
}

async fn send(
    app: &TestApp,
    from: &Member,
    recipients: Value,
    subject: &str,
    body: &str,
) -> reqwest::Response {
    app.send_as(
        Method::POST,
        &from.token,
        "/api/v1/conversations",
        Some(json!({"recipients": recipients, "subject": subject, "body": body})),
    )
    .await
}

async fn start(
    app: &TestApp,
    from: &Member,
    recipients: Value,
    subject: &str,
    body: &str,
) -> Conversation {
    let response = send(app, from, recipients, subject, body).await;
    assert_eq!(response.status(), 201, "send {subject}");
    response.json().await.expect("a conversation")
}

async fn open(app: &TestApp, who: &Member, id: uuid::Uuid) -> reqwest::Response {
    app.get_as(&who.token, &format!("/api/v1/conversations/{id}"))
        .await
}

async fn reply(app: &TestApp, who: &Member, id: uuid::Uuid, body: &str) -> reqwest::Response {
    app.send_as(
        Method::POST,
        &who.token,
        &format!("/api/v1/conversations/{id}/messages"),
        Some(json!({"body": body})),
    )
    .await
}

async fn unread(app: &TestApp, who: &Member) -> UnreadCounts {
    app.get_as(&who.token, "/api/v1/unread")
        .await
        .json()
        .await
        .expect("counts")
}

async fn inbox(app: &TestApp, who: &Member, folder: &str) -> ConversationPage {
    app.get_as(
        &who.token,
        &format!("/api/v1/conversations?folder={folder}"),
    )
    .await
    .json()
    .await
    .expect("page")
}

/// A second active client with an account in `p`.
async fn second_client(app: &TestApp, p: &StaffedPractice) -> Member {
    let domain = p
        .owner
        .person
        .email
        .split('@')
        .nth(1)
        .unwrap_or("x.test")
        .to_owned();
    let person = app
        .add_person(
            &p.owner.token,
            json!({"kind": "client", "name": "Bea Second", "email": format!("bea@{domain}")}),
        )
        .await;
    Member {
        token: app.token_for(&person).await,
        person,
    }
}

#[tokio::test]
async fn one_recipient_replies_and_the_thread_goes_on_between_the_two() {
    // R-REPLY-ONE, R-READ
    let app = spawn_app().await;
    let p = app.staffed_practice("Direct Clinic").await;
    let thread = start(
        &app,
        &p.provider,
        to(&[&p.client.person]),
        "Your next session",
        "See you Tuesday.",
    )
    .await;
    assert_eq!(thread.kind, ConversationKind::Direct);
    assert_eq!(
        unread(&app, &p.client).await,
        UnreadCounts {
            conversations: 1,
            messages: 1
        }
    );

    let page = inbox(&app, &p.client, "inbox").await;
    assert_eq!(page.items.len(), 1);
    assert_eq!(page.items[0].unread_count, 1);
    assert_eq!(page.items[0].preview, "See you Tuesday.");

    let seen: Conversation = open(&app, &p.client, thread.id)
        .await
        .json()
        .await
        .expect("thread");
    assert!(seen.can_reply);
    assert_eq!(seen.messages.len(), 1);
    assert_eq!(
        unread(&app, &p.client).await,
        UnreadCounts {
            conversations: 0,
            messages: 0
        },
        "opening marks read"
    );

    assert_eq!(
        reply(&app, &p.client, thread.id, "Thank you!")
            .await
            .status(),
        201
    );
    assert_eq!(
        unread(&app, &p.provider).await,
        UnreadCounts {
            conversations: 1,
            messages: 1
        }
    );
    let seen: Conversation = open(&app, &p.provider, thread.id)
        .await
        .json()
        .await
        .expect("thread");
    let bodies: Vec<&str> = seen.messages.iter().map(|m| m.body.as_str()).collect();
    assert_eq!(bodies, ["See you Tuesday.", "Thank you!"]);
    assert_eq!(inbox(&app, &p.client, "sent").await.items.len(), 1);
}

#[tokio::test]
async fn staff_and_one_client_all_reply_and_see_each_other() {
    // R-REPLY-ALL
    let app = spawn_app().await;
    let p = app.staffed_practice("Group Clinic").await;
    let thread = start(
        &app,
        &p.provider,
        to(&[&p.staff.person, &p.admin.person, &p.client.person]),
        "Forms",
        "Please sign the forms.",
    )
    .await;
    assert_eq!(thread.kind, ConversationKind::Group);
    for member in [&p.staff, &p.admin, &p.client] {
        let seen: Conversation = open(&app, member, thread.id)
            .await
            .json()
            .await
            .expect("thread");
        assert_eq!(seen.participants.len(), 4, "everyone sees everyone");
        assert!(seen.can_reply);
        assert_eq!(reply(&app, member, thread.id, "Noted.").await.status(), 201);
    }
}

#[tokio::test]
async fn clients_of_a_multi_client_thread_see_only_the_content_and_cannot_reply() {
    // R-MULTI-CLIENT: every client-visible answer is searched for the other client.
    let app = spawn_app().await;
    let p = app.staffed_practice("Privacy Clinic").await;
    let bea = second_client(&app, &p).await;
    let thread = start(
        &app,
        &p.provider,
        to(&[&p.client.person, &bea.person, &p.staff.person]),
        "Office closed Monday",
        "We are closed on Monday.",
    )
    .await;
    assert_eq!(thread.kind, ConversationKind::MultiClient);
    // Staff see everyone and may post.
    let staff_view: Conversation = open(&app, &p.staff, thread.id)
        .await
        .json()
        .await
        .expect("thread");
    assert_eq!(staff_view.participants.len(), 4);
    assert_eq!(
        reply(&app, &p.staff, thread.id, "Reminder: closed Monday.")
            .await
            .status(),
        201
    );

    let secrets = [
        bea.person.id.to_string(),
        bea.person.name.clone(),
        bea.person.email.clone(),
    ];
    let mut answers = Vec::new();
    let get = open(&app, &p.client, thread.id).await;
    assert_eq!(get.status(), 200);
    let text = get.text().await.expect("text");
    let seen: Conversation = serde_json::from_str(&text).expect("thread");
    assert!(!seen.can_reply);
    assert_eq!(seen.reply_blocked, Some(ReplyBlock::MultiClient));
    let visible: Vec<_> = seen.participants.iter().map(|p| p.id).collect();
    assert!(visible.contains(&p.client.person.id) && visible.contains(&p.provider.person.id));
    assert!(
        visible.contains(&p.staff.person.id),
        "the staff member wrote, so is shown"
    );
    assert_eq!(visible.len(), 3, "no other client, no count of them");
    answers.push(text);
    for path in [
        "/api/v1/conversations?folder=inbox",
        "/api/v1/conversations?folder=all",
        "/api/v1/unread",
    ] {
        answers.push(
            app.get_as(&p.client.token, path)
                .await
                .text()
                .await
                .expect("text"),
        );
    }
    let refused = reply(&app, &p.client, thread.id, "Can I come Tuesday?").await;
    assert_eq!(refused.status(), 403);
    answers.push(refused.text().await.expect("text"));
    let read = app
        .send_as(
            Method::POST,
            &p.client.token,
            &format!("/api/v1/conversations/{}/read", thread.id),
            None,
        )
        .await;
    assert_eq!(read.status(), 204);
    let delete = app
        .send_as(
            Method::DELETE,
            &p.client.token,
            &format!("/api/v1/conversations/{}", thread.id),
            None,
        )
        .await;
    answers.push(delete.text().await.expect("text"));
    for answer in &answers {
        for secret in &secrets {
            assert!(
                !answer.contains(secret.as_str()),
                "leaked {secret:?} in {answer}"
            );
        }
    }
}

#[tokio::test]
async fn clients_address_only_staff_of_their_practice() {
    // R-TO-CLIENT, R-NO-ALL-CLIENTS
    let app = spawn_app().await;
    let p = app.staffed_practice("Client To Clinic").await;
    let bea = second_client(&app, &p).await;
    let other = app.staffed_practice("Elsewhere Clinic").await;
    let cases = [
        to(&[&bea.person]),
        to(&[&other.provider.person]),
        json!([{"type": "all_staff"}]),
        json!([{"type": "person", "id": uuid::Uuid::new_v4()}]),
    ];
    for recipients in cases {
        let response = send(&app, &p.client, recipients.clone(), "Hi", "Hello").await;
        // The same answer for someone who exists and someone who does not: a 404 naming the
        // field, as for anything outside what the caller may see.
        assert_eq!(response.status(), 404, "{recipients}");
        let problem: Problem = response.json().await.expect("problem");
        assert!(problem.errors.expect("errors").contains_key("recipients"));
    }
    let no_such_type = send(
        &app,
        &p.provider,
        json!([{"type": "all_clients"}]),
        "Hi",
        "Hello",
    )
    .await;
    assert_eq!(
        no_such_type.status(),
        400,
        "there is no all-clients recipient"
    );
    assert!(
        inbox(&app, &bea, "all").await.items.is_empty(),
        "nothing was stored"
    );
    assert_eq!(
        send(
            &app,
            &p.client,
            to(&[&p.provider.person, &p.staff.person]),
            "Hi",
            "Hello"
        )
        .await
        .status(),
        201
    );
}

#[tokio::test]
async fn staff_groups_and_all_staff_are_expanded_when_sending() {
    // R-TO-STAFF
    let app = spawn_app().await;
    let p = app.staffed_practice("Expand Clinic").await;
    let group: Value = app
        .send_as(
            Method::POST,
            &p.owner.token,
            "/api/v1/staff-groups",
            Some(json!({"name": "Front desk", "member_ids": [p.staff.person.id]})),
        )
        .await
        .json()
        .await
        .expect("group");
    let thread = start(
        &app,
        &p.provider,
        json!([{"type": "staff_group", "id": group["id"]}]),
        "Desk",
        "Can you call Cleo?",
    )
    .await;
    let ids: Vec<_> = thread.participants.iter().map(|x| x.id).collect();
    assert_eq!(ids.len(), 2);
    assert!(ids.contains(&p.staff.person.id));
    // Added to the group later: not in the earlier thread.
    app.send_as(
        Method::PATCH,
        &p.owner.token,
        &format!("/api/v1/staff-groups/{}", group["id"].as_str().expect("id")),
        Some(json!({"member_ids": [p.staff.person.id, p.admin.person.id]})),
    )
    .await;
    assert_eq!(open(&app, &p.admin, thread.id).await.status(), 404);

    let everyone = start(
        &app,
        &p.provider,
        json!([{"type": "all_staff"}]),
        "Staff meeting",
        "At noon.",
    )
    .await;
    assert_eq!(
        everyone.participants.len(),
        4,
        "owner, admin, provider, staff; no clients"
    );
    assert_eq!(everyone.kind, ConversationKind::Group);
}

#[tokio::test]
async fn composing_needs_recipients_subject_and_body_within_limits() {
    // R-COMPOSE
    let app = spawn_app().await;
    let p = app.staffed_practice("Compose Clinic").await;
    let cases = [
        (json!([]), "Hi", "Hello", "recipients"),
        (to(&[&p.client.person]), "   ", "Hello", "subject"),
        (
            to(&[&p.client.person]),
            &"s".repeat(201),
            "Hello",
            "subject",
        ),
        (to(&[&p.client.person]), "Hi", " \n ", "body"),
        (to(&[&p.client.person]), "Hi", &"b".repeat(50_001), "body"),
    ];
    for (recipients, subject, body, field) in cases {
        let response = send(&app, &p.provider, recipients, subject, body).await;
        assert_eq!(response.status(), 422, "{field}");
        let problem: Problem = response.json().await.expect("problem");
        assert!(
            problem.errors.expect("errors").contains_key(field),
            "{field}"
        );
    }
    assert!(
        inbox(&app, &p.provider, "all").await.items.is_empty(),
        "nothing stored"
    );
    let long = start(
        &app,
        &p.provider,
        to(&[&p.client.person]),
        &"s".repeat(200),
        &"b".repeat(50_000),
    )
    .await;
    assert_eq!(long.messages[0].body.len(), 50_000);
}

#[tokio::test]
async fn inactive_and_archived_clients_read_but_cannot_send() {
    // R-INACTIVE
    let app = spawn_app().await;
    let p = app.staffed_practice("Inactive Clinic").await;
    let thread = start(
        &app,
        &p.provider,
        to(&[&p.client.person]),
        "Check-in",
        "How are you?",
    )
    .await;
    let person = format!("/api/v1/people/{}", p.client.person.id);
    for status in ["inactive", "archived"] {
        app.send_as(
            Method::PATCH,
            &p.admin.token,
            &person,
            Some(json!({"status": status})),
        )
        .await;
        let seen: Conversation = open(&app, &p.client, thread.id)
            .await
            .json()
            .await
            .expect("can still read");
        assert_eq!(seen.reply_blocked, Some(ReplyBlock::Inactive));
        let refused = reply(&app, &p.client, thread.id, "Fine").await;
        assert_eq!(refused.status(), 403);
        let problem: Problem = refused.json().await.expect("problem");
        assert!(problem.detail.unwrap_or_default().contains("inactive"));
        assert_eq!(
            send(&app, &p.client, to(&[&p.provider.person]), "Hi", "Hello")
                .await
                .status(),
            403
        );
    }
    app.send_as(
        Method::PATCH,
        &p.admin.token,
        &person,
        Some(json!({"status": "active"})),
    )
    .await;
    assert_eq!(
        reply(&app, &p.client, thread.id, "Fine, thanks")
            .await
            .status(),
        201
    );
}

#[tokio::test]
async fn only_participants_see_a_conversation() {
    // R-READ, R-PORTAL-ONLY, R-TENANT
    let app = spawn_app().await;
    let p = app.staffed_practice("Private Clinic").await;
    let bea = second_client(&app, &p).await;
    let other = app.staffed_practice("Other Clinic").await;
    let thread = start(
        &app,
        &p.provider,
        to(&[&p.client.person]),
        "Private",
        "Just for you.",
    )
    .await;
    let id = thread.id;
    for outsider in [&p.staff, &p.owner, &bea, &other.owner] {
        assert_eq!(open(&app, outsider, id).await.status(), 404);
        assert_eq!(reply(&app, outsider, id, "Hi").await.status(), 404);
        for (method, path) in [
            (Method::POST, format!("/api/v1/conversations/{id}/read")),
            (Method::DELETE, format!("/api/v1/conversations/{id}")),
            (
                Method::DELETE,
                format!(
                    "/api/v1/conversations/{id}/messages/{}",
                    thread.messages[0].id
                ),
            ),
        ] {
            let response = app.send_as(method, &outsider.token, &path, None).await;
            assert_eq!(response.status(), 404, "{path}");
            let problem: Problem = response.json().await.expect("problem");
            assert_eq!(problem.code, ProblemCode::NotFound);
        }
        assert!(inbox(&app, outsider, "all").await.items.is_empty());
    }
    for path in [
        format!("/api/v1/conversations/{id}"),
        "/api/v1/conversations".into(),
        "/api/v1/unread".into(),
    ] {
        assert_eq!(app.get(&path).await.status(), 401, "{path}");
    }
}

#[tokio::test]
async fn staff_delete_their_own_messages_only() {
    // R-DEL-MSG
    let app = spawn_app().await;
    let p = app.staffed_practice("Delete Msg Clinic").await;
    let thread = start(
        &app,
        &p.provider,
        to(&[&p.client.person, &p.staff.person]),
        "Notes",
        "First",
    )
    .await;
    let mine = thread.messages[0].id;
    let theirs: Message = reply(&app, &p.staff, thread.id, "Second")
        .await
        .json()
        .await
        .expect("message");
    let client_msg: Message = reply(&app, &p.client, thread.id, "Third")
        .await
        .json()
        .await
        .expect("message");
    assert!(!client_msg.can_delete, "clients cannot delete");
    let path = |m: uuid::Uuid| format!("/api/v1/conversations/{}/messages/{m}", thread.id);
    assert_eq!(
        app.send_as(Method::DELETE, &p.provider.token, &path(theirs.id), None)
            .await
            .status(),
        403
    );
    assert_eq!(
        app.send_as(Method::DELETE, &p.client.token, &path(client_msg.id), None)
            .await
            .status(),
        403
    );
    assert_eq!(
        app.send_as(Method::DELETE, &p.provider.token, &path(mine), None)
            .await
            .status(),
        204
    );
    let seen: Conversation = open(&app, &p.client, thread.id)
        .await
        .json()
        .await
        .expect("thread");
    let bodies: Vec<&str> = seen.messages.iter().map(|m| m.body.as_str()).collect();
    assert_eq!(bodies, ["Second", "Third"]);
    assert_eq!(
        app.send_as(Method::DELETE, &p.provider.token, &path(mine), None)
            .await
            .status(),
        404
    );
}

#[tokio::test]
async fn the_starter_deletes_the_whole_thread_for_good() {
    // R-DEL-THREAD, R-DEL-PERMANENT
    let app = spawn_app().await;
    let p = app.staffed_practice("Delete Thread Clinic").await;
    let thread = start(
        &app,
        &p.provider,
        to(&[&p.client.person, &p.staff.person]),
        "Wrong client",
        "Sensitive words",
    )
    .await;
    reply(&app, &p.client, thread.id, "Client words").await;
    let path = format!("/api/v1/conversations/{}", thread.id);
    assert_eq!(
        app.send_as(Method::DELETE, &p.staff.token, &path, None)
            .await
            .status(),
        403,
        "not the starter"
    );
    assert_eq!(
        app.send_as(Method::DELETE, &p.client.token, &path, None)
            .await
            .status(),
        403,
        "clients cannot delete"
    );
    assert_eq!(
        app.send_as(Method::DELETE, &p.provider.token, &path, None)
            .await
            .status(),
        204
    );
    assert_eq!(open(&app, &p.client, thread.id).await.status(), 404);
    assert!(inbox(&app, &p.client, "all").await.items.is_empty());
    assert_eq!(
        unread(&app, &p.staff).await,
        UnreadCounts {
            conversations: 0,
            messages: 0
        }
    );

    #[derive(diesel::QueryableByName)]
    struct Dump {
        #[diesel(sql_type = diesel::sql_types::Text)]
        everything: String,
    }
    let mut conn = app.database.connect().await;
    let rows: Vec<Dump> = diesel::sql_query(
        "SELECT row_to_json(m)::text AS everything FROM messages m \
         UNION ALL SELECT row_to_json(c)::text FROM conversations c \
         UNION ALL SELECT row_to_json(a)::text FROM audit_events a WHERE action = 'conversation_deleted'",
    )
    .load(&mut conn)
    .await
    .expect("dump");
    assert_eq!(rows.len(), 1, "only the audit record remains");
    let audit: Value = serde_json::from_str(&rows[0].everything).expect("json");
    assert_eq!(audit["details"]["messages"], 2, "{audit}");
    for word in ["Sensitive", "Client words", "Wrong client"] {
        assert!(!rows[0].everything.contains(word), "{}", rows[0].everything);
    }
}

#[tokio::test]
async fn recipients_with_accounts_get_one_content_free_email_per_message() {
    // R-NOTIFY, R-NOTIFY-PRIVATE
    let app = spawn_app().await;
    let p = app.staffed_practice("Notify Clinic").await;
    let thread = start(
        &app,
        &p.provider,
        to(&[&p.client.person, &p.other_client, &p.staff.person]),
        "Lab results ready",
        "Your results are in.",
    )
    .await;
    app.run_jobs().await;
    app.run_jobs().await;
    let mails = app.mail.messages();
    let mut to_whom: Vec<String> = mails.iter().flat_map(|m| m.recipients.clone()).collect();
    to_whom.sort();
    let mut expected = vec![p.client.person.email.clone(), p.staff.person.email.clone()];
    expected.sort();
    assert_eq!(
        to_whom, expected,
        "once each; not the author, not the client without an account"
    );
    for mail in &mails {
        let raw = mail.raw_text();
        let parsed = mail.parse();
        let text = format!(
            "{raw}\n{}\n{}\n{}",
            parsed.subject,
            parsed.text.unwrap_or_default(),
            parsed.html.unwrap_or_default()
        );
        assert!(text.contains("Notify Clinic"));
        // The sign-in page, sending the reader on to the thread: its id, nothing more.
        let link = format!(
            "http://confidant.test/sign-in?next=%2Fmessages%2F{}",
            thread.id
        );
        assert!(text.contains(&link), "{link} in {text}");
        for secret in [
            "Lab results",
            "Your results are in",
            &p.provider.person.name,
        ] {
            assert!(!text.contains(secret), "{secret:?} in the email");
        }
    }
    // A message deleted before its email went out sends nothing.
    let sent: Message = reply(&app, &p.provider, thread.id, "Oops, wrong thread")
        .await
        .json()
        .await
        .expect("message");
    app.send_as(
        Method::DELETE,
        &p.provider.token,
        &format!("/api/v1/conversations/{}/messages/{}", thread.id, sent.id),
        None,
    )
    .await;
    app.run_jobs().await;
    assert_eq!(app.mail.messages().len(), 2);
}

#[tokio::test]
async fn the_inbox_pages_newest_first_without_gaps_or_repeats() {
    let app = spawn_app().await;
    let p = app.staffed_practice("Paging Clinic").await;
    for n in 0..7 {
        start(
            &app,
            &p.provider,
            to(&[&p.client.person]),
            &format!("Thread {n}"),
            "Hello",
        )
        .await;
    }
    let subjects: Vec<String> = app
        .every_item::<ConversationSummary>(&p.client.token, "/api/v1/conversations?limit=3")
        .await
        .into_iter()
        .map(|i| i.subject)
        .collect();
    let expected: Vec<String> = (0..7).rev().map(|n| format!("Thread {n}")).collect();
    assert_eq!(subjects, expected);
    assert_eq!(
        app.get_as(&p.client.token, "/api/v1/conversations?cursor=nonsense")
            .await
            .status(),
        400
    );
    // A value that is not one of the documented folders is named as such.
    assert_eq!(
        app.get_as(&p.client.token, "/api/v1/conversations?folder=trash")
            .await
            .status(),
        422
    );
}

#[tokio::test]
async fn threads_of_one_minute_and_of_many_page_in_exact_order() {
    // The folder indexes hold the minute of the latest message (so that replies rewrite
    // participants in place); the order must still be the exact time, then the id.
    let app = spawn_app().await;
    let p = app.staffed_practice("Minute Clinic").await;
    for n in 0..12 {
        start(
            &app,
            &p.provider,
            to(&[&p.client.person]),
            &format!("Thread {n}"),
            "Hello",
        )
        .await;
    }
    // Times inside one minute, on its edges, equal ones (ties go by id) and across hours.
    let mut conn = app.database.connect().await;
    diesel::sql_query(
        "WITH times(n, at) AS (VALUES \
             (0, '2026-03-01 10:00:00+00'), (1, '2026-03-01 10:00:59.999+00'), \
             (2, '2026-03-01 10:00:30+00'), (3, '2026-03-01 10:00:30+00'), \
             (4, '2026-03-01 10:01:00+00'), (5, '2026-03-01 09:59:59.999+00'), \
             (6, '2026-03-01 10:00:30+00'), (7, '2026-03-01 12:00:00+00'), \
             (8, '2026-02-28 23:59:59+00'), (9, '2026-03-01 10:00:01+00'), \
             (10, '2026-03-01 10:01:00+00'), (11, '2026-03-01 10:00:59.999+00')) \
         UPDATE conversation_participants cp SET last_message_at = times.at::timestamptz \
         FROM conversations c, times \
         WHERE c.id = cp.conversation_id AND c.subject = 'Thread ' || times.n",
    )
    .execute(&mut conn)
    .await
    .expect("set the times");
    let expected = in_exact_order(&mut conn, p.client.person.id, None).await;
    assert_eq!(expected.len(), 12);
    pages_in_order(
        &app,
        &p.client.token,
        &[("folder=inbox", 2), ("folder=all", 2)],
        &expected,
    )
    .await;
}

/// `person`'s threads as the folders order them, straight from the table.
async fn in_exact_order(
    conn: &mut diesel_async::AsyncPgConnection,
    person: uuid::Uuid,
    with: Option<uuid::Uuid>,
) -> Vec<uuid::Uuid> {
    #[derive(diesel::QueryableByName)]
    struct Row {
        #[diesel(sql_type = diesel::sql_types::Uuid)]
        conversation_id: uuid::Uuid,
    }
    diesel::sql_query(
        "SELECT p.conversation_id FROM conversation_participants p WHERE p.person_id = $1 \
         AND ($2::uuid IS NULL OR EXISTS (SELECT 1 FROM conversation_participants w \
             WHERE w.conversation_id = p.conversation_id AND w.person_id = $2)) \
         ORDER BY p.last_message_at DESC, p.conversation_id DESC",
    )
    .bind::<diesel::sql_types::Uuid, _>(person)
    .bind::<diesel::sql_types::Nullable<diesel::sql_types::Uuid>, _>(with)
    .load::<Row>(conn)
    .await
    .expect("the exact order")
    .into_iter()
    .map(|row| row.conversation_id)
    .collect()
}

/// Pages through each `(query, page size)` (a folder, and perhaps a person) and asserts that
/// it gives `expected`, in order.
async fn pages_in_order(
    app: &TestApp,
    token: &str,
    queries: &[(&str, usize)],
    expected: &[uuid::Uuid],
) {
    for (query, limit) in queries {
        let path = format!("/api/v1/conversations?{query}&limit={limit}");
        let ids: Vec<uuid::Uuid> = app
            .every_item::<ConversationSummary>(token, &path)
            .await
            .into_iter()
            .map(|i| i.id)
            .collect();
        assert_eq!(ids, expected, "{query}, pages of {limit}");
    }
}

/// Adds 1,500 clients of `p`'s provider, each with a thread of their own, as in a practice
/// (clients of a blast, who have not replied): PostgreSQL then estimates a row or two for "the
/// rows of a person", which is what misleads a generic plan.
async fn clients_with_a_thread_each(
    app: &TestApp,
    conn: &mut diesel_async::AsyncPgConnection,
    p: &StaffedPractice,
) -> Vec<uuid::Uuid> {
    let others = app
        .add_clients_directly(p.id, Some(p.provider.person.id), 1500, "active")
        .await;
    diesel::sql_query(
        "WITH t AS (INSERT INTO conversations (id, practice_id, subject, kind, started_by) \
             SELECT gen_random_uuid(), $1, 'Other', 'direct', o FROM unnest($2::uuid[]) o \
             RETURNING id, started_by) \
         INSERT INTO conversation_participants \
           (practice_id, conversation_id, person_id, last_message_at, unread_count, has_received, has_sent) \
         SELECT $1, t.id, t.started_by, now(), 0, true, false FROM t",
    )
    .bind::<diesel::sql_types::Uuid, _>(p.id)
    .bind::<diesel::sql_types::Array<diesel::sql_types::Uuid>, _>(&others)
    .execute(conn)
    .await
    .expect("the others' threads");
    others
}

// Issue #17 (no spec rule names it): a folder's page reads about a page of rows, however
// many threads the person has and however PostgreSQL plans the prepared statement (see
// `confidant_tests::plans`), and pages through every thread once, newest first: also across
// minutes that hold more threads than a page, where the page's edge and the cursor fall in
// the same minute.
#[tokio::test]
async fn a_folder_page_reads_a_page_of_rows_under_any_plan() {
    use confidant::db::models::conversation::{FolderFilter, page_sql};
    use confidant_tests::plans::{PageValues, Plan, participant_reads, vacuum_analyze};
    let app = spawn_app().await;
    let p = app.staffed_practice("Busy Inbox Clinic").await;
    let (me, them) = (p.provider.person.id, p.client.person.id);
    let mut conn = app.database.connect().await;
    clients_with_a_thread_each(&app, &mut conn, &p).await;
    // 400 threads, one a second over seven minutes (60 in a minute), and 40 more within one
    // minute half an hour earlier; each with its one message, received and answered by `me`.
    for sql in [
        "INSERT INTO conversations (id, practice_id, subject, kind, started_by, created_at) \
         SELECT gen_random_uuid(), $1, 'Busy ' || g, 'direct', $3, \
             CASE WHEN g <= 400 THEN now() - make_interval(secs => g) \
                  ELSE date_trunc('minute', now()) - interval '30 minutes' \
                       + make_interval(secs => (g - 400)) END \
         FROM generate_series(1, 440) g",
        "INSERT INTO conversation_participants \
           (practice_id, conversation_id, person_id, last_message_at, unread_count, has_received, has_sent) \
         SELECT $1, c.id, x.person, c.created_at, 0, true, true \
         FROM conversations c, (VALUES ($2), ($3)) AS x(person) \
         WHERE c.subject LIKE 'Busy %'",
        "INSERT INTO messages (id, practice_id, conversation_id, author_id, body, created_at) \
         SELECT gen_random_uuid(), $1, c.id, $3, 'Hello.', c.created_at \
         FROM conversations c WHERE c.subject LIKE 'Busy %'",
    ] {
        diesel::sql_query(sql)
            .bind::<diesel::sql_types::Uuid, _>(p.id)
            .bind::<diesel::sql_types::Uuid, _>(them)
            .bind::<diesel::sql_types::Uuid, _>(me)
            .execute(&mut conn)
            .await
            .expect("the threads");
    }
    vacuum_analyze(&app).await;

    // All threads: the edge's walk (26) and the page's minutes (at most 25 and the last
    // one's 60); before the edge, a generic plan read and sorted all 440 of Sent.
    // The threads with `them`, who share all 440 with `me`: more than a few, and many
    // (sixteen pages: 416), so the page walks `me`'s folder until it is full. Before, a
    // generic plan checked all 440 threads (880 rows read); now: `them`'s rows counted up to
    // many (416), the edge's walk with a check of each row (26 + 26), and the page's minutes
    // with a check of each row (at most two minutes: 2 × 120).
    for (with, most) in [(None, 120.0), (Some(them), 720.0)] {
        for plan in [Plan::Custom, Plan::Generic] {
            for folder in [FolderFilter::Inbox, FolderFilter::Sent, FolderFilter::All] {
                let values = PageValues {
                    caller: me,
                    limit: 26,
                    with,
                    sees_all: true,
                    blast_threads: true,
                    search: None,
                };
                let sql = page_sql(folder, false, with.is_some());
                let read = participant_reads(&app, sql, &values, plan).await.total();
                assert!(
                    read <= most,
                    "{folder:?} (with {with:?}), {plan:?} plan: read {read} participant rows \
                     for a page of 25"
                );
            }
        }
    }

    let expected = in_exact_order(&mut conn, me, None).await;
    assert_eq!(expected.len(), 440);
    // Pages of 7 and 25: the 40 threads of one minute span pages, so a cursor falls inside it.
    let with_them = format!("folder=all&with={them}");
    let queries = [
        ("folder=inbox", 7),
        ("folder=sent", 25),
        ("folder=all", 7),
        (with_them.as_str(), 7),
    ];
    pages_in_order(&app, &p.provider.token, &queries, &expected).await;

    // R-MULTI-CLIENT, when the person is not few: 120 threads to `them` and the other client,
    // who never wrote (more than four pages of 25: the page walks the caller's folder).
    // `them` cannot find the other client in them; `me` can.
    diesel::sql_query(
        "WITH t AS (INSERT INTO conversations (id, practice_id, subject, kind, started_by) \
             SELECT gen_random_uuid(), $1, 'Group ' || g, 'multi_client', $2 \
             FROM generate_series(1, 120) g RETURNING id) \
         INSERT INTO conversation_participants \
           (practice_id, conversation_id, person_id, last_message_at, unread_count, has_received, has_sent) \
         SELECT $1, t.id, x.person, now(), 0, x.person <> $2, x.person = $2 \
         FROM t, (VALUES ($2), ($3), ($4)) AS x(person)",
    )
    .bind::<diesel::sql_types::Uuid, _>(p.id)
    .bind::<diesel::sql_types::Uuid, _>(me)
    .bind::<diesel::sql_types::Uuid, _>(them)
    .bind::<diesel::sql_types::Uuid, _>(p.other_client.id)
    .execute(&mut conn)
    .await
    .expect("the group threads");
    let with_other = format!(
        "/api/v1/conversations?folder=all&with={}&limit=25",
        p.other_client.id
    );
    let hidden = app
        .every_item::<ConversationSummary>(&p.client.token, &with_other)
        .await;
    assert!(hidden.is_empty(), "the other client is hidden from them");
    let seen = app
        .every_item::<ConversationSummary>(&p.provider.token, &with_other)
        .await;
    assert_eq!(seen.len(), 120, "staff see everyone");
}

// Issue #17: the threads with a person who has more than a few (four pages) but the caller
// has far more, sharing only a few, are found from that person's side, under any plan. Two
// staff members, or a blast's sender and a client who had many blasts from someone else:
// walking the caller's folder read all of it (1,000 threads here, 4,000 rows read) to find
// three.
#[tokio::test]
async fn the_threads_with_a_person_are_found_from_the_smaller_side() {
    use confidant::db::models::conversation::{FolderFilter, page_sql};
    use confidant_tests::plans::{PageValues, Plan, participant_reads, vacuum_analyze};
    let app = spawn_app().await;
    let p = app.staffed_practice("Two Busy Desks").await;
    let (me, colleague, client) = (p.provider.person.id, p.admin.person.id, p.client.person.id);
    let mut conn = app.database.connect().await;
    let others = clients_with_a_thread_each(&app, &mut conn, &p).await;
    for sql in [
        // `me`: 1,000 threads of their own and 1,000 blast threads to the others (newest), a
        // second apart from the start of this minute: a page's walk reads the whole minute
        // of its edge, so which threads share that minute must not depend on the second the
        // test runs at (it did: 106 rows read at one second, within 104 at most others).
        "INSERT INTO conversations (id, practice_id, subject, kind, started_by, created_at) \
         SELECT gen_random_uuid(), $1, k || ' ' || g, k, $2, date_trunc('minute', now()) - make_interval(secs => g) \
         FROM generate_series(1, 1000) g, (VALUES ('direct'), ('blast')) AS x(k)",
        // The colleague: 147 threads of their own; the client: 147 blasts from the colleague.
        "INSERT INTO conversations (id, practice_id, subject, kind, started_by, created_at) \
         SELECT gen_random_uuid(), $1, 'Theirs ' || k || ' ' || g, k, $3, \
             date_trunc('minute', now()) - interval '1 hour' - make_interval(secs => g) \
         FROM generate_series(1, 147) g, (VALUES ('direct'), ('blast')) AS x(k)",
        // Three group threads of the colleague with `me`, and three blasts from `me` to the
        // client: the oldest of all.
        "INSERT INTO conversations (id, practice_id, subject, kind, started_by, created_at) \
         SELECT gen_random_uuid(), $1, 'Shared ' || k || ' ' || g, k, \
             CASE k WHEN 'group' THEN $3 ELSE $2 END, date_trunc('minute', now()) - interval '1 day' - make_interval(secs => g) \
         FROM generate_series(1, 3) g, (VALUES ('group'), ('blast')) AS x(k)",
        // Every thread's starter, and the other side: the others in `me`'s blasts, the client
        // in the colleague's blasts and the shared ones, `me` in the shared group threads.
        "INSERT INTO conversation_participants \
           (practice_id, conversation_id, person_id, last_message_at, unread_count, has_received, has_sent, in_blast) \
         SELECT $1, c.id, c.started_by, c.created_at, 0, c.kind <> 'blast', true, c.kind = 'blast' \
         FROM conversations c WHERE c.practice_id = $1 AND c.subject <> 'Other'",
        "INSERT INTO conversation_participants \
           (practice_id, conversation_id, person_id, last_message_at, unread_count, has_received, has_sent, in_blast) \
         SELECT $1, c.id, CASE WHEN c.kind = 'group' THEN $2 \
                              WHEN c.started_by = $2 AND c.subject LIKE 'blast %' \
                                  THEN ($5::uuid[])[split_part(c.subject, ' ', 2)::int] \
                              ELSE $4 END, \
             c.created_at, 0, true, false, c.kind = 'blast' \
         FROM conversations c WHERE c.practice_id = $1 AND c.subject <> 'Other' \
             AND c.kind <> 'direct'",
    ] {
        diesel::sql_query(sql)
            .bind::<diesel::sql_types::Uuid, _>(p.id)
            .bind::<diesel::sql_types::Uuid, _>(me)
            .bind::<diesel::sql_types::Uuid, _>(colleague)
            .bind::<diesel::sql_types::Uuid, _>(client)
            .bind::<diesel::sql_types::Array<diesel::sql_types::Uuid>, _>(&others)
            .execute(&mut conn)
            .await
            .expect("the threads");
    }
    vacuum_analyze(&app).await;

    // The colleague's 150 rows of other threads, and the client's 150 of blast threads, are
    // more than a few (104) but `me` has more than four times as many: the page counts both
    // kinds of the other person's rows (297 for the colleague), then `me`'s of the same kind
    // up to four times as many (600 and 588), and reads the other person's 150 rows, each
    // with a lookup of `me`'s row in that thread. Walking `me`'s folder had read 1,003 rows
    // twice (the edge, then the page), each with a check.
    for with in [colleague, client] {
        for plan in [Plan::Custom, Plan::Generic] {
            for folder in [
                FolderFilter::Inbox,
                FolderFilter::Sent,
                FolderFilter::Archived,
                FolderFilter::All,
            ] {
                let values = PageValues {
                    caller: me,
                    limit: 26,
                    with: Some(with),
                    sees_all: true,
                    blast_threads: true,
                    search: None,
                };
                let read =
                    participant_reads(&app, page_sql(folder, false, true), &values, plan).await;
                assert!(
                    read.rows <= 2.0 * 297.0 && read.total() <= 297.0 + 600.0 + 588.0 + 2.0 * 150.0,
                    "{folder:?} (with {with}), {plan:?} plan: read {read:?} for three threads"
                );
            }
        }
    }

    // The other way round, the client's blast threads with the colleague: 147 of its 150, so
    // the page walks the client's folder and stops after a page. A generic plan had read and
    // sorted all 150 (it estimates a row or two per person).
    for plan in [Plan::Custom, Plan::Generic] {
        let values = PageValues {
            caller: client,
            limit: 26,
            with: Some(colleague),
            sees_all: false,
            blast_threads: true,
            search: None,
        };
        let sql = page_sql(FolderFilter::All, false, true);
        let read = participant_reads(&app, sql, &values, plan).await;
        assert!(
            read.rows <= 2.0 * 26.0,
            "{plan:?} plan: read {read:?} for the client's threads with the colleague"
        );
    }

    // Many threads with `me` (the owner is in every other one of `me`'s 1,000): the page
    // walks `me`'s folder, and its edge (the 26th thread with the owner) is found by a walk
    // that checks each row, from the folder's index alone. Before the index held the thread
    // (migration 000022), a generic plan read all 1,003 rows of the folder for it and sorted
    // them (1,111 rows read).
    diesel::sql_query(
        "INSERT INTO conversation_participants \
           (practice_id, conversation_id, person_id, last_message_at, unread_count, has_received, has_sent) \
         SELECT $1, c.id, $2, c.created_at, 0, true, false FROM conversations c \
         WHERE c.practice_id = $1 AND c.kind = 'direct' AND c.subject LIKE 'direct %' \
             AND split_part(c.subject, ' ', 2)::int % 2 = 0",
    )
    .bind::<diesel::sql_types::Uuid, _>(p.id)
    .bind::<diesel::sql_types::Uuid, _>(p.owner.person.id)
    .execute(&mut conn)
    .await
    .expect("the owner's threads");
    vacuum_analyze(&app).await;
    for plan in [Plan::Custom, Plan::Generic] {
        for folder in [FolderFilter::Inbox, FolderFilter::All] {
            let values = PageValues {
                caller: me,
                limit: 26,
                with: Some(p.owner.person.id),
                sees_all: true,
                blast_threads: true,
                search: None,
            };
            let read = participant_reads(&app, page_sql(folder, false, true), &values, plan).await;
            assert!(
                read.rows <= 2.0 * 52.0,
                "{folder:?}, {plan:?} plan: read {read:?} for a page of the threads with the owner"
            );
        }
    }

    // And they are the right three, in order, from the API.
    for (with, kind) in [(colleague, "group"), (client, "blast")] {
        let path = format!("/api/v1/conversations?folder=all&with={with}&limit=2");
        let found = app
            .every_item::<ConversationSummary>(&p.provider.token, &path)
            .await;
        let subjects: Vec<&str> = found.iter().map(|t| t.subject.as_str()).collect();
        let expected: Vec<String> = (1..=3).map(|g| format!("Shared {kind} {g}")).collect();
        assert_eq!(subjects, expected, "the threads with {with}");
    }
    let expected = in_exact_order(&mut conn, client, Some(colleague)).await;
    assert_eq!(expected.len(), 147);
    let with_colleague = format!("folder=all&with={colleague}");
    pages_in_order(&app, &p.client.token, &[(&with_colleague, 7)], &expected).await;
}

async fn setting(app: &TestApp, token: &str, body: Value) -> reqwest::Response {
    app.send_as(Method::PATCH, token, "/api/v1/practice", Some(body))
        .await
}

#[tokio::test]
async fn a_practice_may_combine_notifications_into_fewer_emails() {
    // R-NOTIFY: "repeated messages in a short time to the same person may be combined"
    let app = spawn_app().await;
    let p = app.staffed_practice("Digest Clinic").await;
    assert_eq!(
        setting(
            &app,
            &p.provider.token,
            json!({"combine_notifications": true})
        )
        .await
        .status(),
        403
    );
    assert_eq!(
        setting(
            &app,
            &p.client.token,
            json!({"combine_notifications": true})
        )
        .await
        .status(),
        403
    );
    assert_eq!(
        setting(&app, &p.admin.token, json!({"name": "Renamed"}))
            .await
            .status(),
        400
    );
    let response = setting(&app, &p.admin.token, json!({"combine_notifications": true})).await;
    assert_eq!(response.status(), 200);
    let me: Value = app
        .get_as(&p.client.token, "/api/v1/me")
        .await
        .json()
        .await
        .expect("me");
    assert_eq!(me["practice"]["combine_notifications"], true);

    for n in 0..3 {
        start(
            &app,
            &p.provider,
            to(&[&p.client.person]),
            &format!("Update {n}"),
            "Hello",
        )
        .await;
    }
    assert_eq!(
        app.run_jobs().await,
        0,
        "the digest waits for its window to close"
    );
    let mut conn = app.database.connect().await;
    let make_due = "UPDATE jobs SET run_at = now() WHERE state = 'available'";
    diesel::sql_query(make_due)
        .execute(&mut conn)
        .await
        .expect("make due");
    app.run_jobs().await;
    let to_client = |mails: &[confidant_tests::smtp::ReceivedMail]| {
        mails
            .iter()
            .filter(|m| m.recipients.contains(&p.client.person.email))
            .count()
    };
    let mails = to_client(&app.mail.messages());
    #[derive(diesel::QueryableByName)]
    struct Count {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let digests: Count =
        diesel::sql_query("SELECT count(*) AS n FROM jobs WHERE kind = 'send_notification_digest'")
            .get_result(&mut conn)
            .await
            .expect("count");
    // One email per window (two only if the sends straddled a window's end).
    assert_eq!(mails as i64, digests.n);
    assert!((1..3).contains(&mails), "three messages, {mails} emails");

    // What was read before the window closed needs no email.
    let before = app.mail.messages().len();
    diesel::sql_query("UPDATE jobs SET idempotency_key = idempotency_key || ':done'")
        .execute(&mut conn)
        .await
        .expect("start a fresh window");
    let thread = start(
        &app,
        &p.provider,
        to(&[&p.client.person]),
        "Read quickly",
        "Hello",
    )
    .await;
    open(&app, &p.client, thread.id).await;
    for conversation in inbox(&app, &p.client, "all").await.items {
        open(&app, &p.client, conversation.id).await;
    }
    diesel::sql_query(make_due)
        .execute(&mut conn)
        .await
        .expect("make due");
    app.run_jobs().await;
    assert_eq!(
        app.mail.messages().len(),
        before,
        "nothing unread, no email"
    );
}

#[tokio::test]
async fn every_conversation_route_refuses_a_caller_without_a_token() {
    // R-PORTAL-ONLY
    let app = spawn_app().await;
    let p = app.staffed_practice("Anonymous Clinic").await;
    let thread = start(
        &app,
        &p.provider,
        to(&[&p.client.person]),
        "Private",
        "Hello",
    )
    .await;
    let id = thread.id;
    let message = thread.messages[0].id;
    let routes = [
        (Method::GET, "/api/v1/conversations".to_owned()),
        (Method::POST, "/api/v1/conversations".to_owned()),
        (Method::GET, format!("/api/v1/conversations/{id}")),
        (Method::POST, format!("/api/v1/conversations/{id}/messages")),
        (Method::POST, format!("/api/v1/conversations/{id}/read")),
        (Method::DELETE, format!("/api/v1/conversations/{id}")),
        (
            Method::DELETE,
            format!("/api/v1/conversations/{id}/messages/{message}"),
        ),
        (Method::GET, "/api/v1/unread".to_owned()),
    ];
    for (method, path) in routes {
        let response = app
            .client
            .request(method.clone(), app.url(&path))
            .json(&json!({"body": "x", "subject": "x", "recipients": []}))
            .send()
            .await
            .expect("an answer");
        assert_eq!(response.status(), 401, "{method} {path}");
        let text = response.text().await.expect("text");
        assert!(
            !text.contains("Private") && !text.contains("Hello"),
            "{text}"
        );
    }
    // Nothing was changed by the attempts.
    let seen: Conversation = open(&app, &p.provider, id)
        .await
        .json()
        .await
        .expect("thread");
    assert_eq!(seen.messages.len(), 1);
}
