//! Who is calling, behind a load balancer: the rule that keys per-client
//! limits (sign-in failures) by the real client, not by the balancer every
//! shopper shares, and that a forged header cannot dodge.

use std::net::IpAddr;

/// The proxies (a load balancer) whose forwarding headers are believed;
/// empty (the default): none, the peer is the client.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TrustedProxies(pub Vec<IpAddr>);

impl TrustedProxies {
    /// [`client_address`] of a request from `peer` with these headers.
    pub fn client(&self, peer: IpAddr, forwarded_for: Option<&str>, forwarded: Option<&str>) -> IpAddr {
        client_address(peer, forwarded_for, forwarded, &self.0)
    }
}

/// One address from a hop entry: `203.0.113.7`, `203.0.113.7:4711`,
/// `[2001:db8::1]:4711`, `"[2001:db8::1]"` (RFC 7239 quotes).
fn address(entry: &str) -> Option<IpAddr> {
    let entry = entry.trim().trim_matches('"');
    if let Some(rest) = entry.strip_prefix('[') {
        return rest.split(']').next()?.parse().ok();
    }
    entry.parse().ok().or_else(|| entry.rsplit_once(':').and_then(|(ip, _)| ip.parse().ok()))
}

/// The hops a request passed, nearest last: `X-Forwarded-For`'s entries,
/// or `Forwarded`'s `for=` parameters.
fn hops<'a>(forwarded_for: Option<&'a str>, forwarded: Option<&'a str>) -> Vec<&'a str> {
    if let Some(list) = forwarded_for {
        return list.split(',').collect();
    }
    forwarded
        .map(|f| {
            f.split(',')
                .filter_map(|element| {
                    element.split(';').find_map(|pair| {
                        let (key, value) = pair.split_once('=')?;
                        key.trim().eq_ignore_ascii_case("for").then_some(value)
                    })
                })
                .collect()
        })
        .unwrap_or_default()
}

/// The client of a request that came from `peer`: `peer` itself unless it
/// is one of `trusted` proxies; then, walking the forwarding headers from
/// the nearest hop, the first address that is not a trusted proxy. What a
/// client writes in the headers only counts once a trusted proxy stands
/// between it and us; an entry that is not an address ends the walk at the
/// last proxy that vouched for it.
pub fn client_address(
    peer: IpAddr,
    forwarded_for: Option<&str>,
    forwarded: Option<&str>,
    trusted: &[IpAddr],
) -> IpAddr {
    let mut client = peer;
    if !trusted.contains(&client) {
        return client;
    }
    for hop in hops(forwarded_for, forwarded).into_iter().rev() {
        match address(hop) {
            Some(ip) => {
                client = ip;
                if !trusted.contains(&ip) {
                    return ip;
                }
            }
            None => return client,
        }
    }
    client
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn the_client_behind_trusted_proxies_and_only_then() {
        let balancer = ip("10.0.0.2");
        let trusted = [balancer, ip("10.0.0.3")];
        let cases = [
            // No proxy trusted: the peer, whatever the headers say.
            (ip("198.51.100.9"), Some("1.2.3.4"), None, &[][..], "198.51.100.9"),
            (ip("198.51.100.9"), Some("1.2.3.4"), None, &trusted[..], "198.51.100.9"),
            // Behind the balancer: the address it saw.
            (balancer, Some("203.0.113.7"), None, &trusted[..], "203.0.113.7"),
            // A forged entry before the real one does not count.
            (balancer, Some("6.6.6.6, 203.0.113.7"), None, &trusted[..], "203.0.113.7"),
            // Two trusted hops.
            (balancer, Some("203.0.113.7, 10.0.0.3"), None, &trusted[..], "203.0.113.7"),
            // Ports and IPv6.
            (balancer, Some("203.0.113.7:4711"), None, &trusted[..], "203.0.113.7"),
            (balancer, Some("[2001:db8::1]:4711"), None, &trusted[..], "2001:db8::1"),
            // Garbage: the last proxy that vouched.
            (balancer, Some("not-an-address"), None, &trusted[..], "10.0.0.2"),
            (balancer, Some("203.0.113.7, bogus, 10.0.0.3"), None, &trusted[..], "10.0.0.3"),
            // No header: the balancer itself.
            (balancer, None, None, &trusted[..], "10.0.0.2"),
            // RFC 7239.
            (balancer, None, Some(r#"for="[2001:db8::1]:4711";proto=https"#), &trusted[..], "2001:db8::1"),
            (balancer, None, Some("for=6.6.6.6, for=203.0.113.7;by=10.0.0.2"), &trusted[..], "203.0.113.7"),
        ];
        for (peer, xff, forwarded, trusted, expected) in cases {
            assert_eq!(
                client_address(peer, xff, forwarded, trusted),
                ip(expected),
                "{peer} {xff:?} {forwarded:?}"
            );
        }
    }
}
