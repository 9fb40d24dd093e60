//! Secrets shared by every instance (kept in the database, created on first start):
//! applicant access tokens (HMAC of the application id, so a retried submission can be
//! answered with the same token without storing it) and sealing of My Number values.

use aes_gcm::aead::{Aead, KeyInit};
use aes_gcm::{Aes256Gcm, Nonce};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};
use sqlx::{AnyPool, Row};

use crate::{Result, StoreError};

#[derive(Clone)]
pub struct Secrets {
    token_key: [u8; 32],
    seal_key: [u8; 32],
}

impl std::fmt::Debug for Secrets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secrets(…)")
    }
}

pub fn random_bytes<const N: usize>() -> [u8; N] {
    let mut b = [0u8; N];
    // The OS random source failing is not recoverable; every token would be weak.
    getrandom::fill(&mut b).unwrap_or_else(|e| panic!("no OS randomness: {e}"));
    b
}

/// A random URL-safe token with 256 bits.
pub fn random_token() -> String {
    URL_SAFE_NO_PAD.encode(random_bytes::<32>())
}

pub fn sha256_hex(data: &[u8]) -> String {
    hex::encode(Sha256::digest(data))
}

fn derive(master: &[u8], purpose: &str) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(master);
    h.update(purpose.as_bytes());
    h.finalize().into()
}

impl Secrets {
    pub fn from_master(master: &[u8]) -> Secrets {
        Secrets {
            token_key: derive(master, "madoguchi/application-token/v1"),
            seal_key: derive(master, "madoguchi/seal/v1"),
        }
    }

    pub(crate) async fn load_or_create(pool: &AnyPool) -> Result<Secrets> {
        let fresh = hex::encode(random_bytes::<32>());
        sqlx::query("INSERT INTO settings (key, value) VALUES ('master_secret', $1) ON CONFLICT (key) DO NOTHING").bind(&fresh).execute(pool).await?;
        let row = sqlx::query("SELECT value FROM settings WHERE key = 'master_secret'")
            .fetch_one(pool)
            .await?;
        let master: String = row.try_get(0)?;
        let master = hex::decode(master)
            .map_err(|_| StoreError::Corrupt("master_secret is not hex".into()))?;
        Ok(Secrets::from_master(&master))
    }

    /// The access token of an application: only its holder may read the status.
    pub fn application_token(&self, application_id: &str) -> String {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.token_key)
            .unwrap_or_else(|_| unreachable!("HMAC takes any key length"));
        mac.update(application_id.as_bytes());
        URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes())
    }

    pub fn check_application_token(&self, application_id: &str, token: &str) -> bool {
        let Ok(given) = URL_SAFE_NO_PAD.decode(token.trim()) else {
            return false;
        };
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.token_key)
            .unwrap_or_else(|_| unreachable!("HMAC takes any key length"));
        mac.update(application_id.as_bytes());
        mac.verify_slice(&given).is_ok()
    }

    /// The token that lets whoever left a question for staff read the answer (no account, no
    /// contact details: the ticket link is the only key).
    pub fn ticket_token(&self, ticket_id: &str) -> String {
        self.application_token(&format!("guide-ticket:{ticket_id}"))
    }

    pub fn check_ticket_token(&self, ticket_id: &str, token: &str) -> bool {
        self.check_application_token(&format!("guide-ticket:{ticket_id}"), token)
    }

    /// Encrypts a sensitive value (AES-256-GCM, random nonce): `v1.<base64>`.
    pub fn seal(&self, plain: &str) -> String {
        let cipher = Aes256Gcm::new_from_slice(&self.seal_key)
            .unwrap_or_else(|_| unreachable!("32-byte key"));
        let nonce_bytes = random_bytes::<12>();
        let ct = cipher
            .encrypt(Nonce::from_slice(&nonce_bytes), plain.as_bytes())
            .unwrap_or_else(|_| unreachable!("encryption of a short text"));
        let mut out = nonce_bytes.to_vec();
        out.extend_from_slice(&ct);
        format!("v1.{}", URL_SAFE_NO_PAD.encode(out))
    }

    pub fn unseal(&self, sealed: &str) -> Option<String> {
        let data = URL_SAFE_NO_PAD.decode(sealed.strip_prefix("v1.")?).ok()?;
        if data.len() < 12 {
            return None;
        }
        let cipher = Aes256Gcm::new_from_slice(&self.seal_key).ok()?;
        let plain = cipher
            .decrypt(Nonce::from_slice(&data[..12]), &data[12..])
            .ok()?;
        String::from_utf8(plain).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_and_sealing() {
        let s = Secrets::from_master(b"test master");
        let t = s.application_token("app-1");
        assert!(s.check_application_token("app-1", &t));
        assert!(!s.check_application_token("app-2", &t));
        assert!(!s.check_application_token("app-1", "garbage!"));
        let sealed = s.seal("123456789018");
        assert!(!sealed.contains("123456789018"));
        assert_eq!(s.unseal(&sealed).as_deref(), Some("123456789018"));
        assert_ne!(s.seal("123456789018"), sealed, "random nonce");
        assert_eq!(Secrets::from_master(b"other").unseal(&sealed), None);
    }
}
