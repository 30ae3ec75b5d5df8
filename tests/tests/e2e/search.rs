//! Search and the person filter on `GET /api/v1/conversations`: words and word beginnings in
//! subjects, bodies and visible participants' names, newest activity first, paged; at the cost
//! of a page, not of the practice's matches; never a thread the caller cannot read, and never
//! a person the caller may not see in a thread.

use confidant_tests::TestApp;
use confidant_tests::fixtures::Member;
use confidant_tests::spawn_app;
use reqwest::{Method, StatusCode};
use serde_json::json;
use uuid::Uuid;

async fn subjects(app: &TestApp, who: &Member, query: &str) -> Vec<String> {
    let page = app.conversation_page(&who.token, query).await;
    page.items.into_iter().map(|item| item.subject).collect()
}

#[tokio::test]
async fn search_finds_words_and_beginnings_in_subjects_bodies_and_names_newest_first() {
    let app = spawn_app().await;
    let p = app.staffed_practice("Search Clinic").await;
    app.start_thread(
        &p.provider,
        p.client.person.id,
        "Lab results",
        "All normal.",
    )
    .await;
    app.start_thread(
        &p.provider,
        p.client.person.id,
        "Next week",
        "Bring the lab form with you.",
    )
    .await;
    app.start_thread(
        &p.provider,
        p.client.person.id,
        "Parking",
        "Use the back entrance.",
    )
    .await;

    // Newest activity first, whether the subject or a message matched; a word's beginning is
    // enough.
    assert_eq!(
        subjects(&app, &p.client, "q=lab").await,
        ["Next week", "Lab results"]
    );
    assert_eq!(
        subjects(&app, &p.client, "q=LAB%20res").await,
        ["Lab results"]
    );
    assert_eq!(subjects(&app, &p.client, "q=entr").await, ["Parking"]);
    // Participants' names: the client finds the provider's threads by the provider's name.
    assert_eq!(subjects(&app, &p.client, "q=paul").await.len(), 3);
    assert!(subjects(&app, &p.client, "q=zebra").await.is_empty());

    // Paged as a folder is, after the last row shown.
    let first = app
        .conversation_page(&p.client.token, "q=paul&limit=2")
        .await;
    assert_eq!(first.items.len(), 2);
    let next = first.next_cursor.expect("a second page");
    let second = app
        .conversation_page(&p.client.token, &format!("q=paul&limit=2&cursor={next}"))
        .await;
    assert_eq!(second.items.len(), 1);
    assert!(second.next_cursor.is_none());
    let mut all: Vec<Uuid> = first
        .items
        .iter()
        .chain(&second.items)
        .map(|i| i.id)
        .collect();
    all.sort();
    all.dedup();
    assert_eq!(all.len(), 3, "no thread twice, none missing");

    // Nothing to search for finds nothing; a blank search is the folder.
    assert!(subjects(&app, &p.client, "q=%21%21").await.is_empty());
    assert_eq!(subjects(&app, &p.client, "q=%20").await.len(), 3);
    // A cursor this API did not issue (an offset, as searches once had): 400.
    for cursor in ["MjU", "not-a-cursor"] {
        let foreign = app
            .get_as(
                &p.client.token,
                &format!("/api/v1/conversations?q=lab&cursor={cursor}"),
            )
            .await;
        assert_eq!(foreign.status(), StatusCode::BAD_REQUEST, "{cursor}");
    }
}

// R-MULTI-CLIENT, R-READ
#[tokio::test]
async fn search_and_the_person_filter_never_reach_what_the_caller_cannot_read() {
    let app = spawn_app().await;
    let p = app.staffed_practice("Private Search").await;
    let elsewhere = app.staffed_practice("Other Search").await;
    app.start_thread(
        &p.provider,
        p.client.person.id,
        "Therapy notes",
        "Session two.",
    )
    .await;
    // A thread to two clients: each client sees only themselves and the provider in it.
    let group = app
        .send_as(
            Method::POST,
            &p.provider.token,
            "/api/v1/conversations",
            Some(json!({
                "recipients": [
                    {"type": "person", "id": p.client.person.id},
                    {"type": "person", "id": p.other_client.id}
                ],
                "subject": "Group session moved",
                "body": "Thursday instead.",
            })),
        )
        .await;
    assert_eq!(group.status(), StatusCode::CREATED);

    // Not a participant (front desk, admin), or another practice: nothing, whatever the word.
    for who in [&p.staff, &p.admin, &elsewhere.provider, &elsewhere.client] {
        for query in ["q=therapy", "q=session", "q=cleo", "q=paul", "q=thursday"] {
            assert!(
                subjects(&app, who, query).await.is_empty(),
                "{} found {query}",
                who.person.email
            );
        }
    }
    // The client finds the group thread by its subject or body…
    assert_eq!(
        subjects(&app, &p.client, "q=group").await,
        ["Group session moved"]
    );
    // …but not by the other client's name, and cannot filter by them either.
    assert!(subjects(&app, &p.client, "q=otto").await.is_empty());
    assert!(
        subjects(
            &app,
            &p.client,
            &format!("folder=all&with={}", p.other_client.id)
        )
        .await
        .is_empty()
    );
    // The provider sees everyone: both by name and by filter.
    assert_eq!(
        subjects(&app, &p.provider, "q=otto").await,
        ["Group session moved"]
    );
    assert_eq!(
        subjects(
            &app,
            &p.provider,
            &format!("folder=all&with={}", p.other_client.id)
        )
        .await,
        ["Group session moved"]
    );
    // The person filter: the client's threads with the provider, in one folder.
    assert_eq!(
        subjects(&app, &p.client, &format!("with={}", p.provider.person.id))
            .await
            .len(),
        2
    );
    assert_eq!(
        subjects(
            &app,
            &p.client,
            &format!("q=notes&with={}", p.provider.person.id)
        )
        .await,
        ["Therapy notes"]
    );
    // A stranger is refused.
    let stranger = app
        .client
        .get(app.url("/api/v1/conversations?q=therapy"))
        .send()
        .await
        .expect("an answer");
    assert_eq!(stranger.status(), StatusCode::UNAUTHORIZED);
}

// Issue #17 (no spec rule names it): a search costs about a page, not the practice's matches.
// A word in every thread is found from the caller's newest threads, whoever searches; a word
// rare among them, from the practice's few matches. Either way under both kinds of plan (see
// `confidant_tests::plans`), and pages through every match once, newest first, through the API.
#[tokio::test]
async fn a_search_reads_about_a_page_not_the_practices_matches() {
    use confidant::db::models::conversation::search_sql;
    use confidant_tests::plans::{PageValues, Plan, search_reads, vacuum_analyze};
    use diesel_async::RunQueryDsl;
    let app = spawn_app().await;
    let p = app.staffed_practice("Busy Search Clinic").await;
    let (busy, quiet, client) = (p.provider.person.id, p.admin.person.id, p.client.person.id);
    // A practice's worth of people, so that PostgreSQL looks a person up by their key.
    app.add_clients_directly(p.id, Some(busy), 1500, "active")
        .await;
    let mut conn = app.database.connect().await;
    // `busy`: 600 threads with the client and 200 blast threads to them, a second apart;
    // `quiet`: 5 threads with the client, older. Each with two messages that say
    // "appointment"; every tenth of `busy`'s, and `quiet`'s first, also "zebra".
    for sql in [
        "INSERT INTO conversations (id, practice_id, subject, kind, started_by, created_at) \
         SELECT gen_random_uuid(), $1, 'Visit ' || g, k, $2, now() - make_interval(secs => g) \
         FROM generate_series(1, 600) g, (VALUES ('direct'), ('blast')) AS x(k) \
         WHERE k = 'direct' OR g % 3 = 0",
        "INSERT INTO conversations (id, practice_id, subject, kind, started_by, created_at) \
         SELECT gen_random_uuid(), $1, 'Visit ' || g, 'direct', $3, \
             now() - interval '1 hour' - make_interval(secs => g) \
         FROM generate_series(1, 5) g",
        "INSERT INTO conversation_participants \
           (practice_id, conversation_id, person_id, last_message_at, unread_count, has_received, has_sent, in_blast) \
         SELECT $1, c.id, who, c.created_at, 0, who = $4, true, c.kind = 'blast' \
         FROM conversations c, LATERAL (VALUES (c.started_by), ($4::uuid)) AS x(who) \
         WHERE c.practice_id = $1 AND c.subject LIKE 'Visit %'",
        "INSERT INTO messages (id, practice_id, conversation_id, author_id, body, created_at) \
         SELECT gen_random_uuid(), $1, c.id, c.started_by, \
             CASE WHEN j = 1 AND split_part(c.subject, ' ', 2)::int % 10 = 1 \
                  THEN 'Your appointment: zebra crossing' \
                  ELSE 'Your appointment is confirmed' END, \
             c.created_at - make_interval(secs => 2 - j) \
         FROM conversations c, generate_series(0, 1) j \
         WHERE c.practice_id = $1 AND c.subject LIKE 'Visit %'",
    ] {
        diesel::sql_query(sql)
            .bind::<diesel::sql_types::Uuid, _>(p.id)
            .bind::<diesel::sql_types::Uuid, _>(busy)
            .bind::<diesel::sql_types::Uuid, _>(quiet)
            .bind::<diesel::sql_types::Uuid, _>(client)
            .execute(&mut conn)
            .await
            .expect("the threads");
    }
    vacuum_analyze(&app).await;

    // (who searches, the tsquery, the most rows and index entries it may read). Ranking every
    // match of the practice, as search once did, read all 1,610 messages that say
    // "appointment", whoever searched, and looked each thread up.
    let cases = [
        // The quiet person's 5 threads, all checked: each with its thread and first message
        // (40 read).
        (quiet, "appointment:*", 60.0),
        // The busy person's newest threads of each kind match: a page of each, each with its
        // thread and first message, and the minutes the page's rows are in (315 read).
        (busy, "appointment:*", 400.0),
        // One in ten matches: the newest 104 of each kind are checked (thread, messages,
        // people: about 1,200), then the practice's 81 matches are looked up (1,460–1,650
        // read). Here the practice's matches alone would have been fewer: the price of not
        // reading them when a word is common.
        (busy, "zebra:*", 2_000.0),
    ];
    for (who, query, budget) in cases {
        for plan in [Plan::Custom, Plan::Generic] {
            let values = PageValues {
                caller: who,
                limit: 26,
                with: None,
                // Both are staff.
                sees_all: true,
                blast_threads: true,
                search: Some(query),
            };
            let read = search_reads(&app, search_sql(false), &values, plan).await;
            assert!(
                read.total() <= budget,
                "{query} by {who} under a {plan:?} plan read {read:?}, more than {budget}"
            );
        }
    }

    // Through the API, in pages of 7: every match once, newest first; by the caller's own
    // threads ("appointment"), from the practice's matches ("zebra", which a page's cursor
    // can move to the caller's threads again), and with the person filter.
    async fn in_order(
        conn: &mut diesel_async::AsyncPgConnection,
        who: Uuid,
        word: &str,
        with: Option<Uuid>,
    ) -> Vec<Uuid> {
        #[derive(diesel::QueryableByName)]
        struct Row {
            #[diesel(sql_type = diesel::sql_types::Uuid)]
            conversation_id: Uuid,
        }
        let rows: Vec<Row> = diesel::sql_query(
            "SELECT p.conversation_id FROM conversation_participants p \
             WHERE p.person_id = $1 AND EXISTS (SELECT 1 FROM messages m \
                 WHERE m.conversation_id = p.conversation_id AND m.body LIKE '%' || $2 || '%') \
             AND ($3::uuid IS NULL OR EXISTS (SELECT 1 FROM conversation_participants w \
                 WHERE w.conversation_id = p.conversation_id AND w.person_id = $3)) \
             ORDER BY p.last_message_at DESC, p.conversation_id DESC",
        )
        .bind::<diesel::sql_types::Uuid, _>(who)
        .bind::<diesel::sql_types::Text, _>(word)
        .bind::<diesel::sql_types::Nullable<diesel::sql_types::Uuid>, _>(with)
        .load(conn)
        .await
        .expect("the matches");
        rows.into_iter().map(|row| row.conversation_id).collect()
    }
    for (member, query, word, with) in [
        (&p.provider, "q=appointment", "appointment", None),
        (&p.provider, "q=zebra", "zebra", None),
        (&p.client, "q=zeb", "zebra", Some(quiet)),
        (&p.client, "q=appoint", "appointment", None),
    ] {
        let expected = in_order(&mut conn, member.person.id, word, with).await;
        let query = match with {
            Some(person) => format!("{query}&with={person}"),
            None => query.to_owned(),
        };
        let mut found = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let page = app
                .conversation_page(
                    &member.token,
                    &format!(
                        "{query}&limit=7{}",
                        cursor.map(|c| format!("&cursor={c}")).unwrap_or_default()
                    ),
                )
                .await;
            found.extend(page.items.iter().map(|item| item.id));
            match page.next_cursor {
                Some(next) => cursor = Some(next),
                None => break,
            }
        }
        assert_eq!(found.len(), expected.len(), "{query}: every match once");
        assert!(found == expected, "{query}: newest first, none twice");
    }
}
