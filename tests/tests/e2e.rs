//! Confidant's end-to-end tests: one binary, one module per area.

mod e2e {
    mod api_keys;
    mod attachments;
    mod audit;
    mod auth;
    mod blast_crash;
    mod blasts;
    mod browser;
    mod browser_account;
    mod browser_attachments;
    mod browser_blasts;
    mod browser_integrations;
    mod browser_live;
    mod browser_messages;
    mod browser_security;
    mod cli;
    mod contract;
    mod conversations;
    mod email;
    mod errors;
    mod events;
    mod faults;
    mod hardening;
    mod headers;
    mod health;
    mod idempotency;
    mod invitations;
    mod jobs;
    mod live;
    mod mail_catcher;
    mod metrics;
    mod mfa;
    mod offboarding;
    mod openapi;
    mod passwords;
    mod people;
    mod recipients;
    mod s3_storage;
    mod seed_demo;
    mod sessions;
    mod staff_groups;
    mod third_party;
    mod web_app;
    mod webhooks;
}
