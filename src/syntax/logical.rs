//! A logical line: the text of an instruction after continuation handling, and the map
//! from offsets in that text back to offsets in the source.
//!
//! BuildKit joins the physical lines of an instruction into one string before splitting
//! it; spans must still point into the file, so each joined piece remembers where it came
//! from.

use super::span::Span;

/// One piece of the joined text: `len` bytes at `text_start` copied from `source_start`.
#[derive(Clone, Copy, Debug)]
struct Piece {
    text_start: usize,
    source_start: usize,
    len: usize,
}

#[derive(Clone, Debug, Default)]
pub struct LogicalLine {
    pub text: String,
    pieces: Vec<Piece>,
}

impl LogicalLine {
    /// An empty line with room for `len` bytes of text (an instruction's source length
    /// bounds its joined text), so pushing pieces does not reallocate.
    pub fn with_capacity(len: usize) -> LogicalLine {
        LogicalLine {
            text: String::with_capacity(len),
            pieces: Vec::with_capacity(4),
        }
    }

    pub fn push(&mut self, source: &str, span: Span) {
        let piece = Piece {
            text_start: self.text.len(),
            source_start: span.start as usize,
            len: span.len(),
        };
        self.text.push_str(&source[span.range()]);
        self.pieces.push(piece);
    }

    /// Source offset of the character starting at `offset` in the joined text.
    pub fn source_start(&self, offset: usize) -> usize {
        // Pieces are contiguous, so the first one ending after `offset` holds it; empty
        // pieces end where they start and are passed over.
        let idx = self
            .pieces
            .partition_point(|p| p.text_start + p.len <= offset);
        match self.pieces.get(idx) {
            Some(p) => p.source_start + (offset - p.text_start),
            None => self.source_end(offset),
        }
    }

    /// Source offset just after the character ending at `offset` in the joined text.
    pub fn source_end(&self, offset: usize) -> usize {
        let idx = self.pieces.partition_point(|p| p.text_start < offset);
        if idx == 0 {
            return self.pieces.first().map_or(0, |p| p.source_start);
        }
        let p = self.pieces[idx - 1];
        p.source_start + (offset - p.text_start).min(p.len)
    }

    /// The source span of `start..end` in the joined text.
    pub fn span(&self, start: usize, end: usize) -> Span {
        if start >= end {
            let at = self.source_start(start);
            return Span::new(at, at);
        }
        let s = self.source_start(start);
        let e = self.source_end(end).max(s);
        Span::new(s, e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_offsets_across_pieces() {
        // "RUN a \\\n  b" joined as "RUN a " + "  b"
        let src = "RUN a \\\n  b";
        let mut l = LogicalLine::default();
        l.push(src, Span::new(0, 6));
        l.push(src, Span::new(8, 11));
        assert_eq!(l.text, "RUN a   b");
        assert_eq!(l.span(0, 3), Span::new(0, 3));
        assert_eq!(l.span(4, 5), Span::new(4, 5));
        // "b" is at text offset 8, source offset 10
        assert_eq!(l.span(8, 9), Span::new(10, 11));
        // a span crossing the join covers the removed continuation
        assert_eq!(l.span(4, 9), Span::new(4, 11));
        // an empty span at the join points at the next piece
        assert_eq!(l.span(6, 6), Span::new(8, 8));
    }

    #[test]
    fn skips_empty_pieces() {
        let src = "\\\nRUN x";
        let mut l = LogicalLine::default();
        l.push(src, Span::new(0, 0));
        l.push(src, Span::new(2, 7));
        assert_eq!(l.text, "RUN x");
        assert_eq!(l.span(0, 3), Span::new(2, 5));
    }
}
