//! A new message: the To picker (type-ahead over what the server says the writer may
//! address), a subject and a body, each checked here against the rules of R-COMPOSE before
//! sending and again by the server, whose answers are shown next to the fields. After sending,
//! the new thread opens. Files can be attached: each uploads as soon as it is chosen, and Send
//! waits for them. A client who may not send (inactive or archived) sees why instead.
//!
//! The picker guards against the mistakes a busy practice makes: staff see each person's
//! masked email and status (two clients of the same name, an inactive one); a client sees
//! their own providers first; and two or more clients in To bring a warning, before anything
//! is sent, that they would share one thread they cannot reply to (R-MULTI-CLIENT), with the
//! way out: a blast, which opens with the clients, subject, message and files given here.
//!
//! What is written is kept as a draft on the server while typing (never in the browser: clinic
//! computers are shared) and put back when the page opens again; Discard removes it, and the
//! server removes it when the message is sent.

use std::collections::HashMap;

use confidant_openapi::ProblemCode;
use confidant_openapi::conversations::{
    CreateConversationRequest, MAX_SUBJECT_CHARS, RecipientRef,
};
use confidant_openapi::drafts::{Draft, SaveDraftRequest};
use confidant_openapi::people::{Person, PersonKind, PersonStatus};
use confidant_openapi::recipients::Recipient;
use leptos::html;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::A;
use leptos_router::hooks::use_navigate;
use uuid::Uuid;

use crate::api::{self, ApiError};
use crate::auth::Auth;
use crate::components::attachments::{AttachFiles, PendingFiles};
use crate::components::blast_handoff::{self, BlastHandoff};
use crate::components::discard::DiscardButton;
use crate::components::draft::{DraftSaver, DraftStatus};
use crate::components::lookup::{LatestOnly, Ticket};
use crate::components::recipient_labels::{
    can_receive, mask_email, person_id, recipient_name, spoken_label,
};
use crate::components::recipient_summary::RecipientSummary;
use crate::components::unread::Unread;
use crate::pages::thread::body_problem;

/// What tells To entries apart.
fn key(recipient: &Recipient) -> (&'static str, Option<uuid::Uuid>) {
    match recipient {
        Recipient::Person { id, .. } => ("person", Some(*id)),
        Recipient::StaffGroup { id, .. } => ("staff_group", Some(*id)),
        Recipient::AllStaff => ("all_staff", None),
    }
}

/// How many people one search offers a staff member (the server's default).
const STAFF_DIRECTORY_LIMIT: u32 = 20;

/// A client's directory is the practice's staff: asking for the server's most brings their
/// care team into the answer, so that it can be put first.
const CLIENT_DIRECTORY_LIMIT: u32 = 100;

/// How many records are read to show emails and statuses: more than the directory offers,
/// since the people list also holds the deactivated staff the directory leaves out.
const DETAILS_LIMIT: u32 = 50;

/// How the writer is tied to an offered person, if at all: a client's own providers, a
/// provider's own clients.
fn tie(me: &Person, recipient: &Recipient, details: Option<&Person>) -> Option<&'static str> {
    let Recipient::Person { id, kind, .. } = recipient else {
        return None;
    };
    let assigned = |client: &Person, provider: Uuid| {
        client
            .provider_ids
            .as_ref()
            .is_some_and(|ids| ids.contains(&provider))
    };
    match (me.kind, kind) {
        (PersonKind::Client, PersonKind::Staff) if assigned(me, *id) => Some("Your provider"),
        (PersonKind::Staff, PersonKind::Client) if details.is_some_and(|c| assigned(c, me.id)) => {
            Some("Your client")
        }
        _ => None,
    }
}

/// How many clients are in To (staff groups hold only staff).
fn client_count(chosen: &[Recipient]) -> usize {
    chosen
        .iter()
        .filter(|r| {
            matches!(
                r,
                Recipient::Person {
                    kind: PersonKind::Client,
                    ..
                }
            )
        })
        .count()
}

/// The element id of the suggestion at `index`.
fn option_id(index: usize) -> String {
    format!("to-option-{index}")
}

/// Whether an entry can be sent a new thread, as far as the records read so far tell.
fn receives(known: &HashMap<Uuid, Person>, recipient: &Recipient) -> bool {
    person_id(recipient)
        .and_then(|id| known.get(&id))
        .is_none_or(|person| can_receive(person.status))
}

/// The entry as the API takes it.
fn reference(recipient: &Recipient) -> RecipientRef {
    match recipient {
        Recipient::Person { id, .. } => RecipientRef::Person { id: *id },
        Recipient::StaffGroup { id, .. } => RecipientRef::StaffGroup { id: *id },
        Recipient::AllStaff => RecipientRef::AllStaff,
    }
}

/// How many directory entries are read to put names back on a restored draft's To: the
/// server's most. Staff look up the people it leaves out one by one.
const RESTORE_DIRECTORY_LIMIT: u32 = 100;

/// At most this many people are looked up one by one when restoring (a bounded wait).
const RESTORE_LOOKUP_LIMIT: usize = 20;

/// A saved draft's To as the picker shows it, with how many entries could not be put back
/// (someone who left or can no longer receive, a deleted group). The draft keeps only ids:
/// the names come from the directory, and for staff from the records of the people it does
/// not list (it lists the first hundred by name).
async fn resolve_recipients(
    auth: Auth,
    saved: &[RecipientRef],
    staff: bool,
) -> Result<(Vec<Recipient>, usize), ApiError> {
    // Nothing to name (an empty To, or "All staff" alone): no need to ask the directory.
    if saved.iter().all(|r| *r == RecipientRef::AllStaff) {
        return Ok((saved.iter().map(|_| Recipient::AllStaff).collect(), 0));
    }
    let directory =
        auth.call(|token| async move {
            api::recipients::search(&token, "", RESTORE_DIRECTORY_LIMIT).await
        })
        .await?
        .items;
    let mut found = Vec::new();
    let mut lookups = 0;
    for wanted in saved {
        if let Some(entry) = directory.iter().find(|entry| reference(entry) == *wanted) {
            found.push(entry.clone());
            continue;
        }
        let RecipientRef::Person { id } = *wanted else {
            continue;
        };
        if !staff || lookups == RESTORE_LOOKUP_LIMIT {
            continue;
        }
        lookups += 1;
        let person = auth
            .call(|token| async move { api::people::get(&token, id).await })
            .await;
        // Not found (gone from the practice) or deactivated: it cannot be put back.
        if let Ok(person) = person
            && can_receive(person.status)
        {
            found.push(Recipient::Person {
                id,
                name: person.name,
                kind: person.kind,
            });
        }
    }
    let missing = saved.len() - found.len();
    Ok((found, missing))
}

/// Puts a saved draft back into an untouched form; what the person typed first is kept.
async fn restore(
    auth: Auth,
    draft: Draft,
    staff: bool,
    chosen: RwSignal<Vec<Recipient>>,
    subject: RwSignal<String>,
    body: RwSignal<String>,
    saver: DraftSaver<SaveDraftRequest>,
) {
    let (recipients, note) = match resolve_recipients(auth, &draft.recipients, staff).await {
        Ok((recipients, 0)) => (recipients, None),
        Ok((recipients, 1)) => (
            recipients,
            Some("1 saved recipient could not be added back to To.".to_owned()),
        ),
        Ok((recipients, n)) => (
            recipients,
            Some(format!(
                "{n} saved recipients could not be added back to To."
            )),
        ),
        Err(failure) => (
            Vec::new(),
            Some(format!(
                "Its recipients could not be added back to To: {}",
                failure.message()
            )),
        ),
    };
    let untouched = subject.try_with_untracked(String::is_empty) == Some(true)
        && body.try_with_untracked(String::is_empty) == Some(true)
        && chosen.try_with_untracked(Vec::is_empty) == Some(true);
    if !untouched {
        return;
    }
    // Known to the saver first, so that putting it back does not save it again.
    saver.restored(
        SaveDraftRequest {
            subject: draft.subject.clone(),
            body: draft.body.clone(),
            recipients: recipients.iter().map(reference).collect(),
        },
        note,
    );
    subject.set(draft.subject);
    body.set(draft.body);
    chosen.set(recipients);
}

/// What is wrong with a subject, if anything (R-COMPOSE).
fn subject_problem(subject: &str) -> Option<String> {
    let length = subject.trim().chars().count();
    if length == 0 {
        Some("Enter a subject.".into())
    } else if length > MAX_SUBJECT_CHARS {
        Some(format!(
            "Keep the subject to {MAX_SUBJECT_CHARS} characters (it has {length})."
        ))
    } else {
        None
    }
}

/// The new-message page, `/messages/new`.
#[component]
pub fn ComposePage() -> impl IntoView {
    let auth = Auth::get();
    // R-INACTIVE: the server refuses too; this saves writing a message that cannot be sent.
    let may_send = move || {
        auth.session().is_none_or(|s| {
            !matches!(
                s.me.person.status,
                PersonStatus::Inactive | PersonStatus::Archived
            )
        })
    };
    view! {
        <header class="page-header">
            <h1>"New message"</h1>
        </header>
        <Show
            when=may_send
            fallback=|| view! {
                <div class="notice notice-block" role="note" data-testid="cannot-send">
                    <strong>"You cannot send messages right now."</strong>
                    <span>"Your account is inactive: you can read your messages but not send new ones. Please contact your practice if you think this is a mistake."</span>
                    <A href="/messages" attr:class="button button-secondary">"Back to messages"</A>
                </div>
            }
        >
            <Composer />
        </Show>
    }
}

#[component]
fn Composer() -> impl IntoView {
    let auth = Auth::get();
    let unread = Unread::get();
    let navigate = use_navigate();
    let chosen = RwSignal::new(Vec::<Recipient>::new());
    let subject = RwSignal::new(String::new());
    let body = RwSignal::new(String::new());
    let touched = RwSignal::new(false);
    let busy = RwSignal::new(false);
    let failure = RwSignal::new(None::<ApiError>);
    let files = PendingFiles::new();
    let clients = Memo::new(move |_| chosen.with(|list| client_count(list)));
    let warning = NodeRef::<html::Div>::new();
    let staff = untrack(|| auth.session()).is_some_and(|s| s.is_staff());
    let me = untrack(|| auth.session()).map(|s| s.me.person.id);
    // The records of people offered in To so far (staff only), by id.
    let details = RwSignal::new(HashMap::<Uuid, Person>::new());

    let saver = DraftSaver::new(
        SaveDraftRequest::default(),
        move |draft: SaveDraftRequest, delivery| async move {
            auth.call(|token| {
                let draft = draft.clone();
                async move { api::drafts::save_new(&token, &draft, delivery).await }
            })
            .await
            .map(|_| ())
        },
    );
    Effect::new(move |_| {
        saver.changed(SaveDraftRequest {
            subject: subject.get(),
            body: body.get(),
            recipients: chosen.with(|list| list.iter().map(reference).collect()),
        });
    });
    spawn_local(async move {
        match auth
            .call(|token| async move { api::drafts::get_new(&token).await })
            .await
        {
            Ok(Some(draft)) => restore(auth, draft, staff, chosen, subject, body, saver).await,
            Ok(None) => {}
            Err(failure) => saver.load_failed(&failure),
        }
    });
    // Discard removes the draft; saving stops first, so that a save under way cannot bring it
    // back, and starts again if removing it failed.
    let forget = Action::new_local(move |_: &()| async move {
        saver.pause().await;
        let result = auth
            .call(|token| async move { api::drafts::delete_new(&token).await })
            .await;
        if result.is_err() {
            saver.resume();
        }
        result
    });

    let recipients_problem = move || {
        (touched.get() && chosen.with(Vec::is_empty))
            .then(|| "Add at least one recipient.".to_owned())
    };
    // Too long is said while typing; empty only once they tried to send.
    let subject_error = move || {
        subject
            .with(|s| subject_problem(s))
            .filter(|_| touched.get() || subject.with(|s| !s.trim().is_empty()))
            .or_else(|| failure.with(|f| f.as_ref().and_then(|f| f.field("subject"))))
    };
    let body_error = move || {
        body.with(|b| body_problem(b))
            .filter(|_| touched.get() || body.with(|b| !b.trim().is_empty()))
            .or_else(|| failure.with(|f| f.as_ref().and_then(|f| f.field("body"))))
    };
    let to_error = move || {
        recipients_problem()
            .or_else(|| failure.with(|f| f.as_ref().and_then(|f| f.field("recipients"))))
    };
    // 403: the server says this person may not send (R-INACTIVE), a notice rather than an error.
    let blocked = move || {
        failure
            .get()
            .filter(|f| f.code() == Some(ProblemCode::Forbidden))
            .map(|f| f.message())
    };
    let other_error = move || {
        failure
            .get()
            .filter(|f| {
                f.code() != Some(ProblemCode::Forbidden)
                    && ["recipients", "subject", "body", "attachment_ids"]
                        .iter()
                        .all(|name| f.field(name).is_none())
            })
            .map(|f| f.message())
    };
    let subject_count = move || subject.with(|s| s.trim().chars().count());
    let typed =
        move || subject.with(|s| !s.trim().is_empty()) || body.with(|b| !b.trim().is_empty());
    // R-MULTI-CLIENT's way out: the blast composer opens with the clients, subject, message and
    // uploaded files given here (a file still uploading stays behind). The draft stays as it
    // is, for coming back.
    let hand_over = move || {
        let Some(me) = me else {
            return;
        };
        let clients = chosen.with_untracked(|list| {
            list.iter()
                .filter_map(|recipient| match recipient {
                    Recipient::Person {
                        id,
                        kind: PersonKind::Client,
                        ..
                    } => Some((*id, recipient_name(recipient))),
                    _ => None,
                })
                .collect::<Vec<_>>()
        });
        let known = details.with_untracked(|known| {
            clients
                .iter()
                .filter_map(|(id, _)| known.get(id).map(|person| (*id, person.clone())))
                .collect()
        });
        blast_handoff::offer(
            me,
            BlastHandoff {
                subject: subject.get_untracked(),
                body: body.get_untracked(),
                clients,
                known,
                files: files.uploaded(),
            },
        );
    };

    // `one_thread`: the writer confirmed that the clients in To share one thread.
    let send = Callback::new(move |one_thread: bool| {
        touched.set(true);
        let invalid = chosen.with_untracked(Vec::is_empty)
            || subject.with_untracked(|s| subject_problem(s)).is_some()
            || body.with_untracked(|b| body_problem(b)).is_some();
        let files_ready = files.ready_to_send();
        if busy.get_untracked() || invalid || !files_ready {
            return;
        }
        // R-MULTI-CLIENT: plain Send never puts clients in one thread; the warning (already on
        // screen) takes the focus, and its own button sends.
        if clients.get_untracked() >= 2 && !one_thread {
            if let Some(warning) = warning.get_untracked() {
                warning.focus().ok();
            }
            return;
        }
        busy.set(true);
        failure.set(None);
        let request = CreateConversationRequest {
            recipients: chosen.with_untracked(|list| list.iter().map(reference).collect()),
            subject: subject.get_untracked(),
            body: body.get_untracked(),
            attachment_ids: files.ids(),
        };
        let navigate = navigate.clone();
        spawn_local(async move {
            // The server removes the draft with the send: a save still under way must not
            // land after it and bring the draft back. Saving stays stopped once sent.
            saver.pause().await;
            let result = auth
                .call(|token| {
                    let request = request.clone();
                    async move { api::conversations::create(&token, &request).await }
                })
                .await;
            match result {
                Ok(conversation) => {
                    files.clear();
                    unread.refresh();
                    navigate(
                        &format!("/messages/{}", conversation.id),
                        Default::default(),
                    );
                }
                Err(error) => {
                    failure.set(Some(error));
                    busy.set(false);
                    saver.resume();
                }
            }
        });
    });

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        send.run(false);
    };

    view! {
        <form
            class="composer"
            on:submit=submit
            // Leaving a field saves at once what its pause has not saved yet.
            on:focusout=move |_| saver.flush()
            novalidate
            data-testid="composer"
        >
            {move || blocked().map(|text| view! {
                <div class="notice notice-block" role="alert" data-testid="send-blocked">{text}</div>
            })}
            <div class="field">
                <label for="to-search">"To"</label>
                <ToPicker chosen details invalid=Signal::derive(move || to_error().is_some()) />
                {move || to_error().map(|text| view! { <span class="field-error" data-testid="to-error">{text}</span> })}
            </div>
            // Right under To, so that it is read before the message is written.
            <Show when=move || { clients.get() >= 2 }>
                <MultiClientWarning
                    clients
                    sending=Signal::derive(move || busy.get() || files.uploading())
                    confirm=move || send.run(true)
                    to_blast=hand_over
                    panel=warning
                />
            </Show>
            <div class="field">
                <div class="field-label-row">
                    <label for="subject">"Subject"</label>
                    <span class="field-hint" class:over={move || subject_count() > MAX_SUBJECT_CHARS}>
                        {move || format!("{} / {MAX_SUBJECT_CHARS}", subject_count())}
                    </span>
                </div>
                <input
                    id="subject"
                    name="subject"
                    autocomplete="off"
                    data-testid="subject"
                    aria-invalid=move || subject_error().is_some().to_string()
                    bind:value=subject
                />
                {move || subject_error().map(|text| view! { <span class="field-error" data-testid="subject-error">{text}</span> })}
            </div>
            <div class="field">
                <div class="field-label-row">
                    <label for="body">"Message"</label>
                    <span class="field-hint">"Up to 50,000 characters"</span>
                </div>
                <textarea
                    id="body"
                    name="body"
                    rows="12"
                    data-testid="body"
                    aria-invalid=move || body_error().is_some().to_string()
                    bind:value=body
                ></textarea>
                {move || body_error().map(|text| view! { <span class="field-error" data-testid="body-error">{text}</span> })}
            </div>
            <AttachFiles
                files
                error=Signal::derive(move || failure.with(|f| f.as_ref().and_then(|f| f.field("attachment_ids"))))
            />
            {move || other_error().map(|text| view! { <p class="form-error" role="alert" data-testid="send-failure">{text}</p> })}
            <DraftStatus state=saver.state() testid="draft-status" />
            <div class="form-actions">
                <button class="button" type="submit" data-testid="send" disabled=move || busy.get() || files.uploading()>
                    <svg viewBox="0 0 24 24" width="16" height="16" aria-hidden="true">
                        <path d="M4 12l16-8-6 16-2.5-6.5z" fill="none" stroke="currentColor" stroke-width="2" stroke-linejoin="round" />
                    </svg>
                    {move || if busy.get() { "Sending…" } else { "Send" }}
                </button>
                <DiscardButton href="/messages" typed=Signal::derive(typed) forget />
                <span class="field-hint">"Recipients get an email saying a secure message is waiting — never its content."</span>
            </div>
        </form>
    }
}

/// R-MULTI-CLIENT said before it happens: clients in one thread see only the author's message
/// and cannot reply. It offers the blast instead (one private thread per client), carrying
/// over what is written, and keeps sending possible through an explicit second button.
#[component]
fn MultiClientWarning(
    /// How many clients are in To (two or more).
    #[prop(into)]
    clients: Signal<usize>,
    /// True while sending or uploading.
    sending: Signal<bool>,
    /// Sends to all in one thread.
    confirm: impl Fn() + 'static,
    /// Hands the clients, subject, message and files to the blast composer, just before it
    /// opens.
    to_blast: impl Fn() + 'static,
    /// The panel, focused when plain Send is pressed.
    panel: NodeRef<html::Div>,
) -> impl IntoView {
    // Plain Send focuses the panel: it then says why nothing was sent, which a focus ring
    // alone would not tell someone using a mouse.
    let asked = RwSignal::new(false);
    // "Send as a blast" pressed while files were still uploading: it waits, and says why
    // (an upload belongs to this page and would stop as it closes).
    let held_back = RwSignal::new(false);
    view! {
        <div
            class="notice notice-block multi-client-warning"
            role="alert"
            tabindex="-1"
            data-testid="multi-client-warning"
            node_ref=panel
            on:focus=move |_| asked.set(true)
        >
            <p>
                {move || format!(
                    "{} clients will each see only your message and cannot reply (they are in one thread together). To write to each of them privately, send a blast instead.",
                    clients.get()
                )}
            </p>
            <Show when=move || asked.get()>
                <p class="strong">"Nothing was sent yet: choose how to send it."</p>
            </Show>
            <div class="warning-actions">
                <a
                    href="/blasts/new"
                    class="button"
                    data-testid="send-as-blast"
                    // On the link itself (events are not delegated in this app): it runs
                    // before the router, listening on the window, opens the blast composer,
                    // which takes what is handed over as it opens. A new tab or window (a
                    // modified click) opens without it.
                    aria-disabled=move || sending.get().to_string()
                    on:click=move |ev| {
                        if sending.get_untracked() {
                            ev.prevent_default();
                            held_back.set(true);
                            return;
                        }
                        let plain = ev.button() == 0
                            && !(ev.ctrl_key() || ev.meta_key() || ev.shift_key() || ev.alt_key());
                        if plain {
                            to_blast();
                        }
                    }
                >
                    "Send as a blast instead"
                </a>
                <button
                    class="button button-secondary"
                    // Not a submit button: Enter in a field presses the form's first one,
                    // which would skip the warning.
                    type="button"
                    data-testid="send-anyway"
                    disabled=move || sending.get()
                    on:click=move |_| confirm()
                >
                    "Send to all in one thread"
                </button>
            </div>
            {move || (held_back.get() && sending.get()).then(|| view! {
                <p class="field-hint strong" data-testid="blast-waits-for-files">
                    "Files are still uploading: send as a blast once they are attached, so that they go with you."
                </p>
            })}
            <span class="field-hint">
                "Your clients, subject, message and attached files go with you; what is written stays here as a draft."
            </span>
        </div>
    }
}

/// The To field: chosen entries as removable chips, and a type-ahead over the directory.
/// Arrow keys move through the suggestions, Enter adds one, Backspace on an empty search
/// removes the last chip, Escape closes the list.
#[component]
fn ToPicker(
    chosen: RwSignal<Vec<Recipient>>,
    /// The records of the people offered so far (staff only), by id.
    details: RwSignal<HashMap<Uuid, Person>>,
    invalid: Signal<bool>,
) -> impl IntoView {
    let auth = Auth::get();
    let input = NodeRef::<html::Input>::new();
    let text = RwSignal::new(String::new());
    let found = RwSignal::new(Vec::<Recipient>::new());
    let searched = RwSignal::new(false);
    let searching = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let open = RwSignal::new(false);
    let highlighted = RwSignal::new(0usize);
    // A slow answer never replaces a newer one.
    let lookup = LatestOnly::new();
    // The writer does not change while the page is open (signing out leaves it).
    let me = StoredValue::new(untrack(|| auth.session()).map(|s| s.me.person));
    let staff = me.with_value(|me| me.as_ref().is_some_and(|me| me.kind == PersonKind::Staff));
    let details_error = RwSignal::new(None::<String>);

    // What can still be added: the answer without what is already chosen.
    let options = Memo::new(move |_| {
        let chosen = chosen.get();
        let mut list = found
            .get()
            .into_iter()
            .filter(|r| !chosen.contains(r))
            .collect::<Vec<_>>();
        // A client writes mostly to their care team: it comes first, each part in name order.
        me.with_value(|me| {
            if let Some(me) = me.as_ref().filter(|me| me.kind == PersonKind::Client) {
                list.sort_by_key(|r| tie(me, r, None).is_none());
            }
        });
        list
    });
    // The directory gives names only; staff may read the people list, which adds each
    // person's email, status, role and providers. Clients may not, and see names.
    let look_up_details = move |query: String, ticket: Ticket| async move {
        let mut path = format!("limit={DETAILS_LIMIT}");
        if !query.trim().is_empty() {
            path.push_str(&format!("&q={}", api::query_value(query.trim())));
        }
        let result = auth
            .call(|token| {
                let path = path.clone();
                async move { api::people::list(&token, &path).await }
            })
            .await;
        if !lookup.is_latest(ticket) {
            return;
        }
        match result {
            Ok(page) => {
                details.update(|known| {
                    known.extend(page.items.into_iter().map(|person| (person.id, person)));
                });
                details_error.set(None);
            }
            Err(failure) => details_error.set(Some(failure.message())),
        }
    };
    let search = move |query: String, wait: bool| {
        let Some(ticket) = lookup.next() else {
            return;
        };
        spawn_local(async move {
            if wait && !lookup.after_pause(ticket).await {
                return;
            }
            searching.set(true);
            if staff {
                spawn_local(look_up_details(query.clone(), ticket));
            }
            let limit = if staff {
                STAFF_DIRECTORY_LIMIT
            } else {
                CLIENT_DIRECTORY_LIMIT
            };
            let result = auth
                .call(|token| {
                    let query = query.clone();
                    async move { api::recipients::search(&token, &query, limit).await }
                })
                .await;
            if !lookup.is_latest(ticket) {
                return;
            }
            match result {
                Ok(list) => {
                    found.set(list.items);
                    error.set(None);
                }
                Err(failure) => error.set(Some(failure.message())),
            }
            highlighted.set(0);
            searched.set(true);
            searching.set(false);
        });
    };
    let choose = move |recipient: Recipient| {
        if !details.with_untracked(|known| receives(known, &recipient)) {
            return;
        }
        chosen.update(|list| {
            if !list.contains(&recipient) {
                list.push(recipient);
            }
        });
        let had_text = !text.get_untracked().is_empty();
        text.set(String::new());
        highlighted.set(0);
        if had_text {
            search(String::new(), false);
        }
        if let Some(input) = input.get_untracked() {
            input.focus().ok();
        }
    };
    let on_keydown = move |ev: leptos::ev::KeyboardEvent| {
        let count = options.with_untracked(Vec::len);
        match ev.key().as_str() {
            "ArrowDown" => {
                ev.prevent_default();
                open.set(true);
                if count > 0 {
                    highlighted.update(|i| *i = (*i + 1) % count);
                }
            }
            "ArrowUp" => {
                ev.prevent_default();
                if count > 0 {
                    highlighted.update(|i| *i = (*i + count - 1) % count);
                }
            }
            "Enter" => {
                // Enter picks a suggestion; it never sends the half-written message.
                ev.prevent_default();
                if open.get_untracked()
                    && let Some(recipient) = options
                        .with_untracked(|list| list.get(highlighted.get_untracked()).cloned())
                {
                    choose(recipient);
                }
            }
            "Escape" => open.set(false),
            "Backspace" if text.with_untracked(String::is_empty) => {
                chosen.update(|list| {
                    list.pop();
                });
            }
            _ => {}
        }
    };

    view! {
        <div class="to-field" class:to-field-invalid=move || invalid.get() on:click=move |_| {
            if let Some(input) = input.get_untracked() {
                input.focus().ok();
            }
        }>
            <ul class="chips" aria-label="Recipients">
                <For each=move || chosen.get() key=key let:recipient>
                    {
                        let name = recipient_name(&recipient);
                        let remove_label = format!("Remove {name}");
                        // Two chosen clients of the same name stay told apart.
                        let client = match &recipient {
                            Recipient::Person { id, kind: PersonKind::Client, .. } => Some(*id),
                            _ => None,
                        };
                        let email = move || {
                            client.and_then(|id| details.with(|known| known.get(&id).map(|p| mask_email(&p.email))))
                        };
                        let gone = recipient.clone();
                        view! {
                            <li class="chip" data-testid="to-chip">
                                <span>{name}</span>
                                {move || email().map(|email| view! { <span class="chip-email">{email}</span> })}
                                <button
                                    class="chip-remove"
                                    type="button"
                                    aria-label=remove_label
                                    on:click=move |ev| {
                                        ev.stop_propagation();
                                        chosen.update(|list| list.retain(|r| *r != gone));
                                    }
                                >
                                    "×"
                                </button>
                            </li>
                        }
                    }
                </For>
            </ul>
            <input
                id="to-search"
                class="to-input"
                type="text"
                role="combobox"
                autocomplete="off"
                aria-autocomplete="list"
                aria-controls="to-options"
                aria-expanded=move || open.get().to_string()
                // Says which suggestion the arrow keys are on, while the focus stays here.
                aria-activedescendant=move || {
                    let index = highlighted.get();
                    (open.get() && index < options.with(Vec::len)).then(|| option_id(index))
                }
                placeholder=move || if chosen.with(Vec::is_empty) { "Type a name" } else { "Add another" }
                data-testid="to-search"
                node_ref=input
                prop:value=move || text.get()
                on:input=move |ev| {
                    let value = event_target_value(&ev);
                    text.set(value.clone());
                    open.set(true);
                    search(value, true);
                }
                on:focus=move |_| {
                    open.set(true);
                    if !searched.get_untracked() {
                        search(text.get_untracked(), false);
                    }
                }
                on:blur=move |_| open.set(false)
                on:keydown=on_keydown
            />
            <Show when=move || open.get()>
                <ul
                    id="to-options"
                    class="suggestions"
                    role="listbox"
                    aria-label="Suggestions"
                    // Keeps the focus in the search box, so a click picks instead of closing.
                    on:mousedown=|ev| ev.prevent_default()
                >
                    {move || error.get().map(|text| view! {
                        <li class="suggestion-note suggestion-error" role="alert">{format!("Could not search: {text}")}</li>
                    })}
                    {move || (searching.get() && options.with(Vec::is_empty)).then(|| view! {
                        <li class="suggestion-note">"Searching…"</li>
                    })}
                    {move || (searched.get() && !searching.get() && error.with(Option::is_none) && options.with(Vec::is_empty)).then(|| {
                        let typed = text.get();
                        view! {
                            <li class="suggestion-note">
                                {if typed.trim().is_empty() { "No one else to add.".to_owned() } else { format!("No one matches “{}”.", typed.trim()) }}
                            </li>
                        }
                    })}
                    {move || details_error.get().map(|text| view! {
                        <li class="suggestion-note suggestion-error" role="alert">{format!("Could not load emails and statuses: {text}")}</li>
                    })}
                    {move || details.with(|known| options.get().into_iter().enumerate().map(|(index, recipient)| {
                        let person = person_id(&recipient).and_then(|id| known.get(&id).cloned());
                        let tied = me.with_value(|me| me.as_ref().and_then(|me| tie(me, &recipient, person.as_ref())));
                        let selectable = receives(known, &recipient);
                        let spoken = spoken_label(&recipient, person.as_ref(), tied);
                        let id = person_id(&recipient).map(|id| id.to_string());
                        let picked = recipient.clone();
                        view! {
                            <li
                                id=option_id(index)
                                class="suggestion recipient-option"
                                class:highlighted=move || highlighted.get() == index
                                class:unavailable=!selectable
                                role="option"
                                aria-selected=move || (highlighted.get() == index).to_string()
                                aria-disabled=(!selectable).then_some("true")
                                aria-label=spoken
                                data-testid="recipient-option"
                                data-person=id
                                on:mouseenter=move |_| highlighted.set(index)
                                on:click=move |_| choose(picked.clone())
                            >
                                <RecipientSummary recipient details=person tie=tied />
                            </li>
                        }
                    }).collect_view())}
                </ul>
            </Show>
        </div>
    }
}
