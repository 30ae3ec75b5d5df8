//! Message blasts (SPEC §6): a new private thread per client, only active clients, replies to
//! the sender only, progress while it runs, exactly once, and no starving of ordinary mail.

use confidant_openapi::blasts::{
    Blast, BlastDetail, BlastPage, BlastRecipientPage, BlastState, RecipientOutcome,
};
use confidant_openapi::conversations::{Conversation, ConversationKind, ConversationPage};
use confidant_openapi::{Problem, ProblemCode};
use confidant_tests::files::text;
use confidant_tests::fixtures::{Member, StaffedPractice};
use confidant_tests::plans::{PageValues, Plan, participant_reads};
use confidant_tests::{TestApp, spawn_app, until};
use diesel_async::RunQueryDsl;
use reqwest::Method;
use serde_json::{Value, json};
use uuid::Uuid;

async fn blast(app: &TestApp, from: &Member, body: Value) -> reqwest::Response {
    app.send_as(Method::POST, &from.token, "/api/v1/blasts", Some(body))
        .await
}

async fn accepted(app: &TestApp, from: &Member, body: Value) -> Blast {
    let response = blast(app, from, body).await;
    assert_eq!(response.status(), 202);
    response.json().await.expect("a blast")
}

async fn progress(app: &TestApp, from: &Member, id: Uuid) -> Blast {
    let response = app
        .get_as(&from.token, &format!("/api/v1/blasts/{id}"))
        .await;
    assert_eq!(response.status(), 200);
    response.json().await.expect("a blast")
}

async fn threads(app: &TestApp, who: &Member) -> ConversationPage {
    app.get_as(&who.token, "/api/v1/conversations?folder=all")
        .await
        .json()
        .await
        .expect("a page")
}

fn news(subject: &str) -> (String, String) {
    (
        subject.to_owned(),
        "The office is closed on Monday.".to_owned(),
    )
}

/// A third client of the provider, signed in.
async fn third_client(app: &TestApp, p: &StaffedPractice) -> Member {
    let person = app
        .add_person(
            &p.owner.token,
            json!({"kind": "client", "name": "Tia Third", "email": "tia@third.test", "provider_ids": [p.provider.person.id]}),
        )
        .await;
    Member {
        token: app.token_for(&person).await,
        person,
    }
}

#[tokio::test]
async fn each_client_gets_a_new_private_thread_with_the_sender_only() {
    // R-BLAST-NEW, R-BLAST-QUEUE
    let app = spawn_app().await;
    let p = app.staffed_practice("Blast Clinic").await;
    let tia = third_client(&app, &p).await;
    // An existing thread between the provider and Cleo, which the blast must not touch.
    let existing: Conversation = app
        .send_as(
            Method::POST,
            &p.provider.token,
            "/api/v1/conversations",
            Some(json!({"recipients": [{"type": "person", "id": p.client.person.id}], "subject": "Your plan", "body": "Let us talk."})),
        )
        .await
        .json()
        .await
        .expect("a thread");

    let (subject, body) = news("Closed Monday");
    let sent = accepted(
        &app,
        &p.provider,
        json!({"client_ids": [p.client.person.id, tia.person.id, p.other_client.id], "subject": subject, "body": body}),
    )
    .await;
    assert_eq!(sent.state, BlastState::Queued);
    assert_eq!(
        (sent.total, sent.sent, sent.skipped, sent.failed),
        (3, 0, 0, 0)
    );
    // Nothing is made until the worker runs.
    assert_eq!(threads(&app, &tia).await.items.len(), 0);

    app.run_jobs().await;
    let done = progress(&app, &p.provider, sent.id).await;
    assert_eq!(done.state, BlastState::Done);
    assert_eq!(
        (done.total, done.sent, done.skipped, done.failed),
        (3, 3, 0, 0)
    );
    assert!(done.finished_at.is_some());

    for client in [&p.client, &tia] {
        let page = threads(&app, client).await;
        let blast_threads: Vec<_> = page.items.iter().filter(|t| t.subject == subject).collect();
        assert_eq!(blast_threads.len(), 1, "one new thread");
        let thread: Conversation = app
            .get_as(
                &client.token,
                &format!("/api/v1/conversations/{}", blast_threads[0].id),
            )
            .await
            .json()
            .await
            .expect("the thread");
        assert_eq!(thread.kind, ConversationKind::Blast);
        assert_eq!(thread.messages.len(), 1);
        assert_eq!(thread.messages[0].body, body);
        assert_eq!(thread.messages[0].author.id, p.provider.person.id);
        // Privacy: only the sender and themselves, nothing of the other recipients.
        let mut seen: Vec<Uuid> = thread.participants.iter().map(|x| x.id).collect();
        seen.sort();
        let mut expected = vec![p.provider.person.id, client.person.id];
        expected.sort();
        assert_eq!(seen, expected);
        let raw = app
            .get_as(
                &client.token,
                &format!("/api/v1/conversations/{}", thread.id),
            )
            .await
            .text()
            .await
            .expect("a body");
        for other in [&p.client.person, &tia.person, &p.other_client] {
            if other.id != client.person.id {
                assert!(!raw.contains(&other.id.to_string()), "{raw}");
                assert!(!raw.contains(&other.name), "{raw}");
            }
        }
    }
    // R-BLAST-NEW: the existing thread is untouched.
    let before: Conversation = app
        .get_as(
            &p.client.token,
            &format!("/api/v1/conversations/{}", existing.id),
        )
        .await
        .json()
        .await
        .expect("the old thread");
    assert_eq!(before.messages.len(), 1);
    assert_eq!(before.subject, "Your plan");
    assert_eq!(before.kind, ConversationKind::Direct);
    // The sender sees one thread per client in Sent.
    let sender: ConversationPage = app
        .get_as(
            &p.provider.token,
            "/api/v1/conversations?folder=sent&limit=100",
        )
        .await
        .json()
        .await
        .expect("a page");
    assert_eq!(
        sender.items.iter().filter(|t| t.subject == subject).count(),
        3
    );
}

#[tokio::test]
async fn a_blast_needs_two_clients_of_the_practice() {
    // R-BLAST-MIN
    let app = spawn_app().await;
    let p = app.staffed_practice("Min Clinic").await;
    let elsewhere = app.staffed_practice("Far Clinic").await;
    let (subject, body) = news("Closed");
    for (selection, field, status) in [
        (
            json!({"client_ids": [p.client.person.id]}),
            "client_ids",
            422,
        ),
        (json!({"client_ids": []}), "client_ids", 422),
        // A client named twice is refused as such.
        (
            json!({"client_ids": [p.client.person.id, p.client.person.id]}),
            "client_ids",
            422,
        ),
        // Another practice's client, or a staff member, is not a client of this practice:
        // ids that name nothing the sender can use are a 404 naming the field.
        (
            json!({"client_ids": [p.client.person.id, elsewhere.client.person.id]}),
            "client_ids",
            404,
        ),
        (
            json!({"client_ids": [p.client.person.id, p.staff.person.id]}),
            "client_ids",
            404,
        ),
        // Paul has one active assigned client: Cleo.
        (json!({"all_my_active_clients": true}), "client_ids", 422),
    ] {
        let mut request = selection.clone();
        request["subject"] = json!(subject);
        request["body"] = json!(body);
        let response = blast(&app, &p.provider, request).await;
        assert_eq!(response.status(), status, "{selection}");
        let problem: Problem = response.json().await.expect("a problem");
        assert!(problem.errors.expect("fields").contains_key(field));
    }
    let empty_subject = blast(
        &app,
        &p.provider,
        json!({"client_ids": [p.client.person.id, p.other_client.id], "subject": " ", "body": ""}),
    )
    .await;
    assert_eq!(empty_subject.status(), 422);
    let problem: Problem = empty_subject.json().await.expect("a problem");
    let fields = problem.errors.expect("fields");
    assert!(fields.contains_key("subject") && fields.contains_key("body"));
    let unknown = blast(
        &app,
        &p.provider,
        json!({"client_ids": [p.client.person.id, p.other_client.id], "subject": "s", "body": "b", "practice_id": p.id}),
    )
    .await;
    assert_eq!(unknown.status(), 400);
    // Nothing was stored.
    let page: BlastPage = app
        .get_as(&p.provider.token, "/api/v1/blasts")
        .await
        .json()
        .await
        .expect("a page");
    assert!(page.items.is_empty());
}

#[tokio::test]
async fn all_my_active_clients_minus_deselected_ones_skipping_inactive_and_archived() {
    // R-BLAST-ALL, R-BLAST-ACTIVE
    let app = spawn_app().await;
    let p = app.staffed_practice("All Clinic").await;
    let provider = p.provider.person.id;
    let active = app
        .add_clients_directly(p.id, Some(provider), 5, "active")
        .await;
    let inactive = app
        .add_clients_directly(p.id, Some(provider), 2, "inactive")
        .await;
    let archived = app
        .add_clients_directly(p.id, Some(provider), 1, "archived")
        .await;
    let not_mine = app.add_clients_directly(p.id, None, 3, "active").await;
    let (subject, body) = news("Holiday hours");
    // All mine (Cleo + 5 active), minus two of them, plus one inactive and one archived
    // picked by hand, plus one client of someone else.
    let audience: Value = app
        .get_as(&p.provider.token, "/api/v1/blasts/audience")
        .await
        .json()
        .await
        .expect("an audience");
    assert_eq!(audience["my_active_clients"], 6, "Cleo and the 5 active");
    assert_eq!(
        app.get_as(&p.client.token, "/api/v1/blasts/audience")
            .await
            .status(),
        403
    );
    assert_eq!(app.get("/api/v1/blasts/audience").await.status(), 401);
    let sent = accepted(
        &app,
        &p.provider,
        json!({
            "all_my_active_clients": true,
            "exclude_client_ids": [active[0], p.client.person.id],
            "client_ids": [inactive[0], archived[0], not_mine[0]],
            "subject": subject, "body": body,
        }),
    )
    .await;
    assert_eq!(
        sent.total,
        4 + 2 + 1,
        "4 of mine, 2 picked not active, 1 of someone else"
    );
    app.run_jobs().await;
    let done = progress(&app, &p.provider, sent.id).await;
    assert_eq!((done.sent, done.skipped, done.failed), (5, 2, 0));
    assert_eq!(done.state, BlastState::Done);

    #[derive(diesel::QueryableByName)]
    struct Row {
        #[diesel(sql_type = diesel::sql_types::Uuid)]
        person_id: Uuid,
    }
    let mut conn = app.database.connect().await;
    let receivers: Vec<Row> = diesel::sql_query(
        "SELECT p.person_id FROM conversation_participants p \
         JOIN conversations c ON c.id = p.conversation_id \
         WHERE c.kind = 'blast' AND p.person_id <> $1 ORDER BY p.person_id",
    )
    .bind::<diesel::sql_types::Uuid, _>(provider)
    .load(&mut conn)
    .await
    .expect("receivers");
    let mut got: Vec<Uuid> = receivers.into_iter().map(|r| r.person_id).collect();
    let mut expected = vec![active[1], active[2], active[3], active[4], not_mine[0]];
    got.sort();
    expected.sort();
    assert_eq!(
        got, expected,
        "neither the deselected nor the inactive or archived"
    );
    // A client who is inactive at the time still has no thread (and no picked-out one either).
    for skipped in [inactive[0], archived[0], active[0], p.client.person.id] {
        assert!(!got.contains(&skipped));
    }
}

#[tokio::test]
async fn clients_reply_to_the_sender_only() {
    // R-BLAST-REPLY
    let app = spawn_app().await;
    let p = app.staffed_practice("Reply Clinic").await;
    let tia = third_client(&app, &p).await;
    let (subject, body) = news("Survey");
    accepted(
        &app,
        &p.provider,
        json!({"client_ids": [p.client.person.id, tia.person.id], "subject": subject, "body": body}),
    )
    .await;
    app.run_jobs().await;
    let mail_before = app.mail.messages().len();
    let thread_id = threads(&app, &p.client).await.items[0].id;
    let summary = &threads(&app, &p.client).await.items[0];
    assert!(summary.can_reply);
    let reply = app
        .send_as(
            Method::POST,
            &p.client.token,
            &format!("/api/v1/conversations/{thread_id}/messages"),
            Some(json!({"body": "Thanks, see you Tuesday."})),
        )
        .await;
    assert_eq!(reply.status(), 201);
    app.run_jobs().await;
    // The provider sees the reply; Tia's thread has only the blast message.
    let provider_view: Conversation = app
        .get_as(
            &p.provider.token,
            &format!("/api/v1/conversations/{thread_id}"),
        )
        .await
        .json()
        .await
        .expect("the thread");
    assert_eq!(provider_view.messages.len(), 2);
    let tia_thread = threads(&app, &tia).await.items[0].id;
    assert_ne!(tia_thread, thread_id);
    let tia_view: Conversation = app
        .get_as(&tia.token, &format!("/api/v1/conversations/{tia_thread}"))
        .await
        .json()
        .await
        .expect("the thread");
    assert_eq!(tia_view.messages.len(), 1);
    assert_eq!(
        app.get_as(&tia.token, &format!("/api/v1/conversations/{thread_id}"))
            .await
            .status(),
        404
    );
    // The one email after the reply goes to the provider only.
    let mail = app.mail.messages();
    let new: Vec<_> = mail[mail_before..]
        .iter()
        .flat_map(|m| m.recipients.clone())
        .collect();
    assert_eq!(new, vec![p.provider.person.email.clone()]);
}

#[tokio::test]
async fn blasts_are_staff_only_and_seen_by_their_sender_alone() {
    // R-BLAST-QUEUE
    let app = spawn_app().await;
    let p = app.staffed_practice("Own Clinic").await;
    let elsewhere = app.staffed_practice("Other Clinic").await;
    let (subject, body) = news("Closed");
    let request = json!({"client_ids": [p.client.person.id, p.other_client.id], "subject": subject, "body": body});
    let client = blast(&app, &p.client, request.clone()).await;
    assert_eq!(client.status(), 403);
    let anonymous = app
        .client
        .post(app.url("/api/v1/blasts"))
        .json(&request)
        .send()
        .await
        .expect("an answer");
    assert_eq!(anonymous.status(), 401);
    let sent = accepted(&app, &p.provider, request).await;
    let path = format!("/api/v1/blasts/{}", sent.id);
    for (token, status) in [
        (&p.staff.token, 404),
        (&p.owner.token, 404),
        (&elsewhere.owner.token, 404),
        (&p.client.token, 403),
    ] {
        let response = app.get_as(token, &path).await;
        assert_eq!(response.status(), status);
        let problem: Problem = response.json().await.expect("a problem");
        assert!(matches!(
            problem.code,
            ProblemCode::NotFound | ProblemCode::Forbidden
        ));
    }
    assert_eq!(app.get(&path).await.status(), 401);
    let mine: BlastPage = app
        .get_as(&p.provider.token, "/api/v1/blasts")
        .await
        .json()
        .await
        .expect("a page");
    assert_eq!(mine.items.len(), 1);
    assert_eq!(mine.items[0].subject, subject);
    let theirs: BlastPage = app
        .get_as(&p.staff.token, "/api/v1/blasts")
        .await
        .json()
        .await
        .expect("a page");
    assert!(theirs.items.is_empty());
    assert_eq!(
        app.get_as(&p.client.token, "/api/v1/blasts").await.status(),
        403
    );
}

#[tokio::test]
async fn the_history_pages_newest_first() {
    // R-BLAST-QUEUE
    let app = spawn_app().await;
    let p = app.staffed_practice("History Clinic").await;
    for n in 0..5 {
        accepted(
            &app,
            &p.provider,
            json!({"client_ids": [p.client.person.id, p.other_client.id], "subject": format!("Note {n}"), "body": "b"}),
        )
        .await;
    }
    let first: BlastPage = app
        .get_as(&p.provider.token, "/api/v1/blasts?limit=3")
        .await
        .json()
        .await
        .expect("a page");
    let cursor = first.next_cursor.clone().expect("more");
    let second: BlastPage = app
        .get_as(
            &p.provider.token,
            &format!("/api/v1/blasts?limit=3&cursor={cursor}"),
        )
        .await
        .json()
        .await
        .expect("a page");
    let subjects: Vec<String> = first
        .items
        .iter()
        .chain(&second.items)
        .map(|b| b.subject.clone())
        .collect();
    assert_eq!(subjects, ["Note 4", "Note 3", "Note 2", "Note 1", "Note 0"]);
    assert!(second.next_cursor.is_none());
}

#[tokio::test]
async fn a_fan_out_run_twice_makes_no_second_thread() {
    // R-BLAST-QUEUE: exactly once, however often the worker runs
    let app = spawn_app().await;
    let p = app.staffed_practice("Once Clinic").await;
    let clients = app
        .add_clients_directly(p.id, Some(p.provider.person.id), 2_500, "active")
        .await;
    let sent = accepted(
        &app,
        &p.provider,
        json!({"all_my_active_clients": true, "subject": "Once", "body": "b"}),
    )
    .await;
    assert_eq!(sent.total as usize, clients.len() + 1);
    // Two fan-outs of the same blast at once (a retry racing the original).
    let ctx = app.job_context().clone();
    let (a, b) = tokio::join!(
        async {
            let mut conn = ctx.pool.get().await.expect("a connection");
            while confidant::blasts::send_chunk(&mut conn, sent.id)
                .await
                .expect("a chunk")
            {}
        },
        async {
            let mut conn = ctx.pool.get().await.expect("a connection");
            while confidant::blasts::send_chunk(&mut conn, sent.id)
                .await
                .expect("a chunk")
            {}
        }
    );
    let ((), ()) = (a, b);
    app.run_jobs().await;
    let done = progress(&app, &p.provider, sent.id).await;
    assert_eq!((done.sent, done.state), (sent.total, BlastState::Done));

    #[derive(diesel::QueryableByName)]
    struct Count {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let mut conn = app.database.connect().await;
    let threads: Count =
        diesel::sql_query("SELECT count(*) AS n FROM conversations WHERE kind = 'blast'")
            .get_result(&mut conn)
            .await
            .expect("a count");
    assert_eq!(threads.n, i64::from(sent.total));
    let doubled: Count = diesel::sql_query(
        "SELECT count(*) AS n FROM (SELECT p.person_id FROM conversation_participants p \
         JOIN conversations c ON c.id = p.conversation_id WHERE c.kind = 'blast' \
         GROUP BY p.person_id HAVING count(*) > 1 AND p.person_id <> $1) d",
    )
    .bind::<diesel::sql_types::Uuid, _>(p.provider.person.id)
    .get_result(&mut conn)
    .await
    .expect("a count");
    assert_eq!(doubled.n, 0);
}

#[tokio::test]
async fn blast_emails_do_not_hold_up_an_ordinary_message() {
    // R-NOTIFY with R-BLAST-QUEUE: bulk mail goes after mail someone is waiting for
    let app = spawn_app().await;
    let p = app.staffed_practice("Queue Clinic").await;
    let tia = third_client(&app, &p).await;
    accepted(
        &app,
        &p.provider,
        json!({"client_ids": [p.client.person.id, tia.person.id], "subject": "Bulk", "body": "b"}),
    )
    .await;
    // The fan-out alone, so that the blast's emails wait in the queue.
    let mut conn = app.job_context().pool.get().await.expect("a connection");
    let id: Uuid = {
        #[derive(diesel::QueryableByName)]
        struct Id {
            #[diesel(sql_type = diesel::sql_types::Uuid)]
            id: Uuid,
        }
        diesel::sql_query("SELECT id FROM blasts")
            .get_result::<Id>(&mut conn)
            .await
            .expect("the blast")
            .id
    };
    while confidant::blasts::send_chunk(&mut conn, id)
        .await
        .expect("a chunk")
    {}
    diesel::sql_query("UPDATE jobs SET state = 'completed' WHERE kind = 'blast_fan_out'")
        .execute(&mut conn)
        .await
        .expect("fan-out marked done");
    // Now an ordinary message to a staff member.
    let response = app
        .send_as(
            Method::POST,
            &p.provider.token,
            "/api/v1/conversations",
            Some(json!({"recipients": [{"type": "person", "id": p.staff.person.id}], "subject": "Urgent", "body": "Call me"})),
        )
        .await;
    assert_eq!(response.status(), 201);
    app.run_jobs().await;
    let order: Vec<String> = app
        .mail
        .messages()
        .iter()
        .flat_map(|m| m.recipients.clone())
        .collect();
    assert_eq!(order.len(), 3);
    assert_eq!(
        order[0], p.staff.person.email,
        "the waiting message first: {order:?}"
    );
}

#[tokio::test]
async fn a_blast_carries_its_files_to_every_thread_and_lets_go_of_them() {
    // R-BLAST-NEW with R-ATT-ACCESS and R-DEL-PERMANENT
    let app = spawn_app().await;
    let p = app.staffed_practice("Files Clinic").await;
    let tia = third_client(&app, &p).await;
    let file = app
        .uploaded(&p.provider.token, &text("schedule.txt", "Mon closed"))
        .await;
    let sent = accepted(
        &app,
        &p.provider,
        json!({"client_ids": [p.client.person.id, tia.person.id], "subject": "Schedule", "body": "Attached.", "attachment_ids": [file.id]}),
    )
    .await;
    // The upload is taken: it cannot go out a second time.
    let again = app
        .send_as(
            Method::POST,
            &p.provider.token,
            "/api/v1/conversations",
            Some(json!({"recipients": [{"type": "person", "id": p.staff.person.id}], "subject": "x", "body": "y", "attachment_ids": [file.id]})),
        )
        .await;
    assert_eq!(
        again.status(),
        404,
        "the blast's file is not an unsent upload any more"
    );
    app.run_jobs().await;
    assert_eq!(progress(&app, &p.provider, sent.id).await.sent, 2);
    let download = |token: String| {
        let url = app.url(&format!("/api/v1/attachments/{}", file.id));
        let client = app.client.clone();
        async move {
            client
                .get(url)
                .bearer_auth(token)
                .send()
                .await
                .expect("an answer")
                .status()
        }
    };
    assert_eq!(download(p.client.token.clone()).await, 200);
    assert_eq!(download(tia.token.clone()).await, 200);
    assert_eq!(download(p.staff.token.clone()).await, 404);

    // Deleting one client's thread keeps the file for the other.
    let thread_of = |member: &Member| {
        let member = member.clone();
        let app = &app;
        async move { threads(app, &member).await.items[0].id }
    };
    let cleo_thread = thread_of(&p.client).await;
    let tia_thread = thread_of(&tia).await;
    for thread in [cleo_thread] {
        let deleted = app
            .send_as(
                Method::DELETE,
                &p.provider.token,
                &format!("/api/v1/conversations/{thread}"),
                None,
            )
            .await;
        assert_eq!(deleted.status(), 204);
    }
    app.run_jobs().await;
    assert_eq!(download(tia.token.clone()).await, 200);
    assert_eq!(app.stored_files().len(), 1);
    // The last thread gone: the file goes too.
    let deleted = app
        .send_as(
            Method::DELETE,
            &p.provider.token,
            &format!("/api/v1/conversations/{tia_thread}"),
            None,
        )
        .await;
    assert_eq!(deleted.status(), 204);
    app.run_jobs().await;
    assert!(app.stored_files().is_empty());
}

#[tokio::test]
async fn the_fan_out_starts_at_once_without_waiting_for_the_next_poll() {
    // R-BLAST-QUEUE: "within seconds" — the request wakes this process's idle workers
    use confidant::jobs::{WorkerSettings, Workers};
    let app = spawn_app().await;
    let p = app.staffed_practice("Wake Clinic").await;
    // Workers that would otherwise look for work only once a minute.
    let workers = Workers::start(
        app.job_context().clone(),
        confidant::startup::job_registry(),
        WorkerSettings {
            count: 1,
            poll_interval: std::time::Duration::from_secs(60),
            ..WorkerSettings::default()
        },
    );
    // Let the worker find the queue empty and go idle first.
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let sent = accepted(
        &app,
        &p.provider,
        json!({"client_ids": [p.client.person.id, p.other_client.id], "subject": "Now", "body": "b"}),
    )
    .await;
    until(
        "the idle worker is woken and finishes the blast",
        std::time::Duration::from_secs(10),
        async || progress(&app, &p.provider, sent.id).await.state == BlastState::Done,
    )
    .await;
    workers.shutdown(std::time::Duration::from_secs(5)).await;
}

async fn detail(app: &TestApp, from: &Member, id: Uuid) -> BlastDetail {
    let response = app
        .get_as(&from.token, &format!("/api/v1/blasts/{id}"))
        .await;
    assert_eq!(response.status(), 200);
    response.json().await.expect("a blast")
}

async fn recipients(app: &TestApp, from: &Member, path: &str) -> BlastRecipientPage {
    let response = app.get_as(&from.token, path).await;
    assert_eq!(response.status(), 200, "{path}");
    response.json().await.expect("a page of recipients")
}

#[tokio::test]
async fn a_blasts_page_shows_its_message_who_it_went_to_and_who_replied() {
    // R-BLAST-NEW, R-BLAST-ACTIVE, R-BLAST-REPLY: what the sender sees of a blast afterwards.
    let app = spawn_app().await;
    let p = app.staffed_practice("Page Clinic").await;
    let elsewhere = app.staffed_practice("Other Page Clinic").await;
    let tia = third_client(&app, &p).await;
    let deactivated = app
        .send_as(
            Method::PATCH,
            &p.owner.token,
            &format!("/api/v1/people/{}", tia.person.id),
            Some(json!({"status": "inactive"})),
        )
        .await;
    assert_eq!(deactivated.status(), 200);
    let file = app
        .uploaded(&p.provider.token, &text("hours.txt", "Mon closed"))
        .await;
    let selected = [p.client.person.id, p.other_client.id, tia.person.id];
    let sent = accepted(
        &app,
        &p.provider,
        json!({"client_ids": selected, "subject": "Hours", "body": "New opening hours attached.", "attachment_ids": [file.id]}),
    )
    .await;

    // Before the fan-out: the message and its file, everyone pending, nobody replied.
    let queued = detail(&app, &p.provider, sent.id).await;
    assert_eq!(queued.blast.id, sent.id);
    assert_eq!(queued.body, "New opening hours attached.");
    assert_eq!(queued.attachments.len(), 1);
    assert_eq!(queued.attachments[0].id, file.id);
    assert_eq!(queued.replied, 0);
    let path = format!("/api/v1/blasts/{}/recipients", sent.id);
    let pending = recipients(&app, &p.provider, &path).await;
    assert_eq!(pending.items.len(), 3);
    assert!(
        pending
            .items
            .iter()
            .all(|r| r.outcome == RecipientOutcome::Pending && r.conversation_id.is_none())
    );

    // After it, and after one client wrote back.
    app.run_jobs().await;
    let cleo_thread = threads(&app, &p.client).await.items[0].id;
    let reply = app
        .send_as(
            Method::POST,
            &p.client.token,
            &format!("/api/v1/conversations/{cleo_thread}/messages"),
            Some(json!({"body": "Thanks!"})),
        )
        .await;
    assert_eq!(reply.status(), 201);
    let done = detail(&app, &p.provider, sent.id).await;
    assert_eq!(done.blast.state, BlastState::Done);
    assert_eq!((done.blast.sent, done.blast.skipped), (2, 1));
    assert_eq!(done.replied, 1);
    assert_eq!(done.body, "New opening hours attached.");
    assert_eq!(
        done.attachments.iter().map(|a| a.id).collect::<Vec<_>>(),
        [file.id],
        "the file, now carried by the threads"
    );

    // Two pages of recipients, in selection order, without gap or repeat.
    let first = recipients(&app, &p.provider, &format!("{path}?limit=2")).await;
    assert_eq!(first.items.len(), 2);
    let cursor = first.next_cursor.clone().expect("a second page");
    let second = recipients(
        &app,
        &p.provider,
        &format!("{path}?limit=2&cursor={cursor}"),
    )
    .await;
    assert!(second.next_cursor.is_none());
    let all: Vec<_> = first.items.iter().chain(&second.items).collect();
    assert_eq!(
        all.iter().map(|r| r.client_id).collect::<Vec<_>>(),
        selected,
        "in the order they were selected"
    );
    let cleo = all[0];
    assert_eq!(cleo.name, p.client.person.name);
    assert_eq!(cleo.outcome, RecipientOutcome::Sent);
    assert_eq!(cleo.conversation_id, Some(cleo_thread));
    assert!(cleo.replied);
    assert_eq!(all[1].outcome, RecipientOutcome::Sent);
    assert!(all[1].conversation_id.is_some());
    assert!(!all[1].replied);
    assert_eq!(all[2].outcome, RecipientOutcome::Skipped, "inactive");
    assert_eq!(all[2].conversation_id, None);
    assert!(!all[2].replied);

    // Bad paging is named, not guessed at.
    for (bad, status) in [
        ("?limit=0", 422),
        ("?limit=201", 422),
        ("?cursor=not-ours", 400),
    ] {
        let response = app.get_as(&p.provider.token, &format!("{path}{bad}")).await;
        assert_eq!(response.status(), status, "{bad}");
        let problem: Problem = response.json().await.expect("a problem");
        assert!(!problem.detail.unwrap_or_default().is_empty(), "{bad}");
    }
    // Only the sender sees it: other staff, the owner and another practice get 404, a client
    // 403, a stranger 401.
    for (token, status) in [
        (&p.staff.token, 404),
        (&p.owner.token, 404),
        (&elsewhere.owner.token, 404),
        (&elsewhere.provider.token, 404),
        (&p.client.token, 403),
    ] {
        assert_eq!(app.get_as(token, &path).await.status(), status);
    }
    assert_eq!(app.get(&path).await.status(), 401);
}

#[tokio::test]
async fn sent_can_leave_blast_threads_out() {
    // R-BLAST-NEW: a blast makes a thread per client; a Sent list shows the blast once instead.
    let app = spawn_app().await;
    let p = app.staffed_practice("Sent Clinic").await;
    let direct = app
        .send_as(
            Method::POST,
            &p.provider.token,
            "/api/v1/conversations",
            Some(json!({"recipients": [{"type": "person", "id": p.client.person.id}], "subject": "Your results", "body": "All fine."})),
        )
        .await;
    assert_eq!(direct.status(), 201);
    accepted(
        &app,
        &p.provider,
        json!({"client_ids": [p.client.person.id, p.other_client.id], "subject": "Closed", "body": "Closed Monday."}),
    )
    .await;
    app.run_jobs().await;
    let sent = |query: &'static str| {
        let app = &app;
        let token = p.provider.token.clone();
        async move {
            let page: ConversationPage = app
                .get_as(&token, &format!("/api/v1/conversations?folder=sent{query}"))
                .await
                .json()
                .await
                .expect("a page");
            page.items
                .into_iter()
                .map(|c| c.subject)
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(sent("").await, ["Closed", "Closed", "Your results"]);
    assert_eq!(
        sent("&blast_threads=true").await,
        ["Closed", "Closed", "Your results"]
    );
    assert_eq!(sent("&blast_threads=false").await, ["Your results"]);
    // Paging within the filtered list.
    let one: ConversationPage = app
        .get_as(
            &p.provider.token,
            "/api/v1/conversations?folder=sent&blast_threads=false&limit=1",
        )
        .await
        .json()
        .await
        .expect("a page");
    assert_eq!(one.items.len(), 1);
    assert!(one.next_cursor.is_none());
    // The filter means the same in every folder: a client's inbox without blast threads.
    let inbox: ConversationPage = app
        .get_as(&p.client.token, "/api/v1/conversations?blast_threads=false")
        .await
        .json()
        .await
        .expect("a page");
    assert_eq!(inbox.items.len(), 1, "only the direct thread");
}

// R-BLAST-NEW: a blast writes its sender into hundreds of threads within one second; their
// folders still read only a page's rows, and page through every thread once, newest first.
#[tokio::test]
async fn after_a_big_blast_the_senders_folders_read_a_page_not_the_blast() {
    use confidant::db::models::conversation::{FolderFilter, page_sql};
    let app = spawn_app().await;
    let p = app.staffed_practice("Big Blast Clinic").await;
    let provider = p.provider.person.id;
    let added = app
        .add_clients_directly(p.id, Some(provider), 600, "active")
        .await;
    let before = app
        .start_thread(&p.provider, p.client.person.id, "Before", "Hello.")
        .await;
    accepted(
        &app,
        &p.provider,
        json!({"all_my_active_clients": true, "subject": "Closed", "body": "Closed Monday."}),
    )
    .await;
    app.run_jobs().await;
    let after = app
        .start_thread(&p.provider, p.client.person.id, "After", "Hello again.")
        .await;

    // Rows of blast threads, and only they, are marked as such (their own indexes).
    assert_eq!(
        app.count(
            "SELECT count(*) AS n FROM conversation_participants p \
             JOIN conversations c ON c.id = p.conversation_id \
             WHERE p.in_blast <> (c.kind = 'blast') \
                OR p.blast_message_at IS DISTINCT FROM \
                   CASE WHEN c.kind = 'blast' THEN p.last_message_at END"
        )
        .await,
        0
    );
    assert_eq!(
        app.count("SELECT count(*) AS n FROM conversation_participants WHERE in_blast")
            .await,
        2 * 601
    );

    // Every thread once, newest first, across pages of both kinds.
    for folder in ["sent", "all"] {
        let items: Vec<confidant_openapi::conversations::ConversationSummary> = app
            .every_item(
                &p.provider.token,
                &format!("/api/v1/conversations?folder={folder}&limit=50"),
            )
            .await;
        assert_eq!(items.len(), 603, "{folder}: 601 blast threads and 2 others");
        let ids: std::collections::HashSet<Uuid> = items.iter().map(|c| c.id).collect();
        assert_eq!(ids.len(), items.len(), "{folder}: no thread twice");
        assert!(
            items
                .windows(2)
                .all(|w| w[0].last_message_at >= w[1].last_message_at),
            "{folder}: newest first"
        );
        assert_eq!(items[0].id, after.id);
        assert_eq!(items[602].id, before.id);
        assert_eq!(
            items[1..602]
                .iter()
                .filter(|c| c.subject == "Closed")
                .count(),
            601
        );
    }
    let without: Vec<confidant_openapi::conversations::ConversationSummary> = app
        .every_item(
            &p.provider.token,
            "/api/v1/conversations?folder=sent&blast_threads=false&limit=1",
        )
        .await;
    assert_eq!(
        without.iter().map(|c| c.id).collect::<Vec<_>>(),
        [after.id, before.id]
    );

    // What PostgreSQL reads for a first page of 25: about a page from each kind of thread,
    // not the 601 rows of the blast's one second. With statistics, as autovacuum keeps them.
    diesel::sql_query("ANALYZE")
        .execute(&mut app.database.connect().await)
        .await
        .expect("analyze");
    // Under both kinds of plan (see `plans`): a generic one had read the sender's Sent as a
    // bitmap of all 601 rows, sorted.
    for plan in [Plan::Custom, Plan::Generic] {
        for (folder, blast_threads) in [
            (FolderFilter::Sent, true),
            (FolderFilter::Sent, false),
            (FolderFilter::All, true),
            (FolderFilter::Inbox, true),
        ] {
            let values = PageValues {
                caller: provider,
                limit: 26,
                with: None,
                sees_all: true,
                blast_threads,
                search: None,
            };
            let read = participant_reads(&app, page_sql(folder, false, false), &values, plan)
                .await
                .total();
            assert!(
                read <= 60.0,
                "{folder:?} (blast threads {blast_threads}, {plan:?} plan): read {read} participant rows for a page of 25"
            );
        }
    }
    // The threads with one client: that client's rows and the sender's in those threads,
    // under both plans (a generic one had walked the sender's 601 blast rows looking for it).
    let values = PageValues {
        caller: provider,
        limit: 26,
        with: Some(added[0]),
        sees_all: true,
        blast_threads: true,
        search: None,
    };
    for plan in [Plan::Custom, Plan::Generic] {
        let with = participant_reads(
            &app,
            page_sql(FolderFilter::All, false, true),
            &values,
            plan,
        )
        .await
        .total();
        assert!(
            with <= 10.0,
            "{plan:?} plan: read {with} participant rows for one client's thread"
        );
    }
    let with_them: ConversationPage = app
        .get_as(
            &p.provider.token,
            &format!("/api/v1/conversations?folder=all&with={}", added[0]),
        )
        .await
        .json()
        .await
        .expect("a page");
    assert_eq!(with_them.items.len(), 1, "their blast thread");

    // A client's reply moves their blast thread to the top of the sender's folders.
    let theirs = threads(&app, &p.client)
        .await
        .items
        .into_iter()
        .find(|c| c.subject == "Closed")
        .expect("the client's blast thread");
    let replied = app
        .send_as(
            Method::POST,
            &p.client.token,
            &format!("/api/v1/conversations/{}/messages", theirs.id),
            Some(json!({"body": "Noted, thanks."})),
        )
        .await;
    assert_eq!(replied.status(), 201);
    for folder in ["all", "inbox"] {
        let page: ConversationPage = app
            .get_as(
                &p.provider.token,
                &format!("/api/v1/conversations?folder={folder}&limit=5"),
            )
            .await
            .json()
            .await
            .expect("a page");
        assert_eq!(page.items[0].id, theirs.id, "{folder}");
    }
}
