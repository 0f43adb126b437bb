//! The shell script of a RUN as the rules read it, and where each of its bytes is written
//! in the Dockerfile (so a finding can point at one command or word).
//!
//! The script is the instruction's logical line (continuations and comment lines removed),
//! plus the bodies of its here-documents when they are what the shell runs. The exec form
//! has no position map: findings there point at the whole argument list.

use super::shell::{self, Script};
use crate::syntax::{Node, Span};

/// The script of the RUN `node` of the file `source`.
pub fn read(source: &str, node: &Node) -> Script {
    let line: Vec<&str> = node.args.iter().map(|a| a.value.as_str()).collect();
    let mut script = shell::parse(&line.join(" "));
    script.offsets = match (node.json, node.args.as_slice()) {
        (false, [only]) => align(&only.value, source, only.span),
        _ => vec![None; script.original.len()],
    };
    let shells = ["sh", "bash", "ash", "dash", "zsh", "ksh"];
    let runs_body = script.commands.is_empty()
        || script.commands.iter().all(|c| {
            let base = c.name.rsplit('/').next().unwrap_or("");
            shells.contains(&base) && !c.has_flag("c")
        });
    if runs_body {
        for heredoc in &node.heredocs {
            let body = shell::parse(&heredoc.content);
            let shift = script.original.len() + 1;
            script.has_pipes |= body.has_pipes;
            script
                .commands
                .extend(body.commands.into_iter().map(|mut c| {
                    c.range = c.range.start + shift..c.range.end + shift;
                    for part in c.args.iter_mut().chain(c.flags.iter_mut()) {
                        part.range = part.range.start + shift..part.range.end + shift;
                    }
                    c
                }));
            script.original.push('\n');
            script.original.push_str(&heredoc.content);
            script.offsets.push(None);
            script
                .offsets
                .extend(align(&heredoc.content, source, heredoc.span));
        }
    }
    script
}

/// For each byte of `text`, its offset in `source[span]`, reading `text` as what is left
/// of that source after characters were removed (line continuations, comment lines,
/// stripped tabs): each byte is matched to the next equal source byte. Bytes past a
/// failed match are unknown.
fn align(text: &str, source: &str, span: Span) -> Vec<Option<u32>> {
    let written = source.as_bytes().get(span.range()).unwrap_or(&[]);
    let mut out = Vec::with_capacity(text.len());
    let mut at = 0usize;
    for &b in text.as_bytes() {
        match written[at.min(written.len())..]
            .iter()
            .position(|&s| s == b)
        {
            Some(skip) => {
                at += skip;
                out.push(Some(span.start + at as u32));
                at += 1;
            }
            None => {
                out.resize(text.len(), None);
                break;
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::align;
    use crate::syntax::Span;

    #[test]
    fn aligns_a_joined_line_with_its_source() {
        let source = "RUN a \\\n  b";
        let map = align("a   b", source, Span::new(4, source.len()));
        let at: Vec<u32> = map.into_iter().map(|o| o.unwrap()).collect();
        assert_eq!(at, [4, 5, 8, 9, 10]);
        assert_eq!(align("xyz", "abc", Span::new(0, 3)), [None, None, None]);
    }
}
