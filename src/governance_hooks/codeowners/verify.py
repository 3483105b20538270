"""Owner verification against the GitHub REST API (only with ``--online``).

Users: ``GET {api}/users/{login}``; teams: ``GET {api}/orgs/{org}/teams/{slug}``
(GitHub REST API docs, "Get a user" and "Get a team by name"). 200 means the
owner exists, 404 means it does not; anything else (401, 403 rate limit, network
errors) means "could not verify". Email owners cannot be looked up and are skipped.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from typing import Iterable, List, Set

from ..net import open_url
from .model import TEAM, USER, Owner

DEFAULT_API = "https://api.github.com"
#: At most this many distinct owners are looked up in one run (a budget on network time).
MAX_LOOKUPS = 500
TIMEOUT_SECONDS = 10.0


@dataclass
class Verification:
    """``unknown``: owner keys GitHub says do not exist; ``errors``: why others could not be checked."""

    unknown: Set[str] = field(default_factory=set)
    checked: int = 0
    errors: List[str] = field(default_factory=list)


def _url(api: str, owner: Owner) -> str:
    name = owner.text[1:]
    if owner.kind == TEAM:
        org, _, slug = name.partition("/")
        return f"{api}/orgs/{urllib.parse.quote(org)}/teams/{urllib.parse.quote(slug)}"
    return f"{api}/users/{urllib.parse.quote(name)}"


def verify_owners(owners: Iterable[Owner], token: str, api: str = DEFAULT_API) -> Verification:
    """Look up each distinct user and team owner.

    Args:
        owners: owner tokens (emails and roles are skipped).
        token: a GitHub token (sent as ``Authorization: Bearer``).
        api: the REST API base URL (configurable so tests use a local server).

    Returns:
        The verification; never raises for HTTP or network failures (they go to ``errors``).
    """
    result = Verification()
    api = api.rstrip("/")
    seen: Set[str] = set()
    for owner in owners:
        if owner.kind not in (USER, TEAM) or owner.key in seen:
            continue
        seen.add(owner.key)
        if len(seen) > MAX_LOOKUPS:
            result.errors.append(f"more than {MAX_LOOKUPS} distinct owners; the rest were not looked up")
            break
        request = urllib.request.Request(_url(api, owner), headers={
            "Accept": "application/vnd.github+json",
            "Authorization": f"Bearer {token}",
            "X-GitHub-Api-Version": "2022-11-28",
            "User-Agent": "governance-hooks",
        })
        try:
            with open_url(request, TIMEOUT_SECONDS) as response:
                json.loads(response.read(1_000_000) or b"{}")
            result.checked += 1
        except urllib.error.HTTPError as exc:
            if exc.code == 404:
                result.unknown.add(owner.key)
                result.checked += 1
            else:
                result.errors.append(f"{owner.text}: HTTP {exc.code} {exc.reason}")
                if exc.code in (401, 403):
                    break  # bad token or rate limit: the remaining lookups would fail the same way
        except (urllib.error.URLError, OSError, ValueError) as exc:
            reason = getattr(exc, "reason", exc)
            result.errors.append(f"{owner.text}: {reason}")
            break
    return result
