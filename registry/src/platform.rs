//! OCI platforms as containerd's `platforms` package parses, normalizes and formats them.

use llb_schema::pb;

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Platform {
    pub os: String,
    pub architecture: String,
    pub variant: String,
}

impl Platform {
    pub fn linux_amd64() -> Platform {
        Platform {
            os: "linux".into(),
            architecture: "amd64".into(),
            variant: String::new(),
        }
    }

    /// `platforms.Parse` followed by `Normalize`. Errors carry containerd's message.
    pub fn parse(s: &str) -> Result<Platform, String> {
        let invalid =
            || format!("\"{s}\": unknown operating system or architecture: invalid argument");
        if s.contains('*') {
            return Err(format!("\"{s}\": invalid platform specifier"));
        }
        let parts: Vec<&str> = s.split('/').collect();
        let p = match parts.as_slice() {
            [one] => {
                let one = one.to_ascii_lowercase();
                if is_known_os(&one) {
                    Platform {
                        os: one,
                        architecture: "amd64".into(),
                        variant: String::new(),
                    }
                } else {
                    let (arch, variant) = normalize_arch(&one, "");
                    if !is_known_arch(&arch) {
                        return Err(invalid());
                    }
                    Platform {
                        os: "linux".into(),
                        architecture: arch,
                        variant,
                    }
                }
            }
            [os, arch] | [os, arch, _] => {
                let os = normalize_os(os);
                let v = parts
                    .get(2)
                    .map(|v| v.to_ascii_lowercase())
                    .unwrap_or_default();
                let (arch, variant) = normalize_arch(arch, &v);
                if os.is_empty() || arch.is_empty() {
                    return Err(invalid());
                }
                Platform {
                    os,
                    architecture: arch,
                    variant,
                }
            }
            _ => return Err(format!("\"{s}\": cannot parse platform specifier")),
        };
        Ok(p)
    }

    /// `platforms.Format`: `os/arch[/variant]`.
    pub fn format(&self) -> String {
        let mut s = format!("{}/{}", self.os, self.architecture);
        if !self.variant.is_empty() {
            s.push('/');
            s.push_str(&self.variant);
        }
        s
    }

    /// The platform of the running machine (`linux/amd64` on x86_64).
    pub fn host() -> Platform {
        let (architecture, variant) = normalize_arch(std::env::consts::ARCH, "");
        Platform {
            os: "linux".into(),
            architecture,
            variant,
        }
    }

    /// The LLB platform's os, architecture and variant (OS version and features dropped).
    pub fn from_pb(p: &pb::Platform) -> Platform {
        Platform {
            os: p.os.clone(),
            architecture: p.architecture.clone(),
            variant: p.variant.clone(),
        }
    }

    pub fn to_pb(&self) -> pb::Platform {
        pb::Platform {
            architecture: self.architecture.clone(),
            os: self.os.clone(),
            variant: self.variant.clone(),
            os_version: String::new(),
            os_features: Vec::new(),
        }
    }
}

fn is_known_os(os: &str) -> bool {
    matches!(
        os,
        "aix"
            | "android"
            | "darwin"
            | "dragonfly"
            | "freebsd"
            | "hurd"
            | "illumos"
            | "ios"
            | "js"
            | "linux"
            | "nacl"
            | "netbsd"
            | "openbsd"
            | "plan9"
            | "solaris"
            | "windows"
            | "zos"
            | "wasip1"
    )
}

fn is_known_arch(arch: &str) -> bool {
    matches!(
        arch,
        "386"
            | "amd64"
            | "amd64p32"
            | "arm"
            | "armbe"
            | "arm64"
            | "arm64be"
            | "ppc64"
            | "ppc64le"
            | "loong64"
            | "mips"
            | "mipsle"
            | "mips64"
            | "mips64le"
            | "mips64p32"
            | "mips64p32le"
            | "ppc"
            | "riscv"
            | "riscv64"
            | "s390"
            | "s390x"
            | "sparc"
            | "sparc64"
            | "wasm"
    )
}

fn normalize_os(os: &str) -> String {
    let os = os.to_ascii_lowercase();
    if os == "macos" {
        "darwin".into()
    } else {
        os
    }
}

/// containerd's `normalizeArch`.
fn normalize_arch(arch: &str, variant: &str) -> (String, String) {
    let arch = arch.to_ascii_lowercase();
    let variant = variant.to_ascii_lowercase();
    let (a, v): (&str, String) = match arch.as_str() {
        "i386" => ("386", String::new()),
        "x86_64" | "x86-64" | "amd64" => (
            "amd64",
            if variant == "v1" {
                String::new()
            } else {
                variant
            },
        ),
        "aarch64" | "arm64" => (
            "arm64",
            if variant == "8" || variant == "v8" || variant == "v8.0" {
                String::new()
            } else {
                variant
            },
        ),
        "armhf" => ("arm", "v7".into()),
        "armel" => ("arm", "v6".into()),
        "arm" => (
            "arm",
            match variant.as_str() {
                "" | "7" => "v7".into(),
                "5" | "6" | "8" => format!("v{variant}"),
                _ => variant,
            },
        ),
        other => return (other.to_string(), variant),
    };
    (a.to_string(), v)
}
