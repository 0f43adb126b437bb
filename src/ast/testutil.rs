//! Test-only construction of line-level nodes by hand, standing in for the syntax parser.
//!
//! Handles one instruction per line, no continuations, no quotes in flags, simple JSON
//! arrays. Spans are byte offsets into the text given (plus the line's offset in a file).

use crate::syntax::{Arg, Heredoc, Node, ParsedFile, RawFlag, Span};

fn words(s: &str, base: usize) -> Vec<(String, Span)> {
    let mut out = Vec::new();
    let mut start = None;
    for (i, c) in s.char_indices().chain(std::iter::once((s.len(), ' '))) {
        match (c.is_whitespace(), start) {
            (true, Some(st)) => {
                out.push((s[st..i].to_string(), Span::new(base + st, base + i)));
                start = None;
            }
            (false, None) => start = Some(i),
            _ => {}
        }
    }
    out
}

fn arg(value: &str, span: Span) -> Arg {
    Arg {
        value: value.to_string(),
        span,
    }
}

/// Builds the node for one instruction line starting at byte `base` of the file.
pub fn node_at(line: &str, base: usize) -> Node {
    let all = words(line, base);
    let (keyword, keyword_span) = all
        .first()
        .cloned()
        .unwrap_or((String::new(), Span::empty_at(base)));
    let flags: Vec<RawFlag> = all
        .iter()
        .skip(1)
        .take_while(|(w, _)| w.starts_with("--"))
        .map(|(w, s)| RawFlag {
            text: w.clone(),
            span: *s,
        })
        .collect();
    let rest_start = flags.last().map_or(keyword_span.end, |f| f.span.end) as usize;
    let rest_raw = &line[rest_start - base..];
    let lead = rest_raw.len() - rest_raw.trim_start().len();
    let rest = rest_raw.trim();
    let rest_base = rest_start + lead;
    let rest_span = Span::new(rest_base, rest_base + rest.len());
    let mut node = Node {
        keyword: keyword.clone(),
        keyword_span,
        flags,
        args: Vec::new(),
        sub: None,
        json: false,
        heredocs: Vec::new(),
        original: line.to_string(),
        span: Span::new(base, base + line.trim_end().len()),
        rest_span,
        comments: Vec::new(),
    };
    let split = |s: &str, b: usize| -> Vec<Arg> {
        words(s, b).into_iter().map(|(w, sp)| arg(&w, sp)).collect()
    };
    match keyword.to_lowercase().as_str() {
        "env" | "label" => node.args = key_values(rest, rest_base),
        "from" | "expose" | "arg" => node.args = split(rest, rest_base),
        "run" | "cmd" | "entrypoint" | "shell" => {
            (node.args, node.json) = maybe_json(rest, rest_span, false);
        }
        "copy" | "add" | "volume" => {
            (node.args, node.json) = maybe_json(rest, rest_span, true);
        }
        "healthcheck" => {
            if let Some((typ, span)) = words(rest, rest_base).into_iter().next() {
                let after = rest[typ.len()..].trim_start();
                let after_base = rest_base + (rest.len() - after.len());
                let after_span = Span::new(after_base, after_base + after.len());
                let (mut cmd, json) = maybe_json(after, after_span, false);
                node.args = vec![arg(&typ, span)];
                node.args.append(&mut cmd);
                node.json = json;
            }
        }
        "onbuild" if !rest.is_empty() => {
            node.sub = Some(Box::new(node_at(rest, rest_base)));
        }
        "maintainer" | "user" | "workdir" | "stopsignal" if !rest.is_empty() => {
            node.args = vec![arg(rest, rest_span)];
        }
        _ => {}
    }
    node
}

fn maybe_json(rest: &str, span: Span, split_words: bool) -> (Vec<Arg>, bool) {
    if rest.starts_with('[') {
        if let Ok(items) = serde_json::from_str::<Vec<String>>(rest) {
            return (items.iter().map(|i| arg(i, span)).collect(), true);
        }
    }
    if rest.is_empty() {
        return (Vec::new(), false);
    }
    if split_words {
        let args = words(rest, span.start as usize)
            .into_iter()
            .map(|(w, s)| arg(&w, s))
            .collect();
        return (args, false);
    }
    (vec![arg(rest, span)], false)
}

/// ENV/LABEL triples: `k=v` words, or the legacy `k rest of line`.
fn key_values(rest: &str, base: usize) -> Vec<Arg> {
    let ws = words(rest, base);
    let mut out = Vec::new();
    match ws.first() {
        None => {}
        Some((first, span)) if !first.contains('=') => {
            let value = rest[first.len()..].trim();
            let vstart = base + rest.len() - value.len();
            out.push(arg(first, *span));
            out.push(arg(value, Span::new(vstart, vstart + value.len())));
            out.push(arg("", Span::empty_at(span.end as usize)));
        }
        Some(_) => {
            for (w, span) in ws {
                let (k, v) = w.split_once('=').unwrap_or((&w, ""));
                let s = span.start as usize;
                out.push(arg(k, Span::new(s, s + k.len())));
                out.push(arg(v, Span::new(s + k.len() + 1, span.end as usize)));
                out.push(arg("=", Span::new(s + k.len(), s + k.len() + 1)));
            }
        }
    }
    out
}

pub fn node(line: &str) -> Node {
    node_at(line, 0)
}

/// A node with a here-document body attached.
pub fn with_heredoc(mut node: Node, name: &str, content: &str, chomp: bool) -> Node {
    let end = node.span.end as usize;
    node.heredocs.push(Heredoc {
        name: name.to_string(),
        file_descriptor: 0,
        expand: true,
        chomp,
        content: content.to_string(),
        span: Span::new(end, end + content.len() + name.len()),
    });
    node
}

/// A file: one instruction per non-blank line; `#` lines become the next node's comments.
pub fn file(text: &str) -> ParsedFile {
    let mut nodes = Vec::new();
    let mut comments = Vec::new();
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let base = offset;
        offset += line.len();
        let trimmed = line.trim_end();
        if trimmed.trim().is_empty() {
            comments.clear();
            continue;
        }
        if let Some(c) = trimmed.trim_start().strip_prefix('#') {
            comments.push(c.trim().to_string());
            continue;
        }
        let mut n = node_at(trimmed, base);
        n.comments = std::mem::take(&mut comments);
        nodes.push(n);
    }
    ParsedFile {
        directives: Vec::new(),
        escape: '\\',
        nodes,
        warnings: Vec::new(),
    }
}
