"""Real `/_dash-update-component` payloads built from the app's own `/_dash-dependencies`."""

from __future__ import annotations

from typing import Any


def outputs(spec: str) -> list[dict[str, str]]:
    """Parse Dash's output string ('id.prop' or '..a.p...b.q..') into output objects."""
    parts = spec[2:-2].split("...") if spec.startswith("..") else [spec]
    out = []
    for part in parts:
        ident, prop = part.rsplit(".", 1)
        out.append({"id": ident, "property": prop})
    return out


def payload(dep: dict[str, Any], values: list[Any], states: list[Any] | None = None) -> dict[str, Any]:
    """A callback request with the given input (and state) values."""
    outs = outputs(dep["output"])
    inputs = [{**i, "value": v} for i, v in zip(dep["inputs"], values, strict=True)]
    state = [{**s, "value": v} for s, v in zip(dep["state"], states or [None] * len(dep["state"]), strict=True)]
    return {"output": dep["output"], "outputs": outs if dep["output"].startswith("..") else outs[0],
            "inputs": inputs, "state": state,
            "changedPropIds": [f"{inputs[0]['id']}.{inputs[0]['property']}"] if inputs else []}


def server_callbacks(deps: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The callbacks that run on the server (not clientside)."""
    return [d for d in deps if not d.get("clientside_function")]


def call(app: Any, output_part: str, values: dict[str, Any]) -> tuple[int, Any]:
    """POST a real request for the callback whose output contains ``output_part``; values by 'id.property'."""
    from dash._utils import split_callback_id

    key = next(k for k in app.callback_map if output_part in k)
    spec = app.callback_map[key]

    def fill(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [{"id": i["id"], "property": i["property"], "value": values.get(f"{i['id']}.{i['property']}")}
                for i in items]

    inputs = fill(spec["inputs"])
    body = {"output": key, "outputs": split_callback_id(key), "inputs": inputs, "state": fill(spec["state"]),
            "changedPropIds": [f"{inputs[0]['id']}.{inputs[0]['property']}"]}
    response = app.server.test_client().post("/_dash-update-component", json=body)
    return response.status_code, (response.get_json() if response.status_code == 200 else None)


def nodes(tree: Any) -> list[Any]:
    """Every node of a Dash component tree."""
    return [tree, *tree._traverse()]


def by_id(tree: Any, cid: str) -> Any:
    """The component with id ``cid``."""
    return next(n for n in nodes(tree) if getattr(n, "id", None) == cid)


def texts(tree: Any) -> str:
    """All the text in a component tree."""
    return " ".join(n for n in nodes(tree) if isinstance(n, str)) + " " + " ".join(
        n.children for n in nodes(tree) if isinstance(getattr(n, "children", None), str))


def notices(tree: Any) -> list[Any]:
    """The notices a page shows (replaced URL values)."""
    return [n.children for n in nodes(tree) if getattr(n, "className", None) == "notice"]


def layout(page: str, **query: Any) -> Any:
    """A page's layout as the app renders it (``page`` like 'pages.explorer')."""
    import dash

    return dash.page_registry[page]["layout"](**query)
