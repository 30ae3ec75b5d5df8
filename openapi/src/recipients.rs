//! The To-picker directory: what the caller may address.

use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::people::PersonKind;

/// One entry the caller may put in "To". There is deliberately no "all clients" entry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Recipient {
    /// One person.
    Person {
        /// The person's id.
        id: Uuid,
        /// Their name.
        name: String,
        /// Staff or client.
        kind: PersonKind,
    },
    /// A staff group, expanded to its members when sending.
    StaffGroup {
        /// The group's id.
        id: Uuid,
        /// Its name.
        name: String,
    },
    /// Every staff member of the practice at the moment of sending.
    AllStaff,
}

/// `GET /api/v1/recipients` filters.
#[derive(Debug, Clone, Default, Serialize, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct RecipientsQuery {
    /// Name contains this text (case-insensitive).
    #[param(max_length = 200)]
    pub q: Option<String>,
    /// At most this many entries, 1 to 100 (default 20).
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<u32>,
}

/// `GET /api/v1/recipients`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct RecipientList {
    /// Groups and "All staff" first, then people in name order.
    pub items: Vec<Recipient>,
}
