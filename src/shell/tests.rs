//! Focused tests of what BuildKit's tables (run by `tests/shell_tables.rs`) do not cover: the
//! options, the backtick escape, look-up reporting, heredoc delimiters, error texts and spans,
//! the kept quirks, and a property test that no input makes any entry point panic.
//!
//! Expected values were checked against BuildKit's lexer.

use std::collections::BTreeSet;

use proptest::prelude::*;

use super::*;

fn env() -> EnvMap {
    EnvMap::new()
        .with("a", "1")
        .with("sp", "x  y")
        .with("empty", "")
        .with("path", "/usr/local/bin")
        .with("file", "archive.tar.gz")
}

fn word(lexer: &Lexer, input: &str) -> String {
    lexer
        .process_word(input, &env())
        .unwrap_or_else(|e| panic!("{input:?}: {e}"))
}

fn words(lexer: &Lexer, input: &str) -> Vec<String> {
    lexer
        .process_words(input, &env())
        .unwrap_or_else(|e| panic!("{input:?}: {e}"))
}

fn err(lexer: &Lexer, input: &str) -> ShellError {
    match lexer.process_word(input, &env()) {
        Ok(w) => panic!("{input:?}: expected an error, got {w:?}"),
        Err(e) => e,
    }
}

fn set(names: &[&str]) -> BTreeSet<String> {
    names.iter().map(|s| s.to_string()).collect()
}

#[test]
fn defaults() {
    let lx = Lexer::new('\\');
    assert_eq!(lx, Lexer::default());
    assert_eq!(word(&lx, r#"'$a' "$a" $a \$a"#), "$a 1 1 $a");
    assert_eq!(word(&lx, r#""a\b\"\$\\""#), r#"a\b"$\"#);
    assert_eq!(word(&lx, "abc\\"), "abc", "a trailing escape is dropped");
    assert_eq!(word(&lx, "$ $. $-x ${a}b"), "$ $. x 1b");
    assert_eq!(
        word(&lx, "\u{feff}a\u{feff}"),
        "a\u{feff}",
        "only a leading BOM goes"
    );
}

#[test]
fn special_parameters_and_digit_names() {
    let lx = Lexer::new('\\');
    let env = EnvMap::new()
        .with("1", "one")
        .with("12", "twelve")
        .with("@", "at")
        .with("#", "hash");
    let w = |s: &str| lx.process_word(s, &env).unwrap();
    assert_eq!(w("$1x"), "onex");
    assert_eq!(w("$12x"), "twelvex");
    assert_eq!(w("$@x ${@} ${#} $#"), "atx at hash hash");
    assert_eq!(w("$0 $?"), " ");
    // A digit name ends at the first non-digit, which is then taken as a modifier.
    assert!(lx.process_word("${1a}", &env).is_err());
}

#[test]
fn raw_quotes_keeps_quote_characters() {
    let mut lx = Lexer::new('\\');
    lx.raw_quotes = true;
    assert_eq!(word(&lx, r#"'$a'"$a"x"#), r#"'$a'"1"x"#);
    assert_eq!(words(&lx, r#"a "b c" 'd e'"#), ["a", "\"b c\"", "'d e'"]);
}

#[test]
fn raw_escapes_keeps_escape_characters() {
    let mut lx = Lexer::new('\\');
    lx.raw_escapes = true;
    assert_eq!(word(&lx, r"a\ b\$a\\"), r"a\ b\$a\\");
    assert_eq!(word(&lx, r#""\$a\"""#), r#"\$a\""#);
    // An escape that escapes nothing inside double quotes is written twice.
    assert_eq!(word(&lx, r#""\q""#), r"\\q");
    // Escapes are processed in the word of `-`, `+`, `?` regardless.
    assert_eq!(word(&lx, r"${nope:-a\b}"), "ab");
    assert_eq!(word(&lx, "abc\\"), "abc\\");
    assert_eq!(words(&lx, r"a\ b c"), [r"a\ b", "c"]);
}

#[test]
fn skip_unset_env_leaves_references() {
    let mut lx = Lexer::new('\\');
    lx.skip_unset_env = true;
    assert_eq!(word(&lx, "$u ${u} $a ${a}"), "$u ${u} 1 1");
    assert_eq!(word(&lx, "${u:-$a} ${u+'x y'}"), "${u:-1} ${u+x y}");
    assert_eq!(word(&lx, "${u:?} ${u?boom}"), "${u:?} ${u?boom}");
    assert_eq!(word(&lx, "${u//a/b} ${u#x}"), "${u/a/b} ${u#x}");
    assert_eq!(
        word(&lx, "${u:x}y}"),
        "${u:x}y}",
        "written back before the check"
    );
    assert!(lx.process_word("${a:x}", &env()).is_err());
    assert_eq!(word(&lx, "${empty:-d}"), "d", "set but empty is not unset");
}

#[test]
fn skip_process_quotes_makes_quotes_ordinary() {
    let mut lx = Lexer::new('\\');
    lx.skip_process_quotes = true;
    assert_eq!(word(&lx, r#"'$a' "$a""#), r#"'1' "1""#);
    assert_eq!(word(&lx, "it's"), "it's");
    assert_eq!(words(&lx, "'a b'"), ["'a", "b'"]);
}

#[test]
fn backtick_escape() {
    let lx = Lexer::new('`');
    assert_eq!(word(&lx, r"C:\path\$a"), r"C:\path\1");
    assert_eq!(word(&lx, "``$a`$a"), "`1$a");
    assert_eq!(word(&lx, r#""`"`$a``x`y""#), r#""$a`x`y"#);
    assert_eq!(words(&lx, "a` b c"), ["a b", "c"]);
    assert_eq!(word(&lx, "${u:-a`}b}"), "a}b");
    // Inside patterns a backtick is an ordinary character, a backslash still escapes.
    assert_eq!(word(&lx, r"${path#\/usr}"), "/local/bin");
}

#[test]
fn matched_and_unmatched_names() {
    let lx = Lexer::new('\\');
    let e = |input: &str, env: &EnvMap| lx.process_word_with_matches(input, env).unwrap();

    let empty = EnvMap::new();
    let r = e("${a:-$b}", &empty);
    assert_eq!(r.result, "");
    assert!(r.matched.is_empty());
    assert_eq!(
        r.unmatched,
        set(&["a", "b"]),
        "the default word is expanded eagerly"
    );

    let only_a = EnvMap::new().with("a", "A");
    let r = e("${a:-$b}", &only_a);
    assert_eq!(r.result, "A");
    assert_eq!((r.matched, r.unmatched), (set(&["a"]), set(&["b"])));

    let env = EnvMap::new().with("FOO", "xxx").with("BAR", "");
    let r = e("${FOO:+aaa} ${BAR:+bbb} ${BAZ:+ccc}", &env);
    assert_eq!(r.result, "aaa  ");
    assert_eq!(r.matched, set(&["BAR", "FOO"]));
    assert_eq!(r.unmatched, set(&["BAZ"]));
    assert_eq!(r.words, ["aaa"]);

    let r = e("x $$ $1 '$q' \"$q\"", &env);
    // `$$` looks up the special parameter `$`; single-quoted names are not looked up.
    assert_eq!(r.unmatched, set(&["$", "1", "q"]));

    let r = e("${FOO/$NEEDLE/$REPL}", &env);
    assert_eq!(r.matched, set(&["FOO"]));
    assert_eq!(r.unmatched, set(&["NEEDLE", "REPL"]));
}

#[test]
fn process_word_agrees_with_process_word_with_matches() {
    let lx = Lexer::new('\\');
    for input in ["a $sp b", "\"$sp\" '$a'", "${sp// /_}", "<<EOF x"] {
        let full = lx.process_word_with_matches(input, &env()).unwrap();
        assert_eq!(full.result, word(&lx, input));
        assert_eq!(full.words, words(&lx, input));
    }
}

#[test]
fn heredoc_delimiters() {
    // As BuildKit's parser reads a heredoc delimiter word.
    let mut lx = Lexer::new('\\');
    lx.skip_unset_env = true;
    assert_eq!(words(&lx, r#"<<"EOF""#), ["<<EOF"]);
    lx.raw_quotes = true;
    assert_eq!(words(&lx, r#"<<"EOF""#), [r#"<<"EOF""#]);
    assert_eq!(words(&lx, "<<'EOF'"), ["<<'EOF'"]);
    assert_eq!(words(&lx, "<<-EOT"), ["<<-EOT"]);
    // As BuildKit splits a whole instruction line to find heredocs.
    lx.raw_escapes = true;
    assert_eq!(
        words(&lx, "cat <<EOF > $out << \tEND <x"),
        ["cat", "<<EOF", ">", "$out", "<< \tEND", "<x"]
    );
}

#[test]
fn words_lose_text_before_an_operator_expansion() {
    // BuildKit quirk: the pending word is cleared by nested `${…<op>…}` processing.
    let lx = Lexer::new('\\');
    assert_eq!(word(&lx, "abc${x:-d}e"), "abcde");
    assert_eq!(words(&lx, "abc${x:-d}e"), ["de"]);
    assert_eq!(words(&lx, r#"z ab"${x:-c}""#), ["z", "c"]);
    assert_eq!(
        words(&lx, "ab${a}c"),
        ["ab1c"],
        "plain ${{a}} is not affected"
    );
    assert_eq!(words(&lx, "x $sp y"), ["x", "x", "y", "y"]);
    assert_eq!(words(&lx, "'' a \"\""), ["a"]);
    assert_eq!(words(&lx, "a\u{a0}b\u{3000}c"), ["a", "b", "c"]);
}

#[test]
fn patterns() {
    let lx = Lexer::new('\\');
    assert_eq!(word(&lx, "${file#*.} ${file##*.}"), "tar.gz gz");
    assert_eq!(word(&lx, "${file%.*} ${file%%.*}"), "archive.tar archive");
    assert_eq!(
        word(&lx, "${path/\\/usr/} ${path//\\//:}"),
        "/local/bin :usr:local:bin"
    );
    assert_eq!(
        word(&lx, "${file/[a]/x}"),
        "archive.tar.gz",
        "no bracket expressions"
    );
    let env = EnvMap::new()
        .with("v", "banana")
        .with("r", "<$0>")
        .with("nl", "a\nb");
    let w = |s: &str| lx.process_word(s, &env).unwrap();
    assert_eq!(
        w("${v//a/$r}"),
        "b<a>n<a>n<a>",
        "Go template in replace-all"
    );
    assert_eq!(w("${v/a/$r}"), "b<$0>nana", "literal in replace-first");
    assert_eq!(
        w("${nl#*b} ${nl%a*}"),
        "a\nb a\nb",
        "`*` does not cross newlines"
    );
    assert_eq!(
        w("${v#\"b\"*}"),
        "anana",
        "quotes inside patterns are removed"
    );
}

#[test]
fn error_messages_and_spans() {
    let lx = Lexer::new('\\');
    let cases: &[(&str, &str, (usize, usize))] = &[
        (
            "a'bc",
            "unexpected end of statement while looking for matching single-quote",
            (1, 3),
        ),
        (
            "\"x",
            "unexpected end of statement while looking for matching double-quote",
            (0, 2),
        ),
        (
            "x${a",
            "unsupported modifier (\u{FFFD}) in substitution",
            (1, 3),
        ),
        ("${", "syntax error: missing '}'", (0, 2)),
        ("${a:-b", "syntax error: missing '}'", (0, 6)),
        ("${a:-'b}", "syntax error: missing '}'", (0, 8)),
        ("${a/b", "syntax error: missing '/' in ${}", (0, 5)),
        ("${a/b/c", "syntax error: missing '}'", (0, 7)),
        ("${}", "syntax error: bad substitution", (0, 3)),
        ("${:a}", "syntax error: bad substitution", (0, 3)),
        (
            "${a:=b}",
            "unsupported modifier (:=) in substitution",
            (0, 7),
        ),
        (
            "${a:#b}",
            "unsupported modifier (:#) in substitution",
            (0, 5),
        ),
        ("${a!}", "unsupported modifier (!) in substitution", (0, 4)),
        ("${u?}", "u: is not allowed to be unset", (0, 5)),
        ("${u:?custom $a}", "u: custom 1", (0, 15)),
        ("${empty:?}", "empty: is not allowed to be empty", (0, 10)),
        (
            "${a#\\x}",
            "invalid pattern (\\x) in substitution: invalid escape '\\x'",
            (0, 7),
        ),
        (
            "${a%ab\\q}",
            "invalid pattern (\\qba) in substitution: invalid escape '\\q'",
            (0, 9),
        ),
        ("${a/\\/x}", "syntax error: missing '/' in ${}", (0, 8)),
        ("${a:-${b?}}", "b: is not allowed to be unset", (5, 5)),
        ("${a:-${b?}", "syntax error: missing '}'", (0, 10)),
    ];
    for &(input, reason, (offset, len)) in cases {
        let e = err(&lx, input);
        assert_eq!(e.reason(), reason, "{input:?}");
        assert_eq!(
            e.to_string(),
            format!("failed to process {}: {reason}", go_quote(input))
        );
        assert_eq!(e.word(), input);
        assert_eq!(
            (e.span().offset(), e.span().len()),
            (offset, len),
            "{input:?}"
        );
    }
    assert!(matches!(
        err(&lx, "${u?}"),
        ShellError::VariableUnset { message: None, .. }
    ));
    let e = err(&lx, "\t\"\u{1}");
    assert_eq!(
        e.to_string(),
        "failed to process \"\\t\\\"\\x01\": unexpected end of statement while looking for matching double-quote"
    );
}

#[test]
fn mandatory_variables() {
    let lx = Lexer::new('\\');
    let set_ = EnvMap::from_kv_strings(["VAR=plain", "ARG=x"]);
    let empty = EnvMap::from_kv_strings(["VAR=", "ARG=x"]);
    let unset = EnvMap::from_kv_strings(["ARG=x"]);
    let no_empty = "${VAR:?message here$ARG}";
    let no_unset = "${VAR?message here$ARG}";
    assert_eq!(lx.process_word(no_empty, &set_).unwrap(), "plain");
    for env in [&empty, &unset] {
        let e = lx.process_word(no_empty, env).unwrap_err();
        assert!(e.to_string().ends_with("VAR: message herex"), "{e}");
    }
    assert_eq!(lx.process_word(no_unset, &set_).unwrap(), "plain");
    assert_eq!(lx.process_word(no_unset, &empty).unwrap(), "");
    assert!(lx.process_word(no_unset, &unset).is_err());
}

#[test]
fn diagnostics_render() {
    let e = err(&Lexer::new('\\'), "echo ${a:-x");
    let report = format!("{:?}", miette::Report::new(e));
    assert!(report.contains("missing"), "{report}");
}

fn lexer_strategy() -> impl Strategy<Value = Lexer> {
    (
        prop_oneof![Just('\\'), Just('`'), any::<char>()],
        any::<[bool; 4]>(),
    )
        .prop_map(|(escape, [q, e, p, u])| Lexer {
            escape,
            raw_quotes: q,
            raw_escapes: e,
            skip_process_quotes: p,
            skip_unset_env: u,
        })
}

fn word_strategy() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        4 => "[${}:#%/?*+\\-\\\\`'\"<a-c_0-9 \t\n]",
        1 => Just("${".to_owned()),
        1 => Just("\u{feff}".to_owned()),
        1 => any::<char>().prop_map(String::from),
        1 => "\\PC{0,3}",
    ];
    prop::collection::vec(piece, 0..24).prop_map(|v| v.concat())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    /// No input, option set or environment makes any entry point panic, and the three entry
    /// points agree with each other.
    #[test]
    fn never_panics(lx in lexer_strategy(), input in word_strategy(), value in word_strategy()) {
        let env = EnvMap::new().with("a", value.clone()).with("b", "").with("0", value);
        let full = lx.process_word_with_matches(&input, &env);
        let single = lx.process_word(&input, &env);
        let split = lx.process_words(&input, &env);
        match full {
            Ok(full) => {
                prop_assert_eq!(single.ok(), Some(full.result));
                prop_assert_eq!(split.ok(), Some(full.words));
                prop_assert!(full.matched.is_disjoint(&full.unmatched));
            }
            Err(e) => {
                prop_assert_eq!(single.err(), Some(e.clone()));
                prop_assert!(split.is_err());
                let span = e.span();
                prop_assert!(span.offset() + span.len() <= input.len());
                prop_assert!(input.is_char_boundary(span.offset()));
            }
        }
    }

    /// Text without any special character comes back unchanged.
    #[test]
    fn plain_text_is_unchanged(input in "[a-zA-Z0-9 ./=:,é한-]{0,40}") {
        let lx = Lexer::new('\\');
        prop_assert_eq!(lx.process_word(&input, &EnvMap::new()).unwrap(), input.clone());
        let expected: Vec<String> = input.split_whitespace().map(str::to_owned).collect();
        prop_assert_eq!(lx.process_words(&input, &EnvMap::new()).unwrap(), expected);
    }
}
