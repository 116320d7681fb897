"""Build a tiny random-weight BERT sentence-transformers model on disk, fully offline.

Used by tests that need a real ``SentenceTransformer`` without downloading weights. The weights are random
(fixed seed), so embeddings carry no meaning, but they are deterministic, distinct for distinct inputs, and
Chinese text is split into single characters, so different Chinese sentences get different vectors.
"""

from __future__ import annotations

import os
import string
import tempfile
from pathlib import Path

SEED = 1234
SPECIAL_TOKENS = ("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]")


def _vocab() -> dict[str, int]:
    """Special tokens, every CJK Unified Ideograph, CJK punctuation, ASCII pieces and ``##`` continuations."""
    tokens: list[str] = list(SPECIAL_TOKENS)
    tokens += [chr(cp) for cp in range(0x4E00, 0xA000)]
    tokens += list("，。、；：？！“”‘’（）《》【】「」—…·")  # common full-width CJK punctuation
    ascii_chars = string.ascii_lowercase + string.ascii_uppercase + string.digits + string.punctuation
    tokens += list(ascii_chars)
    tokens += ["##" + ch for ch in string.ascii_lowercase + string.digits]
    return {tok: i for i, tok in enumerate(dict.fromkeys(tokens))}


def build_tiny_sentence_transformer(folder: Path, dim: int = 32) -> Path:
    """Write a tiny random BERT sentence-transformers model (Transformer + mean Pooling) into ``folder``.

    Deterministic (fixed seed) and offline. Returns ``folder``; load it with
    ``SentenceTransformer(str(folder), device="cpu")``.
    """
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

    import torch
    from sentence_transformers import SentenceTransformer
    from sentence_transformers.sentence_transformer.modules import Pooling, Transformer
    from transformers import BertConfig, BertModel, BertTokenizer

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)

    vocab = _vocab()
    # transformers 5: BertTokenizer(Fast) takes the vocabulary as ``vocab=`` (dict); ``vocab_file=`` is ignored.
    tokenizer = BertTokenizer(vocab=vocab, do_lower_case=True, tokenize_chinese_chars=True, model_max_length=256)
    config = BertConfig(
        vocab_size=len(vocab),
        hidden_size=dim,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=64,
        max_position_embeddings=256,
        pad_token_id=0,
    )
    with torch.random.fork_rng(devices=[]):  # seed locally, leave the caller's global RNG state untouched
        torch.manual_seed(SEED)
        bert = BertModel(config).eval()  # keep the pooler so reloading reports no MISSING keys

    with tempfile.TemporaryDirectory(prefix="tiny-bert-") as hf_dir:
        bert.save_pretrained(hf_dir)
        tokenizer.save_pretrained(hf_dir)
        transformer = Transformer(hf_dir, max_seq_length=256)
        pooling = Pooling(transformer.get_embedding_dimension(), pooling_mode="mean")
        model = SentenceTransformer(modules=[transformer, pooling], device="cpu")
        model.save(str(folder), create_model_card=False)
    return folder


def build_tiny_cross_encoder(folder: Path, dim: int = 32) -> Path:
    """Write a tiny random BERT cross-encoder (one relevance logit) into ``folder``: deterministic and offline."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import torch
    from transformers import BertConfig, BertForSequenceClassification, BertTokenizer

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    vocab = _vocab()
    tokenizer = BertTokenizer(vocab=vocab, do_lower_case=True, tokenize_chinese_chars=True, model_max_length=256)
    config = BertConfig(
        vocab_size=len(vocab),
        hidden_size=dim,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=64,
        max_position_embeddings=256,
        pad_token_id=0,
        num_labels=1,
    )
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(SEED)
        model = BertForSequenceClassification(config).eval()
    model.save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder
