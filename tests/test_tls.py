"""TLS: jamfctl verifies every certificate, and says plainly what to do when one does not verify.

Rules proven here, through the CLI against the sandbox served over real https on 127.0.0.1 with a
certificate made for the test (no system CA trusts it):
- an untrusted certificate ends in exit 7 with a message naming the certificate problem and
  `--ca-bundle` / `JAMFCTL_CA_BUNDLE` (the corporate TLS-inspection case), after one attempt: a
  certificate that fails to verify is not a transient fault worth retrying;
- the same server is trusted once its CA is given with `--ca-bundle` or `JAMFCTL_CA_BUNDLE`;
- a certificate for another host name is reported as such;
- an http server behind an https URL is a plain handshake error, not a crash.
"""
from __future__ import annotations

import datetime
import ipaddress
import json
import ssl
import threading
from pathlib import Path

import pytest

cryptography = pytest.importorskip("cryptography")  # in the lock on Linux (keyring's secretstorage needs it)
from cryptography import x509  # noqa: E402
from cryptography.hazmat.primitives import hashes, serialization  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import ec  # noqa: E402
from cryptography.x509.oid import NameOID  # noqa: E402

from jamfctl.sandbox import SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET, SandboxConfig  # noqa: E402
from jamfctl.sandbox.server import make_server, start_in_thread  # noqa: E402
from support.harness import Harness  # noqa: E402

LIST = ("computer", "list", "--limit", "3", "-o", "json")


def make_certificate(folder: Path, *, ip: str | None = "127.0.0.1", dns: str | None = None) -> tuple[Path, Path]:
    """A self-signed certificate (it is its own CA) for `ip` / `dns`: (cert.pem, key.pem)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "jamfctl test CA")])
    now = datetime.datetime.now(datetime.timezone.utc)
    names = ([x509.IPAddress(ipaddress.ip_address(ip))] if ip else []) + ([x509.DNSName(dns)] if dns else [])
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName(names), critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


class TLSSandbox:
    """The sandbox over https on 127.0.0.1; counts TCP connections, handshakes that fail included."""

    def __init__(self, cert: Path, key: Path) -> None:
        self.server = make_server(SandboxConfig(computers=10))
        self.connections = 0
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert, key)
        raw_get_request = self.server.get_request

        def get_request():
            sock, address = raw_get_request()
            self.connections += 1
            return context.wrap_socket(sock, server_side=True, do_handshake_on_connect=False), address

        self.server.get_request = get_request
        self.url = f"https://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def cli(monkeypatch):
    return Harness(monkeypatch)


@pytest.fixture
def tls(tmp_path):
    cert, key = make_certificate(tmp_path)
    server = TLSSandbox(cert, key)
    server.cert = cert
    yield server
    server.stop()


def env(url: str, **extra: str) -> dict[str, str]:
    return {"JAMF_URL": url, "JAMF_CLIENT_ID": SANDBOX_CLIENT_ID, "JAMF_CLIENT_SECRET": SANDBOX_CLIENT_SECRET, **extra}


def assert_plain(run, code: int) -> None:
    assert run.exit_code == code, run.stderr
    assert "Traceback" not in run.stderr and 'File "' not in run.stderr
    assert SANDBOX_CLIENT_SECRET not in run.stdout + run.stderr


def test_an_untrusted_certificate_is_a_plain_error_that_points_to_ca_bundle(cli, tls):
    """A certificate no trusted CA signed: exit 7, what failed and what to do, and no retries."""
    run = cli.run(*LIST, env=env(tls.url))
    assert_plain(run, 7)
    assert "cannot verify the TLS certificate" in run.stderr and "self-signed" in run.stderr
    assert "--ca-bundle" in run.stderr and "JAMFCTL_CA_BUNDLE" in run.stderr
    assert run.stdout == ""
    assert tls.connections == 1  # one handshake: retrying cannot make a certificate verify


@pytest.mark.parametrize("how", ["flag", "environment"])
def test_ca_bundle_makes_the_same_server_trusted(cli, tls, how):
    """With the server's CA in --ca-bundle (or JAMFCTL_CA_BUNDLE), the same listing works over verified TLS."""
    if how == "flag":
        run = cli.run("--ca-bundle", str(tls.cert), *LIST, env=env(tls.url))
    else:
        run = cli.run(*LIST, env=env(tls.url, JAMFCTL_CA_BUNDLE=str(tls.cert)))
    assert run.exit_code == 0, run.stderr
    assert [c["id"] for c in json.loads(run.stdout)] == ["1", "2", "3"]


def test_a_certificate_for_another_host_is_named_as_such(cli, tmp_path):
    """Trusted CA, wrong name (the URL says 127.0.0.1, the certificate says another host): check the URL."""
    cert, key = make_certificate(tmp_path, ip=None, dns="jamf.example.com")
    server = TLSSandbox(cert, key)
    try:
        run = cli.run("--ca-bundle", str(cert), *LIST, env=env(server.url))
    finally:
        server.stop()
    assert_plain(run, 7)
    assert "not valid for this host" in run.stderr and "check the URL" in run.stderr


def test_plain_http_behind_an_https_url_is_a_handshake_error(cli):
    """An https URL pointing at a plain-http port: a plain TLS handshake message, exit 7."""
    url, stop = start_in_thread(SandboxConfig(computers=3))
    try:
        run = cli.run(*LIST, env=env(url.replace("http://", "https://")))
    finally:
        stop()
    assert_plain(run, 7)
    assert "TLS handshake" in run.stderr and "https address" in run.stderr


def test_an_unreadable_ca_bundle_is_a_usage_error(cli, tmp_path):
    """--ca-bundle naming a file that is not PEM: exit 2 before anything is sent."""
    bogus = tmp_path / "not-a-cert.pem"
    bogus.write_text("hello\n")
    run = cli.run("--ca-bundle", str(bogus), *LIST, env=env("https://127.0.0.1:9"))
    assert_plain(run, 2)
    assert "CA bundle" in run.stderr
