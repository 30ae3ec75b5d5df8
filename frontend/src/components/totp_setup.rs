//! Two-step sign-in on the account page (R-MFA): whether it is on, setting up an
//! authenticator app (a QR code drawn here, the key as text, a code to confirm), the recovery
//! codes shown once, and turning it off with a current code.

use confidant_openapi::me::{MfaStatus, TotpEnrolment};
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::api;
use crate::auth::Auth;
use crate::clipboard;

/// Where the section is.
#[derive(Clone, Debug, PartialEq)]
enum Stage {
    /// Showing whether it is on, with the button to set up or turn off.
    Idle,
    /// Setting up: the secret to put in the app, waiting for a code from it.
    Setup(TotpEnrolment),
    /// Just turned on: the recovery codes, shown this once.
    Codes(Vec<String>),
    /// Turning off: waiting for a current code.
    Disabling,
}

/// What a code sent from this section achieved.
enum CodeOutcome {
    /// Two-step sign-in is on; these are the recovery codes.
    Confirmed(Vec<String>),
    /// It is off.
    TurnedOff,
}

/// A call that sends a typed code.
type CodeCall =
    std::pin::Pin<Box<dyn std::future::Future<Output = Result<CodeOutcome, api::ApiError>>>>;

/// The QR code of `uri` as SVG markup, drawn in the page (the secret never goes elsewhere).
fn qr_svg(uri: &str) -> Option<String> {
    let code = qrcode::QrCode::new(uri.as_bytes()).ok()?;
    let svg = code
        .render::<qrcode::render::svg::Color<'_>>()
        .min_dimensions(200, 200)
        .quiet_zone(true)
        .build();
    // Only the `<svg>` element: the XML declaration before it means nothing inside HTML.
    svg.find("<svg").map(|start| svg[start..].to_owned())
}

/// The secret in blocks of four characters, easier to read and type ("ABCD EFGH …");
/// authenticator apps ignore the spaces.
fn grouped(secret: &str) -> String {
    secret
        .chars()
        .collect::<Vec<_>>()
        .chunks(4)
        .map(|block| block.iter().collect::<String>())
        .collect::<Vec<_>>()
        .join(" ")
}

/// A typed code without the spaces people (and some apps) put in it.
fn typed_code(text: &str) -> String {
    text.split_whitespace().collect()
}

/// The "Two-step sign-in" section of the account page.
#[component]
pub fn TwoStepSignIn() -> impl IntoView {
    let auth = Auth::get();
    let status = Memo::new(move |_| auth.session().map(|s| s.me.mfa));
    // Staff cannot turn it off while their practice requires it.
    let required = Memo::new(move |_| {
        auth.session()
            .is_some_and(|s| s.is_staff() && s.me.practice.require_staff_mfa)
    });
    let stage = RwSignal::new(Stage::Idle);
    let code = RwSignal::new(String::new());
    let busy = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let notice = RwSignal::new(None::<String>);

    let start = move |_| {
        busy.set(true);
        error.set(None);
        notice.set(None);
        spawn_local(async move {
            match auth
                .call(|token| async move { api::auth::start_totp(&token).await })
                .await
            {
                Ok(enrolment) => {
                    code.try_set(String::new());
                    stage.try_set(Stage::Setup(enrolment));
                }
                Err(failure) => {
                    error.try_set(Some(failure.message()));
                    // Perhaps it was turned on elsewhere: show what is true now.
                    auth.reload_me().await.ok();
                }
            }
            busy.try_set(false);
        });
    };

    // Sends the typed code with `send`; on success `done` runs, on failure the server's words
    // (about the code, or in general) show and the field empties for another try.
    let submit_code =
        move |empty: &'static str,
              send: fn(String, String) -> CodeCall,
              done: fn(CodeOutcome, Auth, RwSignal<Stage>, RwSignal<Option<String>>)| {
            if busy.get_untracked() {
                return;
            }
            let typed = typed_code(&code.get_untracked());
            if typed.is_empty() {
                error.set(Some(empty.into()));
                return;
            }
            busy.set(true);
            error.set(None);
            spawn_local(async move {
                let result = auth.call(|token| send(token, typed.clone())).await;
                code.try_set(String::new());
                match result {
                    Ok(outcome) => done(outcome, auth, stage, notice),
                    Err(failure) => {
                        error.try_set(Some(
                            failure.field("code").unwrap_or_else(|| failure.message()),
                        ));
                    }
                }
                busy.try_set(false);
            });
        };

    let confirm = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        submit_code(
            "Enter the 6-digit code your authenticator app shows.",
            |token, typed| {
                Box::pin(async move {
                    api::auth::confirm_totp(&token, typed)
                        .await
                        .map(|list| CodeOutcome::Confirmed(list.recovery_codes))
                })
            },
            // The signed-in person is reloaded only at "Done": a new session value redraws
            // the page, and the codes must stay until they are saved.
            |outcome, _, stage, _| {
                if let CodeOutcome::Confirmed(codes) = outcome {
                    stage.try_set(Stage::Codes(codes));
                }
            },
        );
    };

    let disable = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        submit_code(
            "Enter the code your authenticator app shows, or one of your recovery codes.",
            |token, typed| {
                Box::pin(async move {
                    api::auth::disable_totp(&token, typed)
                        .await
                        .map(|()| CodeOutcome::TurnedOff)
                })
            },
            |_, auth, stage, notice| {
                stage.try_set(Stage::Idle);
                notice.try_set(Some(
                    "Two-step sign-in is off. Your recovery codes no longer work.".into(),
                ));
                spawn_local(async move {
                    auth.reload_me().await.ok();
                });
            },
        );
    };

    let cancel = move |_| {
        code.set(String::new());
        error.set(None);
        stage.set(Stage::Idle);
    };

    let status_line = move || {
        status.get().map(|mfa: MfaStatus| {
            if mfa.enabled {
                let left = match mfa.recovery_codes_left {
                    1 => "1 recovery code left.".to_owned(),
                    n => format!("{n} recovery codes left."),
                };
                view! {
                    <p class="two-step-status" data-testid="two-step-status" data-state="on">
                        <span class="pill pill-ok">"On"</span>
                        <span>"You sign in with your password and a code from your authenticator app. " {left}</span>
                    </p>
                }
                .into_any()
            } else {
                view! {
                    <p class="two-step-status" data-testid="two-step-status" data-state="off">
                        <span class="pill">"Off"</span>
                        <span>"You sign in with your password only."</span>
                    </p>
                }
                .into_any()
            }
        })
    };

    let error_line = move || {
        error.get().map(|text| {
            view! { <p class="form-error" role="alert" data-testid="two-step-error">{text}</p> }
        })
    };

    let setup_view = move |enrolment: TotpEnrolment| {
        let qr = qr_svg(&enrolment.otpauth_uri);
        let secret = enrolment.secret;
        view! {
            <ol class="setup-steps">
                <li>
                    <p>"Scan this QR code with an authenticator app on your phone (such as Google Authenticator, Microsoft Authenticator or 1Password)."</p>
                    {match qr {
                        Some(svg) => view! {
                            <div class="totp-qr" data-testid="totp-qr" role="img"
                                aria-label="QR code to add Confidant to your authenticator app"
                                inner_html=svg></div>
                        }.into_any(),
                        None => view! {
                            <p class="muted">"The QR code could not be drawn: type the key below into the app instead."</p>
                        }.into_any(),
                    }}
                </li>
                <li>
                    <p>"Cannot scan it? Type this key into the app instead:"</p>
                    <code class="totp-secret" data-testid="totp-secret" data-secret=secret.clone()>{grouped(&secret)}</code>
                </li>
                <li>
                    <form class="stack-form" on:submit=confirm novalidate>
                        <label class="field">
                            <span>"Enter the 6-digit code the app shows"</span>
                            <input
                                type="text"
                                name="code"
                                inputmode="numeric"
                                autocomplete="one-time-code"
                                maxlength="10"
                                data-testid="totp-confirm-code"
                                bind:value=code
                            />
                        </label>
                        {error_line}
                        <div class="form-actions">
                            <button class="button" type="submit" data-testid="totp-confirm" disabled=move || busy.get()>
                                {move || if busy.get() { "Checking…" } else { "Turn on" }}
                            </button>
                            <button class="button button-secondary" type="button" data-testid="totp-cancel"
                                disabled=move || busy.get() on:click=cancel>
                                "Cancel"
                            </button>
                        </div>
                    </form>
                </li>
            </ol>
        }
        .into_any()
    };

    let disable_view = move || {
        view! {
            <form class="stack-form" on:submit=disable novalidate data-testid="totp-disable-form">
                <p class="muted" id="disable-hint">
                    "To turn two-step sign-in off, enter the code your authenticator app shows now, or one of your recovery codes. Signing in will then ask for your password only."
                </p>
                <label class="field">
                    <span>"Authentication code"</span>
                    <input
                        type="text"
                        name="code"
                        autocomplete="one-time-code"
                        autocapitalize="off"
                        spellcheck="false"
                        maxlength="64"
                        aria-describedby="disable-hint"
                        data-testid="totp-disable-code"
                        bind:value=code
                    />
                </label>
                {error_line}
                <div class="form-actions">
                    <button class="button button-danger" type="submit" data-testid="totp-disable-confirm" disabled=move || busy.get()>
                        {move || if busy.get() { "Turning off…" } else { "Turn off two-step sign-in" }}
                    </button>
                    <button class="button button-secondary" type="button" disabled=move || busy.get() on:click=cancel>
                        "Cancel"
                    </button>
                </div>
            </form>
        }
        .into_any()
    };

    let idle_view = move || {
        let Some(mfa) = status.get() else {
            return ().into_any();
        };
        if !mfa.enabled {
            view! {
                <p class="muted">
                    "Sign in with your password and a code from an authenticator app on your phone, so that a password alone is never enough to read your messages."
                </p>
                {error_line}
                <button class="button" type="button" data-testid="totp-start" disabled=move || busy.get() on:click=start>
                    {move || if busy.get() { "Starting…" } else { "Set up authenticator app" }}
                </button>
            }
            .into_any()
        } else if required.get() {
            view! {
                {error_line}
                <p class="muted" data-testid="two-step-required">
                    "Your practice requires two-step sign-in for staff, so it cannot be turned off."
                </p>
            }
            .into_any()
        } else {
            let low = mfa.recovery_codes_left <= 3;
            let begin = move |_| {
                code.set(String::new());
                error.set(None);
                notice.set(None);
                stage.set(Stage::Disabling);
            };
            view! {
                {low.then(|| view! {
                    <p class="muted">"To get new recovery codes, turn two-step sign-in off and set it up again."</p>
                })}
                {error_line}
                <button class="button button-secondary" type="button" data-testid="totp-disable" on:click=begin>
                    "Turn off…"
                </button>
            }
            .into_any()
        }
    };

    let body = move || match stage.get() {
        Stage::Codes(codes) => {
            let done = move || {
                stage.set(Stage::Idle);
                // Now the status shows "on", and an enrolment-only state lifts.
                spawn_local(async move {
                    auth.reload_me().await.ok();
                });
            };
            view! { <RecoveryCodes codes on_done=done /> }.into_any()
        }
        Stage::Setup(enrolment) => setup_view(enrolment),
        Stage::Disabling => disable_view(),
        Stage::Idle => idle_view(),
    };

    view! {
        <section class="panel settings-panel" aria-labelledby="two-step-heading" data-testid="two-step">
            <h2 id="two-step-heading">"Two-step sign-in"</h2>
            {move || (!matches!(stage.get(), Stage::Codes(_))).then(status_line)}
            {move || notice.get().map(|text| view! { <p class="notice" role="status">{text}</p> })}
            {body}
        </section>
    }
}

/// The recovery codes, shown once, with a way to copy them and "Done".
#[component]
fn RecoveryCodes(codes: Vec<String>, on_done: impl Fn() + Send + Sync + 'static) -> impl IntoView {
    let copied = RwSignal::new(None::<bool>);
    let all = codes.join("\n");
    let copy = move |_| {
        let all = all.clone();
        spawn_local(async move {
            let done = clipboard::copy(&all).await;
            copied.try_set(Some(done));
        });
    };
    view! {
        <div class="recovery" data-testid="recovery">
            <p class="notice" role="status">"Two-step sign-in is on."</p>
            <p class="recovery-warning">
                "Save these codes somewhere safe: each signs you in once if you lose your phone. They are shown only now."
            </p>
            <ol class="recovery-codes" data-testid="recovery-codes" aria-label="Recovery codes">
                {codes.into_iter().map(|code| view! { <li><code>{code}</code></li> }).collect_view()}
            </ol>
            {move || copied.get().map(|done| if done {
                view! { <p class="muted" role="status">"Copied. Paste them somewhere safe, such as a password manager."</p> }.into_any()
            } else {
                view! { <p class="muted" role="status">"Your browser would not copy them: select the codes and copy them yourself."</p> }.into_any()
            })}
            <div class="form-actions">
                <button class="button button-secondary" type="button" data-testid="recovery-codes-copy" on:click=copy>
                    "Copy codes"
                </button>
                <button class="button" type="button" data-testid="recovery-codes-done" on:click=move |_| on_done()>
                    "Done"
                </button>
            </div>
        </div>
    }
}
