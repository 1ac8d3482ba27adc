//! Signed links that leave Guanxi (survey links, opt-out links): HMAC-SHA-256 (RFC 2104) with
//! the installation's secret, so a link's token is checked before the database is asked.

use guanxi_domain::outbox::MessageChannel;
use guanxi_store::{Store, StoreError};
use sha2::{Digest, Sha256};

/// The secret's name among the installation's settings (first made for survey links).
pub const SECRET: &str = "survey_link_key";

/// The installation's signing secret, made the first time it is needed.
pub async fn secret(store: &Store) -> Result<String, StoreError> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| StoreError::Corrupt(format!("no randomness: {e}")))?;
    store.ensure_secret(SECRET, &hex(&bytes)).await
}

pub fn hmac_sha256(key: &[u8], message: &[u8]) -> [u8; 32] {
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

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

pub fn unhex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) || !s.is_ascii() {
        return None;
    }
    (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).ok()).collect()
}

/// Equal in every byte, compared whatever the first difference (timing tells nothing).
pub fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn optout_payload(customer: i64, channel: MessageChannel) -> [u8; 9] {
    let mut p = [0u8; 9];
    p[..8].copy_from_slice(&customer.to_be_bytes());
    p[8] = MessageChannel::ALL.iter().position(|c| *c == channel).unwrap_or(0) as u8;
    p
}

fn optout_mac(secret: &str, payload: &[u8]) -> [u8; 32] {
    // A domain of its own: no survey token can pass for an opt-out token.
    hmac_sha256(secret.as_bytes(), &[b"optout:".as_slice(), payload].concat())
}

/// The opt-out token of `customer` on `channel`: 50 hex digits.
pub fn optout_token(secret: &str, customer: i64, channel: MessageChannel) -> String {
    let p = optout_payload(customer, channel);
    format!("{}{}", hex(&p), hex(&optout_mac(secret, &p)[..16]))
}

/// The customer and channel an opt-out token carries, if its signature is ours.
pub fn verify_optout(secret: &str, token: &str) -> Option<(i64, MessageChannel)> {
    let bytes = unhex(token)?;
    if bytes.len() != 25 {
        return None;
    }
    let (p, mac) = bytes.split_at(9);
    if !same(&optout_mac(secret, p)[..16], mac) {
        return None;
    }
    let customer = i64::from_be_bytes(p[..8].try_into().ok()?);
    let channel = *MessageChannel::ALL.get(p[8] as usize)?;
    Some((customer, channel))
}

/// Where a customer opts out: under the public address.
pub fn optout_url(base: &str, secret: &str, customer: i64, channel: MessageChannel) -> String {
    format!("{}/optout/{}", base.trim_end_matches('/'), optout_token(secret, customer, channel))
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
    fn an_optout_token_carries_its_customer_and_refuses_tampering() {
        let t = optout_token("secret", 42, MessageChannel::Email);
        assert_eq!(verify_optout("secret", &t), Some((42, MessageChannel::Email)));
        assert_eq!(verify_optout("another", &t), None);
        let other = optout_token("secret", 43, MessageChannel::Email);
        let forged = format!("{}{}", &other[..18], &t[18..]);
        assert_eq!(verify_optout("secret", &forged), None, "another customer with this signature");
        assert_eq!(verify_optout("secret", "zz"), None);
        assert_eq!(verify_optout("secret", "退订退订"), None);
        assert!(
            optout_url("https://crm.example.com/", "s", 1, MessageChannel::Sms)
                .starts_with("https://crm.example.com/optout/")
        );
    }
}
