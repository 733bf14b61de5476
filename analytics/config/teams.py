"""Teams: the optional ``teams`` key of program.yml (service -> team, team -> department).

In program.yml a team lists its services, and optionally the department it belongs to::

    teams:
      Lending: [loan-application, credit-scoring]       # short form: the services
      Payments:
        services: [repayment, payment-gateway]
        department: Retail                              # optional

A service belongs to at most one team. Services of the data that no team names are grouped as
:data:`NO_TEAM` in by-team views, so nothing is silently left out.

>>> teams = parse_teams({"Lending": ["loan-application"], "Ops": {"services": ["api"]}})
>>> [t.name for t in teams], teams[1].services
(['Lending', 'Ops'], ('api',))
>>> team_of_service(teams)["api"]
'Ops'
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

#: the group of services that no team of program.yml names
NO_TEAM = "(no team)"
_TEAM_KEYS = {"services", "department"}


@dataclass(frozen=True)
class Team:
    """A team of program.yml: its name, its services and (optionally) its department."""

    name: str
    services: tuple[str, ...]
    department: str | None = None


def parse_teams(raw: Any, fail: Callable[[str, str], Exception] | None = None) -> tuple[Team, ...]:
    """Validate the ``teams`` mapping of program.yml; ``fail(key, message)`` builds the error.

    Raises
    ------
    ConfigError
        (through ``fail``) for a team without services, a service named by two teams, or an
        unknown key inside a team.
    """
    fail = fail or _default_fail
    if not isinstance(raw, dict) or not raw:
        raise fail("teams", "must map team names to a list of services (or {services, department})")
    owner: dict[str, str] = {}
    out = []
    for name, spec in raw.items():
        key = f"teams.{name}"
        team = _parse_team(str(name).strip(), spec, key, fail)
        for service in team.services:
            if service in owner:
                raise fail(key, f"service {service!r} is already in team {owner[service]!r}")
            owner[service] = team.name
        out.append(team)
    return tuple(out)


def _parse_team(name: str, spec: Any, key: str, fail) -> Team:
    if not name or name == NO_TEAM:
        raise fail(key, f"a team needs a name other than {NO_TEAM!r}")
    department = None
    if isinstance(spec, dict):
        extra = sorted(set(spec) - _TEAM_KEYS)
        if extra:
            raise fail(f"{key}.{extra[0]}", "unknown key (known: services, department)")
        if spec.get("department") is not None:
            department = str(spec["department"]).strip() or None
        spec = spec.get("services")
    if isinstance(spec, str):
        spec = [spec]
    if not isinstance(spec, list) or not spec:
        raise fail(key, "needs a non-empty list of services")
    services = tuple(dict.fromkeys(str(s).strip() for s in spec if str(s).strip()))
    if not services:
        raise fail(key, "needs a non-empty list of services")
    return Team(name, services, department)


def _default_fail(key: str, message: str) -> Exception:
    from analytics.exceptions import ConfigError

    return ConfigError(f"program.yml: key '{key}': {message}")


def team_of_service(teams: Sequence[Team]) -> dict[str, str]:
    """``{service: team name}`` for every service a team names."""
    return {s: t.name for t in teams for s in t.services}


def team_groups(teams: Sequence[Team], services: Iterable[str]) -> dict[str, tuple[str, ...]]:
    """``{team: services present}`` in program.yml order, then :data:`NO_TEAM` for the rest.

    Only services in ``services`` (those of the data) are kept; a team with none of them is
    left out, and :data:`NO_TEAM` appears only when some service has no team.

    >>> team_groups([Team("A", ("x", "y"))], ["y", "z"])
    {'A': ('y',), '(no team)': ('z',)}
    """
    present = list(dict.fromkeys(services))
    groups = {t.name: tuple(s for s in t.services if s in present) for t in teams}
    groups = {k: v for k, v in groups.items() if v}
    owned = team_of_service(teams)
    rest = tuple(sorted(s for s in present if s not in owned))
    if rest:
        groups[NO_TEAM] = rest
    return groups


def department_of_team(teams: Sequence[Team]) -> dict[str, str | None]:
    """``{team name: department}`` (None when program.yml gives none)."""
    return {t.name: t.department for t in teams}
