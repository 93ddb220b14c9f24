"""Read YAML or JSON user files safely, remembering the line of every field.

Errors about user files must name the file, the line and the field path. PyYAML
knows the line of every node while composing; this module keeps that knowledge
in a :class:`Locator` next to the plain Python data, so loaders can validate
plain dicts and still point at ``policy.yaml:12``.

Every loader of user files (policies, attestors, occurrences, manifests,
scenarios, conformance cases) goes through here, so this module also refuses
hostile input with an :class:`~kritis_sim.errors.InputError` (exit 2 in the CLI)
instead of a traceback or unbounded time or memory (``docs/limits.md``):

- :func:`read_input` (from :mod:`kritis_sim._input`, re-exported here with
  :class:`Locator` from :mod:`kritis_sim._locator`) reads at most :data:`MAX_INPUT_BYTES` (plus one) bytes of a
  file or stdin and refuses anything larger before decoding it;
  :func:`decode_input` refuses text that is not UTF-8 or holds NUL bytes;
- :func:`load_documents` refuses more than :data:`MAX_DOCUMENTS` documents,
  nesting deeper than :data:`MAX_DEPTH`, more than :data:`MAX_NODES` nodes
  (counted over the whole input, after alias expansion: "billion laughs"),
  YAML merge keys, tags other than the YAML core schema's (``!foo``,
  ``!!python/object``, ``!!binary``, ``!!set``), control characters, and
  scalars Python cannot hold (integers over 4300 digits).

An empty document at the end of a stream (a trailing ``---`` or a last
document of comments only) is no document, as Go's and Google's YAML readers
treat it. This module does no validation of its own beyond that.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import yaml
from yaml.composer import Composer
from yaml.resolver import Resolver

from kritis_sim._input import MAX_INPUT_BYTES, decode_input, read_input
from kritis_sim._locator import Locator, Path, format_path
from kritis_sim.errors import InputError

try:
    from yaml import cyaml

    _CParser: Any = getattr(cyaml, "CParser", None)
except ImportError:  # pragma: no cover - PyYAML built without libyaml
    _CParser = None

__all__ = [
    "MAX_DEPTH",
    "MAX_DOCUMENTS",
    "MAX_INPUT_BYTES",
    "MAX_NODES",
    "Locator",
    "Path",
    "decode_input",
    "format_path",
    "load_documents",
    "load_one",
    "read_input",
]

#: The most nodes (scalars, lists, mappings, after alias expansion) one input
#: may hold, over all its documents.
MAX_NODES = 200_000
#: The deepest nesting of lists and mappings accepted.
MAX_DEPTH = 100
#: The most YAML documents one input may hold.
MAX_DOCUMENTS = 10_000

_TAG = "tag:yaml.org,2002:"
#: Tags of the YAML core schema; anything else (``!foo``, ``!!python/...``,
#: ``!!binary``, ``!!set``, ``!!omap``) is refused.
_SCALAR_TAGS = frozenset(
    _TAG + t for t in ("str", "int", "float", "bool", "null", "timestamp", "value")
)
_MERGE_TAG = _TAG + "merge"


class _Counting(Composer):
    """PyYAML's composer, counting nodes and depth while it composes.

    The composer is recursive; bounding the depth here keeps deep input from
    reaching Python's recursion limit, and counting nodes here bounds memory
    before any value is built.
    """

    source = "<input>"
    depth = 0
    nodes = 0

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node:
        self.depth += 1
        self.nodes += 1
        if self.depth > MAX_DEPTH or self.nodes > MAX_NODES:
            what = (
                f"nesting deeper than {MAX_DEPTH} levels"
                if self.depth > MAX_DEPTH
                else f"more than {MAX_NODES} nodes"
            )
            raise InputError(
                f"input refused: {what} (see docs/limits.md)",
                source=self.source,
                line=self.peek_event().start_mark.line + 1,  # type: ignore[attr-defined]
            )
        try:
            node: yaml.Node = super().compose_node(parent, index)  # type: ignore[assignment]
            return node
        finally:
            self.depth -= 1


class _PyLoader(_Counting, yaml.SafeLoader):
    """PyYAML's pure-Python parser feeding the counting composer (slow)."""

    def __init__(self, text: str, source: str) -> None:
        yaml.SafeLoader.__init__(self, text)
        self.source = source


if _CParser is not None:

    class _CLoader(_Counting, _CParser, Resolver):  # type: ignore[misc]
        """libyaml's parser (C, about 50 times faster) feeding the counting
        composer."""

        def __init__(self, text: str, source: str) -> None:
            _CParser.__init__(self, text)
            Resolver.__init__(self)
            Composer.__init__(self)
            self.source = source


#: A JSON ``\\uD83D\\uDE00`` surrogate-pair escape (``json.dumps`` writes
#: astral characters so); libyaml refuses those, PyYAML reads the halves.
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")


def _loader(text: str, source: str) -> Any:
    if _CParser is None or _SURROGATE_ESCAPE.search(text):
        return _PyLoader(text, source)
    return _CLoader(text, source)


def _join_surrogates(value: str) -> str:
    """Join surrogate pairs left by ``\\uD83D\\uDE00`` escapes into one character."""
    return value.encode("utf-16", "surrogatepass").decode("utf-16", "replace")


class _Builder:
    """Turns composed nodes into plain data, recording lines in ``locator``.

    One builder serves a whole input, so :data:`MAX_NODES` bounds alias
    expansion over all documents together.
    """

    def __init__(self, source: str, *, joins: bool = False) -> None:
        self.locator = Locator(source)
        self.count = 0
        self.joins = joins

    def fail(self, node: yaml.Node, message: str, path: Path = ()) -> InputError:
        return InputError(
            message,
            path=format_path(path) or None,
            source=self.locator.source,
            line=node.start_mark.line + 1,
        )

    def build(self, node: yaml.Node, path: Path) -> Any:
        self.count += 1
        if self.count > MAX_NODES:
            raise self.fail(
                node,
                f"input expands to more than {MAX_NODES} nodes "
                "(YAML aliases that expand too far are refused)",
            )
        if len(path) > MAX_DEPTH:
            raise self.fail(
                node,
                f"input refused: nesting deeper than {MAX_DEPTH} levels "
                "(through YAML aliases)",
            )
        self.locator.lines.setdefault(path, node.start_mark.line + 1)
        if isinstance(node, yaml.MappingNode):
            if node.tag != _TAG + "map":
                raise self.fail(node, _tag_message(node.tag), path)
            out: dict[Any, Any] = {}
            for key_node, value_node in node.value:
                if key_node.tag == _MERGE_TAG:
                    raise self.fail(
                        key_node, "YAML merge keys ('<<') are not supported"
                    )
                key = self.scalar(key_node, path)
                if key in out:
                    raise self.fail(key_node, f"duplicate key {key!r}", (*path, key))
                out[key] = self.build(value_node, (*path, key))
            return out
        if isinstance(node, yaml.SequenceNode):
            if node.tag != _TAG + "seq":
                raise self.fail(node, _tag_message(node.tag), path)
            return [self.build(v, (*path, i)) for i, v in enumerate(node.value)]
        return self.scalar(node, path)

    def scalar(self, node: yaml.Node, path: Path) -> Any:
        if not isinstance(node, yaml.ScalarNode):
            raise self.fail(node, "mapping keys must be plain scalars")
        tag = node.tag
        if tag not in _SCALAR_TAGS:
            raise self.fail(node, _tag_message(tag), path)
        if tag == _TAG + "timestamp" or tag == _TAG + "value":
            return node.value  # timestamps stay RFC 3339 strings, as in JSON
        try:
            # The constructor functions, not construct_object: that one keeps
            # every node it ever built in a cache.
            value = _SCALARS.yaml_constructors[tag](_SCALARS, node)
        except (yaml.YAMLError, ValueError, OverflowError) as exc:
            raise self.fail(
                node, f"cannot read the value: {str(exc).splitlines()[0]}", path
            ) from None
        if self.joins and isinstance(value, str):
            value = _join_surrogates(value)
        return value


def _tag_message(tag: str) -> str:
    shown = "!!" + tag.removeprefix(_TAG) if tag.startswith(_TAG) else tag
    return (
        f"YAML tag {shown!r} is not supported (only plain YAML/JSON values: "
        "strings, numbers, booleans, null, lists and mappings)"
    )


#: Constructs plain scalars (str, int, float, bool, null).
_SCALARS = yaml.SafeLoader("")


def _is_empty(node: yaml.Node) -> bool:
    """An empty document: nothing but comments after ``---``."""
    return (
        isinstance(node, yaml.ScalarNode)
        and node.tag == _TAG + "null"
        and node.value == ""
        and not node.style
    )


def _syntax_error(exc: yaml.YAMLError, text: str, source: str) -> InputError:
    if isinstance(exc, yaml.reader.ReaderError):
        char = exc.character if isinstance(exc.character, int) else 0
        at = text.find(chr(char))
        return InputError(
            f"not text: unacceptable character U+{char:04X} "
            "(control characters are not allowed)",
            source=source,
            line=None if at < 0 else text.count("\n", 0, at) + 1,
        )
    if isinstance(exc, yaml.MarkedYAMLError):
        mark = exc.problem_mark
        if "maximum nesting depth" in str(exc.problem):
            # libyaml >= 0.2.6 stops far deeper than MAX_DEPTH, before the
            # composer that counts levels sees the input: the same refusal.
            return InputError(
                f"input refused: nesting deeper than {MAX_DEPTH} levels",
                source=source,
                line=None if mark is None else mark.line + 1,
            )
        return InputError(
            f"not valid YAML/JSON: {exc.problem}",
            source=source,
            line=None if mark is None else mark.line + 1,
        )
    return InputError(f"not valid YAML/JSON: {exc}", source=source)


def load_documents(text: str, source: str = "<input>") -> Iterator[tuple[Any, Locator]]:
    """Yield ``(data, locator)`` for every document in ``text``.

    JSON is YAML, so JSON files load the same way (with lines). Empty
    documents at the end of the stream are not yielded; an empty document
    followed by another document is yielded as ``None``.

    Raises:
        InputError: on a YAML syntax error, a duplicate key, an unsupported
            tag or merge key, or input beyond the limits in the module doc.
    """
    if len(text) > MAX_INPUT_BYTES:
        raise InputError(
            f"input is larger than the limit of {MAX_INPUT_BYTES} characters",
            source=source,
        )
    try:
        loader = _loader(text, source)
    except yaml.YAMLError as exc:
        raise _syntax_error(exc, text, source) from None
    except UnicodeEncodeError as exc:
        raise InputError(
            f"not text: unpaired surrogate U+{ord(text[exc.start]):04X}",
            source=source,
            line=text.count("\n", 0, exc.start) + 1,
        ) from None
    builder = _Builder(source, joins=isinstance(loader, _PyLoader))
    empties: list[yaml.Node] = []
    documents = 0
    try:
        while True:
            try:
                node = loader.get_node() if loader.check_node() else None
            except yaml.YAMLError as exc:
                raise _syntax_error(exc, text, source) from None
            except RecursionError:  # pragma: no cover - MAX_DEPTH comes first
                raise InputError(
                    "input refused: nested too deeply", source=source
                ) from None
            if node is None:
                return
            documents += 1
            if documents > MAX_DOCUMENTS:
                raise InputError(
                    f"input refused: more than {MAX_DOCUMENTS} YAML documents",
                    source=source,
                    line=node.start_mark.line + 1,
                )
            if _is_empty(node):
                empties.append(node)
                continue
            for empty in empties:
                builder.locator = Locator(source)
                yield builder.build(empty, ()), builder.locator
            empties.clear()
            builder.locator = Locator(source)
            yield builder.build(node, ()), builder.locator
    finally:
        loader.dispose()


def load_one(text: str, source: str = "<input>") -> tuple[Any, Locator]:
    """Load exactly one document.

    Raises:
        InputError: when ``text`` holds no document or more than one.
    """
    docs = list(load_documents(text, source))
    if len(docs) != 1:
        raise InputError(
            f"expected exactly one YAML/JSON document, found {len(docs)}",
            source=source,
        )
    return docs[0]
