//! The HTTP routes, one module per resource. Each handler carries its `#[utoipa::path]`, and
//! utoipa-actix-web collects them into the OpenAPI document as they are registered here, so a
//! route cannot be served without being documented.

pub mod api_keys;
pub mod attachments;
pub mod audit;
pub mod auth;
pub mod blasts;
pub mod conversations;
pub mod docs;
pub mod drafts;
pub mod events;
pub mod health;
pub mod me;
pub mod metrics;
pub mod people;
pub mod practice;
pub mod recipients;
pub mod staff_groups;
pub mod unread;
pub mod webhooks;

use utoipa_actix_web::service_config::ServiceConfig;

/// Routes outside `/api/v1` (health checks).
pub fn root(config: &mut ServiceConfig) {
    config
        .service(health::healthz)
        .service(health::readyz)
        .service(metrics::metrics);
}

/// Routes under `/api/v1`. actix tries a scope's routes in the order they are registered,
/// matching a regular expression for each one with a parameter, so the calls an open app
/// makes most (the badge, the folders, a thread, a reply) come first: the badge was the 67th
/// of 69, and matching the 66 before it took about 7 % of the server's CPU for the call.
/// (The order of the OpenAPI document does not follow it: its paths are sorted.)
pub fn api_v1(config: &mut ServiceConfig) {
    config
        .service(unread::unread)
        .service(conversations::list::list_conversations)
        .service(conversations::create::create_conversation)
        .service(conversations::get::get_conversation)
        .service(conversations::post_message::post_message)
        .service(conversations::list_messages::list_messages)
        .service(conversations::read::mark_read)
        .service(conversations::archive::archive)
        .service(conversations::archive::unarchive)
        .service(drafts::get_new)
        .service(drafts::save_new)
        .service(drafts::delete_new)
        .service(drafts::get_reply)
        .service(drafts::save_reply)
        .service(drafts::delete_reply)
        .service(conversations::delete::delete_conversation)
        .service(conversations::delete_message::delete_message)
        .service(events::create_stream_ticket)
        .service(events::stream_events)
        .service(auth::login::login)
        .service(auth::login_mfa::login_mfa)
        .service(auth::refresh::refresh)
        .service(auth::logout::logout)
        .service(auth::accept_invitation::accept_invitation)
        .service(auth::confirm_email::confirm_email_change)
        .service(auth::password_reset::request_password_reset)
        .service(auth::password_reset::confirm_password_reset)
        .service(me::get::me)
        .service(me::password::change_password)
        .service(me::api_keys::create_api_key)
        .service(me::api_keys::list_my_api_keys)
        .service(me::api_keys::revoke_my_api_key)
        .service(webhooks::create_webhook)
        .service(webhooks::list_webhooks)
        .service(webhooks::update_webhook)
        .service(webhooks::delete_webhook)
        .service(webhooks::rotate_webhook_secret)
        .service(webhooks::test_webhook)
        .service(webhooks::list_webhook_deliveries)
        .service(api_keys::list_api_keys)
        .service(api_keys::revoke_api_key)
        .service(me::mfa::start_totp)
        .service(me::mfa::confirm_totp)
        .service(me::mfa::disable_totp)
        .service(me::sessions::list_sessions)
        .service(me::sessions::end_session)
        .service(me::sessions::end_other_sessions)
        .service(audit::list_audit_events)
        .service(audit::export_audit_events)
        .service(practice::update::update_practice)
        .service(practice::usage::practice_usage)
        .service(people::list::list_people)
        .service(people::create::create_person)
        .service(people::get::get_person)
        .service(people::update::update_person)
        .service(people::invite::invite_person)
        .service(staff_groups::list::list_staff_groups)
        .service(staff_groups::create::create_staff_group)
        .service(staff_groups::update::update_staff_group)
        .service(staff_groups::delete::delete_staff_group)
        .service(recipients::list_recipients)
        .service(attachments::upload::upload_attachment)
        .service(attachments::download::download_attachment)
        .service(attachments::delete::delete_attachment)
        .service(blasts::create::create_blast)
        .service(blasts::list::list_blasts)
        // Before `/blasts/{id}`, which would otherwise take "audience" for an id.
        .service(blasts::audience::blast_audience)
        .service(blasts::get::get_blast)
        .service(blasts::recipients::list_blast_recipients);
}
