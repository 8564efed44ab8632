//! Client certificates of X.509 version 1.
//!
//! `openssl x509 -req` without extensions (OpenSSL 3.0 and older) writes version-1 certificates,
//! and kubectl (Go's crypto/tls) presents them without complaint: the API server only checks that
//! the CA signed them. rustls refuses to *load* such a certificate as a client identity, because
//! it parses the end-entity certificate with webpki (which accepts only version 3) to check that
//! it matches the private key. That check protects against a misconfiguration, not an attack:
//! the server verifies the chain anyway. So when the kubeconfig's client certificate is version 1,
//! the client is built here with the certificate and key given to rustls as they are, and every
//! other setting (CA, server name, timeouts, token auth, impersonation headers) taken from kube's
//! own configuration, as [`kube::Client::try_from`] would.

use std::sync::Arc;

use kube::client::ConfigExt;
use kube::{Client, Config};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::sign::{CertifiedKey, SingleCertAndKey};

/// The kubeconfig's client certificate chain and key, when its first certificate is X.509
/// version 1. `None` when there is no client certificate, it is version 2 or 3, or it cannot be
/// read (kube's own loading then reports the problem).
pub(crate) fn v1_identity(
    config: &Config,
) -> Option<(Vec<CertificateDer<'static>>, PrivateKeyDer<'static>)> {
    let cert_pem = load(
        config.auth_info.client_certificate_data.as_deref(),
        config.auth_info.client_certificate.as_deref(),
    )?;
    let chain: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(&cert_pem)
        .collect::<Result<_, _>>()
        .ok()?;
    if !is_x509_v1(chain.first()?) {
        return None;
    }
    let key_pem = load(
        config
            .auth_info
            .client_key_data
            .as_ref()
            .map(secrecy::ExposeSecret::expose_secret),
        config.auth_info.client_key.as_deref(),
    )?;
    let key = PrivateKeyDer::from_pem_slice(&key_pem).ok()?;
    Some((chain, key))
}

/// Base64 data (as in `client-certificate-data`) or a file.
fn load(data: Option<&str>, file: Option<&str>) -> Option<Vec<u8>> {
    use base64::Engine as _;
    if let Some(d) = data {
        let compact: String = d.split_ascii_whitespace().collect();
        return base64::engine::general_purpose::STANDARD
            .decode(compact)
            .ok();
    }
    std::fs::read(file?).ok()
}

/// Whether a DER certificate is X.509 version 1: its TBSCertificate does not start with the
/// explicit `[0] version` field (absent means v1, RFC 5280 section 4.1).
pub(crate) fn is_x509_v1(der: &[u8]) -> bool {
    // Certificate ::= SEQUENCE { tbsCertificate SEQUENCE { [0] version OPTIONAL, ... }, ... }
    let Some(cert) = sequence_body(der) else {
        return false;
    };
    let Some(tbs) = sequence_body(cert) else {
        return false;
    };
    tbs.first().is_some_and(|&tag| tag != 0xA0)
}

/// The contents of the DER SEQUENCE at the start of `der` (definite lengths only).
fn sequence_body(der: &[u8]) -> Option<&[u8]> {
    let (&tag, rest) = der.split_first()?;
    if tag != 0x30 {
        return None;
    }
    let (&first, rest) = rest.split_first()?;
    let (len, rest) = if first < 0x80 {
        (usize::from(first), rest)
    } else {
        let n = usize::from(first & 0x7f);
        if n == 0 || n > 4 || rest.len() < n {
            return None;
        }
        let len = rest[..n]
            .iter()
            .fold(0usize, |acc, &b| (acc << 8) | usize::from(b));
        (len, &rest[n..])
    };
    rest.get(..len)
}

/// A client presenting a version-1 certificate: kube's stack (base URI, auth, extra headers,
/// timeouts) over a rustls configuration whose client identity is loaded without webpki's
/// version check.
pub(crate) fn client(
    config: &Config,
    chain: Vec<CertificateDer<'static>>,
    key: PrivateKeyDer<'static>,
) -> Result<Client, String> {
    use hyper_util::client::legacy::connect::HttpConnector;
    use hyper_util::rt::TokioExecutor;
    use tower::ServiceBuilder;

    let mut stripped = config.clone();
    stripped.auth_info.client_certificate = None;
    stripped.auth_info.client_certificate_data = None;
    stripped.auth_info.client_key = None;
    stripped.auth_info.client_key_data = None;

    let mut tls = stripped
        .rustls_client_config()
        .map_err(|e| format!("TLS settings: {e}"))?;
    let provider = rustls::crypto::CryptoProvider::get_default()
        .cloned()
        .unwrap_or_else(|| Arc::new(rustls::crypto::ring::default_provider()));
    let signing_key = provider
        .key_provider
        .load_private_key(key)
        .map_err(|e| format!("client key: {e}"))?;
    tls.client_auth_cert_resolver = Arc::new(SingleCertAndKey::from(CertifiedKey::new(
        chain,
        signing_key,
    )));

    let mut http = HttpConnector::new();
    http.enforce_http(false);
    let mut builder = hyper_rustls::HttpsConnectorBuilder::new()
        .with_tls_config(tls)
        .https_or_http();
    if let Some(name) = &stripped.tls_server_name {
        let name = rustls::pki_types::ServerName::try_from(name.clone())
            .map_err(|e| format!("tls-server-name {name:?}: {e}"))?;
        builder =
            builder.with_server_name_resolver(hyper_rustls::FixedServerNameResolver::new(name));
    }
    let https = builder.enable_http1().wrap_connector(http);
    let mut connector = hyper_timeout::TimeoutConnector::new(https);
    connector.set_connect_timeout(stripped.connect_timeout);
    connector.set_read_timeout(stripped.read_timeout);
    connector.set_write_timeout(stripped.write_timeout);
    connector.set_reset_reader_on_write(stripped.reset_reader_on_write);
    let http_client: hyper_util::client::legacy::Client<_, kube::client::Body> =
        hyper_util::client::legacy::Builder::new(TokioExecutor::new()).build(connector);

    let service = ServiceBuilder::new()
        .layer(stripped.base_uri_layer())
        .option_layer(stripped.auth_layer().map_err(|e| format!("auth: {e}"))?)
        .layer(
            stripped
                .extra_headers_layer()
                .map_err(|e| format!("headers: {e}"))?,
        )
        .map_err(tower::BoxError::from)
        .service(http_client);
    Ok(Client::new(service, stripped.default_namespace))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn version_detection() {
        // Minimal shapes: SEQUENCE { SEQUENCE { [0] ... } } is v3, SEQUENCE { SEQUENCE { INTEGER } } v1.
        assert!(!is_x509_v1(&[0x30, 0x05, 0x30, 0x03, 0xA0, 0x01, 0x02]));
        assert!(is_x509_v1(&[0x30, 0x05, 0x30, 0x03, 0x02, 0x01, 0x01]));
        // Long-form lengths.
        assert!(is_x509_v1(&[
            0x30, 0x81, 0x05, 0x30, 0x03, 0x02, 0x01, 0x01
        ]));
        // Garbage and truncation are "not v1" (kube's loader reports them).
        assert!(!is_x509_v1(&[]));
        assert!(!is_x509_v1(&[0x30]));
        assert!(!is_x509_v1(&[0x30, 0x85, 0, 0, 0, 0, 0]));
        assert!(!is_x509_v1(&[0x30, 0x10, 0x30]));
    }
}
