//! Parsing of `allowed_hosts` entries into [`HostPattern`]s.
//!
//! Accepted: `host`, `host:port`, `*.domain`, `*.domain:port`, `1.2.3.4[:port]`,
//! `[::1]` and `[::1]:port`. Anything broader or vaguer is refused, because a
//! network grant is only as safe as it is precise.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::str::FromStr;

use super::grants::GrantError;
use super::model::{HostMatch, HostPattern};

/// The help shown for malformed entries.
const FORMS: &str = "accepted forms: `host`, `host:port`, `*.domain`, `*.domain:port`, \
                     `1.2.3.4:port`, `[::1]:port`";

/// Longest DNS name, in characters (without a trailing dot).
const MAX_NAME_LEN: usize = 253;
/// Longest DNS label.
const MAX_LABEL_LEN: usize = 63;

impl HostPattern {
    /// Parses one `allowed_hosts` entry; names are lower-cased.
    pub fn parse(pattern: &str) -> Result<HostPattern, GrantError> {
        let (host, port) = split_port(pattern)?;
        let host = if let Some(domain) = host.strip_prefix("*.") {
            let domain = dns_name(pattern, domain)?;
            if !domain.contains('.') {
                return Err(GrantError::new(
                    format!("host pattern `{pattern}` would allow a whole top-level domain"),
                    Some(
                        "a wildcard needs at least two labels after `*.`, like `*.example.com`"
                            .into(),
                    ),
                ));
            }
            HostMatch::Subdomains(domain)
        } else if host.contains('*') {
            let message = if host == "*" {
                format!("host pattern `{pattern}` would allow every host")
            } else {
                format!("`*` in host pattern `{pattern}` is only allowed as the whole first label")
            };
            return Err(GrantError::new(
                message,
                Some(format!("list the hosts the component needs; {FORMS}")),
            ));
        } else if let Ok(ip) = host.parse::<Ipv4Addr>() {
            HostMatch::Ip(IpAddr::V4(ip))
        } else if let Some(ip) = host.strip_prefix('[').and_then(|h| h.strip_suffix(']')) {
            // `split_port` only lets a bracketed part through when it is IPv6.
            HostMatch::Ip(IpAddr::V6(
                ip.parse()
                    .map_err(|_| invalid(pattern, "bad IPv6 address"))?,
            ))
        } else {
            HostMatch::Exact(dns_name(pattern, host)?)
        };
        Ok(HostPattern {
            pattern: pattern.to_string(),
            host,
            port,
        })
    }
}

impl FromStr for HostPattern {
    type Err = GrantError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        HostPattern::parse(s)
    }
}

fn invalid(pattern: &str, why: &str) -> GrantError {
    GrantError::new(
        format!("invalid host pattern `{pattern}`: {why}"),
        Some(FORMS.to_string()),
    )
}

/// Splits `host[:port]`, handling brackets and rejecting URLs, paths and bare IPv6.
fn split_port(pattern: &str) -> Result<(&str, Option<u16>), GrantError> {
    if pattern.is_empty() {
        return Err(invalid(pattern, "it is empty"));
    }
    if let Some((_, rest)) = pattern.split_once("://") {
        let host = rest.split(['/', '?', '#']).next().unwrap_or_default();
        let help = match HostPattern::parse(host) {
            Ok(_) => format!("write only the host and optional port: `{host}`"),
            Err(_) => format!("write only the host and optional port; {FORMS}"),
        };
        return Err(GrantError::new(
            format!("host pattern `{pattern}` is a URL, not a host"),
            Some(help),
        ));
    }
    if pattern.contains('/') {
        let host = pattern.split('/').next().unwrap_or_default();
        return Err(GrantError::new(
            format!("host pattern `{pattern}` contains a path"),
            Some(format!(
                "network grants are per host and port; write `{host}`"
            )),
        ));
    }
    if let Some(rest) = pattern.strip_prefix('[') {
        let Some((inside, after)) = rest.split_once(']') else {
            return Err(invalid(pattern, "missing `]`"));
        };
        if inside.parse::<Ipv6Addr>().is_err() {
            return Err(invalid(
                pattern,
                &format!("`{inside}` is not an IPv6 address"),
            ));
        }
        let host = &pattern[..inside.len() + 2];
        return match after {
            "" => Ok((host, None)),
            _ => match after.strip_prefix(':') {
                Some(port) => Ok((host, Some(parse_port(pattern, port)?))),
                None => Err(invalid(pattern, "expected `:port` after `]`")),
            },
        };
    }
    match pattern.matches(':').count() {
        0 => Ok((pattern, None)),
        1 => {
            let (host, port) = pattern.split_once(':').unwrap_or((pattern, ""));
            Ok((host, Some(parse_port(pattern, port)?)))
        }
        _ if pattern.parse::<Ipv6Addr>().is_ok() => Err(GrantError::new(
            format!("IPv6 address `{pattern}` must be written in brackets"),
            Some(format!("write it as `[{pattern}]` or `[{pattern}]:port`")),
        )),
        _ => Err(invalid(pattern, "too many `:`")),
    }
}

fn parse_port(pattern: &str, port: &str) -> Result<u16, GrantError> {
    if port.is_empty() || !port.bytes().all(|b| b.is_ascii_digit()) {
        // Scheme names are a common slip for their well-known ports.
        let known = match port.to_ascii_lowercase().as_str() {
            "http" => Some(80),
            "https" => Some(443),
            _ => None,
        };
        let help = match (known, pattern.rsplit_once(':')) {
            (Some(n), Some((host, _))) => format!("did you mean `{host}:{n}`?"),
            _ => "write a port between 1 and 65535, or omit `:port` to allow any port".into(),
        };
        return Err(GrantError::new(
            format!("port `{port}` in host pattern `{pattern}` is not a number"),
            Some(help),
        ));
    }
    match port.parse::<u16>() {
        Ok(p) if p > 0 => Ok(p),
        _ => Err(GrantError::new(
            format!("port {port} in host pattern `{pattern}` is out of range"),
            Some("ports are between 1 and 65535; omit `:port` to allow any port".into()),
        )),
    }
}

/// Validates DNS name syntax and returns the name lower-cased, without a trailing dot.
fn dns_name(pattern: &str, name: &str) -> Result<String, GrantError> {
    let name = name.strip_suffix('.').unwrap_or(name);
    if name.is_empty() {
        return Err(invalid(pattern, "the host name is empty"));
    }
    if !name.is_ascii() {
        return Err(GrantError::new(
            format!("host name in `{pattern}` is not ASCII"),
            Some("write internationalised names in their punycode (`xn--…`) form".into()),
        ));
    }
    if name.len() > MAX_NAME_LEN {
        return Err(invalid(
            pattern,
            &format!(
                "the name is {} characters long, the limit is {MAX_NAME_LEN}",
                name.len()
            ),
        ));
    }
    for label in name.split('.') {
        let why = if label.is_empty() {
            "it has an empty label (`..`)".to_string()
        } else if label.len() > MAX_LABEL_LEN {
            format!("label `{label}` is longer than {MAX_LABEL_LEN} characters")
        } else if let Some(c) = label
            .chars()
            .find(|c| !(c.is_ascii_alphanumeric() || *c == '-'))
        {
            format!("label `{label}` contains `{c}`; labels use letters, digits and `-`")
        } else if label.starts_with('-') || label.ends_with('-') {
            format!("label `{label}` starts or ends with `-`")
        } else {
            continue;
        };
        return Err(invalid(pattern, &why));
    }
    // An all-numeric last label is no DNS name: it is a malformed IPv4 address.
    if name
        .rsplit('.')
        .next()
        .is_some_and(|l| l.bytes().all(|b| b.is_ascii_digit()))
    {
        return Err(invalid(
            pattern,
            "it is neither a host name nor an IPv4 address",
        ));
    }
    Ok(name.to_ascii_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> HostPattern {
        HostPattern::parse(s).unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    fn e(s: &str) -> GrantError {
        HostPattern::parse(s).expect_err(s)
    }

    #[test]
    fn accepted_forms() {
        assert_eq!(
            p("API.Example.com").host,
            HostMatch::Exact("api.example.com".into())
        );
        assert_eq!(p("localhost:8080").port, Some(8080));
        assert_eq!(
            p("*.example.org:443").host,
            HostMatch::Subdomains("example.org".into())
        );
        assert_eq!(
            p("127.0.0.1:8080").host,
            HostMatch::Ip("127.0.0.1".parse().expect("ip"))
        );
        assert_eq!(p("[::1]").host, HostMatch::Ip("::1".parse().expect("ip")));
        assert_eq!(p("[::1]:65535").port, Some(65535));
        assert_eq!(
            p("example.com.").host,
            HostMatch::Exact("example.com".into())
        );
        assert_eq!(p("a-1.b2.io").pattern, "a-1.b2.io");
    }

    #[test]
    fn rejected_forms() {
        assert!(e("*").message.contains("every host"));
        assert!(e("*.com").message.contains("top-level domain"));
        assert!(e("a.*.com").message.contains("first label"));
        assert!(e("*example.com").message.contains("first label"));
        let url = e("https://api.example.com/v1");
        assert!(url.message.contains("URL"));
        assert_eq!(
            url.help.as_deref(),
            Some("write only the host and optional port: `api.example.com`")
        );
        assert!(e("example.com/api").message.contains("path"));
        let v6 = e("::1");
        assert_eq!(
            v6.help.as_deref(),
            Some("write it as `[::1]` or `[::1]:port`")
        );
        assert!(e("x:0").message.contains("out of range"));
        assert!(e("x:65536").message.contains("out of range"));
        assert!(e("x:http").message.contains("not a number"));
        assert_eq!(e("x:https").help.as_deref(), Some("did you mean `x:443`?"));
        assert!(e("x:").message.contains("not a number"));
        for bad in [
            "",
            "-a.com",
            "a-.com",
            "a..com",
            "a_b.com",
            "1.2.3",
            "999.1.1.1",
            "[::1",
            "[x]",
            "[::1]x",
            "é.com",
        ] {
            e(bad);
        }
        e(&format!("{}.com", "a".repeat(64)));
        e(&format!("{}.com", ["a"; 130].join(".")));
    }

    #[test]
    fn matching() {
        assert!(p("api.example.com").matches("API.example.com.", 443));
        assert!(!p("api.example.com").matches("x.api.example.com", 443));
        assert!(p("api.example.com:443").matches("api.example.com", 443));
        assert!(!p("api.example.com:443").matches("api.example.com", 80));
        let wild = p("*.example.org");
        assert!(wild.matches("a.example.org", 1));
        assert!(wild.matches("a.b.example.org", 1));
        assert!(!wild.matches("example.org", 1));
        assert!(!wild.matches("badexample.org", 1));
        assert!(!wild.matches(".example.org", 1));
        assert!(p("127.0.0.1").matches("127.0.0.1", 9));
        assert!(!p("127.0.0.1").matches("127.0.0.2", 9));
        assert!(p("[::1]:8080").matches("[::1]", 8080));
        assert!(p("[::1]:8080").matches("::1", 8080));
        assert!(!p("[::1]:8080").matches("::1", 8081));
    }
}
