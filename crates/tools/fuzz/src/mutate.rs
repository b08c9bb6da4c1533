//! The mutator: a few stacked random edits of a corpus entry, in the manner of AFL's "havoc" stage, with
//! tokens aimed at the formats under test (quotes, CDATA ends, character references, deep nesting, huge
//! numbers, invalid UTF-8, NULs, very long runs).

use rand::Rng;
use rand::rngs::StdRng;

/// Tokens worth trying in any input.
const COMMON: &[&[u8]] = &[
    b"'",
    b"\"",
    b"<",
    b">",
    b"&",
    b"]]>",
    b"&#0;",
    b"\\",
    b"\\u0000",
    b"\0",
    b"\r\n",
    b"\t",
    b" ",
    // Invalid UTF-8: a lone continuation byte, an overlong NUL, a surrogate, past U+10FFFF, a cut sequence.
    b"\x80",
    b"\xff",
    b"\xc0\x80",
    b"\xed\xa0\x80",
    b"\xf4\x90\x80\x80",
    b"\xe2\x82",
    // Valid but awkward UTF-8: BOM, right-to-left override, zero width space, a combining accent, an emoji.
    "\u{feff}".as_bytes(),
    "\u{202e}".as_bytes(),
    "\u{200b}".as_bytes(),
    "e\u{301}".as_bytes(),
    "\u{1f600}".as_bytes(),
];

/// Numbers at the edges of the types the parsers read into (i64 seconds, f64, chrono's range).
const NUMBERS: &[&[u8]] = &[
    b"0",
    b"-0",
    b"-1",
    b"00",
    b"1e999",
    b"-1e999",
    b"1e-999",
    b"1.7976931348623157e308",
    b"4.9e-324",
    b"2147483648",
    b"9223372036854775807",
    b"9223372036854775808",
    b"-9223372036854775808",
    b"-9223372036854775809",
    b"18446744073709551615",
    b"18446744073709551616",
    b"8210298412799",
    b"-8334601228800",
    b"99999999999999999999999999999999999999999999999999",
    b"NaN",
    b"Infinity",
    b"0x10",
];

/// Openers (and their closers) repeated to nest deeply.
const NESTING: &[(&[u8], &[u8])] = &[
    (b"[", b"]"),
    (b"{\"a\":", b"}"),
    (b"{\"record\":", b"}"),
    (b"<a>", b"</a>"),
    (b"<sObject>", b"</sObject>"),
    (b"<![CDATA[", b"]]>"),
    (b"<!--", b"-->"),
];

const DEPTHS: &[usize] = &[16, 127, 128, 129, 256, 1_000, 5_000, 20_000];

/// A mutant of `base`: 1, 2, 4 or 8 edits, at most `max_len` bytes.
pub fn mutate(rng: &mut StdRng, base: &[u8], corpus: &[Vec<u8>], dict: &[&[u8]], max_len: usize) -> Vec<u8> {
    let mut data = base.to_vec();
    for _ in 0..1 << rng.random_range(0..4) {
        edit(rng, &mut data, corpus, dict);
        if data.len() > max_len {
            data.truncate(max_len);
        }
    }
    data
}

fn pos(rng: &mut StdRng, data: &[u8]) -> usize {
    rng.random_range(0..=data.len())
}

/// A range of `data`: short ones more often than long ones.
fn range(rng: &mut StdRng, data: &[u8]) -> (usize, usize) {
    if data.is_empty() {
        return (0, 0);
    }
    let start = rng.random_range(0..data.len());
    let room = data.len() - start;
    let len = if rng.random_bool(0.8) { rng.random_range(1..=room.min(16)) } else { rng.random_range(1..=room) };
    (start, start + len)
}

fn pick<'a, T>(rng: &mut StdRng, items: &'a [T]) -> &'a T {
    &items[rng.random_range(0..items.len())]
}

fn token<'a>(rng: &mut StdRng, tokens: &[&'a [u8]]) -> &'a [u8] {
    tokens[rng.random_range(0..tokens.len())]
}

fn edit(rng: &mut StdRng, data: &mut Vec<u8>, corpus: &[Vec<u8>], dict: &[&[u8]]) {
    match rng.random_range(0..14) {
        // Flip a bit.
        0 if !data.is_empty() => {
            let i = rng.random_range(0..data.len());
            data[i] ^= 1 << rng.random_range(0..8);
        }
        // Set a byte: any, or printable ASCII.
        1 if !data.is_empty() => {
            let i = rng.random_range(0..data.len());
            data[i] = if rng.random_bool(0.5) { rng.random() } else { rng.random_range(0x20..0x7f) };
        }
        // Insert random bytes.
        2 => {
            let at = pos(rng, data);
            let n = rng.random_range(1..=8);
            let bytes: Vec<u8> = (0..n).map(|_| rng.random()).collect();
            data.splice(at..at, bytes);
        }
        // Delete a range.
        3 => {
            let (a, b) = range(rng, data);
            data.drain(a..b);
        }
        // Duplicate a chunk somewhere else.
        4 => {
            let (a, b) = range(rng, data);
            let chunk = data[a..b].to_vec();
            let at = pos(rng, data);
            data.splice(at..at, chunk);
        }
        // Splice: this input's head, another entry's tail.
        5 => {
            let other = pick(rng, corpus);
            let cut = pos(rng, data);
            let from = rng.random_range(0..=other.len());
            data.truncate(cut);
            data.extend_from_slice(&other[from..]);
        }
        // Insert a chunk of another entry.
        6 => {
            let other = pick(rng, corpus);
            let (a, b) = range(rng, other);
            let at = pos(rng, data);
            data.splice(at..at, other[a..b].iter().copied());
        }
        // Insert or overwrite with a token (the target's own tokens more often).
        7 | 8 => {
            let token = if !dict.is_empty() && rng.random_bool(0.6) { token(rng, dict) } else { token(rng, COMMON) };
            if rng.random_bool(0.5) {
                let at = pos(rng, data);
                data.splice(at..at, token.iter().copied());
            } else {
                let (a, b) = range(rng, data);
                data.splice(a..b, token.iter().copied());
            }
        }
        // Replace a number (or insert one) with an edge value.
        9 => {
            let number = token(rng, NUMBERS);
            let at = pos(rng, data);
            let digit = data[at..].iter().position(u8::is_ascii_digit).map(|i| at + i);
            match digit {
                Some(start) => {
                    let end = data[start..].iter().position(|b| !b.is_ascii_digit()).map_or(data.len(), |i| start + i);
                    data.splice(start..end, number.iter().copied());
                }
                None => {
                    data.splice(at..at, number.iter().copied());
                }
            }
        }
        // Nest deeply: openers alone, or openers and closers.
        10 => {
            let (open, close) = *pick(rng, NESTING);
            let depth = *pick(rng, DEPTHS);
            let at = pos(rng, data);
            let mut nest = open.repeat(depth);
            if rng.random_bool(0.5) {
                nest.extend(close.repeat(depth));
            }
            data.splice(at..at, nest);
        }
        // A very long run of one byte or token.
        11 => {
            let run: &[u8] = match rng.random_range(0..3) {
                0 => token(rng, COMMON),
                1 if !dict.is_empty() => token(rng, dict),
                _ => b"a",
            };
            let times = rng.random_range(64..=(64 * 1024 / run.len().max(1)).max(64));
            let at = pos(rng, data);
            data.splice(at..at, run.repeat(times));
        }
        // Swap two bytes.
        12 if data.len() >= 2 => {
            let i = rng.random_range(0..data.len());
            let j = rng.random_range(0..data.len());
            data.swap(i, j);
        }
        // Add or subtract a little from a byte (digits become other digits or neighbours).
        _ if !data.is_empty() => {
            let i = rng.random_range(0..data.len());
            let delta = rng.random_range(1..=4);
            data[i] = if rng.random_bool(0.5) { data[i].wrapping_add(delta) } else { data[i].wrapping_sub(delta) };
        }
        // An empty input: start from a token.
        _ => data.extend_from_slice(token(rng, COMMON)),
    }
}

#[cfg(test)]
mod tests {
    use rand::SeedableRng;

    use super::*;

    #[test]
    fn mutants_stay_within_the_length_limit_and_differ_from_their_base() {
        let mut rng = StdRng::seed_from_u64(7);
        let corpus = vec![b"{\"name\":\"Ada\"}".to_vec(), b"<a>1</a>".to_vec()];
        let mut changed = 0;
        for _ in 0..10_000 {
            let m = mutate(&mut rng, &corpus[0], &corpus, &[b"\"email\":"], 4096);
            assert!(m.len() <= 4096);
            changed += usize::from(m != corpus[0]);
        }
        assert!(changed > 9_000, "{changed}");
    }

    #[test]
    fn an_empty_base_and_corpus_entry_are_fine() {
        let mut rng = StdRng::seed_from_u64(1);
        let corpus = vec![Vec::new()];
        for _ in 0..10_000 {
            mutate(&mut rng, &[], &corpus, &[], 1024);
        }
    }
}
