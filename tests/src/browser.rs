//! Headless Chromium through chromedriver (both from Debian's packages), driven by fantoccini.

use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::json;

/// A browser session; the driver and the browser end when it is dropped.
pub struct Browser {
    /// The WebDriver client.
    pub client: Client,
    driver: Child,
    _profile: tempfile::TempDir,
}

const WAIT: Duration = Duration::from_secs(20);

impl Browser {
    /// Starts chromedriver on a free port and opens a headless Chromium window of 1280×800.
    pub async fn start() -> Self {
        Self::start_with(None).await
    }

    /// Like [`Browser::start`], but files the page downloads are saved into `folder` without
    /// asking (see [`Browser::wait_for_download`]).
    pub async fn start_with_downloads(folder: &Path) -> Self {
        let browser = Self::start_with(Some(folder)).await;
        // The preference is enough for most builds; headless ones also want to be told.
        browser
            .cdp(
                "Page.setDownloadBehavior",
                json!({"behavior": "allow", "downloadPath": folder.display().to_string()}),
            )
            .await;
        browser
    }

    async fn start_with(downloads: Option<&Path>) -> Self {
        let port = local_postgres::free_port().expect("a free port for chromedriver");
        let driver = Command::new(chromedriver())
            .arg(format!("--port={port}"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|error| {
                panic!("start chromedriver ({error}); install it with `apt-get install chromium chromium-driver` or run `cargo xtask test`")
            });
        wait_for_port(port);
        let profile = tempfile::tempdir().expect("a browser profile folder");
        let mut capabilities = serde_json::Map::new();
        capabilities.insert(
            "goog:chromeOptions".into(),
            json!({
                "binary": chromium(),
                "args": [
                    "--headless",
                    "--no-sandbox",
                    "--disable-gpu",
                    "--disable-quic",
                    "--no-first-run",
                    "--disable-background-networking",
                    "--disable-component-update",
                    "--disable-sync",
                    "--disable-dev-shm-usage",
                    "--window-size=1280,800",
                    format!("--user-data-dir={}", profile.path().display()),
                ],
                "prefs": downloads.map(|folder| json!({
                    "download.default_directory": folder.display().to_string(),
                    "download.prompt_for_download": false,
                    "download.directory_upgrade": true,
                })).unwrap_or_else(|| json!({})),
            }),
        );
        let client = ClientBuilder::rustls()
            .expect("a TLS-capable WebDriver client")
            .capabilities(capabilities)
            .connect(&format!("http://127.0.0.1:{port}"))
            .await
            .expect("a browser session");
        let browser = Self {
            client,
            driver,
            _profile: profile,
        };
        browser.watch_for_csp_violations().await;
        browser
    }

    /// Makes every page this browser opens note what its Content-Security-Policy refused, for
    /// [`Browser::csp_violations`]. The listener comes from DevTools, before the page's own
    /// scripts, so the policy does not apply to it.
    async fn watch_for_csp_violations(&self) {
        self.cdp(
            "Page.addScriptToEvaluateOnNewDocument",
            json!({"source": "window.__cspViolations = []; \
                document.addEventListener('securitypolicyviolation', (e) => \
                window.__cspViolations.push(e.violatedDirective + ' refused ' + (e.blockedURI || 'inline')));"}),
        )
        .await;
    }

    /// What the current page's Content-Security-Policy refused so far.
    pub async fn csp_violations(&self) -> Vec<String> {
        let found = self
            .client
            .execute("return window.__cspViolations || [];", vec![])
            .await
            .expect("read the CSP violations");
        serde_json::from_value(found).unwrap_or_default()
    }

    /// Waits until an element matching `css` is present, and returns it.
    pub async fn wait_for(&self, css: &str) -> fantoccini::elements::Element {
        self.client
            .wait()
            .at_most(WAIT)
            .for_element(Locator::Css(css))
            .await
            .unwrap_or_else(|error| panic!("no element `{css}` appeared: {error}"))
    }

    /// Waits until the element matching `css` has `attribute` equal to `value`.
    pub async fn wait_for_attribute(&self, css: &str, attribute: &str, value: &str) {
        let deadline = Instant::now() + WAIT;
        let mut last = None;
        while Instant::now() < deadline {
            if let Ok(element) = self.client.find(Locator::Css(css)).await {
                last = element.attr(attribute).await.ok().flatten();
                if last.as_deref() == Some(value) {
                    return;
                }
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("`{css}` never had {attribute}={value:?} (last seen: {last:?})");
    }

    /// Waits until the focused element matches `css` (where the keyboard goes on from).
    pub async fn wait_for_focus(&self, css: &str) {
        let deadline = Instant::now() + WAIT;
        let mut last = serde_json::Value::Null;
        while Instant::now() < deadline {
            last = self
                .client
                .execute(
                    "const el = document.activeElement; \
                     return el && el.matches(arguments[0]) ? true : (el ? el.outerHTML.slice(0, 120) : null);",
                    vec![serde_json::json!(css)],
                )
                .await
                .expect("read the focused element");
            if last == serde_json::Value::Bool(true) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("the focus never came to `{css}` (last on: {last})");
    }

    /// Types `text` into the (first) element matching `css`, after clearing it.
    pub async fn fill(&self, css: &str, text: &str) {
        let element = self.wait_for(css).await;
        element
            .clear()
            .await
            .unwrap_or_else(|e| panic!("clear `{css}`: {e}"));
        element
            .send_keys(text)
            .await
            .unwrap_or_else(|e| panic!("type into `{css}`: {e}"));
    }

    /// Clicks the (first) element matching `css`.
    pub async fn click(&self, css: &str) {
        self.wait_for(css)
            .await
            .click()
            .await
            .unwrap_or_else(|e| panic!("click `{css}`: {e}"));
    }

    /// Clicks the first element matching `css` whose text contains `text`.
    pub async fn click_text(&self, css: &str, text: &str) {
        let deadline = Instant::now() + WAIT;
        let mut last_error = None;
        while Instant::now() < deadline {
            if let Ok(elements) = self.client.find_all(Locator::Css(css)).await {
                for element in elements {
                    if element.text().await.is_ok_and(|t| t.contains(text)) {
                        // A list that re-renders (type-ahead suggestions) can replace the
                        // element between finding and clicking it: look it up again.
                        match element.click().await {
                            Ok(_) => return,
                            Err(error) => last_error = Some(error.to_string()),
                        }
                        break;
                    }
                }
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("no clickable `{css}` with text {text:?} appeared (last error: {last_error:?})");
    }

    /// Waits until the element matching `css` contains `text`; returns its whole text.
    pub async fn wait_for_text(&self, css: &str, text: &str) -> String {
        let deadline = Instant::now() + WAIT;
        let mut last = String::new();
        while Instant::now() < deadline {
            if let Ok(element) = self.client.find(Locator::Css(css)).await {
                last = element.text().await.unwrap_or_default();
                if last.contains(text) {
                    return last;
                }
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("`{css}` never contained {text:?} (last seen: {last:?})");
    }

    /// Waits until the page's path is `path`.
    pub async fn wait_for_path(&self, path: &str) {
        let deadline = Instant::now() + WAIT;
        let mut last = String::new();
        while Instant::now() < deadline {
            if let Ok(url) = self.client.current_url().await {
                last = url.path().to_owned();
                if last == path {
                    return;
                }
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("the page never reached {path} (last: {last})");
    }

    /// Waits until the page's path starts with `prefix` and is not `except`; returns it.
    pub async fn wait_for_path_prefix(&self, prefix: &str, except: &str) -> String {
        let deadline = Instant::now() + WAIT;
        let mut last = String::new();
        while Instant::now() < deadline {
            if let Ok(url) = self.client.current_url().await {
                last = url.path().to_owned();
                if last.starts_with(prefix) && last != except {
                    return last;
                }
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("the page never reached {prefix}… (last: {last})");
    }

    /// Waits until no element matches `css` (a badge that went away, a deleted row).
    pub async fn wait_for_absent(&self, css: &str) {
        let deadline = Instant::now() + WAIT;
        while Instant::now() < deadline {
            match self.client.find_all(Locator::Css(css)).await {
                Ok(found) if found.is_empty() => return,
                _ => tokio::time::sleep(Duration::from_millis(100)).await,
            }
        }
        panic!("`{css}` is still on the page");
    }

    /// How many elements match `css` right now.
    pub async fn count(&self, css: &str) -> usize {
        self.client
            .find_all(Locator::Css(css))
            .await
            .map_or(0, |found| found.len())
    }

    /// Signs `account` in through the sign-in page and waits for the inbox.
    pub async fn sign_in(&self, app: &crate::TestApp, account: &crate::fixtures::Account) {
        self.sign_in_at(&app.url("/sign-in"), account).await;
    }

    /// As [`Browser::sign_in`], on the sign-in page at `url` (the app behind a proxy).
    pub async fn sign_in_at(&self, url: &str, account: &crate::fixtures::Account) {
        self.client.goto(url).await.expect("open sign-in");
        self.fill("input[name=email]", &account.email).await;
        self.fill("input[name=password]", &account.password).await;
        self.click("button[type=submit]").await;
        self.wait_for_path("/messages").await;
    }

    /// Signs out through the left menu and waits for the sign-in page. On a phone the menu is
    /// a drawer behind the top bar's Menu button: it is opened first.
    pub async fn sign_out(&self) {
        if let Ok(menu) = self
            .client
            .find(Locator::Css("[data-testid=menu-button]"))
            .await
            && menu.is_displayed().await.unwrap_or(false)
            && menu.attr("aria-expanded").await.ok().flatten().as_deref() != Some("true")
        {
            menu.click().await.expect("open the menu");
        }
        self.click("[data-testid=sign-out]").await;
        self.wait_for_path("/sign-in").await;
    }

    /// Panics when any image on the page failed to load (a broken icon is a visible defect).
    pub async fn assert_no_broken_images(&self) {
        let broken = self
            .client
            .execute(
                "return Array.from(document.images)\
                   .filter(img => !img.complete || img.naturalWidth === 0)\
                   .map(img => img.getAttribute('src'));",
                vec![],
            )
            .await
            .expect("run a script");
        assert_eq!(broken, serde_json::json!([]), "broken images");
    }

    /// Chooses `files` in the file input matching `css` (as if picked in the file dialog; the
    /// input may be hidden behind a button).
    pub async fn choose_files(&self, css: &str, files: &[&Path]) {
        let paths = files
            .iter()
            .map(|path| path.display().to_string())
            .collect::<Vec<_>>()
            .join("\n");
        self.wait_for(css)
            .await
            .send_keys(&paths)
            .await
            .unwrap_or_else(|e| panic!("choose {paths:?} in `{css}`: {e}"));
    }

    /// Waits until exactly `n` elements match `css`.
    pub async fn wait_for_count(&self, css: &str, n: usize) {
        let deadline = Instant::now() + WAIT;
        let mut last = 0;
        while Instant::now() < deadline {
            last = self.count(css).await;
            if last == n {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("`{css}` matched {last} elements, never {n}");
    }

    /// Waits until every element matching `css` (at least one) has `attribute` equal to `value`.
    pub async fn wait_for_all_attribute(&self, css: &str, attribute: &str, value: &str) {
        let deadline = Instant::now() + WAIT;
        let mut last = Vec::new();
        while Instant::now() < deadline {
            if let Ok(elements) = self.client.find_all(Locator::Css(css)).await {
                last.clear();
                for element in elements {
                    last.push(element.attr(attribute).await.ok().flatten());
                }
                if !last.is_empty() && last.iter().all(|seen| seen.as_deref() == Some(value)) {
                    return;
                }
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("not every `{css}` had {attribute}={value:?} (last seen: {last:?})");
    }

    /// Waits until `name` is completely downloaded into `folder` (no `.crdownload` left and
    /// the size steady), and returns its path.
    pub async fn wait_for_download(&self, folder: &Path, name: &str) -> PathBuf {
        let path = folder.join(name);
        let deadline = Instant::now() + WAIT;
        let mut last_size = None;
        while Instant::now() < deadline {
            let partial = std::fs::read_dir(folder).is_ok_and(|entries| {
                entries
                    .flatten()
                    .any(|entry| entry.file_name().to_string_lossy().ends_with(".crdownload"))
            });
            let size = std::fs::metadata(&path).ok().map(|m| m.len());
            if !partial && size.is_some() && size == last_size {
                return path;
            }
            last_size = size;
            tokio::time::sleep(Duration::from_millis(150)).await;
        }
        let found = std::fs::read_dir(folder)
            .map(|entries| {
                entries
                    .flatten()
                    .map(|entry| entry.file_name().to_string_lossy().into_owned())
                    .collect::<Vec<_>>()
            })
            .unwrap_or_default();
        panic!(
            "{name} was never downloaded into {} (found: {found:?})",
            folder.display()
        );
    }

    /// Runs a Chrome DevTools Protocol command on the page (through chromedriver) and returns
    /// its answer.
    pub async fn cdp(&self, command: &str, params: serde_json::Value) -> serde_json::Value {
        self.client
            .issue_cmd(ChromeCommand {
                path: "goog/cdp/execute",
                body: json!({"cmd": command, "params": params}),
            })
            .await
            .unwrap_or_else(|e| panic!("the DevTools command {command}: {e}"))
    }

    /// Slows the page's network down to `bytes_per_second` each way (to watch progress), or
    /// back to full speed with `None`.
    pub async fn throttle(&self, bytes_per_second: Option<u32>) {
        self.cdp("Network.enable", json!({})).await;
        let speed = bytes_per_second.map_or(-1.0, f64::from);
        self.cdp(
            "Network.emulateNetworkConditions",
            json!({
                "offline": false,
                "latency": 0,
                "downloadThroughput": speed,
                "uploadThroughput": speed,
            }),
        )
        .await;
    }

    /// Scrolls the (first) element matching `css` to the middle of the window (before a
    /// screenshot of something further down the page).
    pub async fn scroll_to(&self, css: &str) {
        let element = self.wait_for(css).await;
        let element = serde_json::to_value(element).expect("an element reference");
        self.client
            .execute(
                "arguments[0].scrollIntoView({block: 'center'});",
                vec![element],
            )
            .await
            .expect("scroll");
    }

    /// axe-core's serious and critical violations on the current page (WCAG 2.1 A and AA
    /// rules), each as "rule: target, …". axe-core comes from npm with the contract tools
    /// (`CONFIDANT_CONTRACT_TOOLS`, else `tools/contract`), injected into the page.
    pub async fn axe_serious(&self) -> Vec<String> {
        let tools = std::env::var_os("CONFIDANT_CONTRACT_TOOLS").map_or_else(
            || Path::new(env!("CARGO_MANIFEST_DIR")).join("../tools/contract"),
            PathBuf::from,
        );
        let script = tools.join("node_modules/axe-core/axe.min.js");
        let source = std::fs::read_to_string(&script).unwrap_or_else(|_| {
            panic!(
                "axe-core is not installed at {}: run `cargo xtask test` (it installs it)",
                script.display()
            )
        });
        self.client
            .execute(&source, vec![])
            .await
            .expect("inject axe-core");
        let found = self
            .client
            .execute_async(
                "const done = arguments[arguments.length - 1];
                 axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}})
                   .then(r => done(r.violations
                     .filter(v => v.impact === 'serious' || v.impact === 'critical')
                     .map(v => v.id + ': ' + v.nodes.map(n => n.target.join(' ')).join(', '))))
                   .catch(e => done(['axe failed: ' + e]));",
                vec![],
            )
            .await
            .expect("run axe-core");
        serde_json::from_value(found).unwrap_or_default()
    }

    /// What does not fit a touch screen on the current page: horizontal scrolling, and each
    /// visible control (link, button, field, tab) smaller than 44×44 px (a checkbox or radio
    /// counts by its label, which takes the tap). Each finding as "what (w×h)".
    pub async fn touch_misfits(&self) -> Vec<String> {
        let found = self
            .client
            .execute(
                "const found = [];
                 if (document.documentElement.scrollWidth > window.innerWidth + 1) {
                   const wide = [...document.querySelectorAll('body *')]
                     .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1)
                     .filter(e => !e.closest('.table-scroll') || e.matches('.table-scroll')
                       || getComputedStyle(e).position === 'absolute')
                     .slice(0, 3)
                     .map(e => e.tagName.toLowerCase() + '.' + [...e.classList].join('.')
                       + '(' + Math.round(e.getBoundingClientRect().right) + ')');
                   found.push('horizontal scroll: ' + document.documentElement.scrollWidth + ' > '
                     + window.innerWidth + ', past the edge: ' + wide.join(' '));
                 }
                 const controls = document.querySelectorAll(
                   'a[href], button, input, select, textarea, [role=tab], [role=menuitem], summary');
                 for (const el of controls) {
                   if (el.matches('.skip-link, input[type=hidden], input.visually-hidden')) continue;
                   let box = el;
                   if (el.matches('input[type=checkbox], input[type=radio]')) {
                     box = el.closest('label') || (el.id && document.querySelector('label[for=' + CSS.escape(el.id) + ']')) || el;
                   }
                   const r = box.getBoundingClientRect();
                   const style = getComputedStyle(el);
                   if (r.width === 0 || r.height === 0 || style.visibility === 'hidden') continue;
                   if (r.bottom < 0 || r.top > window.innerHeight * 20) continue;
                   if (Math.round(r.width) < 44 || Math.round(r.height) < 44) {
                     const name = (el.getAttribute('data-testid') || el.getAttribute('aria-label')
                       || el.textContent || el.name || el.tagName).trim().slice(0, 40);
                     found.push(el.tagName.toLowerCase() + ' [' + name + '] (' + Math.round(r.width) + 'x' + Math.round(r.height) + ')');
                   }
                 }
                 return found;",
                vec![],
            )
            .await
            .expect("measure the controls");
        serde_json::from_value(found).unwrap_or_default()
    }

    /// Resizes the window to `width`×`height`.
    pub async fn resize(&self, width: u32, height: u32) {
        self.client
            .set_window_size(width, height)
            .await
            .expect("resize the window");
    }

    /// Makes the window the size of a phone (390×844, where most clients read).
    pub async fn phone_size(&self) {
        self.client
            .set_window_size(390, 844)
            .await
            .expect("a phone-sized window");
    }

    /// Saves a PNG screenshot to `target/screenshots/NAME.png` for people to look at.
    pub async fn screenshot(&self, name: &str) {
        let png = self.client.screenshot().await.expect("a screenshot");
        let dir =
            std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/screenshots");
        std::fs::create_dir_all(&dir).expect("the screenshots folder");
        std::fs::write(dir.join(format!("{name}.png")), png).expect("write the screenshot");
    }

    /// Ends the session (and the browser) cleanly, after checking that the page the test
    /// ended on broke no rule of its Content-Security-Policy (R-HEADERS: the app must work
    /// under its strict policy).
    pub async fn close(mut self) {
        let violations = self.csp_violations().await;
        assert!(
            violations.is_empty(),
            "the page's Content-Security-Policy refused: {violations:?}"
        );
        let client = self.client.clone();
        drop(client.close().await);
        drop(self.driver.kill());
        drop(self.driver.wait());
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        drop(self.driver.kill());
        drop(self.driver.wait());
    }
}

/// A chromedriver extension command (`/session/{id}/<path>`, POST with a JSON body).
#[derive(Debug)]
struct ChromeCommand {
    path: &'static str,
    body: serde_json::Value,
}

impl fantoccini::wd::WebDriverCompatibleCommand for ChromeCommand {
    fn endpoint(
        &self,
        base_url: &reqwest::Url,
        session_id: Option<&str>,
    ) -> Result<reqwest::Url, <reqwest::Url as std::str::FromStr>::Err> {
        base_url.join(&format!(
            "session/{}/{}",
            session_id.unwrap_or_default(),
            self.path
        ))
    }

    fn method_and_body(&self, _request_url: &reqwest::Url) -> (reqwest::Method, Option<String>) {
        (reqwest::Method::POST, Some(self.body.to_string()))
    }
}

fn chromium() -> String {
    std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into())
}

fn chromedriver() -> String {
    std::env::var("CHROMEDRIVER").unwrap_or_else(|_| "chromedriver".into())
}

fn wait_for_port(port: u16) {
    let deadline = Instant::now() + WAIT;
    while Instant::now() < deadline {
        if TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("chromedriver did not listen on port {port}");
}
