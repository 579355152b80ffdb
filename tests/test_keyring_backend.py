"""jamfctl.auth.keyring_backend: the backend keyring itself would choose, without keyring's entry-point scan.

Each case runs in a fresh interpreter (keyring caches its discovery per process), with a clean HOME: jamfctl's
choice first, then keyring's own (`keyring.core._detect_backend`, what `keyring.get_keyring()` runs), compared.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import keyring
import pytest

from jamfctl import auth

ROOT = Path(__file__).resolve().parents[1]

PROBE = """
import json, sys
import keyring.core
from jamfctl.auth import keyring_backend
ours = keyring_backend()
agrees = keyring.core.get_keyring() is ours  # set for any other caller in the process
theirs = keyring.core._detect_backend()
name = lambda ring: type(ring).__module__ + "." + type(ring).__name__
print(json.dumps({"ours": name(ours), "theirs": name(theirs), "agrees": agrees,
                  "scanned": "keyring.backends.macOS" in sys.modules if sys.platform != "darwin" else None}))
"""
# keyring's plugin-free viable backends of one module, as the platform's only built-in ones
FAKES = '''
from keyring.backend import KeyringBackend
from keyring.compat import properties

class Viable(KeyringBackend):
    priority = 3
    def get_password(self, service, username): return None
    def set_password(self, service, username, password): pass
    def delete_password(self, service, username): pass

class NotViable(Viable):
    @properties.classproperty
    def priority(cls):
        raise RuntimeError("no such service here")
'''


def choose(tmp_path: Path, **env: str) -> dict:
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "KEYRING", "XDG_"))}
    clean.update(HOME=str(home), XDG_CONFIG_HOME=str(home / ".config"), XDG_DATA_HOME=str(home / ".local"),
                 PYTHONPATH=str(ROOT / "tests"), **env)
    result = subprocess.run([sys.executable, "-c", PROBE], env=clean, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def keyringrc(tmp_path: Path, backend: str) -> None:
    folder = tmp_path / "home" / ".config" / "python_keyring"  # keyring's config root on Linux (XDG)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "keyringrc.cfg").write_text(f"[backend]\ndefault-keyring={backend}\n")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="keyring's config root differs off Linux")
@pytest.mark.parametrize("config", ["none", "environment", "keyringrc", "both"])
def test_the_backend_is_the_one_keyring_itself_chooses(tmp_path, config):
    env = {}
    if config in ("environment", "both"):
        env["PYTHON_KEYRING_BACKEND"] = "support.keyrings.FileKeyring"
    if config in ("keyringrc", "both"):
        keyringrc(tmp_path, "keyring.backends.null.Keyring")
    found = choose(tmp_path, **env)
    assert found["ours"] == found["theirs"]
    assert found["agrees"]
    expected = {"none": None, "environment": "support.keyrings.FileKeyring", "both": "support.keyrings.FileKeyring",
                "keyringrc": "keyring.backends.null.Keyring"}[config]  # the variable wins over the file
    if expected:
        assert found["ours"] == expected
    else:
        assert found["scanned"] is True  # keyring's own discovery (run second) imports every platform's backend


def test_a_backend_set_by_the_program_is_kept(monkeypatch):
    """keyring.set_keyring() (an embedding program, the test suite's autouse MemoryKeyring) wins over everything."""
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.null.Keyring")
    assert auth.keyring_backend() is keyring.get_keyring()
    assert auth.Keychain().backend is keyring.get_keyring()


def test_the_platform_default_is_the_one_viable_built_in_backend(tmp_path):
    """Without configuration: one viable backend of this platform's is chosen, none is keyring's fail.Keyring,
    and several are left to keyring, which chains them."""
    (tmp_path / "fake_rings.py").write_text(FAKES)
    script = f"""
import json, sys
sys.path.insert(0, {str(tmp_path)!r})
import keyring.core
from keyring.backends import fail
from jamfctl import auth
import fake_rings
seen = {{}}
for case, modules in {{"one": ("fake_rings",), "none": ("keyring.backends.null",)}}.items():
    keyring.core._keyring_backend = None
    auth.PLATFORM_BACKENDS = {{sys.platform: modules}}
    ring = auth.keyring_backend()
    seen[case] = type(ring).__module__ + "." + type(ring).__name__
keyring.core._keyring_backend = None
auth.PLATFORM_BACKENDS = {{sys.platform: ("fake_rings", "support.keyrings")}}  # several viable: keyring decides
asked = []
keyring.core.get_keyring = lambda: asked.append(1) or fail.Keyring()
auth.keyring_backend()
seen["several"] = len(asked)
print(json.dumps(seen))
"""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "XDG_"))}
    clean.update(HOME=str(tmp_path), XDG_CONFIG_HOME=str(tmp_path / "cfg"), PYTHONPATH=str(ROOT / "tests"))
    result = subprocess.run([sys.executable, "-c", script], env=clean, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    # null.Keyring's priority is -1: not viable as a default, so keyring (and jamfctl) fall back to fail.Keyring
    assert json.loads(result.stdout) == {"one": "fake_rings.Viable", "none": "keyring.backends.fail.Keyring",
                                         "several": 1}
