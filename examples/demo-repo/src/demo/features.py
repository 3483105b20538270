"""Turn raw review text into model inputs."""

from demo.tokenization import WordPieceTokenizer


def encode(texts, vocab_path="data/sentiment-v2/vocab.txt"):
    tokenizer = WordPieceTokenizer.from_file(vocab_path)
    return [tokenizer.encode(text) for text in texts]
