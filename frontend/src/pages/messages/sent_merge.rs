//! A staff member's Sent folder as one list made of two: their threads (without the ones a
//! blast made, one per client) and their blasts, so that each blast shows once.
//!
//! Both lists come from the server a page at a time, newest first: threads by their latest
//! message, blasts by when they were sent. A row may only be shown once it is certain that no
//! row of the other list, not read yet, belongs above it; otherwise "Load more" would slip
//! rows in above the ones already seen. So the merged list goes down only as far as both lists
//! are known, and "Load more" reads the list that stops it.
//!
//! Pure and free of the app's types (only `std`), so that its tests run on the host.

/// One of the two lists, as far as it has been read.
#[derive(Clone, Copy, Debug)]
pub struct Stream<'a, T> {
    /// The rows read so far, newest first, as the server gave them.
    pub rows: &'a [T],
    /// Whether there is more to read: the last page had a `next_cursor`, or the first page
    /// has not come yet.
    pub more: bool,
}

/// Which list.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Side {
    /// The threads.
    Threads,
    /// The blasts.
    Blasts,
}

/// A row of the merged list.
#[derive(Debug, PartialEq, Eq)]
pub enum Row<'a, A, B> {
    /// A thread.
    Thread(&'a A),
    /// A blast.
    Blast(&'a B),
}

/// What the folder shows.
#[derive(Debug, PartialEq, Eq)]
pub struct Merged<'a, A, B> {
    /// The rows that may be shown, newest first.
    pub rows: Vec<Row<'a, A, B>>,
    /// The list "Load more" reads next: the one that keeps the other's rows from showing
    /// further down. `None` when both are read to the end.
    pub next: Option<Side>,
}

/// How far down a list is known.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Known<K> {
    /// To its end.
    All,
    /// Strictly above this time. Not at it: the next page may hold more rows of that very time.
    Above(K),
    /// Not at all (its first page has not come, or a page came empty with more after it).
    Nothing,
}

impl<K: Ord> Known<K> {
    fn of<T>(stream: &Stream<'_, T>, time: impl Fn(&T) -> K) -> Self {
        match (stream.more, stream.rows.last()) {
            (false, _) => Self::All,
            (true, Some(last)) => Self::Above(time(last)),
            (true, None) => Self::Nothing,
        }
    }

    /// Whether a row of the other list at `time` is certain to belong above every row of this
    /// one not read yet.
    fn covers(&self, time: &K) -> bool {
        match self {
            Self::All => true,
            Self::Above(oldest) => time > oldest,
            Self::Nothing => false,
        }
    }
}

/// Merges what has been read of the two lists: every row of each that the other list is known
/// far enough down for, newest first (a thread before a blast of the same time), and which
/// list to read next.
pub fn merge<'a, A, B, K: Ord>(
    threads: Stream<'a, A>,
    thread_time: impl Fn(&A) -> K,
    blasts: Stream<'a, B>,
    blast_time: impl Fn(&B) -> K,
) -> Merged<'a, A, B> {
    let threads_known = Known::of(&threads, &thread_time);
    let blasts_known = Known::of(&blasts, &blast_time);
    // Each list's rows down to the first the other list is not known for; a prefix, so that a
    // row never shows while one above it in its own list is held back.
    let shown_threads = threads
        .rows
        .iter()
        .take_while(|row| blasts_known.covers(&thread_time(row)));
    let shown_blasts = blasts
        .rows
        .iter()
        .take_while(|row| threads_known.covers(&blast_time(row)));
    let mut shown_blasts = shown_blasts.peekable();
    let mut rows = Vec::new();
    for thread in shown_threads {
        while let Some(blast) =
            shown_blasts.next_if(|blast| blast_time(blast) > thread_time(thread))
        {
            rows.push(Row::Blast(blast));
        }
        rows.push(Row::Thread(thread));
    }
    rows.extend(shown_blasts.map(Row::Blast));
    // The list known least far down is the one that stops the other. `Nothing` ranks above
    // every `Above`, and a later time above an earlier one.
    let next = match (threads.more, blasts.more) {
        (false, false) => None,
        (true, false) => Some(Side::Threads),
        (false, true) => Some(Side::Blasts),
        (true, true) => Some(if threads_known >= blasts_known {
            Side::Threads
        } else {
            Side::Blasts
        }),
    };
    Merged { rows, next }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A thread or a blast in the tests: a name and a time (larger is newer).
    type Item = (&'static str, i64);

    fn time(item: &Item) -> i64 {
        item.1
    }

    fn names(merged: &Merged<'_, Item, Item>) -> Vec<&'static str> {
        merged
            .rows
            .iter()
            .map(|row| match row {
                Row::Thread(item) | Row::Blast(item) => item.0,
            })
            .collect()
    }

    fn merged<'a>(
        threads: &'a [Item],
        threads_more: bool,
        blasts: &'a [Item],
        blasts_more: bool,
    ) -> Merged<'a, Item, Item> {
        merge(
            Stream {
                rows: threads,
                more: threads_more,
            },
            time,
            Stream {
                rows: blasts,
                more: blasts_more,
            },
            time,
        )
    }

    #[test]
    fn both_read_to_the_end_show_everything_newest_first() {
        let threads = [("t9", 9), ("t5", 5), ("t1", 1)];
        let blasts = [("b7", 7), ("b3", 3), ("b0", 0)];
        let shown = merged(&threads, false, &blasts, false);
        assert_eq!(names(&shown), ["t9", "b7", "t5", "b3", "t1", "b0"]);
        assert_eq!(shown.next, None);
    }

    #[test]
    fn blasts_older_than_the_threads_read_wait_for_the_next_page_of_threads() {
        let threads = [("t9", 9), ("t5", 5)];
        let blasts = [("b7", 7), ("b3", 3), ("b0", 0)];
        let shown = merged(&threads, true, &blasts, false);
        assert_eq!(names(&shown), ["t9", "b7", "t5"]);
        assert_eq!(shown.next, Some(Side::Threads));
    }

    #[test]
    fn threads_older_than_the_blasts_read_wait_for_the_next_page_of_blasts() {
        let threads = [("t9", 9), ("t5", 5), ("t1", 1)];
        let blasts = [("b7", 7), ("b3", 3)];
        let shown = merged(&threads, false, &blasts, true);
        // t1 is older than b3, the oldest blast read: a blast between them may be unread.
        assert_eq!(names(&shown), ["t9", "b7", "t5", "b3"]);
        assert_eq!(shown.next, Some(Side::Blasts));
    }

    #[test]
    fn with_more_of_both_the_list_known_least_far_down_is_read_next() {
        let threads = [("t9", 9), ("t6", 6)];
        let blasts = [("b8", 8), ("b2", 2)];
        let shown = merged(&threads, true, &blasts, true);
        // Known down to 6 (threads) and 2 (blasts): b2 waits for the threads below t6.
        assert_eq!(names(&shown), ["t9", "b8", "t6"]);
        assert_eq!(shown.next, Some(Side::Threads));

        let threads = [("t9", 9), ("t1", 1)];
        let shown = merged(&threads, true, &blasts, true);
        assert_eq!(names(&shown), ["t9", "b8", "b2"]);
        assert_eq!(shown.next, Some(Side::Blasts));
    }

    #[test]
    fn nothing_shows_before_the_first_page_of_both_has_come() {
        let threads = [("t9", 9)];
        let shown = merged(&threads, false, &[], true);
        assert!(shown.rows.is_empty());
        assert_eq!(shown.next, Some(Side::Blasts));

        let blasts = [("b9", 9)];
        let shown = merged(&[], true, &blasts, false);
        assert!(shown.rows.is_empty());
        assert_eq!(shown.next, Some(Side::Threads));
    }

    #[test]
    fn two_empty_lists_show_nothing_and_have_nothing_more() {
        let shown = merged(&[], false, &[], false);
        assert!(shown.rows.is_empty());
        assert_eq!(shown.next, None);
    }

    #[test]
    fn a_thread_comes_before_a_blast_of_the_same_time() {
        let threads = [("t5", 5)];
        let blasts = [("b5", 5)];
        assert_eq!(
            names(&merged(&threads, false, &blasts, false)),
            ["t5", "b5"]
        );
    }

    #[test]
    fn a_row_at_the_time_where_the_other_list_stops_waits_for_its_next_page() {
        // The threads' next page may hold another thread at 5, which belongs beside b5.
        let threads = [("t9", 9), ("t5", 5)];
        let blasts = [("b5", 5), ("b1", 1)];
        let shown = merged(&threads, true, &blasts, false);
        assert_eq!(names(&shown), ["t9", "t5"]);
        assert_eq!(shown.next, Some(Side::Threads));
    }

    #[test]
    fn a_row_held_back_holds_back_the_rows_below_it_in_its_own_list() {
        // Out of order from the server (b6 below b4): b6 must not jump above the held-back b4.
        let threads = [("t5", 5)];
        let blasts = [("b4", 4), ("b6", 6)];
        let shown = merged(&threads, true, &blasts, false);
        assert_eq!(names(&shown), ["t5"]);
    }

    /// Reads both lists a page at a time, as the folder does, pressing "Load more" until both
    /// are read: what shows only ever grows at its end, and in the end it is everything.
    #[test]
    fn load_more_only_ever_adds_below_and_ends_with_everything() {
        let all_threads: Vec<Item> = [30, 29, 28, 20, 19, 11, 10, 9, 8, 7, 3, 2]
            .into_iter()
            .map(|t| ("t", t))
            .collect();
        let all_blasts: Vec<Item> = [27, 18, 17, 16, 15, 14, 1]
            .into_iter()
            .map(|t| ("b", t))
            .collect();
        for page in 1..=5 {
            let mut threads_read = page.min(all_threads.len());
            let mut blasts_read = page.min(all_blasts.len());
            let mut before: Vec<Item> = Vec::new();
            let mut presses = 0;
            loop {
                let shown = merged(
                    &all_threads[..threads_read],
                    threads_read < all_threads.len(),
                    &all_blasts[..blasts_read],
                    blasts_read < all_blasts.len(),
                );
                let now: Vec<Item> = shown
                    .rows
                    .iter()
                    .map(|row| match row {
                        Row::Thread(item) | Row::Blast(item) => **item,
                    })
                    .collect();
                assert!(
                    now.starts_with(&before),
                    "page {page}: {before:?} → {now:?}"
                );
                assert!(now.windows(2).all(|pair| pair[0].1 >= pair[1].1));
                before = now;
                match shown.next {
                    None => break,
                    Some(Side::Threads) => {
                        threads_read = (threads_read + page).min(all_threads.len())
                    }
                    Some(Side::Blasts) => blasts_read = (blasts_read + page).min(all_blasts.len()),
                }
                presses += 1;
                assert!(presses < 100, "page {page}: Load more never ends");
            }
            assert_eq!(before.len(), all_threads.len() + all_blasts.len());
        }
    }
}
