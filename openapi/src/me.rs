//! The signed-in person.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::people::Person;

/// A practice (the tenant).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Practice {
    /// The practice's id.
    pub id: Uuid,
    /// Its name, as shown to its people and in emails.
    pub name: String,
}

/// `GET /api/v1/me`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Me {
    /// The signed-in person.
    pub person: Person,
    /// Their practice.
    pub practice: Practice,
}
