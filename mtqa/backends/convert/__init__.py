"""Converters: model files in another format, written once as a transformers ``save_pretrained`` folder.

Each module has ``convert(fetched, out_dir)``; ``mtqa models pull`` calls the one a registry
entry names (``convert = "e5s1"``) on what it fetched, so checks only ever load safetensors.
"""
