//! `/api/v1/audit-events`: the practice's audit trail for its owners and admins
//! (R-AUDIT-READ), as pages of JSON or as one CSV file streamed a chunk at a time.

use actix_web::http::header::{self, ContentDisposition, DispositionParam, DispositionType};
use actix_web::{HttpResponse, get, web};
use bytes::Bytes;
use confidant_openapi::Problem;
use confidant_openapi::audit::{AuditEvent as AuditEventView, AuditEventPage, AuditQuery};
use futures_util::StreamExt;
use uuid::Uuid;

use crate::auth::CurrentPerson;
use crate::db::models::audit::{self, AuditAction, AuditFilter, AuditRow};
use crate::error::{ApiError, field_error};
use crate::extract::ApiQuery;
use crate::pagination;
use crate::state::AppState;

/// Rows read per database round trip while exporting.
const EXPORT_CHUNK: i64 = 1000;

fn filter_of(query: &AuditQuery) -> Result<AuditFilter, ApiError> {
    let action = match query.action.as_deref() {
        Some(name) => Some(
            AuditAction::parse(name)
                .ok_or_else(|| field_error("action", "Is not an action the trail records."))?
                .as_str(),
        ),
        None => None,
    };
    if let (Some(from), Some(to)) = (query.from, query.to)
        && from > to
    {
        return Err(field_error("to", "Must not be before `from`."));
    }
    Ok(AuditFilter {
        actor_id: query.actor_id,
        target_id: query.target_id,
        action,
        from: query.from,
        to: query.to,
        before: None,
    })
}

fn view(row: AuditRow) -> AuditEventView {
    AuditEventView {
        id: row.id,
        created_at: row.created_at,
        action: row.action,
        actor_id: row.actor_id,
        actor_name: row.actor_name,
        target_type: row.target_type,
        target_id: row.target_id,
        source_address: row.source_address,
        details: row.details,
    }
}

/// Read the practice's audit trail (owner/admin), newest first: sign-ins and failed
/// sign-ins, who read which thread and downloaded which file, password resets, MFA changes,
/// session ends, staff deactivation, people and practice changes, deletions. Ids and source
/// addresses only, never message content.
#[utoipa::path(
    tag = "audit",
    security(("bearer" = [])),
    params(AuditQuery),
    responses(
        (status = 200, description = "A page of the trail", body = AuditEventPage),
        (status = 403, description = "Not an owner or admin", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/audit-events")]
pub async fn list_audit_events(
    state: web::Data<AppState>,
    me: CurrentPerson,
    query: ApiQuery<AuditQuery>,
) -> Result<web::Json<AuditEventPage>, ApiError> {
    me.require_admin()?;
    let query = query.into_inner();
    let limit = pagination::page_size(query.limit, 50, 200)?;
    let mut filter = filter_of(&query)?;
    filter.before = query
        .cursor
        .as_deref()
        .map(pagination::decode::<(chrono::DateTime<chrono::Utc>, Uuid)>)
        .transpose()?;
    let mut conn = state.conn().await?;
    let mut rows = audit::page(&mut conn, me.practice_id(), &filter, limit + 1).await?;
    let next_cursor = if rows.len() as i64 > limit {
        rows.truncate(limit as usize);
        rows.last()
            .map(|row| pagination::encode(&(row.created_at, row.id)))
    } else {
        None
    };
    Ok(web::Json(AuditEventPage {
        items: rows.into_iter().map(view).collect(),
        next_cursor,
    }))
}

/// Download the practice's audit trail as CSV (owner/admin), newest first, with the same
/// filters as the list (`cursor` and `limit` do not apply). The file is streamed as it is
/// read, so a long trail does not wait or fill memory. Columns: `time`, `action`,
/// `actor_id`, `actor_name`, `target_type`, `target_id`, `source_address`, `details`
/// (JSON). The export itself is recorded.
#[utoipa::path(
    tag = "audit",
    security(("bearer" = [])),
    params(AuditQuery),
    responses(
        (status = 200, description = "The trail as CSV", content_type = "text/csv", body = String, headers(
            ("Content-Disposition" = String, description = "`attachment; filename=\"audit-trail.csv\"`"),
        )),
        (status = 403, description = "Not an owner or admin", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/audit-events/export")]
pub async fn export_audit_events(
    state: web::Data<AppState>,
    me: CurrentPerson,
    query: ApiQuery<AuditQuery>,
) -> Result<HttpResponse, ApiError> {
    me.require_admin()?;
    let query = query.into_inner();
    let filter = filter_of(&query)?;
    {
        let mut conn = state.conn().await?;
        me.audit(AuditAction::AuditExported)
            .details(serde_json::json!({
                "actor_id": query.actor_id,
                "target_id": query.target_id,
                "action": filter.action,
                "from": query.from,
                "to": query.to,
            }))
            .record(&mut conn)
            .await?;
    }
    let practice_id = me.practice_id();
    let header_row = csv_bytes(&[[
        "time",
        "action",
        "actor_id",
        "actor_name",
        "target_type",
        "target_id",
        "source_address",
        "details",
    ]
    .map(str::to_owned)]);
    // The state of the stream: the filter moving through the trail, or `None` once done.
    let chunks = futures_util::stream::unfold(Some(filter), move |filter| {
        let state = state.clone();
        async move {
            let mut filter = filter?;
            let rows = match state.conn().await {
                Ok(mut conn) => audit::page(&mut conn, practice_id, &filter, EXPORT_CHUNK).await,
                Err(_) => {
                    tracing::error!("the audit export lost its database connection");
                    return Some((Err(std::io::Error::other("database unavailable")), None));
                }
            };
            let rows = match rows {
                Ok(rows) => rows,
                Err(error) => {
                    tracing::error!(cause = %error, "the audit export failed to read");
                    return Some((Err(std::io::Error::other("read failed")), None));
                }
            };
            if rows.is_empty() {
                return None;
            }
            let done = (rows.len() as i64) < EXPORT_CHUNK;
            filter.before = rows.last().map(|row| (row.created_at, row.id));
            let bytes = csv_bytes(&rows.into_iter().map(csv_record).collect::<Vec<_>>());
            Some((Ok(bytes), (!done).then_some(filter)))
        }
    });
    let body = futures_util::stream::once(async move { Ok::<_, std::io::Error>(header_row) })
        .chain(chunks);
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header(ContentDisposition {
            disposition: DispositionType::Attachment,
            parameters: vec![DispositionParam::Filename("audit-trail.csv".into())],
        })
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .streaming(body))
}

/// One CSV line per record.
fn csv_bytes<const N: usize>(records: &[[String; N]]) -> Bytes {
    let mut writer = csv::Writer::from_writer(Vec::new());
    for record in records {
        // Writing to memory cannot fail.
        let _ = writer.write_record(record);
    }
    Bytes::from(writer.into_inner().unwrap_or_default())
}

fn csv_record(row: AuditRow) -> [String; 8] {
    let text = |value: Option<Uuid>| value.map(|id| id.to_string()).unwrap_or_default();
    [
        row.created_at.to_rfc3339(),
        row.action,
        text(row.actor_id),
        spreadsheet_safe(row.actor_name.unwrap_or_default()),
        row.target_type.unwrap_or_default(),
        text(row.target_id),
        row.source_address.unwrap_or_default(),
        row.details.to_string(),
    ]
}

/// A name a spreadsheet would read as a formula (`=…`, `+…`, `-…`, `@…`) is prefixed with
/// an apostrophe, so opening the export runs nothing.
fn spreadsheet_safe(text: String) -> String {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{text}")
    } else {
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_that_look_like_formulas_are_defused() {
        assert_eq!(
            spreadsheet_safe("=HYPERLINK(\"x\")".into()),
            "'=HYPERLINK(\"x\")"
        );
        assert_eq!(spreadsheet_safe("Olive Reyes".into()), "Olive Reyes");
    }

    #[test]
    fn fields_with_commas_and_quotes_are_quoted() {
        let bytes = csv_bytes(&[["a,b".to_owned(), "say \"hi\"".to_owned()]]);
        assert_eq!(&bytes[..], b"\"a,b\",\"say \"\"hi\"\"\"\n");
    }
}
