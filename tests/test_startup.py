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


def test_validate_makes_no_dataclasses_it_does_not_use():
    """networks.types (13 dataclasses, about 4 ms of every start-up) is for the adapters: validate's modules reach
    the normalised forms of profile values through networks.forms, not networks.profile."""
    code = ("import sys, socialops.cli.content, socialops.validate.engine, socialops.validate.cache; "
            "print([m for m in ('socialops.networks.types', 'socialops.networks.profile') if m in sys.modules])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
