//! chmod modes for COPY/ADD `--chmod`: octal (`755`) or symbolic
//! (`u+x,go-w`, `a=rX`, `+t`), applied to an existing mode as chmod(1)
//! does without a umask.

/// A mode string that is neither octal nor symbolic.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid mode {0:?}")]
pub struct ModeError(pub String);

/// Applies `mode_str` to `current` (permission bits, setuid/setgid/sticky
/// included); `is_dir` matters for `X`.
pub fn apply_mode_str(mode_str: &str, current: u32, is_dir: bool) -> Result<u32, ModeError> {
    let bad = || ModeError(mode_str.to_string());
    if !mode_str.is_empty() && mode_str.bytes().all(|b| (b'0'..=b'7').contains(&b)) {
        return u32::from_str_radix(mode_str, 8)
            .ok()
            .filter(|m| *m <= 0o7777)
            .ok_or_else(bad);
    }
    let mut mode = current & 0o7777;
    for clause in mode_str.split(',') {
        let bytes = clause.as_bytes();
        let mut i = 0;
        let mut who = 0u32;
        while i < bytes.len() && b"ugoa".contains(&bytes[i]) {
            who |= match bytes[i] {
                b'u' => 0o4700,
                b'g' => 0o2070,
                b'o' => 0o1007,
                _ => 0o7777,
            };
            i += 1;
        }
        if who == 0 {
            who = 0o7777;
        }
        if i >= bytes.len() {
            return Err(bad());
        }
        while i < bytes.len() {
            let op = bytes[i];
            if !b"+-=".contains(&op) {
                return Err(bad());
            }
            i += 1;
            let mut perm = 0u32;
            while i < bytes.len() && !b"+-=".contains(&bytes[i]) {
                perm |= match bytes[i] {
                    b'r' => 0o444,
                    b'w' => 0o222,
                    b'x' => 0o111,
                    b'X' if is_dir || mode & 0o111 != 0 => 0o111,
                    b'X' => 0,
                    b's' => 0o6000,
                    b't' => 0o1000,
                    _ => return Err(bad()),
                };
                i += 1;
            }
            let bits = perm & who;
            match op {
                b'+' => mode |= bits,
                b'-' => mode &= !bits,
                _ => mode = (mode & !(who & 0o777)) | bits,
            }
        }
    }
    Ok(mode)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn octal_and_symbolic() {
        assert_eq!(apply_mode_str("755", 0o600, false), Ok(0o755));
        assert_eq!(apply_mode_str("u+x", 0o644, false), Ok(0o744));
        assert_eq!(apply_mode_str("go-w", 0o666, false), Ok(0o644));
        assert_eq!(apply_mode_str("a=rX", 0o600, true), Ok(0o555));
        assert_eq!(apply_mode_str("a=rX", 0o600, false), Ok(0o444));
        assert_eq!(apply_mode_str("+x,o-r", 0o644, false), Ok(0o751));
        assert_eq!(apply_mode_str("u=rw,g=r,o=", 0o777, false), Ok(0o640));
        assert!(apply_mode_str("u+q", 0o644, false).is_err());
        assert!(apply_mode_str("9", 0o644, false).is_err());
        assert!(apply_mode_str("", 0o644, false).is_err());
    }
}
