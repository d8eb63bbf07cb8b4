"""The composition root: builds the collaborators from `Settings`, lazily, once.

Front ends create one `App` with `App.from_config()` (the settings file and the
`ARTICLEBOT_*` variables, checked) and take what they need from it. Tests build
`App(settings, llm=FakeLLM(), embedder=ToyEmbedder(), client=chromadb.EphemeralClient())`
to swap any part. Nothing heavy happens until a property is first used, and a
command loads only what it needs: `quote` the embedder and the index, never the LLM;
`ask` both (`prepare`). With the embedder's GGUF installed, it runs through llama.cpp and
torch is imported only for a text too long for it.

What this module does not do: answer (see `bot.answering`), or show errors to a
user (each front end does).
"""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from functools import cached_property
from pathlib import Path

from bot.answering import Answerer
from bot.errors import ArticlebotError, DocumentError, ModelError
from bot.language import LanguageDetector
from bot.llama_cpp_llm import LlamaCppLLM
from bot.llm import LLM
from bot.memory import give_back_freed_memory
from bot.openai_llm import OpenAICompatibleLLM
from bot.prompting import PromptLibrary
from bot.settings import Settings, config_path
from models.install import LLAMA_CPP_FORM, ModelInstaller, check_gguf
from retrieval.chroma_client import forget_chroma_system, make_client
from retrieval.chroma_store import ChromaStore
from retrieval.embedding import Embedder, SentenceTransformerEmbedder
from retrieval.gguf_embedding import LlamaCppEmbedder, ThroughLlamaCpp
from retrieval.ingest import IngestReport, ingest_documents, ingest_paths, remove_document
from retrieval.search import Searcher
from retrieval.store import DocumentInfo, Store

log = logging.getLogger(__name__)


class App:
    def __init__(
        self,
        settings: Settings,
        *,
        llm: LLM | None = None,
        embedder: Embedder | None = None,
        client=None,
        prompts: PromptLibrary | None = None,
        detector: LanguageDetector | None = None,
    ) -> None:
        self.settings = settings
        if llm is not None:
            self.llm = llm
        if embedder is not None:
            self.embedder = embedder
        if client is not None:
            self.client = client
        if prompts is not None:
            self.prompts = prompts
        if detector is not None:
            self.detector = detector

    @classmethod
    def from_config(cls) -> App:
        """The app for this run: the TOML file named by ARTICLEBOT_CONFIG (or a local
        articlebot.toml), then the ARTICLEBOT_* variables. A missing file or an invalid
        setting is an `ArticlebotError` that names the fix."""
        path = config_path()
        if path is not None and not path.exists():
            raise ArticlebotError(f"config file {path} does not exist; check ARTICLEBOT_CONFIG")
        try:
            settings = Settings()
        except (ValueError, OSError) as exc:  # pydantic's ValidationError, TOML syntax errors
            first = str(exc).splitlines()
            raise ArticlebotError(
                f"invalid settings: {' '.join(first[:3])[:300]}; fix articlebot.toml or the "
                f"ARTICLEBOT_* variables"
            ) from None
        return cls(settings)

    # -- models -------------------------------------------------------------------------

    @cached_property
    def installer(self) -> ModelInstaller:
        return ModelInstaller(self.settings.models_dir)

    def llm_path(self) -> Path:
        return self._model_path(self.settings.llm_model, "llm")

    def embedder_path(self) -> Path:
        return self._model_path(self.settings.embed_model, "embedder")

    def _model_path(self, value: str, kind: str) -> Path:
        if value in self.installer.manifest:
            spec = self.installer.spec(value)
            if spec.kind != kind:
                raise ModelError(f"model {value} is an {spec.kind}, not an {kind}")
            return self.installer.check(spec)
        path = Path(value).expanduser()
        if kind == "llm":
            return check_gguf(path)
        if not (path / "modules.json").exists():
            raise ModelError(
                f"{path} is not a sentence-transformers folder; set ARTICLEBOT_EMBED_MODEL to "
                f"one, or to a model name from `articlebot models list`"
            )
        return path

    @cached_property
    def llm(self) -> LLM:
        s = self.settings
        if s.llm_url:
            return OpenAICompatibleLLM(
                s.llm_url, api_key=s.llm_api_key, max_concurrency=s.llm_parallel,
                temperature=s.temperature, seed=s.seed,
            )  # fmt: skip
        return LlamaCppLLM(
            self.llm_path(), n_ctx=s.n_ctx, n_threads=s.n_threads, n_batch=s.n_batch,
            seed=s.seed, temperature=s.temperature, state_dir=s.llm_state_dir,
        )  # fmt: skip

    @cached_property
    def embedder(self) -> Embedder:
        """The embedder through llama.cpp when its GGUF is installed (sentence-transformers
        for a text too long for it), else through sentence-transformers (`embed_runtime`)."""
        s = self.settings
        path = self.embedder_path()
        documents = SentenceTransformerEmbedder(path, threads=s.n_threads, dtype=s.embed_dtype)
        gguf = path / LLAMA_CPP_FORM
        runtime = s.embed_runtime
        if runtime == "auto":
            same = s.embed_dtype == "float32"  # the GGUF's layers are float32: the same vectors
            runtime = "llama.cpp" if same and gguf.exists() else "sentence-transformers"
        if runtime == "sentence-transformers":
            return documents
        # In auto, a GGUF that does not load falls back to sentence-transformers, warned.
        return ThroughLlamaCpp(documents, LlamaCppEmbedder(path, threads=s.n_threads),
                               fallback=s.embed_runtime == "auto")  # fmt: skip

    def prepare(self, *, llm: bool = True) -> None:
        """Opens the index and loads the embedder and, with `llm`, the in-process LLM, at
        the same time: the LLM's GGUF in a thread while this one imports chromadb and loads
        the embedder (an embedder with `load_first`, before the thread starts). llama.cpp releases the GIL while it reads and repacks the weights, so
        on two cores the loads overlap instead of adding up; two llama.cpp loads (the LLM's
        and the embedder's GGUF) take turns (`models.llama_load`). A failure of either is
        raised here. What the loads freed (with sentence-transformers, the tokenizer's parse
        of its 33 MB tokenizer.json, about 120 MB) is handed back to the system after them."""
        load_embedder = getattr(self.embedder, "load", None)
        load_llm = getattr(self.llm, "load", None) if llm else None
        # An embedder whose load reads a whole file in for a moment (llama.cpp's mapping,
        # released right after) loads first, so that moment does not come on top of the
        # LLM's weights; it takes well under a second, and the loads take turns anyway.
        first = load_embedder if getattr(self.embedder, "load_first", False) else None
        if first is not None:
            first()
        with ThreadPoolExecutor(1, thread_name_prefix="load-llm") as pool:
            loading = pool.submit(load_llm) if load_llm is not None else None
            # On a failure here, leaving `with` still waits for the thread.
            self.searcher.snapshot()
            if load_embedder is not None and first is None:
                load_embedder()
            if loading is not None:
                loading.result()
        give_back_freed_memory()

    # -- retrieval ----------------------------------------------------------------------

    @cached_property
    def client(self):
        return make_client(chroma_url=self.settings.chroma_url, path=self.settings.chroma_path)

    @cached_property
    def store(self) -> Store:
        where = self.settings.chroma_url or str(self.settings.chroma_path)
        return ChromaStore(self.client, prefix=self.settings.collection_prefix, where=where)

    @cached_property
    def searcher(self) -> Searcher:
        return Searcher(self.store, self.embedder, hybrid=self.settings.hybrid_search)

    @cached_property
    def detector(self) -> LanguageDetector:
        return LanguageDetector(default=self.settings.default_language)

    @cached_property
    def prompts(self) -> PromptLibrary:
        return PromptLibrary()

    @cached_property
    def answerer(self) -> Answerer:
        return Answerer(
            settings=self.settings, searcher=self.searcher, llm=self.llm,
            prompts=self.prompts, detector=self.detector,
            similarity=getattr(self.embedder, "similarity", None),
        )  # fmt: skip

    # -- operations -----------------------------------------------------------------------

    def ingest(self, paths: list[Path] | None = None, *, rebuild: bool = False) -> IngestReport:
        paths = list(paths or self.settings.default_documents)
        if rebuild:
            # Validate the documents before wiping anything.
            from retrieval.documents import load_document

            for path in paths:
                load_document(Path(path), detect_language=self.detector.detect)
            self._wipe_index()
        return ingest_paths(
            paths, store=self.store, embedder=self.embedder, detect_language=self.detector.detect
        )

    def ingest_bytes(self, data: bytes, name: str, *, source: str | None = None) -> IngestReport:
        """Ingests one uploaded file (.txt, .md, .html) given as bytes; its id comes from `name`."""
        from retrieval.documents import SUPPORTED_SUFFIXES, document_from_bytes, make_doc_id

        kind = SUPPORTED_SUFFIXES.get(Path(name).suffix.lower())
        if kind is None:
            raise DocumentError(
                f"{name}: unsupported file type {Path(name).suffix or '(none)'}; "
                f"use .txt, .md or .html",
                key="unsupported_file",
            )
        document = document_from_bytes(
            data, name=name, kind=kind, source=source or name,
            detect_language=self.detector.detect, doc_id=make_doc_id(Path(name)),
        )  # fmt: skip
        return ingest_documents([document], store=self.store, embedder=self.embedder)

    def _wipe_index(self) -> None:
        if self.settings.chroma_url:
            self.store.clear()
            return
        import shutil

        path = self.settings.chroma_path
        for name in ("client", "store", "searcher", "answerer"):
            self.__dict__.pop(name, None)
        if path.exists():
            backup = path.with_name(path.name + ".broken")
            shutil.rmtree(backup, ignore_errors=True)
            path.rename(backup)  # kept, in case someone wants to inspect it
            log.warning("moved the old index to %s", backup)
        forget_chroma_system(path)

    def ensure_ingested(self) -> IngestReport | None:
        """Ingests the default documents when the index is empty, and chunks again every
        document an older chunker version indexed (from the text the index keeps, so
        uploaded documents are upgraded too); None when there is nothing to do. The
        embedder is not touched then."""
        from retrieval.ingest import rechunk_stale, stale_documents

        if self.store.is_empty():
            return self.ingest()
        if not stale_documents(self.store):
            return None
        report = rechunk_stale(store=self.store, embedder=self.embedder)
        if report is not None:
            log.info("chunked %s again with the current chunker", ", ".join(report.updated))
        return report

    def documents(self) -> list[DocumentInfo]:
        """The ingested documents (id, title, language, size, passages)."""
        return self.searcher.documents()

    def remove(self, doc_id: str) -> bool:
        return remove_document(doc_id, store=self.store)
