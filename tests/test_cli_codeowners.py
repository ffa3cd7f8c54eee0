from click.testing import CliRunner

from socialops.cli import main
from tests.helpers import make_repo


def test_codeowners_written_then_checked(tmp_path):
    root = make_repo(tmp_path, profiles={"cafe-masto": "network: sandbox\nowners: ['@maija', '@acme/social']\n"})
    runner = CliRunner()
    assert runner.invoke(main, ["--repo", str(root), "codeowners", "--check"]).exit_code == 1
    assert not (root / ".github/CODEOWNERS").exists()
    assert runner.invoke(main, ["--repo", str(root), "codeowners"]).exit_code == 0
    text = (root / ".github/CODEOWNERS").read_text()
    assert "/profiles/cafe-masto.yaml @acme/social @maija" in text.splitlines()
    assert runner.invoke(main, ["--repo", str(root), "codeowners", "--check"]).exit_code == 0
