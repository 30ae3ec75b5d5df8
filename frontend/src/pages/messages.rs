//! Messages: the Inbox, Sent and Archived folders, newest activity first, a page at a time,
//! with the way to a new message. The list follows the live stream: a thread that is started,
//! answered, read or deleted anywhere moves, bolds or goes without a reload.
//! A thread archived from the Inbox (or moved back from Archived) leaves the list at once, and
//! a status line says so, with Undo after archiving.

use confidant_openapi::conversations::{ConversationSummary, Folder, Participant};
use confidant_openapi::people::PersonKind;
use leptos::html;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::A;
use leptos_router::hooks::use_query_map;
use uuid::Uuid;
use wasm_bindgen::JsCast;

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

/// What the status line above the list says after a thread was archived or moved back.
#[derive(Clone, Debug)]
enum Notice {
    /// Archived from the Inbox: Undo puts this row back.
    Archived(ConversationSummary),
    /// Back in the Inbox (from Archived, or by Undo); the subject.
    Restored(String),
    /// Archiving, moving back or undoing failed: what and the server's words.
    Failed(String),
}

/// Takes the thread `id` out of the list; where it was, if it was there.
fn take_row(items: RwSignal<Vec<ConversationSummary>>, id: Uuid) -> Option<usize> {
    let mut at = None;
    items.update(|list| {
        at = list.iter().position(|row| row.id == id);
        if let Some(at) = at {
            list.remove(at);
        }
    });
    at
}

/// Puts `row` back among the others (newest activity first), unless the live stream already
/// did; where it is.
fn put_back(items: RwSignal<Vec<ConversationSummary>>, row: ConversationSummary) -> usize {
    let mut at = 0;
    items.update(|list| {
        if let Some(there) = list.iter().position(|r| r.id == row.id) {
            at = there;
        } else {
            at = list
                .iter()
                .position(|r| r.last_message_at < row.last_message_at)
                .unwrap_or(list.len());
            list.insert(at, row);
        }
    });
    at
}

/// A row that held the focus (its button) left or a button in the notice went: rather than
/// leave the keyboard at the top of the page, the focus goes to the row now at `index` (or the
/// last one), so the reader keeps their place. Once drawn; a focus still in place is left.
fn keep_focus(list: NodeRef<html::Ul>, index: usize) {
    request_animation_frame(move || {
        let Some(document) = web_sys::window().and_then(|window| window.document()) else {
            return;
        };
        let lost = match (document.active_element(), document.body()) {
            (Some(active), Some(body)) => active.is_same_node(Some(&body)),
            (None, _) => true,
            (Some(_), None) => false,
        };
        let Some(ul) = list.try_get_untracked().flatten().filter(|_| lost) else {
            return;
        };
        let link = ul
            .query_selector(&format!(
                ":scope > li:nth-child({}) .conversation-link",
                index + 1
            ))
            .ok()
            .flatten()
            .or_else(|| {
                ul.query_selector(":scope > li:last-child .conversation-link")
                    .ok()
                    .flatten()
            })
            .and_then(|link| link.dyn_into::<web_sys::HtmlElement>().ok());
        if let Some(link) = link {
            link.focus().ok();
        }
    });
}

/// The Messages page ("My Messages" for clients, as in their menu).
#[component]
pub fn MessagesPage() -> impl IntoView {
    let auth = Auth::get();
    let unread = Unread::get();
    let query = use_query_map();
    let folder = Memo::new(move |_| match query.read().get("folder").as_deref() {
        Some("sent") => Folder::Sent,
        Some("archived") => Folder::Archived,
        _ => Folder::Inbox,
    });
    let items = RwSignal::new(Vec::<ConversationSummary>::new());
    let next_cursor = RwSignal::new(None::<String>);
    let loading = RwSignal::new(true);
    let loading_more = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let notice = RwSignal::new(None::<Notice>);
    let list = NodeRef::<html::Ul>::new();
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
            notice.set(None);
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

    // Archiving is idempotent on the server: a second click while the first is on its way
    // does no harm, so the buttons need no busy state.
    let archive = move |mut row: ConversationSummary| {
        spawn_local(async move {
            let id = row.id;
            match auth
                .call(|token| async move { api::conversations::archive(&token, id).await })
                .await
            {
                Ok(()) => {
                    if let Some(at) = take_row(items, id) {
                        keep_focus(list, at);
                    }
                    // Archiving marked it read: so it comes back on Undo.
                    row.unread_count = 0;
                    notice.set(Some(Notice::Archived(row)));
                    unread.refresh();
                }
                Err(failure) => notice.set(Some(Notice::Failed(format!(
                    "Could not archive “{}”. {}",
                    row.subject,
                    failure.message()
                )))),
            }
        });
    };
    // Back to the Inbox: from the Archived list (the row leaves it), or by Undo (the row comes
    // back, when the Inbox is still shown).
    let unarchive = move |row: ConversationSummary| {
        spawn_local(async move {
            let id = row.id;
            match auth
                .call(|token| async move { api::conversations::unarchive(&token, id).await })
                .await
            {
                Ok(()) => {
                    let at = match folder.try_get_untracked() {
                        Some(Folder::Archived) => take_row(items, id),
                        Some(Folder::Inbox) => Some(put_back(items, row.clone())),
                        _ => None,
                    };
                    if let Some(at) = at {
                        keep_focus(list, at);
                    }
                    notice.set(Some(Notice::Restored(row.subject)));
                }
                Err(failure) => notice.set(Some(Notice::Failed(format!(
                    "Could not move “{}” to your inbox. {}",
                    row.subject,
                    failure.message()
                )))),
            }
        });
    };

    let on_mark_read = Callback::new(mark_read);
    let on_archive = Callback::new(archive);
    let on_unarchive = Callback::new(unarchive);

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
            <a class="tab" href="/messages?folder=archived" aria-current=tab(Folder::Archived) data-testid="folder-archived">"Archived"</a>
        </nav>
        // Always in the page, so that screen readers hear what comes into it.
        <div class="archive-notice" role="status" aria-live="polite" data-testid="archive-notice">
            {move || notice.get().map(|notice| view! { <NoticeLine notice on_undo=on_unarchive /> })}
        </div>
        {move || error.get().map(|text| view! {
            <div class="form-error list-error" role="alert" data-testid="list-error">
                <span>{format!("Could not load your messages: {text}")}</span>
                <button class="link-button" type="button" on:click=move |_| load(folder.get_untracked(), None)>"Try again"</button>
            </div>
        })}
        <ul class="conversation-list" aria-label="Conversations" data-testid="conversation-list" node_ref=list>
            <For
                each=move || items.get()
                key=|row| (row.id, row.unread_count, row.last_message_at)
                let:row
            >
                <ConversationRow
                    row
                    me=me()
                    folder=folder.get_untracked()
                    on_mark_read
                    on_archive
                    on_unarchive
                />
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

/// One thread in the list: a link to it, and what can be done without opening it. In the Inbox
/// (and Sent) the actions show while the row is pointed at or focused, in place of its time, as
/// "Mark as read" always did; in Archived, "Move to inbox" is always there, being what the
/// folder is for.
#[component]
fn ConversationRow(
    row: ConversationSummary,
    me: Option<Uuid>,
    folder: Folder,
    on_mark_read: Callback<Uuid>,
    on_archive: Callback<ConversationSummary>,
    on_unarchive: Callback<ConversationSummary>,
) -> impl IntoView {
    let id = row.id;
    let unread_count = row.unread_count;
    let names = other_names(&row.participants, me);
    // The first other person gives the row its avatar.
    let first = row.participants.iter().find(|p| Some(p.id) != me).cloned();
    let avatar_name = first
        .as_ref()
        .map_or_else(|| names.clone(), |p| p.name.clone());
    let muted = first.is_some_and(|p| p.kind == PersonKind::Client);
    // Each row's buttons say which thread they act on (to a screen reader, by its subject).
    let subject_id = format!("subject-{id}");
    let mark_read = (unread_count > 0).then(|| {
        view! {
            <button class="link-button" type="button" on:click=move |_| on_mark_read.run(id)>
                "Mark as read"
            </button>
        }
    });
    let archived = folder == Folder::Archived;
    let actions = match folder {
        Folder::Archived => None,
        Folder::Inbox => {
            let row = row.clone();
            Some(
                view! {
                    <div class="row-action row-actions">
                        {mark_read}
                        <button
                            class="link-button"
                            type="button"
                            data-testid="archive-row"
                            aria-describedby=subject_id.clone()
                            on:click=move |_| on_archive.run(row.clone())
                        >
                            "Archive"
                        </button>
                    </div>
                }
                .into_any(),
            )
        }
        _ => mark_read
            .map(|button| view! { <div class="row-action row-actions">{button}</div> }.into_any()),
    };
    let has_actions = actions.is_some();
    let move_to_inbox = archived.then(|| {
        let row = row.clone();
        view! {
            <button
                class="button button-secondary button-small"
                type="button"
                data-testid="unarchive-row"
                aria-describedby=subject_id.clone()
                on:click=move |_| on_unarchive.run(row.clone())
            >
                "Move to inbox"
            </button>
        }
    });
    view! {
        <li
            class="conversation-row"
            class:unread={unread_count > 0}
            class:has-actions=has_actions
            class:row-with-button=archived
            data-testid="conversation-row"
        >
            <A href=format!("/messages/{id}") attr:class="conversation-link">
                <Avatar name=avatar_name muted />
                <span class="conversation-main">
                    <span class="conversation-people">{names}</span>
                    <span class="conversation-text">
                        <span class="conversation-subject" id=subject_id>{row.subject}</span>
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
            {actions}
            {move_to_inbox}
        </li>
    }
}

/// The status line's words: what was archived (with Undo) or moved back, or why not.
#[component]
fn NoticeLine(notice: Notice, on_undo: Callback<ConversationSummary>) -> impl IntoView {
    match notice {
        Notice::Archived(row) => {
            let text = format!("Archived “{}”.", row.subject);
            view! {
                <div class="notice notice-with-action">
                    <span>{text}</span>
                    <button
                        class="button button-secondary button-small"
                        type="button"
                        data-testid="undo-archive"
                        on:click=move |_| on_undo.run(row.clone())
                    >
                        "Undo"
                    </button>
                </div>
            }
            .into_any()
        }
        Notice::Restored(subject) => view! {
            <p class="notice">{format!("Moved “{subject}” to your inbox.")}</p>
        }
        .into_any(),
        Notice::Failed(text) => view! { <p class="form-error">{text}</p> }.into_any(),
    }
}

/// What an empty folder says.
fn empty_state(folder: Folder) -> impl IntoView {
    let (title, text) = match folder {
        Folder::Sent => ("Nothing sent yet", "Messages you send will appear here."),
        Folder::Archived => (
            "Nothing archived",
            "Threads you archive wait here; a new message brings one back to your inbox.",
        ),
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
