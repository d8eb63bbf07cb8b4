"""The setup in the Makefile: llama.cpp is compiled for the CPU it runs on, and its wheel
is kept apart per instruction set, so a wheel built on another CPU is never installed."""

import shutil
import subprocess
import tomllib

import pytest

from tests.conftest import ROOT

pytestmark = pytest.mark.skipif(shutil.which("make") is None, reason="needs GNU make")


def make_value(name: str, env: dict[str, str] | None = None) -> str:
    """A variable of the Makefile as make expands it (nothing is built)."""
    done = subprocess.run(
        ["make", "-s", "-C", str(ROOT), "--eval", f"show-it: ; @echo $({name})", "show-it"],
        capture_output=True, text=True, check=True, env=env,
    )  # fmt: skip
    return done.stdout.strip()


def test_the_llama_cpp_built_is_the_version_the_project_pins():
    pins = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    pinned = next(p for p in pins if p.startswith("llama-cpp-python"))
    assert pinned == f"llama-cpp-python[server]=={make_value('LLAMA_V')}"


def test_llama_cpp_is_compiled_for_this_cpu():
    assert make_value("CMAKE_ARGS") == "-DGGML_NATIVE=ON"


def test_the_wheel_is_kept_under_a_key_of_the_cpu_flags(tmp_path):
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path / "home"), "XDG_CACHE_HOME": str(tmp_path)}
    flags = next(line for line in open("/proc/cpuinfo") if line.startswith(("flags", "Features")))
    key = subprocess.run(["md5sum"], input=flags, capture_output=True, text=True).stdout[:12]
    assert make_value("LLAMA_WHLS", env) == f"{tmp_path}/articlebot/wheels/llama-{key}"
    del env["XDG_CACHE_HOME"]
    assert make_value("LLAMA_WHLS", env) == f"{tmp_path}/home/.cache/articlebot/wheels/llama-{key}"


def test_the_setup_is_done_again_on_another_cpu_and_records_the_build_cpu(tmp_path):
    # The install stamp is keyed by the CPU, so `make` on another CPU installs llama.cpp
    # compiled for it, and the flags it was compiled for are kept for models/cpu.py.
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    flags = next(line for line in open("/proc/cpuinfo") if line.startswith(("flags", "Features")))
    key = subprocess.run(["md5sum"], input=flags, capture_output=True, text=True).stdout[:12]
    assert make_value("STAMP", env) == f".venv/.installed-{key}"
    planned = subprocess.run(
        ["make", "-n", "-B", "-C", str(ROOT), f".venv/.installed-{key}"],
        capture_output=True, text=True, check=True, env=env,
    ).stdout  # fmt: skip
    assert "grep -m1 -E '^(flags|Features)' /proc/cpuinfo > .venv/llama-cpu-flags" in planned
    # only the CPU whose build is installed keeps a stamp: back on an earlier CPU, make
    # installs its build again
    removed = planned.index("rm -f .venv/.installed-*")
    assert removed < planned.index(f"touch .venv/.installed-{key}")
