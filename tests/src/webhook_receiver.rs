//! A real HTTP receiver for webhook deliveries on loopback, as an integrator would run one:
//! it keeps every request it gets (headers and raw body) and answers with the statuses it was
//! told to, in order (200 once they run out), or never answers at all.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use actix_web::dev::ServerHandle;
use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};

/// One request the receiver got.
#[derive(Debug, Clone)]
pub struct Received {
    /// Its headers.
    pub headers: http::HeaderMap,
    /// Its body, as sent.
    pub body: String,
}

impl Received {
    /// A header's value (empty when absent).
    pub fn header(&self, name: &str) -> String {
        self.headers
            .get(name)
            .and_then(|value| value.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    }

    /// The body as JSON.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).expect("a JSON body")
    }

    /// Whether the Standard Webhooks signature verifies with `secret` (the `standardwebhooks`
    /// crate, as a Rust receiver would check it).
    pub fn verifies_with(&self, secret: &str) -> bool {
        standardwebhooks::Webhook::new(secret)
            .and_then(|webhook| webhook.verify(self.body.as_bytes(), &self.headers))
            .is_ok()
    }
}

/// How the receiver answers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Behaviour {
    /// With the scripted statuses, then 200.
    Answer,
    /// Never: it reads the request and holds the connection open.
    Hang,
}

#[derive(Default)]
struct Shared {
    received: Mutex<Vec<Received>>,
    statuses: Mutex<VecDeque<u16>>,
}

/// A running receiver; stops when dropped.
pub struct WebhookReceiver {
    /// `http://127.0.0.1:PORT/hook`.
    pub url: String,
    shared: Arc<Shared>,
    behaviour: Behaviour,
    handle: ServerHandle,
}

impl WebhookReceiver {
    /// A receiver that answers `statuses` in order, then 200.
    pub async fn answering(statuses: &[u16]) -> Self {
        Self::start(Behaviour::Answer, statuses).await
    }

    /// A receiver that never answers.
    pub async fn hanging() -> Self {
        Self::start(Behaviour::Hang, &[]).await
    }

    async fn start(behaviour: Behaviour, statuses: &[u16]) -> Self {
        let shared = Arc::new(Shared {
            received: Mutex::new(Vec::new()),
            statuses: Mutex::new(statuses.iter().copied().collect()),
        });
        let state = web::Data::from(Arc::clone(&shared));
        let server = HttpServer::new(move || {
            App::new()
                .app_data(state.clone())
                .app_data(web::Data::new(behaviour))
                .default_service(web::to(receive))
        })
        .workers(1)
        .bind(("127.0.0.1", 0))
        .expect("a free port");
        let address = server.addrs()[0];
        let server = server.run();
        let handle = server.handle();
        tokio::spawn(server);
        Self {
            url: format!("http://{address}/hook"),
            shared,
            behaviour,
            handle,
        }
    }

    /// Every request so far, in arrival order.
    pub fn received(&self) -> Vec<Received> {
        self.shared
            .received
            .lock()
            .expect("the receiver's lock")
            .clone()
    }

    /// How it answers.
    pub fn behaviour(&self) -> Behaviour {
        self.behaviour
    }
}

impl Drop for WebhookReceiver {
    fn drop(&mut self) {
        drop(self.handle.stop(false));
    }
}

async fn receive(
    request: HttpRequest,
    body: web::Bytes,
    shared: web::Data<Shared>,
    behaviour: web::Data<Behaviour>,
) -> HttpResponse {
    let mut headers = http::HeaderMap::new();
    for (name, value) in request.headers() {
        if let (Ok(name), Ok(value)) = (
            http::HeaderName::from_bytes(name.as_str().as_bytes()),
            http::HeaderValue::from_bytes(value.as_bytes()),
        ) {
            headers.append(name, value);
        }
    }
    shared
        .received
        .lock()
        .expect("the receiver's lock")
        .push(Received {
            headers,
            body: String::from_utf8_lossy(&body).into_owned(),
        });
    if **behaviour == Behaviour::Hang {
        std::future::pending::<()>().await;
    }
    let status = shared
        .statuses
        .lock()
        .expect("the receiver's lock")
        .pop_front()
        .unwrap_or(200);
    HttpResponse::build(
        actix_web::http::StatusCode::from_u16(status).unwrap_or(actix_web::http::StatusCode::OK),
    )
    .body("ok")
}
