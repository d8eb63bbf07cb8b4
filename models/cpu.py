"""Whether this CPU runs the llama.cpp this environment was built with.

`make setup` compiles llama.cpp for the CPU it runs on (`GGML_NATIVE`: AVX-512 where the
CPU has it) and records that CPU's flags in the environment (`BUILD_FLAGS_FILE`). The same
environment on a CPU without one of those instruction sets (a virtual machine moved to
another host, a copied folder) would die with "Illegal instruction" on the first
matrix product; `check_build_cpu` turns that into a `ModelError` naming the missing
instructions and the fix, before llama.cpp's library is loaded.

Only instruction-set flags count: a new host may differ in flags that say nothing about
which instructions run (`hypervisor`, `constant_tsc`). An environment without the file
(installed by hand, or before the file existed) is not checked.

What this module does not do: build anything (see the Makefile) or load llama.cpp.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from models.errors import ModelError

BUILD_FLAGS_FILE = "llama-cpu-flags"  # in the environment's folder (sys.prefix)
CPUINFO = Path("/proc/cpuinfo")

# Flags naming the vector instructions llama.cpp's kernels are compiled for with
# -march=native (x86: SSE3 is "pni"; ARM: "asimddp" is the dot product). Instructions
# of one vendor only (AMD's sse4a) are left out: ggml does not use them, and counting
# them would refuse a move between AMD and Intel hosts that runs fine.
_INSTRUCTIONS = re.compile(
    r"^(sse|sse2|pni|ssse3|sse4_1|sse4_2|avx\w*|amx\w*|fma|f16c|bmi1|bmi2|"
    r"asimd\w*|sve\w*|i8mm|fphp|bf16)$"
)


def instruction_flags(cpuinfo_text: str) -> set[str]:
    """The instruction-set flags of the first processor in a /proc/cpuinfo text
    (`flags` on x86, `Features` on ARM)."""
    for line in cpuinfo_text.splitlines():
        name, _, value = line.partition(":")
        if name.strip() in ("flags", "Features"):
            return {flag for flag in value.split() if _INSTRUCTIONS.match(flag)}
    return set()


def missing_instructions(build_flags: str, cpuinfo_text: str) -> list[str]:
    """The instruction sets the build's CPU had that this one lacks, sorted."""
    return sorted(instruction_flags(build_flags) - instruction_flags(cpuinfo_text))


def check_build_cpu(prefix: Path | None = None, cpuinfo: Path | None = None) -> None:
    """Raises `ModelError` when llama.cpp in the environment at `prefix` (this one by
    default) was built for instructions this CPU lacks."""
    recorded = Path(prefix or sys.prefix) / BUILD_FLAGS_FILE
    try:
        build, here = recorded.read_text(), (cpuinfo or CPUINFO).read_text()
    except OSError:
        return  # nothing recorded, or no /proc/cpuinfo to compare with
    missing = missing_instructions(build, here)
    if missing:
        raise ModelError(
            f"llama.cpp in {Path(prefix or sys.prefix)} was compiled for a CPU with "
            f"{', '.join(missing)}, which this CPU lacks, so it would stop with an illegal "
            f"instruction; run `make setup` to compile it for this CPU"
        )
