//! The simulator's TLS: a local CA and a server certificate for localhost/127.0.0.1/::1 signed by it,
//! written as PEM files (reused when already present) so clients can trust `ca.pem`.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::Context;
use rcgen::{BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, KeyPair, KeyUsagePurpose};

pub struct TlsFiles {
    pub ca_pem: PathBuf,
    server_pem: PathBuf,
    server_key: PathBuf,
}

/// Writes (or reuses) the CA and server certificate in `dir`.
pub fn prepare(dir: &Path) -> anyhow::Result<TlsFiles> {
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let files = TlsFiles {
        ca_pem: dir.join("ca.pem"),
        server_pem: dir.join("server.pem"),
        server_key: dir.join("server-key.pem"),
    };
    if files.ca_pem.exists() && files.server_pem.exists() && files.server_key.exists() {
        return Ok(files);
    }
    let ca_key = KeyPair::generate()?;
    let mut ca = CertificateParams::new(Vec::<String>::new())?;
    ca.distinguished_name.push(DnType::CommonName, "salesforce-sim local CA");
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign, KeyUsagePurpose::DigitalSignature];
    let ca_cert = ca.self_signed(&ca_key)?;
    let server_key = KeyPair::generate()?;
    let mut server = CertificateParams::new(vec!["localhost".to_owned(), "127.0.0.1".to_owned(), "::1".to_owned()])?;
    server.distinguished_name.push(DnType::CommonName, "localhost");
    server.use_authority_key_identifier_extension = true;
    server.key_usages = vec![KeyUsagePurpose::DigitalSignature, KeyUsagePurpose::KeyEncipherment];
    server.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    let server_cert = server.signed_by(&server_key, &ca_cert, &ca_key)?;
    std::fs::write(&files.server_key, server_key.serialize_pem())?;
    std::fs::write(&files.server_pem, server_cert.pem())?;
    std::fs::write(&files.ca_pem, ca_cert.pem())?;
    Ok(files)
}

/// A rustls server configuration (ring provider) for the prepared certificate.
pub fn server_config(files: &TlsFiles) -> anyhow::Result<rustls::ServerConfig> {
    let certs =
        rustls_pemfile::certs(&mut std::fs::read(&files.server_pem)?.as_slice()).collect::<Result<Vec<_>, _>>()?;
    let key = rustls_pemfile::private_key(&mut std::fs::read(&files.server_key)?.as_slice())?
        .context("no private key in server-key.pem")?;
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()?
        .with_no_client_auth()
        .with_single_cert(certs, key)?;
    Ok(config)
}
