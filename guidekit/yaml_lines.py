"""YAML parsing that remembers the line of every key and list item, for error messages.
Its values are yaml_values' types."""
from __future__ import annotations

import yaml

from .yaml_values import LineList, LineMap, YamlError

_BaseLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

_TAGS = {yaml.ScalarNode: yaml.resolver.BaseResolver.DEFAULT_SCALAR_TAG,
         yaml.SequenceNode: yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG,
         yaml.MappingNode: yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG}
_STR_TAG = _TAGS[yaml.ScalarNode]


class _Loader(_BaseLoader):
    def resolve(self, kind, value, implicit):
        """The tag of a node written without one, as PyYAML's `Resolver.resolve` finds it (the
        parser asks for every node), in fewer steps: this loader has neither the path nor the
        wildcard resolvers that it also checks for. A test compares the two."""
        if kind is yaml.ScalarNode and implicit[0]:
            for tag, regexp in self.yaml_implicit_resolvers.get(value[:1], ()):
                if regexp.match(value):
                    return tag
        return _TAGS[kind]


def _value(loader: _Loader, node: yaml.Node):
    """The Python value of a node. Text, most of any file, is taken straight from its node:
    PyYAML's constructor would return `node.value` too, but through several calls. Everything
    else goes through PyYAML, which also catches aliases that contain themselves.

    A scalar PyYAML cannot turn into its type (`2026-13-45`, `!!int six`) stays text, so the
    validator can say which field wants what instead of the build stopping at a traceback."""
    if node.tag == _STR_TAG and type(node) is yaml.ScalarNode:
        return node.value
    try:
        return loader.construct_object(node, deep=True)
    except (ValueError, TypeError, KeyError, AttributeError, OverflowError):
        if type(node) is not yaml.ScalarNode:
            raise
        loader.recursive_objects.pop(node, None)  # PyYAML leaves it marked as in progress
        return node.value


def _short(tag: str) -> str:
    return tag.replace("tag:yaml.org,2002:", "!!")


def _expect(node: yaml.Node, kind: type, loader: _Loader) -> None:
    """A `!!map` or `!!seq` tag written on the wrong kind of value."""
    if not isinstance(node, kind):
        wanted = "`key: value` lines" if kind is yaml.MappingNode else "a list"
        raise YamlError(node.start_mark.line + 1 + loader.line_offset,
                        f"the tag `{_short(node.tag)}` asks for {wanted}, but "
                        "something else follows it; delete the tag")


def _mapping(loader: _Loader, node: yaml.MappingNode) -> LineMap:
    _expect(node, yaml.MappingNode, loader)
    first_line = 1 + loader.line_offset  # marks count lines from 0
    result = LineMap()
    result.line = node.start_mark.line + first_line
    result.key_lines = key_lines = {}
    for key_node, value_node in node.value:
        key = _value(loader, key_node)
        line = key_node.start_mark.line + first_line
        if not isinstance(key, (str, int)):
            raise YamlError(line, "a key must be a plain word followed by a colon")
        key = str(key)
        if key in result:
            loader.duplicates.append((line, key, key_lines[key]))
            continue
        result[key] = _value(loader, value_node)
        key_lines[key] = line
    return result


def _sequence(loader: _Loader, node: yaml.SequenceNode) -> LineList:
    _expect(node, yaml.SequenceNode, loader)
    first_line = 1 + loader.line_offset
    result = LineList([_value(loader, item) for item in node.value])
    result.line = node.start_mark.line + first_line
    result.item_lines = [item.start_mark.line + first_line for item in node.value]
    return result


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping)
_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _sequence)


def parse_yaml(text: str, line_offset: int = 0):
    """Parse one YAML document. Returns (data, duplicates) where duplicates lists
    (line, key, first_line) for keys written twice in one mapping.

    Raises YamlError with the parser's line and column on a syntax error.
    """
    loader = _Loader(text)
    loader.line_offset = line_offset
    loader.duplicates = []
    try:
        return loader.get_single_data(), loader.duplicates
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        what = e.problem or e.context or "invalid YAML"
        if e.context_mark and e.context and "end of stream" in what:
            # An unclosed quote or bracket: point at where it was opened, not the file's end.
            opened = "a quote" if "quoted" in e.context else "a bracket"
            mark, what = e.context_mark, f"{opened} opened here is never closed"
        line = (mark.line + 1 + line_offset) if mark else line_offset + 1
        column = f" (column {mark.column + 1})" if mark else ""
        if isinstance(e, yaml.constructor.ConstructorError):  # the syntax was fine
            raise YamlError(line, f"YAML error{column}: {_short(what)}. Write plain values: "
                                  "delete any tag starting with `!`, `<<` merge key or `*` alias "
                                  "on this line.") from e
        raise YamlError(line, f"YAML syntax error{column}: {what}. Check the quotes, colons and "
                              "indentation on this line and the one before it.") from e
    except yaml.YAMLError as e:
        raise YamlError(line_offset + 1, f"YAML error: {e}") from e
    finally:
        loader.dispose()
