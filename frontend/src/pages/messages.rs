//! Messages: the Inbox, Sent and Archived folders, newest activity first, a page at a time,
//! with the way to a new message. The list follows the live stream: a thread that is started,
//! answered, read or deleted anywhere moves, bolds or goes without a reload.
//! A thread archived from the Inbox (or moved back from Archived) leaves the list at once, and
//! a status line says so, with Undo after archiving.
//! A search box above the list searches every folder as the person types, and a person filter
//! (`with`, reached from a thread's participants) shows only the threads with someone. The
//! filter (an id) and the folder live in the address, so that Back and a reload keep them; the
//! search's words never do (see [`MessageSearch`]).
//! A staff member's Sent folder shows each of their blasts once, with its progress, among the
//! threads, instead of the thread it made for each client (see [`sent_merge`]).

mod sent_merge;

use confidant_openapi::blasts::{Blast, BlastState};
use confidant_openapi::conversations::{
    ConversationSummary, ConversationsQuery, Folder, Participant,
};
use confidant_openapi::events::{EventData, EventKind};
use confidant_openapi::people::PersonKind;
use gloo_timers::future::TimeoutFuture;
use leptos::html;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::NavigateOptions;
use leptos_router::components::A;
use leptos_router::hooks::{use_navigate, use_query_map};
use leptos_router::params::ParamsMap;
use uuid::Uuid;
use wasm_bindgen::JsCast;

use crate::api;
use crate::auth::{Auth, messages_title};
use crate::components::avatar::Avatar;
use crate::components::lookup::LatestOnly;
use crate::components::time::Time;
use crate::components::unread::Unread;
use crate::live::Live;
use sent_merge::{Side, Stream};

/// How long the search box waits after the last keystroke before it searches.
const SEARCH_DELAY_MS: u32 = 300;

/// The inbox's search, held in memory only. What a therapist searches for ("suicidal", a
/// client's name) is health information: in the address it would stay in the browser's history
/// on a shared clinic computer and, on a reload, reach the web server's access logs; so it
/// never goes there, nor into the browser's storage.
///
/// Provided by the signed-in layout rather than the page, so that the results are still there
/// after opening a thread from them and coming back ("All messages", Back), and so that they
/// go with the session: signing out drops the layout, and this with it.
#[derive(Clone, Copy)]
pub struct MessageSearch {
    /// The words searched for; `None` while not searching.
    words: RwSignal<Option<String>>,
    /// The person filter the list last showed. A search made there is kept when the page comes
    /// back to it, not when the page is reached with another person (a thread's participant
    /// link, which is for all the threads shared with them).
    with: StoredValue<Option<Uuid>>,
}

impl MessageSearch {
    /// Creates the (empty) search and provides it as context. Provided by the signed-in layout.
    pub fn provide() -> Self {
        let search = Self {
            words: RwSignal::new(None),
            with: StoredValue::new(None),
        };
        provide_context(search);
        search
    }

    /// The search from context.
    fn get() -> Self {
        expect_context::<Self>()
    }

    /// The list now shows the threads with `with` (or everyone's): a search made with someone
    /// else is dropped.
    fn shown_with(self, with: Option<Uuid>) {
        let Some(before) = self.with.try_get_value() else {
            return;
        };
        if with.is_some() && with != before {
            self.words.set(None);
        }
        self.with.set_value(with);
    }
}

/// What the list shows: a folder, as the address says, or with `q` (the search, from memory)
/// the results of a search over every folder (the folder stays in the address to come back
/// to); either narrowed by the address's `with` to the threads of one person.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Listing {
    folder: Folder,
    q: Option<String>,
    with: Option<Uuid>,
    /// Whether the signed-in person is staff, who may have sent blasts.
    staff: bool,
}

impl Listing {
    /// Reads the address's query, with the search `q` held in memory. Anything it does not
    /// understand means the Inbox, unfiltered; a `q` in the address (an old link) is ignored.
    fn new(query: &ParamsMap, q: Option<String>, staff: bool) -> Self {
        let folder = match query.get_str("folder") {
            Some("sent") => Folder::Sent,
            Some("archived") => Folder::Archived,
            Some("all") => Folder::All,
            _ => Folder::Inbox,
        };
        Self {
            folder,
            q,
            with: with_from(query),
            staff,
        }
    }

    /// The page's address for this listing: the folder and the person filter, never the
    /// search.
    fn href(&self) -> String {
        let mut params = Vec::new();
        if self.folder != Folder::Inbox {
            params.push(format!(
                "folder={}",
                api::conversations::folder_name(self.folder)
            ));
        }
        if let Some(person) = self.with {
            params.push(format!("with={person}"));
        }
        if params.is_empty() {
            "/messages".to_owned()
        } else {
            format!("/messages?{}", params.join("&"))
        }
    }

    /// The folder whose rows are shown; none while searching, whose results come from all.
    fn folder_shown(&self) -> Option<Folder> {
        self.q.is_none().then_some(self.folder)
    }

    /// Whether each blast shows once, from the blasts list, instead of the thread it made for
    /// each client: in a staff member's Sent folder. Not with a person filter, which the
    /// blasts list cannot apply: there the threads with that person show, whatever made them.
    fn merges_blasts(&self) -> bool {
        self.staff && self.with.is_none() && self.folder_shown() == Some(Folder::Sent)
    }

    /// The API's query for a page of this listing.
    fn request(&self, cursor: Option<String>) -> ConversationsQuery {
        ConversationsQuery {
            folder: self.folder_shown(),
            q: self.q.clone(),
            with_person: self.with,
            blast_threads: self.merges_blasts().then_some(false),
            cursor,
            limit: None,
        }
    }

    /// Whether the rows of `before` may stay on screen while these load: when a search is only
    /// refined, its old results are a calmer placeholder than "Searching…" at every pause.
    fn refines(&self, before: &Self) -> bool {
        self.q.is_some() && before.q.is_some() && self.with == before.with
    }
}

/// The address's person filter, if it names one.
fn with_from(query: &ParamsMap) -> Option<Uuid> {
    query
        .get_str("with")
        .and_then(|id| Uuid::parse_str(id).ok())
}

/// Whether a click on a link is a plain one, which follows it here (not in a new tab or
/// window).
fn plain_click(ev: &leptos::ev::MouseEvent) -> bool {
    ev.button() == 0 && !(ev.ctrl_key() || ev.meta_key() || ev.shift_key() || ev.alt_key())
}

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

/// A row of the list: a thread, or in a staff member's Sent folder a blast.
#[derive(Clone, Debug, PartialEq)]
enum ListRow {
    Thread(ConversationSummary),
    Blast(Blast),
}

/// What the list shows of the rows read, and which list "Load more" reads next.
#[derive(Clone, Debug, PartialEq)]
struct Shown {
    rows: Vec<ListRow>,
    next: Option<Side>,
}

/// The key of a row: a thread is drawn again when its unread count or latest message changes;
/// a blast keeps its row (and the keyboard's place on it) while its counts move, which the row
/// follows itself.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
enum RowKey {
    Thread(Uuid, i32, i64),
    Blast(Uuid),
}

impl ListRow {
    fn key(&self) -> RowKey {
        match self {
            Self::Thread(row) => RowKey::Thread(
                row.id,
                row.unread_count,
                row.last_message_at.timestamp_millis(),
            ),
            Self::Blast(blast) => RowKey::Blast(blast.id),
        }
    }
}

/// A blast's progress from the live stream, onto the copy shown.
fn apply_progress(blast: &mut Blast, data: &EventData, done: bool) {
    blast.total = data.total.unwrap_or(blast.total);
    blast.sent = data.sent.unwrap_or(blast.sent);
    blast.skipped = data.skipped.unwrap_or(blast.skipped);
    blast.failed = data.failed.unwrap_or(blast.failed);
    blast.state = if done {
        BlastState::Done
    } else {
        BlastState::Sending
    };
}

/// "To 42 clients".
fn audience_text(total: i32) -> String {
    match total {
        1 => "To 1 client".to_owned(),
        n => format!("To {n} clients"),
    }
}

/// Where a blast is, in words: "Queued", "Sending · 40 of 200", "Sent to 198 · 2 skipped".
fn blast_progress_text(blast: &Blast) -> String {
    match blast.state {
        BlastState::Queued => "Queued".to_owned(),
        BlastState::Sending => format!(
            "Sending · {} of {}",
            blast.sent + blast.skipped + blast.failed,
            blast.total
        ),
        BlastState::Done => {
            let mut text = format!("Sent to {}", blast.sent);
            if blast.skipped > 0 {
                text.push_str(&format!(" · {} skipped", blast.skipped));
            }
            if blast.failed > 0 {
                text.push_str(&format!(" · {} failed", blast.failed));
            }
            text
        }
    }
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
    let search = MessageSearch::get();
    // Before the list is first read, so that a search dropped here is never sent.
    search.shown_with(query.with_untracked(with_from));
    let listing = Memo::new(move |_| {
        let q = search.words.get();
        let staff = auth.session().is_some_and(|s| s.is_staff());
        query.with(|query| Listing::new(query, q, staff))
    });
    // The threads read so far (all of them, also those the merged Sent folder holds back).
    let items = RwSignal::new(Vec::<ConversationSummary>::new());
    let next_cursor = RwSignal::new(None::<String>);
    let loading = RwSignal::new(true);
    let loading_more = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    // A staff member's Sent folder: their blasts read so far, the second list merged with the
    // threads. Until the first page of both is in, it shows nothing: a row shown early could
    // have rows of the other list put above it.
    let blasts = RwSignal::new(Vec::<Blast>::new());
    let blasts_cursor = RwSignal::new(None::<String>);
    let blasts_loading = RwSignal::new(false);
    let blasts_loading_more = RwSignal::new(false);
    let blasts_error = RwSignal::new(None::<String>);
    let threads_read = RwSignal::new(false);
    let blasts_read = RwSignal::new(false);
    let latest_blasts = LatestOnly::new();
    // The server's words for a search it cannot run (no letter or digit), shown by the box.
    let invalid = RwSignal::new(None::<String>);
    // What the live region says of the search shown: set only when it changes, so that a
    // reload of the same results (the live stream) is not announced again.
    let status = RwSignal::new(String::new());
    let announce = move |text: String| {
        if status.try_with_untracked(|said| *said != text) == Some(true) {
            status.set(text);
        }
    };
    let notice = RwSignal::new(None::<Notice>);
    let list = NodeRef::<html::Ul>::new();
    // A slow answer never overwrites a newer one.
    let latest = LatestOnly::new();

    let load = move |cursor: Option<String>| {
        let Some(request) = listing.try_with_untracked(|l| l.request(cursor)) else {
            return;
        };
        let Some(ticket) = latest.next() else {
            return;
        };
        let append = request.cursor.is_some();
        if append {
            loading_more.set(true);
        } else {
            loading.set(true);
        }
        spawn_local(async move {
            let result = auth
                .call(|token| {
                    let request = request.clone();
                    async move { api::conversations::list(&token, &request).await }
                })
                .await;
            if !latest.is_latest(ticket) {
                return;
            }
            match result {
                Ok(page) => {
                    if append {
                        items.update(|list| list.extend(page.items));
                    } else {
                        items.set(page.items);
                        threads_read.set(true);
                    }
                    next_cursor.set(page.next_cursor);
                    error.set(None);
                    invalid.set(None);
                    if let Some(q) = &request.q {
                        announce(results_count(
                            q,
                            items.with_untracked(Vec::len),
                            next_cursor.with_untracked(Option::is_some),
                        ));
                    }
                }
                Err(failure) => match failure.field("q") {
                    Some(words) => {
                        items.set(Vec::new());
                        next_cursor.set(None);
                        announce(words.clone());
                        invalid.set(Some(words));
                    }
                    None => error.set(Some(failure.message())),
                },
            }
            loading.set(false);
            loading_more.set(false);
        });
    };

    // A page of the staff member's blasts, for the merged Sent folder; the first page (no
    // `cursor`) in place of those read.
    let load_blasts = move |cursor: Option<String>| {
        let Some(ticket) = latest_blasts.next() else {
            return;
        };
        let append = cursor.is_some();
        if append {
            blasts_loading_more.set(true);
        } else {
            blasts_loading.set(true);
        }
        spawn_local(async move {
            let result = auth
                .call(|token| {
                    let cursor = cursor.clone();
                    async move { api::blasts::list(&token, cursor.as_deref()).await }
                })
                .await;
            if !latest_blasts.is_latest(ticket) {
                return;
            }
            match result {
                Ok(page) => {
                    if append {
                        blasts.update(|list| list.extend(page.items));
                    } else {
                        blasts.set(page.items);
                        blasts_read.set(true);
                    }
                    blasts_cursor.set(page.next_cursor);
                    blasts_error.set(None);
                }
                Err(failure) => blasts_error.set(Some(failure.message())),
            }
            blasts_loading.set(false);
            blasts_loading_more.set(false);
        });
    };
    // The first page of what the listing shows: of the threads, and in a staff member's Sent
    // folder of their blasts too.
    let load_first = move || {
        load(None);
        if listing.try_with_untracked(Listing::merges_blasts) == Some(true) {
            load_blasts(None);
        }
    };

    // The first page, again whenever the address or the search changes; a new list starts
    // empty (so it shows "Loading…"), a refined search keeps the old results until the new
    // ones come.
    Effect::new(move |previous: Option<Listing>| {
        let now = listing.get();
        if !previous.is_some_and(|before| now.refines(&before)) {
            items.set(Vec::new());
            next_cursor.set(None);
            threads_read.set(false);
            notice.set(None);
            announce(String::new());
            // Blasts still on their way were for the listing before.
            latest_blasts.cancel();
            blasts.set(Vec::new());
            blasts_cursor.set(None);
            blasts_read.set(false);
            blasts_error.set(None);
            blasts_loading.set(false);
            blasts_loading_more.set(false);
        }
        invalid.set(None);
        load_first();
        now
    });
    unread.refresh();
    // The blast a progress event named that was not among those read: it was sent elsewhere
    // (another tab) and is new, so the first page is read again, once for it.
    let reread_for = StoredValue::new(None::<Uuid>);
    // What the live stream says changed: the first page again, in place. A blast's progress
    // moves its row's counts.
    Live::get().on_event(move |event| {
        if event.changes_threads() {
            load(None);
        }
        if listing.try_with_untracked(Listing::merges_blasts) != Some(true) {
            return;
        }
        match event.kind {
            EventKind::Resync => load_blasts(None),
            EventKind::BlastProgress | EventKind::BlastDone => {
                let Some(id) = event.data.blast_id else {
                    return;
                };
                let done = event.kind == EventKind::BlastDone;
                let read = blasts.with_untracked(|list| list.iter().any(|b| b.id == id));
                if read {
                    blasts.update(|list| {
                        if let Some(blast) = list.iter_mut().find(|b| b.id == id) {
                            apply_progress(blast, &event.data, done);
                        }
                    });
                } else if blasts_read.get_untracked()
                    && !blasts_loading.get_untracked()
                    && reread_for.get_value() != Some(id)
                {
                    reread_for.set_value(Some(id));
                    load_blasts(None);
                }
            }
            _ => {}
        }
    });
    // What the list shows: the threads read, or in the merged Sent folder the threads and the
    // blasts as far down as both are known.
    let shown = Memo::new(move |_| {
        if !listing.with(Listing::merges_blasts) {
            return Shown {
                rows: items.with(|rows| rows.iter().cloned().map(ListRow::Thread).collect()),
                next: next_cursor.with(Option::is_some).then_some(Side::Threads),
            };
        }
        let threads_more = !threads_read.get() || next_cursor.with(Option::is_some);
        let blasts_more = !blasts_read.get() || blasts_cursor.with(Option::is_some);
        items.with(|threads| {
            blasts.with(|blasts| {
                let merged = sent_merge::merge(
                    Stream {
                        rows: threads,
                        more: threads_more,
                    },
                    |row: &ConversationSummary| row.last_message_at,
                    Stream {
                        rows: blasts,
                        more: blasts_more,
                    },
                    |blast: &Blast| blast.created_at,
                );
                Shown {
                    rows: merged
                        .rows
                        .into_iter()
                        .map(|row| match row {
                            sent_merge::Row::Thread(row) => ListRow::Thread(row.clone()),
                            sent_merge::Row::Blast(blast) => ListRow::Blast(blast.clone()),
                        })
                        .collect(),
                    next: merged.next,
                }
            })
        })
    });
    let no_rows = move || shown.with(|s| s.rows.is_empty());
    // A first page (of either list) on its way.
    let busy = move || loading.get() || blasts_loading.get();
    // Until the first pages are in, "Load more" would only read them again.
    let first_pages_in =
        move || !listing.with(Listing::merges_blasts) || (threads_read.get() && blasts_read.get());
    let more_loading = move || loading_more.get() || blasts_loading_more.get();
    let load_more = move |_| match shown.with_untracked(|s| s.next) {
        Some(Side::Threads) => load(next_cursor.get_untracked()),
        Some(Side::Blasts) => load_blasts(blasts_cursor.get_untracked()),
        None => {}
    };

    let navigate = use_navigate();
    // Changes the address (which the list follows, with the search) without scrolling: the
    // box and the list stay where the person is.
    let show = Callback::new(move |(next, replace): (Listing, bool)| {
        navigate(
            &next.href(),
            NavigateOptions {
                replace,
                scroll: false,
                ..Default::default()
            },
        );
    });
    // Back or Forward to another person's threads: as when arriving with them.
    let with_person = Memo::new(move |_| query.with(with_from));
    Effect::new(move || search.shown_with(with_person.get()));
    // An old link with words in the address (`/messages?q=…`): they are not searched for, and
    // the address loses them at once, in place, so that they stay out of the history.
    Effect::new(move || {
        if query.with(|query| query.get_str("q").is_some()) {
            show.run((listing.get_untracked(), true));
        }
    });
    let search_input = NodeRef::<html::Input>::new();
    // The filtered person's name, from the rows' participants; kept while a refined search
    // shows none of their threads.
    let with_name = Memo::new(move |previous: Option<&Option<(Uuid, String)>>| {
        let id = listing.with(|l| l.with)?;
        items
            .with(|rows| {
                rows.iter()
                    .flat_map(|row| &row.participants)
                    .find(|p| p.id == id)
                    .map(|p| (id, p.name.clone()))
            })
            .or_else(|| {
                previous
                    .cloned()
                    .flatten()
                    .filter(|(known, _)| *known == id)
            })
    });
    let who = Signal::derive(move || {
        with_name.with(|known| {
            known
                .as_ref()
                .map_or_else(|| "this person".to_owned(), |(_, name)| name.clone())
        })
    });
    let clear_with = Callback::new(move |()| {
        let Some(mut next) = listing.try_get_untracked() else {
            return;
        };
        next.with = None;
        // "Every folder" was there for the filter only: without it, the inbox.
        if next.folder == Folder::All {
            next.folder = Folder::Inbox;
        }
        show.run((next, false));
        // The chip and its button are gone: the keyboard goes on from the search box.
        if let Some(input) = search_input.get_untracked() {
            input.focus().ok();
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
                    let at = match listing.try_with_untracked(Listing::folder_shown).flatten() {
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
            if listing.with(Listing::folder_shown) == Some(which) {
                Some("page")
            } else {
                None
            }
        }
    };
    // A tab leaves a search (whose results span the folders), even the tab of the folder
    // the address already names, but keeps the person filter, which its chip removes.
    let leave_search = move |ev: leptos::ev::MouseEvent| {
        if plain_click(&ev) {
            search.words.set(None);
        }
    };
    let tab_href = move |which: Folder| {
        move || {
            let mut next = listing.get();
            next.folder = which;
            next.q = None;
            next.href()
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
        <SearchBox listing search invalid=invalid.read_only() input=search_input />
        <nav class="tabs" aria-label="Folders">
            <a class="tab" href=tab_href(Folder::Inbox) aria-current=tab(Folder::Inbox) on:click=leave_search data-testid="folder-inbox">"Inbox"</a>
            <a class="tab" href=tab_href(Folder::Sent) aria-current=tab(Folder::Sent) on:click=leave_search data-testid="folder-sent">"Sent"</a>
            <a class="tab" href=tab_href(Folder::Archived) aria-current=tab(Folder::Archived) on:click=leave_search data-testid="folder-archived">"Archived"</a>
        </nav>
        // Always in the page, so that screen readers hear what comes into it.
        <div class="archive-notice" role="status" aria-live="polite" data-testid="archive-notice">
            {move || notice.get().map(|notice| view! { <NoticeLine notice on_undo=on_unarchive /> })}
        </div>
        <Show when=move || listing.with(|l| l.with.is_some())>
            <WithChip who on_clear=clear_with />
        </Show>
        // Words the server cannot search for are said by the box instead.
        {move || listing.with(|l| l.q.clone()).filter(|_| invalid.with(Option::is_none)).map(|q| view! {
            <h2 class="search-heading" data-testid="search-heading">{format!("Results for “{q}”")}</h2>
        })}
        // Always in the page, so that screen readers hear each search's count as it comes.
        <p class="visually-hidden" role="status" aria-live="polite" data-testid="search-status">
            {move || status.get()}
        </p>
        {move || error.get().or_else(|| blasts_error.get()).map(|text| view! {
            <div class="form-error list-error" role="alert" data-testid="list-error">
                <span>{format!("Could not load your messages: {text}")}</span>
                <button class="link-button" type="button" on:click=move |_| load_first()>"Try again"</button>
            </div>
        })}
        <ul
            class="conversation-list"
            aria-label=move || if listing.with(|l| l.q.is_some()) { "Search results" } else { "Conversations" }
            aria-busy=move || (busy() && !no_rows()).then_some("true")
            data-testid="conversation-list"
            node_ref=list
        >
            <For
                each=move || shown.with(|s| s.rows.clone())
                key=ListRow::key
                let:row
            >
                {match row {
                    ListRow::Thread(row) => view! {
                        <ConversationRow
                            row
                            me=me()
                            folder=listing.with_untracked(Listing::folder_shown).unwrap_or(Folder::All)
                            on_mark_read
                            on_archive
                            on_unarchive
                        />
                    }
                    .into_any(),
                    ListRow::Blast(first) => {
                        let id = first.id;
                        // The row follows the live counts; the copy it was drawn with stands in
                        // while the list lets it go.
                        let blast = Signal::derive(move || {
                            blasts
                                .with(|list| list.iter().find(|b| b.id == id).cloned())
                                .unwrap_or_else(|| first.clone())
                        });
                        view! { <BlastRow blast /> }.into_any()
                    }
                }}
            </For>
        </ul>
        <Show when=move || busy() && no_rows()>
            <p class="empty-line" role="status">
                {move || if listing.with(|l| l.q.is_some()) { "Searching…" } else { "Loading…" }}
            </p>
        </Show>
        <Show when=move || {
            !busy() && error.with(Option::is_none) && blasts_error.with(Option::is_none)
                && invalid.with(Option::is_none) && no_rows() && shown.with(|s| s.next.is_none())
        }>
            {move || {
                let now = listing.get();
                match (now.q, now.with) {
                    (Some(q), _) => view! {
                        <p class="empty-line search-empty" data-testid="no-matches">{format!("No threads match “{q}”.")}</p>
                    }
                    .into_any(),
                    (None, Some(_)) => view! {
                        <p class="empty-line search-empty" data-testid="no-matches">{no_threads_with(now.folder, &who.get())}</p>
                    }
                    .into_any(),
                    (None, None) => empty_state(now.folder).into_any(),
                }
            }}
        </Show>
        <Show when=move || shown.with(|s| s.next.is_some()) && first_pages_in()>
            <div class="load-more">
                <button
                    class="button button-secondary"
                    type="button"
                    data-testid="load-more"
                    disabled=more_loading
                    on:click=load_more
                >
                    {move || if more_loading() { "Loading…" } else { "Load more" }}
                </button>
            </div>
        </Show>
    }
}

/// The search box above the list. Typing searches after a pause, Enter at once; the words go
/// into the search held in memory (never the address), which the list follows.
#[component]
fn SearchBox(
    listing: Memo<Listing>,
    search: MessageSearch,
    /// The server's words when it cannot search for what was typed.
    invalid: ReadSignal<Option<String>>,
    input: NodeRef<html::Input>,
) -> impl IntoView {
    let text = RwSignal::new(listing.with_untracked(|l| l.q.clone().unwrap_or_default()));
    // A pause after an earlier keystroke searches nothing.
    let typed = LatestOnly::new();
    // A tab or another person's threads left the search: the box says what is searched for
    // now.
    Effect::new(move |_| {
        let q = listing.with(|l| l.q.clone().unwrap_or_default());
        if text.with_untracked(|t| t.trim() != q) {
            typed.cancel();
            text.set(q);
        }
    });
    let run = move |words: String| {
        let words = words.trim();
        let next = (!words.is_empty()).then(|| words.to_owned());
        if search.words.try_with_untracked(|now| *now != next) == Some(true) {
            search.words.set(next);
        }
    };
    let on_input = move |ev: leptos::ev::Event| {
        let words = event_target_value(&ev);
        text.set(words.clone());
        let Some(ticket) = typed.next() else {
            return;
        };
        spawn_local(async move {
            TimeoutFuture::new(SEARCH_DELAY_MS).await;
            if typed.is_latest(ticket) {
                run(words);
            }
        });
    };
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        typed.cancel();
        run(text.get_untracked());
    };
    let clear = move |_| {
        typed.cancel();
        text.set(String::new());
        run(String::new());
        // The button goes with the text: the keyboard stays in the box.
        if let Some(input) = input.get_untracked() {
            input.focus().ok();
        }
    };
    let has_text = move || text.with(|t| !t.is_empty()) || listing.with(|l| l.q.is_some());
    let is_invalid = move || invalid.with(Option::is_some);
    view! {
        <form class="search-bar" role="search" on:submit=on_submit>
            <label class="visually-hidden" for="message-search">"Search messages"</label>
            <div class="search-field">
                <input
                    id="message-search"
                    class="search search-input"
                    type="search"
                    maxlength="200"
                    autocomplete="off"
                    placeholder="Search subjects, messages and names"
                    data-testid="search-box"
                    node_ref=input
                    prop:value=move || text.get()
                    aria-invalid=move || is_invalid().then_some("true")
                    aria-describedby=move || is_invalid().then_some("search-error")
                    on:input=on_input
                />
                <Show when=has_text>
                    <button
                        class="search-clear"
                        type="button"
                        aria-label="Clear search"
                        data-testid="clear-search"
                        on:click=clear
                    >
                        <span aria-hidden="true">"×"</span>
                    </button>
                </Show>
            </div>
            {move || invalid.get().map(|words| view! {
                <p class="field-error" id="search-error" data-testid="search-error">{words}</p>
            })}
        </form>
    }
}

/// The person filter while the address has one: "With <name>", and the way back to everyone.
#[component]
fn WithChip(who: Signal<String>, on_clear: Callback<()>) -> impl IntoView {
    view! {
        <div class="with-filter">
            <span class="chip with-chip" data-testid="with-chip">
                <span>{move || format!("With {}", who.get())}</span>
                <button
                    class="chip-remove"
                    type="button"
                    data-testid="clear-with"
                    aria-label=move || format!("Remove filter: with {}", who.get())
                    on:click=move |_| on_clear.run(())
                >
                    <span aria-hidden="true">"×"</span>
                </button>
            </span>
        </div>
    }
}

/// What the live region says once a search's first page is in.
fn results_count(q: &str, count: usize, more: bool) -> String {
    match (count, more) {
        (0, _) => format!("No threads match “{q}”."),
        (1, false) => format!("1 thread matches “{q}”."),
        (count, false) => format!("{count} threads match “{q}”."),
        // A page is in, and there are more: the count so far.
        (count, true) => format!("More than {count} threads match “{q}”."),
    }
}

/// What a list filtered by a person (`who`) says when it is empty.
fn no_threads_with(folder: Folder, who: &str) -> String {
    match folder {
        Folder::Inbox => format!("No threads with {who} in your inbox."),
        Folder::Sent => format!("No threads with {who} in Sent."),
        Folder::Archived => format!("No archived threads with {who}."),
        Folder::All => format!("No threads with {who}."),
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
    // Search results and "every folder" mix the folders: an archived thread says so.
    let archived_elsewhere = row.archived && !archived;
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
            <A href=format!("/messages/{id}") attr:class="conversation-link" attr:data-testid="conversation-link">
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
                    {archived_elsewhere.then(|| view! { <span class="pill">"Archived"</span> })}
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

/// A blast in a staff member's Sent folder, once, in place of the thread it made for each
/// client: a link to its page, drawn like the threads around it, whose counts follow the live
/// stream. It has no actions: archiving and reading are for its threads.
#[component]
fn BlastRow(blast: Signal<Blast>) -> impl IntoView {
    let (id, subject, sent_at) =
        blast.with_untracked(|b| (b.id, b.subject.clone(), b.created_at.timestamp_millis()));
    view! {
        <li class="conversation-row">
            <A href=format!("/blasts/{id}") attr:class="conversation-link" attr:data-testid="blast-row">
                <span class="avatar" aria-hidden="true">
                    <svg viewBox="0 0 24 24" width="16" height="16">
                        <path d="M4 10v4h3l6 4V6L7 10H4zM16.5 9a4 4 0 010 6M18.5 6.5a7.5 7.5 0 010 11" fill="none" stroke="currentColor" stroke-width="1.8" stroke-linecap="round" stroke-linejoin="round" />
                    </svg>
                </span>
                <span class="conversation-main">
                    <span class="conversation-people">
                        <span class="tag blast-chip" data-testid="blast-chip">"Blast"</span>
                        " "
                        <span data-testid="blast-audience">{move || audience_text(blast.with(|b| b.total))}</span>
                    </span>
                    <span class="conversation-text">
                        <span class="conversation-subject" data-testid="blast-subject">{subject}</span>
                    </span>
                    <span class="conversation-preview blast-row-status" data-testid="blast-status">
                        {move || blast.with(blast_progress_text)}
                    </span>
                </span>
                <span class="conversation-meta">
                    <Time millis=sent_at />
                </span>
            </A>
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
