"""``Dataset``: the validated canonical tables of one data folder, with their quality log."""

from __future__ import annotations

import difflib
import itertools
from dataclasses import dataclass, field, replace

import pandas as pd

from analytics.config import ProgramConfig
from analytics.config.teams import NO_TEAM, team_groups
from analytics.data.schema import TABLE_NAMES, TABLES, empty_table
from analytics.exceptions import AnalyticsError
from analytics.periods import local_day

QUALITY_COLUMNS = ["table", "rule", "action", "rows", "examples"]


class QualityLog:
    """Collects every repair, drop and note made while loading (one row per rule)."""

    def __init__(self) -> None:
        self._rows: list[dict] = []

    def add(self, table: str, rule: str, action: str, rows: int, examples=()) -> None:
        """Record ``rows`` rows of ``table`` affected by ``rule``; action is
        repaired/dropped/noted."""
        if rows <= 0:
            return
        shown = ", ".join(str(e) for e in itertools.islice(examples, 3))
        self._rows.append(
            {"table": table, "rule": rule, "action": action, "rows": int(rows), "examples": shown}
        )

    def extend(self, other: QualityLog | pd.DataFrame) -> None:
        if isinstance(other, QualityLog):  # its rows as they are: no frame round trip (each
            self._rows.extend(dict(r) for r in other._rows)  # cost ~5 ms, 35 times a load)
            return
        self._rows.extend(other.to_dict("records"))

    def frame(self) -> pd.DataFrame:
        return pd.DataFrame(self._rows, columns=QUALITY_COLUMNS).astype({"rows": "int64"})


@dataclass
class Dataset:
    """The four canonical tables (absent ones are empty), the program config and the quality log.

    Timestamps are tz-aware UTC. ``files`` maps each table to the file it came from
    (None when absent); ``rows_read`` counts data rows before repairs and drops.
    """

    deployments: pd.DataFrame
    changes: pd.DataFrame
    incidents: pd.DataFrame
    test_runs: pd.DataFrame
    config: ProgramConfig = field(default_factory=ProgramConfig)
    source: str = ""
    files: dict[str, str | None] = field(default_factory=dict)
    rows_read: dict[str, int] = field(default_factory=dict)
    quality: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=QUALITY_COLUMNS))
    #: the moment the data describe when cut with :meth:`until` (None: the whole export)
    as_of: pd.Timestamp | None = None

    @classmethod
    def from_tables(
        cls, tables: dict[str, pd.DataFrame], config: ProgramConfig | None = None, **kw
    ) -> Dataset:
        """Build a Dataset from already-canonical frames; missing tables become empty."""
        frames = {t: tables.get(t, empty_table(t)) for t in TABLE_NAMES}
        return cls(**frames, config=config or ProgramConfig(), **kw)

    def table(self, name: str) -> pd.DataFrame:
        return getattr(self, name)

    def has(self, name: str) -> bool:
        """True when the table has at least one row."""
        return len(self.table(name)) > 0

    def date_range(self) -> tuple[pd.Timestamp, pd.Timestamp] | None:
        """First and last local date of the events (deployments, incidents, test runs), or None.

        Changes are left out: a change is counted in the period of the deployment that shipped
        it, and commits made long before the first deployment must not stretch the range.
        """
        days = []
        for t in ("deployments", "incidents", "test_runs"):
            col = self.table(t)[TABLES[t].time_column].dropna()
            if len(col):
                days.append(local_day(col, self.config.timezone))
        if not days:
            return None
        all_days = pd.concat(days)
        return all_days.min(), all_days.max()

    def summary(self) -> pd.DataFrame:
        """One row per table: file, rows read, rows loaded, first and last local date."""
        out = []
        for t in TABLE_NAMES:
            frame = self.table(t)
            col = frame[TABLES[t].time_column].dropna()
            first = last = None
            if len(col):
                day = local_day(col, self.config.timezone)
                first, last = day.min().date(), day.max().date()
            out.append(
                {
                    "table": t,
                    "file": self.files.get(t) or "(absent)",
                    "rows_read": self.rows_read.get(t, len(frame)),
                    "rows_loaded": len(frame),
                    "first": first,
                    "last": last,
                }
            )
        return pd.DataFrame(out)

    def __repr__(self) -> str:
        """A few lines: source, rows per table, date range, services and teams (not the frames)."""
        rows = ", ".join(f"{t}={len(self.table(t)):,}" for t in TABLE_NAMES)
        span = self.date_range()
        dates = f"{span[0]:%Y-%m-%d}..{span[1]:%Y-%m-%d}" if span else "no dated rows"
        teams = f", {len(self.config.teams)} teams" if self.config.teams else ""
        cut = f", as of {self.as_of:%Y-%m-%d %H:%M} UTC" if self.as_of is not None else ""
        return (
            f"<Dataset {self.source or '(in memory)'!s}: {rows}; {dates}; "
            f"{len(self.service_names())} services{teams}{cut}>"
        )

    def service_names(self) -> list[str]:
        """Every service named in any table, sorted."""
        names: set[str] = set()
        for t in TABLE_NAMES:
            names |= set(self.table(t)["service"].dropna().astype(str))
        return sorted(names)

    def filter_services(self, services: list[str] | None, *, strict: bool = True) -> Dataset:
        """A copy keeping only rows of the given services (None or [] keeps all).

        Incidents without a service are kept only when no filter is given.

        Raises
        ------
        AnalyticsError
            when ``strict`` and a name is in no table, listing the known services (a typo must
            not give an empty report).

        Examples
        --------
        >>> import pandas as pd
        >>> from analytics.data.schema import empty_table
        >>> runs = empty_table("test_runs").reindex(range(1)).assign(service="identity")
        >>> ds = Dataset.from_tables({"test_runs": runs})
        >>> len(ds.filter_services(["identity"]).test_runs)
        1
        >>> ds.filter_services(["identiy"])  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        analytics.exceptions.AnalyticsError: unknown service 'identiy' ...; did you mean 'identity'?
        """
        if not services:
            return self
        if strict:
            check_names("service", services, self.service_names())
        keep = set(services)
        frames = {
            t: self.table(t)[self.table(t)["service"].isin(keep)].reset_index(drop=True)
            for t in TABLE_NAMES
        }
        return replace(self, **frames)

    def team_services(self, teams: list[str]) -> list[str]:
        """The services of the data that belong to ``teams`` (names from program.yml ``teams``;
        ``"(no team)"`` for the services no team names).

        Raises
        ------
        AnalyticsError
            for a team program.yml does not name, listing the known teams.
        """
        groups = team_groups(self.config.teams, self.service_names())
        check_names("team", teams, [t.name for t in self.config.teams] + [NO_TEAM])
        return [s for team in teams for s in groups.get(team, ())]

    def filter_teams(self, teams: list[str] | None) -> Dataset:
        """A copy keeping only the services of ``teams`` (None or [] keeps all).

        A known team without rows in the data gives an empty dataset.
        """
        if not teams:
            return self
        services = self.team_services(list(teams))
        if not services:  # a team of program.yml without data: nothing, rather than everything
            return replace(self, **{t: self.table(t).iloc[0:0] for t in TABLE_NAMES})
        return self.filter_services(services)

    def latest_timestamp(self) -> pd.Timestamp | None:
        """The latest timestamp in any timestamp column of any table (None when there is none);
        a dataset cut with :meth:`until` answers its as-of moment."""
        if self.as_of is not None:
            return self.as_of
        found = [
            frame[c].max()
            for frame in (self.table(t) for t in TABLE_NAMES)
            for c in frame.columns
            if isinstance(frame[c].dtype, pd.DatetimeTZDtype) and frame[c].notna().any()
        ]
        return max(found) if found else None

    def until(self, cut: pd.Timestamp) -> Dataset:
        """The data as they stood at ``cut`` (tz-aware): what a report of an earlier month knew.

        Rows whose event time (``finished_at``, ``committed_at``, ``opened_at``) is at or after
        ``cut`` are left out, and so are changes not yet shipped at ``cut`` (merged later, or
        named by a later deployment: kept, the service/time rule would ship them earlier than
        they were). Later values in kept rows are blanked as not yet known: an incident resolved
        after ``cut`` is open, a link to a deployment that had not happened yet unset. Each is
        counted in the quality log (action ``noted``), so nothing leaves silently. ``as_of``
        becomes the earlier of ``cut`` and the latest timestamp in the data (open incidents are
        censored there). Returns ``self`` when nothing is at or after ``cut``.
        """
        latest = self.latest_timestamp()
        if latest is None or latest < cut:
            return self
        day = f"{(cut - pd.Timedelta(1, 'ns')).tz_convert(self.config.timezone):%Y-%m-%d}"
        log = QualityLog()
        log.extend(self.quality)
        frames = {}
        for t in TABLE_NAMES:
            frame = self.table(t)
            late = frame[TABLES[t].time_column] >= cut
            log.add(
                t, f"rows after {day} (the report's as-of date) not used", "noted", int(late.sum())
            )
            frames[t] = frame[~late].reset_index(drop=True)
        later_ids = self.deployments["deployment_id"][self.deployments["finished_at"] >= cut]
        changes = frames["changes"]
        # not yet shipped at the cut: merged later, or named by a later deployment. Blanking the
        # merge or the link would let the service/time rule pick an earlier deployment.
        unshipped = changes["deployment_id"].isin(later_ids)
        if "merged_at" in changes.columns:
            unshipped |= changes["merged_at"] >= cut
        log.add(
            "changes",
            f"merged or shipped after {day}: not yet shipped then, not used",
            "noted",
            int(unshipped.sum()),
        )
        frames["changes"] = changes[~unshipped].reset_index(drop=True)
        blanks = [
            ("changes", "pr_opened_at", "pull request opened after {day}: not yet opened then"),
            ("incidents", "resolved_at", "resolved after {day}: still open then"),
            (
                "incidents",
                "caused_by_deployment_id",
                "caused by a deployment after {day}: link unset",
            ),
        ]
        for t, col, rule in blanks:
            frame = frames[t]
            if col not in frame.columns:
                continue
            values = frame[col]
            later = values.isin(later_ids) if col.endswith("_id") else values >= cut
            if later.any():
                log.add(t, rule.format(day=day), "noted", int(later.sum()))
                frames[t] = frame.assign(**{col: values.mask(later)})
        return replace(self, **frames, quality=log.frame(), as_of=min(cut, latest))


def check_names(kind: str, names: list[str], known: list[str]) -> None:
    """Raise a one-line AnalyticsError for the first of ``names`` not in ``known``, listing the
    known names (and the closest one, when a typo is likely)."""
    unknown = [n for n in names if n not in set(known)]
    if not unknown:
        return
    close = difflib.get_close_matches(str(unknown[0]), known, n=1)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    raise AnalyticsError(
        f"unknown {kind} {unknown[0]!r} (known: {', '.join(known) or 'none'}){hint}"
    )


def check_services(dataset: Dataset, services: list[str] | None) -> None:
    """Raise a one-line error naming any service that is in no table of the dataset.

    The one service check of the render plan, ``views.open_month`` and the commands.
    """
    if services:
        check_names("service", list(services), dataset.service_names())
