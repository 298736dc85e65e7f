//! Request facts every HTTP adapter (the MCP API, the MCP server, the
//! console, 1C's exchange) reads the same way. A crate of its own so that
//! none of them depends on another for it.

use std::net::IpAddr;

use actix_web::{HttpRequest, web};

use actix_web::http::header::{HeaderName, HeaderValue, RETRY_AFTER};

/// Seconds a caller waits before trying again what did not answer (the
/// database, a gateway): every surface's `503` says the same.
pub const RETRY_AFTER_SECS: u64 = 5;

/// The `Retry-After` header of a `503`: [`RETRY_AFTER_SECS`].
pub fn retry_after() -> (HeaderName, HeaderValue) {
    (RETRY_AFTER, HeaderValue::from(RETRY_AFTER_SECS))
}

/// Who is calling: the peer, or behind a trusted load balancer
/// (`domain::net::TrustedProxies` in the app data) the address it forwarded
/// for. `None` without a peer (a request built in a test).
pub fn caller_address(req: &HttpRequest) -> Option<IpAddr> {
    let peer = req.peer_addr()?.ip();
    let header = |name: &str| req.headers().get(name).and_then(|v| v.to_str().ok());
    Some(
        req.app_data::<web::Data<domain::net::TrustedProxies>>()
            .map_or(peer, |proxies| proxies.client(peer, header("x-forwarded-for"), header("forwarded"))),
    )
}

/// The key failure limits count by before a client is known: `ip:<address>`,
/// or `unknown`.
pub fn client_key(req: &HttpRequest) -> String {
    caller_address(req).map_or_else(|| "unknown".to_owned(), |address| format!("ip:{address}"))
}

#[cfg(test)]
mod tests {
    use actix_web::test::TestRequest;

    use super::*;

    #[test]
    fn the_peer_unless_a_trusted_proxy_forwarded_for_someone() {
        let peer: std::net::SocketAddr = "10.0.0.7:5000".parse().unwrap();
        let plain = TestRequest::default().peer_addr(peer).insert_header(("x-forwarded-for", "1.2.3.4"));
        assert_eq!(
            client_key(&plain.to_http_request()),
            "ip:10.0.0.7",
            "an untrusted peer's header is ignored"
        );
        assert_eq!(client_key(&TestRequest::default().to_http_request()), "unknown");
        let proxies = web::Data::new(domain::net::TrustedProxies(vec![peer.ip()]));
        let forwarded = TestRequest::default()
            .peer_addr(peer)
            .insert_header(("x-forwarded-for", "1.2.3.4"))
            .app_data(proxies)
            .to_http_request();
        assert_eq!(
            caller_address(&forwarded),
            Some("1.2.3.4".parse().unwrap()),
            "behind the trusted balancer"
        );
    }
}
