//! Data the tests start from: practices with their owners, and signing in.

use confidant::config::DatabaseUrl;
use confidant::provisioning::{self, PracticeSetup};
use confidant_openapi::auth::TokenResponse;
use uuid::Uuid;

use crate::TestApp;

/// Someone who can sign in.
#[derive(Debug, Clone)]
pub struct Account {
    /// Their person id.
    pub id: Uuid,
    /// Their sign-in email.
    pub email: String,
    /// Their password.
    pub password: String,
}

/// A practice created for a test, with its owner.
#[derive(Debug, Clone)]
pub struct PracticeFixture {
    /// The practice's id.
    pub id: Uuid,
    /// Its owner.
    pub owner: Account,
}

/// A password that passes the rules.
pub const PASSWORD: &str = "correct horse battery staple";

/// One `n` from a counting query.
#[derive(diesel::QueryableByName)]
struct Count {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    n: i64,
}

impl TestApp {
    /// Runs `sql`, a query answering one bigint column `n` (`SELECT count(*) AS n …`), on
    /// this app's database.
    pub async fn count(&self, sql: &str) -> i64 {
        use diesel_async::RunQueryDsl;
        diesel::sql_query(sql)
            .get_result::<Count>(&mut self.database.connect().await)
            .await
            .expect("a count")
            .n
    }

    /// Creates a practice named `name` whose owner is `owner@<slug>.test`, the way
    /// `confidant create-practice` does.
    pub async fn create_practice(&self, name: &str) -> PracticeFixture {
        let slug: String = name
            .chars()
            .filter(char::is_ascii_alphanumeric)
            .collect::<String>()
            .to_lowercase();
        let email = format!("owner@{slug}.test");
        let url = DatabaseUrl::parse(self.database.url()).expect("the test database URL");
        let pool = confidant::db::pool(&url, 1).expect("a pool");
        let created = provisioning::create_practice(
            &pool,
            PracticeSetup {
                name: name.to_owned(),
                owner_name: format!("{name} Owner"),
                owner_email: email.clone(),
                owner_password: PASSWORD.to_owned(),
            },
        )
        .await
        .expect("create the practice");
        PracticeFixture {
            id: created.practice_id,
            owner: Account {
                id: created.owner_id,
                email,
                password: PASSWORD.to_owned(),
            },
        }
    }

    /// `POST /api/v1/auth/login`.
    pub async fn login(&self, email: &str, password: &str) -> reqwest::Response {
        self.client
            .post(self.url("/api/v1/auth/login"))
            .json(&serde_json::json!({ "email": email, "password": password }))
            .send()
            .await
            .expect("an answer")
    }

    /// Signs `account` in and returns the token pair (panics unless 200).
    pub async fn sign_in(&self, account: &Account) -> TokenResponse {
        let response = self.login(&account.email, &account.password).await;
        assert_eq!(response.status(), 200, "sign in as {}", account.email);
        response.json().await.expect("a token response")
    }

    /// `GET path` with a bearer token.
    pub async fn get_as(&self, token: &str, path: &str) -> reqwest::Response {
        self.client
            .get(self.url(path))
            .bearer_auth(token)
            .send()
            .await
            .expect("an answer")
    }

    /// Every item of a paged list, following `next_cursor` from `path` (which has a query
    /// string) until the last page: what a client paging through the list would collect.
    pub async fn every_item<T: serde::de::DeserializeOwned>(
        &self,
        token: &str,
        path: &str,
    ) -> Vec<T> {
        let mut items = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let page_path = match &cursor {
                Some(c) => format!("{path}&cursor={c}"),
                None => path.to_owned(),
            };
            let response = self.get_as(token, &page_path).await;
            assert_eq!(response.status(), 200, "GET {page_path}");
            let mut page: serde_json::Value = response.json().await.expect("a page");
            let on_page: Vec<T> =
                serde_json::from_value(page["items"].take()).expect("the page's items");
            assert!(
                !on_page.is_empty() || cursor.is_none(),
                "a cursor led to an empty page"
            );
            items.extend(on_page);
            match page["next_cursor"].as_str() {
                Some(next) => cursor = Some(next.to_owned()),
                None => break,
            }
        }
        items
    }

    /// `POST /api/v1/auth/refresh` with `token` in the body.
    pub async fn refresh(&self, token: &str) -> reqwest::Response {
        self.client
            .post(self.url("/api/v1/auth/refresh"))
            .json(&serde_json::json!({ "refresh_token": token }))
            .send()
            .await
            .expect("an answer")
    }
}

impl TestApp {
    /// Runs the due jobs and answers the token of the link (`…#token=…`) in the newest email
    /// to `email`.
    pub async fn token_from_mail(&self, email: &str) -> String {
        self.run_jobs().await;
        let mails = self.mail.messages();
        let mail = mails
            .iter()
            .rev()
            .find(|mail| mail.recipients.iter().any(|r| r == email))
            .unwrap_or_else(|| panic!("no email to {email}"));
        let text = mail.parse().text.expect("a text part");
        let start = text.find("#token=").expect("a link with a token") + "#token=".len();
        text[start..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
            .collect()
    }

    /// Adds a person through the API as `admin_token`'s holder; panics unless 201.
    pub async fn add_person(
        &self,
        admin_token: &str,
        body: serde_json::Value,
    ) -> confidant_openapi::people::Person {
        let response = self
            .client
            .post(self.url("/api/v1/people"))
            .bearer_auth(admin_token)
            .json(&body)
            .send()
            .await
            .expect("an answer");
        assert_eq!(response.status(), 201, "add person {body}");
        response.json().await.expect("a person")
    }

    /// Gives `person` a portal account with [`PASSWORD`] directly in the database, as an
    /// accepted invitation would.
    pub async fn give_account(&self, person: &confidant_openapi::people::Person) -> Account {
        use diesel_async::RunQueryDsl;
        let hash = confidant::auth::password::hash(PASSWORD.to_owned())
            .await
            .expect("a hash");
        let mut conn = self.database.connect().await;
        diesel::sql_query(
            "INSERT INTO portal_accounts (person_id, practice_id, email, password_hash) \
             SELECT id, practice_id, email, $2 FROM people WHERE id = $1",
        )
        .bind::<diesel::sql_types::Uuid, _>(person.id)
        .bind::<diesel::sql_types::Text, _>(hash)
        .execute(&mut conn)
        .await
        .expect("a portal account");
        Account {
            id: person.id,
            email: person.email.clone(),
            password: PASSWORD.to_owned(),
        }
    }

    /// `method path` with a bearer token and a JSON body.
    pub async fn send_as(
        &self,
        method: reqwest::Method,
        token: &str,
        path: &str,
        body: Option<serde_json::Value>,
    ) -> reqwest::Response {
        let mut request = self
            .client
            .request(method, self.url(path))
            .bearer_auth(token);
        if let Some(body) = body {
            request = request.json(&body);
        }
        request.send().await.expect("an answer")
    }
}

impl TestApp {
    /// `from` starts a thread with the person `to` through the API; panics unless 201.
    pub async fn start_thread(
        &self,
        from: &Member,
        to: Uuid,
        subject: &str,
        body: &str,
    ) -> confidant_openapi::conversations::Conversation {
        let response = self
            .send_as(
                reqwest::Method::POST,
                &from.token,
                "/api/v1/conversations",
                Some(serde_json::json!({
                    "recipients": [{"type": "person", "id": to}],
                    "subject": subject,
                    "body": body,
                })),
            )
            .await;
        assert_eq!(response.status(), 201, "start {subject}");
        response.json().await.expect("a conversation")
    }

    /// `GET /api/v1/conversations?{query}` as the holder of `token`, which must answer 200.
    pub async fn conversation_page(
        &self,
        token: &str,
        query: &str,
    ) -> confidant_openapi::conversations::ConversationPage {
        let answer = self
            .get_as(token, &format!("/api/v1/conversations?{query}"))
            .await;
        assert_eq!(answer.status(), 200, "conversations?{query}");
        answer.json().await.expect("a page of conversations")
    }

    /// Gives `person` a portal account and signs them in; returns their access token.
    pub async fn token_for(&self, person: &confidant_openapi::people::Person) -> String {
        let account = self.give_account(person).await;
        self.sign_in(&account).await.access_token
    }
}

/// A signed-in member of a practice.
#[derive(Debug, Clone)]
pub struct Member {
    /// Who they are.
    pub person: confidant_openapi::people::Person,
    /// Their access token.
    pub token: String,
}

/// A practice of six, everyone but one client signed in: an owner, an admin, a provider, a
/// front-desk staff member, a client of the provider, and a client without an account.
#[derive(Debug, Clone)]
pub struct StaffedPractice {
    /// The practice's id.
    pub id: Uuid,
    /// Role `owner`.
    pub owner: Member,
    /// Role `admin`.
    pub admin: Member,
    /// Role `provider`.
    pub provider: Member,
    /// Role `staff`.
    pub staff: Member,
    /// An active client assigned to the provider.
    pub client: Member,
    /// An active client with no portal account.
    pub other_client: confidant_openapi::people::Person,
}

impl Member {
    /// Their sign-in (fixture accounts have [`PASSWORD`]).
    pub fn account(&self) -> Account {
        Account {
            id: self.person.id,
            email: self.person.email.clone(),
            password: PASSWORD.to_owned(),
        }
    }
}

impl TestApp {
    /// Builds a [`StaffedPractice`] named `name` (emails end in `@<slug>.test`).
    pub async fn staffed_practice(&self, name: &str) -> StaffedPractice {
        let practice = self.create_practice(name).await;
        let domain = practice
            .owner
            .email
            .split('@')
            .nth(1)
            .unwrap_or("x.test")
            .to_owned();
        let owner_token = self.sign_in(&practice.owner).await.access_token;
        let owner_person: confidant_openapi::people::Person = self
            .get_as(
                &owner_token,
                &format!("/api/v1/people/{}", practice.owner.id),
            )
            .await
            .json()
            .await
            .expect("the owner");
        let add = |body: serde_json::Value| self.add_person(&owner_token, body);
        let admin = add(serde_json::json!({"kind": "staff", "name": "Ada Admin", "email": format!("ada@{domain}"), "role": "admin"})).await;
        let provider = add(serde_json::json!({"kind": "staff", "name": "Paul Provider", "email": format!("paul@{domain}"), "role": "provider"})).await;
        let staff = add(serde_json::json!({"kind": "staff", "name": "Fran Desk", "email": format!("fran@{domain}"), "role": "staff"})).await;
        let client = add(serde_json::json!({"kind": "client", "name": "Cleo Client", "email": format!("cleo@{domain}"), "provider_ids": [provider.id]})).await;
        let other_client = add(serde_json::json!({"kind": "client", "name": "Otto Other", "email": format!("otto@{domain}")})).await;
        StaffedPractice {
            id: practice.id,
            owner: Member {
                person: owner_person,
                token: owner_token,
            },
            admin: Member {
                token: self.token_for(&admin).await,
                person: admin,
            },
            provider: Member {
                token: self.token_for(&provider).await,
                person: provider,
            },
            staff: Member {
                token: self.token_for(&staff).await,
                person: staff,
            },
            client: Member {
                token: self.token_for(&client).await,
                person: client,
            },
            other_client,
        }
    }
}

impl TestApp {
    /// Adds `count` clients with `status` to the practice straight in the database (far
    /// faster than the API for thousands), assigned to `provider_id` when given; answers
    /// their ids. They have no portal accounts.
    pub async fn add_clients_directly(
        &self,
        practice_id: Uuid,
        provider_id: Option<Uuid>,
        count: usize,
        status: &str,
    ) -> Vec<Uuid> {
        add_clients_directly(
            &mut self.database.connect().await,
            practice_id,
            provider_id,
            count,
            status,
        )
        .await
    }
}

/// See [`TestApp::add_clients_directly`]; for any database connection (the benchmark's too).
pub async fn add_clients_directly(
    conn: &mut diesel_async::AsyncPgConnection,
    practice_id: Uuid,
    provider_id: Option<Uuid>,
    count: usize,
    status: &str,
) -> Vec<Uuid> {
    use diesel::sql_types::{Array, Integer, Nullable, Text, Uuid as SqlUuid};
    use diesel_async::RunQueryDsl;
    #[derive(diesel::QueryableByName)]
    struct Id {
        #[diesel(sql_type = SqlUuid)]
        id: Uuid,
    }
    let batch = Uuid::new_v4().simple().to_string();
    let ids: Vec<Id> = diesel::sql_query(
        "INSERT INTO people (id, practice_id, kind, name, email, status, security_stamp) \
         SELECT gen_random_uuid(), $1, 'client', 'Client ' || n, \
                'client' || n || '-' || $4 || '@bulk.test', $3, gen_random_uuid() \
         FROM generate_series(1, $2) AS n RETURNING id",
    )
    .bind::<SqlUuid, _>(practice_id)
    .bind::<Integer, _>(i32::try_from(count).expect("a sane count"))
    .bind::<Text, _>(status)
    .bind::<Text, _>(&batch[..12])
    .load(conn)
    .await
    .expect("clients added");
    let ids: Vec<Uuid> = ids.into_iter().map(|row| row.id).collect();
    diesel::sql_query(
        "INSERT INTO client_providers (practice_id, client_id, provider_id) \
         SELECT $1, c, $3 FROM unnest($2::uuid[]) AS c WHERE $3 IS NOT NULL",
    )
    .bind::<SqlUuid, _>(practice_id)
    .bind::<Array<SqlUuid>, _>(&ids)
    .bind::<Nullable<SqlUuid>, _>(provider_id)
    .execute(conn)
    .await
    .expect("providers assigned");
    ids
}
