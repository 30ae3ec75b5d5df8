//! The route a request matched, as its pattern (`/api/v1/conversations/{id}`, never the id),
//! worked out once per request.
//!
//! Metrics, the request's log span and the contract checks all label or look up by it. actix
//! finds it by matching the path against the routes again, one after the other, with a regex
//! for each route that has a parameter: each ask costs about a third of routing the request.
//! The first to ask keeps the answer in the request's extensions; the others read it there
//! (shared, not copied).

use std::rc::Rc;

use actix_web::{HttpMessage, HttpRequest};

/// What [`of`] found, kept for the rest of the request.
#[derive(Clone)]
struct Matched(Option<Rc<str>>);

/// The pattern of the route `request` matches, or `None` when none does.
pub fn of(request: &HttpRequest) -> Option<Rc<str>> {
    if let Some(Matched(pattern)) = request.extensions().get::<Matched>() {
        return pattern.clone();
    }
    let pattern: Option<Rc<str>> = request.match_pattern().map(Into::into);
    request.extensions_mut().insert(Matched(pattern.clone()));
    pattern
}
