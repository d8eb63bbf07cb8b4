"""models.cpu: an environment whose llama.cpp was compiled for instructions this CPU
lacks stops with a clear error before the library is loaded, not an illegal instruction."""

import pytest

from models.cpu import BUILD_FLAGS_FILE, check_build_cpu, instruction_flags, missing_instructions
from models.errors import ModelError

AVX512_HOST = "flags\t\t: fpu vme sse sse2 ssse3 sse4_1 sse4_2 avx avx2 fma f16c bmi1 bmi2 " \
              "avx512f avx512bw avx512_vnni avx512_bf16 hypervisor constant_tsc\n"  # fmt: skip
AVX2_HOST = "processor\t: 0\nflags\t\t: fpu sse sse2 ssse3 sse4_1 sse4_2 avx avx2 fma f16c " \
            "bmi1 bmi2 rdrand\nbugs\t\t: spectre_v1\n"  # fmt: skip
ARM_HOST = "processor\t: 0\nFeatures\t: fp asimd evtstrm aes pmull sha1 crc32 asimddp\n"


def test_only_instruction_sets_count_as_flags():
    assert instruction_flags(AVX2_HOST) == {"sse", "sse2", "ssse3", "sse4_1", "sse4_2", "avx",
                                            "avx2", "fma", "f16c", "bmi1", "bmi2"}  # fmt: skip
    assert instruction_flags(ARM_HOST) == {"asimd", "asimddp"}
    assert instruction_flags("model name\t: no flags here\n") == set()


def test_the_instructions_a_build_needs_that_this_cpu_lacks():
    assert missing_instructions(AVX512_HOST, AVX2_HOST) == ["avx512_bf16", "avx512_vnni",
                                                            "avx512bw", "avx512f"]  # fmt: skip
    assert missing_instructions(AVX2_HOST, AVX512_HOST) == []  # more instructions run it too
    # flags that name no vector instruction, or one vendor's, may differ between hosts
    assert missing_instructions(AVX512_HOST, AVX512_HOST.replace(" hypervisor", "")) == []
    amd = AVX512_HOST.replace(" hypervisor", " sse4a hypervisor")
    assert missing_instructions(amd, AVX512_HOST) == []


def test_an_environment_built_on_another_cpu_is_refused_with_the_fix(tmp_path):
    (tmp_path / BUILD_FLAGS_FILE).write_text(AVX512_HOST)
    here = tmp_path / "cpuinfo"
    here.write_text(AVX2_HOST)
    with pytest.raises(ModelError) as raised:
        check_build_cpu(tmp_path, here)
    assert str(raised.value) == (
        f"llama.cpp in {tmp_path} was compiled for a CPU with avx512_bf16, avx512_vnni, "
        f"avx512bw, avx512f, which this CPU lacks, so it would stop with an illegal "
        f"instruction; run `make setup` to compile it for this CPU"
    )


def test_the_same_cpu_or_nothing_recorded_passes(tmp_path):
    here = tmp_path / "cpuinfo"
    here.write_text(AVX512_HOST)
    assert check_build_cpu(tmp_path, here) is None  # no file recorded: not checked
    (tmp_path / BUILD_FLAGS_FILE).write_text(AVX512_HOST)
    assert check_build_cpu(tmp_path, here) is None
    assert check_build_cpu(tmp_path, tmp_path / "no-cpuinfo") is None


def test_the_llm_checks_the_cpu_before_loading_llama_cpp(tmp_path, monkeypatch):
    import sys

    from bot.llama_cpp_llm import LlamaCppLLM

    (tmp_path / BUILD_FLAGS_FILE).write_text(AVX512_HOST)
    cpuinfo = tmp_path / "cpuinfo"
    cpuinfo.write_text(AVX2_HOST)
    monkeypatch.setattr(sys, "prefix", str(tmp_path))
    monkeypatch.setattr("models.cpu.CPUINFO", cpuinfo)
    monkeypatch.setitem(sys.modules, "llama_cpp", None)  # importing it would fail
    llm = LlamaCppLLM(tmp_path / "model.gguf")
    with pytest.raises(ModelError, match="avx512f, which this CPU lacks"):
        llm.load()
