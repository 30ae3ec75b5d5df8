//! Setting practices up from the command line: a new practice with its owner.

use confidant_openapi::auth::{MAX_PASSWORD_LEN, MIN_PASSWORD_LEN};
use diesel::result::{DatabaseErrorKind, Error as DieselError};
use diesel_async::AsyncConnection;
use serde::Serialize;
use uuid::Uuid;
use validator::ValidateEmail;

use crate::auth::password;
use crate::db::DbPool;
use crate::db::models::person::{NewPerson, NewPortalAccount, Person};
use crate::db::models::practice::{NewPractice, Practice};

/// What `create-practice` needs.
pub struct PracticeSetup {
    /// The practice's name.
    pub name: String,
    /// The owner's full name.
    pub owner_name: String,
    /// The owner's email (their sign-in).
    pub owner_email: String,
    /// The owner's password.
    pub owner_password: String,
}

/// The new ids, printed as JSON.
#[derive(Debug, Serialize)]
pub struct CreatedPractice {
    /// The practice.
    pub practice_id: Uuid,
    /// Its owner (a staff member with role `owner` and a portal account).
    pub owner_id: Uuid,
}

/// Why a practice could not be created, in one line.
#[derive(Debug, thiserror::Error)]
pub enum SetupError {
    /// An argument is not acceptable.
    #[error("{0}")]
    Invalid(String),
    /// The email already signs in to Confidant.
    #[error("an account with this owner email exists already")]
    EmailTaken,
    /// Something else failed.
    #[error("creating the practice failed: {0}")]
    Failed(String),
}

impl PracticeSetup {
    fn check(&self) -> Result<(String, String, String), SetupError> {
        let name = self.name.trim().to_owned();
        let owner_name = self.owner_name.trim().to_owned();
        let email = self.owner_email.trim().to_lowercase();
        if name.is_empty() || name.chars().count() > 200 {
            return Err(SetupError::Invalid(
                "--name must have 1 to 200 characters".into(),
            ));
        }
        if owner_name.is_empty() || owner_name.chars().count() > 200 {
            return Err(SetupError::Invalid(
                "--owner-name must have 1 to 200 characters".into(),
            ));
        }
        if !email.validate_email() {
            return Err(SetupError::Invalid(
                "--owner-email is not a valid email address".into(),
            ));
        }
        let length = self.owner_password.chars().count();
        if !(MIN_PASSWORD_LEN..=MAX_PASSWORD_LEN).contains(&length) {
            return Err(SetupError::Invalid(format!(
                "--owner-password must have {MIN_PASSWORD_LEN} to {MAX_PASSWORD_LEN} characters"
            )));
        }
        Ok((name, owner_name, email))
    }
}

/// Creates the practice, its owner and the owner's portal account in one transaction.
pub async fn create_practice(
    pool: &DbPool,
    setup: PracticeSetup,
) -> Result<CreatedPractice, SetupError> {
    let (name, owner_name, email) = setup.check()?;
    let hash = password::hash(setup.owner_password)
        .await
        .map_err(|error| SetupError::Failed(error.to_string()))?;
    let mut conn = pool
        .get()
        .await
        .map_err(|error| SetupError::Failed(error.to_string()))?;
    conn.transaction(async |conn| {
        let practice = Practice::insert(
            conn,
            &NewPractice {
                id: Uuid::now_v7(),
                name: &name,
            },
        )
        .await?;
        let owner = Person::insert(
            conn,
            &NewPerson {
                id: Uuid::now_v7(),
                practice_id: practice.id,
                kind: "staff",
                name: &owner_name,
                email: &email,
                role: Some("owner"),
                status: None,
                security_stamp: Uuid::new_v4(),
            },
        )
        .await?;
        NewPortalAccount {
            person_id: owner.id,
            practice_id: practice.id,
            email: &email,
            password_hash: &hash,
        }
        .upsert(conn)
        .await?;
        Ok::<_, DieselError>(CreatedPractice {
            practice_id: practice.id,
            owner_id: owner.id,
        })
    })
    .await
    .map_err(|error| match error {
        DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, _) => SetupError::EmailTaken,
        other => SetupError::Failed(crate::error::log_safe(&other)),
    })
}
