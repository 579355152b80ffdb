"""The TLS context: built once per process (per CA bundle file) for https, never for the plain-http loopback path."""
from __future__ import annotations

import ssl

import pytest
import truststore

from jamfctl import client as client_module
from jamfctl.client import JamfClient, no_tls_context, ssl_context
from jamfctl.errors import UsageError

CA = ssl.get_default_verify_paths().cafile or ssl.get_default_verify_paths().openssl_cafile


@pytest.fixture(autouse=True)
def fresh_cache():
    client_module._ssl_context.cache_clear()
    yield
    client_module._ssl_context.cache_clear()


def test_every_https_client_shares_one_context(monkeypatch):
    built = []
    real = truststore.SSLContext

    def counting(*args, **kwargs):
        built.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(truststore, "SSLContext", counting)
    clients = [JamfClient("https://jamf.example.com") for _ in range(3)]
    for each in clients:
        each.close()
    assert len(built) == 1
    assert ssl_context(None) is ssl_context(None)


def test_a_ca_bundle_is_read_again_when_the_file_changes(tmp_path):
    if not CA:
        pytest.skip("no system CA file to copy")
    bundle = tmp_path / "extra.pem"
    pem = open(CA).read()
    bundle.write_text(pem)
    first = ssl_context(str(bundle))
    assert ssl_context(str(bundle)) is first
    bundle.write_text(pem + "\n")  # rewritten: another size, so another context
    assert ssl_context(str(bundle)) is not first


def test_an_unusable_bundle_fails_every_time(tmp_path):
    bundle = tmp_path / "broken.pem"
    bundle.write_text("not a certificate")
    for _ in range(2):
        with pytest.raises(UsageError, match="cannot use the CA bundle"):
            ssl_context(str(bundle))
    with pytest.raises(UsageError):
        ssl_context(str(tmp_path / "missing.pem"))


def test_a_plain_http_client_loads_no_trust_store(monkeypatch):
    """The loopback path: neither the system store (truststore) nor certifi's bundle is loaded."""
    loaded = []
    monkeypatch.setattr(client_module, "ssl_context", lambda *a: pytest.fail("a TLS context for plain http"))
    real_load = ssl.SSLContext.load_verify_locations

    def recording(self, *args, **kwargs):
        loaded.append(args or kwargs)
        return real_load(self, *args, **kwargs)

    monkeypatch.setattr(ssl.SSLContext, "load_verify_locations", recording)
    JamfClient("http://127.0.0.1:9").close()
    assert loaded == []
    context = no_tls_context()
    assert context.verify_mode == ssl.CERT_REQUIRED and context.check_hostname  # trusts nothing, checks all
    assert context.get_ca_certs() == []
