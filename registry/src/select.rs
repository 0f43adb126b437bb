//! Choosing an index entry for a target platform as containerd's `platforms.Only` with
//! `images.LimitManifests(…, 1)` does: the candidates are the target and the platforms
//! it can also run (lower amd64 levels and 386; 32-bit arm under arm64; lower arm
//! variants), in that order of preference; an entry without a platform ranks last; an
//! index with no acceptable entry is an error for the caller.

use serde_json::Value;

use crate::platform::Platform;

/// The index entry to follow for `target`, if any.
pub fn select<'a>(index: &'a Value, target: &Platform) -> Option<&'a Value> {
    let entries = index.get("manifests")?.as_array()?;
    for candidate in vector(target) {
        let hit = entries.iter().find(|e| {
            e.get("platform")
                .and_then(descriptor_platform)
                .is_some_and(|p| p == candidate)
        });
        if hit.is_some() {
            return hit;
        }
    }
    entries.iter().find(|e| e.get("platform").is_none())
}

fn descriptor_platform(p: &Value) -> Option<Platform> {
    let field = |k: &str| p.get(k).and_then(Value::as_str).unwrap_or_default();
    let (os, arch, variant) = (field("os"), field("architecture"), field("variant"));
    if os.is_empty() || arch.is_empty() {
        return None;
    }
    let spec = if variant.is_empty() {
        format!("{os}/{arch}")
    } else {
        format!("{os}/{arch}/{variant}")
    };
    Platform::parse(&spec).ok()
}

fn level(variant: &str) -> Option<u32> {
    variant.strip_prefix('v')?.parse().ok()
}

/// containerd's `platformVector`.
fn vector(p: &Platform) -> Vec<Platform> {
    let with = |arch: &str, variant: String| Platform {
        os: p.os.clone(),
        architecture: arch.into(),
        variant,
    };
    let mut out = vec![p.clone()];
    match p.architecture.as_str() {
        "amd64" => {
            if let Some(n) = level(&p.variant).filter(|n| *n > 1) {
                for k in (1..n).rev() {
                    let v = if k == 1 {
                        String::new()
                    } else {
                        format!("v{k}")
                    };
                    out.push(with("amd64", v));
                }
            }
            out.push(with("386", String::new()));
        }
        "arm64" => {
            let v = if p.variant.is_empty() {
                "v8".to_string()
            } else {
                p.variant.clone()
            };
            out.extend(vector(&with("arm", v)));
        }
        "arm" => {
            if let Some(n) = level(&p.variant).filter(|n| *n > 5) {
                for k in (5..n).rev() {
                    out.push(with("arm", format!("v{k}")));
                }
            }
        }
        _ => {}
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn index() -> Value {
        serde_json::json!({"manifests": [
            {"digest": "a", "platform": {"os": "linux", "architecture": "arm", "variant": "v6"}},
            {"digest": "b", "platform": {"os": "linux", "architecture": "arm64", "variant": "v8"}},
            {"digest": "c", "platform": {"os": "linux", "architecture": "amd64"}},
            {"digest": "d", "platform": {"os": "unknown", "architecture": "unknown"}},
        ]})
    }

    fn pick(spec: &str) -> Option<String> {
        select(&index(), &Platform::parse(spec).unwrap())
            .map(|e| e["digest"].as_str().unwrap().to_string())
    }

    #[test]
    fn preference_order() {
        assert_eq!(pick("linux/amd64").as_deref(), Some("c"));
        assert_eq!(pick("linux/arm64").as_deref(), Some("b"));
        assert_eq!(pick("linux/arm/v7").as_deref(), Some("a"));
        assert_eq!(pick("linux/arm/v5"), None);
        assert_eq!(pick("linux/amd64/v3").as_deref(), Some("c"));
        assert_eq!(pick("linux/s390x"), None);
    }
}
