//! Turning rows into the wire types the API answers with.

use confidant_openapi::people::{OpenInvitation, Person as PersonView, PersonKind};

use diesel::QueryResult;
use diesel_async::AsyncPgConnection;

use crate::db::models::email_change::EmailChange;
use crate::db::models::invitation::Invitation;
use crate::db::models::person::Person;
use crate::db::models::practice::Practice;

/// A person as staff see them (with account state and, for clients, providers).
pub async fn person(conn: &mut AsyncPgConnection, row: &Person) -> QueryResult<PersonView> {
    people(conn, std::slice::from_ref(row))
        .await?
        .pop()
        .ok_or(diesel::result::Error::NotFound)
}

/// A page of people, with account and invitation state and providers, loaded in a few
/// queries for the whole page.
pub async fn people(conn: &mut AsyncPgConnection, rows: &[Person]) -> QueryResult<Vec<PersonView>> {
    let Some(first) = rows.first() else {
        return Ok(Vec::new());
    };
    let ids: Vec<_> = rows.iter().map(|row| row.id).collect();
    let with_accounts: std::collections::HashSet<_> = Person::with_portal_accounts(conn, &ids)
        .await?
        .into_iter()
        .collect();
    let client_ids: Vec<_> = rows
        .iter()
        .filter(|row| row.kind() == PersonKind::Client)
        .map(|row| row.id)
        .collect();
    let mut pending: std::collections::HashMap<_, _> = EmailChange::pending_of(conn, &ids)
        .await?
        .into_iter()
        .collect();
    let mut invitations: std::collections::HashMap<_, _> = Invitation::open_of(conn, &ids)
        .await?
        .into_iter()
        .map(|(person, sent_at, expires_at)| {
            (
                person,
                OpenInvitation {
                    sent_at,
                    expires_at,
                },
            )
        })
        .collect();
    let mut providers: std::collections::HashMap<_, Vec<_>> = std::collections::HashMap::new();
    for (client, provider) in Person::provider_pairs(conn, first.practice_id, &client_ids).await? {
        providers.entry(client).or_default().push(provider);
    }
    Ok(rows
        .iter()
        .map(|row| PersonView {
            id: row.id,
            kind: row.kind(),
            name: row.name.clone(),
            email: row.email.clone(),
            role: row.role(),
            status: row.status(),
            provider_ids: (row.kind() == PersonKind::Client)
                .then(|| providers.remove(&row.id).unwrap_or_default()),
            pending_email: pending.remove(&row.id),
            has_portal_account: with_accounts.contains(&row.id),
            invitation: invitations.remove(&row.id),
            created_at: row.created_at,
        })
        .collect())
}

/// A practice as its people see it.
pub fn practice(row: Practice) -> confidant_openapi::me::Practice {
    confidant_openapi::me::Practice {
        id: row.id,
        name: row.name,
        combine_notifications: row.combine_notifications,
        require_staff_mfa: row.require_staff_mfa,
    }
}
