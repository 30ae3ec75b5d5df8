//! What PostgreSQL reads to run a folder page, under both kinds of plan it may choose.
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
/// [`confidant::db::models::conversation::page_sql`]).
pub struct PageValues {
    pub caller: Uuid,
    /// The page's `LIMIT` (one more than the page, as the server asks).
    pub limit: i64,
    pub with: Option<Uuid>,
    pub sees_all: bool,
    pub blast_threads: bool,
}

/// The rows PostgreSQL read from `conversation_participants` to run the page text `sql` with
/// `values` under `plan`: each scan's rows (over its loops) and those its filter dropped,
/// from `EXPLAIN ANALYZE`.
pub async fn participant_rows_read(
    app: &TestApp,
    sql: &str,
    values: &PageValues,
    plan: Plan,
) -> f64 {
    fn walk(node: &Value, total: &mut f64) {
        if node["Relation Name"] == "conversation_participants" {
            let loops = node["Actual Loops"].as_f64().unwrap_or(1.0);
            let rows = node["Actual Rows"].as_f64().unwrap_or(0.0);
            let removed = node["Rows Removed by Filter"].as_f64().unwrap_or(0.0);
            *total += rows * loops + removed;
        }
        for child in node["Plans"].as_array().into_iter().flatten() {
            walk(child, total);
        }
    }
    let (client, connection) = tokio_postgres::connect(app.database.url(), tokio_postgres::NoTls)
        .await
        .expect("a connection");
    tokio::spawn(connection);
    let mode = match plan {
        Plan::Custom => "force_custom_plan",
        Plan::Generic => "force_generic_plan",
    };
    // Typed as the server binds them: a text that leaves a parameter out still runs.
    client
        .batch_execute(&format!(
            "SET plan_cache_mode = {mode}; \
             PREPARE page (uuid, int8, uuid, bool, bool) AS {sql}"
        ))
        .await
        .expect("the statement");
    let with = values
        .with
        .map_or_else(|| "NULL".to_owned(), |id| format!("'{id}'"));
    let explain = format!(
        "EXPLAIN (ANALYZE, FORMAT JSON) EXECUTE page ('{}', {}, {with}, {}, {})",
        values.caller, values.limit, values.sees_all, values.blast_threads
    );
    let row = client.query_one(&explain, &[]).await.expect("a plan");
    let plan: Value = row.get(0);
    let mut total = 0.0;
    walk(&plan[0]["Plan"], &mut total);
    total
}
