//! The app frame: the router, the left menu and the page area.

use leptos::prelude::*;
use leptos_router::components::{Redirect, Route, Router, Routes};
use leptos_router::path;

use crate::components::sidebar::Sidebar;
use crate::pages::messages::MessagesPage;
use crate::pages::not_found::NotFoundPage;

/// The whole app.
#[component]
pub fn App() -> impl IntoView {
    view! {
        <Router>
            <div class="shell">
                <Sidebar />
                <main class="page">
                    <Routes fallback=NotFoundPage>
                        <Route path=path!("/") view=|| view! { <Redirect path="/messages" /> } />
                        <Route path=path!("/messages") view=MessagesPage />
                    </Routes>
                </main>
            </div>
        </Router>
    }
}
