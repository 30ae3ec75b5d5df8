//! Blasts (SPEC §6): one message to many clients, each receiving it as a new private thread.
//! The history (`/blasts`), the composer with its client picker (`/blasts/new`), and a
//! blast's page (`/blasts/:id`): its live progress, the message, how many replied and what
//! became of each client, with the way to their thread.

use std::collections::{HashMap, HashSet};

use confidant_openapi::blasts::{
    Blast, BlastDetail, BlastRecipient, BlastState, CreateBlastRequest, MIN_BLAST_CLIENTS,
    RecipientOutcome,
};
use confidant_openapi::conversations::MAX_SUBJECT_CHARS;
use confidant_openapi::events::EventKind;
use confidant_openapi::people::{Person, PersonStatus};
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
use crate::components::blast_handoff;
use crate::components::discard::DiscardButton;
use crate::components::lookup::LatestOnly;
use crate::components::menu::MenuButton;
use crate::components::recipient_labels::shown_chips;
use crate::components::time::Time;
use crate::live::Live;
use crate::pages::thread::body_problem;

/// Clients per page of the picker.
const CLIENTS_PAGE: u32 = 100;

/// "41 of 42 sent · 1 skipped".
fn counts_text(blast: &Blast) -> String {
    let mut text = format!("{} of {} sent", blast.sent, blast.total);
    if blast.skipped > 0 {
        text.push_str(&format!(" · {} skipped", blast.skipped));
    }
    if blast.failed > 0 {
        text.push_str(&format!(" · {} failed", blast.failed));
    }
    text
}

fn state_label(state: BlastState) -> &'static str {
    match state {
        BlastState::Queued => "Queued",
        BlastState::Sending => "Sending",
        BlastState::Done => "Done",
    }
}

/// What became of a client, in words, and the chip's look.
fn outcome_text(outcome: RecipientOutcome) -> (&'static str, &'static str) {
    match outcome {
        RecipientOutcome::Pending => ("Waiting", "pill"),
        RecipientOutcome::Sent => ("Sent", "pill pill-ok"),
        RecipientOutcome::Skipped => ("Skipped — inactive or archived", "pill pill-warn"),
        RecipientOutcome::Failed => ("Failed — no longer a client", "pill outcome-failed"),
    }
}

/// Handled clients as a share of all, 0 to 100.
fn percent(blast: &Blast) -> f64 {
    if blast.total <= 0 {
        return 0.0;
    }
    f64::from(blast.sent + blast.skipped + blast.failed) * 100.0 / f64::from(blast.total)
}

/// The history of the signed-in staff member's blasts, `/blasts`.
#[component]
pub fn BlastsPage() -> impl IntoView {
    let auth = Auth::get();
    let items = RwSignal::new(Vec::<Blast>::new());
    let next_cursor = RwSignal::new(None::<String>);
    let loading = RwSignal::new(true);
    let error = RwSignal::new(None::<String>);
    let load = move |cursor: Option<String>| {
        loading.set(true);
        spawn_local(async move {
            let result = auth
                .call(|token| {
                    let cursor = cursor.clone();
                    async move { api::blasts::list(&token, cursor.as_deref()).await }
                })
                .await;
            match result {
                Ok(page) => {
                    if cursor.is_some() {
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
        });
    };
    load(None);
    view! {
        <header class="page-header">
            <h1>"Blasts"</h1>
            <A href="/blasts/new" attr:class="button" attr:data-testid="new-blast">
                <svg viewBox="0 0 24 24" width="16" height="16" aria-hidden="true">
                    <path d="M12 5v14M5 12h14" fill="none" stroke="currentColor" stroke-width="2.2" stroke-linecap="round" />
                </svg>
                "New blast"
            </A>
        </header>
        {move || error.get().map(|text| view! {
            <div class="form-error list-error" role="alert" data-testid="blasts-error">
                <span>{format!("Could not load your blasts: {text}")}</span>
                <button class="link-button" type="button" on:click=move |_| load(None)>"Try again"</button>
            </div>
        })}
        <Show
            when=move || !(items.with(Vec::is_empty) && !loading.get() && error.with(Option::is_none))
            fallback=|| view! {
                <div class="empty-state" data-testid="blasts-empty">
                    <h2>"No blasts yet"</h2>
                    <p>"A blast sends one message to many clients at once. Each client receives it as a private thread with you and never sees who else got it."</p>
                    <A href="/blasts/new" attr:class="button">"Write a blast"</A>
                </div>
            }
        >
            <ul class="blast-list" data-testid="blast-list">
                <For each=move || items.get() key=|b| (b.id, b.sent, b.skipped, b.state) let:blast>
                    <li>
                        <A href=format!("/blasts/{}", blast.id) attr:class="blast-row" attr:data-testid="blast-row">
                            <span class="blast-row-main">
                                <span class="blast-row-subject">{blast.subject.clone()}</span>
                                <span class="blast-row-counts">{counts_text(&blast)}</span>
                            </span>
                            <span class=format!("state-pill state-{}", state_label(blast.state).to_lowercase())>
                                {state_label(blast.state)}
                            </span>
                            <Time millis=blast.created_at.timestamp_millis() />
                        </A>
                    </li>
                </For>
            </ul>
            {move || loading.get().then(|| view! { <p class="empty-line">"Loading…"</p> })}
            {move || next_cursor.get().map(|cursor| view! {
                <button class="button button-secondary load-more" type="button" on:click=move |_| load(Some(cursor.clone()))>
                    "Show older blasts"
                </button>
            })}
        </Show>
    }
}

/// Who is selected: clients picked one by one, "All my active clients" with the ones taken
/// out again (R-BLAST-ALL). The server resolves the same three parts when it is sent.
#[derive(Clone, Default)]
struct Selection {
    all_mine: bool,
    picked: HashSet<Uuid>,
    excluded: HashSet<Uuid>,
}

/// The blast composer, `/blasts/new`.
#[component]
pub fn NewBlastPage() -> impl IntoView {
    let auth = Auth::get();
    let navigate = use_navigate();
    let me = move || auth.session().map(|s| s.me.person.id);
    let clients = RwSignal::new(Vec::<Person>::new());
    let known = RwSignal::new(HashMap::<Uuid, Person>::new());
    // Names of clients picked elsewhere (carried from To) whose records were not read here.
    let names = RwSignal::new(HashMap::<Uuid, String>::new());
    let next_cursor = RwSignal::new(None::<String>);
    let search = RwSignal::new(String::new());
    let loading = RwSignal::new(true);
    let list_error = RwSignal::new(None::<String>);
    let audience = RwSignal::new(None::<i64>);
    let selection = RwSignal::new(Selection::default());
    let subject = RwSignal::new(String::new());
    let body = RwSignal::new(String::new());
    let touched = RwSignal::new(false);
    let busy = RwSignal::new(false);
    let failure = RwSignal::new(None::<ApiError>);
    let lookup = LatestOnly::new();
    let files = PendingFiles::new();
    // "Send as a blast instead" in the new-message composer: its clients, subject and message
    // come along, handed over in memory (never in the address or the browser's storage).
    if let Some(handoff) = untrack(me).and_then(blast_handoff::take) {
        known.update(|map| map.extend(handoff.known));
        selection.update(|s| s.picked.extend(handoff.clients.iter().map(|(id, _)| *id)));
        names.update(|map| map.extend(handoff.clients));
        subject.set(handoff.subject);
        body.set(handoff.body);
        files.adopt(handoff.files);
    }

    // "Mine": assigned to me and active — what "All my active clients" takes.
    let is_mine = move |person: &Person| {
        let me = me();
        person.status == PersonStatus::Active
            && person
                .provider_ids
                .as_ref()
                .is_some_and(|ids| me.is_some_and(|me| ids.contains(&me)))
    };
    let load = move |query: String, cursor: Option<String>, wait: bool| {
        let Some(ticket) = lookup.next() else {
            return;
        };
        spawn_local(async move {
            if wait && !lookup.after_pause(ticket).await {
                return;
            }
            loading.set(true);
            let mut path = format!("kind=client&limit={CLIENTS_PAGE}");
            if !query.trim().is_empty() {
                path.push_str(&format!("&q={}", api::query_value(query.trim())));
            }
            if let Some(cursor) = &cursor {
                path.push_str(&format!("&cursor={}", api::query_value(cursor)));
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
                    known.update(|map| {
                        for person in &page.items {
                            map.insert(person.id, person.clone());
                        }
                    });
                    if cursor.is_some() {
                        clients.update(|list| list.extend(page.items));
                    } else {
                        clients.set(page.items);
                    }
                    next_cursor.set(page.next_cursor);
                    list_error.set(None);
                }
                Err(error) => list_error.set(Some(error.message())),
            }
            loading.set(false);
        });
    };
    load(String::new(), None, false);
    spawn_local(async move {
        if let Ok(found) = auth
            .call(|token| async move { api::blasts::audience(&token).await })
            .await
        {
            audience.set(Some(found.my_active_clients));
        }
    });

    let checked = move |person: &Person| {
        selection.with(|s| {
            s.picked.contains(&person.id)
                || (s.all_mine && is_mine(person) && !s.excluded.contains(&person.id))
        })
    };
    let toggle = move |person: Person| {
        let mine = is_mine(&person);
        selection.update(|s| {
            if s.all_mine && mine {
                if !s.excluded.remove(&person.id) {
                    s.excluded.insert(person.id);
                }
            } else if !s.picked.remove(&person.id) {
                s.picked.insert(person.id);
            }
        });
    };
    let select_all_mine = move |_| {
        selection.update(|s| {
            s.all_mine = true;
            s.excluded.clear();
            // Picked ones that are now covered by "all mine" need not be listed twice.
            known.with_untracked(|map| {
                s.picked
                    .retain(|id| map.get(id).is_none_or(|person| !is_mine(person)));
            });
        });
    };
    let clear = move |_| selection.set(Selection::default());
    let count = move || {
        selection.with(|s| {
            let mine = if s.all_mine {
                audience.get().unwrap_or(0) - s.excluded.len() as i64
            } else {
                0
            };
            mine.max(0) + s.picked.len() as i64
        })
    };
    let count_text = move || match count() {
        1 => "1 client selected".to_owned(),
        n => format!("{n} clients selected"),
    };
    let selection_problem = move || {
        (touched.get() && count() < MIN_BLAST_CLIENTS as i64)
            .then(|| format!("Select at least {MIN_BLAST_CLIENTS} clients."))
            .or_else(|| failure.with(|f| f.as_ref().and_then(|f| f.field("client_ids"))))
    };
    let subject_error = move || {
        let length = subject.with(|s| s.trim().chars().count());
        let problem = if length == 0 {
            touched.get().then(|| "Enter a subject.".to_owned())
        } else if length > MAX_SUBJECT_CHARS {
            Some(format!(
                "Keep the subject to {MAX_SUBJECT_CHARS} characters (it has {length})."
            ))
        } else {
            None
        };
        problem.or_else(|| failure.with(|f| f.as_ref().and_then(|f| f.field("subject"))))
    };
    let body_error = move || {
        body.with(|b| body_problem(b))
            .filter(|_| touched.get() || body.with(|b| !b.trim().is_empty()))
            .or_else(|| failure.with(|f| f.as_ref().and_then(|f| f.field("body"))))
    };
    let other_error = move || {
        failure
            .get()
            .filter(|f| {
                ["client_ids", "subject", "body", "attachment_ids"]
                    .iter()
                    .all(|name| f.field(name).is_none())
            })
            .map(|f| f.message())
    };

    let typed =
        move || subject.with(|s| !s.trim().is_empty()) || body.with(|b| !b.trim().is_empty());

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        touched.set(true);
        let subject_len = subject.with_untracked(|s| s.trim().chars().count());
        let invalid = count() < MIN_BLAST_CLIENTS as i64
            || subject_len == 0
            || subject_len > MAX_SUBJECT_CHARS
            || body.with_untracked(|b| body_problem(b)).is_some();
        if busy.get_untracked() || invalid || !files.ready_to_send() {
            return;
        }
        busy.set(true);
        failure.set(None);
        let chosen = selection.get_untracked();
        let request = CreateBlastRequest {
            client_ids: chosen.picked.into_iter().collect(),
            all_my_active_clients: chosen.all_mine,
            exclude_client_ids: chosen.excluded.into_iter().collect(),
            subject: subject.get_untracked(),
            body: body.get_untracked(),
            attachment_ids: files.ids(),
        };
        let navigate = navigate.clone();
        spawn_local(async move {
            let result = auth
                .call(|token| {
                    let request = request.clone();
                    async move { api::blasts::create(&token, &request).await }
                })
                .await;
            match result {
                Ok(blast) => {
                    files.clear();
                    navigate(&format!("/blasts/{}", blast.id), Default::default());
                }
                Err(error) => {
                    failure.set(Some(error));
                    busy.set(false);
                }
            }
        });
    };

    let search_box = NodeRef::<html::Input>::new();
    view! {
        <header class="page-header">
            <h1>"New blast"</h1>
        </header>
        <form class="composer blast-composer" on:submit=submit novalidate data-testid="blast-composer">
            <div class="field">
                <div class="field-label-row">
                    <span>"Clients"</span>
                    <span class="selected-count" data-testid="selected-count">{count_text}</span>
                </div>
                <div class="picker" class:invalid=move || selection_problem().is_some()>
                    <div class="picker-bar">
                        <input
                            node_ref=search_box
                            class="search"
                            type="search"
                            placeholder="Search clients by name or email"
                            aria-label="Search clients"
                            data-testid="client-search"
                            prop:value=move || search.get()
                            on:input=move |ev| {
                                let text = event_target_value(&ev);
                                search.set(text.clone());
                                load(text, None, true);
                            }
                        />
                        <MenuButton label="Select all" test_id="select-menu" menu_id="select-menu">
                            <li role="none">
                                <button type="button" role="menuitem" tabindex="-1" data-testid="select-all-mine" on:click=select_all_mine>
                                    {move || match audience.get() {
                                        Some(n) => format!("All my active clients ({n})"),
                                        None => "All my active clients".to_owned(),
                                    }}
                                </button>
                            </li>
                            <li role="none">
                                <button type="button" role="menuitem" tabindex="-1" data-testid="clear-selection" on:click=clear>
                                    "Clear selection"
                                </button>
                            </li>
                        </MenuButton>
                    </div>
                    <SelectionChips selection known names audience search_box />
                    {move || list_error.get().map(|text| view! {
                        <p class="form-error" role="alert">{format!("Could not load clients: {text}")}</p>
                    })}
                    <ul class="client-list" data-testid="client-list">
                        <For each=move || clients.get() key=|p| p.id let:person>
                            {
                                let row = person.clone();
                                let status = person.status;
                                let mine = is_mine(&person);
                                let toggled = person.clone();
                                view! {
                                    <li>
                                        <label class="client-row" data-testid="client-row">
                                            <input
                                                type="checkbox"
                                                prop:checked=move || checked(&row)
                                                on:change=move |_| toggle(toggled.clone())
                                            />
                                            <span class="client-name">{person.name.clone()}</span>
                                            {mine.then(|| view! { <span class="tag">"Your client"</span> })}
                                            {match status {
                                                PersonStatus::Inactive => Some(view! { <span class="tag tag-warn" title="Inactive clients are skipped">"Inactive · skipped"</span> }),
                                                PersonStatus::Archived => Some(view! { <span class="tag tag-warn" title="Archived clients are skipped">"Archived · skipped"</span> }),
                                                _ => None,
                                            }}
                                        </label>
                                    </li>
                                }
                            }
                        </For>
                    </ul>
                    {move || (loading.get() && clients.with(Vec::is_empty)).then(|| view! { <p class="empty-line">"Loading clients…"</p> })}
                    {move || (!loading.get() && clients.with(Vec::is_empty) && list_error.with(Option::is_none)).then(|| view! {
                        <p class="empty-line">"No clients match."</p>
                    })}
                    {move || next_cursor.get().map(|cursor| view! {
                        <button
                            class="link-button load-more"
                            type="button"
                            on:click=move |_| load(search.get_untracked(), Some(cursor.clone()), false)
                        >
                            "Show more clients"
                        </button>
                    })}
                </div>
                {move || selection_problem().map(|text| view! { <span class="field-error" data-testid="selection-error">{text}</span> })}
            </div>
            <div class="field">
                <div class="field-label-row">
                    <label for="blast-subject">"Subject"</label>
                    <span class="field-hint">{move || format!("{} / {MAX_SUBJECT_CHARS}", subject.with(|s| s.trim().chars().count()))}</span>
                </div>
                <input id="blast-subject" autocomplete="off" data-testid="subject" bind:value=subject />
                {move || subject_error().map(|text| view! { <span class="field-error">{text}</span> })}
            </div>
            <div class="field">
                <label for="blast-body">"Message"</label>
                <textarea id="blast-body" rows="10" data-testid="body" bind:value=body></textarea>
                {move || body_error().map(|text| view! { <span class="field-error">{text}</span> })}
            </div>
            <AttachFiles
                files
                error=Signal::derive(move || failure.with(|f| f.as_ref().and_then(|f| f.field("attachment_ids"))))
            />
            <div class="notice" role="note">
                "Each client receives this as a new private thread with you. They see only you, never who else got it, and can reply to you. Inactive and archived clients are skipped."
            </div>
            {move || other_error().map(|text| view! { <p class="form-error" role="alert" data-testid="blast-failure">{text}</p> })}
            <div class="form-actions">
                <button class="button" type="submit" data-testid="send-blast" disabled=move || busy.get() || files.uploading()>
                    {move || if busy.get() { "Sending…".to_owned() } else { format!("Send to {}", count_text().replace(" selected", "")) }}
                </button>
                <DiscardButton href="/blasts" typed=Signal::derive(typed) />
            </div>
        </form>
    }
}

/// How many selected clients show as chips; the rest are counted.
const CHIPS_SHOWN: usize = 12;

/// The selection as removable chips above the list, so that what is selected stays in sight
/// whatever the list shows: clients picked under an earlier search, carried from the
/// new-message composer, or further down than the loaded pages; "All my active clients" is
/// one chip.
#[component]
fn SelectionChips(
    selection: RwSignal<Selection>,
    known: RwSignal<HashMap<Uuid, Person>>,
    names: RwSignal<HashMap<Uuid, String>>,
    audience: RwSignal<Option<i64>>,
    /// Where the focus goes when the last chip is removed.
    search_box: NodeRef<html::Input>,
) -> impl IntoView {
    let list = NodeRef::<html::Ul>::new();
    // A removed chip takes the focused button with it: the focus goes on to the chip that
    // takes its place (the one before, at the end), or to the search box when none is left,
    // so that a keyboard user goes on from where they were.
    let focus_after_removal = move |ev: leptos::ev::MouseEvent| {
        let clicked = ev
            .current_target()
            .and_then(|target| target.dyn_into::<web_sys::Element>().ok());
        let at = list
            .get_untracked()
            .map(|list| remove_buttons(&list))
            .unwrap_or_default()
            .iter()
            .position(|button| {
                clicked
                    .as_ref()
                    .is_some_and(|c| c.is_same_node(Some(button)))
            })
            .unwrap_or(0);
        // Once the chips are drawn again.
        request_animation_frame(move || {
            let buttons = list
                .get_untracked()
                .filter(|list| list.is_connected())
                .map(|list| remove_buttons(&list))
                .unwrap_or_default();
            match buttons.get(at).or(buttons.last()) {
                Some(button) => button.focus().ok(),
                None => search_box
                    .get_untracked()
                    .and_then(|input| input.focus().ok()),
            };
        });
    };
    let name_of = move |id: &Uuid| {
        known
            .with(|map| map.get(id).map(|person| person.name.clone()))
            .or_else(|| names.with(|map| map.get(id).cloned()))
            .unwrap_or_else(|| "A client".to_owned())
    };
    let chips = Memo::new(move |_| {
        let picked: Vec<(Uuid, String)> =
            selection.with(|s| s.picked.iter().map(|id| (*id, name_of(id))).collect());
        shown_chips(picked, CHIPS_SHOWN)
    });
    let all_mine = move || {
        selection.with(|s| {
            s.all_mine.then(|| {
                let all = match audience.get() {
                    Some(n) => format!("All my active clients ({n})"),
                    None => "All my active clients".to_owned(),
                };
                match s.excluded.len() {
                    0 => all,
                    out => format!("{all}, {out} taken out"),
                }
            })
        })
    };
    view! {
        <Show when=move || selection.with(|s| s.all_mine || !s.picked.is_empty())>
            <ul class="chips picked-chips" aria-label="Selected clients" data-testid="picked-chips" node_ref=list>
                {move || all_mine().map(|text| view! {
                    <li class="chip" data-testid="picked-chip">
                        <span>{text}</span>
                        <button
                            class="chip-remove"
                            type="button"
                            aria-label="Remove all my active clients"
                            on:click=move |ev| {
                                focus_after_removal(ev);
                                selection.update(|s| {
                                    s.all_mine = false;
                                    s.excluded.clear();
                                });
                            }
                        >
                            "×"
                        </button>
                    </li>
                })}
                <For each=move || chips.get().0 key=|chip| chip.clone() let:chip>
                    {
                        let (id, name) = chip;
                        view! {
                            <li class="chip" data-testid="picked-chip">
                                <span>{name.clone()}</span>
                                <button
                                    class="chip-remove"
                                    type="button"
                                    aria-label=format!("Remove {name}")
                                    on:click=move |ev| {
                                        focus_after_removal(ev);
                                        selection.update(|s| {
                                            s.picked.remove(&id);
                                        });
                                    }
                                >
                                    "×"
                                </button>
                            </li>
                        }
                    }
                </For>
                {move || match chips.get().1 {
                    0 => None,
                    more => Some(view! { <li class="chip-more" data-testid="picked-more">{format!("and {more} more")}</li> }),
                }}
            </ul>
        </Show>
    }
}

/// The chips' remove buttons, in order.
fn remove_buttons(list: &web_sys::Element) -> Vec<web_sys::HtmlElement> {
    let mut found = Vec::new();
    let mut row = list.first_element_child();
    while let Some(chip) = row {
        if let Some(button) = chip
            .query_selector("button")
            .ok()
            .flatten()
            .and_then(|button| button.dyn_into::<web_sys::HtmlElement>().ok())
        {
            found.push(button);
        }
        row = chip.next_element_sibling();
    }
    found
}

/// A blast's page, `/blasts/:id`: its progress, followed live until it is done; the message
/// every client received, with its files; how many replied; and each client it was for, a page
/// at a time, with the way to their thread.
#[component]
pub fn BlastProgressPage() -> impl IntoView {
    let auth = Auth::get();
    let params = use_params_map();
    let id = move || {
        params
            .read()
            .get("id")
            .and_then(|raw| raw.parse::<Uuid>().ok())
    };
    let id_untracked = move || {
        params
            .read_untracked()
            .get("id")
            .and_then(|raw| raw.parse::<Uuid>().ok())
    };
    let blast = RwSignal::new(None::<BlastDetail>);
    let error = RwSignal::new(None::<String>);
    let recipients = RwSignal::new(Vec::<BlastRecipient>::new());
    let recipients_cursor = RwSignal::new(None::<String>);
    let recipients_loading = RwSignal::new(true);
    let recipients_loading_more = RwSignal::new(false);
    let recipients_error = RwSignal::new(None::<String>);
    // A slow answer never overwrites a newer page.
    let latest_recipients = LatestOnly::new();
    let alive = StoredValue::new(());
    let load = move |id: Uuid| {
        spawn_local(async move {
            let result = auth
                .call(|token| async move { api::blasts::get(&token, id).await })
                .await;
            // The page was left: nothing to show it on.
            if alive.try_get_value().is_none() {
                return;
            }
            match result {
                Ok(found) => {
                    blast.set(Some(found));
                    error.set(None);
                }
                Err(failure) => error.set(Some(failure.message())),
            }
        });
    };
    // A page of the clients; the first (no `cursor`) in place of those shown.
    let load_recipients = move |id: Uuid, cursor: Option<String>| {
        let Some(ticket) = latest_recipients.next() else {
            return;
        };
        let append = cursor.is_some();
        if append {
            recipients_loading_more.set(true);
        } else {
            recipients_loading.set(true);
        }
        spawn_local(async move {
            let result = auth
                .call(|token| {
                    let cursor = cursor.clone();
                    async move { api::blasts::recipients(&token, id, cursor.as_deref()).await }
                })
                .await;
            if !latest_recipients.is_latest(ticket) {
                return;
            }
            match result {
                Ok(page) => {
                    if append {
                        recipients.update(|list| list.extend(page.items));
                    } else {
                        recipients.set(page.items);
                    }
                    recipients_cursor.set(page.next_cursor);
                    recipients_error.set(None);
                }
                Err(failure) => recipients_error.set(Some(failure.message())),
            }
            recipients_loading.set(false);
            recipients_loading_more.set(false);
        });
    };
    Effect::new(move |_| match id() {
        Some(id) => {
            load(id);
            load_recipients(id, None);
        }
        None => error.set(Some("There is no such blast.".into())),
    });
    // Live: the fan-out's counts arrive with each step; at the end (or on a resync) the blast
    // and the first page of its clients, whose outcomes have moved, are read again.
    Live::get().on_event(move |event| {
        let Some(id) = id_untracked() else { return };
        match event.kind {
            EventKind::BlastProgress | EventKind::BlastDone if event.data.blast_id == Some(id) => {
                let done = event.kind == EventKind::BlastDone;
                let data = event.data.clone();
                blast.update(|shown| {
                    if let Some(shown) = shown.as_mut().map(|detail| &mut detail.blast) {
                        shown.total = data.total.unwrap_or(shown.total);
                        shown.sent = data.sent.unwrap_or(shown.sent);
                        shown.skipped = data.skipped.unwrap_or(shown.skipped);
                        shown.failed = data.failed.unwrap_or(shown.failed);
                        shown.state = if done {
                            BlastState::Done
                        } else {
                            BlastState::Sending
                        };
                    }
                });
                if done || blast.with_untracked(Option::is_none) {
                    load(id);
                }
                if done {
                    load_recipients(id, None);
                }
            }
            EventKind::Resync => {
                load(id);
                load_recipients(id, None);
            }
            _ => {}
        }
    });
    // The message does not change with the counts: drawn once, so that a download under way
    // keeps its state while the progress moves.
    let message = Memo::new(move |_| {
        blast.with(|shown| {
            shown
                .as_ref()
                .map(|detail| (detail.body.clone(), detail.attachments.clone()))
        })
    });
    let loaded = move || blast.with(Option::is_some);
    let retry_recipients = move |_| {
        if let Some(id) = id_untracked() {
            load_recipients(id, None);
        }
    };
    let more_recipients = move |_| {
        if let Some(id) = id_untracked() {
            load_recipients(id, recipients_cursor.get_untracked());
        }
    };
    view! {
        <header class="page-header">
            <h1>{move || blast.get().map(|b| b.blast.subject).unwrap_or_else(|| "Blast".into())}</h1>
            <A href="/blasts" attr:class="button button-secondary">"All blasts"</A>
        </header>
        {move || error.get().map(|text| view! { <p class="form-error" role="alert" data-testid="blast-error">{text}</p> })}
        {move || blast.get().map(|detail| {
            let b = detail.blast;
            let share = percent(&b);
            let done = b.state == BlastState::Done;
            view! {
                <section class="progress-card" data-testid="blast-progress" data-state=state_label(b.state).to_lowercase()>
                    <div class="progress-head">
                        <span class=format!("state-pill state-{}", state_label(b.state).to_lowercase())>{state_label(b.state)}</span>
                        <span class="progress-counts" data-testid="blast-counts">{counts_text(&b)}</span>
                    </div>
                    <div
                        class="progress"
                        role="progressbar"
                        aria-valuemin="0"
                        aria-valuemax="100"
                        aria-valuenow=format!("{share:.0}")
                        aria-valuetext=counts_text(&b)
                        aria-label="Blast progress"
                    >
                        // Set through the style object, not a `style` attribute: the page's
                        // Content-Security-Policy refuses inline style attributes.
                        <div class="progress-fill" style:width=format!("{share:.1}%")></div>
                    </div>
                    {if done {
                        view! {
                            <dl class="blast-summary" data-testid="blast-summary">
                                <div><dt>"Sent"</dt><dd data-testid="count-sent">{b.sent}</dd></div>
                                <div><dt>"Skipped"</dt><dd data-testid="count-skipped">{b.skipped}</dd></div>
                                <div><dt>"Failed"</dt><dd>{b.failed}</dd></div>
                            </dl>
                            <p class="field-hint">"Each client who was sent the message has it as a private thread with you; their replies arrive in your inbox."</p>
                        }.into_any()
                    } else {
                        view! { <p class="field-hint">"Creating a private thread for each client…"</p> }.into_any()
                    }}
                    <p class="blast-replied" data-testid="blast-replied">{replied_text(detail.replied)}</p>
                </section>
            }
        })}
        {move || message.get().map(|(body, attachments)| view! {
            <section class="blast-section blast-message" aria-labelledby="blast-message-title">
                <h2 id="blast-message-title">"Message"</h2>
                <div class="message">
                    // Plain text: Leptos escapes it, and CSS keeps its line breaks.
                    <div class="message-body" data-testid="blast-body">{body}</div>
                    {(!attachments.is_empty()).then(|| view! { <MessageAttachments attachments /> })}
                </div>
            </section>
        })}
        <Show when=loaded>
            <section class="blast-section" aria-labelledby="blast-recipients-title" data-testid="blast-recipients">
                <h2 id="blast-recipients-title">"Recipients"</h2>
                {move || recipients_error.get().map(|text| view! {
                    <div class="form-error list-error" role="alert" data-testid="recipients-error">
                        <span>{format!("Could not load the recipients: {text}")}</span>
                        <button class="link-button" type="button" on:click=retry_recipients>"Try again"</button>
                    </div>
                })}
                <ul
                    class="blast-recipient-list"
                    aria-label="Recipients"
                    aria-busy=move || (recipients_loading.get() && !recipients.with(Vec::is_empty)).then_some("true")
                    data-testid="recipient-list"
                >
                    <For each=move || recipients.get() key=|r| (r.client_id, r.outcome, r.conversation_id, r.replied) let:recipient>
                        <RecipientRow recipient />
                    </For>
                </ul>
                <Show when=move || recipients_loading.get() && recipients.with(Vec::is_empty)>
                    <p class="empty-line" role="status">"Loading recipients…"</p>
                </Show>
                <Show when=move || {
                    !recipients_loading.get() && recipients_error.with(Option::is_none)
                        && recipients.with(Vec::is_empty)
                }>
                    <p class="empty-line" data-testid="recipients-empty">"No recipients to show."</p>
                </Show>
                <Show when=move || recipients_cursor.with(Option::is_some)>
                    <div class="load-more">
                        <button
                            class="button button-secondary"
                            type="button"
                            data-testid="recipients-more"
                            disabled=move || recipients_loading_more.get()
                            on:click=more_recipients
                        >
                            {move || if recipients_loading_more.get() { "Loading…" } else { "Show more" }}
                        </button>
                    </div>
                </Show>
            </section>
        </Show>
    }
}

/// "3 replied": how many clients have written back in their thread.
fn replied_text(replied: i64) -> String {
    format!("{replied} replied")
}

/// One client of a blast: their name, what became of them, whether they replied, and the way
/// to their thread when there is one.
#[component]
fn RecipientRow(recipient: BlastRecipient) -> impl IntoView {
    let (text, look) = outcome_text(recipient.outcome);
    let outcome = match recipient.outcome {
        RecipientOutcome::Pending => "pending",
        RecipientOutcome::Sent => "sent",
        RecipientOutcome::Skipped => "skipped",
        RecipientOutcome::Failed => "failed",
    };
    // The link says whose thread it opens (to a screen reader, by the name beside it).
    let name_id = format!("recipient-{}", recipient.client_id);
    view! {
        <li class="blast-recipient" data-testid="blast-recipient">
            <span class="blast-recipient-name" id=name_id.clone() data-testid="recipient-name">{recipient.name}</span>
            <span class="blast-recipient-facts">
                <span class=look data-testid="recipient-outcome" data-outcome=outcome>{text}</span>
                {recipient.replied.then(|| view! {
                    <span class="tag" data-testid="recipient-replied">"Replied"</span>
                })}
            </span>
            {recipient.conversation_id.map(|thread| view! {
                <A
                    href=format!("/messages/{thread}")
                    attr:class="blast-recipient-link"
                    attr:aria-describedby=name_id
                    attr:data-testid="open-thread"
                >
                    "Open thread"
                </A>
            })}
        </li>
    }
}
