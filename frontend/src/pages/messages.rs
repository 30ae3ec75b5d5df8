//! Messages: the Inbox and Sent folders, newest activity first, a page at a time, with the
//! way to a new message. The list follows the live stream: a thread that is started, answered,
//! read or deleted anywhere moves, bolds or goes without a reload.

use confidant_openapi::conversations::{ConversationSummary, Folder, Participant};
use confidant_openapi::people::PersonKind;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::A;
use leptos_router::hooks::use_query_map;
use uuid::Uuid;

use crate::api;
use crate::auth::{Auth, messages_title};
use crate::components::avatar::Avatar;
use crate::components::time::Time;
use crate::components::unread::Unread;
use crate::live::Live;

/// The names to show for a thread: everyone the caller may see but themselves.
fn other_names(participants: &[Participant], me: Option<Uuid>) -> String {
    let others: Vec<&str> = participants
        .iter()
        .filter(|p| Some(p.id) != me)
        .map(|p| p.name.as_str())
        .collect();
    if others.is_empty() {
        "Only you".to_owned()
    } else {
        others.join(", ")
    }
}

/// The Messages page ("My Messages" for clients, as in their menu).
#[component]
pub fn MessagesPage() -> impl IntoView {
    let auth = Auth::get();
    let unread = Unread::get();
    let query = use_query_map();
    let folder = Memo::new(move |_| match query.read().get("folder").as_deref() {
        Some("sent") => Folder::Sent,
        _ => Folder::Inbox,
    });
    let items = RwSignal::new(Vec::<ConversationSummary>::new());
    let next_cursor = RwSignal::new(None::<String>);
    let loading = RwSignal::new(true);
    let loading_more = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    // The number of the latest request, so that a slow answer never overwrites a newer one.
    let latest = StoredValue::new(0u64);

    let load = move |folder: Folder, cursor: Option<String>| {
        let Some(ticket) = latest.try_get_value().map(|n| n + 1) else {
            return;
        };
        latest.set_value(ticket);
        let append = cursor.is_some();
        if append {
            loading_more.set(true);
        } else {
            loading.set(true);
        }
        spawn_local(async move {
            let result = auth
                .call(|token| {
                    let cursor = cursor.clone();
                    async move { api::conversations::list(&token, folder, cursor.as_deref()).await }
                })
                .await;
            if latest.try_get_value() != Some(ticket) {
                return;
            }
            match result {
                Ok(page) => {
                    if append {
                        items.update(|list| list.extend(page.items));
                    } else {
                        items.set(page.items);
                    }
                    next_cursor.set(page.next_cursor);
                    error.set(None);
                }
                Err(failure) => error.set(Some(failure.message())),
            }
            loading.set(false);
            loading_more.set(false);
        });
    };

    // The first page, again whenever the folder changes; a new folder starts empty (so it
    // shows "Loading…").
    Effect::new(move |previous: Option<Folder>| {
        let folder = folder.get();
        if previous != Some(folder) {
            items.set(Vec::new());
            next_cursor.set(None);
        }
        load(folder, None);
        folder
    });
    unread.refresh();
    // What the live stream says changed: the first page again, in place.
    Live::get().on_event(move |event| {
        if event.changes_threads() {
            load(folder.get_untracked(), None);
        }
    });

    let mark_read = move |id: Uuid| {
        spawn_local(async move {
            match auth
                .call(|token| async move { api::conversations::mark_read(&token, id).await })
                .await
            {
                Ok(()) => {
                    items.update(|list| {
                        if let Some(row) = list.iter_mut().find(|row| row.id == id) {
                            row.unread_count = 0;
                        }
                    });
                    unread.refresh();
                }
                Err(failure) => error.set(Some(failure.message())),
            }
        });
    };

    let title = move || messages_title(auth.session().as_ref());
    let me = move || auth.session().map(|s| s.me.person.id);
    let tab = move |which: Folder| {
        move || {
            if folder.get() == which {
                Some("page")
            } else {
                None
            }
        }
    };
    view! {
        <header class="page-header">
            <h1>{title}</h1>
            <A href="/messages/new" attr:class="button" attr:data-testid="new-message">
                <svg viewBox="0 0 24 24" width="16" height="16" aria-hidden="true">
                    <path d="M12 5v14M5 12h14" fill="none" stroke="currentColor" stroke-width="2.2" stroke-linecap="round" />
                </svg>
                "New message"
            </A>
        </header>
        <nav class="tabs" aria-label="Folders">
            <a class="tab" href="/messages" aria-current=tab(Folder::Inbox) data-testid="folder-inbox">"Inbox"</a>
            <a class="tab" href="/messages?folder=sent" aria-current=tab(Folder::Sent) data-testid="folder-sent">"Sent"</a>
        </nav>
        {move || error.get().map(|text| view! {
            <div class="form-error list-error" role="alert" data-testid="list-error">
                <span>{format!("Could not load your messages: {text}")}</span>
                <button class="link-button" type="button" on:click=move |_| load(folder.get_untracked(), None)>"Try again"</button>
            </div>
        })}
        <ul class="conversation-list" aria-label="Conversations" data-testid="conversation-list">
            <For
                each=move || items.get()
                key=|row| (row.id, row.unread_count, row.last_message_at)
                let:row
            >
                {
                    let id = row.id;
                    let unread_count = row.unread_count;
                    let names = other_names(&row.participants, me());
                    // The first other person gives the row its avatar.
                    let first = row.participants.iter().find(|p| Some(p.id) != me()).cloned();
                    let avatar_name = first.as_ref().map_or_else(|| names.clone(), |p| p.name.clone());
                    let muted = first.is_some_and(|p| p.kind == PersonKind::Client);
                    view! {
                        <li class="conversation-row" class:unread={unread_count > 0} data-testid="conversation-row">
                            <A href=format!("/messages/{id}") attr:class="conversation-link">
                                <Avatar name=avatar_name muted />
                                <span class="conversation-main">
                                    <span class="conversation-people">{names}</span>
                                    <span class="conversation-text">
                                        <span class="conversation-subject">{row.subject.clone()}</span>
                                        <span class="conversation-preview">{format!(" — {}", row.preview)}</span>
                                    </span>
                                </span>
                                <span class="conversation-meta">
                                    <Time millis=row.last_message_at.timestamp_millis() />
                                    {(unread_count > 0).then(|| view! {
                                        <span class="count" aria-label=format!("{unread_count} unread")>{unread_count}</span>
                                    })}
                                </span>
                            </A>
                            {(unread_count > 0).then(|| view! {
                                <button class="row-action link-button" type="button" on:click=move |_| mark_read(id)>
                                    "Mark as read"
                                </button>
                            })}
                        </li>
                    }
                }
            </For>
        </ul>
        <Show when=move || loading.get() && items.with(Vec::is_empty)>
            <p class="empty-line" role="status">"Loading…"</p>
        </Show>
        <Show when=move || !loading.get() && error.with(Option::is_none) && items.with(Vec::is_empty)>
            {move || empty_state(folder.get())}
        </Show>
        <Show when=move || next_cursor.with(Option::is_some)>
            <div class="load-more">
                <button
                    class="button button-secondary"
                    type="button"
                    data-testid="load-more"
                    disabled=move || loading_more.get()
                    on:click=move |_| load(folder.get_untracked(), next_cursor.get_untracked())
                >
                    {move || if loading_more.get() { "Loading…" } else { "Load more" }}
                </button>
            </div>
        </Show>
    }
}

/// What an empty folder says.
fn empty_state(folder: Folder) -> impl IntoView {
    let (title, text) = match folder {
        Folder::Sent => ("Nothing sent yet", "Messages you send will appear here."),
        _ => (
            "No messages yet",
            "Secure conversations with your practice will appear here.",
        ),
    };
    view! {
        <section class="empty-state" aria-labelledby="empty-title" data-testid="empty-folder">
            <div class="empty-icon" aria-hidden="true">
                <svg viewBox="0 0 48 48" width="44" height="44">
                    <rect x="6" y="10" width="36" height="28" rx="5" fill="none" stroke="currentColor" stroke-width="2.4" />
                    <path d="M7 13l17 12 17-12" fill="none" stroke="currentColor" stroke-width="2.4" stroke-linejoin="round" />
                </svg>
            </div>
            <h2 id="empty-title">{title}</h2>
            <p>{text}</p>
        </section>
    }
}
