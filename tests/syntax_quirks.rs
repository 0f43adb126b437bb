//! Corner cases of BuildKit's line parser, each with the dump BuildKit itself produced for
//! it (recorded with BuildKit v0.32's parser): continuation and escape rules, CR handling,
//! directives, flag and argument splitting, Unicode white space.

const ERROR: &str = "<error>";

const CASES: &[(&str, &str, &str)] = &[
    (
        "arg-forms",
        "ARG a b=c \"d e\"=f\nFROM alpine\n",
        "(arg \"a\" \"b=c\" \"\\\"d e\\\"=f\")\n(from \"alpine\")\n",
    ),
    (
        "bom-directive",
        "\u{feff}# escape=`\nFROM alpine\nRUN a `\n b\n",
        "(from \"alpine\")\n(run \"a  b\")\n",
    ),
    (
        "comment-in-continuation-with-escape",
        "FROM alpine\nRUN a \\\n# comment \\\n b\n",
        "(from \"alpine\")\n(run \"a  b\")\n",
    ),
    (
        "comment-indented-drop-first-char",
        "  # indented comment\nFROM alpine\n",
        "(from \"alpine\")\n",
    ),
    (
        "continuation-at-eof-comment",
        "FROM alpine\nRUN a \\\n# c\n",
        "(from \"alpine\")\n(run \"a\")\n",
    ),
    (
        "cr-before-continuation",
        "FROM alpine\nRUN echo a\\\r\r\n b\n",
        "(from \"alpine\")\n(run \"echo a b\")\n",
    ),
    (
        "cr-in-middle",
        "FROM alpine\nRUN echo a\rb\n",
        "(from \"alpine\")\n(run \"echo a\\rb\")\n",
    ),
    (
        "directive-after-blank",
        "\n# escape=`\nFROM alpine\nRUN a \\\n b\n",
        "(from \"alpine\")\n(run \"a  b\")\n",
    ),
    (
        "directive-case",
        "# ESCAPE = `\nFROM alpine\nRUN a `\n b\n",
        "(from \"alpine\")\n(run \"a  b\")\n",
    ),
    (
        "directive-indented",
        "   #   escape=`\nFROM alpine\nRUN a `\n b\n",
        "(from \"alpine\")\n(run \"a  b\")\n",
    ),
    (
        "directive-unknown-stops",
        "# foo=bar\n# escape=`\nFROM alpine\nRUN a \\\n b\n",
        "(from \"alpine\")\n(run \"a  b\")\n",
    ),
    (
        "double-escape-no-continue",
        "FROM alpine\nRUN echo a\\\\\nRUN echo b\n",
        "(from \"alpine\")\n(run \"echo a\\\\\\\\\")\n(run \"echo b\")\n",
    ),
    (
        "empty-continuation-lines",
        "FROM alpine\nRUN a \\\n\n   \n b\n",
        "(from \"alpine\")\n(run \"a  b\")\n",
    ),
    (
        "env-legacy-tabs",
        "FROM alpine\nENV a\t b  c\n",
        "(from \"alpine\")\n(env \"a\" \"b  c\" \"\")\n",
    ),
    (
        "env-quotes",
        "FROM alpine\nENV a=\"b c\" d='e f' g=h\\ i\n",
        "(from \"alpine\")\n(env \"a\" \"\\\"b c\\\"\" \"=\" \"d\" \"'e f'\" \"=\" \"g\" \"h\\\\ i\" \"=\")\n",
    ),
    (
        "escape-then-spaces",
        "FROM alpine\nRUN echo a \\  \t\n  b\n",
        "(from \"alpine\")\n(run \"echo a   b\")\n",
    ),
    (
        "expose-tabs",
        "FROM alpine\nEXPOSE 80\t\t443 \u{a0} 8080\n",
        "(from \"alpine\")\n(expose \"80\" \"443\" \"\\u00a0\" \"8080\")\n",
    ),
    (
        "flags-double-dash",
        "FROM alpine\nCOPY --a -- --b c\n",
        "(from \"alpine\")\n(copy [\"--a\"] \"--b\" \"c\")\n",
    ),
    (
        "flags-latin1",
        "FROM alpine\nCOPY --chown=josé a b\n",
        "(from \"alpine\")\n(copy [\"--chown=josÃ©\"] \"a\" \"b\")\n",
    ),
    (
        "flags-only",
        "FROM alpine\nRUN --network=none\n",
        "(from \"alpine\")\n(run [\"--network=none\"])\n",
    ),
    (
        "flags-quoted",
        "FROM alpine\nCOPY --chown=\"a b\" --x='c\\'d' e f\n",
        "(from \"alpine\")\n(copy [\"--chown=a b\" \"--x=c'd\"] \"e\" \"f\")\n",
    ),
    (
        "healthcheck-json",
        "FROM alpine\nHEALTHCHECK --retries=3 CMD [\"a\", \"b\"]\n",
        "(from \"alpine\")\n(healthcheck [\"--retries=3\"] \"CMD\" \"a\" \"b\")\n",
    ),
    (
        "healthcheck-none",
        "FROM alpine\nHEALTHCHECK NONE\n",
        "(from \"alpine\")\n(healthcheck \"NONE\")\n",
    ),
    (
        "indented-comment-in-continuation",
        "FROM alpine\nRUN a \\\n    # indented\n  b\n",
        "(from \"alpine\")\n(run \"a   b\")\n",
    ),
    (
        "json-empty",
        "FROM alpine\nCMD []\n",
        "(from \"alpine\")\n(cmd)\n",
    ),
    (
        "json-escapes",
        "FROM alpine\nCMD [\"a\\u0000b\", \"\\/x\", \"\\t\"]\n",
        "(from \"alpine\")\n(cmd \"a\\x00b\" \"/x\" \"\\t\")\n",
    ),
    (
        "json-nbsp-prefix",
        "FROM alpine\nCMD \u{a0}[\"a\"]\n",
        "(from \"alpine\")\n(cmd \"a\")\n",
    ),
    (
        "json-trailing-garbage",
        "FROM alpine\nCMD [\"a\"] b\n",
        "(from \"alpine\")\n(cmd \"[\\\"a\\\"] b\")\n",
    ),
    (
        "keyword-only-spaces",
        "FROM alpine\nRUN   \n",
        "(from \"alpine\")\n(run)\n",
    ),
    (
        "label-empty-value",
        "FROM alpine\nLABEL a= b=\"\"\n",
        "(from \"alpine\")\n(label \"a\" \"\" \"=\" \"b\" \"\\\"\\\"\" \"=\")\n",
    ),
    (
        "lone-continuation",
        "\\\nFROM alpine\n",
        "(from \"alpine\")\n",
    ),
    (
        "nel-space",
        "FROM alpine\nRUN\u{85}echo\n",
        "(from \"alpine\")\n(run\u{85}echo \"\")\n",
    ),
    (
        "onbuild-empty",
        "FROM alpine\nONBUILD\n",
        "(from \"alpine\")\n(onbuild)\n",
    ),
    (
        "onbuild-flags",
        "FROM alpine\nONBUILD --x COPY --from=a b c\n",
        "(from \"alpine\")\n(onbuild [\"--x\"] (copy [\"--from=a\"] \"b\" \"c\"))\n",
    ),
    (
        "syntax-then-escape",
        "# syntax=docker/dockerfile:1\n# escape=`\nFROM alpine\nRUN a `\n b\n",
        "(from \"alpine\")\n(run \"a  b\")\n",
    ),
    (
        "triple-escape",
        "FROM alpine\nRUN echo a\\\\\\\nRUN echo b\n",
        "(from \"alpine\")\n(run \"echo a\\\\\\\\\\\\\")\n(run \"echo b\")\n",
    ),
    (
        "unknown-keyword-unicode",
        "FROM alpine\nÉTAPE foo\n",
        "(from \"alpine\")\n(étape \"\")\n",
    ),
    (
        "volume-json",
        "FROM alpine\nVOLUME [\"/a\", \"/b\"]\n",
        "(from \"alpine\")\n(volume \"/a\" \"/b\")\n",
    ),
    (
        "vt-ff",
        "FROM\u{b}alpine\nRUN\u{c}echo\n",
        "(from \"alpine\")\n(run \"echo\")\n",
    ),
];

#[test]
fn corner_cases_dump_like_buildkit() {
    let mut failures = Vec::new();
    for (name, src, expected) in CASES {
        let p = dfc::syntax::parse(src);
        let got = if p.errors.is_empty() {
            dfc::syntax::dump::dump_file(&p.file)
        } else {
            ERROR.to_string()
        };
        if got != *expected {
            failures.push(format!(
                "{name}:\n  expected {expected:?}\n  got      {got:?}"
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases differ:\n{}",
        failures.len(),
        CASES.len(),
        failures.join("\n")
    );
}
