"""Throw-away X.509 material for the TLS end-to-end tests, made with the openssl CLI (no Python
crypto package needed): a test CA, a server certificate it signs for localhost and 127.0.0.1,
one it signs for the wrong host name, and a self-signed one no test trusts. EC P-256 keys keep
generation in the tens of milliseconds. Run with /usr/bin/python3.
"""
import os
import subprocess
from dataclasses import dataclass

OPENSSL = os.environ.get("OPENSSL_BIN", "openssl")
DAYS = "2"
EC_KEY = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
LEAF_EXTENSIONS = ("basicConstraints = critical, CA:FALSE\n"
                   "keyUsage = critical, digitalSignature, keyEncipherment\n"
                   "extendedKeyUsage = serverAuth\n"
                   "subjectAltName = {san}\n")
GOOD_SAN = "DNS:localhost, IP:127.0.0.1"


@dataclass(frozen=True)
class CertFiles:
    """Paths of the PEM files make_test_certs wrote into one directory."""
    dir: str
    ca_pem: str  # the CA a client verifies against
    ca_key: str
    server_pem: str  # signed by the CA; SAN DNS:localhost, IP:127.0.0.1
    server_key: str
    wrong_host_pem: str  # signed by the CA; SAN DNS:wrong-host.test only
    wrong_host_key: str
    untrusted_pem: str  # self-signed, right names: fails only on the chain
    untrusted_key: str

    @property
    def server(self):
        return (self.server_pem, self.server_key)

    @property
    def wrong_host(self):
        return (self.wrong_host_pem, self.wrong_host_key)

    @property
    def untrusted(self):
        return (self.untrusted_pem, self.untrusted_key)


def _openssl(*args, cwd):
    out = subprocess.run([OPENSSL, *args], cwd=cwd, capture_output=True, text=True, timeout=30)
    if out.returncode != 0:
        raise RuntimeError(f"openssl {' '.join(args)} failed:\n{out.stderr}")


def _signed_leaf(directory, name, common_name, san):
    extfile = os.path.join(directory, f"{name}.ext")
    with open(extfile, "w") as f:
        f.write(LEAF_EXTENSIONS.format(san=san))
    _openssl("req", "-new", *EC_KEY, "-keyout", f"{name}.key", "-out", f"{name}.csr",
             "-subj", f"/CN={common_name}", cwd=directory)
    _openssl("x509", "-req", "-in", f"{name}.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
             "-CAcreateserial", "-days", DAYS, "-sha256", "-extfile", extfile,
             "-out", f"{name}.pem", cwd=directory)


def make_test_certs(directory):
    """Writes the CA and the three server certificates into directory (which must exist) and
    returns their paths. The caller owns the directory and removes it."""
    _openssl("req", "-x509", *EC_KEY, "-keyout", "ca.key", "-out", "ca.pem", "-days", DAYS,
             "-sha256", "-subj", "/CN=sluice e2e test CA",
             "-addext", "basicConstraints = critical, CA:TRUE",
             "-addext", "keyUsage = critical, keyCertSign, cRLSign", cwd=directory)
    _signed_leaf(directory, "server", "localhost", GOOD_SAN)
    _signed_leaf(directory, "wrong-host", "wrong-host.test", "DNS:wrong-host.test")
    _openssl("req", "-x509", *EC_KEY, "-keyout", "untrusted.key", "-out", "untrusted.pem",
             "-days", DAYS, "-sha256", "-subj", "/CN=localhost",
             "-addext", f"subjectAltName = {GOOD_SAN}",
             "-addext", "extendedKeyUsage = serverAuth", cwd=directory)
    path = lambda name: os.path.join(directory, name)  # noqa: E731
    return CertFiles(dir=directory, ca_pem=path("ca.pem"), ca_key=path("ca.key"),
                     server_pem=path("server.pem"), server_key=path("server.key"),
                     wrong_host_pem=path("wrong-host.pem"), wrong_host_key=path("wrong-host.key"),
                     untrusted_pem=path("untrusted.pem"), untrusted_key=path("untrusted.key"))
