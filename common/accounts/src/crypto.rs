//! Secrets at rest and random tokens.
//!
//! - [`Keyring`]: AES-256-GCM with named keys. A ciphertext is stored with
//!   the id of the key that made it; new ciphertexts use the current key
//!   (the first configured), older ones are still read with theirs, so keys
//!   rotate without a flag day (see `docs/ACCOUNTS.md`, "Rotating the token
//!   key").
//! - [`random_token`]: 32 bytes from the operating system, URL-safe base64.
//! - [`sha256_hex`] and [`ct_eq`]: tokens are stored hashed and compared in
//!   constant time.

use crate::error::{AccountsError, Result};
use aes_gcm::aead::rand_core::RngCore;
use aes_gcm::aead::{Aead, KeyInit, OsRng, Payload};
use aes_gcm::{Aes256Gcm, Key, Nonce};
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

const NONCE_LEN: usize = 12;

/// AES-256-GCM keys by id; the first is the one new ciphertexts use.
#[derive(Clone)]
pub struct Keyring {
    keys: Vec<(String, Aes256Gcm)>,
}

impl std::fmt::Debug for Keyring {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let ids: Vec<&str> = self.keys.iter().map(|(id, _)| id.as_str()).collect();
        f.debug_struct("Keyring").field("key_ids", &ids).finish()
    }
}

/// A sealed secret: the key id and `nonce || ciphertext+tag`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sealed {
    pub key_id: String,
    pub bytes: Vec<u8>,
}

impl Keyring {
    /// Parses `id:base64key[,id:base64key…]` (32-byte keys, standard
    /// base64). The first key encrypts; all decrypt.
    pub fn parse(spec: &str) -> Result<Keyring> {
        let mut keys = Vec::new();
        for part in spec.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (id, key) = part.split_once(':').ok_or_else(|| {
                AccountsError::invalid("token keys are id:base64key, comma-separated")
            })?;
            let id = id.trim();
            if id.is_empty() || keys.iter().any(|(k, _)| k == id) {
                return Err(AccountsError::invalid(format!(
                    "token key id {id:?} is empty or repeated"
                )));
            }
            let bytes = STANDARD
                .decode(key.trim())
                .map_err(|_| AccountsError::invalid(format!("token key {id}: not base64")))?;
            if bytes.len() != 32 {
                return Err(AccountsError::invalid(format!(
                    "token key {id}: {} bytes, AES-256 needs 32",
                    bytes.len()
                )));
            }
            let cipher = Aes256Gcm::new(Key::<Aes256Gcm>::from_slice(&bytes));
            keys.push((id.to_string(), cipher));
        }
        if keys.is_empty() {
            return Err(AccountsError::invalid("no token key configured"));
        }
        Ok(Keyring { keys })
    }

    /// A keyring with one fresh random key (tests, local experiments: what
    /// it seals cannot be read after a restart).
    pub fn ephemeral() -> Keyring {
        let mut key = [0u8; 32];
        OsRng.fill_bytes(&mut key);
        Keyring::parse(&format!("ephemeral:{}", STANDARD.encode(key))).expect("a valid key")
    }

    /// The id of the key new ciphertexts use.
    pub fn current_id(&self) -> &str {
        &self.keys[0].0
    }

    /// Encrypts `plain`; `context` (for example `github_token:42`) is bound
    /// as associated data, so a ciphertext moved to another row fails.
    pub fn seal(&self, plain: &[u8], context: &str) -> Result<Sealed> {
        let (id, cipher) = &self.keys[0];
        let mut nonce = [0u8; NONCE_LEN];
        OsRng.fill_bytes(&mut nonce);
        let payload = Payload {
            msg: plain,
            aad: context.as_bytes(),
        };
        let ct = cipher
            .encrypt(Nonce::from_slice(&nonce), payload)
            .map_err(|_| AccountsError::Internal("encryption failed".into()))?;
        let mut bytes = nonce.to_vec();
        bytes.extend_from_slice(&ct);
        Ok(Sealed {
            key_id: id.clone(),
            bytes,
        })
    }

    /// Decrypts a sealed secret with the key it names.
    pub fn open(&self, sealed: &Sealed, context: &str) -> Result<Vec<u8>> {
        let cipher = self
            .keys
            .iter()
            .find(|(id, _)| *id == sealed.key_id)
            .map(|(_, c)| c)
            .ok_or_else(|| {
                AccountsError::Internal(format!(
                    "token key {:?} is no longer configured; keep retired keys until \
                     every secret has been re-encrypted",
                    sealed.key_id
                ))
            })?;
        if sealed.bytes.len() < NONCE_LEN + 16 {
            return Err(AccountsError::Internal("sealed secret is truncated".into()));
        }
        let (nonce, ct) = sealed.bytes.split_at(NONCE_LEN);
        let payload = Payload {
            msg: ct,
            aad: context.as_bytes(),
        };
        cipher
            .decrypt(Nonce::from_slice(nonce), payload)
            .map_err(|_| AccountsError::Internal("a sealed secret does not decrypt".into()))
    }

    /// Whether `sealed` was made with a key other than the current one.
    pub fn is_stale(&self, sealed: &Sealed) -> bool {
        sealed.key_id != self.current_id()
    }
}

/// 32 random bytes as URL-safe base64 (43 characters).
pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    OsRng.fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// `n` random characters of `[a-z0-9]`.
pub fn random_alnum(n: usize) -> String {
    const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
    let mut out = String::with_capacity(n);
    let mut bytes = [0u8; 64];
    while out.len() < n {
        OsRng.fill_bytes(&mut bytes);
        for b in bytes {
            // 252 = 7 * 36: rejection keeps the alphabet uniform.
            if b < 252 && out.len() < n {
                out.push(ALPHABET[(b % 36) as usize] as char);
            }
        }
    }
    out
}

/// Lower-case hex SHA-256.
pub fn sha256_hex(text: &str) -> String {
    hex::encode(Sha256::digest(text.as_bytes()))
}

/// PKCE's S256 challenge of a verifier (RFC 7636).
pub fn pkce_challenge(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

/// Constant-time equality of two strings (the length may leak).
pub fn ct_eq(a: &str, b: &str) -> bool {
    a.len() == b.len() && bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(byte: u8) -> String {
        STANDARD.encode([byte; 32])
    }

    #[test]
    fn seals_and_opens_across_rotation() {
        let old = Keyring::parse(&format!("k1:{}", key(1))).unwrap();
        let sealed = old.seal(b"gho_secret", "github_token:7").unwrap();
        assert_eq!(sealed.key_id, "k1");
        assert!(!sealed.bytes.windows(10).any(|w| w == b"gho_secret"));
        let rotated = Keyring::parse(&format!("k2:{}, k1:{}", key(2), key(1))).unwrap();
        assert_eq!(
            rotated.open(&sealed, "github_token:7").unwrap(),
            b"gho_secret"
        );
        assert!(rotated.is_stale(&sealed));
        assert_eq!(rotated.seal(b"x", "c").unwrap().key_id, "k2");
        // Another row's context, a flipped bit, a retired key: refused.
        assert!(rotated.open(&sealed, "github_token:8").is_err());
        let mut flipped = sealed.clone();
        flipped.bytes[20] ^= 1;
        assert!(rotated.open(&flipped, "github_token:7").is_err());
        let only_new = Keyring::parse(&format!("k2:{}", key(2))).unwrap();
        assert!(only_new.open(&sealed, "github_token:7").is_err());
    }

    #[test]
    fn bad_key_specs_are_refused() {
        for spec in [
            "",
            "k1",
            "k1:notbase64!",
            &format!("k1:{}", STANDARD.encode([0u8; 16])),
        ] {
            assert!(Keyring::parse(spec).is_err(), "{spec}");
        }
        assert!(Keyring::parse(&format!("a:{},a:{}", key(1), key(2))).is_err());
    }

    #[test]
    fn tokens_and_challenges() {
        assert_eq!(random_token().len(), 43);
        assert_ne!(random_token(), random_token());
        let alnum = random_alnum(40);
        assert!(alnum.chars().all(|c| c.is_ascii_alphanumeric()));
        // RFC 7636, appendix B.
        assert_eq!(
            pkce_challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
        assert!(ct_eq("abc", "abc") && !ct_eq("abc", "abd") && !ct_eq("abc", "ab"));
    }
}
