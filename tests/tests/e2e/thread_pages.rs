//! Long threads and busy inboxes: a thread opens on its latest page and pages back through
//! thousands of messages without a gap or a repeat; the unread badge, kept as counters by the
//! database, stays exact while sends and reads race.

use std::collections::HashSet;

use confidant_openapi::Problem;
use confidant_openapi::conversations::{Conversation, MessagePage, UnreadCounts};
use confidant_tests::fixtures::{Member, StaffedPractice};
use confidant_tests::{TestApp, spawn_app};
use diesel_async::RunQueryDsl;
use reqwest::Method;
use serde_json::json;
use uuid::Uuid;

async fn start(app: &TestApp, p: &StaffedPractice, subject: &str) -> Conversation {
    app.start_thread(
        &p.provider,
        p.client.person.id,
        subject,
        "The first message.",
    )
    .await
}

#[derive(diesel::QueryableByName)]
struct Id {
    #[diesel(sql_type = diesel::sql_types::Uuid)]
    id: Uuid,
}

#[tokio::test]
async fn a_long_thread_opens_on_its_latest_page_and_pages_back_without_gaps_or_repeats() {
    let app = spawn_app().await;
    let p = app.staffed_practice("Long Thread Clinic").await;
    let thread = start(&app, &p, "A long story").await;
    // 2,499 more messages, three to each microsecond (all before anything sent later), so
    // that pages must break ties by id.
    let mut conn = app.database.connect().await;
    diesel::sql_query(
        "INSERT INTO messages (id, practice_id, conversation_id, author_id, body, created_at) \
         SELECT gen_random_uuid(), c.practice_id, c.id, \
                CASE WHEN g % 2 = 0 THEN $2 ELSE $3 END, 'Message ' || g, \
                c.created_at + (g / 3) * interval '1 microsecond' \
         FROM conversations c, generate_series(1, 2499) AS g WHERE c.id = $1",
    )
    .bind::<diesel::sql_types::Uuid, _>(thread.id)
    .bind::<diesel::sql_types::Uuid, _>(p.provider.person.id)
    .bind::<diesel::sql_types::Uuid, _>(p.client.person.id)
    .execute(&mut conn)
    .await
    .expect("messages");
    let expected: Vec<Uuid> = diesel::sql_query(
        "SELECT id FROM messages WHERE conversation_id = $1 ORDER BY created_at, id",
    )
    .bind::<diesel::sql_types::Uuid, _>(thread.id)
    .load::<Id>(&mut conn)
    .await
    .expect("ids")
    .into_iter()
    .map(|row| row.id)
    .collect();
    assert_eq!(expected.len(), 2500);

    // Opened: the latest 50, oldest first, and a cursor for the rest.
    let opened: Conversation = app
        .get_as(
            &p.client.token,
            &format!("/api/v1/conversations/{}", thread.id),
        )
        .await
        .json()
        .await
        .expect("the thread");
    let first_page: Vec<Uuid> = opened.messages.iter().map(|m| m.id).collect();
    assert_eq!(first_page, expected[2450..]);
    let mut cursor = opened.older_messages_cursor.expect("older messages wait");

    // A reply arriving while paging back changes nothing in the older pages.
    let reply = app
        .send_as(
            Method::POST,
            &p.provider.token,
            &format!("/api/v1/conversations/{}/messages", thread.id),
            Some(json!({"body": "Meanwhile, a new message."})),
        )
        .await;
    assert_eq!(reply.status(), 201);

    let mut older: Vec<Vec<Uuid>> = Vec::new();
    loop {
        let page: MessagePage = app
            .get_as(
                &p.client.token,
                &format!(
                    "/api/v1/conversations/{}/messages?before={cursor}&limit=200",
                    thread.id
                ),
            )
            .await
            .json()
            .await
            .expect("a page");
        assert!(page.items.len() <= 200);
        older.push(page.items.iter().map(|m| m.id).collect());
        match page.next_cursor {
            Some(next) => cursor = next,
            None => break,
        }
    }
    let mut all: Vec<Uuid> = older.into_iter().rev().flatten().collect();
    all.extend(first_page);
    let unique: HashSet<&Uuid> = all.iter().collect();
    assert_eq!(unique.len(), all.len(), "no message twice");
    assert_eq!(all.len(), expected.len(), "every message once");
    let first_difference = all
        .iter()
        .zip(&expected)
        .position(|(got, wanted)| got != wanted);
    assert_eq!(first_difference, None, "in order");

    // The newest page without a cursor holds the new reply; the limits are checked.
    let latest: MessagePage = app
        .get_as(
            &p.provider.token,
            &format!("/api/v1/conversations/{}/messages?limit=1", thread.id),
        )
        .await
        .json()
        .await
        .expect("a page");
    assert_eq!(latest.items.len(), 1);
    assert_eq!(latest.items[0].body, "Meanwhile, a new message.");
    for (query, status, field) in [
        ("limit=0", 422, "limit"),
        ("limit=201", 422, "limit"),
        ("before=not-a-cursor", 400, "before"),
    ] {
        let refused = app
            .get_as(
                &p.client.token,
                &format!("/api/v1/conversations/{}/messages?{query}", thread.id),
            )
            .await;
        assert_eq!(refused.status(), status, "{query}");
        let problem: Problem = refused.json().await.expect("a problem");
        assert!(
            problem.errors.is_some_and(|e| e.contains_key(field)),
            "{query} names {field}"
        );
    }

    // Nobody else reads it, page by page or whole.
    let other = app.staffed_practice("Elsewhere").await;
    for token in [&p.staff.token, &other.admin.token, &other.client.token] {
        let path = format!("/api/v1/conversations/{}/messages", thread.id);
        assert_eq!(app.get_as(token, &path).await.status(), 404);
    }
    assert_eq!(
        app.get_as(
            "not-a-token",
            &format!("/api/v1/conversations/{}/messages", thread.id)
        )
        .await
        .status(),
        401
    );
}

async fn badge(app: &TestApp, who: &Member) -> UnreadCounts {
    app.get_as(&who.token, "/api/v1/unread")
        .await
        .json()
        .await
        .expect("the badge")
}

/// The badge as the participant rows say it is, counted the slow way.
async fn counted(app: &TestApp, person: Uuid) -> (i64, i64) {
    let threads = app
        .count(&format!(
            "SELECT count(*) AS n FROM conversation_participants \
             WHERE person_id = '{person}' AND unread_count > 0"
        ))
        .await;
    let messages = app
        .count(&format!(
            "SELECT coalesce(sum(unread_count), 0)::bigint AS n FROM conversation_participants \
             WHERE person_id = '{person}'"
        ))
        .await;
    (threads, messages)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_unread_badge_stays_exact_while_sends_and_reads_race() {
    let app = spawn_app().await;
    let p = app.staffed_practice("Racing Clinic").await;
    let mut threads = Vec::new();
    for n in 0..4 {
        threads.push(start(&app, &p, &format!("Thread {n}")).await);
    }
    // Twenty replies from the provider and twenty reads by the client, all at once.
    let (app, p) = (&app, &p);
    let sends = threads.iter().cycle().take(20).map(|thread| async move {
        let path = format!("/api/v1/conversations/{}/messages", thread.id);
        let body = json!({"body": "Another line."});
        app.send_as(Method::POST, &p.provider.token, &path, Some(body))
            .await
    });
    let reads = threads.iter().cycle().take(20).map(|thread| async move {
        let path = format!("/api/v1/conversations/{}/read", thread.id);
        app.send_as(Method::POST, &p.client.token, &path, None)
            .await
    });
    let (sent, read) = tokio::join!(
        futures_util::future::join_all(sends),
        futures_util::future::join_all(reads)
    );
    assert!(sent.iter().all(|r| r.status() == 201));
    assert!(
        read.iter().all(|r| r.status().is_success()),
        "{:?}",
        read.iter().map(|r| r.status()).collect::<Vec<_>>()
    );
    let shown = badge(app, &p.client).await;
    let truth = counted(app, p.client.person.id).await;
    assert_eq!(
        (shown.conversations, shown.messages),
        truth,
        "the badge is what the threads say"
    );
    // Deleting a thread takes its unread messages off the badge; a new one adds its own.
    let deleted = app
        .send_as(
            Method::DELETE,
            &p.provider.token,
            &format!("/api/v1/conversations/{}", threads[0].id),
            None,
        )
        .await;
    assert_eq!(deleted.status(), 204);
    start(app, p, "One more").await;
    let shown = badge(app, &p.client).await;
    assert_eq!(
        (shown.conversations, shown.messages),
        counted(app, p.client.person.id).await
    );
    // And every counter of the database agrees with the rows it summarises.
    let drifted = app
        .count(
            "SELECT count(*) AS n FROM people p \
             LEFT JOIN unread_counters c ON c.person_id = p.id \
             LEFT JOIN (SELECT person_id, count(*) FILTER (WHERE unread_count > 0) AS t, \
                               sum(unread_count) AS m \
                        FROM conversation_participants GROUP BY person_id) r \
               ON r.person_id = p.id \
             WHERE coalesce(c.unread_conversations, 0) <> coalesce(r.t, 0) \
                OR coalesce(c.unread_messages, 0) <> coalesce(r.m, 0)",
        )
        .await;
    assert_eq!(drifted, 0);
}
