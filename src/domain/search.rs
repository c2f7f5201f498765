//! What a reader's search means (CONTRACT section 4), whatever database runs it: words that must
//! all appear (in any of their English forms), `"quoted phrases"`, `-word` to exclude, and the
//! last word also matching as a prefix, so search-as-you-type works.
//!
//! Words are runs of letters and digits (any script); everything else separates them, so no
//! character a reader types can become an operator of the database's own query language.

/// At most this many characters in `q` (a longer one is refused with 400).
pub const QUERY_MAX_CHARS: usize = 500;
/// At most this many terms are used; the rest of a very long query is ignored.
const TERMS_MAX: usize = 32;

/// One part of a query: a word (one entry in `words`) or a phrase (several, in order).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Term {
    /// Lowercased words.
    pub words: Vec<String>,
    /// Articles containing it are left out (`-word`, `-"a phrase"`).
    pub excluded: bool,
    /// The last word of the query, which also matches as a prefix (`attach` finds
    /// `attachment`).
    pub prefix: bool,
}

/// A parsed query. It finds nothing when it has no wanted term (only exclusions or operators).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SearchQuery {
    pub terms: Vec<Term>,
}

impl SearchQuery {
    pub fn parse(q: &str) -> Self {
        let mut terms = Vec::new();
        let mut chars = q.chars().peekable();
        let mut excluded = false;
        while let Some(&c) = chars.peek() {
            if c == '"' {
                chars.next();
                let mut inside = String::new();
                for c in chars.by_ref() {
                    if c == '"' {
                        break;
                    }
                    inside.push(c);
                }
                let words = words_of(&inside);
                if !words.is_empty() {
                    terms.push(Term {
                        words,
                        excluded,
                        prefix: false,
                    });
                }
                excluded = false;
            } else if is_word_char(c) {
                let mut word = String::new();
                while let Some(&c) = chars.peek() {
                    if !is_word_char(c) {
                        break;
                    }
                    word.extend(c.to_lowercase());
                    chars.next();
                }
                terms.push(Term {
                    words: vec![word],
                    excluded,
                    prefix: false,
                });
                excluded = false;
            } else {
                chars.next();
                // A minus right before a word or a phrase excludes it.
                excluded = c == '-' && chars.peek().is_some_and(|n| *n == '"' || is_word_char(*n));
            }
        }
        terms.truncate(TERMS_MAX);
        if let Some(last) = terms.last_mut()
            && !last.excluded
            && last.words.len() == 1
            && !q.trim_end().ends_with('"')
        {
            last.prefix = true;
        }
        SearchQuery { terms }
    }

    /// Whether the query can match anything: it needs a term that is not excluded.
    pub fn finds_anything(&self) -> bool {
        self.terms.iter().any(|t| !t.excluded)
    }

    /// The terms as text, for a cache key: equal queries give equal keys.
    pub fn canonical(&self) -> String {
        self.terms
            .iter()
            .map(|t| {
                let text = t.words.join(" ");
                let text = if t.words.len() > 1 {
                    format!("\"{text}\"")
                } else {
                    text
                };
                format!(
                    "{}{text}{}",
                    if t.excluded { "-" } else { "" },
                    if t.prefix { "*" } else { "" }
                )
            })
            .collect::<Vec<_>>()
            .join(" ")
    }
}

fn is_word_char(c: char) -> bool {
    c.is_alphanumeric()
}

fn words_of(text: &str) -> Vec<String> {
    text.split(|c: char| !is_word_char(c))
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn term(words: &[&str], excluded: bool, prefix: bool) -> Term {
        Term {
            words: words.iter().map(|w| (*w).to_owned()).collect(),
            excluded,
            prefix,
        }
    }

    #[test]
    fn words_phrases_exclusions_and_a_prefix() {
        let q = SearchQuery::parse(r#"Anxious "pursue withdraw" -Secure attach"#);
        assert_eq!(
            q.terms,
            [
                term(&["anxious"], false, false),
                term(&["pursue", "withdraw"], false, false),
                term(&["secure"], true, false),
                term(&["attach"], false, true),
            ]
        );
        assert_eq!(
            q.canonical(),
            r#"anxious "pursue withdraw" -secure attach*"#
        );
    }

    #[test]
    fn operators_and_punctuation_never_reach_the_database() {
        let q = SearchQuery::parse(r#"a* OR (b) NEAR/3 c:d ' ; -- "#);
        let words: Vec<&str> = q
            .terms
            .iter()
            .flat_map(|t| t.words.iter().map(String::as_str))
            .collect();
        assert_eq!(words, ["a", "or", "b", "near", "3", "c", "d"]);
        assert!(q.terms.iter().all(|t| !t.excluded));
    }

    #[test]
    fn case_is_folded_beyond_ascii() {
        let q = SearchQuery::parse("ÉTÉ Größe");
        assert_eq!(q.terms[0].words, ["été"]);
        assert_eq!(q.terms[1].words, ["größe"]);
    }

    #[test]
    fn only_exclusions_or_operators_find_nothing() {
        assert!(!SearchQuery::parse("-anxious -\"a b\"").finds_anything());
        assert!(!SearchQuery::parse(" - \" \" ** ").finds_anything());
        assert!(SearchQuery::parse("calm -anxious").finds_anything());
        assert!(
            !SearchQuery::parse("calm -anxious").terms[1].prefix,
            "an exclusion is no prefix"
        );
    }

    #[test]
    fn a_closing_quote_or_an_exclusion_ends_without_a_prefix() {
        assert!(!SearchQuery::parse("\"calm\"").terms[0].prefix);
        assert!(SearchQuery::parse("calm down").terms[1].prefix);
    }
}
