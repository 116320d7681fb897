"""python -m index.tokenize_worker: one worker of a parallel index build (see index.tokenize.tokens_many)."""

from index.tokenize import serve_worker

if __name__ == "__main__":
    serve_worker()
