"""The README's test command is the one .ci/run runs; the README has exactly two set-up commands."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _bash_blocks(text: str) -> list[str]:
    return re.findall(r"```bash\n(.*?)```", text, flags=re.S)


def test_ci_runs_the_readme_test_command():
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Two commands", 1)[1].split("\n## ", 1)[0]
    blocks = [b.strip() for b in _bash_blocks(section)]
    assert len(blocks) == 2
    main_cmd, test_cmd = blocks
    assert "sensaware run" in main_cmd and "torch==2.13.0" in main_cmd
    assert "pytest" in test_cmd
    assert test_cmd in (ROOT / ".ci" / "run").read_text()
