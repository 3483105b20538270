"""Deprecated: the tokenizers moved to ``demo_text.tokenizers``; this shim only warns and re-exports."""

import warnings

warnings.warn(
    "demo.tokenization is deprecated; import demo_text.tokenizers instead",
    DeprecationWarning,
    stacklevel=2,
)

from demo_text.tokenizers import WordPieceTokenizer  # noqa: E402,F401
