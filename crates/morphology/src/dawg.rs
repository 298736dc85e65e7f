//! A DAWG in dawgdic's double-array layout (as the Python `DAWG` package
//! saves it), read in place: a unit per state holding its label, the offset
//! of its children and whether a key ends there. Only what lemmas need:
//! following a key's bytes and listing the keys that complete it.

/// Where a key's bytes end and its base64 value begins (pymorphy2's
/// `BytesDAWG`).
pub const PAYLOAD_SEPARATOR: u8 = 0x01;

const HAS_LEAF_BIT: u32 = 1 << 8;
const EXTENSION_BIT: u32 = 1 << 9;
const IS_LEAF_BIT: u32 = 1 << 31;

const BASE64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

pub struct Dawg {
    units: Vec<u32>,
}

impl Dawg {
    pub const ROOT: u32 = 0;

    /// A saved DAWG: a little-endian `u32` count of units, the units, then
    /// the guide (not needed here).
    pub fn parse(bytes: &[u8]) -> Result<Self, &'static str> {
        let count = bytes.get(..4).ok_or("no unit count")?;
        let count = usize::try_from(u32::from_le_bytes(count.try_into().map_err(|_| "no unit count")?))
            .map_err(|_| "unit count out of range")?;
        let end = count.checked_mul(4).and_then(|n| n.checked_add(4)).ok_or("unit count out of range")?;
        let units = bytes.get(4..end).ok_or("fewer units than counted")?;
        let units: Vec<u32> =
            units.chunks_exact(4).map(|u| u32::from_le_bytes([u[0], u[1], u[2], u[3]])).collect();
        if units.is_empty() {
            return Err("no units");
        }
        Ok(Dawg { units })
    }

    fn child(&self, index: u32, label: u8) -> Option<u32> {
        let unit = *self.units.get(usize::try_from(index).ok()?)?;
        let offset = (unit >> 10) << ((unit & EXTENSION_BIT) >> 6);
        let next = index ^ offset ^ u32::from(label);
        let next_unit = *self.units.get(usize::try_from(next).ok()?)?;
        (next_unit & (IS_LEAF_BIT | 0xFF) == u32::from(label)).then_some(next)
    }

    /// The state after `bytes` from `index`, if the DAWG has that path.
    pub fn follow(&self, index: u32, bytes: &[u8]) -> Option<u32> {
        bytes.iter().try_fold(index, |at, &label| self.child(at, label))
    }

    fn ends_key(&self, index: u32) -> bool {
        usize::try_from(index).ok().and_then(|i| self.units.get(i)).is_some_and(|u| u & HAS_LEAF_BIT != 0)
    }

    /// The base64 completions of a key from `index` (each value of the key).
    pub fn values(&self, index: u32) -> impl Iterator<Item = Vec<u8>> {
        let mut found = Vec::new();
        let mut stack = vec![(index, Vec::new())];
        while let Some((at, key)) = stack.pop() {
            if self.ends_key(at) && !key.is_empty() {
                found.push(key.clone());
            }
            // A value is 8 characters (4 bytes); nothing in this DAWG is
            // longer, and the bound keeps damaged data from looping.
            if key.len() >= 12 {
                continue;
            }
            // Python's `binascii.b2a_base64` ends each value with a newline.
            for &label in BASE64.iter().chain(b"=\n") {
                if let Some(next) = self.child(at, label) {
                    let mut longer = key.clone();
                    longer.push(label);
                    stack.push((next, longer));
                }
            }
        }
        found.into_iter()
    }
}

/// Standard base64 with padding (and a trailing newline); `None` for
/// anything else.
pub fn base64_decode(text: &[u8]) -> Option<Vec<u8>> {
    let text = text.strip_suffix(b"\n").unwrap_or(text);
    let text = text.strip_suffix(b"==").or_else(|| text.strip_suffix(b"=")).unwrap_or(text);
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    let (mut buffer, mut bits) = (0_u32, 0);
    for &c in text {
        let value = u32::try_from(BASE64.iter().position(|&b| b == c)?).ok()?;
        buffer = (buffer << 6) | value;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push(u8::try_from((buffer >> bits) & 0xFF).ok()?);
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_both_paddings() {
        assert_eq!(base64_decode(b"AAEAAg==").unwrap(), [0, 1, 0, 2]);
        assert_eq!(base64_decode(b"TWFu").unwrap(), b"Man");
        assert_eq!(base64_decode(b"TWE=").unwrap(), b"Ma");
        assert_eq!(base64_decode(b"AByAAA==\n").unwrap(), [0, 0x1c, 0x80, 0]);
        assert_eq!(base64_decode(b"T*E="), None);
    }

    #[test]
    fn parse_refuses_short_data() {
        assert!(Dawg::parse(&[]).is_err());
        assert!(Dawg::parse(&[2, 0, 0, 0, 1, 2, 3, 4]).is_err());
        assert!(Dawg::parse(&[0, 0, 0, 0]).is_err());
        assert!(Dawg::parse(&[1, 0, 0, 0, 1, 2, 3, 4]).is_ok());
    }
}
