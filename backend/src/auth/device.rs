//! Where a session was started, as its person sees it on their sessions page (R-SESSIONS):
//! the browser and system named from the `User-Agent` (by the `woothee` parser) and an
//! approximate address (the network, not the host: an IPv4 /24 or an IPv6 /48), enough to
//! recognise "my phone at home" without keeping anyone's exact address.

use std::net::IpAddr;

use actix_web::HttpRequest;
use actix_web::http::header::USER_AGENT;

/// The longest `User-Agent` kept.
const MAX_USER_AGENT: usize = 300;

/// A session's device, as stored.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Device {
    /// The `User-Agent` header, cut to 300 characters.
    pub user_agent: Option<String>,
    /// The network the request came from (`203.0.113.0/24`).
    pub network: Option<String>,
}

impl Device {
    /// The device of `request`.
    pub fn of(request: &HttpRequest) -> Self {
        Self {
            user_agent: request
                .headers()
                .get(USER_AGENT)
                .and_then(|value| value.to_str().ok())
                .map(|agent| agent.chars().take(MAX_USER_AGENT).collect()),
            network: request.peer_addr().map(|peer| network_of(peer.ip())),
        }
    }
}

/// The network of `address`: its /24 (IPv4) or /48 (IPv6).
pub fn network_of(address: IpAddr) -> String {
    match address.to_canonical() {
        IpAddr::V4(v4) => {
            let [a, b, c, _] = v4.octets();
            format!("{a}.{b}.{c}.0/24")
        }
        IpAddr::V6(v6) => {
            let segments = v6.segments();
            let network =
                std::net::Ipv6Addr::new(segments[0], segments[1], segments[2], 0, 0, 0, 0, 0);
            format!("{network}/48")
        }
    }
}

/// "Firefox on Linux", "Safari on iPhone", or "Unknown device", from a `User-Agent`.
pub fn label(user_agent: Option<&str>) -> String {
    let parsed = user_agent.and_then(|agent| woothee::parser::Parser::new().parse(agent));
    let known = |value: &str| (!value.is_empty() && value != "UNKNOWN").then(|| value.to_owned());
    match parsed {
        Some(found) => match (known(found.name), known(found.os)) {
            (Some(browser), Some(os)) => format!("{browser} on {os}"),
            (Some(browser), None) => browser,
            (None, Some(os)) => os,
            (None, None) => "Unknown device".to_owned(),
        },
        None => "Unknown device".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().expect("an address")
    }

    #[test]
    fn addresses_become_their_networks() {
        assert_eq!(network_of(ip("203.0.113.77")), "203.0.113.0/24");
        assert_eq!(network_of(ip("::ffff:198.51.100.9")), "198.51.100.0/24");
        assert_eq!(
            network_of(ip("2001:db8:1234:5678::1")),
            "2001:db8:1234::/48"
        );
    }

    #[test]
    fn user_agents_become_labels() {
        let firefox = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0";
        assert_eq!(label(Some(firefox)), "Firefox on Linux");
        let iphone = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1";
        assert_eq!(label(Some(iphone)), "Safari on iPhone");
        assert_eq!(label(Some("curl/8.5.0")), "HTTP Library");
        assert_eq!(label(Some("")), "Unknown device");
        assert_eq!(label(None), "Unknown device");
    }
}
