"""The command line, run as users run it."""

import subprocess
import sys

from skembed._cli import main


def test_help_and_version(capsys):
    assert main([]) == 2
    assert "demo" in capsys.readouterr().out
    result = subprocess.run(
        [sys.executable, "-m", "skembed", "--version"], capture_output=True, text=True
    )
    assert result.returncode == 0 and result.stdout.startswith("skembed ")


def test_unknown_command_is_one_readable_error():
    result = subprocess.run(
        [sys.executable, "-m", "skembed", "frobnicate"], capture_output=True, text=True
    )
    assert result.returncode == 2
    assert "invalid choice: 'frobnicate'" in result.stderr
    assert "Traceback" not in result.stderr
