//! Confidant's web app: one single-page app for staff and clients, talking to the REST API.

mod api;
mod app;
mod auth;
mod clipboard;
mod components;
mod live;
mod pages;

fn main() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(app::App);
}
