//! Framing check for protobuf bytes: finds where input is cut short.
//!
//! prost reports a truncated buffer as a generic decode error; this walks the
//! top-level fields (keys, varints, lengths; it does not look inside
//! length-delimited values) so that a cut-short file is reported as
//! [`SchemaError::Truncated`] with the offset. Malformed content that is not a
//! truncation (bad wire types, bad UTF-8, ...) is left to prost.

use crate::error::SchemaError;

/// Reads a varint at `pos`; `None` if the bytes end first. Over-long varints
/// are left for prost to reject.
fn varint(bytes: &[u8], pos: usize) -> Option<(u64, usize)> {
    let mut value = 0u64;
    for (i, b) in bytes.get(pos..)?.iter().enumerate().take(10) {
        value |= u64::from(b & 0x7f) << (7 * i);
        if b & 0x80 == 0 {
            return Some((value, pos + i + 1));
        }
    }
    None
}

fn truncated(what: &'static str, offset: usize, needed: usize, len: usize) -> SchemaError {
    SchemaError::Truncated {
        what,
        offset,
        needed,
        available: len - offset,
    }
}

/// Checks that the top-level fields of `bytes` are complete.
pub(crate) fn check_framing(bytes: &[u8]) -> Result<(), SchemaError> {
    let len = bytes.len();
    let mut pos = 0;
    while pos < len {
        let key_at = pos;
        let Some((key, next)) = varint(bytes, pos) else {
            if len - pos >= 10 {
                return Ok(()); // over-long varint: not a truncation, prost rejects it
            }
            return Err(truncated("field key", key_at, len - pos + 1, len));
        };
        pos = next;
        match key & 7 {
            0 => match varint(bytes, pos) {
                Some((_, next)) => pos = next,
                None if len - pos >= 10 => return Ok(()),
                None => return Err(truncated("varint value", pos, len - pos + 1, len)),
            },
            1 => {
                if len - pos < 8 {
                    return Err(truncated("fixed64 value", pos, 8, len));
                }
                pos += 8;
            }
            2 => {
                let len_at = pos;
                let Some((n, next)) = varint(bytes, pos) else {
                    if len - pos >= 10 {
                        return Ok(());
                    }
                    return Err(truncated("length prefix", len_at, len - pos + 1, len));
                };
                pos = next;
                let n = usize::try_from(n).unwrap_or(usize::MAX);
                if n > len - pos {
                    return Err(truncated("length-delimited value", pos, n, len));
                }
                pos += n;
            }
            5 => {
                if len - pos < 4 {
                    return Err(truncated("fixed32 value", pos, 4, len));
                }
                pos += 4;
            }
            // Groups and invalid wire types: prost reports them precisely.
            _ => return Ok(()),
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn complete_and_cut() {
        let full = [0x0a, 0x03, b'a', b'b', b'c', 0x10, 0x96, 0x01];
        assert!(check_framing(&full).is_ok());
        for cut in 1..full.len() {
            if cut == 5 {
                continue; // a field boundary
            }
            assert!(
                matches!(
                    check_framing(&full[..cut]),
                    Err(SchemaError::Truncated { .. })
                ),
                "cut at {cut}"
            );
        }
    }
}
