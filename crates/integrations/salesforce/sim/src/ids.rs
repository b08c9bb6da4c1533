//! Salesforce record ids: 15 case-sensitive characters (3-character key prefix, then instance and counter)
//! plus a 3-character suffix that encodes the case of the first 15, giving the 18-character form the API
//! returns and accepts case-insensitively.

const SUFFIX_ALPHABET: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ012345";
const BASE62: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// Contact's key prefix.
pub const CONTACT_PREFIX: &str = "003";

/// The 3-character checksum suffix of a 15-character id.
fn suffix(id15: &[u8]) -> String {
    id15.chunks(5)
        .map(|chunk| {
            let bits = chunk
                .iter()
                .enumerate()
                .filter(|(_, c)| c.is_ascii_uppercase())
                .fold(0usize, |acc, (i, _)| acc | (1 << i));
            char::from(SUFFIX_ALPHABET[bits])
        })
        .collect()
}

/// Extends a 15-character id to 18 characters. Returns `None` when the input is not 15 alphanumerics.
pub fn to_18(id15: &str) -> Option<String> {
    let bytes = id15.as_bytes();
    (bytes.len() == 15 && bytes.iter().all(u8::is_ascii_alphanumeric)).then(|| format!("{id15}{}", suffix(bytes)))
}

/// Restores the case of the first 15 characters of an 18-character id from its suffix, as Salesforce does
/// for ids typed in another case. `None` when the suffix is not a valid checksum character.
fn restore_case(id18: &str) -> Option<String> {
    let (body, sfx) = id18.split_at(15);
    let mut out = Vec::with_capacity(15);
    for (chunk, code) in body.as_bytes().chunks(5).zip(sfx.bytes()) {
        let bits = SUFFIX_ALPHABET.iter().position(|&a| a == code.to_ascii_uppercase())?;
        out.extend(
            chunk
                .iter()
                .enumerate()
                .map(|(i, c)| if bits & (1 << i) != 0 { c.to_ascii_uppercase() } else { c.to_ascii_lowercase() }),
        );
    }
    String::from_utf8(out).ok()
}

/// Validates an id given by a client (15 or 18 characters) and returns its canonical 18-character form.
/// `None` means the value is not a Salesforce id (MALFORMED_ID).
pub fn normalize(id: &str) -> Option<String> {
    if !id.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return None;
    }
    match id.len() {
        15 => to_18(id),
        18 => {
            if to_18(&id[..15]).is_some_and(|full| full == id) {
                return Some(id.to_owned());
            }
            let restored = restore_case(id)?;
            let full = to_18(&restored)?;
            full[15..].eq_ignore_ascii_case(&id[15..]).then_some(full)
        }
        _ => None,
    }
}

/// Whether `id` is a valid id of the given key prefix; returns the canonical 18-character form.
pub fn normalize_with_prefix(id: &str, prefix: &str) -> Option<String> {
    normalize(id).filter(|full| full.starts_with(prefix))
}

/// A new 18-character id: key prefix, a fixed instance code, and a 9-digit base62 sequence number.
pub fn generate(prefix: &str, seq: u64) -> String {
    let mut digits = [b'0'; 9];
    let mut n = seq;
    for slot in digits.iter_mut().rev() {
        *slot = BASE62[(n % 62) as usize];
        n /= 62;
    }
    let body = format!("{prefix}Sm0{}", String::from_utf8_lossy(&digits));
    let body = &body[..15];
    format!("{body}{}", suffix(body.as_bytes()))
}
