//! The in-process agent behind `--ssh ID=KEYFILE[,KEYFILE…]`: private keys
//! read from OpenSSH key files and served over the agent protocol, as
//! BuildKit serves them from Go's agent keyring.
//!
//! Answers REQUEST_IDENTITIES with the keys (empty comments, as BuildKit adds
//! them without one) and SIGN_REQUEST with a signature by the named key
//! (RSA: `rsa-sha2-256` or `rsa-sha2-512` when the flags ask, else `ssh-rsa`
//! over SHA-1); every other request gets FAILURE, so the keyring cannot be
//! changed or locked from a build.
//!
//! What it does not do: read PEM/PKCS#8 key files, decrypt keys, or DSA and
//! security-key (`sk-`) keys: those are refused at load.

use std::path::Path;

use rsa::signature::Signer;
use ssh_key::private::{KeypairData, RsaKeypair};
use ssh_key::PrivateKey;

use super::wire::{self, Fields};

/// One key the agent holds, with its public key blob.
pub struct Key {
    private: PrivateKey,
    blob: Vec<u8>,
    /// RSA keys, converted once (ssh-key 0.6's own conversion repeats the
    /// first prime, so its RSA signatures are wrong).
    rsa: Option<rsa::RsaPrivateKey>,
}

/// Why a key file cannot be served.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("cannot read the key: {0}")]
    Read(#[source] std::io::Error),
    #[error("this is a PEM or PKCS#8 key, which dfc does not read; rewrite it in the OpenSSH format with `ssh-keygen -p -f {path}` (or load it into an agent with ssh-add and forward that)")]
    Pem { path: String },
    #[error("not an OpenSSH private key ({0}); give a private key file (not the .pub) or an agent socket")]
    Parse(String),
    #[error("the key is encrypted and dfc cannot ask for its passphrase: load it into an agent (ssh-add {path}) and forward that agent instead (--ssh ID, which uses $SSH_AUTH_SOCK, or --ssh ID=SOCKET)")]
    Encrypted { path: String },
    #[error("{0} keys are not supported (ed25519, RSA and ECDSA are); load it into an agent with ssh-add and forward that agent instead")]
    Algorithm(String),
}

impl Key {
    /// Reads a private key file (at most 100 KiB are read, as BuildKit does).
    pub fn load(path: &Path) -> Result<Key, KeyError> {
        use std::io::Read;
        let mut text = Vec::new();
        std::fs::File::open(path)
            .and_then(|f| f.take(100 * 1024).read_to_end(&mut text))
            .map_err(KeyError::Read)?;
        let shown = path.display().to_string();
        let s = String::from_utf8_lossy(&text);
        if !s.contains("-----BEGIN OPENSSH PRIVATE KEY-----") && s.contains("-----BEGIN ") {
            return Err(KeyError::Pem { path: shown });
        }
        let private = PrivateKey::from_openssh(&text)
            .or_else(|e| match pad_ecdsa_scalar(&text) {
                Some(fixed) => PrivateKey::from_bytes(&fixed),
                None => Err(e),
            })
            .map_err(|e| KeyError::Parse(e.to_string()))?;
        if private.is_encrypted() {
            return Err(KeyError::Encrypted { path: shown });
        }
        match private.key_data() {
            KeypairData::Ed25519(_) | KeypairData::Rsa(_) | KeypairData::Ecdsa(_) => {}
            _ => {
                return Err(KeyError::Algorithm(
                    private.algorithm().as_str().to_string(),
                ))
            }
        }
        let blob = private
            .public_key()
            .to_bytes()
            .map_err(|e| KeyError::Parse(e.to_string()))?;
        let rsa = match private.key_data() {
            KeypairData::Rsa(k) => Some(rsa_key(k).ok_or_else(|| {
                KeyError::Parse("its RSA components do not form a valid key".into())
            })?),
            _ => None,
        };
        Ok(Key { private, blob, rsa })
    }

    /// The SSH signature blob (algorithm name, then the signature) over `data`.
    fn sign(&self, data: &[u8], flags: u32) -> Option<Vec<u8>> {
        let (name, sig) = match &self.rsa {
            Some(k) => rsa_sign(k, data, flags)?,
            None => {
                let sig: ssh_key::Signature = self.private.try_sign(data).ok()?;
                (
                    sig.algorithm().as_str().to_string(),
                    sig.as_bytes().to_vec(),
                )
            }
        };
        let mut blob = Vec::new();
        wire::put_string(&mut blob, name.as_bytes());
        wire::put_string(&mut blob, &sig);
        Some(blob)
    }
}

/// The key file's binary form (`openssh-key-v1`) with its ECDSA private scalar
/// left-padded to the curve's size, when it is shorter (an mpint drops leading zero bytes: about one P-521
/// key in six, one P-256 key in 256), which ssh-key 0.6 refuses as "length
/// invalid" though OpenSSH and Go read it. `None` when there is nothing to pad
/// or the file is not an unencrypted one-key OpenSSH file.
fn pad_ecdsa_scalar(text: &[u8]) -> Option<Vec<u8>> {
    use base64::Engine;
    const MAGIC: &[u8] = b"openssh-key-v1\0";
    const BEGIN: &str = "-----BEGIN OPENSSH PRIVATE KEY-----";
    const END: &str = "-----END OPENSSH PRIVATE KEY-----";
    let s = std::str::from_utf8(text).ok()?;
    let body: String = s
        .lines()
        .map(str::trim)
        .skip_while(|l| *l != BEGIN)
        .skip(1)
        .take_while(|l| *l != END)
        .collect();
    let bin = base64::engine::general_purpose::STANDARD
        .decode(body)
        .ok()?;
    let mut f = Fields(bin.strip_prefix(MAGIC)?);
    let (cipher, kdf, kdf_opts) = (f.string()?, f.string()?, f.string()?);
    if cipher != b"none" || f.u32()? != 1 {
        return None;
    }
    let public = f.string()?;
    let mut p = Fields(f.string()?);
    let (check1, check2) = (p.u32()?, p.u32()?);
    let kind = p.string()?;
    let size = match kind {
        b"ecdsa-sha2-nistp256" => 32,
        b"ecdsa-sha2-nistp384" => 48,
        b"ecdsa-sha2-nistp521" => 66,
        _ => return None,
    };
    let (curve, point, scalar, comment) = (p.string()?, p.string()?, p.string()?, p.string()?);
    if scalar.len() >= size {
        return None;
    }
    let mut padded = vec![0u8; size - scalar.len()];
    padded.extend_from_slice(scalar);
    let mut private = Vec::new();
    private.extend_from_slice(&check1.to_be_bytes());
    private.extend_from_slice(&check2.to_be_bytes());
    for field in [kind, curve, point, &padded, comment] {
        wire::put_string(&mut private, field);
    }
    // The unencrypted section is padded to 8 bytes with 1, 2, 3, …
    let mut n = 1u8;
    while private.len() % 8 != 0 {
        private.push(n);
        n += 1;
    }
    let mut out = MAGIC.to_vec();
    for field in [cipher, kdf, kdf_opts] {
        wire::put_string(&mut out, field);
    }
    out.extend_from_slice(&1u32.to_be_bytes());
    wire::put_string(&mut out, public);
    wire::put_string(&mut out, &private);
    Some(out)
}

/// PKCS#1 v1.5 with the hash the flags ask for (SHA-256 first, as Go's
/// keyring checks), else SHA-1 (`ssh-rsa`).
fn rsa_sign(k: &rsa::RsaPrivateKey, data: &[u8], flags: u32) -> Option<(String, Vec<u8>)> {
    use rsa::pkcs1v15::SigningKey;
    use rsa::signature::SignatureEncoding;
    let k = k.clone();
    let (name, sig) = if flags & wire::RSA_SHA2_256 != 0 {
        let key = SigningKey::<ssh_key::sha2::Sha256>::new(k);
        ("rsa-sha2-256", key.try_sign(data).ok()?.to_vec())
    } else if flags & wire::RSA_SHA2_512 != 0 {
        let key = SigningKey::<ssh_key::sha2::Sha512>::new(k);
        ("rsa-sha2-512", key.try_sign(data).ok()?.to_vec())
    } else {
        let key = SigningKey::<sha1::Sha1>::new(k);
        ("ssh-rsa", key.try_sign(data).ok()?.to_vec())
    };
    Some((name.to_string(), sig))
}

/// The `rsa` crate's key from the OpenSSH fields (n, e, d, p, q), validated.
fn rsa_key(k: &RsaKeypair) -> Option<rsa::RsaPrivateKey> {
    let big = |m: &ssh_key::Mpint| m.as_positive_bytes().map(rsa::BigUint::from_bytes_be);
    let key = rsa::RsaPrivateKey::from_components(
        big(&k.public.n)?,
        big(&k.public.e)?,
        big(&k.private.d)?,
        vec![big(&k.private.p)?, big(&k.private.q)?],
    )
    .ok()?;
    key.validate().ok()?;
    Some(key)
}

/// The keys behind one forwarded id.
pub struct Keyring {
    keys: Vec<Key>,
}

impl Keyring {
    pub fn new(keys: Vec<Key>) -> Keyring {
        Keyring { keys }
    }

    /// The answer to one request message.
    pub fn answer(&self, req: &[u8]) -> Vec<u8> {
        let failure = vec![wire::FAILURE];
        match req.split_first() {
            Some((&wire::REQUEST_IDENTITIES, [])) => {
                let mut out = vec![wire::IDENTITIES_ANSWER];
                out.extend_from_slice(&(self.keys.len() as u32).to_be_bytes());
                for k in &self.keys {
                    wire::put_string(&mut out, &k.blob);
                    wire::put_string(&mut out, b"");
                }
                out
            }
            Some((&wire::SIGN_REQUEST, rest)) => {
                let mut f = Fields(rest);
                let (Some(blob), Some(data)) = (f.string(), f.string()) else {
                    return failure;
                };
                let flags = f.u32().unwrap_or(0);
                let Some(sig) = self
                    .keys
                    .iter()
                    .find(|k| k.blob == blob)
                    .and_then(|k| k.sign(data, flags))
                else {
                    return failure;
                };
                let mut out = vec![wire::SIGN_RESPONSE];
                wire::put_string(&mut out, &sig);
                out
            }
            _ => failure,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rsa::signature::Verifier;

    /// A fresh key of `kind` made by the real ssh-keygen, or `None` without it.
    fn keygen(dir: &Path, kind: &[&str], pass: &str) -> Option<std::path::PathBuf> {
        let path = dir.join(kind.join("-"));
        let st = std::process::Command::new("ssh-keygen")
            .args(["-q", "-t"])
            .args(kind)
            .args(["-N", pass, "-C", "test comment", "-f"])
            .arg(&path)
            .status();
        match st {
            Ok(s) if s.success() => Some(path),
            _ => {
                eprintln!("skipping: ssh-keygen (openssh-client) is not installed");
                None
            }
        }
    }

    fn sign_request(blob: &[u8], data: &[u8], flags: u32) -> Vec<u8> {
        let mut req = vec![wire::SIGN_REQUEST];
        wire::put_string(&mut req, blob);
        wire::put_string(&mut req, data);
        req.extend_from_slice(&flags.to_be_bytes());
        req
    }

    /// Signs through the agent protocol and verifies with the public key.
    fn signs(ring: &Keyring, key: &Key, flags: u32, want_alg: &str) {
        let resp = ring.answer(&sign_request(&key.blob, b"payload", flags));
        assert_eq!(resp[0], wire::SIGN_RESPONSE, "{want_alg}");
        let mut f = Fields(&resp[1..]);
        let mut sig = Fields(f.string().unwrap());
        let alg = sig.string().unwrap();
        assert_eq!(std::str::from_utf8(alg).unwrap(), want_alg);
        let raw = sig.string().unwrap();
        if want_alg == "ssh-rsa" {
            return; // ssh-key verifies only the SHA-2 RSA signatures.
        }
        let alg = ssh_key::Algorithm::new(want_alg).unwrap();
        let sig = ssh_key::Signature::new(alg, raw.to_vec()).unwrap();
        Verifier::verify(key.private.public_key(), b"payload", &sig)
            .expect("the agent's signature verifies");
    }

    #[test]
    fn lists_and_signs_with_each_key_kind() {
        let dir = tempfile::tempdir().unwrap();
        let Some(ed) = keygen(dir.path(), &["ed25519"], "") else {
            return;
        };
        let rsa = keygen(dir.path(), &["rsa", "-b", "2048"], "").unwrap();
        let p256 = keygen(dir.path(), &["ecdsa", "-b", "256"], "").unwrap();
        let p384 = keygen(dir.path(), &["ecdsa", "-b", "384"], "").unwrap();
        let p521 = keygen(dir.path(), &["ecdsa", "-b", "521"], "").unwrap();
        let keys: Vec<Key> = [&ed, &rsa, &p256, &p384, &p521]
            .iter()
            .map(|p| Key::load(p).unwrap())
            .collect();
        let blobs: Vec<Vec<u8>> = keys.iter().map(|k| k.blob.clone()).collect();
        let ring = Keyring::new(keys);
        let list = ring.answer(&[wire::REQUEST_IDENTITIES]);
        assert_eq!(list[0], wire::IDENTITIES_ANSWER);
        let mut f = Fields(&list[1..]);
        assert_eq!(f.u32(), Some(5));
        for b in &blobs {
            assert_eq!(f.string(), Some(&b[..]));
            assert_eq!(f.string(), Some(&b""[..]), "no comment, as BuildKit");
        }
        let pub_ed = std::fs::read_to_string(ed.with_extension("pub")).unwrap();
        let pub_ed = ssh_key::PublicKey::from_openssh(&pub_ed).unwrap();
        assert_eq!(blobs[0], pub_ed.to_bytes().unwrap());
        signs(&ring, &ring.keys[0], 0, "ssh-ed25519");
        signs(&ring, &ring.keys[1], wire::RSA_SHA2_256, "rsa-sha2-256");
        signs(&ring, &ring.keys[1], wire::RSA_SHA2_512, "rsa-sha2-512");
        signs(&ring, &ring.keys[1], 0, "ssh-rsa");
        signs(&ring, &ring.keys[2], 0, "ecdsa-sha2-nistp256");
        signs(&ring, &ring.keys[3], 0, "ecdsa-sha2-nistp384");
        signs(&ring, &ring.keys[4], 0, "ecdsa-sha2-nistp521");
        // An unknown key, a malformed request and anything else fail.
        let other = sign_request(b"not a key", b"x", 0);
        assert_eq!(ring.answer(&other), [wire::FAILURE]);
        assert_eq!(ring.answer(&[wire::SIGN_REQUEST, 0, 0]), [wire::FAILURE]);
        for t in [17u8, 18, 19, 22, 23, 25, 27, 1, 200] {
            assert_eq!(ring.answer(&[t]), [wire::FAILURE], "request type {t}");
        }
    }

    #[test]
    fn ecdsa_keys_with_a_short_scalar_load_and_sign() {
        // About one P-521 key in four has a private scalar shorter than 66 bytes
        // once written as an mpint; ssh-key alone refuses those.
        let dir = tempfile::tempdir().unwrap();
        let mut short = None;
        for i in 0..80 {
            let Some(path) = keygen(dir.path(), &["ecdsa", "-b", "521"], "") else {
                return;
            };
            let text = std::fs::read(&path).unwrap();
            if PrivateKey::from_openssh(&text).is_err() {
                short = Some((path, text));
                break;
            }
            std::fs::remove_file(&path).unwrap();
            std::fs::remove_file(path.with_extension("pub")).unwrap();
            assert!(i < 79, "80 P-521 keys and none with a short scalar");
        }
        let (path, text) = short.unwrap();
        let fixed = pad_ecdsa_scalar(&text).expect("a short scalar is padded");
        assert!(PrivateKey::from_bytes(&fixed).is_ok());
        let key = Key::load(&path).expect("the key loads");
        let public = std::fs::read_to_string(path.with_extension("pub")).unwrap();
        let public = ssh_key::PublicKey::from_openssh(&public).unwrap();
        assert_eq!(key.blob, public.to_bytes().unwrap());
        let ring = Keyring::new(vec![key]);
        signs(&ring, &ring.keys[0], 0, "ecdsa-sha2-nistp521");
        // A key that loads as it is is left alone.
        let ed = keygen(dir.path(), &["ed25519"], "").unwrap();
        assert!(pad_ecdsa_scalar(&std::fs::read(ed).unwrap()).is_none());
    }

    #[test]
    fn refuses_encrypted_pem_public_and_unsupported_keys() {
        let dir = tempfile::tempdir().unwrap();
        let Some(enc) = keygen(dir.path(), &["ed25519"], "secret") else {
            return;
        };
        assert!(matches!(Key::load(&enc), Err(KeyError::Encrypted { .. })));
        let pem = keygen(dir.path(), &["rsa", "-b", "2048", "-m", "PEM"], "").unwrap();
        assert!(matches!(Key::load(&pem), Err(KeyError::Pem { .. })));
        assert!(matches!(
            Key::load(&enc.with_extension("pub")),
            Err(KeyError::Parse(_))
        ));
        // OpenSSH builds without DSA cannot make one; where it can, it is refused.
        if let Some(dsa) = keygen(dir.path(), &["dsa"], "") {
            let e = Key::load(&dsa).err().unwrap().to_string();
            assert!(e.contains("ssh-dss keys are not supported"), "{e}");
        }
        assert!(matches!(
            Key::load(&dir.path().join("absent")),
            Err(KeyError::Read(_))
        ));
    }
}
