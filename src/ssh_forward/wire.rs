//! The SSH agent protocol's framing (draft-miller-ssh-agent): a message is a
//! big-endian `u32` length, then that many bytes, the first being the type.
//! Only what the in-process agent and the read-only proxy need.

use std::io::{self, Read, Write};

pub const FAILURE: u8 = 5;
pub const REQUEST_IDENTITIES: u8 = 11;
pub const IDENTITIES_ANSWER: u8 = 12;
pub const SIGN_REQUEST: u8 = 13;
pub const SIGN_RESPONSE: u8 = 14;
pub const UNLOCK: u8 = 23;
/// SIGN_REQUEST flags asking an RSA key for `rsa-sha2-256` / `rsa-sha2-512`.
pub const RSA_SHA2_256: u32 = 2;
pub const RSA_SHA2_512: u32 = 4;

/// OpenSSH's limit on one agent message (`AGENT_MAX_LEN`).
const MAX_LEN: usize = 256 * 1024;

/// Reads one message (type byte and payload); `None` when the peer closed the
/// connection between messages.
pub fn read_msg(r: &mut impl Read) -> io::Result<Option<Vec<u8>>> {
    let mut len = [0u8; 4];
    let mut got = 0;
    while got < 4 {
        match r.read(&mut len[got..]) {
            Ok(0) if got == 0 => return Ok(None),
            Ok(0) => return Err(io::ErrorKind::UnexpectedEof.into()),
            Ok(n) => got += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    let len = u32::from_be_bytes(len) as usize;
    if len == 0 || len > MAX_LEN {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!("agent message of {len} bytes (at most {MAX_LEN})"),
        ));
    }
    let mut body = vec![0u8; len];
    r.read_exact(&mut body)?;
    Ok(Some(body))
}

/// Writes one message.
pub fn write_msg(w: &mut impl Write, body: &[u8]) -> io::Result<()> {
    let len = u32::try_from(body.len()).map_err(|_| io::ErrorKind::InvalidInput)?;
    let mut out = Vec::with_capacity(4 + body.len());
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(body);
    w.write_all(&out)?;
    w.flush()
}

/// Appends an SSH `string` (length-prefixed bytes).
pub fn put_string(out: &mut Vec<u8>, s: &[u8]) {
    out.extend_from_slice(&(s.len() as u32).to_be_bytes());
    out.extend_from_slice(s);
}

/// Reads the fields of a message payload in order.
pub struct Fields<'a>(pub &'a [u8]);

impl<'a> Fields<'a> {
    pub fn u32(&mut self) -> Option<u32> {
        let (head, rest) = self.0.split_first_chunk::<4>()?;
        self.0 = rest;
        Some(u32::from_be_bytes(*head))
    }

    pub fn string(&mut self) -> Option<&'a [u8]> {
        let len = self.u32()? as usize;
        if len > self.0.len() {
            return None;
        }
        let (s, rest) = self.0.split_at(len);
        self.0 = rest;
        Some(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_round_trip_and_bad_lengths_are_refused() {
        let mut buf = Vec::new();
        write_msg(&mut buf, &[REQUEST_IDENTITIES]).unwrap();
        assert_eq!(buf, [0, 0, 0, 1, 11]);
        let mut r = &buf[..];
        assert_eq!(read_msg(&mut r).unwrap(), Some(vec![11]));
        assert_eq!(read_msg(&mut r).unwrap(), None);
        let mut huge = &[0x7f, 0, 0, 0, 1][..];
        assert!(read_msg(&mut huge).is_err());
        let mut cut = &[0, 0, 0, 5, 13][..];
        assert!(read_msg(&mut cut).is_err());
        let mut short_len = &[0, 0][..];
        assert!(read_msg(&mut short_len).is_err());
    }

    #[test]
    fn fields_stop_at_the_end() {
        let mut p = Vec::new();
        put_string(&mut p, b"key");
        p.extend_from_slice(&7u32.to_be_bytes());
        let mut f = Fields(&p);
        assert_eq!(f.string(), Some(&b"key"[..]));
        assert_eq!(f.u32(), Some(7));
        assert_eq!(f.u32(), None);
        let mut bad = Fields(&[0, 0, 0, 9, 1]);
        assert_eq!(bad.string(), None);
    }
}
