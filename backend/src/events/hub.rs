//! This instance's live subscribers, and the hand-over of each logged event to the ones in its
//! audience.
//!
//! Subscribers are kept by person, so an event reaches its audience in O(audience) whatever
//! the number of open streams (a blast's 10,000 new threads do not wake 5,000 unrelated
//! streams 10,000 times). Each subscriber has a small bounded queue; one that does not keep up
//! is dropped rather than buffered without end — its stream ends, and the client resumes with
//! `Last-Event-ID`, which the log answers.
//!
//! Events are handed over in id order, and the id of the last one handed over is kept under
//! the same lock as the subscribers: a new subscriber learns the exact point from which it
//! will hear everything (its *cut*), so a replay from the log up to the cut and the live
//! events after it neither overlap nor leave a gap.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use tokio::sync::mpsc;
use uuid::Uuid;

use crate::monitoring;

/// How many events may wait for one subscriber before it is dropped as too slow.
const QUEUE: usize = 256;

/// One row of the event log, as listeners read it.
#[derive(Debug, Clone, PartialEq)]
pub struct LoggedEvent {
    /// The log's id (`id:` of a stream).
    pub id: i64,
    /// The kind (`event:` of a stream).
    pub kind: String,
    /// The ids and counts as JSON text, rendered once for every stream.
    pub data: String,
    /// Who may hear of it.
    pub audience: Vec<Uuid>,
}

/// The subscribers of this instance. Cheap to clone.
#[derive(Clone, Default)]
pub struct EventHub {
    inner: Arc<Mutex<Inner>>,
    next_key: Arc<AtomicU64>,
    /// Notified after each batch handed over: wakes this instance's webhook dispatcher.
    published: Arc<tokio::sync::Notify>,
}

#[derive(Default)]
struct Inner {
    /// The id of the last event handed over; `None` until the listener has connected once.
    last_id: Option<i64>,
    /// Set when the instance stops: no new subscriber is taken.
    closed: bool,
    subscribers: HashMap<Uuid, Vec<Subscriber>>,
}

/// A subscription's key (to remove it) and its queue.
type Subscriber = (u64, mpsc::Sender<Arc<LoggedEvent>>);

/// Why no subscription could be made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Unavailable {
    /// The listener has not reached the database yet.
    #[error("live updates are not connected to the database yet")]
    Starting,
    /// The instance is stopping.
    #[error("the server is stopping")]
    Stopping,
}

/// A live subscription: receives the events of its person after [`Subscription::cut`].
/// Dropping it unsubscribes.
pub struct Subscription {
    /// Events, in id order; `None` once the hub dropped this subscriber (too slow, or the
    /// instance stops).
    pub events: mpsc::Receiver<Arc<LoggedEvent>>,
    /// Every event with a larger id that names the person reaches `events`.
    pub cut: i64,
    hub: EventHub,
    person_id: Uuid,
    key: u64,
}

impl Drop for Subscription {
    fn drop(&mut self) {
        let mut inner = self.hub.lock();
        if let Some(list) = inner.subscribers.get_mut(&self.person_id) {
            list.retain(|(key, _)| *key != self.key);
            if list.is_empty() {
                inner.subscribers.remove(&self.person_id);
            }
        }
    }
}

impl EventHub {
    fn lock(&self) -> MutexGuard<'_, Inner> {
        // A panic while holding the lock leaves consistent data (each step is one map
        // operation), so a poisoned lock is still usable.
        self.inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Subscribes `person_id`.
    pub fn subscribe(&self, person_id: Uuid) -> Result<Subscription, Unavailable> {
        let (sender, events) = mpsc::channel(QUEUE);
        let key = self.next_key.fetch_add(1, Ordering::Relaxed);
        let mut inner = self.lock();
        if inner.closed {
            return Err(Unavailable::Stopping);
        }
        let cut = inner.last_id.ok_or(Unavailable::Starting)?;
        inner
            .subscribers
            .entry(person_id)
            .or_default()
            .push((key, sender));
        Ok(Subscription {
            events,
            cut,
            hub: self.clone(),
            person_id,
            key,
        })
    }

    /// The id of the last event handed over, once the listener has connected.
    pub fn last_id(&self) -> Option<i64> {
        self.lock().last_id
    }

    /// Sets the starting point when the listener first connects (the log's newest id then).
    pub(crate) fn start_at(&self, id: i64) {
        let mut inner = self.lock();
        if inner.last_id.is_none() {
            inner.last_id = Some(id);
            metrics::counter!(monitoring::EVENTS_PUBLISHED).increment(1);
        }
    }

    /// Hands `batch` (in id order, all newer than [`EventHub::last_id`]) to the subscribers in
    /// each event's audience. Subscribers whose queue is full are dropped.
    pub(crate) fn publish(&self, batch: Vec<LoggedEvent>) {
        let mut inner = self.lock();
        for event in batch {
            let id = event.id;
            let event = Arc::new(event);
            for person in &event.audience {
                let Some(list) = inner.subscribers.get_mut(person) else {
                    continue;
                };
                list.retain(|(_, sender)| match sender.try_send(Arc::clone(&event)) {
                    Ok(()) => true,
                    Err(mpsc::error::TrySendError::Full(_)) => {
                        metrics::counter!(monitoring::EVENT_STREAMS_DROPPED).increment(1);
                        false
                    }
                    Err(mpsc::error::TrySendError::Closed(_)) => false,
                });
                if list.is_empty() {
                    inner.subscribers.remove(person);
                }
            }
            inner.last_id = Some(id);
            metrics::counter!(monitoring::EVENTS_PUBLISHED).increment(1);
        }
        drop(inner);
        // One stored permit: a batch handed over while the waiter is busy is not missed.
        self.published.notify_one();
    }

    /// Resolves after the next batch of events is handed over (or at once if one was handed
    /// over since the last call returned). For one waiter: the webhook dispatcher.
    pub async fn wait_for_published(&self) {
        self.published.notified().await;
    }

    /// How many subscriptions are open on this instance.
    pub fn subscriber_count(&self) -> usize {
        self.lock().subscribers.values().map(Vec::len).sum()
    }

    /// Ends every subscription and takes no new one: the instance stops, and open streams must
    /// not hold up its graceful shutdown.
    pub fn close(&self) {
        let mut inner = self.lock();
        inner.closed = true;
        inner.subscribers.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(id: i64, audience: &[Uuid]) -> LoggedEvent {
        LoggedEvent {
            id,
            kind: "message_created".into(),
            data: "{}".into(),
            audience: audience.to_vec(),
        }
    }

    #[test]
    fn a_subscriber_hears_only_events_that_name_them_after_its_cut() {
        let hub = EventHub::default();
        let (me, other) = (Uuid::new_v4(), Uuid::new_v4());
        assert_eq!(hub.subscribe(me).err(), Some(Unavailable::Starting));
        hub.start_at(7);
        let mut mine = hub.subscribe(me).expect("subscribed");
        assert_eq!(mine.cut, 7);
        hub.publish(vec![event(8, &[other]), event(9, &[me, other])]);
        assert_eq!(mine.events.try_recv().map(|e| e.id), Ok(9));
        assert!(mine.events.try_recv().is_err());
        let later = hub.subscribe(other).expect("subscribed");
        assert_eq!(later.cut, 9);
        assert_eq!(hub.subscriber_count(), 2);
        drop(later);
        assert_eq!(hub.subscriber_count(), 1);
    }

    #[test]
    fn a_subscriber_that_does_not_keep_up_is_dropped_and_closing_ends_everyone() {
        let hub = EventHub::default();
        hub.start_at(0);
        let me = Uuid::new_v4();
        let mut slow = hub.subscribe(me).expect("subscribed");
        let batch = (1..=QUEUE as i64 + 1).map(|id| event(id, &[me])).collect();
        hub.publish(batch);
        assert_eq!(hub.subscriber_count(), 0);
        let mut received = 0;
        while slow.events.try_recv().is_ok() {
            received += 1;
        }
        assert_eq!(received, QUEUE);
        let mut open = hub.subscribe(me).expect("subscribed");
        hub.close();
        assert!(matches!(
            open.events.try_recv(),
            Err(mpsc::error::TryRecvError::Disconnected)
        ));
        assert_eq!(hub.subscribe(me).err(), Some(Unavailable::Stopping));
    }
}
