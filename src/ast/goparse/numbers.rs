//! Go's `strconv.ParseUint`/`ParseInt`/`ParseBool` and go-units' `RAMInBytes`
//! (v0.5.0 rules), as BuildKit applies them to flag and mount values.

use super::{lower, quote};

#[derive(Debug, PartialEq, Eq)]
pub enum NumError {
    Syntax,
    Range,
}

/// `strconv.ParseUint(s, base, bits)` for an explicit base (no prefixes, no underscores).
pub fn parse_uint(s: &str, base: u32, bits: u32) -> Result<u64, NumError> {
    if s.is_empty() {
        return Err(NumError::Syntax);
    }
    let max: u64 = if bits >= 64 {
        u64::MAX
    } else {
        (1u64 << bits) - 1
    };
    let cutoff = u64::MAX / u64::from(base) + 1;
    let mut n: u64 = 0;
    for c in s.bytes() {
        let d = match c {
            b'0'..=b'9' => u32::from(c - b'0'),
            b'a'..=b'z' => u32::from(c - b'a') + 10,
            b'A'..=b'Z' => u32::from(c - b'A') + 10,
            _ => return Err(NumError::Syntax),
        };
        if d >= base {
            return Err(NumError::Syntax);
        }
        if n >= cutoff {
            return Err(NumError::Range);
        }
        n *= u64::from(base);
        let n1 = n.wrapping_add(u64::from(d));
        if n1 < n || n1 > max {
            return Err(NumError::Range);
        }
        n = n1;
    }
    Ok(n)
}

/// `strconv.ParseInt(s, 10, bits)`, with Go's error text on failure.
pub fn parse_int10(s: &str, bits: u32) -> Result<i64, String> {
    let error = |e: NumError| {
        let what = match e {
            NumError::Syntax => "invalid syntax",
            NumError::Range => "value out of range",
        };
        format!("strconv.ParseInt: parsing {}: {what}", quote(s))
    };
    if s.is_empty() {
        return Err(error(NumError::Syntax));
    }
    let (neg, digits) = match s.as_bytes()[0] {
        b'+' => (false, &s[1..]),
        b'-' => (true, &s[1..]),
        _ => (false, s),
    };
    let un = match parse_uint(digits, 10, bits) {
        Ok(n) => n,
        Err(NumError::Range) => (1u64 << bits) - 1,
        Err(e) => return Err(error(e)),
    };
    let cutoff = 1u64 << (bits - 1);
    if !neg && un >= cutoff {
        return Err(error(NumError::Range));
    }
    if neg && un > cutoff {
        return Err(error(NumError::Range));
    }
    let n = un as i64;
    Ok(if neg { n.wrapping_neg() } else { n })
}

/// `strconv.ParseBool`.
pub fn parse_bool(s: &str) -> Option<bool> {
    match s {
        "1" | "t" | "T" | "true" | "TRUE" | "True" => Some(true),
        "0" | "f" | "F" | "false" | "FALSE" | "False" => Some(false),
        _ => None,
    }
}

/// go-units `RAMInBytes` (binary multipliers; `k`, `kb`, `kib` and so on,
/// case-insensitive), `None` where it returns an error.
pub fn ram_in_bytes(size: &str) -> Option<i64> {
    let sep = size.rfind(|c: char| c.is_ascii_digit() || c == '.' || c == ' ')?;
    let (num, suffix) = if size.as_bytes()[sep] != b' ' {
        (&size[..sep + 1], &size[sep + 1..])
    } else {
        (&size[..sep], &size[sep + 1..])
    };
    let mut value = parse_float(num)?;
    if value < 0.0 {
        return None;
    }
    if suffix.is_empty() {
        return Some(float_to_i64(value));
    }
    if suffix.len() > 3 {
        return None;
    }
    let suffix = lower(suffix);
    let bytes = suffix.as_bytes();
    if bytes[0] == b'b' {
        return (bytes.len() == 1).then(|| float_to_i64(value));
    }
    let multiplier: i64 = match bytes[0] {
        b'k' => 1 << 10,
        b'm' => 1 << 20,
        b'g' => 1 << 30,
        b't' => 1 << 40,
        b'p' => 1 << 50,
        _ => return None,
    };
    value *= multiplier as f64;
    match bytes.len() {
        2 if bytes[1] != b'b' => None,
        3 if &bytes[1..] != b"ib" => None,
        _ => Some(float_to_i64(value)),
    }
}

/// Go's `int64(f)` on amd64: out-of-range values become `i64::MIN`.
fn float_to_i64(f: f64) -> i64 {
    const LIMIT: f64 = 9_223_372_036_854_775_808.0; // 2^63
    if f.is_nan() || !(-LIMIT..LIMIT).contains(&f) {
        i64::MIN
    } else {
        f as i64
    }
}

/// `strconv.ParseFloat(s, 64)` for the decimal and hexadecimal forms Go accepts
/// (underscores, `inf` and `nan` cannot reach here through `ram_in_bytes`).
fn parse_float(s: &str) -> Option<f64> {
    let (sign, body) = match s.as_bytes().first() {
        Some(b'+') => (1.0, &s[1..]),
        Some(b'-') => (-1.0, &s[1..]),
        _ => (1.0, s),
    };
    if let Some(hex) = body.strip_prefix("0x").or_else(|| body.strip_prefix("0X")) {
        return parse_hex_float(hex).map(|v| sign * v);
    }
    let valid = {
        let b = body.as_bytes();
        let mut i = 0;
        let mut digits = 0;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
            digits += 1;
        }
        if i < b.len() && b[i] == b'.' {
            i += 1;
            while i < b.len() && b[i].is_ascii_digit() {
                i += 1;
                digits += 1;
            }
        }
        if digits > 0 && i < b.len() && (b[i] == b'e' || b[i] == b'E') {
            i += 1;
            if i < b.len() && (b[i] == b'+' || b[i] == b'-') {
                i += 1;
            }
            let start = i;
            while i < b.len() && b[i].is_ascii_digit() {
                i += 1;
            }
            digits = if i > start { digits } else { 0 };
        }
        digits > 0 && i == b.len()
    };
    if !valid {
        return None;
    }
    body.parse::<f64>()
        .ok()
        .filter(|v| v.is_finite())
        .map(|v| sign * v)
}

fn parse_hex_float(s: &str) -> Option<f64> {
    let (mantissa, exponent) = s.split_once(['p', 'P'])?;
    let exponent: i32 = exponent.parse().ok()?;
    let (int_part, frac_part) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    if int_part.is_empty() && frac_part.is_empty() {
        return None;
    }
    let mut value = 0f64;
    for c in int_part.chars() {
        value = value * 16.0 + f64::from(c.to_digit(16)?);
    }
    let mut scale = 1.0 / 16.0;
    for c in frac_part.chars() {
        value += f64::from(c.to_digit(16)?) * scale;
        scale /= 16.0;
    }
    Some(value * 2f64.powi(exponent))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers() {
        assert_eq!(parse_int10("3", 32), Ok(3));
        assert_eq!(parse_int10("+3", 32), Ok(3));
        assert_eq!(parse_int10("-1", 32), Ok(-1));
        assert_eq!(parse_int10("-2147483648", 32), Ok(-2147483648));
        assert_eq!(
            parse_int10("2147483648", 32),
            Err("strconv.ParseInt: parsing \"2147483648\": value out of range".into())
        );
        assert_eq!(
            parse_int10("abc", 32),
            Err("strconv.ParseInt: parsing \"abc\": invalid syntax".into())
        );
        assert_eq!(
            parse_int10("", 32),
            Err("strconv.ParseInt: parsing \"\": invalid syntax".into())
        );
        assert_eq!(
            parse_int10("99999999999x", 32),
            Err("strconv.ParseInt: parsing \"99999999999x\": value out of range".into())
        );
        assert_eq!(parse_uint("0755", 8, 32), Ok(0o755));
        assert_eq!(parse_uint("8", 8, 32), Err(NumError::Syntax));
        assert_eq!(parse_uint("4294967295", 10, 32), Ok(4294967295));
        assert_eq!(parse_uint("4294967296", 10, 32), Err(NumError::Range));
        assert_eq!(parse_uint("+1", 10, 32), Err(NumError::Syntax));
    }

    #[test]
    fn ram_sizes() {
        assert_eq!(ram_in_bytes("32"), Some(32));
        assert_eq!(ram_in_bytes("32b"), Some(32));
        assert_eq!(ram_in_bytes("1k"), Some(1024));
        assert_eq!(ram_in_bytes("1KB"), Some(1024));
        assert_eq!(ram_in_bytes("1KiB"), Some(1024));
        assert_eq!(ram_in_bytes("1.5m"), Some(1_572_864));
        assert_eq!(ram_in_bytes("64 MiB"), Some(64 << 20));
        assert_eq!(ram_in_bytes("1g"), Some(1 << 30));
        assert_eq!(ram_in_bytes("1e3"), Some(1000));
        assert_eq!(ram_in_bytes("0x10p0"), Some(16));
        assert_eq!(ram_in_bytes("-1"), None);
        assert_eq!(ram_in_bytes("1kbb"), None);
        assert_eq!(ram_in_bytes("1x"), None);
        assert_eq!(ram_in_bytes("1kx"), None);
        assert_eq!(ram_in_bytes("1kix"), None);
        assert_eq!(ram_in_bytes("k"), None);
        assert_eq!(ram_in_bytes(""), None);
        assert_eq!(ram_in_bytes("."), None);
    }

    #[test]
    fn bools() {
        assert_eq!(parse_bool("True"), Some(true));
        assert_eq!(parse_bool("0"), Some(false));
        assert_eq!(parse_bool("yes"), None);
    }
}
