"""Runs llama.cpp's `convert_hf_to_gguf.py` with the token embedding table in float16.

Usage: python convert_embedder.py CONVERTER MODEL_FOLDER --outfile OUT [converter options]

Every other tensor is written as the converter is told (`--outtype f32`). The table is
262,144 rows of 768 floats (800 MB in float32): llama.cpp maps a GGUF whole into memory
at load (MAP_POPULATE), so in float32 it alone would be resident, though a question reads
a few dozen of its rows. In float16 it is half that, and a row differs from float32 by at
most one part in 2,048; the vectors keep a cosine of 0.99999 or more with the float32 model
(tests/test_gguf_embedding.py). Run as a script, in its own process: it imports the
converter's packages (`conversion`, `gguf` from the folder beside it), which are not ours.
"""

from __future__ import annotations

import runpy
import sys
from pathlib import Path

TABLE = "token_embd.weight"


def main(argv: list[str]) -> None:
    converter = Path(argv[1])
    for folder in (converter.parent / "gguf-py", converter.parent):
        sys.path.insert(0, str(folder))
    import gguf
    from conversion.base import ModelBase

    chosen = ModelBase.tensor_force_quant

    def table_in_float16(self, name, new_name, bid, n_dims):
        if new_name == TABLE:
            return gguf.GGMLQuantizationType.F16
        return chosen(self, name, new_name, bid, n_dims)

    ModelBase.tensor_force_quant = table_in_float16
    sys.argv = [str(converter), *argv[2:]]
    runpy.run_path(str(converter), run_name="__main__")


if __name__ == "__main__":
    main(sys.argv)
