/**
 * Migration 8: the bundle keyring. Public keys (Ed25519, SPKI DER as base64) of signers whose registry
 * bundles this workspace trusts, by fingerprint (sha256 of the key). The workspace's own signing key
 * is a file under keys/ (private, mode 0600), not a row.
 */
export default `
CREATE TABLE bundle_keyring (
  fingerprint  TEXT PRIMARY KEY,           -- sha256 hex of the public key's DER bytes
  name         TEXT NOT NULL,
  public_key   TEXT NOT NULL,              -- base64 of the SPKI DER
  trusted_at   INTEGER NOT NULL
);
`;
