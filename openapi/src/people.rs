//! Staff and clients of a practice.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

/// Staff member or client.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PersonKind {
    /// Works at the practice.
    Staff,
    /// Is cared for by the practice.
    Client,
}

/// What a staff member may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Runs the practice; everything an admin can do.
    Owner,
    /// Manages people, invitations and groups.
    Admin,
    /// A clinician, with assigned clients ("my clients").
    Provider,
    /// Other staff (front desk, billing).
    Staff,
}

/// A person's standing with the practice. Clients are `active`, `inactive` or `archived`;
/// staff are `active` or `deactivated`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PersonStatus {
    /// Can send and receive messages (clients and staff).
    Active,
    /// A client who can sign in and read, but not send.
    Inactive,
    /// No longer a client; can sign in and read, but not send.
    Archived,
    /// A staff member who left: cannot sign in, is not offered as a recipient and belongs to
    /// no staff group; their past messages stay, with their name.
    Deactivated,
}

/// A staff member or client, as staff see them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Person {
    /// The person's id.
    pub id: Uuid,
    /// Staff or client.
    pub kind: PersonKind,
    /// Full name.
    pub name: String,
    /// The default email on file (notifications go here).
    pub email: String,
    /// Staff only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<Role>,
    /// Clients: `active`, `inactive` or `archived`; staff: `active` or `deactivated`.
    pub status: PersonStatus,
    /// Clients only: the assigned providers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider_ids: Option<Vec<Uuid>>,
    /// A new sign-in email that waits for the person to confirm it from that address (a link
    /// was sent there); until then `email` stays in use.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pending_email: Option<String>,
    /// Whether the person has set a password and can sign in.
    pub has_portal_account: bool,
    /// Their invitation to set a password, while one is open (sent, not used, not replaced
    /// by a newer one or ended by deactivation); past `expires_at` its link no longer works.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub invitation: Option<OpenInvitation>,
    /// When the person was added.
    pub created_at: DateTime<Utc>,
}

/// An invitation that waits to be used.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct OpenInvitation {
    /// When it was sent.
    pub sent_at: DateTime<Utc>,
    /// When its link stops working.
    pub expires_at: DateTime<Utc>,
}

/// `GET /api/v1/people` filters.
#[derive(Debug, Clone, Default, Serialize, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct PeopleQuery {
    /// Only staff or only clients.
    pub kind: Option<PersonKind>,
    /// Only people with this status (`deactivated` lists staff who left).
    pub status: Option<PersonStatus>,
    /// Name or email contains this text (case-insensitive).
    #[param(max_length = 200)]
    pub q: Option<String>,
    /// From `next_cursor` of the previous page. Opaque: a cursor this API did not issue is
    /// refused with 400.
    #[param(max_length = 512)]
    pub cursor: Option<String>,
    /// Page size, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u32>,
}

/// A page of people, in name order.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PeoplePage {
    /// This page.
    pub items: Vec<Person>,
    /// Pass as `cursor` for the next page; absent on the last page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

/// `POST /api/v1/people` (owner/admin).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"kind": "client", "name": "Jordan Lee", "email": "jordan.lee@example.com", "provider_ids": ["0190a5c4-7d1e-7c3a-9f4e-2b8d6a1c0e57"]}))]
pub struct CreatePersonRequest {
    /// Staff or client.
    pub kind: PersonKind,
    /// Full name, 1 to 200 characters.
    #[schema(min_length = 1, max_length = 200, pattern = r"\S")]
    pub name: String,
    /// Default email on file.
    #[schema(format = Email, max_length = 254)]
    pub email: String,
    /// Staff only (required for staff).
    #[serde(default)]
    pub role: Option<Role>,
    /// Clients only: assigned providers (at most 50).
    #[serde(default)]
    #[schema(max_items = 50)]
    pub provider_ids: Option<Vec<Uuid>>,
}

/// `PATCH /api/v1/people/{id}` (owner/admin). Absent fields stay as they are.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"name": "Jordan Lee-Park", "status": "inactive"}))]
pub struct UpdatePersonRequest {
    /// New name, 1 to 200 characters.
    #[serde(default)]
    #[schema(min_length = 1, max_length = 200, pattern = r"\S")]
    pub name: Option<String>,
    /// New default email on file. For someone with a portal account it is also the sign-in
    /// name, and waits for confirmation from the new address (see `pending_email`).
    #[serde(default)]
    #[schema(format = Email, max_length = 254)]
    pub email: Option<String>,
    /// Staff only.
    #[serde(default)]
    pub role: Option<Role>,
    /// Clients: `active`, `inactive` or `archived`. Staff (by an owner or admin, not
    /// themselves): `deactivated` ends every session at once and refuses sign-in, `active`
    /// lets them sign in again. The last active owner cannot be deactivated.
    #[serde(default)]
    pub status: Option<PersonStatus>,
    /// Clients only: replaces the assigned providers (at most 50).
    #[serde(default)]
    #[schema(max_items = 50)]
    pub provider_ids: Option<Vec<Uuid>>,
}

/// The answer to `POST /api/v1/people/{id}/invitation`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct InvitationSent {
    /// The invitation's id.
    pub id: Uuid,
    /// When the link stops working.
    pub expires_at: DateTime<Utc>,
}

/// The lower-case names used on the wire and in the database.
macro_rules! text_names {
    ($type:ty { $($variant:ident => $text:literal),+ $(,)? }) => {
        impl $type {
            /// The name as stored and sent.
            pub fn as_str(self) -> &'static str {
                match self { $(Self::$variant => $text),+ }
            }

            /// The value for a stored name; `None` for anything else.
            pub fn parse(text: &str) -> Option<Self> {
                match text { $($text => Some(Self::$variant),)+ _ => None }
            }
        }
    };
}

text_names!(PersonKind { Staff => "staff", Client => "client" });
text_names!(Role { Owner => "owner", Admin => "admin", Provider => "provider", Staff => "staff" });
text_names!(PersonStatus {
    Active => "active",
    Inactive => "inactive",
    Archived => "archived",
    Deactivated => "deactivated"
});

impl PersonStatus {
    /// Whether a person of `kind` may have this status.
    pub fn fits(self, kind: PersonKind) -> bool {
        match kind {
            PersonKind::Staff => matches!(self, Self::Active | Self::Deactivated),
            PersonKind::Client => !matches!(self, Self::Deactivated),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_match_serde() {
        for role in [Role::Owner, Role::Admin, Role::Provider, Role::Staff] {
            let json = serde_json::to_string(&role).expect("json");
            assert_eq!(json, format!("\"{}\"", role.as_str()));
            assert_eq!(Role::parse(role.as_str()), Some(role));
        }
        for status in [
            PersonStatus::Active,
            PersonStatus::Inactive,
            PersonStatus::Archived,
        ] {
            assert_eq!(PersonStatus::parse(status.as_str()), Some(status));
        }
        assert_eq!(PersonKind::parse("client"), Some(PersonKind::Client));
        assert_eq!(PersonKind::parse("admin"), None);
    }
}
