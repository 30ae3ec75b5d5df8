//! `cargo xtask bench …`: speed figures from the real server over a real PostgreSQL, printed
//! as medians and ratios (these machines are shared and noisy, so single timings mean little).
//!
//! - `inbox [--threads N]`: one person with N threads (default 100,000) against one with 10:
//!   the first inbox page, a page halfway down, and the unread badge.

use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use confidant_tests::fixtures::StaffedPractice;
use confidant_tests::{TestApp, spawn_app};
use diesel::sql_types::{Integer, Timestamptz, Uuid as SqlUuid};
use diesel_async::RunQueryDsl;
use uuid::Uuid;

const RUNS: usize = 21;

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.as_slice() {
        [command, ..] if command == "inbox" => {
            let threads = flag(&args, "--threads").unwrap_or(100_000);
            inbox(threads).await;
        }
        _ => {
            eprintln!("usage: cargo xtask bench inbox [--threads N]");
            std::process::exit(2);
        }
    }
}

fn flag(args: &[String], name: &str) -> Option<i32> {
    let at = args.iter().position(|a| a == name)?;
    args.get(at + 1)?.parse().ok()
}

/// Inserts `count` direct threads between `a` and `b` (one message each, unread by `a` when
/// `unread`), straight in SQL: the benchmark measures reading, not sending.
async fn threads(
    app: &TestApp,
    practice: Uuid,
    a: Uuid,
    b: Uuid,
    count: i32,
    tag: &str,
    unread: bool,
) {
    let mut conn = app.database.connect().await;
    let statements = [
        "INSERT INTO conversations (id, practice_id, subject, kind, started_by, created_at) \
         SELECT gen_random_uuid(), $1, $5 || ' ' || g, 'direct', $2, now() - make_interval(secs => g) \
         FROM generate_series(1, $4) g",
        "INSERT INTO conversation_participants \
           (practice_id, conversation_id, person_id, last_message_at, unread_count, has_received, has_sent) \
         SELECT $1, c.id, x.person, c.created_at, x.unread, true, true FROM conversations c, \
           (VALUES ($2, CASE WHEN $6 THEN 1 ELSE 0 END), ($3, 0)) AS x(person, unread) \
         WHERE c.subject LIKE $5 || ' %'",
        "INSERT INTO messages (id, practice_id, conversation_id, author_id, body, created_at) \
         SELECT gen_random_uuid(), $1, c.id, $3, 'Message in ' || c.subject, c.created_at \
         FROM conversations c WHERE c.subject LIKE $5 || ' %'",
    ];
    for sql in statements {
        diesel::sql_query(sql)
            .bind::<SqlUuid, _>(practice)
            .bind::<SqlUuid, _>(a)
            .bind::<SqlUuid, _>(b)
            .bind::<Integer, _>(count)
            .bind::<diesel::sql_types::Text, _>(tag)
            .bind::<diesel::sql_types::Bool, _>(unread)
            .execute(&mut conn)
            .await
            .expect("insert benchmark threads");
    }
    diesel::sql_query("ANALYZE")
        .execute(&mut conn)
        .await
        .expect("analyze");
}

/// The cursor that continues after the `n`-th newest thread of `person`.
async fn cursor_after(app: &TestApp, person: Uuid, n: i64) -> String {
    #[derive(diesel::QueryableByName)]
    struct Key {
        #[diesel(sql_type = Timestamptz)]
        at: DateTime<Utc>,
        #[diesel(sql_type = SqlUuid)]
        id: Uuid,
    }
    let mut conn = app.database.connect().await;
    let key: Key = diesel::sql_query(
        "SELECT last_message_at AS at, conversation_id AS id FROM conversation_participants \
         WHERE person_id = $1 ORDER BY last_message_at DESC, conversation_id DESC OFFSET $2 LIMIT 1",
    )
    .bind::<SqlUuid, _>(person)
    .bind::<diesel::sql_types::BigInt, _>(n - 1)
    .get_result(&mut conn)
    .await
    .expect("a key");
    confidant::pagination::encode(&(key.at, key.id))
}

/// The median time of `RUNS` requests (after one warm-up).
async fn median(app: &TestApp, token: &str, path: &str) -> Duration {
    let mut times = Vec::with_capacity(RUNS);
    for run in 0..=RUNS {
        let start = Instant::now();
        let response = app.get_as(token, path).await;
        assert!(
            response.status().is_success(),
            "{path}: {}",
            response.status()
        );
        response.bytes().await.expect("a body");
        if run > 0 {
            times.push(start.elapsed());
        }
    }
    times.sort();
    times[RUNS / 2]
}

fn ms(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1000.0
}

async fn inbox(count: i32) {
    let app = spawn_app().await;
    let p: StaffedPractice = app.staffed_practice("Bench Clinic").await;
    eprintln!("bench: inserting {count} threads for one person and 10 for another…");
    let started = Instant::now();
    // The provider has `count` threads with the client, every one unread; the front-desk
    // staff member has 10 with the admin.
    threads(
        &app,
        p.id,
        p.provider.person.id,
        p.client.person.id,
        count,
        "Busy",
        true,
    )
    .await;
    threads(
        &app,
        p.id,
        p.staff.person.id,
        p.admin.person.id,
        10,
        "Quiet",
        true,
    )
    .await;
    eprintln!(
        "bench: inserted in {:.1} s; timing {RUNS} requests each…",
        started.elapsed().as_secs_f64()
    );

    let deep = cursor_after(&app, p.provider.person.id, i64::from(count / 2)).await;
    let busy = &p.provider.token;
    let quiet = &p.staff.token;
    let first_busy = median(&app, busy, "/api/v1/conversations?limit=25").await;
    let deep_busy = median(
        &app,
        busy,
        &format!("/api/v1/conversations?limit=25&cursor={deep}"),
    )
    .await;
    let first_quiet = median(&app, quiet, "/api/v1/conversations?limit=25").await;
    let badge_all_unread = median(&app, busy, "/api/v1/unread").await;
    let badge_quiet = median(&app, quiet, "/api/v1/unread").await;
    // The usual case: only a few threads unread.
    let mut conn = app.database.connect().await;
    diesel::sql_query(
        "UPDATE conversation_participants SET unread_count = 0 WHERE person_id = $1 \
         AND conversation_id NOT IN (SELECT conversation_id FROM conversation_participants \
           WHERE person_id = $1 ORDER BY last_message_at DESC LIMIT 5)",
    )
    .bind::<SqlUuid, _>(p.provider.person.id)
    .execute(&mut conn)
    .await
    .expect("read most");
    diesel::sql_query("VACUUM ANALYZE conversation_participants")
        .execute(&mut conn)
        .await
        .expect("vacuum");
    let badge_few_unread = median(&app, busy, "/api/v1/unread").await;

    println!("inbox benchmark: medians of {RUNS} requests, in-process server, loopback");
    println!("{:<44} {:>9}", "request", "median");
    for (name, time) in [
        (format!("first page, {count} threads"), first_busy),
        (
            format!("page {} deep, {count} threads", count / 2),
            deep_busy,
        ),
        ("first page, 10 threads".to_owned(), first_quiet),
        (
            format!("badge, {count} threads all unread"),
            badge_all_unread,
        ),
        (
            format!("badge, {count} threads, 5 unread"),
            badge_few_unread,
        ),
        ("badge, 10 threads".to_owned(), badge_quiet),
    ] {
        println!("{name:<44} {:>7.2} ms", ms(time));
    }
    println!(
        "ratios to the 10-thread person: first page {:.2}x, deep page {:.2}x, badge (5 unread) {:.2}x",
        ms(first_busy) / ms(first_quiet),
        ms(deep_busy) / ms(first_quiet),
        ms(badge_few_unread) / ms(badge_quiet),
    );
}
