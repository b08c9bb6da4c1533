//! Just enough DER to take the SubjectPublicKeyInfo out of an X.509 certificate.

/// One TLV: (tag, header length, content length).
fn tlv(der: &[u8]) -> Option<(u8, usize, usize)> {
    let tag = *der.first()?;
    let first = *der.get(1)?;
    if first < 0x80 {
        return Some((tag, 2, usize::from(first)));
    }
    let n = usize::from(first & 0x7f);
    if n == 0 || n > 4 {
        return None;
    }
    let len = der.get(2..2 + n)?.iter().fold(0usize, |acc, b| (acc << 8) | usize::from(*b));
    Some((tag, 2 + n, len))
}

/// The element at the start of a DER buffer.
struct Element<'a> {
    tag: u8,
    content: &'a [u8],
    whole: &'a [u8],
    rest: &'a [u8],
}

/// Splits off the element at the start of `der`.
fn split(der: &[u8]) -> Option<Element<'_>> {
    let (tag, header, len) = tlv(der)?;
    let whole = der.get(..header + len)?;
    Some(Element { tag, content: &whole[header..], whole, rest: &der[header + len..] })
}

/// The DER of the certificate's SubjectPublicKeyInfo (the 7th element of tbsCertificate, counting the
/// optional explicit version).
pub fn subject_public_key_info(cert: &[u8]) -> Option<&[u8]> {
    let tbs = split(split(cert)?.content)?.content;
    let mut rest = tbs;
    if rest.first() == Some(&0xa0) {
        rest = split(rest)?.rest;
    }
    // serialNumber, signature, issuer, validity, subject
    for _ in 0..5 {
        rest = split(rest)?.rest;
    }
    let spki = split(rest)?;
    (spki.tag == 0x30).then_some(spki.whole)
}
