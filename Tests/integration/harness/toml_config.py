"""Gatehouse configs as data: read with tomllib, changed as dicts, written back with `dump`. Tests change a config
through this, never by replacing text in it."""
import json
import tomllib


def load(text: str) -> dict:
    return tomllib.loads(text)


def merge(base: dict, changes: dict) -> dict:
    """`changes` applied to `base`, nested tables merged; a value of None removes the key."""
    out = dict(base)
    for key, value in changes.items():
        if value is None:
            out.pop(key, None)
        elif isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = merge(out[key], value)
        else:
            out[key] = value
    return out


def dump(config: dict) -> str:
    """TOML for the shapes Gatehouse configs use: tables of strings, numbers, booleans and arrays of them."""
    lines = []

    def value(v):
        if isinstance(v, bool):
            return "true" if v else "false"
        if isinstance(v, (int, float)):
            return repr(v)
        if isinstance(v, str):
            return json.dumps(v)   # a JSON string is a valid TOML basic string
        if isinstance(v, list):
            return "[" + ", ".join(value(x) for x in v) + "]"
        raise TypeError(f"no TOML for {v!r}")

    def key(k):
        return k if k.replace("_", "").replace("-", "").isalnum() else json.dumps(k)

    def table(path, t):
        scalars = {k: v for k, v in t.items() if not isinstance(v, dict)}
        if path:
            lines.append("[" + ".".join(key(p) for p in path) + "]")
        lines.extend(f"{key(k)} = {value(v)}" for k, v in scalars.items())
        lines.append("")
        for k, v in t.items():
            if isinstance(v, dict):
                table(path + [k], v)

    table([], config)
    return "\n".join(lines)
