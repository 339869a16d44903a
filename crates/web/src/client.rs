//! Who is on the other end of a request: its address and whether it came over HTTPS. Behind a
//! reverse proxy the socket's peer is the proxy, so the proxy's `X-Forwarded-For` and
//! `X-Forwarded-Proto` are believed — but only from proxies the settings name
//! (`trusted_proxies`). From anyone else those headers are ignored: a client could otherwise
//! pick its own address and escape the log-in throttle, or blame another.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use axum::extract::ConnectInfo;
use axum::http::{Extensions, HeaderMap};
use ipnet::IpNet;

/// The proxies whose forwarding headers are believed: addresses or networks
/// (`10.0.0.5`, `10.0.0.0/8`, `::1`).
#[derive(Clone, Debug, Default)]
pub struct TrustedProxies(Arc<Vec<IpNet>>);

impl TrustedProxies {
    /// Parses the setting; a bad entry is named.
    pub fn parse(entries: &[String]) -> Result<TrustedProxies, String> {
        entries
            .iter()
            .map(|e| {
                let e = e.trim();
                e.parse::<IpNet>()
                    .or_else(|_| e.parse::<IpAddr>().map(IpNet::from))
                    .map_err(|_| {
                        format!("`{e}` is not an address or network like 10.0.0.5 or 10.0.0.0/8")
                    })
            })
            .collect::<Result<Vec<_>, _>>()
            .map(|v| TrustedProxies(Arc::new(v)))
    }

    pub fn trusts(&self, ip: IpAddr) -> bool {
        let ip = canonical(ip);
        self.0.iter().any(|n| n.contains(&ip))
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// An IPv4 address seen through an IPv6 socket (`::ffff:10.0.0.5`) is that IPv4 address.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

fn peer(ext: &Extensions) -> Option<IpAddr> {
    ext.get::<ConnectInfo<SocketAddr>>()
        .map(|c| canonical(c.0.ip()))
}

/// One entry of `X-Forwarded-For`: an address, perhaps with a port (`1.2.3.4:5678`,
/// `[::1]:80`).
fn forwarded_entry(s: &str) -> Option<IpAddr> {
    let s = s.trim();
    s.parse::<IpAddr>()
        .ok()
        .or_else(|| s.parse::<SocketAddr>().ok().map(|a| a.ip()))
        .map(canonical)
}

/// The client's address. Behind trusted proxies, the right-most address in `X-Forwarded-For`
/// that is not itself a trusted proxy (each proxy appends the address it received from, so
/// entries left of the first untrusted one may be forged by the client).
pub fn address(proxies: &TrustedProxies, headers: &HeaderMap, ext: &Extensions) -> String {
    let Some(mut at) = peer(ext) else {
        return "unknown".into();
    };
    if proxies.trusts(at) {
        let chain: Vec<&str> = headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .collect();
        for entry in chain.iter().rev() {
            match forwarded_entry(entry) {
                Some(ip) => {
                    at = ip;
                    if !proxies.trusts(ip) {
                        break;
                    }
                }
                // A malformed entry: stop at the last address known good.
                None => break,
            }
        }
    }
    at.to_string()
}

/// Whether the visitor reached us over HTTPS: the server is told so (`secure_cookies`), or a
/// trusted proxy says `X-Forwarded-Proto: https`.
pub fn is_secure(
    secure_cookies: bool,
    proxies: &TrustedProxies,
    headers: &HeaderMap,
    ext: &Extensions,
) -> bool {
    secure_cookies
        || (peer(ext).is_some_and(|p| proxies.trusts(p))
            && headers
                .get("x-forwarded-proto")
                .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"https")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(peer: &str, forwarded: &[&str]) -> (HeaderMap, Extensions) {
        let mut h = HeaderMap::new();
        for f in forwarded {
            h.append("x-forwarded-for", f.parse().unwrap());
        }
        let mut e = Extensions::new();
        e.insert(ConnectInfo(peer.parse::<SocketAddr>().unwrap()));
        (h, e)
    }

    fn state(trusted: &[&str]) -> TrustedProxies {
        TrustedProxies::parse(&trusted.iter().map(|s| s.to_string()).collect::<Vec<_>>()).unwrap()
    }

    #[test]
    fn forwarded_for_is_believed_only_from_a_trusted_proxy() {
        let none = state(&[]);
        let proxy = state(&["10.0.0.5", "192.168.0.0/16"]);
        // No proxy configured: the header is the client's own word, ignored.
        let (h, e) = request("203.0.113.9:5000", &["198.51.100.1"]);
        assert_eq!(address(&none, &h, &e), "203.0.113.9");
        // From the trusted proxy: the client it saw.
        let (h, e) = request("10.0.0.5:5000", &["198.51.100.1"]);
        assert_eq!(address(&proxy, &h, &e), "198.51.100.1");
        // The client prepended a forged entry: the right-most untrusted one wins.
        let (h, e) = request("10.0.0.5:5000", &["1.1.1.1, 198.51.100.1"]);
        assert_eq!(address(&proxy, &h, &e), "198.51.100.1");
        // Two proxies in a row, the header on two lines, ports and IPv4-in-IPv6.
        let (h, e) = request(
            "[::ffff:10.0.0.5]:5000",
            &["198.51.100.7:443", "192.168.1.1"],
        );
        assert_eq!(address(&proxy, &h, &e), "198.51.100.7");
        // From an untrusted peer the header is ignored even when it names a trusted proxy.
        let (h, e) = request("203.0.113.9:5000", &["10.0.0.5"]);
        assert_eq!(address(&proxy, &h, &e), "203.0.113.9");
        // Garbage in the header: the last good address.
        let (h, e) = request("10.0.0.5:5000", &["<script>"]);
        assert_eq!(address(&proxy, &h, &e), "10.0.0.5");
        assert!(TrustedProxies::parse(&["10.0.0.0/33".into()]).is_err());
        assert!(TrustedProxies::parse(&["proxy.example".into()]).is_err());
    }

    #[test]
    fn https_is_believed_only_from_a_trusted_proxy() {
        let proxy = state(&["10.0.0.5"]);
        let mut h = HeaderMap::new();
        h.insert("x-forwarded-proto", "https".parse().unwrap());
        let (_, e) = request("10.0.0.5:1", &[]);
        assert!(is_secure(false, &proxy, &h, &e));
        let (_, e) = request("203.0.113.9:1", &[]);
        assert!(!is_secure(false, &proxy, &h, &e));
    }
}
