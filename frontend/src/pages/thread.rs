//! One conversation: its subject, the participants the reader may see (each a link to the
//! threads shared with them), the messages oldest first, and a reply box when the reader may
//! post, or the reason why not. Staff can delete their own messages and the threads they
//! started, after a confirmation that says it is permanent. Opening a thread marks it read on
//! the server, so the badge is refreshed after.
//! Archive takes the thread out of the reader's inbox (for them only) and goes back there.
//! The thread follows the live stream: a reply or a deletion by anyone appears at once.
//! Files sent with a message are listed under it and download through the API; the reply box
//! can attach files too.
//! The reply being written is kept as a draft on the server while typing (never in the
//! browser: clinic computers are shared) and put back when the thread opens again; the server
//! removes it when the reply is sent.
//! A long thread opens on its latest messages; the earlier ones come a page at a time, from
//! "Show earlier messages" above them or by scrolling up to the top, without moving what the
//! reader was looking at.

use std::collections::HashSet;

use confidant_openapi::ProblemCode;
use confidant_openapi::conversations::{
    Conversation, CreateMessageRequest, MAX_BODY_CHARS, Message, MessagePage, ReplyBlock,
};
use confidant_openapi::drafts::SaveReplyDraftRequest;
use confidant_openapi::events::EventKind;
use confidant_openapi::people::PersonKind;
use leptos::html;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::A;
use leptos_router::hooks::{use_navigate, use_params_map};
use uuid::Uuid;
use wasm_bindgen::JsCast;

use crate::api::{self, ApiError};
use crate::auth::Auth;
use crate::components::attachments::{AttachFiles, MessageAttachments, PendingFiles};
use crate::components::avatar::Avatar;
use crate::components::confirm::ConfirmPanel;
use crate::components::draft::{DraftSaver, DraftStatus};
use crate::components::lookup::LatestOnly;
use crate::components::time::Time;
use crate::components::unread::Unread;
use crate::live::Live;

/// What is wrong with a message body before it is sent, if anything (R-COMPOSE).
pub fn body_problem(body: &str) -> Option<String> {
    let length = body.trim_end().chars().count();
    if body.trim().is_empty() {
        Some("Write a message.".into())
    } else if length > MAX_BODY_CHARS {
        Some(format!(
            "Keep the message to 50,000 characters (it has {}).",
            group_thousands(length)
        ))
    } else {
        None
    }
}

/// `12345` as "12,345".
fn group_thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

/// A failure to open a thread, in words; a missing one is said plainly.
fn open_problem(failure: &ApiError) -> String {
    if failure.code() == Some(ProblemCode::NotFound) {
        "This conversation does not exist, or it has been deleted.".into()
    } else {
        failure.message()
    }
}

/// How many earlier messages one "Show earlier messages" (or a scroll to the top) brings in.
const OLDER_PAGE: u32 = 100;

/// How near the top of the messages, in pixels, scrolling up brings in the earlier ones.
const NEAR_TOP: f64 = 600.0;

/// A reloaded thread (its latest page) with the earlier messages already shown kept in front
/// of it, when the two meet; otherwise the latest page as it is.
fn keep_earlier(shown: Option<&Conversation>, mut latest: Conversation) -> Conversation {
    let Some(shown) = shown.filter(|shown| shown.id == latest.id) else {
        return latest;
    };
    // The latest page starts at the first message: nothing earlier to keep.
    if latest.older_messages_cursor.is_none() {
        return latest;
    }
    let Some(first) = latest.messages.first().map(|m| m.id) else {
        return latest;
    };
    match shown.messages.iter().position(|m| m.id == first) {
        Some(at) if at > 0 => {
            let mut messages = shown.messages[..at].to_vec();
            messages.append(&mut latest.messages);
            latest.messages = messages;
            latest.older_messages_cursor = shown.older_messages_cursor.clone();
            latest
        }
        _ => latest,
    }
}

/// The window's vertical scroll position (the page scrolls as a whole, on a phone too).
fn scroll_y() -> f64 {
    web_sys::window()
        .and_then(|window| window.scroll_y().ok())
        .unwrap_or_default()
}

/// The thread page, `/messages/:id`.
#[component]
pub fn ThreadPage() -> impl IntoView {
    let auth = Auth::get();
    let unread = Unread::get();
    let params = use_params_map();
    let route_id = Memo::new(move |_| {
        params
            .read()
            .get("id")
            .and_then(|id| Uuid::parse_str(&id).ok())
    });
    let thread = RwSignal::new(None::<Conversation>);
    let loading = RwSignal::new(true);
    let error = RwSignal::new(None::<String>);

    Effect::new(move |_| {
        let Some(id) = route_id.get() else {
            error.set(Some(
                "This address does not point to a conversation.".into(),
            ));
            loading.set(false);
            return;
        };
        thread.set(None);
        error.set(None);
        loading.set(true);
        spawn_local(async move {
            let result = auth
                .call(|token| async move { api::conversations::get(&token, id).await })
                .await;
            // Another thread was opened meanwhile: this answer is for a page no longer shown.
            if route_id.try_get_untracked().flatten() != Some(id) {
                return;
            }
            match result {
                Ok(conversation) => thread.set(Some(conversation)),
                Err(failure) => error.set(Some(open_problem(&failure))),
            }
            loading.set(false);
            // Opening marked it read.
            unread.refresh();
        });
    });

    // Live: a message posted or deleted in this thread (by anyone, on any device) reloads it
    // in place, which marks it read again; a deleted thread says so. The reload brings the
    // latest page: the earlier messages already shown stay (a deleted one goes at once), except
    // after a resync, which starts again from the latest page.
    let latest = LatestOnly::new();
    Live::get().on_event(move |event| {
        let Some(id) = route_id.get_untracked() else {
            return;
        };
        if !event.concerns_thread(id) || thread.with_untracked(Option::is_none) {
            return;
        }
        if event.kind == EventKind::ConversationDeleted {
            thread.set(None);
            error.set(Some("This conversation has been deleted.".into()));
            return;
        }
        if !matches!(
            event.kind,
            EventKind::MessageCreated | EventKind::MessageDeleted | EventKind::Resync
        ) {
            return;
        }
        if event.kind == EventKind::MessageDeleted
            && let Some(message_id) = event.data.message_id
        {
            thread.update(|t| {
                if let Some(t) = t {
                    t.messages.retain(|m| m.id != message_id);
                }
            });
        }
        let keep = event.kind != EventKind::Resync;
        let Some(request) = latest.next() else {
            return;
        };
        spawn_local(async move {
            let result = auth
                .call(|token| async move { api::conversations::get(&token, id).await })
                .await;
            let current =
                route_id.try_get_untracked().flatten() == Some(id) && latest.is_latest(request);
            if let (true, Ok(conversation)) = (current, result) {
                let conversation = if keep {
                    thread.with_untracked(|shown| keep_earlier(shown.as_ref(), conversation))
                } else {
                    conversation
                };
                thread.set(Some(conversation));
                unread.refresh();
            }
        });
    });

    view! {
        <div class="thread">
            <A href="/messages" attr:class="back-link">
                <svg viewBox="0 0 24 24" width="16" height="16" aria-hidden="true">
                    <path d="M15 5l-7 7 7 7" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round" />
                </svg>
                "All messages"
            </A>
            <Show when=move || loading.get()>
                <p class="empty-line" role="status">"Loading…"</p>
            </Show>
            {move || error.get().map(|text| view! {
                <section class="empty-state" data-testid="thread-error">
                    <h2>"Cannot open this conversation"</h2>
                    <p role="alert">{text}</p>
                    <a class="button" href="/messages">"Back to messages"</a>
                </section>
            })}
            <Show when=move || thread.with(Option::is_some)>
                <ThreadView thread />
            </Show>
        </div>
    }
}

/// A loaded thread. `thread` is always `Some` here; replies and deletions update it in place.
#[component]
fn ThreadView(thread: RwSignal<Option<Conversation>>) -> impl IntoView {
    let auth = Auth::get();
    let unread = Unread::get();
    let navigate = use_navigate();
    let me = auth.session().map(|s| s.me.person.id);
    let subject =
        move || thread.with(|t| t.as_ref().map(|t| t.subject.clone()).unwrap_or_default());
    let conversation_id = thread.with_untracked(|t| t.as_ref().map(|t| t.id));
    let can_delete = move || thread.with(|t| t.as_ref().is_some_and(|t| t.can_delete));
    // Memos: the reply box is drawn again only when these change, not with every message that
    // arrives, which would throw away what is being typed.
    let can_reply = Memo::new(move |_| thread.with(|t| t.as_ref().is_some_and(|t| t.can_reply)));
    let reply_block = Memo::new(move |_| thread.with(|t| t.as_ref().and_then(|t| t.reply_blocked)));
    // Only the messages shown are counted: with earlier ones not loaded, no number is given.
    let confirm_text = move || {
        let (n, more) = thread.with_untracked(|t| {
            t.as_ref().map_or((0, false), |t| {
                (t.messages.len(), t.older_messages_cursor.is_some())
            })
        });
        let messages = if more {
            "all its messages".to_owned()
        } else if n == 1 {
            "its one message".to_owned()
        } else {
            format!("all {n} messages in it")
        };
        format!(
            "Delete this conversation and {messages} for everyone? This is permanent and cannot be undone."
        )
    };

    let confirming = RwSignal::new(false);
    let deleting = RwSignal::new(false);
    let delete_error = RwSignal::new(None::<String>);
    // Archiving goes back to the inbox too.
    let to_inbox = navigate.clone();
    let delete_thread = move || {
        let Some(id) = conversation_id else { return };
        deleting.set(true);
        delete_error.set(None);
        let navigate = navigate.clone();
        spawn_local(async move {
            match auth
                .call(|token| async move { api::conversations::delete_conversation(&token, id).await })
                .await
            {
                Ok(()) => {
                    unread.refresh();
                    navigate("/messages", Default::default());
                }
                Err(failure) => {
                    delete_error.set(Some(failure.message()));
                    deleting.set(false);
                }
            }
        });
    };
    let archiving = RwSignal::new(false);
    let archive_error = RwSignal::new(None::<String>);
    let archive_thread = move || {
        let Some(id) = conversation_id else { return };
        archiving.set(true);
        archive_error.set(None);
        let navigate = to_inbox.clone();
        spawn_local(async move {
            match auth
                .call(|token| async move { api::conversations::archive(&token, id).await })
                .await
            {
                Ok(()) => {
                    unread.refresh();
                    navigate("/messages", Default::default());
                }
                Err(failure) => {
                    archive_error.set(Some(format!(
                        "Could not archive this conversation. {}",
                        failure.message()
                    )));
                    archiving.set(false);
                }
            }
        });
    };
    let remove_message = move |message_id: Uuid| {
        thread.update(|t| {
            if let Some(t) = t {
                t.messages.retain(|m| m.id != message_id);
            }
        });
    };

    // Earlier messages, a page at a time, one request at a time.
    let list = NodeRef::<html::Ol>::new();
    let older_button = NodeRef::<html::Button>::new();
    let older_loading = RwSignal::new(false);
    let older_error = RwSignal::new(None::<String>);
    let older_status = RwSignal::new(String::new());
    let paged_back = RwSignal::new(false);
    let older = Memo::new(move |_| {
        if thread.with(|t| {
            t.as_ref()
                .is_some_and(|t| t.older_messages_cursor.is_some())
        }) {
            Older::More
        } else if paged_back.get() {
            Older::Start
        } else {
            Older::Nothing
        }
    });
    let load_older = move || {
        let Some(id) = conversation_id else { return };
        if older_loading.get_untracked() {
            return;
        }
        let Some((before, first)) = thread.with_untracked(|t| {
            t.as_ref().and_then(|t| {
                let first = t.messages.first().map(|m| m.id);
                t.older_messages_cursor
                    .clone()
                    .map(|cursor| (cursor, first))
            })
        }) else {
            return;
        };
        older_loading.set(true);
        older_error.set(None);
        older_status.set("Loading earlier messages…".into());
        spawn_local(async move {
            let result = auth
                .call(|token| {
                    let before = before.clone();
                    async move {
                        api::conversations::older_messages(&token, id, &before, OLDER_PAGE).await
                    }
                })
                .await;
            // Another thread was opened meanwhile: nothing to show it in.
            if older_loading.try_set(false).is_some() {
                return;
            }
            let status = match result {
                Ok(page) => match show_older(thread, list, older_button, paged_back, page, first) {
                    Some(0) => "No earlier messages.".to_owned(),
                    Some(1) => "1 earlier message shown.".to_owned(),
                    Some(n) => format!("{n} earlier messages shown."),
                    // Reloaded from its latest page meanwhile: the answer no longer fits.
                    None => String::new(),
                },
                Err(failure) => {
                    older_error.set(Some(format!(
                        "Could not load the earlier messages. {}",
                        failure.message()
                    )));
                    String::new()
                }
            };
            older_status.set(status);
        });
    };

    // Scrolling up to near the top of the messages brings in the earlier ones (not after a
    // failure: the button tries again). The whole page scrolls, on a phone as on a desktop.
    let last_y = StoredValue::new(scroll_y());
    let on_scroll = window_event_listener(leptos::ev::scroll, move |_| {
        let y = scroll_y();
        let Some(previous) = last_y.try_get_value() else {
            return;
        };
        last_y.set_value(y);
        let waiting = older.try_get_untracked() == Some(Older::More)
            && older_loading.try_get_untracked() == Some(false)
            && older_error.try_with_untracked(Option::is_none) == Some(true);
        if y < previous && waiting {
            let top = list.get_untracked().map_or(0, |ol| ol.offset_top());
            if y <= f64::from(top) + NEAR_TOP {
                load_older();
            }
        }
    });
    on_cleanup(move || on_scroll.remove());

    view! {
        <header class="thread-header">
            <div class="thread-title">
                <h1 data-testid="thread-subject">{subject}</h1>
                <ul class="participants" aria-label="Participants" data-testid="participants">
                    {move || thread.with(|t| t.as_ref().map(|t| t.participants.clone()).unwrap_or_default())
                        .into_iter()
                        .map(|p| {
                            let client = p.kind == PersonKind::Client;
                            if Some(p.id) == me {
                                return view! {
                                    <li class="participant" class:participant-client=client>
                                        {p.name}
                                        <span class="muted">" (you)"</span>
                                    </li>
                                }
                                .into_any();
                            }
                            // Everyone else leads to every thread the reader shares with them.
                            let label = format!("Threads with {}", p.name);
                            view! {
                                <li>
                                    <a
                                        class="participant-link"
                                        href=format!("/messages?folder=all&with={}", p.id)
                                        aria-label=label
                                        data-testid="participant-link"
                                    >
                                        <span class="participant" class:participant-client=client>{p.name}</span>
                                    </a>
                                </li>
                            }
                            .into_any()
                        })
                        .collect_view()}
                </ul>
            </div>
            <div class="thread-actions">
                <button
                    class="button button-secondary button-small"
                    type="button"
                    data-testid="archive-thread"
                    disabled=move || archiving.get()
                    on:click=move |_| archive_thread()
                >
                    {move || if archiving.get() { "Archiving…" } else { "Archive" }}
                </button>
                <Show when=can_delete>
                    <button
                        class="button button-danger-quiet"
                        type="button"
                        data-testid="delete-thread"
                        on:click=move |_| confirming.set(true)
                    >
                        "Delete conversation"
                    </button>
                </Show>
            </div>
        </header>
        {move || archive_error.get().map(|text| view! {
            <p class="form-error archive-error" role="alert" data-testid="archive-error">{text}</p>
        })}
        <Show when=move || confirming.get()>
            <ConfirmPanel
                message=confirm_text()
                confirm_label="Delete conversation"
                busy=deleting
                error=delete_error
                on_confirm=delete_thread.clone()
                on_cancel=move || confirming.set(false)
            />
        </Show>
        {move || match older.get() {
            Older::More => Some(view! {
                <div class="older-messages">
                    <button
                        class="button button-secondary"
                        type="button"
                        data-testid="load-older-messages"
                        node_ref=older_button
                        aria-disabled=move || older_loading.get().to_string()
                        on:click=move |_| load_older()
                    >
                        {move || if older_loading.get() { "Loading earlier messages…" } else { "Show earlier messages" }}
                    </button>
                    {move || older_error.get().map(|text| view! {
                        <p class="form-error" role="alert" data-testid="load-older-error">{text}</p>
                    })}
                </div>
            }.into_any()),
            Older::Start => Some(view! {
                <p class="older-messages older-messages-start" data-testid="thread-start">"Start of the conversation"</p>
            }.into_any()),
            Older::Nothing => None,
        }}
        <p class="visually-hidden" role="status" data-testid="older-messages-status">{move || older_status.get()}</p>
        <ol class="messages" aria-label="Messages" data-testid="thread-messages" node_ref=list>
            <For
                each=move || thread.with(|t| t.as_ref().map(|t| t.messages.clone()).unwrap_or_default())
                key=|m| m.id
                let:message
            >
                <MessageCard message conversation_id=conversation_id.unwrap_or_default() mine=me on_deleted=remove_message />
            </For>
        </ol>
        {move || {
            if can_reply.get() {
                conversation_id.map(|id| view! { <ReplyBox id thread /> }.into_any())
            } else {
                let block = reply_block.get();
                Some(view! { <ReplyBlocked block /> }.into_any())
            }
        }}
    }
}

/// What stands above the messages.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Older {
    /// Earlier messages wait: the button that brings them.
    More,
    /// The reader paged back to the first message.
    Start,
    /// The whole thread was there from the start: nothing.
    Nothing,
}

/// Puts `page` (the messages before `first`, the first one shown) in front of the thread and
/// keeps the reading position: the messages already shown stay where they were on the screen.
/// When the button that asked had the focus and is gone (the first message is reached), the
/// focus moves to the latest of the messages brought in. Returns how many were added, or
/// `None` when the thread no longer starts at `first` (reloaded meanwhile).
fn show_older(
    thread: RwSignal<Option<Conversation>>,
    list: NodeRef<html::Ol>,
    button: NodeRef<html::Button>,
    paged_back: RwSignal<bool>,
    page: MessagePage,
    first: Option<Uuid>,
) -> Option<usize> {
    let fits = thread
        .try_with_untracked(|t| {
            t.as_ref()
                .is_some_and(|t| t.messages.first().map(|m| m.id) == first)
        })
        .unwrap_or(false);
    if !fits {
        return None;
    }
    // Where the first message shown is now, to put it back there once the others are in.
    let anchor = list
        .get_untracked()
        .and_then(|ol| ol.first_element_child())
        .and_then(|element| element.dyn_into::<web_sys::HtmlElement>().ok());
    let anchor_top = anchor.as_ref().map(|element| element.offset_top());
    let y = scroll_y();
    let focused = match (
        button.get_untracked(),
        web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.active_element()),
    ) {
        (Some(button), Some(active)) => active.is_same_node(Some(&button)),
        _ => false,
    };
    let at_start = page.next_cursor.is_none();
    let mut added = 0;
    paged_back.try_set(true);
    thread.try_update(|t| {
        if let Some(t) = t {
            let shown: HashSet<Uuid> = t.messages.iter().map(|m| m.id).collect();
            let mut messages: Vec<Message> = page
                .items
                .into_iter()
                .filter(|m| !shown.contains(&m.id))
                .collect();
            added = messages.len();
            messages.append(&mut t.messages);
            t.messages = messages;
            t.older_messages_cursor = page.next_cursor;
        }
    });
    if let (Some(anchor), Some(before)) = (anchor, anchor_top) {
        // After the new messages are drawn and before they are painted. The browser may have
        // kept the position itself (scroll anchoring): scrolling to the same place is harmless.
        request_animation_frame(move || {
            let Some(window) = web_sys::window() else {
                return;
            };
            let moved = anchor.offset_top() - before;
            if moved != 0 {
                window.scroll_to_with_x_and_y(
                    window.scroll_x().unwrap_or_default(),
                    y + f64::from(moved),
                );
            }
            if focused
                && at_start
                && let Some(latest) = anchor
                    .previous_element_sibling()
                    .and_then(|element| element.dyn_into::<web_sys::HtmlElement>().ok())
            {
                latest.set_attribute("tabindex", "-1").ok();
                latest.focus().ok();
            }
        });
    }
    Some(added)
}

/// One message, with its delete action when the reader wrote it (staff only).
#[component]
fn MessageCard(
    message: Message,
    conversation_id: Uuid,
    mine: Option<Uuid>,
    on_deleted: impl Fn(Uuid) + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let auth = Auth::get();
    let confirming = RwSignal::new(false);
    let deleting = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let id = message.id;
    let delete = move || {
        deleting.set(true);
        error.set(None);
        spawn_local(async move {
            match auth
                .call(|token| async move {
                    api::conversations::delete_message(&token, conversation_id, id).await
                })
                .await
            {
                Ok(()) => on_deleted(id),
                Err(failure) => {
                    error.set(Some(failure.message()));
                    deleting.set(false);
                }
            }
        });
    };
    let author = message.author;
    let is_mine = Some(author.id) == mine;
    let kind = match author.kind {
        PersonKind::Staff => "Staff",
        PersonKind::Client => "Client",
    };
    view! {
        <li class="message" class:message-mine=is_mine data-testid="message">
            <div class="message-head">
                <Avatar name=author.name.clone() muted=author.kind == PersonKind::Client />
                <div class="message-meta">
                    <span class="message-author" data-testid="message-author">
                        {author.name.clone()}
                        {is_mine.then_some(view! { <span class="muted">" (you)"</span> })}
                    </span>
                    <span class="message-sub">
                        <span>{kind}</span>
                        " · "
                        <Time millis=message.created_at.timestamp_millis() long=true />
                    </span>
                </div>
                {message.can_delete.then(|| view! {
                    <button
                        class="link-button danger message-delete"
                        type="button"
                        data-testid="delete-message"
                        on:click=move |_| confirming.set(true)
                    >
                        "Delete message"
                    </button>
                })}
            </div>
            // Plain text: Leptos escapes it, and CSS keeps its line breaks.
            <div class="message-body" data-testid="message-body">{message.body}</div>
            {(!message.attachments.is_empty()).then(|| view! {
                <MessageAttachments attachments=message.attachments />
            })}
            <Show when=move || confirming.get()>
                <ConfirmPanel
                    message="Delete this message for everyone in the conversation? This is permanent and cannot be undone."
                    confirm_label="Delete message"
                    busy=deleting
                    error=error
                    on_confirm=delete
                    on_cancel=move || confirming.set(false)
                />
            </Show>
        </li>
    }
}

/// Why the reader cannot post here, in words (R-MULTI-CLIENT, R-INACTIVE).
#[component]
fn ReplyBlocked(block: Option<ReplyBlock>) -> impl IntoView {
    let (text, new_message) = match block {
        Some(ReplyBlock::MultiClient) => (
            "This message was sent to several clients, so you cannot reply here. Write a new message to answer.",
            true,
        ),
        Some(ReplyBlock::Inactive) => (
            "Your account is inactive: you can read your messages but not send new ones.",
            false,
        ),
        None => ("You cannot reply in this conversation.", false),
    };
    view! {
        <div class="notice reply-blocked" role="note" data-testid="reply-blocked">
            <span>{text}</span>
            {new_message.then(|| view! {
                <A href="/messages/new" attr:class="button button-secondary">"New message"</A>
            })}
        </div>
    }
}

/// The reply box; the sent message is added to the thread. Ctrl+Enter (⌘+Enter) sends.
#[component]
fn ReplyBox(id: Uuid, thread: RwSignal<Option<Conversation>>) -> impl IntoView {
    let auth = Auth::get();
    let unread = Unread::get();
    let draft = RwSignal::new(String::new());
    let touched = RwSignal::new(false);
    let busy = RwSignal::new(false);
    let failure = RwSignal::new(None::<ApiError>);
    let files = PendingFiles::new();

    let saver = DraftSaver::new(String::new(), move |text: String, delivery| async move {
        let request = SaveReplyDraftRequest { body: text };
        auth.call(|token| {
            let request = request.clone();
            async move { api::drafts::save_reply(&token, id, &request, delivery).await }
        })
        .await
        .map(|_| ())
    });
    Effect::new(move |_| saver.changed(draft.get()));
    spawn_local(async move {
        match auth
            .call(|token| async move { api::drafts::get_reply(&token, id).await })
            .await
        {
            // What was typed while it loaded is kept.
            Ok(Some(saved)) if draft.try_with_untracked(String::is_empty) == Some(true) => {
                // Known to the saver first, so that putting it back does not save it again.
                saver.restored(saved.body.clone(), None);
                draft.set(saved.body);
            }
            Ok(_) => {}
            Err(error) => saver.load_failed(&error),
        }
    });

    // Too long is said while typing; empty only once they tried to send.
    let problem = move || {
        draft
            .with(|text| body_problem(text))
            .filter(|_| touched.get() || draft.with(|text| !text.trim().is_empty()))
    };
    let send = move || {
        touched.set(true);
        let files_ready = files.ready_to_send();
        if busy.get_untracked()
            || draft.with_untracked(|text| body_problem(text)).is_some()
            || !files_ready
        {
            return;
        }
        busy.set(true);
        failure.set(None);
        let body = CreateMessageRequest {
            body: draft.get_untracked(),
            attachment_ids: files.ids(),
        };
        spawn_local(async move {
            // The server removes the draft with the reply: a save still under way must not
            // land after it and bring the draft back.
            saver.pause().await;
            let result = auth
                .call(|token| {
                    let body = body.clone();
                    async move { api::conversations::reply(&token, id, &body).await }
                })
                .await;
            match result {
                Ok(message) => {
                    thread.update(|t| {
                        if let Some(t) = t {
                            t.messages.push(message);
                        }
                    });
                    saver.sent(String::new());
                    draft.set(String::new());
                    files.clear();
                    touched.set(false);
                    unread.refresh();
                }
                Err(error) => {
                    failure.set(Some(error));
                    saver.resume();
                }
            }
            busy.set(false);
        });
    };
    let body_error =
        move || problem().or_else(|| failure.with(|f| f.as_ref().and_then(|f| f.field("body"))));
    let other_error = move || {
        failure
            .get()
            .filter(|f| f.field("body").is_none() && f.field("attachment_ids").is_none())
            .map(|f| f.message())
    };
    view! {
        <form
            class="reply"
            novalidate
            // Leaving the box saves at once what its pause has not saved yet.
            on:focusout=move |_| saver.flush()
            on:submit=move |ev: leptos::ev::SubmitEvent| {
                ev.prevent_default();
                send();
            }
        >
            <label class="reply-label" for="reply-box">"Reply"</label>
            <textarea
                id="reply-box"
                name="body"
                rows="5"
                placeholder="Write your reply…"
                data-testid="reply-box"
                aria-invalid=move || body_error().is_some().to_string()
                bind:value=draft
                on:keydown=move |ev: leptos::ev::KeyboardEvent| {
                    if ev.key() == "Enter" && (ev.ctrl_key() || ev.meta_key()) {
                        ev.prevent_default();
                        send();
                    }
                }
            ></textarea>
            {move || body_error().map(|text| view! { <span class="field-error" data-testid="reply-error">{text}</span> })}
            {move || other_error().map(|text| view! { <p class="form-error" role="alert" data-testid="reply-failure">{text}</p> })}
            <AttachFiles
                files
                error=Signal::derive(move || failure.with(|f| f.as_ref().and_then(|f| f.field("attachment_ids"))))
            />
            <DraftStatus state=saver.state() testid="reply-draft-status" />
            <div class="reply-actions">
                <span class="field-hint">
                    "Only the people in this conversation can read it."
                    // Shown only where there is a keyboard (style.css): a phone has no Ctrl.
                    <span class="keyboard-hint">" Ctrl+Enter sends."</span>
                </span>
                <button class="button" type="submit" data-testid="send-reply" disabled=move || busy.get() || files.uploading()>
                    {move || if busy.get() { "Sending…" } else { "Send reply" }}
                </button>
            </div>
        </form>
    }
}
