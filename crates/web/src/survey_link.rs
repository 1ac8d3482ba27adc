//! Survey links: `/s/{token}`, where the token carries the survey's id and the link's expiry,
//! signed with the installation's secret (HMAC-SHA-256, RFC 2104). A token whose signature does
//! not match is refused before the database is asked; the store then takes one answer, and
//! only before the expiry it keeps.

use guanxi_outbox::links::{hex, hmac_sha256, same, unhex};

/// The secret's name among the installation's settings.
pub use guanxi_outbox::links::SECRET;

fn payload(id: i64, expires: i64) -> [u8; 16] {
    let mut p = [0u8; 16];
    p[..8].copy_from_slice(&id.to_be_bytes());
    p[8..].copy_from_slice(&expires.to_be_bytes());
    p
}

/// The token of survey `id` expiring at `expires` (Unix seconds): 64 hex digits.
pub fn sign(secret: &str, id: i64, expires: i64) -> String {
    let p = payload(id, expires);
    let mac = hmac_sha256(secret.as_bytes(), &p);
    format!("{}{}", hex(&p), hex(&mac[..16]))
}

/// The survey id and expiry a token carries, if its signature is ours.
pub fn verify(secret: &str, token: &str) -> Option<(i64, i64)> {
    let bytes = unhex(token)?;
    if bytes.len() != 32 {
        return None;
    }
    let (p, mac) = bytes.split_at(16);
    let expected = hmac_sha256(secret.as_bytes(), p);
    if !same(&expected[..16], mac) {
        return None;
    }
    let id = i64::from_be_bytes(p[..8].try_into().ok()?);
    let expires = i64::from_be_bytes(p[8..].try_into().ok()?);
    Some((id, expires))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_carries_its_survey_and_refuses_tampering() {
        let t = sign("secret", 42, 1_800_000_000);
        assert_eq!(t.len(), 64);
        assert_eq!(verify("secret", &t), Some((42, 1_800_000_000)));
        assert_eq!(verify("another secret", &t), None);
        // Another survey's id with the same signature.
        let forged = format!("{}{}", &sign("x", 43, 1_800_000_000)[..32], &t[32..]);
        assert_eq!(verify("secret", &forged), None);
        let mut flipped = t.clone().into_bytes();
        flipped[63] = if flipped[63] == b'0' { b'1' } else { b'0' };
        assert_eq!(verify("secret", &String::from_utf8(flipped).unwrap()), None);
        assert_eq!(verify("secret", "not a token"), None);
        assert_eq!(verify("secret", "日本語日本語"), None);
        assert_eq!(verify("secret", ""), None);
    }
}
