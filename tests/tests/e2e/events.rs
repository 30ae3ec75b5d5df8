//! The event log (the source of live updates): each change someone must hear of writes one
//! row in the change's own transaction, for the people allowed to read the thread and nobody
//! else, holding ids and counts only; a refused change writes nothing; old rows are pruned by
//! the hourly job.
//!
//! R-EVENTS is tested here for what the log holds (audience, ids only); what reaches people
//! over the stream, within a second and on any instance, is tested in `live.rs`.

use std::collections::BTreeSet;

use confidant_tests::TestApp;
use confidant_tests::fixtures::StaffedPractice;
use confidant_tests::spawn_app;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use reqwest::Method;
use serde_json::{Value, json};
use uuid::Uuid;

#[derive(Debug, diesel::QueryableByName)]
struct Row {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    id: i64,
    #[diesel(sql_type = diesel::sql_types::Text)]
    kind: String,
    #[diesel(sql_type = diesel::sql_types::Jsonb)]
    data: Value,
    #[diesel(sql_type = diesel::sql_types::Array<diesel::sql_types::Uuid>)]
    audience: Vec<Uuid>,
}

impl Row {
    fn audience(&self) -> BTreeSet<Uuid> {
        self.audience.iter().copied().collect()
    }
}

async fn connect(app: &TestApp) -> AsyncPgConnection {
    AsyncPgConnection::establish(app.database.url())
        .await
        .expect("connect")
}

/// The events after id `after`, oldest first.
async fn events_after(app: &TestApp, after: i64) -> Vec<Row> {
    diesel::sql_query("SELECT id, kind, data, audience FROM events WHERE id > $1 ORDER BY id")
        .bind::<diesel::sql_types::BigInt, _>(after)
        .load(&mut connect(app).await)
        .await
        .expect("the events")
}

async fn last_id(app: &TestApp) -> i64 {
    events_after(app, 0).await.last().map_or(0, |row| row.id)
}

/// Asserts that `row` holds ids and counts only: none of `secrets` appears anywhere in it.
fn assert_ids_only(row: &Row, secrets: &[&str]) {
    let text = row.data.to_string();
    for secret in secrets {
        assert!(
            !text.contains(secret),
            "{} carries {secret:?}: {text}",
            row.kind
        );
    }
    for (field, value) in row.data.as_object().expect("an object") {
        assert!(
            value.is_number() || value.as_str().is_some_and(|id| Uuid::parse_str(id).is_ok()),
            "{}.{field} is neither an id nor a count: {value}",
            row.kind
        );
    }
}

async fn start_thread(app: &TestApp, token: &str, to: &[Uuid], subject: &str) -> Value {
    let recipients: Vec<Value> = to
        .iter()
        .map(|id| json!({"type": "person", "id": id}))
        .collect();
    let response = app
        .send_as(
            Method::POST,
            token,
            "/api/v1/conversations",
            Some(json!({"recipients": recipients, "subject": subject, "body": "Your ferritin is low."})),
        )
        .await;
    assert_eq!(response.status(), 201);
    response.json().await.expect("the thread")
}

#[tokio::test]
async fn a_thread_and_its_reply_are_events_for_their_participants_only() {
    // R-EVENTS: nobody hears of a thread they may not read; ids only.
    let app = spawn_app().await;
    let p: StaffedPractice = app.staffed_practice("Events Clinic").await;
    let before = last_id(&app).await;
    let subject = "Bloodwork follow-up";
    let thread = start_thread(&app, &p.provider.token, &[p.client.person.id], subject).await;
    let thread_id = thread["id"].as_str().expect("an id").to_owned();
    let reply = app
        .send_as(
            Method::POST,
            &p.client.token,
            &format!("/api/v1/conversations/{thread_id}/messages"),
            Some(json!({"body": "Thank you, I will take the iron."})),
        )
        .await;
    assert_eq!(reply.status(), 201);

    let rows = events_after(&app, before).await;
    let kinds: Vec<&str> = rows.iter().map(|row| row.kind.as_str()).collect();
    assert_eq!(kinds, ["conversation_created", "message_created"]);
    let both = BTreeSet::from([p.provider.person.id, p.client.person.id]);
    for row in &rows {
        assert_eq!(
            row.audience(),
            both,
            "{}: the two participants, nobody else",
            row.kind
        );
        assert_eq!(row.data["conversation_id"], thread_id.as_str());
        assert_ids_only(
            row,
            &[
                subject,
                "ferritin",
                "iron",
                &p.client.person.name,
                &p.client.person.email,
                &p.provider.person.name,
            ],
        );
    }
    assert_eq!(rows[0].data["author_id"], p.provider.person.id.to_string());
    assert_eq!(rows[1].data["author_id"], p.client.person.id.to_string());
    assert!(rows[0].id < rows[1].id, "ids grow in commit order");
}

#[tokio::test]
async fn a_staff_group_thread_reaches_its_members_and_a_refused_message_writes_nothing() {
    // R-EVENTS: nobody hears of a thread they may not read; ids only.
    let app = spawn_app().await;
    let p: StaffedPractice = app.staffed_practice("Events Clinic").await;
    let before = last_id(&app).await;
    // "All staff": every staff member, never a client.
    let response = app
        .send_as(
            Method::POST,
            &p.staff.token,
            "/api/v1/conversations",
            Some(json!({"recipients": [{"type": "all_staff"}], "subject": "Rota", "body": "New rota."})),
        )
        .await;
    assert_eq!(response.status(), 201);
    let rows = events_after(&app, before).await;
    assert_eq!(rows.len(), 1);
    let staff = BTreeSet::from([
        p.owner.person.id,
        p.admin.person.id,
        p.provider.person.id,
        p.staff.person.id,
    ]);
    assert_eq!(rows[0].audience(), staff);

    // Refused (an empty body): no message, so no event.
    let thread_id = rows[0].data["conversation_id"]
        .as_str()
        .expect("an id")
        .to_owned();
    let refused = app
        .send_as(
            Method::POST,
            &p.owner.token,
            &format!("/api/v1/conversations/{thread_id}/messages"),
            Some(json!({"body": "   "})),
        )
        .await;
    assert_eq!(refused.status(), 422);
    assert_eq!(events_after(&app, rows[0].id).await.len(), 0);
}

#[tokio::test]
async fn reading_tells_the_reader_alone_their_new_unread_counts() {
    let app = spawn_app().await;
    let p: StaffedPractice = app.staffed_practice("Events Clinic").await;
    let first = start_thread(&app, &p.provider.token, &[p.client.person.id], "One").await;
    start_thread(&app, &p.provider.token, &[p.client.person.id], "Two").await;
    let before = last_id(&app).await;
    let id = first["id"].as_str().expect("an id");
    let read = app
        .send_as(
            Method::POST,
            &p.client.token,
            &format!("/api/v1/conversations/{id}/read"),
            None,
        )
        .await;
    assert_eq!(read.status(), 204);
    let rows = events_after(&app, before).await;
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].kind, "read_state_changed");
    assert_eq!(rows[0].audience(), BTreeSet::from([p.client.person.id]));
    assert_eq!(rows[0].data["conversation_id"], id);
    assert_eq!(rows[0].data["unread_conversations"], 1, "the other thread");
    assert_eq!(rows[0].data["unread_messages"], 1);
    assert_ids_only(&rows[0], &[]);
}

#[tokio::test]
async fn deleting_a_message_or_a_thread_tells_everyone_who_took_part() {
    let app = spawn_app().await;
    let p: StaffedPractice = app.staffed_practice("Events Clinic").await;
    let thread = start_thread(&app, &p.provider.token, &[p.client.person.id], "Oops").await;
    let id = thread["id"].as_str().expect("an id");
    let message_id = thread["messages"][0]["id"].as_str().expect("a message id");
    let before = last_id(&app).await;
    let both = BTreeSet::from([p.provider.person.id, p.client.person.id]);

    let deleted = app
        .send_as(
            Method::DELETE,
            &p.provider.token,
            &format!("/api/v1/conversations/{id}/messages/{message_id}"),
            None,
        )
        .await;
    assert_eq!(deleted.status(), 204);
    let gone = app
        .send_as(
            Method::DELETE,
            &p.provider.token,
            &format!("/api/v1/conversations/{id}"),
            None,
        )
        .await;
    assert_eq!(gone.status(), 204);

    let rows = events_after(&app, before).await;
    let kinds: Vec<&str> = rows.iter().map(|row| row.kind.as_str()).collect();
    assert_eq!(kinds, ["message_deleted", "conversation_deleted"]);
    assert!(rows.iter().all(|row| row.audience() == both));
    assert_eq!(rows[0].data["message_id"], message_id);
    assert_eq!(rows[1].data["conversation_id"], id);
}

#[tokio::test]
async fn a_blast_tells_each_client_of_their_thread_and_its_sender_of_the_progress() {
    // R-EVENTS: nobody hears of a thread they may not read; ids only.
    let app = spawn_app().await;
    let p: StaffedPractice = app.staffed_practice("Events Clinic").await;
    let clients = [p.client.person.id, p.other_client.id];
    let before = last_id(&app).await;
    let response = app
        .send_as(
            Method::POST,
            &p.provider.token,
            "/api/v1/blasts",
            Some(json!({"client_ids": clients, "subject": "Closed Monday", "body": "See you Tuesday."})),
        )
        .await;
    assert_eq!(response.status(), 202);
    let blast: Value = response.json().await.expect("the blast");
    app.run_jobs().await;

    let rows = events_after(&app, before).await;
    let created: Vec<&Row> = rows
        .iter()
        .filter(|row| row.kind == "conversation_created")
        .collect();
    assert_eq!(created.len(), 2);
    for client in clients {
        assert!(
            created
                .iter()
                .any(|row| row.audience() == BTreeSet::from([p.provider.person.id, client])),
            "each client hears of their own thread only"
        );
    }
    let done = rows.last().expect("the end");
    assert_eq!(done.kind, "blast_done");
    assert_eq!(done.audience(), BTreeSet::from([p.provider.person.id]));
    assert_eq!(done.data["blast_id"], blast["id"]);
    assert_eq!(done.data["sent"], 2);
    assert_eq!(done.data["total"], 2);
    for row in &rows {
        assert_ids_only(row, &["Closed Monday", "Tuesday"]);
    }
}

#[tokio::test]
async fn a_changed_person_is_heard_of_by_them_and_those_who_manage_people() {
    let app = spawn_app().await;
    let p: StaffedPractice = app.staffed_practice("Events Clinic").await;
    let before = last_id(&app).await;
    let changed = app
        .send_as(
            Method::PATCH,
            &p.admin.token,
            &format!("/api/v1/people/{}", p.client.person.id),
            Some(json!({"status": "inactive"})),
        )
        .await;
    assert_eq!(changed.status(), 200);
    let rows = events_after(&app, before).await;
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].kind, "person_changed");
    assert_eq!(
        rows[0].audience(),
        BTreeSet::from([p.owner.person.id, p.admin.person.id, p.client.person.id])
    );
    assert_ids_only(&rows[0], &[&p.client.person.name, &p.client.person.email]);
}

#[tokio::test]
async fn events_older_than_the_retention_window_are_pruned_by_the_hourly_job() {
    let app = spawn_app().await;
    let p: StaffedPractice = app.staffed_practice("Events Clinic").await;
    start_thread(&app, &p.provider.token, &[p.client.person.id], "Recent").await;
    start_thread(&app, &p.provider.token, &[p.client.person.id], "Old").await;
    let rows = events_after(&app, 0).await;
    let old = rows[0].id;
    let mut conn = connect(&app).await;
    diesel::sql_query("UPDATE events SET created_at = now() - interval '25 hours' WHERE id = $1")
        .bind::<diesel::sql_types::BigInt, _>(old)
        .execute(&mut conn)
        .await
        .expect("an old event");
    let prune = confidant::events::retention::PruneEventsJob::this_hour();
    confidant::jobs::enqueue(&mut conn, &prune, Some(&prune.idempotency_key()))
        .await
        .expect("the pruning job");
    app.run_jobs().await;
    let left: Vec<i64> = events_after(&app, 0)
        .await
        .iter()
        .map(|row| row.id)
        .collect();
    assert!(!left.contains(&old), "the 25-hour-old event is gone");
    assert!(left.contains(&rows[1].id), "the recent one stays");
}

// R-WEBHOOK: a long outage delays deliveries but loses none.
#[tokio::test]
async fn events_past_the_window_that_webhooks_have_not_carried_are_kept_until_dispatched() {
    let app = spawn_app().await;
    let p: StaffedPractice = app.staffed_practice("Events Clinic").await;
    start_thread(&app, &p.provider.token, &[p.client.person.id], "Before").await;
    let mut conn = connect(&app).await;
    diesel::sql_query("UPDATE events SET created_at = now() - interval '25 hours'")
        .execute(&mut conn)
        .await
        .expect("old events");
    let old: Vec<i64> = events_after(&app, 0)
        .await
        .iter()
        .map(|row| row.id)
        .collect();
    assert!(!old.is_empty());

    // The hourly job alone, without the dispatcher reading first (every instance was down).
    let prune = confidant::events::retention::PruneEventsJob::this_hour();
    confidant::jobs::enqueue(&mut conn, &prune, Some(&prune.idempotency_key()))
        .await
        .expect("the pruning job");
    app.run_jobs_with(&confidant::startup::job_registry()).await;
    let kept: Vec<i64> = events_after(&app, 0)
        .await
        .iter()
        .map(|row| row.id)
        .collect();
    assert_eq!(kept, old, "events the dispatcher has not read stay");

    confidant::webhooks::dispatch::run(&app.job_context().pool)
        .await
        .expect("a dispatch");
    let cutoff = chrono::Utc::now() - chrono::Duration::hours(24);
    let pruned = confidant::events::retention::prune(&mut conn, cutoff)
        .await
        .expect("a pruning");
    assert_eq!(pruned, old.len(), "once read, they go");
    assert!(events_after(&app, 0).await.is_empty());
}

#[tokio::test]
async fn committing_events_notifies_listeners_once_per_statement_with_the_newest_id() {
    use futures_util::StreamExt;
    let app = spawn_app().await;
    let p: StaffedPractice = app.staffed_practice("Events Clinic").await;
    let (listener, mut connection) =
        tokio_postgres::connect(app.database.url(), tokio_postgres::NoTls)
            .await
            .expect("a listening connection");
    let (sender, mut notifications) = tokio::sync::mpsc::unbounded_channel();
    tokio::spawn(async move {
        let mut messages = futures_util::stream::poll_fn(move |cx| connection.poll_message(cx));
        while let Some(Ok(message)) = messages.next().await {
            if let tokio_postgres::AsyncMessage::Notification(note) = message {
                let _ = sender.send((note.channel().to_owned(), note.payload().to_owned()));
            }
        }
    });
    listener
        .batch_execute("LISTEN confidant_events")
        .await
        .expect("LISTEN");

    // A blast chunk writes three events (two threads and the end) in one statement.
    let response = app
        .send_as(
            Method::POST,
            &p.provider.token,
            "/api/v1/blasts",
            Some(json!({"client_ids": [p.client.person.id, p.other_client.id], "subject": "S", "body": "B"})),
        )
        .await;
    assert_eq!(response.status(), 202);
    app.run_jobs().await;
    let newest = last_id(&app).await;
    let (channel, payload) =
        tokio::time::timeout(std::time::Duration::from_secs(5), notifications.recv())
            .await
            .expect("a notification within 5 s")
            .expect("a notification");
    assert_eq!(channel, "confidant_events");
    assert_eq!(
        payload,
        newest.to_string(),
        "the id only: the newest of the statement"
    );
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert!(
        notifications.try_recv().is_err(),
        "one notification for the statement"
    );
}

#[tokio::test]
async fn a_thread_to_several_clients_reaches_them_and_its_author_only() {
    // R-EVENTS: nobody hears of a thread they may not read; ids only.
    // R-MULTI-CLIENT: the clients read it; other staff are not in it and hear nothing.
    let app = spawn_app().await;
    let p: StaffedPractice = app.staffed_practice("Events Clinic").await;
    let before = last_id(&app).await;
    start_thread(
        &app,
        &p.provider.token,
        &[p.client.person.id, p.other_client.id],
        "Group session",
    )
    .await;
    let rows = events_after(&app, before).await;
    assert_eq!(rows.len(), 1);
    assert_eq!(
        rows[0].audience(),
        BTreeSet::from([p.provider.person.id, p.client.person.id, p.other_client.id])
    );
}
