//! `cargo xtask bench …`: speed figures from the real server over a real PostgreSQL, printed
//! as medians and ratios (these machines are shared and noisy, so single timings mean little).
//!
//! - `inbox [--threads N] [--seconds S]`: one person with N threads (default 100,000) against
//!   one with 10: the first inbox page, a page halfway down, and the unread badge, as medians;
//!   the first page of Sent of a blast's sender (10,000 threads written within a second or
//!   two), with and without the blast's threads; the threads with one person (one of that
//!   blast's clients, and the client of all N threads); a search for a word in every thread
//!   (by both people) and for one in a single thread; then the first page and the badge of
//!   both under load from 2 connections against the limit (as for `send`).
//! - `send [--seconds S]`: replies under load, from 2, 8 and 32 concurrent connections (each
//!   its own provider-client thread), and the inbox page and unread badge read under the same
//!   concurrency (each lane its own bare HTTP/1.1 connection, see `http_load.rs`): requests
//!   per second, p50 and p99, against the limit: the same statements (recorded on the wire
//!   from one call each, the best-pipelined of five) replayed straight on PostgreSQL by as many
//!   connections, and the ratio of the two (see `limit.rs`). Also the floor an HTTP request
//!   costs here: `GET /healthz` (no database) under the same load, and the ceiling it leaves,
//!   the rate of one HTTP request plus the limit's statements one after the other.
//!   Under each row, where the CPU went per call (`cpu.rs`): the server, PostgreSQL and the
//!   load generator for the API; PostgreSQL and the replay's client for the limit.
//!   `--connections N` runs that level only, `--only reply|inbox|badge` that call only.
//! - `blast [--clients N] [--runs R]`: a blast to N clients (default 10,000), each with a
//!   portal account: the time to the 202, to `done`, threads per second, what the same rows
//!   cost as raw SQL in one transaction (the physical limit), and the notification emails:
//!   time to the last one at an SMTP sink on loopback, emails per second and per minute, and
//!   the inbox page's p99 while they go out.
//! - `events [--streams N] [--samples S]`: live updates over two server processes (release
//!   builds) on one database. A client follows `GET /api/v1/events` on instance A while the
//!   provider replies on instance B: the time from sending the reply to the event's arrival,
//!   alone and again with N streams (default 5,000) open on A; what those streams cost A in
//!   memory; the inbox page's median and p99 on A without and with them; and a blast to all N
//!   clients: when every stream has heard of its new thread.

use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use confidant_tests::fixtures::StaffedPractice;
use confidant_tests::wire_count::WireCount;
use confidant_tests::{TestApp, spawn_app, spawn_app_with};
use diesel::sql_types::{Integer, Timestamptz, Uuid as SqlUuid};
use diesel_async::RunQueryDsl;
use http_load::Call;
use uuid::Uuid;

mod cpu;
mod events;
mod http_load;
mod limit;

const RUNS: usize = 21;

/// The reply every send under load posts.
const REPLY: &str = r#"{"body": "Another line."}"#;

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.as_slice() {
        [command, ..] if command == "inbox" => {
            let threads = flag(&args, "--threads").unwrap_or(100_000);
            let seconds = flag(&args, "--seconds").unwrap_or(3);
            inbox(threads, u64::try_from(seconds).unwrap_or(3)).await;
        }
        [command, ..] if command == "send" => {
            let seconds = flag(&args, "--seconds").unwrap_or(5);
            let levels = match flag(&args, "--connections") {
                Some(connections) => vec![usize::try_from(connections).expect("a positive count")],
                None => vec![2, 8, 32],
            };
            let only = text_flag(&args, "--only");
            if let Some(call) = &only {
                assert!(
                    SEND_CALLS.contains(&call.as_str()),
                    "--only takes one of {SEND_CALLS:?}"
                );
            }
            send(
                u64::try_from(seconds).expect("a positive duration"),
                &levels,
                only.as_deref(),
            )
            .await;
        }
        [command, ..] if command == "blast" => {
            let clients = flag(&args, "--clients").unwrap_or(10_000);
            let runs = flag(&args, "--runs").unwrap_or(5);
            blast(clients, runs).await;
        }
        [command, ..] if command == "events" => {
            let streams = flag(&args, "--streams").unwrap_or(5_000);
            let samples = flag(&args, "--samples").unwrap_or(200);
            events::run(
                usize::try_from(streams).expect("a positive count"),
                usize::try_from(samples).expect("a positive count"),
            )
            .await;
        }
        _ => {
            eprintln!(
                "usage: cargo xtask bench inbox [--threads N] [--seconds S] \
                 | send [--seconds S] [--connections N] [--only reply|inbox|badge] \
                 | blast [--clients N] [--runs R] \
                 | events [--streams N] [--samples S]"
            );
            std::process::exit(2);
        }
    }
}

fn flag(args: &[String], name: &str) -> Option<i32> {
    text_flag(args, name)?.parse().ok()
}

fn text_flag(args: &[String], name: &str) -> Option<String> {
    let at = args.iter().position(|a| a == name)?;
    args.get(at + 1).cloned()
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

async fn inbox(count: i32, seconds: u64) {
    let app = std::sync::Arc::new(spawn_app().await);
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
    // Search: a word in every thread (each thread's message says "Message in Busy …"), by the
    // busy person and by the quiet one, whose practice holds the same matches; a word in one
    // thread only, halfway down.
    let search_common_busy = median(&app, busy, "/api/v1/conversations?q=message&limit=25").await;
    let search_common_quiet = median(&app, quiet, "/api/v1/conversations?q=message&limit=25").await;
    let search_rare_busy = median(
        &app,
        busy,
        &format!("/api/v1/conversations?q=busy%20{}&limit=25", count / 2),
    )
    .await;
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

    // A blast's sender: its 10,000 threads are written within a second or two.
    const BLAST_CLIENTS: usize = 10_000;
    eprintln!("bench: sending a blast to {BLAST_CLIENTS} clients…");
    app.add_clients_directly(p.id, Some(p.owner.person.id), BLAST_CLIENTS, "active")
        .await;
    let sent = app
        .send_as(
            reqwest::Method::POST,
            &p.owner.token,
            "/api/v1/blasts",
            Some(serde_json::json!({
                "all_my_active_clients": true,
                "subject": "Closed on Monday",
                "body": "The office is closed on Monday.",
            })),
        )
        .await;
    assert_eq!(sent.status(), 202, "the blast is accepted");
    app.run_jobs().await;
    diesel::sql_query("VACUUM ANALYZE")
        .execute(&mut conn)
        .await
        .expect("vacuum");
    let sender = &p.owner.token;
    let sent_with_blast = median(&app, sender, "/api/v1/conversations?folder=sent&limit=25").await;
    let sent_without_blast = median(
        &app,
        sender,
        "/api/v1/conversations?folder=sent&blast_threads=false&limit=25",
    )
    .await;
    // The threads with one person: one client of the blast's 10,000 (one shared thread), and
    // the client the busy person shares all `count` threads with.
    let with_one_of_blast = {
        #[derive(diesel::QueryableByName)]
        struct Id {
            #[diesel(sql_type = SqlUuid)]
            id: Uuid,
        }
        let client: Id = diesel::sql_query(
            "SELECT p.person_id AS id FROM conversation_participants p \
             WHERE p.in_blast AND p.has_received LIMIT 1",
        )
        .get_result(&mut conn)
        .await
        .expect("a client of the blast");
        median(
            &app,
            sender,
            &format!(
                "/api/v1/conversations?folder=all&with={}&limit=25",
                client.id
            ),
        )
        .await
    };
    let with_busy = median(
        &app,
        busy,
        &format!(
            "/api/v1/conversations?folder=all&with={}&limit=25",
            p.client.person.id
        ),
    )
    .await;

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
        (
            format!("Sent, first page, {BLAST_CLIENTS}-client blast"),
            sent_with_blast,
        ),
        (
            "Sent without blast threads, same sender".to_owned(),
            sent_without_blast,
        ),
        (
            "threads with one of the blast's clients".to_owned(),
            with_one_of_blast,
        ),
        (format!("threads with the client of all {count}"), with_busy),
        (
            format!("search, a word in all {count} threads"),
            search_common_busy,
        ),
        (
            "search, the same word, 10 threads".to_owned(),
            search_common_quiet,
        ),
        (
            format!("search, a word in 1 of {count} threads"),
            search_rare_busy,
        ),
    ] {
        println!("{name:<44} {:>7.2} ms", ms(time));
    }
    println!(
        "ratios to the 10-thread person: first page {:.2}x, deep page {:.2}x, badge (5 unread) {:.2}x",
        ms(first_busy) / ms(first_quiet),
        ms(deep_busy) / ms(first_quiet),
        ms(badge_few_unread) / ms(badge_quiet),
    );
    println!(
        "search against the 10-thread person's first page: a word in every thread {:.2}x, \
         the 10-thread person's search for it {:.2}x, a word in one thread {:.2}x",
        ms(search_common_busy) / ms(first_quiet),
        ms(search_common_quiet) / ms(first_quiet),
        ms(search_rare_busy) / ms(first_quiet),
    );
    println!(
        "a blast's sender against the 10-thread person's first page: Sent {:.2}x, Sent without blast threads {:.2}x",
        ms(sent_with_blast) / ms(first_quiet),
        ms(sent_without_blast) / ms(first_quiet),
    );

    // Under load from 2 connections, against the limit (the same statements replayed on
    // PostgreSQL), for both people: throughput, not only one request's time.
    const PAGE: &str = "/api/v1/conversations?limit=25";
    const BADGE: &str = "/api/v1/unread";
    let recorder = Recorder::start(&app).await;
    let mut cases = Vec::new();
    for (name, path, token) in [
        (format!("first page, {count}"), PAGE, busy),
        ("first page, 10".to_owned(), PAGE, quiet),
        (format!("badge, {count}"), BADGE, busy),
        ("badge, 10".to_owned(), BADGE, quiet),
    ] {
        let replay = recorder.record(reqwest::Method::GET, path, token).await;
        cases.push((name, path, token.clone(), replay));
    }
    drop(recorder);
    println!(
        "under load: 2 connections, {seconds} s each after 1 s of warm-up; \
         limit = the same statements replayed on PostgreSQL"
    );
    print_head();
    let http = http_alone(&app, 2, seconds).await;
    let url = app.database.url().to_owned();
    let mut rates = Vec::new();
    for (name, path, token, replay) in cases {
        let read =
            http_under_load(&app, seconds, 200, vec![Call::get(path, Some(&token)); 2]).await;
        let sessions = vec![replay.connect(&url).await, replay.connect(&url).await];
        let limit = replay_under_load(2, seconds, sessions).await;
        print_against_limit(&name, 2, &read, &limit, &http);
        rates.push(read.rate());
    }
    println!(
        "throughput of the {count}-thread person against the 10-thread one: first page {:.2}x, \
         badge {:.2}x (1.00 = as fast)",
        rates[0] / rates[1],
        rates[2] / rates[3],
    );
}

/// One load level's figures.
struct Load {
    requests: usize,
    elapsed: Duration,
    p50: Duration,
    p99: Duration,
    /// The CPU the machine spent while the load was measured.
    cpu: cpu::CpuTimes,
}

/// Runs `connections` loops of `request` for `seconds` (after a second of warm-up) and
/// measures every request.
async fn under_load<F, Fut>(connections: usize, seconds: u64, request: F) -> Load
where
    F: Fn(usize) -> Fut + Clone + Send + 'static,
    Fut: std::future::Future<Output = ()> + Send,
{
    let warm_until = Instant::now() + Duration::from_secs(1);
    let stop_at = warm_until + Duration::from_secs(seconds);
    let cpu = tokio::spawn(async move {
        tokio::time::sleep_until(warm_until.into()).await;
        let before = cpu::CpuTimes::now();
        tokio::time::sleep_until(stop_at.into()).await;
        cpu::CpuTimes::now().since(&before)
    });
    let loops = (0..connections).map(|lane| {
        let request = request.clone();
        tokio::spawn(async move {
            let mut times = Vec::new();
            loop {
                let started = Instant::now();
                if started >= stop_at {
                    return times;
                }
                request(lane).await;
                if started >= warm_until {
                    times.push(started.elapsed());
                }
            }
        })
    });
    let mut times = Vec::new();
    for done in futures_util::future::join_all(loops).await {
        times.extend(done.expect("a load loop"));
    }
    Load {
        requests: times.len(),
        elapsed: Duration::from_secs(seconds),
        p50: percentile(&times, 0.5),
        p99: percentile(&times, 0.99),
        cpu: cpu.await.expect("the CPU sampler"),
    }
}

/// The calls `send` loads, by the names `--only` takes.
const SEND_CALLS: [&str; 3] = ["reply", "inbox", "badge"];

/// `send`: each of `levels` connections in turn; every call, or `only` the one named (with
/// `HTTP alone`), for instance to profile it by itself.
async fn send(seconds: u64, levels: &[usize], only: Option<&str>) {
    use std::sync::Arc;

    let lanes = levels.iter().copied().max().expect("a level");
    let runs = |call: &str| only.is_none_or(|only| only == call);
    let app = Arc::new(spawn_app_with(&[("CONFIDANT_DB_POOL_SIZE", "32".to_owned())]).await);
    let p: StaffedPractice = app.staffed_practice("Send Bench").await;
    // One thread per connection, so that connections do not queue on one thread's rows.
    let mut threads = Vec::new();
    for lane in 0..lanes {
        let thread = app
            .start_thread(
                &p.provider,
                p.client.person.id,
                &format!("Load {lane}"),
                "The first message.",
            )
            .await;
        threads.push(thread.id.to_string());
    }
    let threads = Arc::new(threads);
    let reply_path = move |lane: usize| format!("/api/v1/conversations/{}/messages", threads[lane]);
    const INBOX: &str = "/api/v1/conversations?limit=25";
    const BADGE: &str = "/api/v1/unread";

    // The limit: what each call ran, recorded through a twin server behind a wire proxy
    // (the loaded server talks to PostgreSQL directly), replayed on PostgreSQL.
    let recorder = Recorder::start(&app).await;
    let record = |method: reqwest::Method, path: String, token: String| {
        let recorder = &recorder;
        async move { recorder.record(method, &path, &token).await }
    };
    let mut reply_replays = Vec::new();
    for lane in 0..lanes {
        reply_replays.push(
            record(
                reqwest::Method::POST,
                reply_path(lane),
                p.provider.token.clone(),
            )
            .await,
        );
    }
    let inbox_replay = record(
        reqwest::Method::GET,
        INBOX.to_owned(),
        p.client.token.clone(),
    )
    .await;
    let badge_replay = record(
        reqwest::Method::GET,
        BADGE.to_owned(),
        p.client.token.clone(),
    )
    .await;
    drop(recorder);
    println!(
        "send benchmark: {seconds} s per level after 1 s of warm-up, in-process server, loopback; \
         limit = the same statements replayed on PostgreSQL, pipelined as the server did \
         (statements/round trips: reply {}/{}, inbox page {}/{}, badge {}/{})",
        reply_replays[0].statements(),
        reply_replays[0].round_trips(),
        inbox_replay.statements(),
        inbox_replay.round_trips(),
        badge_replay.statements(),
        badge_replay.round_trips(),
    );
    print_head();
    let url = app.database.url().to_owned();
    for &connections in levels {
        let http = http_alone(&app, connections, seconds).await;
        let reply = if runs("reply") {
            let replies = (0..connections)
                .map(|lane| Call::post(&reply_path(lane), &p.provider.token, REPLY))
                .collect();
            let reply = http_under_load(&app, seconds, 201, replies).await;
            let mut sessions = Vec::new();
            for replay in reply_replays.iter().take(connections) {
                sessions.push(replay.connect(&url).await);
            }
            Some((
                reply,
                replay_under_load(connections, seconds, sessions).await,
            ))
        } else {
            None
        };
        for (call, name, path, replay) in [
            ("inbox", "inbox first page", INBOX, &inbox_replay),
            ("badge", "unread badge", BADGE, &badge_replay),
        ] {
            if !runs(call) {
                continue;
            }
            let calls = vec![Call::get(path, Some(&p.client.token)); connections];
            let read = http_under_load(&app, seconds, 200, calls).await;
            let mut sessions = Vec::new();
            for _ in 0..connections {
                sessions.push(replay.connect(&url).await);
            }
            let limit = replay_under_load(connections, seconds, sessions).await;
            print_against_limit(name, connections, &read, &limit, &http);
        }
        if let Some((reply, reply_limit)) = reply {
            print_against_limit("reply", connections, &reply, &reply_limit, &http);
        }
    }
}

/// Records what one call of the API runs, values included: a twin of the server (one pooled
/// connection) behind the wire proxy, while the server under load talks to PostgreSQL
/// directly. A recording becomes the limit: the same statements replayed on PostgreSQL.
struct Recorder {
    wire: WireCount,
    twin: confidant_tests::app::Twin,
    client: reqwest::Client,
}

impl Recorder {
    async fn start(app: &TestApp) -> Self {
        let wire = WireCount::start(app.database.url()).await;
        let twin = app
            .spawn_twin(&[
                ("DATABASE_URL", wire.url(app.database.url())),
                ("CONFIDANT_DB_POOL_SIZE", "1".to_owned()),
            ])
            .await;
        Self {
            wire,
            twin,
            client: reqwest::Client::new(),
        }
    }

    /// One call through the twin; a `POST` carries a reply's body.
    async fn call(&self, method: &reqwest::Method, path: &str, token: &str) {
        let request = self
            .client
            .request(method.clone(), self.twin.url(path))
            .bearer_auth(token);
        let request = if method == reqwest::Method::POST {
            request
                .header(reqwest::header::CONTENT_TYPE, "application/json")
                .body(REPLY)
        } else {
            request
        };
        let response = request.send().await.expect("the twin answers");
        assert!(
            response.status().is_success(),
            "{path}: {}",
            response.status()
        );
    }

    /// What one warm call of `method path` runs.
    ///
    /// A few calls are recorded and the one that waited least for the database is kept: two
    /// statements the server sends together can reach the wire apart (its connection task
    /// flushed the first before it took the second), and the proxy then sees the first's
    /// answer before the second. That is the machine's scheduling, not what the server asks
    /// for, and it would make the limit sequential for one run and pipelined for the next.
    async fn record(&self, method: reqwest::Method, path: &str, token: &str) -> limit::Replay {
        // Warm: the twin's one connection prepares what the call runs.
        for _ in 0..3 {
            self.call(&method, path, token).await;
        }
        let mut kept: Option<limit::Replay> = None;
        for _ in 0..5 {
            self.wire.recording();
            let since_ms = u64::try_from(Utc::now().timestamp_millis()).expect("after 1970");
            self.call(&method, path, token).await;
            let replay = limit::Replay::new(self.wire.take_recorded(), since_ms);
            if kept
                .as_ref()
                .is_none_or(|best| replay.round_trips() < best.round_trips())
            {
                kept = Some(replay);
            }
        }
        kept.expect("five recordings")
    }
}

/// [`under_load`] over HTTP: lane `n` sends `calls[n]` on its own connection, and every
/// answer must have `status`.
async fn http_under_load(app: &TestApp, seconds: u64, status: u16, calls: Vec<Call>) -> Load {
    let lanes = http_load::Lanes::open(app.address, calls.len()).await;
    let calls = std::sync::Arc::new(calls);
    under_load(calls.len(), seconds, move |lane| {
        let (lanes, calls) = (std::sync::Arc::clone(&lanes), std::sync::Arc::clone(&calls));
        async move {
            let answered = lanes.send(lane, &calls[lane]).await;
            assert_eq!(answered.as_u16(), status, "{}", calls[lane].path);
        }
    })
    .await
}

/// [`under_load`] for replays: lane `n` runs `sessions[n]`.
async fn replay_under_load(
    connections: usize,
    seconds: u64,
    sessions: Vec<limit::Session>,
) -> Load {
    let sessions = std::sync::Arc::new(sessions);
    under_load(connections, seconds, move |lane| {
        let sessions = std::sync::Arc::clone(&sessions);
        async move { sessions[lane].run().await }
    })
    .await
}

fn print_against_limit(name: &str, connections: usize, load: &Load, limit: &Load, http: &Load) {
    let (rate, limit_rate) = (load.rate(), limit.rate());
    // An HTTP request and then the statements, each at its own measured rate.
    let ceiling = 1.0 / (1.0 / http.rate() + 1.0 / limit_rate);
    println!(
        "{name:<18} {connections:>5} {rate:>8.0} {:>7.2}ms {:>7.2}ms {limit_rate:>10.0} {:>7.2}ms {:>6.2} {ceiling:>8.0} {:>6.2}",
        ms(load.p50),
        ms(load.p99),
        ms(limit.p50),
        rate / limit_rate,
        rate / ceiling,
    );
    println!(
        "{:<18} CPU per call: API {}; limit {}",
        "",
        load.cpu.per_call(load.requests, "load generator"),
        limit.cpu.per_call(limit.requests, "client"),
    );
}

/// The table's head for [`print_against_limit`].
fn print_head() {
    println!(
        "{:<18} {:>5} {:>8} {:>9} {:>9} {:>10} {:>9} {:>6} {:>8} {:>6}",
        "request",
        "conns",
        "req/s",
        "p50",
        "p99",
        "limit/s",
        "limit p50",
        "ratio",
        "ceiling",
        "of it"
    );
}

/// `GET /healthz` (no database, no sign-in) from `connections` loops: what the HTTP request
/// alone costs on this machine, client included.
async fn http_alone(app: &std::sync::Arc<TestApp>, connections: usize, seconds: u64) -> Load {
    let load = http_under_load(
        app,
        seconds,
        200,
        vec![Call::get("/healthz", None); connections],
    )
    .await;
    println!(
        "{:<18} {connections:>5} {:>8.0} {:>7.2}ms {:>7.2}ms",
        "HTTP alone",
        load.rate(),
        ms(load.p50),
        ms(load.p99)
    );
    load
}

impl Load {
    /// Requests per second.
    fn rate(&self) -> f64 {
        #[expect(clippy::cast_precision_loss, reason = "a count of requests in seconds")]
        let requests = self.requests as f64;
        requests / self.elapsed.as_secs_f64()
    }
}

fn median_of(times: Vec<Duration>) -> Duration {
    percentile(&times, 0.5)
}

/// The `share` percentile (nearest rank) of `times`.
fn percentile(times: &[Duration], share: f64) -> Duration {
    let mut sorted = times.to_vec();
    sorted.sort();
    let len = sorted.len();
    assert!(len > 0, "no samples");
    #[expect(
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        clippy::cast_precision_loss,
        reason = "a rank among a few thousand samples"
    )]
    let rank = ((len as f64) * share).ceil() as usize;
    sorted[rank.clamp(1, len) - 1]
}

async fn blast(clients: i32, runs: i32) {
    use confidant::jobs::{WorkerSettings, Workers};
    use confidant_openapi::blasts::{Blast, BlastState};

    // The server's default pool; emails go to the app's own SMTP sink on loopback.
    let app = spawn_app_with(&[("CONFIDANT_DB_POOL_SIZE", "10".to_owned())]).await;
    let p: StaffedPractice = app.staffed_practice("Bench Clinic").await;
    let count = usize::try_from(clients).expect("a positive count");
    eprintln!("bench: adding {count} clients with portal accounts…");
    let ids = app
        .add_clients_directly(p.id, Some(p.provider.person.id), count, "active")
        .await;
    let mut conn = app.database.connect().await;
    diesel::sql_query(
        "INSERT INTO portal_accounts (person_id, practice_id, email, password_hash) \
         SELECT id, practice_id, email, 'not-a-hash' FROM people WHERE id = ANY($1)",
    )
    .bind::<diesel::sql_types::Array<SqlUuid>, _>(&ids)
    .execute(&mut conn)
    .await
    .expect("accounts");
    diesel::sql_query("ANALYZE")
        .execute(&mut conn)
        .await
        .expect("analyze");
    // The fixture's own emails (invitations) go first, so that only the blasts' remain.
    app.run_jobs().await;
    // The server's own workers and job kinds, as `serve` runs them with its defaults: two
    // general workers, four for email and two for webhooks.
    let settings = WorkerSettings {
        mail_count: 4,
        webhook_count: 2,
        ..WorkerSettings::default()
    };
    let (general, mail) = (settings.count, settings.mail_count);
    let workers = Workers::start(
        app.job_context().clone(),
        confidant::startup::job_registry(),
        settings,
    );
    // An interactive request, idle and then while blasts fan out.
    let inbox_page = "/api/v1/conversations?limit=25";
    let idle = median(&app, &p.staff.token, inbox_page).await;
    let mut during = Vec::new();
    let mut accepted = Vec::new();
    let mut finished = Vec::new();
    let mut last_email = Vec::new();
    let mut emailing = Vec::new();
    for run in 1..=runs {
        let emails_before = app.mail.count();
        let started = Instant::now();
        let response = app
            .send_as(
                reqwest::Method::POST,
                &p.provider.token,
                "/api/v1/blasts",
                Some(serde_json::json!({
                    "all_my_active_clients": true,
                    "subject": format!("Office news {run}"),
                    "body": "We are moving to a new office next month.",
                })),
            )
            .await;
        assert_eq!(response.status(), 202);
        let to_202 = started.elapsed();
        let blast: Blast = response.json().await.expect("a blast");
        // Every client of the blast has a portal account, so each gets one email.
        let expected_emails =
            emails_before + usize::try_from(blast.total).expect("a positive total");
        let mut to_done = None;
        let to_last_email = loop {
            if to_done.is_none() {
                let now: Blast = app
                    .get_as(&p.provider.token, &format!("/api/v1/blasts/{}", blast.id))
                    .await
                    .json()
                    .await
                    .expect("progress");
                if now.state == BlastState::Done {
                    assert_eq!(now.sent, blast.total);
                    to_done = Some(started.elapsed());
                }
            }
            let received = app.mail.count();
            if received >= expected_emails {
                assert_eq!(received, expected_emails, "one email per client");
                if let Some(done) = to_done {
                    break started.elapsed().max(done);
                }
            }
            assert!(
                started.elapsed() < Duration::from_secs(600),
                "emails stalled at {} of {}",
                received - emails_before,
                expected_emails - emails_before
            );
            let asked = Instant::now();
            let page = app.get_as(&p.staff.token, inbox_page).await;
            assert!(page.status().is_success());
            page.bytes().await.expect("a page");
            let took = asked.elapsed();
            if to_done.is_none() {
                during.push(took);
            } else {
                emailing.push(took);
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        };
        let to_done = to_done.expect("done before the last email");
        eprintln!(
            "bench: run {run}: 202 after {:.0} ms, done after {:.0} ms, last email after {:.0} ms",
            ms(to_202),
            ms(to_done),
            ms(to_last_email)
        );
        accepted.push(to_202);
        finished.push(to_done);
        last_email.push(to_last_email);
    }
    workers.shutdown(Duration::from_secs(5)).await;

    // The physical limit: the same rows (threads, two participants each, messages,
    // notification jobs) written as raw set-based SQL in one transaction.
    let mut raw = Vec::new();
    for _ in 0..runs {
        let started = Instant::now();
        diesel_async::SimpleAsyncConnection::batch_execute(&mut conn, RAW_BLAST_SQL)
            .await
            .expect("raw SQL");
        raw.push(started.elapsed());
    }
    let total = clients + 1; // and the fixture's client
    let (to_202, to_done, raw) = (median_of(accepted), median_of(finished), median_of(raw));
    let to_last_email = median_of(last_email);
    println!(
        "blast benchmark: {total} clients with accounts, medians of {runs} runs, \
         in-process server with {general} general and {mail} mail workers (woken by the \
         request), SMTP sink on loopback"
    );
    println!("{:<36} {:>9}", "measure", "median");
    println!("{:<36} {:>7.0} ms", "POST /blasts → 202", ms(to_202));
    println!(
        "{:<36} {:>7.0} ms",
        "POST /blasts → state done",
        ms(to_done)
    );
    println!(
        "{:<36} {:>9.0}",
        "threads per second (to done)",
        f64::from(total) / to_done.as_secs_f64()
    );
    println!("{:<36} {:>7.0} ms", "same rows as raw SQL, one tx", ms(raw));
    println!(
        "{:<36} {:>7.0} ms",
        "POST /blasts → last email received",
        ms(to_last_email)
    );
    let emails_per_second = f64::from(total) / to_last_email.as_secs_f64();
    println!(
        "{:<36} {:>9.0} ({:.0} per minute)",
        "emails per second (to last email)",
        emails_per_second,
        emails_per_second * 60.0
    );
    println!("inbox page (idle median {:.1} ms):", ms(idle));
    for (phase, times) in [("while fanning out", during), ("while emailing", emailing)] {
        if times.is_empty() {
            continue;
        }
        let samples = times.len();
        let (median, p99) = (percentile(&times, 0.5), percentile(&times, 0.99));
        println!(
            "  {phase:<34} median {:.1} ms, p99 {:.1} ms ({samples} samples)",
            ms(median),
            ms(p99)
        );
    }
    println!(
        "ratio done / raw SQL: {:.1}x (the rest is chunking, job pickup and progress writes)",
        ms(to_done) / ms(raw)
    );
}

/// Threads, participants, messages and notification jobs for every client of the bench
/// practice, as one set-based transaction (rolled back: only its cost matters).
const RAW_BLAST_SQL: &str = "\
BEGIN;
CREATE TEMP TABLE raw_threads ON COMMIT DROP AS
  SELECT p.id AS client, p.practice_id, gen_random_uuid() AS conv, gen_random_uuid() AS msg,
         (SELECT id FROM people WHERE kind = 'staff' AND role = 'provider' LIMIT 1) AS sender
  FROM people p WHERE p.kind = 'client' AND p.status = 'active';
INSERT INTO conversations (id, practice_id, subject, kind, started_by, created_at)
  SELECT conv, practice_id, 'Raw', 'blast', sender, now() FROM raw_threads;
INSERT INTO conversation_participants (practice_id, conversation_id, person_id, last_message_at, unread_count, has_received, has_sent)
  SELECT practice_id, conv, sender, now(), 0, false, true FROM raw_threads
  UNION ALL SELECT practice_id, conv, client, now(), 1, true, false FROM raw_threads;
INSERT INTO messages (id, practice_id, conversation_id, author_id, body, created_at)
  SELECT msg, practice_id, conv, sender, 'We are moving to a new office next month.', now() FROM raw_threads;
INSERT INTO jobs (id, kind, payload, max_attempts, idempotency_key, run_at, priority)
  SELECT gen_random_uuid(), 'raw_notification', jsonb_build_object('message_id', msg, 'person_id', client),
         10, 'raw:' || msg || ':' || client, now(), -1 FROM raw_threads;
ROLLBACK;";
