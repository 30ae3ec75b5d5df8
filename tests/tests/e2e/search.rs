//! Search and the person filter on `GET /api/v1/conversations`: words and word beginnings in
//! subjects, bodies and visible participants' names, best match first, paged; never a thread
//! the caller cannot read, and never a person the caller may not see in a thread.

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
async fn search_finds_words_and_beginnings_in_subjects_bodies_and_names_best_first() {
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

    // A subject match ranks above a body match; a word's beginning is enough.
    assert_eq!(
        subjects(&app, &p.client, "q=lab").await,
        ["Lab results", "Next week"]
    );
    assert_eq!(
        subjects(&app, &p.client, "q=LAB%20res").await,
        ["Lab results"]
    );
    assert_eq!(subjects(&app, &p.client, "q=entr").await, ["Parking"]);
    // Participants' names: the client finds the provider's threads by the provider's name.
    assert_eq!(subjects(&app, &p.client, "q=paul").await.len(), 3);
    assert!(subjects(&app, &p.client, "q=zebra").await.is_empty());

    // Paged by position.
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
    // A cursor of the folder listing is not a search's: 400.
    let folder = app.conversation_page(&p.client.token, "limit=1").await;
    let foreign = app
        .get_as(
            &p.client.token,
            &format!(
                "/api/v1/conversations?q=lab&cursor={}",
                folder.next_cursor.expect("a cursor")
            ),
        )
        .await;
    assert_eq!(foreign.status(), StatusCode::BAD_REQUEST);
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
