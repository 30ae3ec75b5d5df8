//! Blast rules (SPEC §6) as plain functions: who is selected, whether that is enough, who
//! receives, and where a blast is.

use std::collections::HashSet;

use confidant_openapi::blasts::{BlastState, MIN_BLAST_CLIENTS};
use confidant_openapi::people::PersonStatus;
use uuid::Uuid;

/// R-BLAST-ALL: the clients picked one by one, then (if asked) all the sender's active
/// clients, without the de-selected ones; each once, in that order.
pub fn select(picked: &[Uuid], all_my_active: &[Uuid], excluded: &[Uuid]) -> Vec<Uuid> {
    let excluded: HashSet<&Uuid> = excluded.iter().collect();
    let mut seen = HashSet::new();
    picked
        .iter()
        .chain(all_my_active)
        .filter(|id| !excluded.contains(id) && seen.insert(**id))
        .copied()
        .collect()
}

/// R-BLAST-MIN: a blast goes to at least two clients.
pub fn check_selection_size(selected: usize) -> Result<(), String> {
    if selected >= MIN_BLAST_CLIENTS {
        Ok(())
    } else {
        Err(format!(
            "A blast goes to at least {MIN_BLAST_CLIENTS} clients; {selected} selected. To write \
             to one client, send a message."
        ))
    }
}

/// What happens for one selected client when the blast reaches them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// A new thread with the message (R-BLAST-NEW).
    Send,
    /// Nothing; counted as skipped (R-BLAST-ACTIVE).
    Skip,
}

/// R-BLAST-ACTIVE: only clients who are active when the blast reaches them receive it.
pub fn outcome_for(status: PersonStatus) -> Outcome {
    match status {
        PersonStatus::Active => Outcome::Send,
        PersonStatus::Inactive | PersonStatus::Archived | PersonStatus::Deactivated => {
            Outcome::Skip
        }
    }
}

/// The state that the counters show: queued until the first client is handled, done when
/// every one is.
pub fn state(total: i32, handled: i32) -> BlastState {
    if handled <= 0 {
        BlastState::Queued
    } else if handled < total {
        BlastState::Sending
    } else {
        BlastState::Done
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(n: usize) -> Vec<Uuid> {
        (0..n).map(|_| Uuid::new_v4()).collect()
    }

    #[test]
    fn all_my_active_clients_minus_the_deselected_ones() {
        // R-BLAST-ALL
        let mine = ids(4);
        let picked = ids(1);
        let selected = select(&picked, &mine, &[mine[1]]);
        assert_eq!(selected, vec![picked[0], mine[0], mine[2], mine[3]]);
    }

    #[test]
    fn a_client_picked_and_also_among_my_clients_is_selected_once() {
        // R-BLAST-NEW: one thread per client
        let mine = ids(2);
        assert_eq!(
            select(&[mine[1], mine[1]], &mine, &[]),
            vec![mine[1], mine[0]]
        );
    }

    #[test]
    fn fewer_than_two_clients_is_not_a_blast() {
        // R-BLAST-MIN
        assert!(check_selection_size(0).is_err());
        assert!(check_selection_size(1).is_err());
        assert!(check_selection_size(2).is_ok());
    }

    #[test]
    fn only_active_clients_receive() {
        // R-BLAST-ACTIVE
        assert_eq!(outcome_for(PersonStatus::Active), Outcome::Send);
        assert_eq!(outcome_for(PersonStatus::Inactive), Outcome::Skip);
        assert_eq!(outcome_for(PersonStatus::Archived), Outcome::Skip);
    }

    #[test]
    fn the_state_follows_the_counters() {
        // R-BLAST-QUEUE
        assert_eq!(state(10, 0), BlastState::Queued);
        assert_eq!(state(10, 3), BlastState::Sending);
        assert_eq!(state(10, 10), BlastState::Done);
    }
}
