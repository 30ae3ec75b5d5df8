//! The app frame: the router, public pages, and the signed-in layout with its left menu (a
//! drawer behind the top bar's Menu button on a phone).

use leptos::prelude::*;
use leptos_router::components::{Outlet, ProtectedParentRoute, Redirect, Route, Router, Routes};
use leptos_router::hooks::{use_location, use_navigate};
use leptos_router::{NavigateOptions, path};

use crate::auth::Auth;
use crate::components::idle_warning::IdleWarning;
use crate::components::page_focus::{MAIN_ID, SkipLink, focus_heading_on_navigation};
use crate::components::sidebar::Sidebar;
use crate::components::top_bar::{Menu, TopBar};
use crate::components::unread::Unread;
use crate::live::Live;
use crate::pages::accept_invitation::AcceptInvitationPage;
use crate::pages::account::AccountPage;
use crate::pages::admin::audit::AuditPage;
use crate::pages::admin::groups::GroupsPage;
use crate::pages::admin::people::{ClientsPage, StaffPage};
use crate::pages::admin::practice::PracticePage;
use crate::pages::blasts::{BlastProgressPage, BlastsPage, NewBlastPage};
use crate::pages::compose::ComposePage;
use crate::pages::confirm_email::ConfirmEmailPage;
use crate::pages::forgot_password::ForgotPasswordPage;
use crate::pages::integrations::IntegrationsPage;
use crate::pages::messages::{MessageSearch, MessagesPage};
use crate::pages::not_found::NotFoundPage;
use crate::pages::reset_password::ResetPasswordPage;
use crate::pages::sign_in::SignInPage;
use crate::pages::thread::ThreadPage;

/// The whole app.
#[component]
pub fn App() -> impl IntoView {
    let auth = Auth::provide();
    // A memo, so that the signed-in pages are drawn again only when someone signs in or out:
    // a refreshed token or a reloaded person must not reset what a page holds.
    let signed_in = Memo::new(move |_| auth.signed_in());
    view! {
        <Router>
            <Routes fallback=NotFoundPage>
                <Route path=path!("/sign-in") view=SignInPage />
                <Route path=path!("/accept-invitation") view=AcceptInvitationPage />
                <Route path=path!("/confirm-email") view=ConfirmEmailPage />
                <Route path=path!("/forgot-password") view=ForgotPasswordPage />
                <Route path=path!("/reset-password") view=ResetPasswordPage />
                <ProtectedParentRoute
                    path=path!("")
                    condition=move || signed_in.get()
                    redirect_path=sign_in_path
                    view=SignedInLayout
                >
                    <Route path=path!("") view=|| view! { <Redirect path="/messages" /> } />
                    <Route path=path!("messages") view=MessagesPage />
                    // Before `:id`, so that "new" is never read as a conversation's id.
                    <Route path=path!("messages/new") view=ComposePage />
                    <Route path=path!("messages/:id") view=ThreadPage />
                    <Route path=path!("blasts") view=BlastsPage />
                    <Route path=path!("account") view=AccountPage />
                    <Route path=path!("integrations") view=IntegrationsPage />
                    <Route path=path!("blasts/new") view=NewBlastPage />
                    <Route path=path!("blasts/:id") view=BlastProgressPage />
                    <Route path=path!("admin/clients") view=ClientsPage />
                    <Route path=path!("admin/staff") view=StaffPage />
                    <Route path=path!("admin/groups") view=GroupsPage />
                    <Route path=path!("admin/practice") view=PracticePage />
                    <Route path=path!("admin/audit") view=AuditPage />
                </ProtectedParentRoute>
            </Routes>
        </Router>
    }
}

/// Where someone who is not signed in is sent: the sign-in page, which sends them on to the
/// page they asked for (a link from a notification email, a bookmark) once signed in; after
/// signing out, simply the sign-in page.
fn sign_in_path() -> String {
    if crate::auth::signed_out() {
        return "/sign-in".to_owned();
    }
    let here = web_sys::window()
        .and_then(|window| window.location().pathname().ok())
        .unwrap_or_default();
    if here.is_empty() || here == "/" || here == "/messages" {
        "/sign-in".to_owned()
    } else {
        format!(
            "/sign-in?next={}",
            String::from(js_sys::encode_uri_component(&here))
        )
    }
}

/// The account page: the one page open while a second factor must be set up.
const ACCOUNT_PATH: &str = "/account";

/// The frame around every signed-in page. It holds the live stream, the unread count and the
/// inbox's search (kept in memory only), so they exist only while someone is signed in: signing
/// out leaves this route, whose owner (with these contexts) is then dropped.
///
/// While the practice requires a second factor the person has not set up, every other page
/// would be refused by the server: the frame shows only the account page, and sends any other
/// address there.
///
/// On a phone the left menu is a drawer: while it is open the page behind it is inert (the
/// keyboard stays in the menu), Escape or a tap beside it closes it, and following a link
/// closes it too.
#[component]
fn SignedInLayout() -> impl IntoView {
    let auth = Auth::get();
    Live::provide();
    Unread::provide();
    MessageSearch::provide();
    let location = use_location();
    let navigate = use_navigate();
    let open = Memo::new(move |_| {
        !auth.enrolment_required() || location.pathname.with(|path| path == ACCOUNT_PATH)
    });
    Effect::new(move || {
        if !open.get() {
            navigate(
                ACCOUNT_PATH,
                NavigateOptions {
                    replace: true,
                    ..Default::default()
                },
            );
        }
    });
    let menu = Menu::new();
    Effect::new(move || {
        location.pathname.track();
        menu.close(false);
    });
    focus_heading_on_navigation();
    view! {
        <div
            class="shell"
            class:menu-open=move || menu.is_open()
            on:keydown=move |ev| {
                if ev.key() == "Escape" {
                    menu.close(true);
                }
            }
        >
            <SkipLink before=move || menu.close(false) />
            <TopBar menu />
            <Sidebar menu />
            <Show when=move || menu.is_open()>
                <div class="scrim" aria-hidden="true" on:click=move |_| menu.close(true)></div>
            </Show>
            <main id=MAIN_ID class="page" tabindex="-1" inert=move || menu.is_open()>
                <Show when=move || open.get()>
                    <Outlet />
                </Show>
            </main>
            <IdleWarning />
        </div>
    }
}
