//! Survey links: `/s/{token}`, where the token carries the survey's id and the link's expiry,
//! signed with the installation's secret (HMAC-SHA-256, RFC 2104). A token whose signature does
//! not match is refused before the database is asked; the store then takes one answer, and
//! only before the expiry it keeps.

use sha2::{Digest, Sha256};

/// The secret's name among the installation's settings.
pub const SECRET: &str = "survey_link_key";

fn hmac_sha256(key: &[u8], message: &[u8]) -> [u8; 32] {
    const BLOCK: usize = 64;
    let mut k = [0u8; BLOCK];
    if key.len() > BLOCK {
        k[..32].copy_from_slice(&Sha256::digest(key));
    } else {
        k[..key.len()].copy_from_slice(key);
    }
    let pad = |byte: u8| k.map(|b| b ^ byte);
    let inner = Sha256::new().chain_update(pad(0x36)).chain_update(message).finalize();
    Sha256::new().chain_update(pad(0x5c)).chain_update(inner).finalize().into()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) || !s.is_ascii() {
        return None;
    }
    (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).ok()).collect()
}

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
    // Compare every byte, whatever the first difference, so timing tells nothing.
    let diff = expected[..16].iter().zip(mac).fold(0u8, |acc, (a, b)| acc | (a ^ b));
    if diff != 0 {
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
    fn hmac_matches_rfc_4231() {
        // Test case 2.
        assert_eq!(
            hex(&hmac_sha256(b"Jefe", b"what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
        // Test case 6: a key longer than the block.
        assert_eq!(
            hex(&hmac_sha256(&[0xaa; 131], b"Test Using Larger Than Block-Size Key - Hash Key First")),
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"
        );
    }

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
