//! Which passwords are strong enough (R-RESET, and every other place a password is chosen:
//! accepting an invitation, a reset, a change).
//!
//! Length (12 to 128 characters) is the contract's rule, refused before a handler runs. Here
//! is the rest: the `zxcvbn` estimator must score the password at least 3 of 4 ("safely
//! unguessable: moderate protection from an offline slow-hash scenario"), counting the
//! person's own name, email and practice as words an attacker would try first. A refusal says
//! why in words, from zxcvbn's own feedback.

use zxcvbn::Score;

/// The lowest zxcvbn score accepted.
pub const MIN_SCORE: Score = Score::Three;

/// What an attacker would try first for this person: their name (word by word and run
/// together), their email and its parts, and the words of their practice's name.
pub fn personal_words(name: &str, email: &str, practice: &str) -> Vec<String> {
    let mut words: Vec<String> = [name, practice]
        .into_iter()
        .flat_map(str::split_whitespace)
        .map(str::to_owned)
        .collect();
    words.push(name.split_whitespace().collect::<String>());
    words.push(practice.split_whitespace().collect::<String>());
    words.push(email.to_owned());
    words.extend(email.split(['@', '.', '-', '_', '+']).map(str::to_owned));
    words.retain(|word| word.chars().count() >= 3);
    words
}

/// Why `password` is too easy to guess, in words for the person choosing it; `None` when it
/// is strong enough.
///
/// Takes up to ~30 ms of CPU for a 128-character password: call it off the request threads.
pub fn weakness(password: &str, personal: &[String]) -> Option<String> {
    let personal: Vec<&str> = personal.iter().map(String::as_str).collect();
    let estimate = zxcvbn::zxcvbn(password, &personal);
    if estimate.score() >= MIN_SCORE {
        return None;
    }
    let mut reason = String::from("This password is too easy to guess.");
    if let Some(feedback) = estimate.feedback() {
        if let Some(warning) = feedback.warning() {
            reason = format!("This password is too easy to guess: {warning}");
            if !reason.ends_with('.') {
                reason.push('.');
            }
        }
        for suggestion in feedback.suggestions() {
            reason.push(' ');
            reason.push_str(&suggestion.to_string());
        }
    }
    if !reason.contains("word") {
        reason.push_str(" A few unrelated words make a strong one.");
    }
    Some(reason)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words() -> Vec<String> {
        personal_words(
            "Olive Reyes",
            "olive@riverbend.example",
            "Riverbend Family Therapy",
        )
    }

    #[test]
    fn common_patterns_and_personal_words_are_refused_with_a_reason() {
        for weak in [
            "aaaaaaaaaaaa",
            "password1234",
            "Password123!",
            "riverbend2026",
            "olivereyes2026",
            "qwertyuiop12",
        ] {
            let reason = weakness(weak, &words());
            assert!(reason.is_some(), "{weak} was accepted");
            let reason = reason.unwrap_or_default();
            assert!(reason.starts_with("This password is too easy to guess"));
            assert!(!reason.contains(weak), "the reason repeats the password");
        }
    }

    #[test]
    fn long_unrelated_phrases_are_accepted() {
        for strong in [
            "correct horse battery staple",
            "lantern-violet-ocean-47",
            "mY7#pQ2!vL9@xR4",
        ] {
            assert_eq!(weakness(strong, &words()), None, "{strong} was refused");
        }
    }

    #[test]
    fn personal_words_take_names_email_parts_and_practice() {
        let words = words();
        for expected in [
            "Olive",
            "OliveReyes",
            "riverbend",
            "Riverbend",
            "Therapy",
            "olive",
        ] {
            assert!(
                words.iter().any(|word| word == expected),
                "{expected} missing from {words:?}"
            );
        }
        assert!(
            !words.iter().any(|word| word == "ex"),
            "short pieces are left out"
        );
    }
}
