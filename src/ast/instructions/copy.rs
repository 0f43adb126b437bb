//! `COPY` and `ADD`: flags, sources (paths and here-documents) and the destination.
//!
//! BuildKit's order: fewer than two arguments fails first, then the flags, then a
//! here-document word as destination (`COPY cannot accept a heredoc as a destination`).
//! Sources that are here-document words (also in JSON form) become [`SourceContent`]s
//! holding the matching body (chomped for `<<-`); the other sources stay paths. Flag
//! values (`--chmod`, `--from`, `--checksum`, ...) are checked only at lowering.

use serde::Serialize;

use crate::ast::error::AstError;
use crate::ast::flags::{ADD_FLAGS, COPY_FLAGS};
use crate::ast::Spanned;
use crate::syntax::heredoc::parse_marker;
use crate::syntax::{Arg, Span};

use super::common::{spanned, Request};

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CopyInstruction {
    pub keyword: Spanned<String>,
    pub from: Option<Spanned<String>>,
    pub chown: Option<Spanned<String>>,
    pub chmod: Option<Spanned<String>>,
    pub link: Option<Spanned<bool>>,
    pub parents: Option<Spanned<bool>>,
    pub exclude: Vec<Spanned<String>>,
    /// Source paths, unexpanded, in order (here-document sources excluded).
    pub sources: Vec<Spanned<String>>,
    /// Here-document sources, in order.
    pub heredocs: Vec<SourceContent>,
    pub dest: Spanned<String>,
    /// The arguments were a JSON array.
    pub json: bool,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct AddInstruction {
    pub keyword: Spanned<String>,
    pub chown: Option<Spanned<String>>,
    pub chmod: Option<Spanned<String>>,
    pub link: Option<Spanned<bool>>,
    pub keep_git_dir: Option<Spanned<bool>>,
    pub checksum: Option<Spanned<String>>,
    pub unpack: Option<Spanned<bool>>,
    pub exclude: Vec<Spanned<String>>,
    pub sources: Vec<Spanned<String>>,
    pub heredocs: Vec<SourceContent>,
    pub dest: Spanned<String>,
    pub json: bool,
    pub span: Span,
}

/// A here-document used as a source file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SourceContent {
    /// The delimiter, which is also the file name.
    pub path: String,
    /// The body; leading tabs removed from every line for `<<-`.
    pub data: String,
    /// Variables in the body are to be expanded (the delimiter was not quoted).
    pub expand: bool,
    /// The `<<EOF` argument.
    pub span: Span,
    /// The body lines, when a body with this name is attached to the instruction.
    pub body_span: Option<Span>,
}

impl CopyInstruction {
    /// `--link` was given and true.
    pub fn is_link(&self) -> bool {
        self.link.as_ref().is_some_and(|l| l.value)
    }
}

impl AddInstruction {
    pub fn is_link(&self) -> bool {
        self.link.as_ref().is_some_and(|l| l.value)
    }
}

struct SourcesAndDest {
    sources: Vec<Spanned<String>>,
    heredocs: Vec<SourceContent>,
    dest: Spanned<String>,
}

pub(crate) fn parse_copy(req: &Request<'_>) -> Result<CopyInstruction, AstError> {
    need_destination(req)?;
    let flags = req.flags(COPY_FLAGS)?;
    let sd = sources_and_dest(req)?;
    Ok(CopyInstruction {
        keyword: req.keyword(),
        from: flags.string("from"),
        chown: flags.string("chown"),
        chmod: flags.string("chmod"),
        link: flags.bool("link"),
        parents: flags.bool("parents"),
        exclude: flags.strings("exclude"),
        sources: sd.sources,
        heredocs: sd.heredocs,
        dest: sd.dest,
        json: req.node.json,
        span: req.node.span,
    })
}

pub(crate) fn parse_add(req: &Request<'_>) -> Result<AddInstruction, AstError> {
    need_destination(req)?;
    let flags = req.flags(ADD_FLAGS)?;
    let sd = sources_and_dest(req)?;
    Ok(AddInstruction {
        keyword: req.keyword(),
        chown: flags.string("chown"),
        chmod: flags.string("chmod"),
        link: flags.bool("link"),
        keep_git_dir: flags.bool("keep-git-dir"),
        checksum: flags.string("checksum"),
        unpack: flags.bool("unpack"),
        exclude: flags.strings("exclude"),
        sources: sd.sources,
        heredocs: sd.heredocs,
        dest: sd.dest,
        json: req.node.json,
        span: req.node.span,
    })
}

fn need_destination(req: &Request<'_>) -> Result<(), AstError> {
    if req.args().len() < 2 {
        return Err(AstError::NoDestination {
            instruction: req.name.to_string(),
            span: req.args_span(),
            node: req.node.span,
        });
    }
    Ok(())
}

fn sources_and_dest(req: &Request<'_>) -> Result<SourcesAndDest, AstError> {
    let (dest, sources): (&Arg, &[Arg]) = match req.args().split_last() {
        Some(split) => split,
        None => {
            return Err(AstError::NoDestination {
                instruction: req.name.to_string(),
                span: req.args_span(),
                node: req.node.span,
            })
        }
    };
    if heredoc_word(&dest.value).is_some() {
        return Err(AstError::HeredocDestination {
            instruction: req.name.to_string(),
            span: dest.span,
            node: req.node.span,
        });
    }
    let mut paths = Vec::new();
    let mut heredocs = Vec::new();
    for src in sources {
        match heredoc_word(&src.value) {
            Some(word) => {
                // The last body with the name wins, as in BuildKit's lookup map.
                let body = req.node.heredocs.iter().rev().find(|h| h.name == word.name);
                let content = body.map(|h| h.content.as_str()).unwrap_or_default();
                let data = if word.chomp {
                    chomp(content)
                } else {
                    content.to_string()
                };
                heredocs.push(SourceContent {
                    path: word.name,
                    data,
                    expand: word.expand,
                    span: src.span,
                    body_span: body.map(|h| h.span),
                });
            }
            None => paths.push(spanned(src)),
        }
    }
    Ok(SourcesAndDest {
        sources: paths,
        heredocs,
        dest: spanned(dest),
    })
}

/// Removes the leading tabs of every line (BuildKit's `ChompHeredocContent`).
pub(crate) fn chomp(content: &str) -> String {
    content
        .split_inclusive('\n')
        .map(|line| line.trim_start_matches('\t'))
        .collect()
}

/// BuildKit's `MustParseHeredoc` on a COPY/ADD argument: a marker, or `None` (also when
/// the word cannot be lexed).
fn heredoc_word(word: &str) -> Option<crate::syntax::heredoc::Marker> {
    parse_marker(word).ok().flatten()
}
