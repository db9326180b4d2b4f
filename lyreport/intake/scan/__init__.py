"""Reading signed paper returns (scans and photos): raster → QR mark, seal, OCR → table grid → parse.py.

Heavy libraries (onnxruntime, OpenCV, rapidocr) are imported only inside the worker processes that read
scans, so a run without scans never loads them.
"""
