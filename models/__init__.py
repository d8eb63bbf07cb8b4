"""Model manifest and installer. The weights themselves live in the cache, never in git."""

from models.install import ModelInstaller, ModelSpec, check_gguf, load_manifest

__all__ = ["ModelInstaller", "ModelSpec", "check_gguf", "load_manifest"]
