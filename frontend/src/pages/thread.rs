//! One conversation: its subject, the participants the reader may see, the messages oldest
//! first, and a reply box when the reader may post, or the reason why not. Staff can delete
//! their own messages and the threads they started, after a confirmation that says it is
//! permanent. Opening a thread marks it read on the server, so the badge is refreshed after.
//! The thread follows the live stream: a reply or a deletion by anyone appears at once.
//! Files sent with a message are listed under it and download through the API; the reply box
//! can attach files too.

use confidant_openapi::ProblemCode;
use confidant_openapi::conversations::{
    Conversation, CreateMessageRequest, MAX_BODY_CHARS, Message, ReplyBlock,
};
use confidant_openapi::events::EventKind;
use confidant_openapi::people::PersonKind;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::A;
use leptos_router::hooks::{use_navigate, use_params_map};
use uuid::Uuid;

use crate::api::{self, ApiError};
use crate::auth::Auth;
use crate::components::attachments::{AttachFiles, MessageAttachments, PendingFiles};
use crate::components::avatar::Avatar;
use crate::components::confirm::ConfirmPanel;
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
    // in place, which marks it read again; a deleted thread says so.
    let latest = StoredValue::new(0u64);
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
        let Some(request) = latest.try_get_value().map(|n| n + 1) else {
            return;
        };
        latest.set_value(request);
        spawn_local(async move {
            let result = auth
                .call(|token| async move { api::conversations::get(&token, id).await })
                .await;
            let current = route_id.try_get_untracked().flatten() == Some(id)
                && latest.try_get_value() == Some(request);
            if let (true, Ok(conversation)) = (current, result) {
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
    let can_reply = move || thread.with(|t| t.as_ref().is_some_and(|t| t.can_reply));
    let confirm_text = move || {
        let n = thread.with_untracked(|t| t.as_ref().map_or(0, |t| t.messages.len()));
        let messages = if n == 1 {
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
    let remove_message = move |message_id: Uuid| {
        thread.update(|t| {
            if let Some(t) = t {
                t.messages.retain(|m| m.id != message_id);
            }
        });
    };

    view! {
        <header class="thread-header">
            <div class="thread-title">
                <h1 data-testid="thread-subject">{subject}</h1>
                <ul class="participants" aria-label="Participants" data-testid="participants">
                    {move || thread.with(|t| t.as_ref().map(|t| t.participants.clone()).unwrap_or_default())
                        .into_iter()
                        .map(|p| {
                            let mine = Some(p.id) == me;
                            view! {
                                <li class="participant" class:participant-client=p.kind == PersonKind::Client>
                                    {p.name}
                                    {mine.then_some(view! { <span class="muted">" (you)"</span> })}
                                </li>
                            }
                        })
                        .collect_view()}
                </ul>
            </div>
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
        </header>
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
        <ol class="messages" aria-label="Messages" data-testid="thread-messages">
            <For
                each=move || thread.with(|t| t.as_ref().map(|t| t.messages.clone()).unwrap_or_default())
                key=|m| m.id
                let:message
            >
                <MessageCard message conversation_id=conversation_id.unwrap_or_default() mine=me on_deleted=remove_message />
            </For>
        </ol>
        {move || {
            if can_reply() {
                conversation_id.map(|id| view! { <ReplyBox id thread /> }.into_any())
            } else {
                let block = thread.with(|t| t.as_ref().and_then(|t| t.reply_blocked));
                Some(view! { <ReplyBlocked block /> }.into_any())
            }
        }}
    }
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
                    draft.set(String::new());
                    files.clear();
                    touched.set(false);
                    unread.refresh();
                }
                Err(error) => failure.set(Some(error)),
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
            <div class="reply-actions">
                <span class="field-hint">"Only the people in this conversation can read it. Ctrl+Enter sends."</span>
                <button class="button" type="submit" data-testid="send-reply" disabled=move || busy.get() || files.uploading()>
                    {move || if busy.get() { "Sending…" } else { "Send reply" }}
                </button>
            </div>
        </form>
    }
}
