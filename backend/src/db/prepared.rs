//! Statements whose SQL text never changes, prepared once per connection.
//!
//! diesel keeps a connection's prepared statement only when it can prove the text is the same
//! on every call. It cannot for hand-written SQL (`sql_query`), nor for any `UPDATE` (a
//! changeset may skip `None` fields) or upsert, so each of those costs a parse on the server
//! every time it runs — on the hottest paths: a reply's participant update, the jobs' insert
//! and claim, a `LATERAL` join diesel cannot write. [`Prepared`] is for the statements whose
//! text we know is constant: [`Prepared::sql`] takes only a `&'static str`, and
//! [`Prepared::fixed`] a diesel statement without optional parts. The statement cache then keys
//! them by their text and bind types. Written here because diesel offers no such switch; it
//! wraps diesel's own statements and `bind`.

use diesel::QueryResult;
use diesel::pg::Pg;
use diesel::query_builder::{AstPass, BoxedSqlQuery, Query, QueryFragment, QueryId, SqlQuery};
use diesel::serialize::ToSql;
use diesel::sql_types::HasSqlType;

/// A statement with a constant text; run it with diesel-async's `RunQueryDsl` as the statement
/// it wraps (`execute`, `load`, `get_result`).
#[must_use = "a statement runs only when executed or loaded"]
pub struct Prepared<Q>(Q);

impl<'f> Prepared<BoxedSqlQuery<'f, Pg, SqlQuery>> {
    /// Hand-written SQL whose text never changes (hence `'static`); load its rows as
    /// `QueryableByName`.
    pub fn sql(text: &'static str) -> Self {
        Self(diesel::sql_query(text).into_boxed())
    }

    /// Binds the next `$n` parameter, of SQL type `ST`.
    pub fn bind<ST, V>(self, value: V) -> Self
    where
        Pg: HasSqlType<ST>,
        ST: Send + 'f,
        V: ToSql<ST, Pg> + Send + 'f,
    {
        Self(self.0.bind::<ST, V>(value))
    }
}

impl<Q> Prepared<Q> {
    /// A diesel statement whose text is the same on every call: no `Option` fields in its
    /// changeset or values, no batch of varying size, no `sql()` fragment built at run time.
    /// (Checked by nothing but this promise: a varying text would fill the connection's
    /// statement cache.)
    pub fn fixed(statement: Q) -> Self {
        Self(statement)
    }
}

impl<Q: QueryId> QueryId for Prepared<Q> {
    type QueryId = Q::QueryId;
    const HAS_STATIC_QUERY_ID: bool = Q::HAS_STATIC_QUERY_ID;
}

impl<Q: QueryFragment<Pg>> QueryFragment<Pg> for Prepared<Q> {
    fn walk_ast<'b>(&'b self, out: AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        self.0.walk_ast(out)
    }

    fn is_safe_to_cache_prepared(&self, _backend: &Pg) -> QueryResult<bool> {
        // Constant by construction (`sql`) or by the caller's promise (`fixed`).
        Ok(true)
    }
}

impl<Q: Query> Query for Prepared<Q> {
    type SqlType = Q::SqlType;
}
