//! The names a server answers to ([`ServerName`], as the operator lists
//! them) and whether the host a request names is one of them
//! ([`host_allowed`]): what the guard checks against DNS rebinding.

use std::net::{IpAddr, SocketAddr};

/// One name a server answers to, as the operator lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ServerName {
    /// `name` or `name:port`: that host, on any port or on that one.
    Host { name: String, port: Option<u16> },
    /// `.example.com`: every name under it (`a.example.com`), any port.
    Suffix(String),
    /// Any IP address literal, on `port` (a server bound to 0.0.0.0 is
    /// reached by its addresses; a rebinding attack needs a DNS name).
    AnyIp { port: u16 },
    /// `*`: any name (the check is off, on the operator's word).
    Any,
}

impl ServerName {
    /// Parses one listed name: `*`, `.suffix`, `host`, `host:port`, `[v6]:port`.
    pub fn parse(text: &str) -> Result<ServerName, String> {
        let text = text.trim().to_ascii_lowercase();
        if text == "*" {
            return Ok(ServerName::Any);
        }
        if let Some(suffix) = text.strip_prefix('.') {
            if suffix.is_empty() || suffix.contains([':', '/']) {
                return Err(format!("server name .{suffix}: expected .domain"));
            }
            return Ok(ServerName::Suffix(format!(".{suffix}")));
        }
        let (name, port) = split_host(&text)
            .ok_or_else(|| format!("server name {text:?}: expected host, host:port or .domain"))?;
        Ok(ServerName::Host { name, port })
    }

    /// The names a server bound to `addr` answers by itself: the address,
    /// `localhost` on a loopback one, any IP literal on an unspecified one.
    pub fn of_addr(addr: &SocketAddr) -> Vec<ServerName> {
        let port = Some(addr.port());
        let mut names = vec![ServerName::Host {
            name: host_of_ip(addr.ip()),
            port,
        }];
        if addr.ip().is_loopback() {
            names.push(ServerName::Host {
                name: "localhost".into(),
                port,
            });
        }
        if addr.ip().is_unspecified() {
            names.push(ServerName::AnyIp { port: addr.port() });
        }
        names
    }

    /// The host of a URL (`https://doctown.dev`), with its port if it names one.
    pub fn of_url(url: &str) -> Option<ServerName> {
        let parsed = url::Url::parse(url).ok()?;
        let name = parsed.host_str()?.to_ascii_lowercase();
        Some(ServerName::Host {
            name,
            port: parsed.port(),
        })
    }

    fn matches(&self, name: &str, port: Option<u16>) -> bool {
        match self {
            ServerName::Any => true,
            ServerName::Host { name: n, port: p } => n == name && (p.is_none() || *p == port),
            ServerName::Suffix(suffix) => name.ends_with(suffix.as_str()),
            ServerName::AnyIp { port: p } => {
                Some(*p) == port && name.trim_matches(['[', ']']).parse::<IpAddr>().is_ok()
            }
        }
    }
}

fn host_of_ip(ip: IpAddr) -> String {
    match ip {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => format!("[{v6}]"),
    }
}

/// `host[:port]` → (lower-case host, port); IPv6 literals keep their brackets.
fn split_host(text: &str) -> Option<(String, Option<u16>)> {
    let text = text.trim().to_ascii_lowercase();
    let (name, port) = if let Some(rest) = text.strip_prefix('[') {
        let (inside, after) = rest.split_once(']')?;
        inside.parse::<std::net::Ipv6Addr>().ok()?;
        let port = match after.strip_prefix(':') {
            Some(p) => Some(p.parse().ok()?),
            None if after.is_empty() => None,
            None => return None,
        };
        (format!("[{inside}]"), port)
    } else {
        match text.rsplit_once(':') {
            Some((name, port)) => (name.to_string(), Some(port.parse().ok()?)),
            None => (text.clone(), None),
        }
    };
    let valid = !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | '[' | ']' | ':'));
    valid.then_some((name, port))
}

/// Whether `host` (a `Host` header's value) is one of `names`; with no
/// names configured, every host is.
pub fn host_allowed(names: &[ServerName], host: Option<&str>) -> bool {
    if names.is_empty() {
        return true;
    }
    let Some((name, port)) = host.and_then(split_host) else {
        return false;
    };
    names.iter().any(|n| n.matches(&name, port))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(list: &[&str]) -> Vec<ServerName> {
        list.iter().map(|n| ServerName::parse(n).unwrap()).collect()
    }

    #[test]
    fn hosts_match_the_listed_names() {
        let listed = names(&["doctown.dev", "127.0.0.1:8080", ".on.aws", "[::1]:9"]);
        for ok in [
            "doctown.dev",
            "DOCTOWN.dev:443",
            "127.0.0.1:8080",
            "abc.lambda-url.us-east-1.on.aws",
            "[::1]:9",
        ] {
            assert!(host_allowed(&listed, Some(ok)), "{ok}");
        }
        for bad in [
            "evil.example",
            "127.0.0.1:8081",
            "127.0.0.1",
            "doctown.dev.evil.example",
            "on.aws",
            "[::1]:10",
            "",
            "doctown.dev:x",
        ] {
            assert!(!host_allowed(&listed, Some(bad)), "{bad}");
        }
        assert!(!host_allowed(&listed, None));
        assert!(host_allowed(&[], None), "no names: no check");
        assert!(host_allowed(&names(&["*"]), Some("anything")));
    }

    #[test]
    fn a_bound_address_answers_its_own_names() {
        let loopback = ServerName::of_addr(&"127.0.0.1:8080".parse().unwrap());
        assert!(host_allowed(&loopback, Some("localhost:8080")));
        assert!(host_allowed(&loopback, Some("127.0.0.1:8080")));
        assert!(!host_allowed(&loopback, Some("rebind.evil.example:8080")));
        let any = ServerName::of_addr(&"0.0.0.0:80".parse().unwrap());
        assert!(host_allowed(&any, Some("10.1.2.3:80")));
        assert!(host_allowed(&any, Some("[fe80::1]:80")));
        assert!(!host_allowed(&any, Some("10.1.2.3:81")));
        assert!(!host_allowed(&any, Some("rebind.evil.example:80")));
    }

    #[test]
    fn names_parse_or_say_why_not() {
        assert_eq!(
            ServerName::parse("Example.COM:8443"),
            Ok(ServerName::Host {
                name: "example.com".into(),
                port: Some(8443)
            })
        );
        for bad in ["", ".", "a b", "host:99999", "http://x", "[zz]:1"] {
            assert!(ServerName::parse(bad).is_err(), "{bad}");
        }
        assert_eq!(
            ServerName::of_url("https://doctown.dev/"),
            Some(ServerName::Host {
                name: "doctown.dev".into(),
                port: None
            })
        );
    }
}
