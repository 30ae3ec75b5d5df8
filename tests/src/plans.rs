//! What PostgreSQL reads to run a folder page or a search, under both kinds of plan it may
//! choose.
//!
//! The server prepares each statement once per connection. PostgreSQL plans the first five
//! runs for their values ("custom" plans), then may plan once for any values ("generic"),
//! estimating a row or two per person. A page that reads a page under the first plans can
//! read a whole folder under the second, so tests that hold a page's reads check both.

use serde_json::Value;
use uuid::Uuid;

use crate::TestApp;

/// How PostgreSQL plans the page (`plan_cache_mode`).
#[derive(Debug, Clone, Copy)]
pub enum Plan {
    /// For the values given, as the first five runs on a connection are.
    Custom,
    /// Once for any values, as later runs may be.
    Generic,
}

/// The first page's values (`$1` … `$5` of
/// [`confidant::db::models::conversation::page_sql`], or of
/// [`confidant::db::models::conversation::search_sql`] with `search`).
pub struct PageValues {
    pub caller: Uuid,
    /// The page's `LIMIT` (one more than the page, as the server asks).
    pub limit: i64,
    pub with: Option<Uuid>,
    pub sees_all: bool,
    /// `$5` of a folder's page.
    pub blast_threads: bool,
    /// `$5` of a search instead: its `tsquery`.
    pub search: Option<&'static str>,
}

/// What PostgreSQL read from `conversation_participants` to run a statement: each scan's rows
/// and those its filter dropped, over all its loops, from `EXPLAIN ANALYZE`.
#[derive(Debug, Clone, Copy, Default)]
pub struct Reads {
    /// Read from the table: what a page's rows cost.
    pub rows: f64,
    /// Read from an index alone (an index-only scan: a count, or a check that needs no row),
    /// which costs a fraction of a row.
    pub index_entries: f64,
}

impl Reads {
    /// Both together.
    pub fn total(&self) -> f64 {
        self.rows + self.index_entries
    }
}

/// What PostgreSQL read from `conversation_participants` to run the page text `sql` with
/// `values` under `plan`.
pub async fn participant_reads(app: &TestApp, sql: &str, values: &PageValues, plan: Plan) -> Reads {
    reads(
        app,
        sql,
        values,
        plan,
        &["conversation_participants"],
        false,
    )
    .await
}

/// What PostgreSQL read to run the search text `sql` with `values` under `plan`: rows of the
/// threads, their participants, messages and people, and the entries of every bitmap index
/// scan (a text index's matches, each of which the scan collects before any is used).
pub async fn search_reads(app: &TestApp, sql: &str, values: &PageValues, plan: Plan) -> Reads {
    let tables = [
        "conversation_participants",
        "conversations",
        "messages",
        "people",
    ];
    reads(app, sql, values, plan, &tables, true).await
}

/// What PostgreSQL read from `tables` (and with `bitmaps`, from bitmap index scans) to run
/// `sql` with `values` under `plan`.
async fn reads(
    app: &TestApp,
    sql: &str,
    values: &PageValues,
    plan: Plan,
    tables: &[&str],
    bitmaps: bool,
) -> Reads {
    let (client, connection) = tokio_postgres::connect(app.database.url(), tokio_postgres::NoTls)
        .await
        .expect("a connection");
    tokio::spawn(connection);
    let mode = match plan {
        Plan::Custom => "force_custom_plan",
        Plan::Generic => "force_generic_plan",
    };
    let (fifth_type, fifth) = match values.search {
        Some(query) => ("text", format!("'{query}'")),
        None => ("bool", values.blast_threads.to_string()),
    };
    // Typed as the server binds them: a text that leaves a parameter out still runs.
    client
        .batch_execute(&format!(
            "SET plan_cache_mode = {mode}; \
             PREPARE page (uuid, int8, uuid, bool, {fifth_type}) AS {sql}"
        ))
        .await
        .expect("the statement");
    let with = values
        .with
        .map_or_else(|| "NULL".to_owned(), |id| format!("'{id}'"));
    let explain = format!(
        "EXPLAIN (ANALYZE, FORMAT JSON) EXECUTE page ('{}', {}, {with}, {}, {fifth})",
        values.caller, values.limit, values.sees_all
    );
    // `SHOW_PLAN=1 cargo test … -- --nocapture` prints each plan, to see why a budget broke.
    if std::env::var("SHOW_PLAN").is_ok() {
        let text = explain.replace("FORMAT JSON", "COSTS OFF, TIMING OFF");
        for row in client.query(&text, &[]).await.expect("a plan") {
            let line: String = row.get(0);
            eprintln!("PLAN {line}");
        }
    }
    let row = client.query_one(&explain, &[]).await.expect("a plan");
    let plan: Value = row.get(0);
    let mut reads = Reads::default();
    count(&plan[0]["Plan"], &mut reads, tables, bitmaps);
    reads
}

/// Adds what `node` and the nodes under it read from `tables` (and bitmap index scans) to
/// `reads`: each scan's rows and those its filter dropped, over all its loops.
fn count(node: &Value, reads: &mut Reads, tables: &[&str], bitmaps: bool) {
    let counted = tables.iter().any(|table| node["Relation Name"] == *table);
    let bitmap = bitmaps && node["Node Type"] == "Bitmap Index Scan";
    if counted || bitmap {
        // Both are averages over the loops.
        let loops = node["Actual Loops"].as_f64().unwrap_or(1.0);
        let rows = node["Actual Rows"].as_f64().unwrap_or(0.0);
        let removed = node["Rows Removed by Filter"].as_f64().unwrap_or(0.0);
        let read = (rows + removed) * loops;
        // Counted as entries even where the visibility map sent the scan to the table (see
        // `vacuum_analyze`): what the plan reads, not how fresh the map was.
        if bitmap || node["Node Type"] == "Index Only Scan" {
            reads.index_entries += read;
        } else {
            reads.rows += read;
        }
    }
    for child in node["Plans"].as_array().into_iter().flatten() {
        count(child, reads, tables, bitmaps);
    }
}

/// `VACUUM ANALYZE`, as autovacuum keeps a live server: statistics, and a visibility map
/// that marks every page of `conversation_participants` all-visible, so that a person's rows
/// can be counted from an index alone and plans cost them so. VACUUM cannot mark rows newer
/// than a transaction still open somewhere in the database, and in the tests it has left
/// every page unmarked in some runs (0 of 92), which changes the plans; so it runs again,
/// for up to ten seconds, until the map is whole.
pub async fn vacuum_analyze(app: &TestApp) {
    let (client, connection) = tokio_postgres::connect(app.database.url(), tokio_postgres::NoTls)
        .await
        .expect("a connection");
    tokio::spawn(connection);
    for _ in 0..100 {
        client
            .batch_execute("VACUUM ANALYZE")
            .await
            .expect("vacuum");
        let row = client
            .query_one(
                "SELECT relpages, relallvisible FROM pg_class \
                 WHERE relname = 'conversation_participants'",
                &[],
            )
            .await
            .expect("the map's size");
        let (pages, visible): (i32, i32) = (row.get(0), row.get(1));
        if visible >= pages {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("VACUUM left pages of conversation_participants unmarked for ten seconds");
}
