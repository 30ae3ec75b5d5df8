//! Times as people read them, in their own time zone and language: short in lists
//! ("2:05 PM" today, "Yesterday", "Mar 4"), longer in threads, in full on hover.

use js_sys::{Date, Object, Reflect};
use leptos::prelude::*;
use wasm_bindgen::JsValue;

/// The browser's language, for date formats.
fn locale() -> String {
    web_sys::window()
        .and_then(|window| window.navigator().language())
        .unwrap_or_else(|| "en-US".into())
}

/// `Intl.DateTimeFormat` options from pairs.
fn options(pairs: &[(&str, &str)]) -> JsValue {
    let object = Object::new();
    for (key, value) in pairs {
        // Setting a property of a fresh plain object cannot fail.
        Reflect::set(&object, &JsValue::from_str(key), &JsValue::from_str(value)).ok();
    }
    object.into()
}

fn date(millis: i64) -> Date {
    Date::new(&JsValue::from_f64(millis as f64))
}

fn same_day(a: &Date, b: &Date) -> bool {
    a.get_full_year() == b.get_full_year()
        && a.get_month() == b.get_month()
        && a.get_date() == b.get_date()
}

fn clock(at: &Date) -> String {
    at.to_locale_time_string_with_options(
        &locale(),
        &options(&[("hour", "numeric"), ("minute", "2-digit")]),
    )
    .into()
}

/// For lists: the time today, "Yesterday", the day this year, else the date with its year.
pub fn short(millis: i64) -> String {
    let at = date(millis);
    let now = Date::new_0();
    let yesterday = Date::new_0();
    // Day 0 of a month is the last day of the one before, as JavaScript counts.
    yesterday.set_date(now.get_date().saturating_sub(1));
    if same_day(&at, &now) {
        clock(&at)
    } else if same_day(&at, &yesterday) {
        "Yesterday".into()
    } else if at.get_full_year() == now.get_full_year() {
        at.to_locale_date_string(
            &locale(),
            &options(&[("month", "short"), ("day", "numeric")]),
        )
        .into()
    } else {
        at.to_locale_date_string(
            &locale(),
            &options(&[("year", "numeric"), ("month", "short"), ("day", "numeric")]),
        )
        .into()
    }
}

/// For message headers: "Today, 2:05 PM", "Yesterday, 9:12 AM", "Tue, Mar 4, 2:05 PM".
pub fn long(millis: i64) -> String {
    let at = date(millis);
    let now = Date::new_0();
    let yesterday = Date::new_0();
    yesterday.set_date(now.get_date().saturating_sub(1));
    if same_day(&at, &now) {
        format!("Today, {}", clock(&at))
    } else if same_day(&at, &yesterday) {
        format!("Yesterday, {}", clock(&at))
    } else {
        let mut parts = vec![
            ("weekday", "short"),
            ("month", "short"),
            ("day", "numeric"),
            ("hour", "numeric"),
            ("minute", "2-digit"),
        ];
        if at.get_full_year() != now.get_full_year() {
            parts.push(("year", "numeric"));
        }
        at.to_locale_string(&locale(), &options(&parts)).into()
    }
}

/// Everything, for the hover title: "Tuesday, March 4, 2025 at 2:05 PM".
pub fn full(millis: i64) -> String {
    date(millis)
        .to_locale_string(
            &locale(),
            &options(&[("dateStyle", "full"), ("timeStyle", "short")]),
        )
        .into()
}

/// A `<time>` element for `millis` since the epoch (`DateTime::timestamp_millis`), short in
/// lists or `long` in threads, with the full date and time on hover.
#[component]
pub fn Time(millis: i64, #[prop(optional)] long: bool) -> impl IntoView {
    let text = if long {
        self::long(millis)
    } else {
        short(millis)
    };
    let iso: String = date(millis).to_iso_string().into();
    view! { <time datetime=iso title=full(millis)>{text}</time> }
}
