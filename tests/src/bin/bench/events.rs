//! `cargo xtask bench events`: live updates measured end to end over two real server
//! processes (release builds) on one PostgreSQL, read by the same third-party SSE parser the
//! tests use. See the crate comment for what is printed.

use std::time::{Duration, Instant};

use confidant::auth::tokens::TokenKeys;
use confidant::config::Config;
use confidant_tests::app::TEST_JWT_SECRET;
use confidant_tests::binary::ServerProcess;
use confidant_tests::live::{Auth, LiveStream, Next};
use confidant_tests::{TestApp, spawn_app};
use diesel::sql_types::{Array, Uuid as SqlUuid};
use diesel_async::RunQueryDsl;
use futures_util::StreamExt;
use serde_json::{Value, json};
use tokio::sync::mpsc;
use uuid::Uuid;

use super::{ms, percentile};

/// How many streams are opened at once.
const OPENING_AT_ONCE: usize = 64;
/// Sockets the benchmark needs beyond one per stream (database, servers, slack).
const SPARE_FILES: u64 = 512;

/// One event as it reached the benchmark.
struct Arrival {
    /// Which stream (0 is the watched client's).
    stream: usize,
    /// `event:`, or `None` when the server ended the stream.
    kind: Option<String>,
    at: Instant,
}

pub async fn run(streams: usize, samples: usize) {
    // Every stream is a socket here and one in instance A (which inherits this limit).
    let needed = u64::try_from(streams).expect("a count") + SPARE_FILES;
    let limit = rlimit::increase_nofile_limit(needed).expect("the open-file limit");
    if limit < needed {
        eprintln!(
            "bench: {streams} streams need {needed} open files; the hard limit allows {limit} \
             (raise it with `ulimit -Hn {needed}` as root, or pass a smaller --streams)"
        );
        std::process::exit(2);
    }
    let app = spawn_app().await;
    let p = app.staffed_practice("Bench Clinic").await;
    eprintln!("bench: adding {streams} clients, each signed in once…");
    let ids = app
        .add_clients_directly(p.id, Some(p.provider.person.id), streams, "active")
        .await;
    let tokens = sign_in_directly(&app, &ids).await;
    let a = ServerProcess::start(&app, &[]).await;
    let b = ServerProcess::start(&app, &[]).await;
    let http = reqwest::Client::new();

    // The watched client's thread with the provider, started on B.
    let thread = post(
        &http,
        &b.url("/api/v1/conversations"),
        &p.provider.token,
        json!({
            "recipients": [{"type": "person", "id": ids[0]}],
            "subject": "Appointment",
            "body": "See you on Tuesday.",
        }),
    )
    .await;
    let reply_url = b.url(&format!(
        "/api/v1/conversations/{}/messages",
        thread["id"].as_str().expect("an id")
    ));
    let inbox_url = a.url("/api/v1/conversations?limit=25");

    let (arrivals, mut heard) = mpsc::unbounded_channel();
    let idle_rss = settled_rss(&a).await;
    let inbox_alone = timings(&http, &inbox_url, &p.provider.token, samples).await;
    follow(&http, &a.base, &tokens[..1], 0, &arrivals).await;
    let alone = latencies(&http, &reply_url, &p.provider.token, &mut heard, samples).await;

    eprintln!("bench: opening {} more streams on instance A…", streams - 1);
    let opening = Instant::now();
    follow(&http, &a.base, &tokens[1..], 1, &arrivals).await;
    let opened_in = opening.elapsed();
    let busy_rss = settled_rss(&a).await;
    let crowded = latencies(&http, &reply_url, &p.provider.token, &mut heard, samples).await;
    let inbox_crowded = timings(&http, &inbox_url, &p.provider.token, samples).await;

    // A blast to every client, sent on B: each stream hears of its own new thread.
    eprintln!("bench: blasting all {streams} clients…");
    let blasted = Instant::now();
    post(
        &http,
        &b.url("/api/v1/blasts"),
        &p.provider.token,
        json!({
            "all_my_active_clients": true,
            "subject": "Office news",
            "body": "We are moving to a new office next month.",
        }),
    )
    .await;
    let mut told = vec![None; streams];
    let mut ended = 0;
    let mut waiting = streams;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(300);
    while waiting > 0 {
        let arrival = tokio::time::timeout_at(deadline, heard.recv())
            .await
            .expect("every stream hears of the blast within 5 minutes")
            .expect("readers are running");
        match arrival.kind.as_deref() {
            None => ended += 1,
            Some("conversation_created") if told[arrival.stream].is_none() => {
                told[arrival.stream] = Some(arrival.at - blasted);
                waiting -= 1;
            }
            Some(_) => {}
        }
    }
    let told: Vec<Duration> = told.into_iter().flatten().collect();

    let mib = |bytes: u64| bytes as f64 / (1024.0 * 1024.0);
    println!(
        "events benchmark: two `confidant serve` processes (release) on one PostgreSQL, \
         loopback; {samples} samples each"
    );
    println!("reply sent on B → message_created read from a stream on A:");
    for (label, times) in [
        ("1 stream open on A".to_owned(), &alone),
        (format!("{streams} streams open on A"), &crowded),
    ] {
        println!(
            "  {label:<28} p50 {:>6.1} ms  p95 {:>6.1} ms  max {:>6.1} ms",
            ms(percentile(times, 0.5)),
            ms(percentile(times, 0.95)),
            ms(percentile(times, 1.0)),
        );
    }
    println!(
        "opening {} streams: {:.1} s ({:.0} per second, {OPENING_AT_ONCE} at a time)",
        streams - 1,
        opened_in.as_secs_f64(),
        (streams - 1) as f64 / opened_in.as_secs_f64()
    );
    println!(
        "instance A memory: {:.1} MiB with 1 stream, {:.1} MiB with {streams}: {:.1} KiB per stream",
        mib(idle_rss),
        mib(busy_rss),
        busy_rss.saturating_sub(idle_rss) as f64 / 1024.0 / (streams - 1) as f64
    );
    println!("inbox page on A (provider):");
    for (label, times) in [
        ("1 stream open".to_owned(), &inbox_alone),
        (format!("{streams} streams open"), &inbox_crowded),
    ] {
        println!(
            "  {label:<28} median {:>5.1} ms  p99 {:>5.1} ms",
            ms(percentile(times, 0.5)),
            ms(percentile(times, 0.99)),
        );
    }
    println!(
        "blast to {streams} clients sent on B: half the streams heard of their thread after \
         {:.2} s, all after {:.2} s; {ended} streams ended early",
        percentile(&told, 0.5).as_secs_f64(),
        percentile(&told, 1.0).as_secs_f64(),
    );
}

/// A session and an access token for each of `people`, written straight to the database:
/// signing in thousands through the API would measure argon2, not streams.
async fn sign_in_directly(app: &TestApp, people: &[Uuid]) -> Vec<String> {
    #[derive(diesel::QueryableByName)]
    struct Signed {
        #[diesel(sql_type = SqlUuid)]
        session: Uuid,
        #[diesel(sql_type = SqlUuid)]
        person: Uuid,
        #[diesel(sql_type = SqlUuid)]
        practice: Uuid,
        #[diesel(sql_type = SqlUuid)]
        stamp: Uuid,
    }
    let mut conn = app.database.connect().await;
    let signed: Vec<Signed> = diesel::sql_query(
        "WITH s AS (INSERT INTO sessions (id, practice_id, person_id, created_at, last_active_at) \
           SELECT gen_random_uuid(), practice_id, id, now(), now() FROM people WHERE id = ANY($1) \
           RETURNING id, person_id) \
         SELECT s.id AS session, p.id AS person, p.practice_id AS practice, \
                p.security_stamp AS stamp \
         FROM s JOIN people p ON p.id = s.person_id",
    )
    .bind::<Array<SqlUuid>, _>(people)
    .load(&mut conn)
    .await
    .expect("sessions");
    let config = Config::from_lookup(|name| {
        (name == "CONFIDANT_JWT_SECRET").then(|| TEST_JWT_SECRET.to_owned())
    })
    .expect("a config");
    let keys = TokenKeys::new(&config.jwt_secret);
    let mut by_person: std::collections::HashMap<Uuid, String> = signed
        .into_iter()
        .map(|row| {
            let token = keys
                .issue(row.person, row.practice, row.session, row.stamp)
                .expect("a token");
            (row.person, token)
        })
        .collect();
    people
        .iter()
        .map(|id| by_person.remove(id).expect("a session per person"))
        .collect()
}

/// Opens a stream on `base` with each of `tokens` (numbered from `first`), waits for each
/// one's `ready`, then reads it in a task of its own that reports to `arrivals`.
async fn follow(
    http: &reqwest::Client,
    base: &str,
    tokens: &[String],
    first: usize,
    arrivals: &mpsc::UnboundedSender<Arrival>,
) {
    futures_util::stream::iter(tokens.iter().enumerate())
        .map(|(offset, token)| async move {
            let mut stream = LiveStream::open(http, base, Auth::Bearer(token), None)
                .await
                .unwrap_or_else(|response| panic!("a stream: {}", response.status()));
            let ready = stream.expect(Duration::from_secs(30)).await;
            assert_eq!(ready.kind, "ready");
            (first + offset, stream)
        })
        .buffer_unordered(OPENING_AT_ONCE)
        .for_each(|(index, mut stream)| {
            let arrivals = arrivals.clone();
            tokio::spawn(async move {
                loop {
                    match stream.next(Duration::from_secs(3600)).await {
                        Next::Quiet => {}
                        Next::Event(event) => {
                            let arrival = Arrival {
                                stream: index,
                                kind: Some(event.kind),
                                at: Instant::now(),
                            };
                            if arrivals.send(arrival).is_err() {
                                return;
                            }
                        }
                        Next::Ended => {
                            let _ = arrivals.send(Arrival {
                                stream: index,
                                kind: None,
                                at: Instant::now(),
                            });
                            return;
                        }
                    }
                }
            });
            std::future::ready(())
        })
        .await;
}

/// `samples` replies posted one after another: for each, the time from sending it to the
/// watched stream (number 0) reading its `message_created`.
async fn latencies(
    http: &reqwest::Client,
    reply_url: &str,
    token: &str,
    heard: &mut mpsc::UnboundedReceiver<Arrival>,
    samples: usize,
) -> Vec<Duration> {
    let mut times = Vec::with_capacity(samples);
    for sample in 0..samples {
        let sent = Instant::now();
        post(
            http,
            reply_url,
            token,
            json!({"body": format!("Reply {sample}")}),
        )
        .await;
        loop {
            let arrival = tokio::time::timeout(Duration::from_secs(10), heard.recv())
                .await
                .expect("the reply arrives within 10 s")
                .expect("readers are running");
            assert!(arrival.kind.is_some(), "stream {} ended", arrival.stream);
            if arrival.stream == 0 && arrival.kind.as_deref() == Some("message_created") {
                times.push(arrival.at - sent);
                break;
            }
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    times
}

/// `samples` sequential GETs of `url` (after a few to warm up).
async fn timings(http: &reqwest::Client, url: &str, token: &str, samples: usize) -> Vec<Duration> {
    let mut times = Vec::with_capacity(samples);
    for run in 0..samples + 5 {
        let started = Instant::now();
        let response = http
            .get(url)
            .bearer_auth(token)
            .send()
            .await
            .expect("an answer");
        assert!(response.status().is_success(), "{}", response.status());
        response.bytes().await.expect("a body");
        if run >= 5 {
            times.push(started.elapsed());
        }
    }
    times
}

async fn post(http: &reqwest::Client, url: &str, token: &str, body: Value) -> Value {
    let response = http
        .post(url)
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .expect("an answer");
    let status = response.status();
    assert!(
        status.is_success(),
        "{url}: {status} {}",
        response.text().await.unwrap_or_default()
    );
    response.json().await.unwrap_or(Value::Null)
}

/// Instance A's resident memory once it has stopped moving for a moment.
async fn settled_rss(server: &ServerProcess) -> u64 {
    let mut last = server.rss_bytes();
    for _ in 0..20 {
        tokio::time::sleep(Duration::from_millis(250)).await;
        let now = server.rss_bytes();
        if now == last {
            break;
        }
        last = now;
    }
    last
}
