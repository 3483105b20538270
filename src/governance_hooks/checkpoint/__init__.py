"""Checkpoint integrity (metadata v1/v2, best-k indexes), safetensors headers, and a
pickle safety scanner that simulates the pickle machine without ever unpickling."""
