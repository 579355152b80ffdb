"""doctor's probes, from the network up: URL, DNS, TCP, TLS (naming a TLS-inspecting proxy), HTTP, credentials,
token, clock skew, keychain. Each returns a `Check` whose failure names its layer and a fix. DNS, TCP and TLS
are checked on sockets, below httpx; `Watch` sits under the client's transport and keeps what the client does not
(the token's `scope`, each response's Date). No Typer here: `jamfctl.cli.diagnostics` runs and renders them.
"""
from __future__ import annotations

import contextlib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Iterator

if TYPE_CHECKING:
    from jamfctl.auth import Credentials
    from jamfctl.client import JamfClient
    from jamfctl.context import AppContext

VERSION_PATH = "/api/v1/jamf-pro-version"


def role_ids(scope: str | None) -> list[str]:
    """The API role ids a token's scope names ("api-role:1 api-role:2")."""
    return [word.split(":", 1)[1] for word in (scope or "").split() if word.startswith("api-role:")]


@dataclass
class Check:
    check: str
    status: str  # "ok", "FAIL", "warn" (passes, with something to know) or "skip"
    detail: str
    fix: str = ""
    error: type | None = None  # the error kind a failure maps to (its exit code)

    def row(self) -> dict:
        from jamfctl import redact

        return {"check": self.check, "status": self.status, "detail": redact.scrub(self.detail),
                "fix": redact.scrub(self.fix)}

    def line(self) -> str:
        row = self.row()
        fix = f" - fix: {row['fix']}" if row["fix"] and self.status in ("FAIL", "warn") else ""
        return f"{self.status:<4}  {row['check']:<34} {row['detail']}{fix}\n"


class Watch:
    """The transport under doctor's and server info's client: it notes what the client does not keep, the token
    response's `scope` and each response's Date (as server time minus local time)."""

    def __init__(self, inner) -> None:
        self.inner = inner
        self.scope: str | None = None
        self.offsets: list[float] = []

    def __enter__(self) -> Watch:
        return self

    def __exit__(self, *exc: object) -> None:
        pass

    def close(self) -> None:
        pass  # the session closes the inner transport once, after every client on it

    def handle_request(self, request):
        import email.utils
        import time

        sent = time.time()
        response = self.inner.handle_request(request)
        # Date was stamped between sending and receiving, truncated to the second: compare the middle of
        # its second with the middle of the round trip, so a 400 s skew reads 400 s, not 401.
        local = (sent + time.time()) / 2
        for value in response.headers.get_list("date")[-1:]:  # a proxy may add its own first
            with contextlib.suppress(TypeError, ValueError, IndexError, OverflowError):
                self.offsets.append(email.utils.parsedate_to_datetime(value).timestamp() + 0.5 - local)
        if request.method == "POST" and request.url.path.endswith("/oauth/token") and response.status_code == 200:
            response = self._keep_scope(request, response)
        return response

    def _keep_scope(self, request, response):
        import json

        import httpx

        body = b""
        try:
            for chunk in response.stream:
                body += chunk
                if len(body) > 65536:  # no token response is this long: the client reports it as broken
                    break
        finally:
            response.close()
        with contextlib.suppress(ValueError, UnicodeDecodeError, AttributeError):
            scope = json.loads(body).get("scope")
            self.scope = scope if isinstance(scope, str) else None
        return httpx.Response(response.status_code, headers=response.headers, content=body, request=request,
                              extensions=response.extensions)


def transport(app_ctx: AppContext, creds: Credentials):
    """What the client would use: the tests' transport, the in-process sandbox, or httpx's, verifying TLS."""
    if app_ctx.transport_factory is not None:
        return app_ctx.transport_factory()
    if creds.source == "sandbox":
        from jamfctl.sandbox import SandboxConfig
        from jamfctl.sandbox.app import SandboxApp
        from jamfctl.sandbox.transport import SandboxTransport

        return SandboxTransport(SandboxApp(SandboxConfig()))
    import httpx

    from jamfctl.client import ssl_context

    verify = ssl_context(app_ctx.ca_bundle) if creds.url.startswith("https://") else True
    return httpx.HTTPTransport(verify=verify, limits=httpx.Limits(max_connections=app_ctx.max_connections))


def url_check(creds: Credentials) -> Check:
    named = {"environment": "JAMF_URL", "sandbox": "the built-in sandbox"}
    where = named.get(creds.source, f"profile '{creds.profile}'")
    plain = " (plain http: allowed for loopback only)" if creds.url.startswith("http://") else ""
    return Check("url", "ok", f"{creds.url} from {where}{plain}")


def network_checks(url: str, ca_bundle: str | None, timeout: float, in_process: bool) -> Iterator[Check]:
    import urllib.request
    from urllib.parse import urlsplit

    if in_process:
        yield Check("network", "skip", "in-process sandbox: no DNS, TCP or TLS to check")
        return
    parts = urlsplit(url)
    host, https = parts.hostname or "", parts.scheme == "https"
    port = parts.port or (443 if https else 80)
    proxies = urllib.request.getproxies_environment()
    proxy = proxies.get(parts.scheme) or proxies.get("all")
    if proxy and not urllib.request.proxy_bypass_environment(host):
        shown = urlsplit(proxy if "://" in proxy else f"http://{proxy}")
        yield Check("network", "skip", f"through the proxy {shown.hostname}:{shown.port or ''} "
                    "(HTTPS_PROXY/ALL_PROXY): the HTTP check tests the whole way")
        return
    dns = _dns(host, port, timeout)
    yield dns
    if dns.status == "ok":
        tcp = _tcp(host, port, timeout)
        yield tcp
        if tcp.status == "ok" and https:
            yield _tls(host, port, ca_bundle, timeout)


def _dns(host: str, port: int, timeout: float) -> Check:
    import socket
    import threading

    from jamfctl.errors import NetworkError

    result: dict = {}

    def resolve() -> None:
        try:
            result["value"] = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except OSError as exc:
            result["error"] = exc

    worker = threading.Thread(target=resolve, name="dns", daemon=True)  # getaddrinfo has no timeout of its own
    worker.start()
    worker.join(timeout)
    if "value" not in result:
        error = result.get("error")
        why = getattr(error, "strerror", None) or type(error).__name__ if error else "no answer within the timeout"
        return Check("dns", "FAIL", f"cannot resolve {host} ({why})",
                     "check the host name in the URL, and the network's DNS (or VPN)", NetworkError)
    addresses = list(dict.fromkeys(str(info[4][0]) for info in result["value"]))
    return Check("dns", "ok", f"{host} resolves to {', '.join(addresses[:3])}")


def _tcp(host: str, port: int, timeout: float) -> Check:
    import socket
    import time

    from jamfctl.errors import NetworkError

    started = time.monotonic()
    try:
        with socket.create_connection((host, port), timeout=min(timeout, 10.0)):
            pass
    except ConnectionRefusedError:
        return Check("tcp", "FAIL", f"{host}:{port} refused the connection",
                     "nothing listens there: check the port in the URL and that Jamf Pro is running", NetworkError)
    except (socket.timeout, TimeoutError):
        return Check("tcp", "FAIL", f"no answer from {host}:{port} within {min(timeout, 10.0):.0f} s",
                     "a firewall may drop the connection: check the VPN, the firewall, or whether a proxy is needed "
                     "(HTTPS_PROXY)", NetworkError)
    except OSError as exc:
        return Check("tcp", "FAIL", f"cannot connect to {host}:{port} ({exc.strerror or type(exc).__name__})",
                     "check the network route to the server (VPN, firewall)", NetworkError)
    return Check("tcp", "ok", f"{host}:{port} accepts connections ({(time.monotonic() - started) * 1000:.0f} ms)")


# Names in the issuer of a certificate re-signed by a TLS-inspecting proxy (lower case).
INSPECTORS = ("zscaler", "netskope", "palo alto", "fortinet", "fortigate", "forcepoint", "websense", "blue coat",
              "bluecoat", "symantec", "cisco umbrella", "sophos", "check point", "checkpoint", "mcafee", "barracuda",
              "menlo", "iboss", "lightspeed", "securly", "cloudflare for teams", "untangle", "watchguard", "kaspersky",
              "eset", "avast", "bitdefender")


def _tls(host: str, port: int, ca_bundle: str | None, timeout: float) -> Check:
    import socket
    import ssl

    from jamfctl.client import ssl_context
    from jamfctl.errors import NetworkError, UsageError

    try:
        context = ssl_context(ca_bundle)
    except UsageError as exc:
        return Check("tls", "FAIL", exc.message, "give a PEM file of CA certificates", UsageError)
    try:
        with socket.create_connection((host, port), timeout=min(timeout, 10.0)) as raw:
            with context.wrap_socket(raw, server_hostname=host) as tls:
                issuer, version = issuer_name(tls.getpeercert(binary_form=True) or b""), tls.version()
    except ssl.SSLCertVerificationError as exc:
        reason = (getattr(exc, "verify_message", None) or exc.reason or "verification failed").rstrip(".")
        issuer = _unverified_issuer(host, port, timeout)
        shown = f"'{issuer}'" if issuer else "an unknown issuer"
        if "mismatch" in reason.lower() or "hostname" in reason.lower():
            return Check("tls", "FAIL", f"the certificate (issued by {shown}) is not valid for {host} ({reason})",
                         "check the URL: use the host name the server's certificate names", NetworkError)
        proxy = _inspector(issuer)
        why = (f"{shown} looks like a TLS-inspecting proxy ({proxy}): " if proxy else
               f"if your network inspects TLS, {shown} is its CA: ")
        return Check("tls", "FAIL", f"the certificate does not verify ({reason}); it is issued by {shown}",
                     f"{why}get that CA certificate (PEM) from IT and pass it with --ca-bundle FILE or "
                     "JAMFCTL_CA_BUNDLE; otherwise the server sends an incomplete or self-signed chain", NetworkError)
    except ssl.SSLError as exc:
        return Check("tls", "FAIL", f"the TLS handshake failed ({exc.reason or type(exc).__name__})",
                     "check that the URL is the server's https address and port (not a plain http port)", NetworkError)
    except OSError as exc:
        return Check("tls", "FAIL", f"the TLS connection failed ({exc.strerror or type(exc).__name__})",
                     "check the network route to the server", NetworkError)
    proxy = _inspector(issuer)
    note = f"; the issuer looks like a TLS-inspecting proxy ({proxy}), trusted here" if proxy else ""
    return Check("tls", "ok", f"{version}, certificate for {host} issued by '{issuer or 'unknown'}' verifies{note}")


def _unverified_issuer(host: str, port: int, timeout: float) -> str:
    """The issuer's name of a certificate that did not verify: read with verification off, only to name it."""
    import socket
    import ssl

    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    try:
        with socket.create_connection((host, port), timeout=min(timeout, 10.0)) as raw:
            with context.wrap_socket(raw, server_hostname=host) as tls:
                return issuer_name(tls.getpeercert(binary_form=True) or b"")
    except (OSError, ssl.SSLError):
        return ""


def _inspector(issuer: str) -> str | None:
    lowered = issuer.lower()
    return next((name for name in INSPECTORS if name in lowered), None)


def issuer_name(der: bytes) -> str:
    """The issuer's common name (else organisation) of a DER certificate; "" if unreadable. (A few lines of DER
    rather than a dependency: Certificate > TBSCertificate > [version], serial, signature, issuer.)"""
    def tlv(data: bytes, at: int) -> tuple[int, bytes, int]:
        tag, length, at = data[at], data[at + 1], at + 2
        if length & 0x80:
            size = length & 0x7F
            length, at = int.from_bytes(data[at:at + size], "big"), at + size
        if at + length > len(data):
            raise ValueError("truncated")
        return tag, data[at:at + length], at + length

    try:
        _, certificate, _ = tlv(der, 0)
        _, tbs, _ = tlv(certificate, 0)
        tag, _, after = tlv(tbs, 0)
        at = after if tag == 0xA0 else 0  # the explicit version, when present
        for _ in range(2):  # serial number, signature algorithm
            _, _, at = tlv(tbs, at)
        _, issuer, _ = tlv(tbs, at)
        names: dict[bytes, str] = {}
        at = 0
        while at < len(issuer):
            _, rdn, at = tlv(issuer, at)
            _, pair, _ = tlv(rdn, 0)
            _, oid, rest = tlv(pair, 0)
            names[oid] = tlv(pair, rest)[1].decode("utf-8", "replace")
    except (IndexError, ValueError):
        return ""
    name = names.get(b"\x55\x04\x03") or names.get(b"\x55\x04\x0a") or ""
    return "".join(ch for ch in name if ch.isprintable())[:120]


def http_check(url: str, watch: Watch, timeout: float) -> Check:
    import time

    import httpx

    from jamfctl import __version__
    from jamfctl.errors import NetworkError, ServerError, UnavailableError

    started = time.monotonic()
    headers = {"User-Agent": f"jamfctl/{__version__}", "Accept": "application/json"}
    try:
        with httpx.Client(base_url=url, transport=watch, timeout=timeout, follow_redirects=False,
                          headers=headers) as http:
            with http.stream("GET", VERSION_PATH) as response:  # the status is enough: the body is never read
                status, location = response.status_code, response.headers.get("location", "")
    except httpx.TimeoutException:
        return Check("http", "FAIL", f"no answer within {timeout:g} s", "check the network, or raise --timeout",
                     NetworkError)
    except httpx.TransportError as exc:
        return Check("http", "FAIL", f"GET {VERSION_PATH} failed ({type(exc).__name__})",
                     "check the URL and the network (a proxy? HTTPS_PROXY)", NetworkError)
    took = f"{(time.monotonic() - started) * 1000:.0f} ms"
    if status in (200, 401):
        expected = " (no token sent: as expected)" if status == 401 else ""
        return Check("http", "ok", f"GET {VERSION_PATH} answered {status}{expected} in {took}")
    if 300 <= status < 400:
        where = httpx.URL(location).host if location.startswith(("http://", "https://")) else "another path"
        return Check("http", "FAIL", f"the server redirects ({status}) to {where}",
                     "use the address it redirects to as the URL (jamfctl follows no redirect)", ServerError)
    if status == 404:
        return Check("http", "FAIL", f"no Jamf Pro API at this address (404 for {VERSION_PATH})",
                     "give the server's base address, with no path, e.g. https://yourcompany.jamfcloud.com",
                     ServerError)
    if status in (502, 503, 504):
        return Check("http", "FAIL", f"unavailable ({status}): Jamf Pro may be starting or down",
                     "wait a few minutes and run doctor again", UnavailableError)
    return Check("http", "FAIL", f"unexpected HTTP {status} for {VERSION_PATH}", "check that the URL is Jamf Pro's",
                 ServerError)


def credentials_check(client: JamfClient, creds: Credentials, watch: Watch) -> Check:
    from jamfctl.errors import AuthError, JamfctlError

    where = "Jamf Pro > Settings > API roles and clients (is the client enabled?)"
    if creds.source == "environment":
        fix = f"check JAMF_CLIENT_ID and JAMF_CLIENT_SECRET against the API client in {where}"
    elif creds.source == "sandbox":
        fix = "the sandbox accepts only its documented client id and secret"
    else:
        fix = f"run `jamfctl login -p {creds.profile}` again with the client's current secret; see {where}"
    try:
        client.tokens.token()
    except AuthError as exc:
        return Check("credentials", "FAIL", exc.message, fix, AuthError)
    except JamfctlError as exc:
        return Check("credentials", "FAIL", exc.message, "run doctor again (with --debug for details)", type(exc))
    token = client.tokens.current()
    roles = ", ".join(f"api-role:{i}" for i in role_ids(watch.scope)) or "none named"
    lifetime = f", valid for {token.lifetime:.0f} s" if token else ""
    return Check("credentials", "ok", f"client id {creds.client_id} got a new token{lifetime} (roles: {roles})")


def token_check(client: JamfClient) -> Check:
    from jamfctl.errors import JamfctlError

    try:
        body = client.get_json(VERSION_PATH)
    except JamfctlError as exc:
        return Check("token", "FAIL", exc.message, "the server refused the token it had just issued: check its clock "
                     "and any load balancer in front of it, then try again", type(exc))
    version = body.get("version") if isinstance(body, dict) else None
    return Check("token", "ok", f"accepted: Jamf Pro {version or 'version unknown'}")


def clock_check(watch: Watch, limit: float) -> Check:
    import statistics

    from jamfctl.errors import JamfctlError

    if not watch.offsets:
        return Check("clock", "skip", "not checked: the server sent no Date header")
    skew = statistics.median(watch.offsets)
    if abs(skew) <= limit:
        return Check("clock", "ok", f"within {abs(skew):.0f} s of the server's clock")
    minutes, seconds = divmod(round(abs(skew)), 60)
    hours, minutes = divmod(minutes, 60)
    gap = (f"{hours} h " if hours else "") + f"{minutes} min {seconds} s"
    side = "ahead of" if skew > 0 else "behind"
    return Check("clock", "FAIL", f"the server's clock is {gap} {side} this computer's",
                 "set both clocks from the network (macOS: System Settings > General > Date & Time; Linux: "
                 "timedatectl set-ntp true): token lifetimes and certificates are judged by them", JamfctlError)


def keychain_check(app_ctx: AppContext, creds: Credentials) -> Check:
    if creds.source == "sandbox":
        return Check("keychain", "skip", "not used: the sandbox needs no secret")
    keychain = app_ctx.get_keychain()
    backend = keychain.backend_name()
    if creds.source == "environment":
        tokens = f"tokens cached in {backend}" if keychain.usable() else f"tokens in memory only (keychain: {backend})"
        return Check("keychain", "ok", f"not needed: credentials from the environment; {tokens}")
    return Check("keychain", "ok", f"{backend} holds the secret of profile '{creds.profile}'")
