"""`socialops --help` and `validate` start fast: the heavy libraries are imported only where needed."""

import subprocess
import sys

HEAVY = ("httpx", "github", "PIL", "matplotlib", "icalendar", "webvtt", "frontmatter", "simplemma")


def test_cli_and_validate_do_not_import_heavy_libraries():
    code = ("import sys, socialops.cli, socialops.validate.engine, socialops.networks, socialops.repository.index, "
            "socialops.repository.config, socialops.repository.media; "
            f"print([m for m in {HEAVY!r} if m in sys.modules])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
