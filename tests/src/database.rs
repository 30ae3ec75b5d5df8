//! Fresh databases for tests.
//!
//! The first test of a run migrates a template database; every test then gets
//! `CREATE DATABASE … TEMPLATE …` (about a tenth of a second). The server is the one named by
//! `TEST_DATABASE_URL` when set (any database on it; tests create their own beside it), else a
//! private cluster started for this test process and removed when it exits — so tests pass
//! whether or not a PostgreSQL already listens on 5432.

use std::time::{SystemTime, UNIX_EPOCH};

use confidant::config::DatabaseUrl;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use local_postgres::LocalPostgres;
use tokio::sync::OnceCell;

/// The server the tests use and the migrated template on it.
struct Server {
    /// `postgres://…/` without a database name.
    base: String,
    template: String,
}

static SERVER: OnceCell<Server> = OnceCell::const_new();

/// A database that exists for one test.
#[derive(Debug)]
pub struct TestDatabase {
    name: String,
    url: String,
    admin_url: String,
}

impl TestDatabase {
    /// Creates a fresh, migrated database.
    pub async fn create() -> Self {
        let server = SERVER.get_or_init(start_server).await;
        let name = format!("confidant_test_{}", uuid::Uuid::new_v4().simple());
        let admin_url = format!("{}postgres", server.base);
        let mut admin = connect(&admin_url).await;
        diesel::sql_query(format!(
            "CREATE DATABASE \"{name}\" TEMPLATE \"{}\"",
            server.template
        ))
        .execute(&mut admin)
        .await
        .expect("create the test database");
        Self {
            url: format!("{}{name}", server.base),
            name,
            admin_url,
        }
    }

    /// The database's URL.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The database's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Drops the database while the server still uses it, to test how outages look.
    /// `FORCE` ends the server's pooled connections.
    pub async fn destroy_now(&self) {
        let mut admin = connect(&self.admin_url).await;
        diesel::sql_query(format!("DROP DATABASE \"{}\" WITH (FORCE)", self.name))
            .execute(&mut admin)
            .await
            .expect("drop the test database");
    }

    /// A new connection to this database, for looking behind the API.
    pub async fn connect(&self) -> AsyncPgConnection {
        connect(&self.url).await
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        // Drop cannot await, and the test's runtime may be shutting down: drop the database
        // from a thread with a runtime of its own. FORCE ends the server's pooled connections.
        let sql = format!("DROP DATABASE IF EXISTS \"{}\" WITH (FORCE)", self.name);
        let admin_url = self.admin_url.clone();
        let dropped = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("a runtime to drop the test database");
            runtime.block_on(async {
                let mut admin = connect(&admin_url).await;
                diesel::sql_query(sql).execute(&mut admin).await
            })
        })
        .join();
        if let Ok(Err(error)) = dropped {
            eprintln!("could not drop test database {}: {error}", self.name);
        }
    }
}

async fn connect(url: &str) -> AsyncPgConnection {
    AsyncPgConnection::establish(url)
        .await
        .unwrap_or_else(|error| panic!("connect to the test PostgreSQL: {error}"))
}

async fn start_server() -> Server {
    let base = match std::env::var("TEST_DATABASE_URL")
        .ok()
        .filter(|url| !url.is_empty())
    {
        Some(url) => server_base(&url),
        None => start_private_cluster(),
    };
    let template = format!("confidant_template_{}_{}", std::process::id(), nanos());
    let admin_url = format!("{base}postgres");
    let mut admin = connect(&admin_url).await;
    diesel::sql_query(format!("CREATE DATABASE \"{template}\""))
        .execute(&mut admin)
        .await
        .expect("create the template database");
    let template_url =
        DatabaseUrl::parse(&format!("{base}{template}")).expect("a valid template URL");
    confidant::db::run_migrations(&template_url)
        .await
        .expect("migrate the template database");
    // Mark it as a template so that it can be cloned while nobody is connected, and is
    // easy to recognise and remove on a shared server.
    diesel::sql_query(format!(
        "UPDATE pg_database SET datistemplate = true WHERE datname = '{template}'"
    ))
    .execute(&mut admin)
    .await
    .expect("mark the template");
    Server { base, template }
}

/// `postgres://user@host:port/db?x` → `postgres://user@host:port/`.
fn server_base(url: &str) -> String {
    let without_query = url.split('?').next().unwrap_or(url);
    match without_query.rfind('/') {
        Some(slash) if slash > "postgres://".len() => without_query[..=slash].to_owned(),
        _ => format!("{without_query}/"),
    }
}

fn start_private_cluster() -> String {
    let dir = std::env::temp_dir().join(format!(
        "confidant-test-pg-{}-{}",
        std::process::id(),
        nanos()
    ));
    let port = local_postgres::free_port().expect("a free port for PostgreSQL");
    let cluster = LocalPostgres::new(dir, port).unwrap_or_else(|error| panic!("{error}"));
    cluster
        .init_if_needed()
        .unwrap_or_else(|error| panic!("initdb for the test cluster: {error}"));
    cluster
        .start()
        .unwrap_or_else(|error| panic!("start the test cluster: {error}"));
    cluster
        .remove_when_process_ends(std::process::id())
        .unwrap_or_else(|error| panic!("watch the test cluster: {error}"));
    format!("postgres://postgres@127.0.0.1:{port}/")
}

fn nanos() -> u128 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::server_base;

    #[test]
    fn server_base_strips_database_and_query() {
        assert_eq!(
            server_base("postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"),
            "postgres://postgres@127.0.0.1:5432/"
        );
        assert_eq!(
            server_base("postgres://u:p@db:5432"),
            "postgres://u:p@db:5432/"
        );
    }
}
