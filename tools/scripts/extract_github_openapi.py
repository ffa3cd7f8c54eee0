#!/usr/bin/env python3
"""Extract the parts of GitHub's official REST OpenAPI description that socialops uses.

GitHub publishes its REST API description in the npm package ``@octokit/openapi``
(``generated/api.github.com.json``, about 13 MB; the package is about 385 MB installed).
CI must not download that, so this script writes a small, committed extract:

    tests/fixtures/github-openapi/extract.json

holding, for each operation the tracker calls, the request body schema and the JSON
response schemas per status code. Response objects are inlined; every schema they use
(transitively) is copied once into the extract's ``components/schemas``, so the extract is
self-contained: validate with the operation's schema as the root and ``components`` beside it
(see tests/test_github_standin.py).

One fix-up is applied: the description pairs ``nullable: true`` with an ``enum`` that lacks
``null`` (e.g. ``state_reason``), which a validator then rejects for a real ``null`` value.
``None`` is added to such enums.

Usage (needs npm and network access to the npm registry; run it by hand, not in CI):

    python tools/scripts/extract_github_openapi.py              # installs into a temp dir
    python tools/scripts/extract_github_openapi.py --spec PATH  # use an existing api.github.com.json
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

PACKAGE = "@octokit/openapi"
SPEC_IN_PACKAGE = "generated/api.github.com.json"

# (operationId, response status codes to keep). The stand-in in tests/github_standin/
# answers these; tests/test_github_standin.py validates its answers against the extract.
OPERATIONS: dict[str, list[str]] = {
    "users/get-authenticated": ["200", "401", "403"],
    "rate-limit/get": ["200"],
    "issues/list-for-repo": ["200", "404", "422"],
    "issues/create": ["201", "403", "404", "422"],
    "issues/get": ["200", "404"],
    "issues/update": ["200", "403", "404", "422"],
    "issues/list-comments": ["200", "404"],
    "issues/create-comment": ["201", "403", "404", "422"],
    "issues/get-comment": ["200", "404"],
    "issues/update-comment": ["200", "422"],
    "issues/list-labels-for-repo": ["200", "404"],
    "issues/get-label": ["200", "404"],
    "issues/create-label": ["201", "404", "422"],
    "issues/add-labels": ["200", "404", "422"],
}

OUT = Path(__file__).resolve().parents[2] / "tests" / "fixtures" / "github-openapi" / "extract.json"


def install_spec(workdir: Path) -> tuple[Path, str]:
    """npm-install the package into workdir; return the spec path and the package version."""
    subprocess.run(
        ["npm", "install", "--no-audit", "--no-fund", "--no-save", "--prefix", str(workdir), PACKAGE],
        check=True,
        stdout=sys.stderr,
    )
    pkg_dir = workdir / "node_modules" / PACKAGE
    version = json.loads((pkg_dir / "package.json").read_text())["version"]
    return pkg_dir / SPEC_IN_PACKAGE, version


class Resolver:
    """Copies what the chosen operations use: response objects are inlined, schemas are kept
    once each under the extract's ``components/schemas`` (so shared schemas such as
    ``simple-user`` are stored once) with their ``$ref``s pointing there."""

    def __init__(self, spec: dict):
        self.spec = spec
        self.schemas: dict[str, dict] = {}

    def lookup(self, ref: str):
        if not ref.startswith("#/"):
            raise ValueError(f"external $ref not supported: {ref}")
        node = self.spec
        for part in ref[2:].split("/"):
            node = node[part.replace("~1", "/").replace("~0", "~")]
        return node

    def copy(self, node):
        if isinstance(node, list):
            return [self.copy(x) for x in node]
        if not isinstance(node, dict):
            return node
        if "$ref" in node:
            ref = node["$ref"]
            prefix = "#/components/schemas/"
            if ref.startswith(prefix):
                name = ref[len(prefix):]
                if name not in self.schemas:
                    self.schemas[name] = {}  # placeholder first: recursive schemas terminate
                    self.schemas[name] = self.copy(self.lookup(ref))
                return {"$ref": ref}
            return self.copy(self.lookup(ref))  # responses, parameters: inline
        out = {k: self.copy(v) for k, v in node.items()}
        return fix_nullable_enum(out)


def fix_nullable_enum(schema: dict) -> dict:
    if schema.get("nullable") is True and isinstance(schema.get("enum"), list) and None not in schema["enum"]:
        schema["enum"] = [*schema["enum"], None]
    return schema


def extract(spec: dict, version: str) -> dict:
    by_id: dict[str, tuple[str, str, dict]] = {}
    for path, item in spec["paths"].items():
        for method, op in item.items():
            if isinstance(op, dict) and "operationId" in op:
                by_id[op["operationId"]] = (method.upper(), path, op)
    resolver = Resolver(spec)
    operations = {}
    for op_id, statuses in OPERATIONS.items():
        if op_id not in by_id:
            raise SystemExit(f"operation {op_id} is not in the description any more; update OPERATIONS")
        method, path, op = by_id[op_id]
        responses = {}
        for status in statuses:
            resp = op["responses"].get(status)
            if resp is None:
                raise SystemExit(f"{op_id} has no {status} response in the description")
            resp = resolver.copy(resp)
            schema = resp.get("content", {}).get("application/json", {}).get("schema")
            responses[status] = schema  # None: no JSON body documented
        request = None
        body = op.get("requestBody")
        if body:
            request = resolver.copy(body).get("content", {}).get("application/json", {}).get("schema")
        operations[op_id] = {"method": method, "path": path, "request": request, "responses": responses}
    return {
        "source": f"npm {PACKAGE}@{version} {SPEC_IN_PACKAGE}",
        "openapi": spec.get("openapi"),
        "api_version": spec.get("info", {}).get("version"),
        "note": "Generated by tools/scripts/extract_github_openapi.py; do not edit by hand. "
        "Enums marked nullable had null added.",
        "operations": operations,
        "components": {"schemas": dict(sorted(resolver.schemas.items()))},
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--spec", type=Path, help="an api.github.com.json already on disk")
    ap.add_argument("--version", default="unknown", help="package version to record with --spec")
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args(argv)
    if args.spec:
        spec_path, version = args.spec, args.version
        spec = json.loads(spec_path.read_text())
    else:
        with tempfile.TemporaryDirectory(prefix="octokit-openapi-") as tmp:
            spec_path, version = install_spec(Path(tmp))
            spec = json.loads(spec_path.read_text())
    data = extract(spec, version)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(data, indent=1, sort_keys=True, ensure_ascii=False) + "\n")
    size = args.out.stat().st_size
    print(f"wrote {args.out} ({len(data['operations'])} operations, {size} bytes)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
