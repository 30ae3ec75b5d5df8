//! The load generator's HTTP client: one keep-alive HTTP/1.1 connection per load lane, on
//! hyper's connection API.
//!
//! Why not reqwest, as everywhere else in the tests: the benchmarks run the client, the server
//! and PostgreSQL on the same two cores, so every microsecond the client spends is taken from
//! the server it measures. The limit's client (tokio-postgres) is a bare connection; reqwest
//! adds a pool lookup, URL parsing, a redirect policy and its own connection task per request.
//! A bare hyper connection costs about what the limit's client costs, so that the ratio
//! measures the server, not the load generator.

use std::net::SocketAddr;
use std::sync::Arc;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1::{self, SendRequest};
use hyper::header::{AUTHORIZATION, CONTENT_TYPE, HOST};
use hyper::{Method, Request, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::sync::Mutex;

/// One request a lane sends, again and again.
#[derive(Clone)]
pub struct Call {
    pub method: Method,
    pub path: String,
    pub token: Option<String>,
    /// A JSON body, for `POST`.
    pub json: Option<&'static str>,
}

impl Call {
    pub fn get(path: &str, token: Option<&str>) -> Self {
        Self {
            method: Method::GET,
            path: path.to_owned(),
            token: token.map(str::to_owned),
            json: None,
        }
    }

    pub fn post(path: &str, token: &str, json: &'static str) -> Self {
        Self {
            method: Method::POST,
            path: path.to_owned(),
            token: Some(token.to_owned()),
            json: Some(json),
        }
    }
}

/// One open connection per lane to the server at `address`.
pub struct Lanes {
    host: String,
    lanes: Vec<Mutex<SendRequest<Full<Bytes>>>>,
}

impl Lanes {
    /// Opens `count` connections. Open them just before the load: the server closes idle ones.
    pub async fn open(address: SocketAddr, count: usize) -> Arc<Self> {
        let mut lanes = Vec::with_capacity(count);
        for _ in 0..count {
            let stream = tokio::net::TcpStream::connect(address)
                .await
                .expect("connect to the server");
            stream.set_nodelay(true).expect("TCP_NODELAY");
            let (sender, connection) = http1::handshake(TokioIo::new(stream))
                .await
                .expect("an HTTP/1.1 connection");
            // The connection ends when the lanes are dropped; its error then is not news.
            tokio::spawn(async move { connection.await.ok() });
            lanes.push(Mutex::new(sender));
        }
        Arc::new(Self {
            host: address.to_string(),
            lanes,
        })
    }

    /// Sends `call` on `lane` and reads the whole answer; its status.
    pub async fn send(&self, lane: usize, call: &Call) -> StatusCode {
        let mut request = Request::builder()
            .method(call.method.clone())
            .uri(call.path.as_str())
            .header(HOST, self.host.as_str());
        if let Some(token) = &call.token {
            request = request.header(AUTHORIZATION, format!("Bearer {token}"));
        }
        let body = match call.json {
            Some(json) => {
                request = request.header(CONTENT_TYPE, "application/json");
                Full::new(Bytes::from_static(json.as_bytes()))
            }
            None => Full::new(Bytes::new()),
        };
        let request = request.body(body).expect("a well-formed request");
        let mut sender = self.lanes[lane].lock().await;
        let response = sender
            .send_request(request)
            .await
            .expect("the server answers");
        let status = response.status();
        response
            .into_body()
            .collect()
            .await
            .expect("the whole body");
        status
    }
}
