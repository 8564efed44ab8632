//! Cosign signatures, verified offline against a public key (no transparency log, no
//! certificates): the signature manifest under the tag `sha256-<hex>.sig` beside the image, whose
//! layers are simple-signing payloads with the signature in the
//! `dev.cosignproject.cosign/signature` annotation (base64 ASN.1 ECDSA P-256 over SHA-256 of the
//! payload), and a payload whose `critical.image.docker-manifest-digest` names the image.

use base64::Engine as _;
use serde::Deserialize;

use crate::error::{Error, Result};
use crate::{manifest_kind, Image, ManifestKind, Store};

/// The annotation holding a layer's signature.
const SIGNATURE_ANNOTATION: &str = "dev.cosignproject.cosign/signature";
/// The payload type cosign writes.
const PAYLOAD_TYPE: &str = "cosign container image signature";
/// DER prefix of a P-256 SubjectPublicKeyInfo (id-ecPublicKey, prime256v1, BIT STRING of 66).
const P256_SPKI_PREFIX: [u8; 26] = [
    0x30, 0x59, 0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01, 0x06, 0x08, 0x2a,
    0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07, 0x03, 0x42, 0x00,
];

/// An ECDSA P-256 public key (`cosign generate-key-pair`'s `cosign.pub`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CosignKey {
    /// The uncompressed point (65 bytes).
    point: Vec<u8>,
}

impl CosignKey {
    /// Reads a PEM `PUBLIC KEY` (SubjectPublicKeyInfo) of a P-256 key.
    pub fn from_pem(pem: &str) -> Result<CosignKey> {
        let bad = |m: &str| Error::Signature {
            what: "public key".into(),
            message: m.to_string(),
        };
        let body: String = pem
            .lines()
            .skip_while(|l| !l.starts_with("-----BEGIN PUBLIC KEY-----"))
            .skip(1)
            .take_while(|l| !l.starts_with("-----END"))
            .map(str::trim)
            .collect();
        if body.is_empty() {
            return Err(bad("expected a PEM block `-----BEGIN PUBLIC KEY-----`"));
        }
        let der = base64::engine::general_purpose::STANDARD
            .decode(body.as_bytes())
            .map_err(|e| bad(&format!("invalid base64: {e}")))?;
        match der.strip_prefix(&P256_SPKI_PREFIX[..]) {
            Some(point) if point.len() == 65 && point[0] == 4 => Ok(CosignKey {
                point: point.to_vec(),
            }),
            _ => Err(bad(
                "expected an ECDSA P-256 public key (the kind `cosign generate-key-pair` makes)",
            )),
        }
    }

    fn verify(&self, payload: &[u8], signature: &[u8]) -> bool {
        ring::signature::UnparsedPublicKey::new(
            &ring::signature::ECDSA_P256_SHA256_ASN1,
            &self.point,
        )
        .verify(payload, signature)
        .is_ok()
    }
}

/// A verified signature.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Verified {
    /// The manifest digest the signature covers.
    pub digest: String,
    /// The reference the signer named (`critical.identity.docker-reference`).
    pub docker_reference: Option<String>,
    /// Signatures that verified (a signature manifest may hold several).
    pub signatures: usize,
}

#[derive(Deserialize)]
struct Payload {
    critical: Critical,
}

#[derive(Deserialize)]
struct Critical {
    #[serde(rename = "type")]
    kind: String,
    image: PayloadImage,
    #[serde(default)]
    identity: Option<Identity>,
}

#[derive(Deserialize)]
struct PayloadImage {
    #[serde(rename = "docker-manifest-digest")]
    digest: String,
}

#[derive(Deserialize)]
struct Identity {
    #[serde(rename = "docker-reference")]
    docker_reference: Option<String>,
}

impl Image {
    /// Verifies the image's cosign signatures against `key`, offline. Registry images only; the
    /// signature may cover the digest the reference resolved to (an index) or the platform's
    /// manifest.
    pub fn verify_cosign(&self, key: &CosignKey) -> Result<Verified> {
        let Store::Registry(repo) = &self.store else {
            return Err(Error::Signature {
                what: self.reference.reference.clone(),
                message: "signatures are read from a registry; this image is local".into(),
            });
        };
        let mut digests: Vec<String> = Vec::new();
        for d in [&self.top_digest, &self.reference.digest]
            .into_iter()
            .flatten()
        {
            if !digests.contains(d) {
                digests.push(d.clone());
            }
        }
        let mut problems = Vec::new();
        for digest in &digests {
            let tag = format!("{}.sig", digest.replace(':', "-"));
            let (bytes, ctype) = match repo.manifest(&tag) {
                Ok(m) => m,
                Err(Error::Status { status: 404, .. }) => {
                    problems.push(format!("no signature ({tag} not found)"));
                    continue;
                }
                Err(e) => return Err(e),
            };
            let what = format!("signature manifest {tag}");
            let ManifestKind::Manifest(m) = manifest_kind(&bytes, ctype.as_deref(), &what)? else {
                problems.push(format!("{tag} is an index, not a signature manifest"));
                continue;
            };
            let mut verified = 0;
            let mut docker_reference = None;
            for layer in m.layers() {
                let Some(sig_b64) = layer
                    .annotations()
                    .as_ref()
                    .and_then(|a| a.get(SIGNATURE_ANNOTATION))
                else {
                    continue;
                };
                let Ok(sig) = base64::engine::general_purpose::STANDARD.decode(sig_b64.trim())
                else {
                    problems.push(format!("{tag}: a signature is not base64"));
                    continue;
                };
                let layer_digest = layer.digest().to_string();
                let payload = repo.blob_bytes(&layer_digest, 1 << 20)?;
                crate::check_digest(&format!("{what}: payload"), &layer_digest, &payload)?;
                if !key.verify(&payload, &sig) {
                    problems.push(format!("{tag}: a signature does not verify with the key"));
                    continue;
                }
                let p: Payload = match serde_json::from_slice(&payload) {
                    Ok(p) => p,
                    Err(e) => {
                        problems.push(format!("{tag}: payload is not simple signing: {e}"));
                        continue;
                    }
                };
                if p.critical.kind != PAYLOAD_TYPE {
                    problems.push(format!("{tag}: payload type {:?}", p.critical.kind));
                    continue;
                }
                if p.critical.image.digest != *digest {
                    problems.push(format!(
                        "{tag}: the payload signs {} instead",
                        p.critical.image.digest
                    ));
                    continue;
                }
                verified += 1;
                docker_reference = p.critical.identity.and_then(|i| i.docker_reference);
            }
            if verified > 0 {
                return Ok(Verified {
                    digest: digest.clone(),
                    docker_reference,
                    signatures: verified,
                });
            }
            if m.layers().is_empty() {
                problems.push(format!("{tag}: no signatures"));
            }
        }
        Err(Error::Signature {
            what: self.reference.reference.clone(),
            message: if problems.is_empty() {
                "no verified signature".into()
            } else {
                problems.join("; ")
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_parse_and_verify() {
        use ring::signature::KeyPair;
        let rng = ring::rand::SystemRandom::new();
        let alg = &ring::signature::ECDSA_P256_SHA256_ASN1_SIGNING;
        let pkcs8 = ring::signature::EcdsaKeyPair::generate_pkcs8(alg, &rng).expect("key");
        let pair =
            ring::signature::EcdsaKeyPair::from_pkcs8(alg, pkcs8.as_ref(), &rng).expect("pair");
        let mut der = P256_SPKI_PREFIX.to_vec();
        der.extend_from_slice(pair.public_key().as_ref());
        let pem = format!(
            "-----BEGIN PUBLIC KEY-----\n{}\n-----END PUBLIC KEY-----\n",
            base64::engine::general_purpose::STANDARD.encode(&der)
        );
        let key = CosignKey::from_pem(&pem).expect("pem");
        let sig = pair.sign(&rng, b"payload").expect("sign");
        assert!(key.verify(b"payload", sig.as_ref()));
        assert!(!key.verify(b"other", sig.as_ref()));
        for bad in [
            "",
            "-----BEGIN PUBLIC KEY-----\n!!\n-----END PUBLIC KEY-----",
            "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----",
        ] {
            assert!(CosignKey::from_pem(bad).is_err());
        }
    }
}
