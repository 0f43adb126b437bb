//! "Did you mean" suggestions, computed as BuildKit's `util/suggest` does.
//!
//! The candidate with the smallest Levenshtein distance (unit costs, counted in
//! characters) below 3 wins; the first candidate reaching a distance wins ties, so callers
//! pass candidates in a fixed order (BuildKit iterates Go maps for some lists, which makes
//! its tie-breaking random; we sort those alphabetically). An exact match means the value
//! was not misspelled and gives no suggestion. Case-insensitive search compares lower-cased
//! strings and returns the candidate in the case of the input when that is all-lower or
//! all-upper, else lower-cased.

use super::goparse::{lower, upper};

/// The suggestion for `value` among `options`, if any.
pub fn search<S: AsRef<str>>(value: &str, options: &[S], case_sensitive: bool) -> Option<String> {
    let val = if case_sensitive {
        value.to_string()
    } else {
        lower(value)
    };
    let mut best: Option<String> = None;
    let mut min_distance = 3;
    for option in options {
        let opt = if case_sensitive {
            option.as_ref().to_string()
        } else {
            lower(option.as_ref())
        };
        if opt == val {
            return None;
        }
        let distance = levenshtein(&val, &opt);
        if distance < min_distance {
            min_distance = distance;
            best = Some(if case_sensitive {
                opt
            } else {
                match_case(&opt, value)
            });
        }
    }
    best.filter(|s| !s.is_empty())
}

/// Edit distance with insertions, deletions and substitutions all costing 1.
pub fn levenshtein(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    let mut current = vec![0; b.len() + 1];
    for (i, ca) in a.iter().enumerate() {
        current[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let substitution = previous[j] + usize::from(ca != cb);
            current[j + 1] = substitution.min(previous[j + 1] + 1).min(current[j] + 1);
        }
        std::mem::swap(&mut previous, &mut current);
    }
    previous[b.len()]
}

fn match_case(candidate: &str, original: &str) -> String {
    if original == lower(original) {
        lower(candidate)
    } else if original == upper(original) {
        upper(candidate)
    } else {
        candidate.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::ast::instructions::INSTRUCTION_NAMES as INSTRUCTIONS;

    #[test]
    fn distances() {
        assert_eq!(levenshtein("", ""), 0);
        assert_eq!(levenshtein("mont", "mount"), 1);
        assert_eq!(levenshtein("kitten", "sitting"), 3);
        assert_eq!(levenshtein("tmp", "tmpfs"), 2);
        assert_eq!(levenshtein("über", "uber"), 1);
        assert_eq!(levenshtein("abc", ""), 3);
    }

    #[test]
    fn instruction_suggestions_follow_input_case() {
        assert_eq!(
            search("FNTRYPOINT", INSTRUCTIONS, false).as_deref(),
            Some("ENTRYPOINT")
        );
        assert_eq!(search("foo", INSTRUCTIONS, false).as_deref(), Some("from"));
        assert_eq!(search("Runn", INSTRUCTIONS, false).as_deref(), Some("run"));
        assert_eq!(search("BADCMD", INSTRUCTIONS, false), None);
        // Ties go to the first candidate in the given order.
        assert_eq!(search("AS", INSTRUCTIONS, false).as_deref(), Some("ADD"));
    }

    #[test]
    fn exact_match_means_no_suggestion() {
        assert_eq!(search("run", INSTRUCTIONS, false), None);
        assert_eq!(search("bind", &["bind", "bine"], true), None);
    }

    #[test]
    fn case_sensitive_search() {
        assert_eq!(search("Link", &["link"], true).as_deref(), Some("link"));
        assert_eq!(
            search("foo", &["from", "chown"], true).as_deref(),
            Some("from")
        );
        assert_eq!(search("xyzzy", &["from"], true), None);
        let none: &[&str] = &[];
        assert_eq!(search("foo", none, true), None);
    }
}
