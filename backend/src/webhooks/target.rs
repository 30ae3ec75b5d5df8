//! Where a webhook may be sent (SSRF protection, R-WEBHOOK): `http` or `https` only, no
//! credentials in the URL, and a host that resolves only to public addresses — never
//! loopback, private, shared (CGNAT), link-local (169.254.0.0/16, where cloud metadata
//! services live), unique-local, multicast, documentation or otherwise reserved ranges. The
//! check runs when an endpoint is registered and again before every delivery, on the
//! addresses the delivery then connects to, so a name that later resolves elsewhere (DNS
//! rebinding) is caught. `CONFIDANT_WEBHOOK_ALLOW_PRIVATE_NETWORKS=true` lifts the address
//! rule for development and tests only.
//!
//! Written here: the standard library classifies only part of these ranges, and no
//! maintained crate does the resolution and the classification together.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::time::Duration;

use url::Url;

/// How long resolving a host may take.
const RESOLVE_DEADLINE: Duration = Duration::from_secs(5);

/// Why a URL is not a place webhooks go.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refused {
    /// Not an absolute `http`/`https` URL.
    #[error("Use an http or https URL.")]
    Scheme,
    /// A user name or password in the URL.
    #[error("Leave user names and passwords out of the URL.")]
    Credentials,
    /// No host.
    #[error("The URL has no host.")]
    NoHost,
    /// The host does not resolve (in time).
    #[error("The host does not resolve to an address.")]
    Unresolvable,
    /// The host resolves to an address that is not public.
    #[error(
        "The host resolves to a private, loopback, link-local or otherwise reserved address, where webhooks are not sent."
    )]
    NotPublic,
}

/// Checks `raw` and answers the URL with the addresses to connect to.
pub async fn check(raw: &str, allow_private: bool) -> Result<(Url, Vec<SocketAddr>), Refused> {
    let url = Url::parse(raw.trim()).map_err(|_| Refused::Scheme)?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(Refused::Scheme);
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(Refused::Credentials);
    }
    let host = url.host_str().ok_or(Refused::NoHost)?.to_owned();
    let port = url.port_or_known_default().ok_or(Refused::Scheme)?;
    // An address literal in brackets (IPv6) is given to the resolver without them.
    let name = host
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_owned();
    let addresses: Vec<SocketAddr> = tokio::time::timeout(
        RESOLVE_DEADLINE,
        tokio::net::lookup_host((name.as_str(), port)),
    )
    .await
    .map_err(|_| Refused::Unresolvable)?
    .map_err(|_| Refused::Unresolvable)?
    .collect();
    if addresses.is_empty() {
        return Err(Refused::Unresolvable);
    }
    if !allow_private && addresses.iter().any(|address| !is_public(address.ip())) {
        return Err(Refused::NotPublic);
    }
    Ok((url, addresses))
}

/// Whether `ip` is an address on the public internet.
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => is_public_v4(v4),
            None => is_public_v6(v6),
        },
    }
}

fn is_public_v4(ip: Ipv4Addr) -> bool {
    let [a, b, c, _] = ip.octets();
    !(ip.is_unspecified()
        || ip.is_loopback()
        || ip.is_private()
        || ip.is_link_local()
        || ip.is_multicast()
        || ip.is_broadcast()
        || ip.is_documentation()
        || a == 0
        // Shared address space (carrier-grade NAT), 100.64.0.0/10.
        || (a == 100 && (64..128).contains(&b))
        // IETF protocol assignments, 192.0.0.0/24.
        || (a == 192 && b == 0 && c == 0)
        // Benchmarking, 198.18.0.0/15.
        || (a == 198 && (b == 18 || b == 19))
        // Reserved, 240.0.0.0/4.
        || a >= 240)
}

fn is_public_v6(ip: Ipv6Addr) -> bool {
    let first = ip.segments()[0];
    !(ip.is_unspecified()
        || ip.is_loopback()
        || ip.is_multicast()
        // Unique local, fc00::/7.
        || (first & 0xfe00) == 0xfc00
        // Link-local, fe80::/10.
        || (first & 0xffc0) == 0xfe80
        // Documentation, 2001:db8::/32.
        || (first == 0x2001 && ip.segments()[1] == 0x0db8)
        // NAT64 and IPv4-compatible forms would reach IPv4 addresses: not allowed.
        || (first == 0x0064 && ip.segments()[1] == 0xff9b)
        || ip.segments()[..6].iter().all(|s| *s == 0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn private_loopback_link_local_and_metadata_addresses_are_not_public() {
        // R-WEBHOOK
        for address in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "224.0.0.1",
            "255.255.255.255",
            "198.18.0.1",
            "192.0.2.1",
            "::1",
            "::",
            "fd00::1",
            "fe80::1",
            "ff02::1",
            "::ffff:127.0.0.1",
            "::ffff:169.254.169.254",
            "2001:db8::1",
            "64:ff9b::a9fe:a9fe",
        ] {
            let ip: IpAddr = address.parse().expect("an address");
            assert!(!is_public(ip), "{address}");
        }
        for address in ["93.184.216.34", "8.8.8.8", "2606:4700:4700::1111"] {
            let ip: IpAddr = address.parse().expect("an address");
            assert!(is_public(ip), "{address}");
        }
    }

    #[tokio::test]
    async fn urls_are_refused_for_what_they_are() {
        // R-WEBHOOK
        assert_eq!(
            check("ftp://example.com/x", false).await,
            Err(Refused::Scheme)
        );
        assert_eq!(check("not a url", false).await, Err(Refused::Scheme));
        assert_eq!(
            check("https://user:pw@example.com/", false).await,
            Err(Refused::Credentials)
        );
        for url in [
            "http://127.0.0.1:9000/hook",
            "http://localhost/hook",
            "http://169.254.169.254/latest/meta-data/",
            "http://[::1]/hook",
            "http://10.0.0.5/hook",
        ] {
            assert_eq!(check(url, false).await, Err(Refused::NotPublic), "{url}");
        }
        // Development and tests may allow them.
        assert!(check("http://127.0.0.1:9000/hook", true).await.is_ok());
    }
}
