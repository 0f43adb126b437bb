//! Which words of each instruction BuildKit expands, and how: the map from the typed AST
//! to [`crate::shell`].
//!
//! BuildKit expands some words through its commands' `Expand` methods, with the stage's
//! environment, and others in its converter: EXPOSE ports with word splitting, ARG
//! defaults only when no build argument overrides them, RUN `--mount` values, here-document
//! bodies without quote processing, FROM's image and `--platform` with the ARGs declared
//! before the first FROM. [`Instruction::expandable_words`] lists them in the order
//! BuildKit expands them; it expands nothing itself. RUN, CMD, ENTRYPOINT, SHELL,
//! HEALTHCHECK, MAINTAINER and ONBUILD words are left to the shell or stored as written;
//! COPY `--from` is not expanded at all (BuildKit rejects a variable there when lowering).

use serde::Serialize;

use super::instructions::{FromInstruction, Instruction, SourceContent};
use super::Spanned;
use crate::syntax::Span;

/// How BuildKit expands a word.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ExpandKind {
    /// One word with the stage environment (`Lexer::process_word`).
    Word,
    /// Expanded and split into several words (`Lexer::process_words`): EXPOSE ports.
    Words,
    /// An ARG default: expanded with the stage environment, but only when no build
    /// argument gives the ARG a value.
    ArgDefault,
    /// A here-document body: expanded by a `\` lexer that keeps quotes as they are
    /// (`skip_process_quotes`), only when the delimiter was not quoted.
    HeredocBody,
    /// FROM's image and `--platform`: expanded with the ARGs declared before the first
    /// FROM (plus the predefined platform ARGs), not with any stage's environment.
    MetaArgs,
}

/// One word BuildKit expands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct ExpandableWord<'a> {
    /// What the word is (`"dest"`, `"chown"`, `"key"`, `"mount target"`, ...).
    pub role: &'static str,
    pub text: &'a str,
    pub span: Span,
    pub kind: ExpandKind,
}

fn word<'a>(role: &'static str, w: &'a Spanned<String>, kind: ExpandKind) -> ExpandableWord<'a> {
    ExpandableWord {
        role,
        text: &w.value,
        span: w.span,
        kind,
    }
}

fn bodies<'a>(out: &mut Vec<ExpandableWord<'a>>, heredocs: &'a [SourceContent]) {
    for h in heredocs.iter().filter(|h| h.expand) {
        out.push(ExpandableWord {
            role: "heredoc body",
            text: &h.data,
            span: h.body_span.unwrap_or(h.span),
            kind: ExpandKind::HeredocBody,
        });
    }
}

impl Instruction {
    /// The words BuildKit expands for this instruction, in the order it expands them.
    pub fn expandable_words(&self) -> Vec<ExpandableWord<'_>> {
        use ExpandKind::*;
        let mut out = Vec::new();
        match self {
            Instruction::Env(i) => {
                for p in &i.pairs {
                    out.push(word("key", &p.key, Word));
                    out.push(word("value", &p.value, Word));
                }
            }
            Instruction::Label(i) => {
                for p in &i.pairs {
                    out.push(word("key", &p.key, Word));
                    out.push(word("value", &p.value, Word));
                }
            }
            Instruction::Add(i) => {
                out.extend(i.chown.iter().map(|w| word("chown", w, Word)));
                out.extend(i.chmod.iter().map(|w| word("chmod", w, Word)));
                out.extend(i.checksum.iter().map(|w| word("checksum", w, Word)));
                out.extend(i.sources.iter().map(|w| word("source", w, Word)));
                out.push(word("dest", &i.dest, Word));
                bodies(&mut out, &i.heredocs);
            }
            Instruction::Copy(i) => {
                out.extend(i.chown.iter().map(|w| word("chown", w, Word)));
                out.extend(i.chmod.iter().map(|w| word("chmod", w, Word)));
                out.extend(i.sources.iter().map(|w| word("source", w, Word)));
                out.push(word("dest", &i.dest, Word));
                bodies(&mut out, &i.heredocs);
            }
            Instruction::Workdir(i) => out.push(word("path", &i.path, Word)),
            Instruction::User(i) => out.push(word("user", &i.user, Word)),
            Instruction::Volume(i) => out.extend(i.volumes.iter().map(|w| word("volume", w, Word))),
            Instruction::Stopsignal(i) => out.push(word("signal", &i.signal, Word)),
            Instruction::Run(i) => {
                for field in i.mounts.iter().flat_map(|m| &m.fields) {
                    if let Some(v) = &field.value {
                        out.push(word("mount value", v, Word));
                    }
                }
            }
            Instruction::Expose(i) => out.extend(i.ports.iter().map(|w| word("port", w, Words))),
            Instruction::Arg(i) => out.extend(
                i.args
                    .iter()
                    .filter_map(|a| a.value.as_ref())
                    .map(|v| word("default", v, ArgDefault)),
            ),
            Instruction::Cmd(_)
            | Instruction::Entrypoint(_)
            | Instruction::Shell(_)
            | Instruction::Healthcheck(_)
            | Instruction::Maintainer(_)
            | Instruction::Onbuild(_) => {}
        }
        out
    }
}

impl FromInstruction {
    /// FROM's image and `--platform`, expanded with the meta ARGs.
    pub fn expandable_words(&self) -> Vec<ExpandableWord<'_>> {
        let mut out = vec![word("image", &self.base, ExpandKind::MetaArgs)];
        out.extend(
            self.platform
                .iter()
                .map(|p| word("platform", p, ExpandKind::MetaArgs)),
        );
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(src: &str) -> Vec<(String, &'static str, ExpandKind)> {
        let file = crate::parse(src).expect("test Dockerfile parses");
        file.stages
            .iter()
            .flat_map(|s| {
                let from = s.from.expandable_words().into_iter();
                from.chain(s.instructions.iter().flat_map(|i| i.expandable_words()))
                    .map(|w| (w.text.to_string(), w.role, w.kind))
                    .collect::<Vec<_>>()
            })
            .collect()
    }

    #[test]
    fn lists_what_buildkit_expands() {
        use ExpandKind::*;
        let got = words(concat!(
            "FROM --platform=$P img:$V\n",
            "ENV a=$b\n",
            "COPY --from=$X --chown=$U --chmod=$M src$S /dst$D\n",
            "EXPOSE $PORTS\n",
            "ARG x=$y\n",
            "RUN --mount=type=cache,target=$T echo $NOT\n",
            "CMD echo $NOT\n",
            "COPY <<EOF <<'RAW' /d/\n$body\nEOF\n$raw\nRAW\n",
        ));
        let want: Vec<(String, &str, ExpandKind)> = vec![
            ("img:$V".into(), "image", MetaArgs),
            ("$P".into(), "platform", MetaArgs),
            ("a".into(), "key", Word),
            ("$b".into(), "value", Word),
            ("$U".into(), "chown", Word),
            ("$M".into(), "chmod", Word),
            ("src$S".into(), "source", Word),
            ("/dst$D".into(), "dest", Word),
            ("$PORTS".into(), "port", Words),
            ("$y".into(), "default", ArgDefault),
            ("cache".into(), "mount value", Word),
            ("$T".into(), "mount value", Word),
            ("/d/".into(), "dest", Word),
            ("$body\n".into(), "heredoc body", HeredocBody),
        ];
        assert_eq!(got, want);
    }

    #[test]
    fn spans_point_at_the_words() {
        let src = "FROM a\nWORKDIR /app/$X\n";
        let file = crate::parse(src).unwrap();
        let w = file.stages[0].instructions[0].expandable_words();
        assert_eq!(&src[w[0].span.range()], "/app/$X");
    }
}
