//! Setting practices up from the command line: a new practice with its owner
//! (`create-practice`), and a demo practice with staff, clients and groups (`seed-demo`).

use std::collections::HashMap;

use confidant_openapi::auth::{MAX_PASSWORD_LEN, MIN_PASSWORD_LEN};
use confidant_openapi::people::{PersonKind, PersonStatus, Role};
use diesel::prelude::*;
use diesel::result::Error as DieselError;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use futures_util::{StreamExt, TryStreamExt};
use serde::Serialize;
use uuid::Uuid;

mod demo_story;

use crate::attachments::FileStore;
use crate::auth::password;
use crate::db::DbPool;
use crate::db::models::person::{NewPerson, NewPortalAccount, Person, SignInRecord};
use crate::db::models::practice::{NewPractice, Practice};
use crate::db::models::staff_group::StaffGroup;
use crate::db::schema::practices;
use crate::error::is_unique_violation;

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
        // The same rule as the API's `format: email` (its validator uses this crate too).
        if !email_address::EmailAddress::is_valid(&email) {
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
        insert_practice_with_owner(conn, &name, &owner_name, &email, &hash).await
    })
    .await
    .map_err(|error| {
        if is_unique_violation(&error) {
            SetupError::EmailTaken
        } else {
            SetupError::Failed(crate::error::log_safe(&error))
        }
    })
}

/// Inserts a practice, its owner and the owner's portal account on `conn` (the caller holds
/// the transaction, so that `seed-demo` can add the rest of the demo practice in the same one).
async fn insert_practice_with_owner(
    conn: &mut AsyncPgConnection,
    name: &str,
    owner_name: &str,
    email: &str,
    hash: &str,
) -> Result<CreatedPractice, DieselError> {
    let practice = Practice::insert(
        conn,
        &NewPractice {
            id: Uuid::now_v7(),
            name,
        },
    )
    .await?;
    let owner = Person::insert(
        conn,
        &NewPerson {
            id: Uuid::now_v7(),
            practice_id: practice.id,
            kind: "staff",
            name: owner_name,
            email,
            role: Some("owner"),
            status: PersonStatus::Active.as_str(),
            security_stamp: Uuid::new_v4(),
        },
    )
    .await?;
    NewPortalAccount {
        person_id: owner.id,
        practice_id: practice.id,
        email,
        password_hash: hash,
    }
    .upsert(conn)
    .await?;
    Ok(CreatedPractice {
        practice_id: practice.id,
        owner_id: owner.id,
    })
}

// ---------------------------------------------------------------------------------------------
// The demo practice (`confidant seed-demo`).

/// The demo practice's name; together with [`DEMO_OWNER_EMAIL`] it identifies the practice
/// when `seed-demo` runs again.
pub const DEMO_PRACTICE_NAME: &str = "Riverbend Counseling";

/// The password of every demo account. It is printed and documented on purpose: the demo
/// practice is for development and demonstrations, never for real people's data.
pub const DEMO_PASSWORD: &str = "demo-password-2026";

/// The demo owner's sign-in; `.example` is reserved (RFC 2606), so no mail can reach anyone.
pub const DEMO_OWNER_EMAIL: &str = "olive@riverbend.example";

/// One demo person: fixed, so that a second run can print the same list without storing the
/// password anywhere.
struct DemoSeedPerson {
    name: &'static str,
    email: &'static str,
    /// Staff: their role.
    role: Option<Role>,
    /// Clients: their status and their providers' emails.
    client: Option<(PersonStatus, &'static [&'static str])>,
}

const fn staff(name: &'static str, email: &'static str, role: Role) -> DemoSeedPerson {
    DemoSeedPerson {
        name,
        email,
        role: Some(role),
        client: None,
    }
}

const fn client(
    name: &'static str,
    email: &'static str,
    status: PersonStatus,
    providers: &'static [&'static str],
) -> DemoSeedPerson {
    DemoSeedPerson {
        name,
        email,
        role: None,
        client: Some((status, providers)),
    }
}

const OLIVE: &str = DEMO_OWNER_EMAIL;
const JUNIPER: &str = "juniper@riverbend.example";
const FELIX: &str = "felix@riverbend.example";
const PENNY: &str = "penny@riverbend.example";
const ARTHUR: &str = "arthur@riverbend.example";
const ROWAN: &str = "rowan@riverbend.example";
const SAGE: &str = "sage@riverbend.example";
const QUINN: &str = "quinn@riverbend.example";
const ROBIN: &str = "robin@riverbend.example";
const CASEY: &str = "casey@riverbend.example";
const JORDAN: &str = "jordan@riverbend.example";
const RILEY: &str = "riley@riverbend.example";
const TAYLOR: &str = "taylor@riverbend.example";
const ALEX: &str = "alex@riverbend.example";
const MORGAN: &str = "morgan@riverbend.example";
const DREW: &str = "drew@riverbend.example";
const EMERY: &str = "emery@riverbend.example";
const AVERY: &str = "avery@riverbend.example";
const SAM: &str = "sam@riverbend.example";

/// Everyone in the demo practice, the owner first (created by the same code as
/// `create-practice`), then the other staff, then the clients.
const DEMO_PEOPLE: [DemoSeedPerson; 17] = [
    staff("Olive Brookstone", DEMO_OWNER_EMAIL, Role::Owner),
    staff("Arthur Pennywhistle", ARTHUR, Role::Admin),
    staff("Dr. Juniper Vale", JUNIPER, Role::Provider),
    staff("Dr. Felix Marlowe", FELIX, Role::Provider),
    staff("Penny Ledger", PENNY, Role::Staff),
    client("Rowan Alder", ROWAN, PersonStatus::Active, &[JUNIPER]),
    client("Sage Willow", SAGE, PersonStatus::Active, &[JUNIPER]),
    client("Quinn Birch", QUINN, PersonStatus::Active, &[JUNIPER]),
    client("Robin Hazel", ROBIN, PersonStatus::Active, &[JUNIPER]),
    client("Casey Linden", CASEY, PersonStatus::Inactive, &[JUNIPER]),
    // Seen by both clinicians (say, individual and couples sessions).
    client(
        "Jordan Cedar",
        JORDAN,
        PersonStatus::Active,
        &[JUNIPER, FELIX],
    ),
    client("Riley Aspen", RILEY, PersonStatus::Active, &[FELIX]),
    client("Taylor Maple", TAYLOR, PersonStatus::Active, &[FELIX]),
    client("Alex Hawthorn", ALEX, PersonStatus::Active, &[FELIX]),
    client("Morgan Spruce", MORGAN, PersonStatus::Active, &[FELIX]),
    client("Drew Larch", DREW, PersonStatus::Inactive, &[FELIX]),
    client("Emery Poplar", EMERY, PersonStatus::Archived, &[JUNIPER]),
];

/// The demo staff groups and their members' emails.
const DEMO_GROUPS: [(&str, &[&str]); 2] = [
    ("Front desk", &[PENNY, DEMO_OWNER_EMAIL]),
    ("Clinicians", &[JUNIPER, FELIX]),
];

/// The demo people without an account yet: `seed-demo` invites them (see
/// [`demo_story::INVITED`]), so their invitation emails are the first a newcomer sees.
const DEMO_INVITED: [DemoSeedPerson; 2] = [
    client("Avery Thornton", AVERY, PersonStatus::Active, &[JUNIPER]),
    staff("Sam Rivers", SAM, Role::Staff),
];

/// The demo practice and how to sign in to it; printed by `seed-demo` (as JSON with `--json`).
#[derive(Debug, Clone, Serialize)]
pub struct DemoPractice {
    /// The practice.
    pub practice_id: Uuid,
    /// Its name.
    pub practice_name: &'static str,
    /// Everyone in it with a portal account.
    pub people: Vec<DemoSignIn>,
    /// The people invited who have no account yet.
    pub invited: Vec<DemoInvitee>,
}

/// One demo person invited to set a password.
#[derive(Debug, Clone, Serialize)]
pub struct DemoInvitee {
    /// Full name.
    pub name: &'static str,
    /// Their email, where the invitation went.
    pub email: &'static str,
}

/// One demo person's sign-in.
#[derive(Debug, Clone, Serialize)]
pub struct DemoSignIn {
    /// Full name.
    pub name: &'static str,
    /// Sign-in email.
    pub email: &'static str,
    /// Password.
    pub password: &'static str,
    /// Staff member or client.
    pub kind: PersonKind,
    /// Staff only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub role: Option<Role>,
    /// Clients only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<PersonStatus>,
}

/// What `seed-demo` did.
#[derive(Debug)]
pub enum DemoSeed {
    /// It created the demo practice.
    Created(DemoPractice),
    /// The demo practice was there already; nothing changed.
    Existing(DemoPractice),
    /// `if_empty` was asked and the database holds other practices: nothing changed.
    Skipped {
        /// How many practices the database holds.
        practices: i64,
    },
}

impl DemoPractice {
    fn new(practice_id: Uuid) -> Self {
        Self {
            practice_id,
            practice_name: DEMO_PRACTICE_NAME,
            people: DEMO_PEOPLE
                .iter()
                .map(|person| DemoSignIn {
                    name: person.name,
                    email: person.email,
                    password: DEMO_PASSWORD,
                    kind: if person.client.is_some() {
                        PersonKind::Client
                    } else {
                        PersonKind::Staff
                    },
                    role: person.role,
                    status: person.client.map(|(status, _)| status),
                })
                .collect(),
            invited: DEMO_INVITED
                .iter()
                .map(|person| DemoInvitee {
                    name: person.name,
                    email: person.email,
                })
                .collect(),
        }
    }

    /// The sign-ins as aligned text: the practice, then one line per person (role or
    /// `client (status)`, name, email, password).
    pub fn to_text(&self) -> String {
        let rows: Vec<[String; 4]> = self
            .people
            .iter()
            .map(|person| {
                let what = match (person.role, person.status) {
                    (Some(role), _) => role.as_str().to_owned(),
                    (None, Some(status)) => format!("client ({})", status.as_str()),
                    (None, None) => "client".to_owned(),
                };
                [
                    what,
                    person.name.to_owned(),
                    person.email.to_owned(),
                    person.password.to_owned(),
                ]
            })
            .collect();
        let width = |column: usize| {
            rows.iter()
                .map(|row| row[column].chars().count())
                .max()
                .unwrap_or(0)
        };
        let (what_width, name_width, email_width) = (width(0), width(1), width(2));
        let mut text = format!(
            "{} (demo practice {}), sign-ins:\n",
            self.practice_name, self.practice_id
        );
        for [what, name, email, password] in rows {
            text.push_str(&format!(
                "  {what:<what_width$}  {name:<name_width$}  {email:<email_width$}  {password}\n"
            ));
        }
        let invited: Vec<String> = self
            .invited
            .iter()
            .map(|person| format!("{} <{}>", person.name, person.email))
            .collect();
        text.push_str(&format!(
            "  (invited, with no account yet: {}; their invitation emails are on their way)\n",
            invited.join(", ")
        ));
        text
    }
}

/// Creates the demo practice "Riverbend Counseling" in one transaction: its owner (as
/// `create-practice` does), an admin, two providers, a front-desk staff member, twelve clients
/// (mostly active, two inactive, one archived) assigned to the providers, and the staff groups
/// "Front desk" and "Clinicians". Everyone gets a portal account with [`DEMO_PASSWORD`].
///
/// Idempotent: when the demo practice exists (its owner's email signs in to a practice of that
/// name), nothing changes and the same sign-ins are returned as [`DemoSeed::Existing`]. With
/// `if_empty`, a database that holds other practices but not the demo one is left alone
/// ([`DemoSeed::Skipped`]), so that demo accounts with a public password never appear beside
/// real practices by accident.
pub async fn seed_demo(
    pool: &DbPool,
    if_empty: bool,
    files: Option<&FileStore>,
) -> Result<DemoSeed, SetupError> {
    let owner = &DEMO_PEOPLE[0];
    let (name, owner_name, owner_email) = PracticeSetup {
        name: DEMO_PRACTICE_NAME.to_owned(),
        owner_name: owner.name.to_owned(),
        owner_email: owner.email.to_owned(),
        owner_password: DEMO_PASSWORD.to_owned(),
    }
    .check()?;
    let mut conn = pool
        .get()
        .await
        .map_err(|error| SetupError::Failed(error.to_string()))?;
    match existing_demo(&mut conn).await? {
        OwnerEmail::Free => {}
        OwnerEmail::Demo(practice_id) => {
            return Ok(DemoSeed::Existing(DemoPractice::new(practice_id)));
        }
        // With `if_empty` the practice count below answers; otherwise it is an error.
        OwnerEmail::Elsewhere if if_empty => {}
        OwnerEmail::Elsewhere => return Err(owner_email_elsewhere()),
    }
    if if_empty {
        let practices: i64 = practices::table
            .count()
            .get_result(&mut conn)
            .await
            .map_err(|error| SetupError::Failed(crate::error::log_safe(&error)))?;
        if practices > 0 {
            return Ok(DemoSeed::Skipped { practices });
        }
    }

    let hashes = demo_hashes().await?;
    let created = conn
        .transaction(async |conn| {
            let practice =
                insert_practice_with_owner(conn, &name, &owner_name, &owner_email, &hashes[0])
                    .await?;
            let practice_id = practice.practice_id;
            let mut ids: HashMap<&str, Uuid> = HashMap::from([(owner.email, practice.owner_id)]);
            let people = DEMO_PEOPLE.iter().zip(hashes.iter().map(Some)).skip(1);
            let invited = DEMO_INVITED.iter().zip(std::iter::repeat(None));
            for (person, hash) in people.chain(invited) {
                let row = Person::insert(
                    conn,
                    &NewPerson {
                        id: Uuid::now_v7(),
                        practice_id,
                        kind: if person.client.is_some() {
                            PersonKind::Client.as_str()
                        } else {
                            PersonKind::Staff.as_str()
                        },
                        name: person.name,
                        email: person.email,
                        role: person.role.map(Role::as_str),
                        status: person
                            .client
                            .map_or(PersonStatus::Active, |(status, _)| status)
                            .as_str(),
                        security_stamp: Uuid::new_v4(),
                    },
                )
                .await?;
                if let Some(hash) = hash {
                    NewPortalAccount {
                        person_id: row.id,
                        practice_id,
                        email: person.email,
                        password_hash: hash,
                    }
                    .upsert(conn)
                    .await?;
                }
                ids.insert(person.email, row.id);
                if let Some((_, providers)) = person.client {
                    let provider_ids = ids_of(&ids, providers)?;
                    Person::set_providers(conn, practice_id, row.id, &provider_ids).await?;
                }
            }
            let mut groups = HashMap::new();
            for (group_name, members) in DEMO_GROUPS {
                let group = StaffGroup::insert(conn, practice_id, group_name).await?;
                let member_ids = ids_of(&ids, members)?;
                StaffGroup::set_members(conn, practice_id, group.id, &member_ids).await?;
                groups.insert(group_name, group.id);
            }
            demo_story::write(conn, practice_id, &ids, &groups, files).await?;
            Ok::<_, demo_story::StoryError>(practice_id)
        })
        .await;
    match created {
        Ok(practice_id) => Ok(DemoSeed::Created(DemoPractice::new(practice_id))),
        // Another `seed-demo` may have won a race; otherwise a demo email signs in elsewhere.
        Err(demo_story::StoryError::Database(error)) if is_unique_violation(&error) => {
            match existing_demo(&mut conn).await? {
                OwnerEmail::Demo(practice_id) => {
                    Ok(DemoSeed::Existing(DemoPractice::new(practice_id)))
                }
                OwnerEmail::Elsewhere => Err(owner_email_elsewhere()),
                OwnerEmail::Free => Err(SetupError::Invalid(
                    "an email of the demo practice (@riverbend.example) signs in to another \
                     practice already; nothing was created"
                        .into(),
                )),
            }
        }
        Err(demo_story::StoryError::Database(other)) => {
            Err(SetupError::Failed(crate::error::log_safe(&other)))
        }
        Err(other) => Err(SetupError::Failed(other.to_string())),
    }
}

/// Whom the demo owner's email signs in as.
enum OwnerEmail {
    /// Nobody: the demo practice does not exist.
    Free,
    /// The owner of the demo practice with this id.
    Demo(Uuid),
    /// Someone outside the demo practice: printing the demo password for it would be wrong.
    Elsewhere,
}

async fn existing_demo(conn: &mut AsyncPgConnection) -> Result<OwnerEmail, SetupError> {
    let failed = |error: DieselError| SetupError::Failed(crate::error::log_safe(&error));
    let Some(record) = SignInRecord::find_by_email(conn, DEMO_OWNER_EMAIL)
        .await
        .map_err(failed)?
    else {
        return Ok(OwnerEmail::Free);
    };
    let practice = Practice::find(conn, record.person.practice_id)
        .await
        .map_err(failed)?;
    Ok(
        if practice.name == DEMO_PRACTICE_NAME && record.person.role() == Some(Role::Owner) {
            OwnerEmail::Demo(practice.id)
        } else {
            OwnerEmail::Elsewhere
        },
    )
}

fn owner_email_elsewhere() -> SetupError {
    SetupError::Invalid(format!(
        "{DEMO_OWNER_EMAIL} signs in to a practice that is not the demo practice; \
         nothing was created"
    ))
}

/// One argon2id hash of [`DEMO_PASSWORD`] per demo person, in [`DEMO_PEOPLE`]'s order: each
/// with its own salt, as for any account. Two at a time, because each takes 19 MiB.
async fn demo_hashes() -> Result<Vec<String>, SetupError> {
    futures_util::stream::iter(DEMO_PEOPLE.iter())
        .map(|_| password::hash(DEMO_PASSWORD.to_owned()))
        .buffered(2)
        .try_collect()
        .await
        .map_err(|error| SetupError::Failed(error.to_string()))
}

/// The ids of the demo people with these emails. The tables above are fixed, so a miss is a
/// mistake in them (a unit test guards against it); it rolls the transaction back.
fn ids_of(ids: &HashMap<&str, Uuid>, emails: &[&str]) -> Result<Vec<Uuid>, DieselError> {
    emails
        .iter()
        .map(|email| ids.get(email).copied().ok_or(DieselError::NotFound))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_demo_tables_are_consistent() {
        let emails: Vec<&str> = DEMO_PEOPLE.iter().map(|person| person.email).collect();
        let mut unique = emails.clone();
        unique.sort_unstable();
        unique.dedup();
        assert_eq!(unique.len(), emails.len(), "demo emails are unique");
        assert_eq!(DEMO_PEOPLE[0].role, Some(Role::Owner));
        assert!(
            emails
                .iter()
                .all(|email| email.ends_with("@riverbend.example"))
        );
        // Providers are referenced only after they exist, and only providers are assigned.
        for (index, person) in DEMO_PEOPLE.iter().enumerate() {
            for provider in person.client.map(|(_, p)| p).unwrap_or_default() {
                let at = emails
                    .iter()
                    .position(|e| e == provider)
                    .expect("a demo person");
                assert!(at < index, "{provider} comes before {}", person.email);
                assert_eq!(DEMO_PEOPLE[at].role, Some(Role::Provider));
            }
        }
        for (_, members) in DEMO_GROUPS {
            for member in members {
                let at = emails
                    .iter()
                    .position(|e| e == member)
                    .expect("a demo person");
                assert!(DEMO_PEOPLE[at].role.is_some(), "{member} is staff");
            }
        }
        assert!(DEMO_PASSWORD.chars().count() >= MIN_PASSWORD_LEN);
        // Those invited are the people without an account, invited by someone who may.
        for (invited, by) in demo_story::INVITED {
            assert!(DEMO_INVITED.iter().any(|person| person.email == invited));
            assert!(!emails.contains(&invited), "{invited} has no account");
            let at = emails.iter().position(|e| *e == by).expect("a demo person");
            assert!(matches!(
                DEMO_PEOPLE[at].role,
                Some(Role::Owner | Role::Admin)
            ));
        }
    }

    #[test]
    fn the_text_has_one_line_per_person() {
        let text = DemoPractice::new(Uuid::nil()).to_text();
        assert!(
            text.starts_with("Riverbend Counseling (demo practice "),
            "{text}"
        );
        assert_eq!(text.lines().count(), 1 + DEMO_PEOPLE.len() + 1, "{text}");
        assert!(text.lines().last().is_some_and(|line| line.contains(SAM)));
        assert!(text.contains("client (archived)"), "{text}");
        assert!(
            text.lines()
                .skip(1)
                .take(DEMO_PEOPLE.len())
                .all(|line| line.ends_with(DEMO_PASSWORD)),
            "{text}"
        );
    }
}
