"""Retrieval: load documents, split them into sentences, embed, store in Chroma, search."""
