"""Read a small YAML file (program.yml, a column mapping) strictly, at a bounded cost.

PyYAML's ``safe_load`` builds no objects but still expands aliases, so a few hundred bytes of
nested anchors (a "billion laughs" document) take minutes and gigabytes, and it lets a repeated
key silently replace the earlier one. :func:`load_yaml` refuses both, and any file bigger than
:data:`MAX_BYTES`, with a ``ConfigError`` naming the file (and the line).

Hand-written on top of PyYAML's ``SafeLoader``: no maintained library offers "safe_load without
aliases or duplicate keys" (ruamel.yaml allows aliases too); the two overrides are small.

>>> load_yaml_text("a: 1\\nb: [x, y]\\n", "example.yml")
{'a': 1, 'b': ['x', 'y']}
>>> load_yaml_text("a: &x 1\\nb: *x\\n", "example.yml")  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
analytics.exceptions.ConfigError: example.yml, line 1: YAML anchors and aliases (&x, *x) are ...
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from analytics.exceptions import ConfigError

#: program.yml is a page of settings; anything larger is not one.
MAX_BYTES = 1 << 20


class _StrictLoader(yaml.SafeLoader):
    """SafeLoader that refuses anchors, aliases and duplicate mapping keys."""

    def compose_node(self, parent, index):  # noqa: ANN001 - PyYAML's signature
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
            mark = event.start_mark
            raise yaml.constructor.ConstructorError(
                None, None, "YAML anchors and aliases (&x, *x) are not allowed", mark
            )
        return super().compose_node(parent, index)

    def construct_mapping(self, node, deep=False):  # noqa: ANN001 - PyYAML's signature
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=True)
            try:
                duplicate = key in seen
                seen.add(key)
            except TypeError:  # an unhashable key: SafeLoader's own error follows
                continue
            if duplicate:
                raise yaml.constructor.ConstructorError(
                    None,
                    None,
                    f"key {key!r} appears twice (the second would win)",
                    key_node.start_mark,
                )
        return super().construct_mapping(node, deep=deep)


def load_yaml_text(text: str, source: str) -> Any:
    """Parse ``text`` strictly; errors name ``source`` and the line."""
    try:
        return yaml.load(text, Loader=_StrictLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"{source}, line {mark.line + 1}" if mark is not None else source
        reason = exc.problem or exc.context or type(exc).__name__
        if isinstance(exc, yaml.constructor.ConstructorError) and exc.problem:
            raise ConfigError(f"{where}: {reason}") from None
        raise ConfigError(f"{where}: not valid YAML ({reason})") from None
    except (yaml.YAMLError, ValueError, OverflowError, RecursionError) as exc:
        # ValueError: a date like 2021-13-01; RecursionError: thousands of nested brackets
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise ConfigError(f"{source}: not valid YAML ({first})") from None


def load_yaml_file(path: str | Path) -> Any:
    """Read and parse the YAML file at ``path``: at most :data:`MAX_BYTES`, UTF-8, strict.

    Raises
    ------
    ConfigError
        for a folder, an unreadable or oversized file, bad text or bad YAML, naming the file.
    """
    path = Path(path)
    try:
        if not path.is_file():
            raise ConfigError(f"{path}: not a file")
        with path.open("rb") as fh:
            data = fh.read(MAX_BYTES + 1)
    except OSError as exc:
        raise ConfigError(
            f"{path}: cannot be read ({exc.strerror or type(exc).__name__})"
        ) from None
    if len(data) > MAX_BYTES:
        raise ConfigError(f"{path}: larger than {MAX_BYTES // 1024} KiB; not a settings file")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: not UTF-8 text (bad byte at offset {exc.start})") from None
    return load_yaml_text(text, str(path))
