//! The end-to-end test harness: every test gets the real server on a free port over its own
//! fresh PostgreSQL database, and browser tests get a real headless Chromium.
//!
//! - [`spawn_app`] starts the server in-process; [`TestApp`] holds its address and an HTTP
//!   client, and drops its database when the test ends.
//! - [`database`] provides the databases: cloned from a template migrated once per run, on
//!   `TEST_DATABASE_URL`'s server when set, else on a private cluster this process starts.
//! - [`browser`] drives Debian's Chromium through chromedriver.
//! - [`binary`] runs the real `confidant` executable, for command-line behaviour.
//! - [`live`] reads the live event stream (`GET /api/v1/events`) as an integrator would.
//! - [`eventually`] waits, with a deadline, for what happens in the background.
//! - [`plans`] reads what PostgreSQL reads for a folder page, under custom and generic plans.
//! - [`wire_count`] counts the statements the server sends PostgreSQL, through a proxy.
//! - [`webhook_receiver`] is a real HTTP receiver of webhook deliveries on loopback.
//! - [`smtp`] is a real SMTP server on loopback that keeps the emails it receives; every
//!   [`TestApp`] sends to its own ([`TestApp::mail`]) and runs jobs with [`TestApp::run_jobs`].

pub mod app;
pub mod binary;
pub mod browser;
pub mod database;
pub mod eventually;
pub mod faults;
pub mod files;
pub mod fixtures;
pub mod live;
pub mod plans;
pub mod smtp;
pub mod webhook_receiver;
pub mod wire_count;

pub use app::{TestApp, spawn_app, spawn_app_with};
pub use eventually::{eventually, until};
