//! What the new-message composer hands to the blast composer when the writer switches to a
//! blast ("Send as a blast instead"): the subject, the message, the clients from To and the
//! uploaded files, so that nothing is typed, picked or uploaded twice.
//!
//! It is held in this page's memory only, and taken once: never in the address (it would stay
//! in the history) nor in the browser's storage (clinic computers are shared, and subjects and
//! messages are health information). Hand-written because nothing else carries state from one
//! page to the next this way: the router's navigation state is kept in the history too. What
//! is not taken at once is dropped: the blast composer opens on the click that offered it, and
//! a later visit, or someone else signed in on the same tab, must find it empty.

use std::cell::RefCell;
use std::collections::HashMap;

use confidant_openapi::people::Person;
use uuid::Uuid;

use super::attachments::UploadedFile;

/// How long an offer waits for the blast composer (which opens on the same click).
const TAKE_WITHIN_MS: f64 = 10_000.0;

/// What goes from one composer to the other, in the blast composer's own terms.
#[derive(Clone, Debug)]
pub struct BlastHandoff {
    pub subject: String,
    pub body: String,
    /// The clients in To, in its order, with the names their chips showed: what the blast
    /// composer's selection picks (staff and groups stay behind: a blast goes to clients).
    pub clients: Vec<(Uuid, String)>,
    /// The records of those clients the picker had read (staff see them there), by id: email,
    /// status, providers. A To put back from a saved draft may lack some.
    pub known: HashMap<Uuid, Person>,
    /// The files already uploaded, unsent: a blast may carry them (they are the writer's).
    pub files: Vec<UploadedFile>,
}

/// An offer: by whom, and when (milliseconds since the epoch).
struct Offer {
    by: Uuid,
    at: f64,
    handoff: BlastHandoff,
}

thread_local! {
    static OFFER: RefCell<Option<Offer>> = const { RefCell::new(None) };
}

/// Leaves `handoff`, written by the person `by`, for the blast composer about to open. It
/// replaces any earlier offer.
pub fn offer(by: Uuid, handoff: BlastHandoff) {
    let at = js_sys::Date::now();
    OFFER.with(|slot| *slot.borrow_mut() = Some(Offer { by, at, handoff }));
}

/// What was offered to the person `me` just now, if anything; the offer is gone afterwards,
/// whoever made it.
pub fn take(me: Uuid) -> Option<BlastHandoff> {
    let offer = OFFER.with(|slot| slot.borrow_mut().take())?;
    (offer.by == me && js_sys::Date::now() - offer.at <= TAKE_WITHIN_MS).then_some(offer.handoff)
}
