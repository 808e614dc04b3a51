"""`isctl completion bash|zsh|fish`: the hook each shell loads, and completion of verbs, flags, resource types and
names from the server, driven through a real bash the way a user's TAB does."""

from __future__ import annotations

import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from imagestreams_client import Client

from tests.e2e.support import Isctl, digest, isctl_command, push

A = digest("a")


def bash_complete(isctl: Isctl, line: str) -> list[str]:
    """What bash offers for TAB at the end of `line`, through the hook `isctl completion bash` prints."""
    bin_dir = Path(isctl_command()[0]).parent if len(isctl_command()) == 1 else Path(sys.executable).parent
    words = shlex.split(line) + ([""] if line.endswith(" ") else [])
    script = (
        "source <(isctl completion bash)\n"
        f"COMP_WORDS=({' '.join(shlex.quote(w) for w in words)})\n"
        f"COMP_CWORD={len(words) - 1}\n"
        f"COMP_LINE={shlex.quote(line)}\n"
        f"COMP_POINT={len(line)}\n"
        f"_python_argcomplete isctl {shlex.quote(words[-1])} {shlex.quote(words[-2])}\n"
        'printf "%s\\n" "${COMPREPLY[@]}"\n'
    )
    # The server is asked with a deadline: a generous one, since the test machine may be busy.
    env = isctl.environment({"PATH": f"{bin_dir}:/usr/bin:/bin", "ISCTL_COMPLETION_TIMEOUT": "30"})
    done = subprocess.run(["bash", "-c", script], capture_output=True, text=True, env=env, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    return sorted(word.strip() for word in done.stdout.splitlines() if word.strip())


pytestmark = pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_each_shell_gets_a_hook_for_isctl(isctl: Isctl, shell: str) -> None:
    hook = isctl.ok("completion", shell)
    assert "isctl" in hook and "_ARGCOMPLETE" in hook


def test_an_unknown_shell_is_a_usage_error(isctl: Isctl) -> None:
    assert "invalid choice" in isctl.fails("completion", "powershell", code=2)


def test_verbs_flags_and_resource_types_complete(isctl: Isctl) -> None:
    assert bash_complete(isctl, "isctl ge") == ["get"]
    assert bash_complete(isctl, "isctl get ists") == []
    assert bash_complete(isctl, "isctl get ist") == ["istag"]
    assert "--alias" in bash_complete(isctl, "isctl tag --al")


def test_stream_tag_and_project_names_come_from_the_server(isctl: Isctl, client: Client) -> None:
    push(client, "comp-ruby", "2.0", A, namespace="team")
    push(client, "comp-rust", "1.80", A, namespace="team")
    # bash splits words at ":" (COMP_WORDBREAKS), so after a colon it is handed, and inserts, only the tag.
    # Options before the names (after them, argparse has closed the names already: see docs/decisions.md).
    assert bash_complete(isctl, "isctl -n team get is comp-ru") == ["comp-ruby", "comp-rust"]
    assert bash_complete(isctl, "isctl -n team describe istag/comp-ruby:") == ["2.0"]
    assert bash_complete(isctl, "isctl -n team describe istag comp-ruby:") == ["2.0"]
    assert bash_complete(isctl, "isctl -n team tag comp-rust:") == ["1.80"]
    assert bash_complete(isctl, "isctl -n team describe istag/comp-r") == ["istag/comp-ruby:", "istag/comp-rust:"]
    assert bash_complete(isctl, "isctl -n team history comp-rub") == ["comp-ruby:"]
    assert "team" in bash_complete(isctl, "isctl get is -n te")


def test_a_server_that_is_not_there_completes_nothing_quietly(isctl: Isctl) -> None:
    assert bash_complete(isctl, "isctl get is --server 127.0.0.1:1 ru") == []
