//! The shell reader on the constructs RUN scripts use.

use super::parse;

fn names(script: &str) -> Vec<String> {
    parse(script).commands.into_iter().map(|c| c.name).collect()
}

fn args(script: &str, n: usize) -> Vec<String> {
    parse(script).commands[n]
        .args
        .iter()
        .map(|a| a.text.clone())
        .collect()
}

#[test]
fn splits_on_control_operators() {
    assert_eq!(
        names("apt-get update && apt-get install -y a; rm -rf /x || true & wait"),
        ["apt-get", "apt-get", "rm", "true", "wait"]
    );
    assert!(!parse("a && b || c").has_pipes);
    assert!(parse("curl x | tar x").has_pipes);
    assert!(parse("a |& b").has_pipes);
}

#[test]
fn removes_quotes_and_simplifies_expansions() {
    assert_eq!(
        args(r#"echo "a b" 'c d' e\ f $HOME "${X:-y}""#, 0),
        ["a b", "c d", "e f", "${HOME}", "${X:-y}"]
    );
    assert_eq!(args("echo $(date) `id`", 0), ["${date}", "${VAR}"]);
    // ShellCheck's pre-order: a command comes before the ones nested in its words.
    assert_eq!(names("echo $(cd /x && pwd)"), ["echo", "cd", "pwd"]);
    assert_eq!(names("A=$(id -u) b $(c) && d"), ["b", "id", "c", "d"]);
}

#[test]
fn arrays_process_substitutions_and_syntax_errors() {
    assert_eq!(
        names("a=(x y) ls; declare -a b=(1 2); pwd"),
        ["ls", "declare", "pwd"]
    );
    assert_eq!(names("diff <(ls a) >(sort)"), ["diff", "ls", "sort"]);
    assert_eq!(names("f () { echo; }; (cd x)"), ["echo", "cd"]);
    // A parenthesis after words does not parse: no command at all, as for hadolint.
    let broken = parse("IF EXIST foo (exit 0) ELSE (exit 1) | x");
    assert!(broken.commands.is_empty() && !broken.has_pipes);
}

#[test]
fn test_expressions_are_not_commands() {
    assert_eq!(
        names("[ -f a ] && [ \"$(cat b)\" = x ] && ls"),
        ["cat", "ls"]
    );
    assert_eq!(
        names("[[ -f a && ( -d b || c < d ) ]] && ls; test -f e"),
        ["ls", "test"]
    );
    assert_eq!(names("if [[ -n $X ]]; then echo y; fi"), ["echo"]);
}

#[test]
fn skips_assignments_redirections_comments_and_keywords() {
    assert_eq!(names("A=1 B=2 make install > /dev/null 2>&1"), ["make"]);
    assert_eq!(args("A=1 make install > /dev/null 2>&1", 0), ["install"]);
    assert_eq!(names("X=1"), Vec::<String>::new());
    assert_eq!(names("# only a comment\nls # trailing"), ["ls"]);
    assert_eq!(
        names("if [ -f x ]; then cd /a; else cd /b; fi"),
        ["cd", "cd"]
    );
    assert_eq!(names("for f in a b c; do echo $f; done"), ["echo"]);
    assert_eq!(names("while true; do sleep 1; done"), ["true", "sleep"]);
    assert_eq!(
        names("case $x in a|b) echo a ;; *) echo b ;; esac; ls"),
        ["echo", "echo", "ls"]
    );
    assert_eq!(names("(cd /x && make) && { ls; }"), ["cd", "make", "ls"]);
    assert_eq!(names("f() { echo hi; }; f"), ["echo", "f"]);
}

#[test]
fn here_documents_are_not_commands() {
    let s = "cat <<EOF > /etc/x\napt-get install foo\nEOF\nls";
    assert_eq!(names(s), ["cat", "ls"]);
    assert_eq!(names("cat <<-'E'\n\tcd /\n\tE\npwd"), ["cat", "pwd"]);
}

#[test]
fn line_continuations_and_flags() {
    let s = parse("apt-get install \\\n  -yq --no-install-recommends=1 -- foo");
    let c = &s.commands[0];
    let flags: Vec<&str> = c.flags.iter().map(|f| f.text.as_str()).collect();
    assert_eq!(flags, ["y", "q", "no-install-recommends"]);
    assert_eq!(c.args_no_flags(), ["install", "--", "foo"]);
}

#[test]
fn wrapper_commands_name_the_real_one() {
    assert_eq!(names("busybox wget x; exec -a n cd /"), ["wget", "cd"]);
    assert_eq!(names("$CMD install x"), Vec::<String>::new());
}

#[test]
fn unterminated_input_does_not_panic() {
    for s in [
        "echo \"abc",
        "echo 'x",
        "echo $(ls",
        "echo ${x",
        "cat <<EOF",
        "a |",
        "`",
        "$",
        "\\",
    ] {
        let _ = parse(s);
    }
}
