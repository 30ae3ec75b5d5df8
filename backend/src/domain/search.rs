//! What a search box's text means: the words to find, each matched as a word or the start of
//! one, all of them required. Written as a PostgreSQL `tsquery` from letters and digits only,
//! so nothing a person types can change the query's structure.

/// The most words one search takes (more would only slow it down, not narrow it usefully).
pub const MAX_WORDS: usize = 8;

/// `text` as a `tsquery` for the `simple` configuration: `"Lab res"` → `"lab:* & res:*"`;
/// `None` when it holds no letter or digit (nothing to search for: nothing matches).
pub fn prefix_query(text: &str) -> Option<String> {
    let words: Vec<String> = text
        .split(|c: char| !c.is_alphanumeric())
        .filter(|word| !word.is_empty())
        .take(MAX_WORDS)
        .map(|word| format!("{}:*", word.to_lowercase()))
        .collect();
    (!words.is_empty()).then(|| words.join(" & "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_become_required_prefixes() {
        assert_eq!(prefix_query("Lab res").as_deref(), Some("lab:* & res:*"));
        assert_eq!(
            prefix_query("  José, 2026!").as_deref(),
            Some("josé:* & 2026:*")
        );
    }

    #[test]
    fn operators_typed_are_only_separators() {
        // `&`, `|`, `!`, `:` and quotes cannot reach the query as operators.
        assert_eq!(
            prefix_query("a & !b | 'c':*").as_deref(),
            Some("a:* & b:* & c:*")
        );
        assert_eq!(prefix_query("!!! ::"), None);
        assert_eq!(prefix_query(""), None);
    }

    #[test]
    fn long_texts_are_cut_to_the_first_words() {
        let many = "w ".repeat(20);
        assert_eq!(
            prefix_query(&many).map(|q| q.matches('&').count() + 1),
            Some(MAX_WORDS)
        );
    }
}
