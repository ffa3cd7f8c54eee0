from pathlib import Path

from socialops.core.problems import CODES

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")


def test_every_validation_code_is_documented():
    missing = [code for code in CODES if f"| `{code}` |" not in README]
    assert missing == []


def test_the_two_setup_commands_are_there():
    assert "make demo" in README and "make test" in README
