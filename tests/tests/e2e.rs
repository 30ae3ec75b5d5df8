//! Confidant's end-to-end tests: one binary, one module per area.

mod e2e {
    mod browser;
    mod cli;
    mod errors;
    mod health;
    mod openapi;
    mod web_app;
}
