//! Integrations, `/integrations`, for staff: personal API keys (R-KEY-SCOPE) — make one with
//! the scopes an integration needs (the key is shown once), see when each was last used, and
//! revoke any at once. Owners and admins also see and revoke every key of the practice, and
//! manage its webhook endpoints (R-WEBHOOK): register one for the events it needs (its signing
//! secret is shown once), send a test, pause or resume it, rotate its secret, remove it, and
//! read its delivery log.

use confidant_openapi::api_keys::{ApiKey, ApiKeyScope, CreateApiKeyRequest};
use confidant_openapi::people::Person;
use confidant_openapi::webhooks::{
    CreateWebhookRequest, RotatedWebhookSecret, UpdateWebhookRequest, Webhook, WebhookAttempt,
    WebhookDelivery, WebhookDeliveryState, WebhookDisabledReason, WebhookEventType,
};
use leptos::prelude::*;
use leptos::task::spawn_local;
use uuid::Uuid;

use crate::api;
use crate::api::ApiError;
use crate::auth::Auth;
use crate::clipboard;
use crate::components::confirm::ConfirmPanel;
use crate::components::lookup::LatestOnly;
use crate::components::time::Time;

fn scope_label(scope: ApiKeyScope) -> &'static str {
    match scope {
        ApiKeyScope::ConversationsRead => "Read threads",
        ApiKeyScope::ConversationsWrite => "Send and manage messages",
        ApiKeyScope::AttachmentsRead => "Download attachments",
        ApiKeyScope::AttachmentsWrite => "Upload attachments",
        ApiKeyScope::BlastsRead => "See blasts",
        ApiKeyScope::BlastsWrite => "Send blasts",
        ApiKeyScope::PeopleRead => "Read people and groups",
        ApiKeyScope::PeopleWrite => "Change people and groups",
    }
}

/// The Integrations page.
#[component]
pub fn IntegrationsPage() -> impl IntoView {
    let auth = Auth::get();
    let is_admin = move || auth.session().is_some_and(|s| s.is_admin());
    let mine = RwSignal::new(None::<Vec<ApiKey>>);
    let all = RwSignal::new(None::<Vec<ApiKey>>);
    let people = RwSignal::new(Vec::<Person>::new());
    let error = RwSignal::new(None::<String>);
    let notice = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let name = RwSignal::new(String::new());
    let chosen = RwSignal::new(vec![ApiKeyScope::ConversationsRead]);
    let created = RwSignal::new(None::<String>);

    let load = move || {
        spawn_local(async move {
            match auth
                .call(|token| async move { api::api_keys::mine(&token).await })
                .await
            {
                Ok(list) => mine.set(Some(list.items)),
                Err(failure) => error.set(Some(failure.message())),
            }
            if untrack(is_admin) {
                if let Ok(list) = auth
                    .call(|token| async move { api::api_keys::practice(&token).await })
                    .await
                {
                    all.set(Some(list.items));
                }
                if let Ok(page) =
                    auth.call(|token| async move {
                        api::people::list(&token, "kind=staff&limit=200").await
                    })
                    .await
                {
                    people.set(page.items);
                }
            }
        });
    };
    load();

    let create = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let body = CreateApiKeyRequest {
            name: name.get_untracked().trim().to_owned(),
            scopes: chosen.get_untracked(),
            expires_at: None,
        };
        if body.name.is_empty() {
            error.set(Some("Name the key after what will use it.".into()));
            return;
        }
        if body.scopes.is_empty() {
            error.set(Some("Choose at least one thing the key may do.".into()));
            return;
        }
        busy.set(true);
        error.set(None);
        notice.set(None);
        spawn_local(async move {
            let result = auth
                .call(|token| {
                    let body = body.clone();
                    async move { api::api_keys::create(&token, &body).await }
                })
                .await;
            match result {
                Ok(made) => {
                    created.set(Some(made.key));
                    name.set(String::new());
                    load();
                }
                Err(failure) => error.set(Some(
                    failure
                        .field("name")
                        .or_else(|| failure.field("scopes"))
                        .unwrap_or_else(|| failure.message()),
                )),
            }
            busy.set(false);
        });
    };
    let revoke = move |id: Uuid, any: bool| {
        busy.set(true);
        notice.set(None);
        spawn_local(async move {
            match auth
                .call(|token| async move { api::api_keys::revoke(&token, id, any).await })
                .await
            {
                Ok(()) => notice.set(Some("The key was revoked: it no longer works.".into())),
                Err(failure) => error.set(Some(failure.message())),
            }
            busy.set(false);
            load();
        });
    };
    let owner_name = move |id: Uuid| {
        people.with(|list| {
            list.iter()
                .find(|p| p.id == id)
                .map(|p| p.name.clone())
                .unwrap_or_default()
        })
    };
    let key_row = move |key: ApiKey, any: bool| {
        let id = key.id;
        let scopes = key
            .scopes
            .iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join(", ");
        view! {
            <li class="session" data-testid="api-key">
                <span class="session-text">
                    <span class="session-device">
                        {key.name.clone()}
                        {any.then(|| format!(" · {}", owner_name(key.person_id)))}
                    </span>
                    <span class="muted"><code>{format!("{}…", key.prefix)}</code>" · "{scopes}</span>
                    <span class="muted">
                        "Made "<Time millis=key.created_at.timestamp_millis() />
                        {match key.last_used_at {
                            Some(at) => view! { " · last used "<Time millis=at.timestamp_millis() /> }.into_any(),
                            None => view! { " · never used" }.into_any(),
                        }}
                    </span>
                </span>
                <button class="button button-secondary" type="button" data-testid="revoke-api-key"
                    disabled=move || busy.get() on:click=move |_| revoke(id, any)>
                    "Revoke"
                </button>
            </li>
        }
    };

    view! {
        <header class="page-header">
            <h1>"Integrations"</h1>
        </header>
        {move || notice.get().map(|text| view! { <p class="notice" role="status">{text}</p> })}
        {move || error.get().map(|text| view! { <p class="form-error" role="alert">{text}</p> })}
        <section class="panel settings-panel" aria-labelledby="keys-heading" data-testid="api-keys">
            <h2 id="keys-heading">"Your API keys"</h2>
            <p class="muted">
                "A key lets another system (an EHR, a scheduling tool) use Confidant as you, limited to what you choose here. Send it as "
                <code>"Authorization: Bearer cfk_…"</code>
                ". Revoke it the moment it is no longer needed."
            </p>
            {move || created.get().map(|key| view! {
                <div class="recovery" data-testid="new-api-key-panel">
                    <p class="recovery-warning">"Copy this key now: it is shown only once and is not stored."</p>
                    <code class="totp-secret" data-testid="new-api-key">{key}</code>
                    <div>
                        <button class="button button-secondary" type="button" on:click=move |_| created.set(None)>"Done"</button>
                    </div>
                </div>
            })}
            <form class="stack-form" on:submit=create novalidate data-testid="create-api-key">
                <label class="field">
                    <span>"Name"</span>
                    <input name="key-name" type="text" maxlength="100" placeholder="EHR sync" bind:value=name />
                </label>
                <fieldset class="scope-list">
                    <legend>"What it may do"</legend>
                    {ApiKeyScope::ALL.map(|scope| view! {
                        <label class="check">
                            <input
                                type="checkbox"
                                value=scope.as_str()
                                prop:checked=move || chosen.with(|list| list.contains(&scope))
                                on:change=move |ev| {
                                    let on = event_target_checked(&ev);
                                    chosen.update(|list| {
                                        list.retain(|s| *s != scope);
                                        if on {
                                            list.push(scope);
                                        }
                                    });
                                }
                            />
                            <span>{scope_label(scope)}" "<code>{scope.as_str()}</code></span>
                        </label>
                    })}
                </fieldset>
                <button class="button" type="submit" data-testid="create-api-key-submit" disabled=move || busy.get()>
                    "Create key"
                </button>
            </form>
            {move || match mine.get() {
                None => view! { <p class="muted">"Loading…"</p> }.into_any(),
                Some(keys) if keys.is_empty() => view! { <p class="muted">"You have no API keys."</p> }.into_any(),
                Some(keys) => view! {
                    <ul class="session-list">{keys.into_iter().map(|key| key_row(key, false)).collect_view()}</ul>
                }.into_any(),
            }}
        </section>
        <Show when=is_admin>
            <section class="panel settings-panel" aria-labelledby="all-keys-heading" data-testid="practice-api-keys">
                <h2 id="all-keys-heading">"Every key of the practice"</h2>
                {move || match all.get() {
                    None => view! { <p class="muted">"Loading…"</p> }.into_any(),
                    Some(keys) if keys.is_empty() => view! { <p class="muted">"Nobody has an API key."</p> }.into_any(),
                    Some(keys) => view! {
                        <ul class="session-list">{keys.into_iter().map(|key| key_row(key, true)).collect_view()}</ul>
                    }.into_any(),
                }}
            </section>
        </Show>
        <Show when=is_admin>
            <WebhooksSection />
        </Show>
    }
}

/// What an event type means, beside its name.
fn event_label(kind: WebhookEventType) -> &'static str {
    match kind {
        WebhookEventType::ConversationCreated => "A thread was started",
        WebhookEventType::MessageCreated => "A message was posted",
        WebhookEventType::MessageDeleted => "A message was deleted",
        WebhookEventType::ConversationDeleted => "A thread was deleted",
        WebhookEventType::BlastCompleted => "A blast finished sending",
        WebhookEventType::PersonCreated => "A person was added",
        WebhookEventType::PersonUpdated => "A person changed",
    }
}

/// A signing secret, shown this once, with a way to copy it and "Done".
#[component]
fn SecretOnce(
    /// The `whsec_…` secret.
    secret: String,
    /// Why it matters, in a sentence or two.
    #[prop(into)]
    warning: String,
    /// Until when the replaced secret still signs, after a rotation.
    #[prop(optional)]
    old_valid_until: Option<i64>,
    /// Hides it.
    on_done: impl Fn() + Send + Sync + 'static,
) -> impl IntoView {
    let copied = RwSignal::new(None::<bool>);
    let text = secret.clone();
    let copy = move |_| {
        let text = text.clone();
        spawn_local(async move {
            let done = clipboard::copy(&text).await;
            copied.try_set(Some(done));
        });
    };
    view! {
        <div class="recovery webhook-secret" data-testid="new-webhook-secret-panel">
            <p class="recovery-warning">{warning}</p>
            <code class="totp-secret" data-testid="new-webhook-secret">{secret}</code>
            {old_valid_until.map(|millis| view! {
                <p class="muted">"The previous secret stops signing "<Time millis=millis long=true />"."</p>
            })}
            {move || copied.get().map(|done| if done {
                view! { <p class="muted" role="status">"Copied. Paste it into the receiving system's settings."</p> }.into_any()
            } else {
                view! { <p class="muted" role="status">"Your browser would not copy it: select the secret and copy it yourself."</p> }.into_any()
            })}
            <div class="form-actions">
                <button class="button button-secondary" type="button" data-testid="copy-webhook-secret" on:click=copy>
                    "Copy secret"
                </button>
                <button class="button" type="button" data-testid="webhook-secret-done" on:click=move |_| on_done()>
                    "Done"
                </button>
            </div>
        </div>
    }
}

/// The practice's webhook endpoints (owners and admins): the list, and the form to add one.
#[component]
fn WebhooksSection() -> impl IntoView {
    let auth = Auth::get();
    let hooks = RwSignal::new(None::<Vec<Webhook>>);
    let load_error = RwSignal::new(None::<String>);
    let notice = RwSignal::new(None::<String>);
    let url = RwSignal::new(String::new());
    let events = RwSignal::new(Vec::<WebhookEventType>::new());
    // What the form itself found wrong before sending, then what the server said.
    let url_missing = RwSignal::new(false);
    let events_missing = RwSignal::new(false);
    let failure = RwSignal::new(None::<ApiError>);
    let busy = RwSignal::new(false);
    let secret = RwSignal::new(None::<String>);

    let load = move || {
        spawn_local(async move {
            match auth
                .call(|token| async move { api::webhooks::list(&token).await })
                .await
            {
                Ok(list) => {
                    load_error.set(None);
                    hooks.set(Some(list.items));
                }
                Err(failure) => load_error.set(Some(failure.message())),
            }
        });
    };
    load();

    let create = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let chosen = events.get_untracked();
        let body = CreateWebhookRequest {
            url: url.get_untracked().trim().to_owned(),
            // In the order the form lists them.
            events: WebhookEventType::ALL
                .into_iter()
                .filter(|kind| chosen.contains(kind))
                .collect(),
        };
        failure.set(None);
        notice.set(None);
        url_missing.set(body.url.is_empty());
        events_missing.set(body.events.is_empty());
        if body.url.is_empty() || body.events.is_empty() {
            return;
        }
        busy.set(true);
        spawn_local(async move {
            let result = auth
                .call(|token| {
                    let body = body.clone();
                    async move { api::webhooks::create(&token, &body).await }
                })
                .await;
            match result {
                Ok(made) => {
                    secret.set(Some(made.secret));
                    url.set(String::new());
                    events.set(Vec::new());
                    hooks.update(|list| list.get_or_insert_with(Vec::new).push(made.webhook));
                }
                Err(error) => failure.set(Some(error)),
            }
            busy.set(false);
        });
    };

    let url_error = move || {
        url_missing
            .get()
            .then(|| "Enter the address deliveries go to.".to_owned())
            .or_else(|| failure.with(|f| f.as_ref().and_then(|f| f.field("url"))))
    };
    let events_error = move || {
        events_missing
            .get()
            .then(|| "Choose at least one event to send.".to_owned())
            .or_else(|| failure.with(|f| f.as_ref().and_then(|f| f.field("events"))))
    };
    let other_error = move || {
        failure.with(|f| {
            f.as_ref()
                .filter(|f| f.field("url").is_none() && f.field("events").is_none())
                .map(ApiError::message)
        })
    };
    let ids = move || {
        hooks.with(|list| {
            list.as_ref()
                .map(|list| list.iter().map(|hook| hook.id).collect::<Vec<_>>())
                .unwrap_or_default()
        })
    };

    view! {
        <section class="panel settings-panel webhooks" aria-labelledby="webhooks-heading" data-testid="webhooks">
            <h2 id="webhooks-heading">"Webhooks"</h2>
            <p class="muted">
                "A webhook tells another system (an EHR, a scheduling tool) the moment something happens here: Confidant sends a short JSON message to the address you register. It holds ids only, never names, subjects or message text, and is signed ("
                <code>"webhook-signature"</code>
                ") so the receiver can check it came from Confidant."
            </p>
            {move || notice.get().map(|text| view! { <p class="notice" role="status" data-testid="webhooks-notice">{text}</p> })}
            {move || load_error.get().map(|text| view! { <p class="form-error" role="alert">{text}</p> })}
            {move || secret.get().map(|value| view! {
                <SecretOnce
                    secret=value
                    warning="Copy this signing secret now and give it to the receiving system: it will not be shown again. The receiver checks each delivery's signature with it."
                    on_done=move || secret.set(None)
                />
            })}
            {move || match hooks.get().map(|list| list.is_empty()) {
                None => view! { <p class="muted">"Loading…"</p> }.into_any(),
                Some(true) => view! { <p class="muted" data-testid="no-webhooks">"No endpoints yet: add one below."</p> }.into_any(),
                Some(false) => ().into_any(),
            }}
            <ul class="webhook-list">
                <For each=ids key=|id| *id let:id>
                    <WebhookCard id hooks notice />
                </For>
            </ul>
            <form class="stack-form webhook-form" on:submit=create novalidate data-testid="create-webhook">
                <h3>"Add an endpoint"</h3>
                <label class="field">
                    <span>"Endpoint URL"</span>
                    <input
                        name="webhook-url"
                        type="url"
                        inputmode="url"
                        autocomplete="off"
                        spellcheck="false"
                        maxlength="2000"
                        placeholder="https://ehr.example.com/confidant"
                        aria-invalid=move || url_error().is_some().to_string()
                        bind:value=url
                    />
                    {move || url_error().map(|text| view! { <span class="field-error" data-testid="webhook-url-error">{text}</span> })}
                </label>
                <fieldset class="scope-list">
                    <legend>"Events to send"</legend>
                    {WebhookEventType::ALL.map(|kind| view! {
                        <label class="check">
                            <input
                                type="checkbox"
                                name="webhook-event"
                                value=kind.as_str()
                                prop:checked=move || events.with(|list| list.contains(&kind))
                                on:change=move |ev| {
                                    let on = event_target_checked(&ev);
                                    events.update(|list| {
                                        list.retain(|k| *k != kind);
                                        if on {
                                            list.push(kind);
                                        }
                                    });
                                    if on {
                                        events_missing.set(false);
                                    }
                                }
                            />
                            <span class="event-choice">
                                <code>{kind.as_str()}</code>
                                <span class="muted">{event_label(kind)}</span>
                            </span>
                        </label>
                    })}
                    {move || events_error().map(|text| view! { <span class="field-error" data-testid="webhook-events-error">{text}</span> })}
                </fieldset>
                {move || other_error().map(|text| view! { <p class="form-error" role="alert">{text}</p> })}
                <button class="button" type="submit" data-testid="create-webhook-submit" disabled=move || busy.get()>
                    "Add endpoint"
                </button>
            </form>
        </section>
    }
}

/// Where an endpoint stands, for its `data-state`: `enabled`, `paused` or `failing`.
fn endpoint_state(hook: &Webhook) -> &'static str {
    match (hook.enabled, hook.disabled_reason) {
        (_, Some(WebhookDisabledReason::Failing)) => "failing",
        (false, _) | (_, Some(WebhookDisabledReason::Paused)) => "paused",
        (true, None) => "enabled",
    }
}

/// The "what happened" lines of an endpoint: its state and, during a rotation, the overlap.
fn endpoint_status(hook: &Webhook) -> impl IntoView + use<> {
    let since = hook.failing_since.map(|at| at.timestamp_millis());
    let state = match endpoint_state(hook) {
        "failing" => view! {
            <p class="webhook-status webhook-status-bad">
                {match since {
                    Some(millis) => view! { "Turned off: failing since "<Time millis=millis long=true />". Resume it once the receiver answers again." }.into_any(),
                    None => view! { "Turned off: every delivery failed. Resume it once the receiver answers again." }.into_any(),
                }}
            </p>
        }
        .into_any(),
        "paused" => view! { <p class="webhook-status muted">"Paused: nothing is sent to it until it is resumed."</p> }.into_any(),
        _ => match since {
            Some(millis) => view! {
                <p class="webhook-status webhook-status-warn">
                    "Failing since "<Time millis=millis long=true />": deliveries are retried, and it is turned off if it keeps failing."
                </p>
            }
            .into_any(),
            None => ().into_any(),
        },
    };
    let overlap = hook
        .previous_secret_expires_at
        .map(|at| at.timestamp_millis())
        .filter(|millis| *millis as f64 > js_sys::Date::now())
        .map(|millis| {
            view! {
                <p class="webhook-status muted" data-testid="previous-secret">
                    "Previous secret valid until "<Time millis=millis long=true />
                </p>
            }
        });
    (state, overlap)
}

/// One endpoint: what it hears of, its state, its actions and its delivery log.
#[component]
fn WebhookCard(
    /// The endpoint.
    id: Uuid,
    /// Every endpoint of the practice (this one is read from it, and changed in it).
    hooks: RwSignal<Option<Vec<Webhook>>>,
    /// The section's notice.
    notice: RwSignal<Option<String>>,
) -> impl IntoView {
    let auth = Auth::get();
    let hook = Memo::new(move |_| {
        hooks.with(|list| {
            list.as_ref()
                .and_then(|list| list.iter().find(|hook| hook.id == id).cloned())
        })
    });
    let enabled = move || hook.with(|hook| hook.as_ref().is_some_and(|hook| hook.enabled));
    let busy = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let card_notice = RwSignal::new(None::<String>);
    let rotated = RwSignal::new(None::<RotatedWebhookSecret>);
    let confirming = RwSignal::new(false);
    let deleting = RwSignal::new(false);
    let delete_error = RwSignal::new(None::<String>);
    let deliveries = RwSignal::new(None::<Vec<WebhookDelivery>>);
    let cursor = RwSignal::new(None::<String>);
    let log_busy = RwSignal::new(false);
    let log_error = RwSignal::new(None::<String>);
    // Which load of the log is the latest: an answer to an earlier one (a refresh clicked
    // while the log was still loading) is dropped.
    let log_generation = LatestOnly::new();

    let replace = move |changed: Webhook| {
        hooks.update(|list| {
            if let Some(slot) = list
                .as_mut()
                .and_then(|list| list.iter_mut().find(|hook| hook.id == changed.id))
            {
                *slot = changed;
            }
        });
    };

    // The newest page again, or (`older`) the page after the last one shown.
    let load_log = move |older: bool| {
        let after = if older {
            match cursor.get_untracked() {
                Some(after) => Some(after),
                None => return,
            }
        } else {
            None
        };
        let Some(generation) = log_generation.next() else {
            return;
        };
        log_busy.set(true);
        spawn_local(async move {
            let result = auth
                .call(|token| {
                    let after = after.clone();
                    async move { api::webhooks::deliveries(&token, id, after.as_deref()).await }
                })
                .await;
            if !log_generation.is_latest(generation) {
                return;
            }
            match result {
                Ok(page) => {
                    log_error.set(None);
                    cursor.set(page.next_cursor);
                    if older {
                        deliveries
                            .update(|list| list.get_or_insert_with(Vec::new).extend(page.items));
                    } else {
                        deliveries.set(Some(page.items));
                    }
                }
                Err(failure) => log_error.set(Some(failure.message())),
            }
            log_busy.set(false);
        });
    };
    load_log(false);

    let send_test = move || {
        busy.set(true);
        error.set(None);
        card_notice.set(None);
        spawn_local(async move {
            match auth
                .call(|token| async move { api::webhooks::test(&token, id).await })
                .await
            {
                Ok(delivery) => {
                    card_notice.set(Some(
                        "A test delivery (webhook.test) is on its way: it shows in the log below."
                            .into(),
                    ));
                    deliveries.update(|list| list.get_or_insert_with(Vec::new).insert(0, delivery));
                    load_log(false);
                }
                Err(failure) => error.set(Some(failure.message())),
            }
            busy.set(false);
        });
    };
    let set_enabled = move |on: bool| {
        busy.set(true);
        error.set(None);
        card_notice.set(None);
        spawn_local(async move {
            let body = UpdateWebhookRequest {
                enabled: Some(on),
                ..Default::default()
            };
            let result = auth
                .call(|token| {
                    let body = body.clone();
                    async move { api::webhooks::update(&token, id, &body).await }
                })
                .await;
            match result {
                Ok(changed) => {
                    card_notice.set(Some(if on {
                        "Resumed: new events are sent to it again.".into()
                    } else {
                        "Paused: nothing is sent to it until you resume it.".into()
                    }));
                    replace(changed);
                }
                Err(failure) => error.set(Some(failure.message())),
            }
            busy.set(false);
        });
    };
    let rotate = move || {
        busy.set(true);
        error.set(None);
        card_notice.set(None);
        spawn_local(async move {
            match auth
                .call(|token| async move { api::webhooks::rotate_secret(&token, id).await })
                .await
            {
                Ok(answer) => {
                    if let Some(Some(mut changed)) = hook.try_get_untracked() {
                        changed.previous_secret_expires_at =
                            Some(answer.previous_secret_expires_at);
                        replace(changed);
                    }
                    rotated.set(Some(answer));
                }
                Err(failure) => error.set(Some(failure.message())),
            }
            busy.set(false);
        });
    };
    let delete = move || {
        deleting.set(true);
        delete_error.set(None);
        spawn_local(async move {
            match auth
                .call(|token| async move { api::webhooks::delete(&token, id).await })
                .await
            {
                Ok(()) => {
                    deleting.set(false);
                    confirming.set(false);
                    notice.set(Some(
                        "The endpoint was deleted: nothing more is sent to it.".into(),
                    ));
                    // This card goes with it.
                    hooks.update(|list| {
                        if let Some(list) = list {
                            list.retain(|hook| hook.id != id);
                        }
                    });
                }
                Err(failure) => {
                    delete_error.set(Some(failure.message()));
                    deleting.set(false);
                }
            }
        });
    };

    let header = move || {
        hook.get().map(|hook| {
            let state = endpoint_state(&hook);
            let (pill_class, pill_text) = match state {
                "failing" => ("pill pill-bad", "Turned off"),
                "paused" => ("pill", "Paused"),
                _ => ("pill pill-ok", "Enabled"),
            };
            let created = hook.created_at.timestamp_millis();
            view! {
                <div class="webhook-head">
                    <h3 class="webhook-url" data-testid="webhook-url">{hook.url.clone()}</h3>
                    <span class=pill_class data-testid="webhook-state">{pill_text}</span>
                </div>
                <ul class="webhook-events" aria-label="Events sent">
                    {hook.events.iter().map(|kind| view! { <li><code>{kind.as_str()}</code></li> }).collect_view()}
                </ul>
                {endpoint_status(&hook)}
                <p class="webhook-status muted">"Added "<Time millis=created long=true /></p>
            }
        })
    };

    view! {
        <li class="webhook" data-testid="webhook" data-state=move || hook.with(|hook| hook.as_ref().map(endpoint_state))>
            {header}
            {move || card_notice.get().map(|text| view! { <p class="notice" role="status">{text}</p> })}
            {move || error.get().map(|text| view! { <p class="form-error" role="alert">{text}</p> })}
            {move || rotated.get().map(|answer| view! {
                <SecretOnce
                    secret=answer.secret
                    warning="Copy the new signing secret now and give it to the receiving system: it will not be shown again. For the next 24 hours every delivery is signed with both the old and the new secret, so the receiver can switch over without missing one."
                    old_valid_until=answer.previous_secret_expires_at.timestamp_millis()
                    on_done=move || rotated.set(None)
                />
            })}
            <div class="webhook-actions">
                <button class="button button-secondary" type="button" data-testid="test-webhook"
                    disabled=move || busy.get() || !enabled() on:click=move |_| send_test()>
                    "Send test"
                </button>
                <button class="button button-secondary" type="button"
                    data-testid=move || if enabled() { "pause-webhook" } else { "resume-webhook" }
                    disabled=move || busy.get() on:click=move |_| set_enabled(!enabled())>
                    {move || if enabled() { "Pause" } else { "Resume" }}
                </button>
                <button class="button button-secondary" type="button" data-testid="rotate-webhook-secret"
                    disabled=move || busy.get() on:click=move |_| rotate()>
                    "Rotate secret"
                </button>
                <button class="button button-danger-quiet" type="button" data-testid="delete-webhook"
                    disabled=move || busy.get() || confirming.get()
                    on:click=move |_| { delete_error.set(None); confirming.set(true); }>
                    "Delete"
                </button>
            </div>
            <Show when=move || confirming.get()>
                <ConfirmPanel
                    message="Delete this endpoint? Nothing more is sent to it, and its delivery log is deleted too. This cannot be undone."
                    confirm_label="Delete endpoint"
                    busy=deleting
                    error=delete_error
                    on_confirm=move || delete()
                    on_cancel=move || confirming.set(false)
                />
            </Show>
            <div class="deliveries">
                <div class="deliveries-head">
                    <h4>"Deliveries"</h4>
                    <button class="button button-secondary button-small" type="button" data-testid="refresh-deliveries"
                        on:click=move |_| load_log(false)>
                        "Refresh"
                    </button>
                </div>
                {move || log_error.get().map(|text| view! { <p class="form-error" role="alert">{text}</p> })}
                {move || match deliveries.get() {
                    None => view! { <p class="muted">"Loading…"</p> }.into_any(),
                    Some(list) if list.is_empty() => view! { <p class="muted" data-testid="no-deliveries">"No deliveries yet"</p> }.into_any(),
                    Some(list) => view! {
                        <ul class="delivery-list">{list.into_iter().map(delivery_row).collect_view()}</ul>
                    }.into_any(),
                }}
                <Show when=move || cursor.with(Option::is_some)>
                    <button class="button button-secondary button-small" type="button" data-testid="load-older-deliveries"
                        disabled=move || log_busy.get() on:click=move |_| load_log(true)>
                        "Load older"
                    </button>
                </Show>
            </div>
        </li>
    }
}

/// One delivery of the log: its type, where it stands, its `webhook-id`, and every attempt.
fn delivery_row(delivery: WebhookDelivery) -> impl IntoView {
    let (state, label, pill_class) = match delivery.state {
        WebhookDeliveryState::Pending => ("pending", "Pending", "pill pill-wait"),
        WebhookDeliveryState::Delivered => ("delivered", "Delivered", "pill pill-ok"),
        WebhookDeliveryState::Failed => ("failed", "Failed", "pill pill-bad"),
    };
    let created = delivery.created_at.timestamp_millis();
    let next = (delivery.state == WebhookDeliveryState::Pending)
        .then_some(delivery.next_attempt_at)
        .flatten()
        .map(|at| at.timestamp_millis());
    let untried = delivery.attempts.is_empty();
    view! {
        <li class="delivery" data-testid="webhook-delivery" data-state=state>
            <div class="delivery-head">
                <code class="delivery-type">{delivery.event_type}</code>
                <span class=pill_class>{label}</span>
                <span class="muted delivery-time"><Time millis=created long=true /></span>
            </div>
            <code class="delivery-id" title="webhook-id">{delivery.id}</code>
            {(!untried).then(|| view! {
                <ol class="attempts" aria-label="Attempts">
                    {delivery.attempts.into_iter().map(attempt_row).collect_view()}
                </ol>
            })}
            {match next {
                Some(millis) => view! { <p class="delivery-next muted">"Next attempt at "<Time millis=millis long=true /></p> }.into_any(),
                None if untried => view! { <p class="delivery-next muted">"Not tried yet."</p> }.into_any(),
                None => ().into_any(),
            }}
        </li>
    }
}

/// One attempt: when, the receiver's status (if it answered), how long it took, what failed.
fn attempt_row(attempt: WebhookAttempt) -> impl IntoView {
    let at = attempt.attempted_at.timestamp_millis();
    let status = match attempt.status_code {
        Some(code) => format!("HTTP {code}"),
        None => "No answer".to_owned(),
    };
    view! {
        <li class="attempt">
            <Time millis=at long=true />
            " · "{status}" · "{format!("{} ms", attempt.duration_ms)}
            {attempt.error.map(|error| view! { <span class="attempt-error">" · "{error}</span> })}
        </li>
    }
}
