//! Files that go with a message.
//!
//! - [`AttachFiles`]: the "Attach files" button and the chosen files, each uploading at once
//!   with its own progress bar, removable before sending, and refused in words when it cannot
//!   go (checked here first for type, size and count; the server decides in the end). Used by
//!   the composer and by the reply box, through a [`PendingFiles`] their form owns.
//! - [`MessageAttachments`]: the files of a sent message, each a button that downloads it
//!   through the authenticated API.

use std::collections::HashMap;

use confidant_openapi::ProblemCode;
use confidant_openapi::attachments::{
    ALLOWED_EXTENSIONS, MAX_ATTACHMENT_BYTES, MAX_ATTACHMENTS_PER_MESSAGE,
};
use confidant_openapi::conversations::AttachmentRef;
use leptos::html;
use leptos::prelude::*;
use leptos::task::spawn_local;
use uuid::Uuid;
use web_sys::File;

use crate::api::attachments::Abort;
use crate::api::{self, ApiError};
use crate::auth::Auth;

/// What the file picker offers (the server still checks the content).
const ACCEPT: &str = ".pdf,.doc,.docx,.txt,.jpg,.jpeg,.png,.bmp,.gif";

/// `bytes` for people, in decimal units like the 10 MB limit: "640 bytes", "12 KB", "3.4 MB".
pub fn human_size(bytes: u64) -> String {
    fn scaled(value: f64, unit: &str) -> String {
        if value < 9.95 {
            format!("{value:.1} {unit}").replace(".0 ", " ")
        } else {
            format!("{value:.0} {unit}")
        }
    }
    match bytes {
        1 => "1 byte".into(),
        0..1_000 => format!("{bytes} bytes"),
        1_000..999_500 => scaled(bytes as f64 / 1e3, "KB"),
        _ => scaled(bytes as f64 / 1e6, "MB"),
    }
}

/// `10000000` as "10,000,000".
fn grouped(n: u64) -> String {
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

/// The ending of a file name, lower case ("pdf"), if it has one.
fn extension(name: &str) -> Option<String> {
    name.rsplit_once('.')
        .map(|(_, ending)| ending.to_ascii_lowercase())
        .filter(|ending| !ending.is_empty())
}

/// Why a file cannot be attached, judged from its name and size before uploading (R-ATT-TYPES,
/// R-ATT-SIZE); `None` when it may go up. The server decides from the content in the end.
fn early_problem(name: &str, size: u64) -> Option<String> {
    let allowed = extension(name).is_some_and(|e| ALLOWED_EXTENSIONS.contains(&e.as_str()));
    if !allowed {
        Some("This type of file cannot be attached. Attach a PDF, a Word document, a text file or an image (JPG, PNG, BMP or GIF).".into())
    } else if size == 0 {
        Some("This file is empty.".into())
    } else if size > MAX_ATTACHMENT_BYTES {
        Some(format!(
            "This file is too large: a file can be at most {} ({} bytes).",
            human_size(MAX_ATTACHMENT_BYTES),
            grouped(MAX_ATTACHMENT_BYTES)
        ))
    } else {
        None
    }
}

/// A failed upload, in words.
fn upload_problem(failure: &ApiError) -> String {
    match failure {
        ApiError::Network => {
            "The upload did not finish. Check your connection, then remove the file and attach it again.".into()
        }
        other => other.message(),
    }
}

/// A failed download, in words.
fn download_problem(failure: &ApiError, name: &str) -> String {
    match failure.code() {
        Some(ProblemCode::NotFound) => {
            format!("“{name}” is no longer available: its message may have been deleted.")
        }
        _ => format!("Could not download “{name}”. {}", failure.message()),
    }
}

/// The kind of file, for its icon.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Kind {
    Pdf,
    Word,
    Image,
    Text,
    Other,
}

impl Kind {
    /// From the verified content type, else from the name's ending.
    fn of(content_type: &str, name: &str) -> Self {
        let content_type = content_type.to_ascii_lowercase();
        let ending = extension(name).unwrap_or_default();
        if content_type == "application/pdf" || ending == "pdf" {
            Self::Pdf
        } else if content_type.contains("msword")
            || content_type.contains("wordprocessingml")
            || matches!(ending.as_str(), "doc" | "docx")
        {
            Self::Word
        } else if content_type.starts_with("image/")
            || matches!(ending.as_str(), "jpg" | "jpeg" | "png" | "bmp" | "gif")
        {
            Self::Image
        } else if content_type.starts_with("text/plain") || ending == "txt" {
            Self::Text
        } else {
            Self::Other
        }
    }

    fn label(self) -> &'static str {
        match self {
            Self::Pdf => "PDF",
            Self::Word => "DOC",
            Self::Image => "IMG",
            Self::Text => "TXT",
            Self::Other => "FILE",
        }
    }

    fn class(self) -> &'static str {
        match self {
            Self::Pdf => "file-icon file-icon-pdf",
            Self::Word => "file-icon file-icon-word",
            Self::Image => "file-icon file-icon-image",
            Self::Text => "file-icon file-icon-text",
            Self::Other => "file-icon",
        }
    }
}

/// A page with a folded corner and a coloured band naming the kind of file.
#[component]
fn FileIcon(kind: Kind) -> impl IntoView {
    view! {
        <svg class=kind.class() viewBox="0 0 32 38" width="28" height="34" aria-hidden="true" data-kind=kind.label()>
            <path class="file-icon-page" d="M5 1.5h15.5L30 11v22a3.5 3.5 0 0 1-3.5 3.5H5A3.5 3.5 0 0 1 1.5 33V5A3.5 3.5 0 0 1 5 1.5z" />
            <path class="file-icon-fold" d="M20.5 1.5V8a3 3 0 0 0 3 3H30" />
            <rect class="file-icon-band" x="0" y="18" width="25" height="12" rx="2.5" />
            <text class="file-icon-text" x="12.5" y="26.6" text-anchor="middle">{kind.label()}</text>
        </svg>
    }
}

/// Where one chosen file stands.
#[derive(Clone, Debug, PartialEq)]
enum Upload {
    /// Going up: the share sent so far (0 to 1).
    Sending(f64),
    /// Uploaded: its id goes into `attachment_ids`.
    Done(Uuid),
    /// Refused here or by the server, in words; it will not be sent.
    Refused(String),
}

/// One chosen file.
#[derive(Clone, Debug, PartialEq)]
struct Pending {
    key: u64,
    name: String,
    size: u64,
    state: Upload,
}

/// A file uploaded for one form and handed, unsent, to another (the new-message composer's
/// files going along to the blast composer).
#[derive(Clone, Debug, PartialEq)]
pub struct UploadedFile {
    pub id: Uuid,
    pub name: String,
    pub size: u64,
}

/// The files chosen for one message, owned by its form. `Copy`, so it goes into every closure.
#[derive(Clone, Copy)]
pub struct PendingFiles {
    list: RwSignal<Vec<Pending>>,
    /// A word about the list as a whole (too many files, or refused ones left at sending).
    note: RwSignal<Option<String>>,
    /// Sending was tried while files were still uploading.
    waiting: RwSignal<bool>,
    next_key: StoredValue<u64>,
    /// How to stop each running upload, by key (browser objects: this thread only).
    aborts: StoredValue<HashMap<u64, Abort>, LocalStorage>,
}

impl PendingFiles {
    /// An empty list.
    pub fn new() -> Self {
        Self {
            list: RwSignal::new(Vec::new()),
            note: RwSignal::new(None),
            waiting: RwSignal::new(false),
            next_key: StoredValue::new(0),
            aborts: StoredValue::new_local(HashMap::new()),
        }
    }

    /// True while any file is still uploading (tracked: sending waits for it).
    pub fn uploading(&self) -> bool {
        self.list
            .with(|list| list.iter().any(|p| matches!(p.state, Upload::Sending(_))))
    }

    /// The ids of the uploaded files, in the order they were chosen.
    pub fn ids(&self) -> Vec<Uuid> {
        self.list.with_untracked(|list| {
            list.iter()
                .filter_map(|p| match p.state {
                    Upload::Done(id) => Some(id),
                    _ => None,
                })
                .collect()
        })
    }

    /// The uploaded files, in the order they were chosen, to hand to another form.
    pub fn uploaded(&self) -> Vec<UploadedFile> {
        self.list.with_untracked(|list| {
            list.iter()
                .filter_map(|p| match p.state {
                    Upload::Done(id) => Some(UploadedFile {
                        id,
                        name: p.name.clone(),
                        size: p.size,
                    }),
                    _ => None,
                })
                .collect()
        })
    }

    /// Lists files another form uploaded, as attached (up to the per-message limit).
    pub fn adopt(&self, files: Vec<UploadedFile>) {
        for file in files.into_iter().take(MAX_ATTACHMENTS_PER_MESSAGE) {
            let key = self.next_key.get_value();
            self.next_key.set_value(key + 1);
            self.list.update(|list| {
                list.push(Pending {
                    key,
                    name: file.name,
                    size: file.size,
                    state: Upload::Done(file.id),
                });
            });
        }
    }

    /// Checks the list just before sending; says what is wrong next to the files if anything.
    pub fn ready_to_send(&self) -> bool {
        let (refused, sending) = self.list.with_untracked(|list| {
            (
                list.iter().any(|p| matches!(p.state, Upload::Refused(_))),
                list.iter().any(|p| matches!(p.state, Upload::Sending(_))),
            )
        });
        if refused {
            self.note.set(Some(
                "Some files cannot be attached. Remove them (×) to send the message.".into(),
            ));
        } else if sending {
            self.waiting.set(true);
        }
        !refused && !sending
    }

    /// Stops the uploads still running (the form is going away).
    fn stop_all(&self) {
        self.aborts.try_update_value(|aborts| {
            for (_, abort) in aborts.drain() {
                abort.abort();
            }
        });
    }

    /// Empties the list (after sending), stopping anything still running.
    pub fn clear(&self) {
        self.stop_all();
        self.list.set(Vec::new());
        self.note.set(None);
        self.waiting.set(false);
    }

    /// Adds what the person chose: each file is checked, then uploaded at once.
    fn add(&self, files: Vec<File>, auth: Auth) {
        self.note.set(None);
        let mut room =
            MAX_ATTACHMENTS_PER_MESSAGE.saturating_sub(self.list.with_untracked(|list| {
                list.iter()
                    .filter(|p| !matches!(p.state, Upload::Refused(_)))
                    .count()
            }));
        let mut left_out = Vec::new();
        for file in files {
            let name = file.name();
            let size = file.size().max(0.0) as u64;
            let problem = early_problem(&name, size);
            if problem.is_none() && room == 0 {
                left_out.push(name);
                continue;
            }
            let key = self.next_key.get_value();
            self.next_key.set_value(key + 1);
            let state = match &problem {
                Some(text) => Upload::Refused(text.clone()),
                None => Upload::Sending(0.0),
            };
            self.list.update(|list| {
                list.push(Pending {
                    key,
                    name,
                    size,
                    state,
                });
            });
            if problem.is_none() {
                room -= 1;
                self.start(key, file, auth);
            }
        }
        if !left_out.is_empty() {
            self.note.set(Some(format!(
                "A message can carry up to {MAX_ATTACHMENTS_PER_MESSAGE} files, so these were not added: {}.",
                left_out.join(", ")
            )));
        }
    }

    /// Uploads one file, reporting progress into the list.
    fn start(&self, key: u64, file: File, auth: Auth) {
        let files = *self;
        let abort = Abort::default();
        self.aborts.update_value(|aborts| {
            aborts.insert(key, abort.clone());
        });
        spawn_local(async move {
            let result = auth
                .call(|token| {
                    let file = file.clone();
                    let abort = abort.clone();
                    async move {
                        let progress = move |share: f64| files.set(key, Upload::Sending(share));
                        api::attachments::upload(&token, &file, progress, &abort).await
                    }
                })
                .await;
            files.aborts.try_update_value(|aborts| aborts.remove(&key));
            files.set(
                key,
                match result {
                    Ok(attachment) => Upload::Done(attachment.id),
                    Err(failure) => Upload::Refused(upload_problem(&failure)),
                },
            );
        });
    }

    /// Sets the state of the file `key`, if it is still listed.
    fn set(&self, key: u64, state: Upload) {
        self.list.try_update(|list| {
            if let Some(pending) = list.iter_mut().find(|p| p.key == key) {
                pending.state = state;
            }
        });
    }

    /// Takes the file `key` off the list, stopping its upload if it is running, and removing
    /// it from the server if it was uploaded (so that it stops counting against the upload
    /// quota; if that fails, the server removes it after a day anyway).
    fn remove(&self, key: u64, auth: Auth) {
        if let Some(abort) = self
            .aborts
            .try_update_value(|aborts| aborts.remove(&key))
            .flatten()
        {
            abort.abort();
        }
        if let Some(Upload::Done(id)) = self
            .list
            .with_untracked(|list| list.iter().find(|p| p.key == key).map(|p| p.state.clone()))
        {
            spawn_local(async move {
                let _already_expiring = auth
                    .call(|token| async move { api::attachments::remove(&token, id).await })
                    .await;
            });
        }
        self.list.update(|list| list.retain(|p| p.key != key));
        self.note.set(None);
    }

    /// The state of the file `key` (tracked).
    fn state(&self, key: u64) -> Option<Upload> {
        self.list
            .with(|list| list.iter().find(|p| p.key == key).map(|p| p.state.clone()))
    }
}

impl Default for PendingFiles {
    fn default() -> Self {
        Self::new()
    }
}

/// The "Attach files" button with the chosen files above it. `error` is what the server said
/// about `attachment_ids` when sending failed.
#[component]
pub fn AttachFiles(
    files: PendingFiles,
    #[prop(into, optional)] error: Signal<Option<String>>,
) -> impl IntoView {
    let auth = Auth::get();
    let input = NodeRef::<html::Input>::new();
    let choose = move |_| {
        let Some(input) = input.get_untracked() else {
            return;
        };
        let chosen = input
            .files()
            .map(|list| (0..list.length()).filter_map(|i| list.get(i)).collect())
            .unwrap_or_default();
        // Emptied so that choosing the same file again is noticed.
        input.set_value("");
        files.add(chosen, auth);
    };
    let note = move || {
        files
            .note
            .get()
            .or_else(|| {
                (files.waiting.get() && files.uploading())
                    .then(|| "Wait until the files have finished uploading, then send.".into())
            })
            .or_else(|| error.get())
    };
    // Leaving the form (Discard, another page) stops what is still uploading.
    on_cleanup(move || files.stop_all());
    view! {
        <div class="attach">
            <Show when=move || files.list.with(|list| !list.is_empty())>
                <ul class="attachment-chips" aria-label="Attached files" data-testid="attachment-chips">
                    <For each=move || files.list.get() key=|p| p.key let:pending>
                        <PendingRow files pending />
                    </For>
                </ul>
            </Show>
            {move || note().map(|text| view! {
                <p class="field-error attach-note" role="alert" data-testid="attach-note">{text}</p>
            })}
            <div class="attach-bar">
                <button
                    class="button button-secondary button-small"
                    type="button"
                    data-testid="attach-button"
                    on:click=move |_| {
                        if let Some(input) = input.get_untracked() {
                            input.click();
                        }
                    }
                >
                    <svg viewBox="0 0 24 24" width="16" height="16" aria-hidden="true">
                        <path d="M20.5 11.5l-8.3 8.3a5 5 0 0 1-7-7l8.6-8.6a3.3 3.3 0 0 1 4.7 4.7l-8.6 8.6a1.7 1.7 0 0 1-2.4-2.4l7.9-7.9" fill="none" stroke="currentColor" stroke-width="1.8" stroke-linecap="round" stroke-linejoin="round" />
                    </svg>
                    "Attach files"
                </button>
                <span class="field-hint">
                    {format!(
                        "PDF, Word, text or images · up to {} each, {MAX_ATTACHMENTS_PER_MESSAGE} files per message",
                        human_size(MAX_ATTACHMENT_BYTES)
                    )}
                </span>
                <input
                    class="visually-hidden"
                    type="file"
                    multiple
                    accept=ACCEPT
                    tabindex="-1"
                    aria-hidden="true"
                    data-testid="attach"
                    node_ref=input
                    on:change=choose
                />
            </div>
        </div>
    }
}

/// One chosen file: icon, name, size, then its progress, or why it cannot go.
#[component]
fn PendingRow(files: PendingFiles, pending: Pending) -> impl IntoView {
    let auth = Auth::get();
    let key = pending.key;
    let state = Memo::new(move |_| files.state(key));
    let kind = Kind::of("", &pending.name);
    let size = human_size(pending.size);
    let remove_label = format!("Remove {}", pending.name);
    let share = move || match state.get() {
        Some(Upload::Sending(share)) => share,
        _ => 1.0,
    };
    let percent = move || (share() * 100.0).round() as u32;
    view! {
        <li
            class="attachment-chip"
            class:attachment-chip-refused=move || matches!(state.get(), Some(Upload::Refused(_)))
            data-testid="attachment-chip"
            data-state=move || match state.get() {
                Some(Upload::Sending(_)) => "uploading",
                Some(Upload::Done(_)) => "done",
                _ => "refused",
            }
        >
            <FileIcon kind />
            <div class="attachment-chip-main">
                <span class="attachment-name" title=pending.name.clone() data-testid="attachment-chip-name">{pending.name.clone()}</span>
                <span class="attachment-chip-status">
                    <span>{size}</span>
                    {move || match state.get() {
                        Some(Upload::Sending(_)) => view! {
                            <span>" · "{move || format!("Uploading {}%", percent())}</span>
                        }.into_any(),
                        Some(Upload::Done(_)) => view! {
                            <span class="attachment-ready" data-testid="attachment-ready">
                                " · "
                                <svg viewBox="0 0 24 24" width="13" height="13" aria-hidden="true">
                                    <path d="M5 12.5l4.5 4.5L19 7.5" fill="none" stroke="currentColor" stroke-width="2.4" stroke-linecap="round" stroke-linejoin="round" />
                                </svg>
                                "Attached"
                            </span>
                        }.into_any(),
                        _ => ().into_any(),
                    }}
                </span>
                {move || match state.get() {
                    Some(Upload::Sending(_)) => Some(view! {
                        <span
                            class="progress"
                            role="progressbar"
                            aria-label="Upload progress"
                            aria-valuemin="0"
                            aria-valuemax="100"
                            aria-valuenow=move || percent().to_string()
                            data-testid="attachment-progress"
                        >
                            <span class="progress-fill" style:width=move || format!("{}%", percent())></span>
                        </span>
                    }.into_any()),
                    Some(Upload::Refused(text)) => Some(view! {
                        <span class="attachment-error" role="alert" data-testid="attachment-error">{text}</span>
                    }.into_any()),
                    _ => None,
                }}
            </div>
            <button
                class="chip-remove attachment-remove"
                type="button"
                aria-label=remove_label.clone()
                title=remove_label
                data-testid="attachment-remove"
                on:click=move |_| files.remove(key, auth)
            >
                "×"
            </button>
        </li>
    }
}

/// The files of a sent message; a click downloads one through the authenticated API.
#[component]
pub fn MessageAttachments(attachments: Vec<AttachmentRef>) -> impl IntoView {
    let auth = Auth::get();
    let downloading = RwSignal::new(None::<Uuid>);
    let error = RwSignal::new(None::<String>);
    let items = attachments
        .into_iter()
        .map(|attachment| {
            let AttachmentRef {
                id,
                file_name,
                content_type,
                size,
            } = attachment;
            let kind = Kind::of(&content_type, &file_name);
            let size = human_size(u64::try_from(size).unwrap_or_default());
            let title = format!("Download {file_name}");
            let name = file_name.clone();
            let download = move |_| {
                if downloading.get_untracked().is_some() {
                    return;
                }
                downloading.set(Some(id));
                error.set(None);
                let name = name.clone();
                spawn_local(async move {
                    let result = auth
                        .call(|token| {
                            let name = name.clone();
                            async move { api::attachments::download(&token, id, &name).await }
                        })
                        .await;
                    if let Err(failure) = result {
                        error.try_set(Some(download_problem(&failure, &name)));
                    }
                    downloading.try_set(None);
                });
            };
            view! {
                <li>
                    <button
                        class="attachment"
                        type="button"
                        title=title
                        data-testid="attachment"
                        aria-busy=move || (downloading.get() == Some(id)).to_string()
                        on:click=download
                    >
                        <FileIcon kind />
                        <span class="attachment-text">
                            <span class="attachment-name" data-testid="attachment-name">{file_name}</span>
                            <span class="attachment-size" data-testid="attachment-size">
                                {move || if downloading.get() == Some(id) { "Downloading…".to_owned() } else { size.clone() }}
                            </span>
                        </span>
                        <svg class="attachment-download" viewBox="0 0 24 24" width="18" height="18" aria-hidden="true">
                            <path d="M12 4v11m0 0l-4.5-4.5M12 15l4.5-4.5M5 19.5h14" fill="none" stroke="currentColor" stroke-width="1.8" stroke-linecap="round" stroke-linejoin="round" />
                        </svg>
                    </button>
                </li>
            }
        })
        .collect_view();
    view! {
        <div class="message-attachments">
            <ul class="attachment-list" aria-label="Attachments">{items}</ul>
            {move || error.get().map(|text| view! {
                <p class="form-error attachment-download-error" role="alert" data-testid="attachment-download-error">{text}</p>
            })}
        </div>
    }
}
