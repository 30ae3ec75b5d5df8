//! What a search box's text means: the words to find, each matched as a word or the start of
//! one, all of them required. Written as a PostgreSQL `tsquery` from letters and digits only,
//! so nothing a person types can change the query's structure.

/// The most words one search takes (more would only slow it down, not narrow it usefully).
pub const MAX_WORDS: usize = 8;

/// Why a search text cannot be searched.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SearchError {
    /// Nothing but spaces and punctuation.
    NoWords,
}

impl std::fmt::Display for SearchError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::NoWords => f.write_str("Type at least one word or number to search for."),
        }
    }
}

/// `text` as a `tsquery` for the `simple` configuration: `"Lab res"` → `"lab:* & res:*"`.
pub fn prefix_query(text: &str) -> Result<String, SearchError> {
    let words: Vec<String> = text
        .split(|c: char| !c.is_alphanumeric())
        .filter(|word| !word.is_empty())
        .take(MAX_WORDS)
        .map(|word| format!("{}:*", word.to_lowercase()))
        .collect();
    if words.is_empty() {
        return Err(SearchError::NoWords);
    }
    Ok(words.join(" & "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_become_required_prefixes() {
        assert_eq!(prefix_query("Lab res").as_deref(), Ok("lab:* & res:*"));
        assert_eq!(
            prefix_query("  José, 2026!").as_deref(),
            Ok("josé:* & 2026:*")
        );
    }

    #[test]
    fn operators_typed_are_only_separators() {
        // `&`, `|`, `!`, `:` and quotes cannot reach the query as operators.
        assert_eq!(
            prefix_query("a & !b | 'c':*").as_deref(),
            Ok("a:* & b:* & c:*")
        );
        assert_eq!(prefix_query("!!! ::"), Err(SearchError::NoWords));
        assert_eq!(prefix_query(""), Err(SearchError::NoWords));
    }

    #[test]
    fn long_texts_are_cut_to_the_first_words() {
        let many = "w ".repeat(20);
        assert_eq!(
            prefix_query(&many).map(|q| q.matches('&').count() + 1),
            Ok(MAX_WORDS)
        );
    }
}
