//! The left menu: the product's name, the sections (Messages with its unread badge), who is
//! signed in, and the API status. While a second factor must be set up, only the account
//! link is offered. On a phone it is the drawer behind the top bar's Menu button.

use leptos::prelude::*;
use leptos_router::components::A;
use wasm_bindgen::JsCast;

use super::avatar::Avatar;
use super::brand::BrandMark;
use super::page_focus::focus_main;
use super::status_line::StatusLine;
use super::top_bar::{MENU_ID, Menu};
use super::unread::Unread;
use crate::auth::{Auth, messages_title};

/// The left menu; `menu` is the drawer it becomes on a phone.
#[component]
pub fn Sidebar(menu: Menu) -> impl IntoView {
    let auth = Auth::get();
    let unread = Unread::get();
    let session = move || auth.session();
    let messages_label = move || messages_title(session().as_ref());
    // While a second factor must be set up, only the account page answers: the other
    // sections are not offered.
    let enrolling = move || auth.enrolment_required();
    let is_admin = move || !enrolling() && session().is_some_and(|s| s.is_admin());
    let is_staff = move || session().is_some_and(|s| s.is_staff());
    view! {
        <nav class="sidebar" id=MENU_ID aria-label="Main" on:click=move |ev| {
            let Some(link) = ev
                .target()
                .and_then(|target| target.dyn_into::<web_sys::Element>().ok())
                .and_then(|element| element.closest("a").ok().flatten())
            else {
                return;
            };
            // A link followed from the drawer closes it, even one to the page already shown;
            // that page keeps its place, so its heading takes the focus here (another page's
            // takes it once drawn).
            menu.close(false);
            let here = web_sys::window().and_then(|window| window.location().pathname().ok());
            if link.get_attribute("href").is_some_and(|href| Some(href) == here) {
                request_animation_frame(focus_main);
            }
        }>
            <a class="brand" href="/messages">
                <BrandMark />
                <span class="brand-name">"Confidant"</span>
            </a>
            <Show when=move || !enrolling()>
                <ul class="nav">
                    <li>
                        <A href="/messages" attr:class="nav-link" attr:data-testid="nav-messages">
                            <span class="nav-icon" aria-hidden="true">
                                <svg viewBox="0 0 24 24" width="18" height="18">
                                    <path
                                        d="M4 6.5A2.5 2.5 0 0 1 6.5 4h11A2.5 2.5 0 0 1 20 6.5v8a2.5 2.5 0 0 1-2.5 2.5H11l-4.5 3.5V17A2.5 2.5 0 0 1 4 14.5z"
                                        fill="none"
                                        stroke="currentColor"
                                        stroke-width="1.7"
                                        stroke-linejoin="round"
                                    />
                                </svg>
                            </span>
                            <span>{messages_label}</span>
                            <UnreadBadge unread />
                        </A>
                    </li>
                    <Show when=is_staff>
                        <li>
                            <A href="/blasts" attr:class="nav-link" attr:data-testid="nav-blasts">
                                <span class="nav-icon" aria-hidden="true">
                                    <svg viewBox="0 0 24 24" width="18" height="18">
                                        <path
                                            d="M4 10v4h3l6 4V6L7 10zM16.5 8.5a5 5 0 0 1 0 7M19 6a8.5 8.5 0 0 1 0 12"
                                            fill="none"
                                            stroke="currentColor"
                                            stroke-width="1.7"
                                            stroke-linecap="round"
                                            stroke-linejoin="round"
                                        />
                                    </svg>
                                </span>
                                <span>"Blasts"</span>
                            </A>
                        </li>
                    </Show>
                </ul>
            </Show>
            <Show when=is_admin>
                <p class="nav-heading">"Practice"</p>
                <ul class="nav" data-testid="admin-nav">
                    <li><A href="/admin/clients" attr:class="nav-link">"Clients"</A></li>
                    <li><A href="/admin/staff" attr:class="nav-link">"Staff"</A></li>
                    <li><A href="/admin/groups" attr:class="nav-link">"Staff groups"</A></li>
                    <li><A href="/admin/practice" attr:class="nav-link" attr:data-testid="nav-practice">"Settings & storage"</A></li>
                    <li><A href="/admin/audit" attr:class="nav-link" attr:data-testid="nav-audit">"Audit trail"</A></li>
                </ul>
            </Show>
            <div class="sidebar-foot">
                {move || session().map(|s| {
                    let role = match (s.me.person.role, s.is_staff()) {
                        (Some(role), _) => role_label(role),
                        (None, _) => "Client",
                    };
                    view! {
                        <div class="whoami" data-testid="whoami">
                            <Avatar name=s.me.person.name.clone() />
                            <span class="whoami-text">
                                <span class="whoami-name">{s.me.person.name.clone()}</span>
                                <span class="whoami-meta">{format!("{role} · {}", s.me.practice.name)}</span>
                            </span>
                        </div>
                    }
                })}
                <A href="/account" attr:class="link-button" attr:data-testid="nav-account">"Your account"</A>
                <Show when=move || is_staff() && !enrolling()>
                    <A href="/integrations" attr:class="link-button" attr:data-testid="nav-integrations">"Integrations"</A>
                </Show>
                <button class="link-button" type="button" data-testid="sign-out" on:click=move |_| auth.sign_out(None)>
                    "Sign out"
                </button>
                <StatusLine />
            </div>
        </nav>
    }
}

fn role_label(role: confidant_openapi::people::Role) -> &'static str {
    use confidant_openapi::people::Role;
    match role {
        Role::Owner => "Owner",
        Role::Admin => "Admin",
        Role::Provider => "Provider",
        Role::Staff => "Staff",
    }
}

/// The number of conversations with unread messages, hidden at 0. When the count cannot be
/// read, a warning mark says why (on hover and to screen readers) rather than a stale number.
#[component]
fn UnreadBadge(unread: Unread) -> impl IntoView {
    move || {
        if let Some(problem) = unread.error() {
            let text = format!("Could not check for new messages: {problem}");
            return Some(
                view! {
                    <span class="badge badge-warn" title=text.clone() aria-label=text data-testid="unread-error">"!"</span>
                }
                .into_any(),
            );
        }
        let count = unread.conversations();
        (count > 0).then(|| {
            let label = if count == 1 {
                "1 conversation with unread messages".to_owned()
            } else {
                format!("{count} conversations with unread messages")
            };
            view! {
                <span class="badge" aria-label=label data-testid="unread-badge">{count}</span>
            }
            .into_any()
        })
    }
}
