//! What an API call costs the database, counted on the wire (a proxy reads the PostgreSQL
//! protocol between the server and the database): statements per reply and per read, and
//! statements parsed once the connections are warm (reads: none, every statement is
//! prepared once per connection and then reused), and the times the server waited for the
//! database (round trips: the badge sends its read with the session check); and which
//! connection a quiet server uses (the one used last, still warm).

use confidant_tests::app::spawn_app_on;
use confidant_tests::database::TestDatabase;
use confidant_tests::wire_count::{Counts, WireCount};
use reqwest::Method;
use serde_json::json;

/// The ceilings, which the test holds (the goals of issue #17): a reply in 8 statements (the
/// session check; the thread with its participants and whom to email; BEGIN; the message with
/// its audit record; the email job; the participants' update; the ordering lock with the
/// event; COMMIT), an inbox page in 3 (the session check, the page with each thread's latest
/// message, the participants), the badge in 2, and nothing parsed once the connections are
/// warm (every statement, hand-written ones included, is prepared once per connection).
/// The badge waits for the database once: its count goes with the session check.
/// Lower these as the path is folded further; never raise them.
const REPLY_CEILING: f64 = 8.0;
const INBOX_CEILING: f64 = 3.0;
const BADGE_CEILING: f64 = 2.0;
const BADGE_ROUND_TRIPS: f64 = 1.0;

#[tokio::test]
async fn a_reply_and_a_read_cost_few_statements_and_parse_nothing_once_warm() {
    let database = TestDatabase::create().await;
    let wire = WireCount::start(database.url()).await;
    let url = wire.url(database.url());
    let app = spawn_app_on(
        database,
        &[
            ("DATABASE_URL", url),
            ("CONFIDANT_DB_POOL_SIZE", "2".to_owned()),
        ],
    )
    .await;
    let p = app.staffed_practice("Counted Clinic").await;
    let thread = app
        .start_thread(&p.provider, p.client.person.id, "Counting", "One.")
        .await;
    let reply_path = format!("/api/v1/conversations/{}/messages", thread.id);
    let reply = || async {
        let sent = app
            .send_as(
                Method::POST,
                &p.provider.token,
                &reply_path,
                Some(json!({"body": "Another."})),
            )
            .await;
        assert_eq!(sent.status(), 201);
    };
    let read = |path: &'static str| {
        let app = &app;
        let token = p.client.token.clone();
        async move {
            assert_eq!(app.get_as(&token, path).await.status(), 200);
        }
    };
    // Warm both connections: each prepares what it runs once.
    for _ in 0..6 {
        reply().await;
        read("/api/v1/conversations").await;
        read("/api/v1/unread").await;
    }

    let per = |counts: Counts, n: u64| (counts.statements as f64 / n as f64, counts.parses);
    wire.reset();
    for _ in 0..10 {
        reply().await;
    }
    let (reply_statements, reply_parses) = per(wire.counts(), 10);
    let reply_texts = wire.texts();
    wire.reset();
    for _ in 0..10 {
        read("/api/v1/conversations").await;
    }
    let inbox = wire.counts();
    let (inbox_statements, inbox_parses) = per(inbox, 10);
    wire.reset();
    for _ in 0..10 {
        read("/api/v1/unread").await;
    }
    let badge = wire.counts();
    let (badge_statements, badge_parses) = per(badge, 10);
    let badge_round_trips = badge.round_trips as f64 / 10.0;
    eprintln!(
        "statements per call: reply {reply_statements:.1} (parsed {reply_parses} in 10), \
         inbox page {inbox_statements:.1} (parsed {inbox_parses}), \
         unread badge {badge_statements:.1} in {badge_round_trips:.1} round trips \
         (parsed {badge_parses})"
    );
    assert!(
        reply_statements <= REPLY_CEILING,
        "a reply: {reply_statements}: {reply_texts:#?}"
    );
    assert_eq!(
        reply_parses, 0,
        "replies parse nothing once warm: {reply_texts:#?}"
    );
    assert!(
        inbox_statements <= INBOX_CEILING,
        "an inbox page: {inbox_statements}"
    );
    // Each of its statements needs the answer of the one before (the session check says
    // who may see what): the proxy counts a round trip for each.
    assert_eq!(
        inbox.round_trips, inbox.statements,
        "an inbox page waits for each statement"
    );
    assert!(
        badge_statements <= BADGE_CEILING,
        "the badge: {badge_statements}"
    );
    assert!(
        badge_round_trips <= BADGE_ROUND_TRIPS,
        "the badge waits for the database {badge_round_trips} times"
    );
    assert_eq!(
        inbox_parses + badge_parses,
        0,
        "reads parse nothing once warm"
    );
}

#[tokio::test]
async fn a_busy_thread_rewrites_its_participants_in_place_and_leaves_no_bloat() {
    // Issue #17: every message rewrites each participant's `last_message_at`. When that
    // column keyed the folder indexes, no such update could be HOT: each left a dead row
    // version and a new entry in four indexes behind, about 550 bytes per reply until a vacuum
    // came (59 pages for the thousand replies here, with such an index put back). Now the
    // indexes hold the minute only, so the updates are HOT: each rewrites its row on its own
    // page, and the next one there prunes the dead versions (a new minute adds one entry per
    // index at most).
    //
    // Pruning is PostgreSQL's, and it waits for every snapshot in the database older than the
    // dead versions: a statement of the server's job workers or of autovacuum, stalled for a
    // moment on the two shared cores, keeps a full page from being pruned, and the next
    // update moves its row to a new page (and is not HOT). Alone, the test ends with no page
    // more and 4 updates of 2,106 not HOT; under the parallel suite with 5 to 8 pages more
    // and 14 to 16 not HOT. So the bounds are those of the design, with room for that.
    let app = confidant_tests::spawn_app().await;
    let p = app.staffed_practice("Busy Clinic").await;
    let thread = app
        .start_thread(&p.provider, p.client.person.id, "Busy", "One.")
        .await;
    let reply_path = format!("/api/v1/conversations/{}/messages", thread.id);
    let read_path = format!("/api/v1/conversations/{}/read", thread.id);
    let reply = |token: String| {
        let (app, path) = (&app, reply_path.clone());
        async move {
            let sent = app
                .send_as(
                    Method::POST,
                    &token,
                    &path,
                    Some(json!({"body": "And another."})),
                )
                .await;
            assert_eq!(sent.status(), 201);
        }
    };
    // Both have sent and received once: what changes from here on is times and counts.
    reply(p.client.token.clone()).await;
    reply(p.provider.token.clone()).await;
    const SIZE: &str = "SELECT (pg_relation_size('conversation_participants') \
                        + pg_indexes_size('conversation_participants'))::bigint AS n";
    let before = app.count(SIZE).await;
    for n in 0..1_000 {
        let (author, reader) = if n % 2 == 0 {
            (&p.provider, &p.client)
        } else {
            (&p.client, &p.provider)
        };
        reply(author.token.clone()).await;
        if n % 10 == 0 {
            let read = app
                .send_as(Method::POST, &reader.token, &read_path, None)
                .await;
            assert!(read.status().is_success());
        }
    }
    let after = app.count(SIZE).await;
    assert!(
        after - before <= 24 * 8192,
        "1,000 replies grew the participants' table and indexes from {before} to {after} bytes"
    );
    // The 1,002 replies update both rows, the 100 reads one, and with the thread's start that
    // makes 2,106 updates. The server's connections report them to the statistics within ten
    // seconds of going idle.
    const UPDATES: &str = "SELECT n_tup_upd AS n FROM pg_stat_user_tables \
                           WHERE relname = 'conversation_participants'";
    let reported = tokio::time::Instant::now() + std::time::Duration::from_secs(30);
    let mut updates = app.count(UPDATES).await;
    while updates < 2_106 && tokio::time::Instant::now() < reported {
        tokio::time::sleep(std::time::Duration::from_millis(250)).await;
        updates = app.count(UPDATES).await;
    }
    assert!(updates >= 2_106, "the statistics report {updates} updates");
    // All are reported now, and nothing else updates these rows.
    let not_hot = app
        .count(
            "SELECT n_tup_upd - n_tup_hot_upd AS n FROM pg_stat_user_tables \
             WHERE relname = 'conversation_participants'",
        )
        .await;
    assert!(
        not_hot * 100 <= updates * 5,
        "{not_hot} of {updates} updates of participants' rows were not HOT"
    );
    let page: confidant_openapi::conversations::ConversationPage = app
        .get_as(&p.provider.token, "/api/v1/conversations?folder=all")
        .await
        .json()
        .await
        .expect("a page");
    assert_eq!(page.items[0].id, thread.id);
}

/// Backends of the test's database that ran the badge's count (its statement reads
/// `unread_counters`) as their last statement, and did so after `since`.
async fn badge_backends(
    app: &confidant_tests::TestApp,
    since: chrono::DateTime<chrono::Utc>,
) -> i64 {
    app.count(&format!(
        "SELECT count(*) AS n FROM pg_stat_activity \
         WHERE datname = current_database() AND pid <> pg_backend_pid() \
         AND query LIKE '%unread_counters%' AND state_change > '{}'",
        since.to_rfc3339()
    ))
    .await
}

// Issue #17 (no spec rule names it): the pool hands out the connection used last, so that a
// quiet server keeps using one warm connection (its statements prepared, and planned once
// for any values after PostgreSQL's first runs) instead of rotating through every
// connection a busy moment opened.
#[tokio::test]
async fn requests_one_after_another_reuse_the_connection_used_last() {
    let app = confidant_tests::spawn_app_with(&[("CONFIDANT_DB_POOL_SIZE", "4".to_owned())]).await;
    let p = app.staffed_practice("Warm Clinic").await;
    let badge = || async {
        assert_eq!(
            app.get_as(&p.client.token, "/api/v1/unread").await.status(),
            200
        );
    };
    // A busy moment opens several connections.
    let start = chrono::Utc::now();
    futures_util::future::join_all((0..8).map(|_| badge())).await;
    let opened = badge_backends(&app, start).await;
    assert!(
        opened >= 2,
        "the burst used {opened} connection(s); the test needs several"
    );

    // Then requests one after another: all on the same connection. (First in, first out
    // handed each the connection idle longest: all of the burst's in turn.)
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    let quiet = chrono::Utc::now();
    for _ in 0..10 {
        badge().await;
    }
    assert_eq!(badge_backends(&app, quiet).await, 1);
}

// The server's connections are made with its session settings: the statement timeout, and
// no JIT compilation (which spent 83 ms compiling a search's generic plan to run 1 ms of
// work; see `confidant::db::client_config`).
#[tokio::test]
async fn the_servers_connections_never_compile_plans_and_time_statements_out() {
    use diesel_async::RunQueryDsl;
    #[derive(diesel::QueryableByName)]
    struct Setting {
        #[diesel(sql_type = diesel::sql_types::Text)]
        value: String,
    }
    let database = TestDatabase::create().await;
    let url = confidant::config::DatabaseUrl::parse(database.url()).expect("a database URL");
    let pool =
        confidant::db::pool_with(&url, 1, std::time::Duration::from_secs(7)).expect("a pool");
    let mut conn = pool.get().await.expect("a connection");
    for (name, expected) in [("jit", "off"), ("statement_timeout", "7s")] {
        let setting: Setting =
            diesel::sql_query(format!("SELECT current_setting('{name}') AS value"))
                .get_result(&mut conn)
                .await
                .expect("the setting");
        assert_eq!(setting.value, expected, "{name}");
    }
}
