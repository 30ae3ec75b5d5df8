//! Integrations, `/integrations`, for staff: personal API keys (R-KEY-SCOPE) — make one with
//! the scopes an integration needs (the key is shown once), see when each was last used, and
//! revoke any at once. Owners and admins also see and revoke every key of the practice.

use confidant_openapi::api_keys::{ApiKey, ApiKeyScope, CreateApiKeyRequest};
use confidant_openapi::people::Person;
use leptos::prelude::*;
use leptos::task::spawn_local;
use uuid::Uuid;

use crate::api;
use crate::auth::Auth;
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
    }
}
