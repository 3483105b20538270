"""The semgrep-governance hook under the real ``pre-commit try-repo``.

pre-commit builds the hook's virtualenv with ``additional_dependencies:
["semgrep>=1.80"]`` from the package index (the slow part: Semgrep's wheel is
large, and ``try-repo`` uses a fresh store on every call, so the test calls it
once). Every other HTTP(S) request goes to a recording proxy, which must stay
unused: the scan itself is offline.
"""

from __future__ import annotations

import pytest

from ..semgrep.proxy import PROXY_VARIABLES, ProxyRecorder

pytestmark = pytest.mark.integration

#: Hosts pip may reach directly to install the hook environment.
PACKAGE_INDEX_HOSTS = "pypi.org,files.pythonhosted.org"

HIT = """\
import pickle


def load_features(response):
    return pickle.loads(response.content)
"""

CLEAN = """\
import json


def load_features(response):
    return json.loads(response.content)
"""


def test_hook_flags_the_hit_and_not_the_clean_file_offline(make_repo, try_repo, monkeypatch):
    repo = make_repo({"features/cache.py": HIT, "features/clean.py": CLEAN, "README.md": "pickle.loads(x)\n"})
    with ProxyRecorder() as proxy:
        for variable in PROXY_VARIABLES:
            monkeypatch.setenv(variable, proxy.url)
        monkeypatch.setenv("NO_PROXY", PACKAGE_INDEX_HOSTS)
        monkeypatch.setenv("no_proxy", PACKAGE_INDEX_HOSTS)
        result = try_repo(repo, "semgrep-governance")
    output = result.stdout + result.stderr
    assert result.returncode == 1, output
    findings = [line for line in output.splitlines() if line.startswith("features/")]
    assert len(findings) == 1, output
    assert findings[0].startswith(
        "features/cache.py:5:12: error semgrep/pickle-load-untrusted Unpickling response.content "
    )
    assert proxy.requests == []
