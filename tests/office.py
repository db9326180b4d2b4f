"""Headless LibreOffice for tests: "does a real office program open it"."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

needs_soffice = pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) not installed")
_CSV = "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,true,false,false,{sheet}"


def convert(source: Path, target_format: str, outdir: Path) -> str:
    """Convert with soffice (own profile, so parallel runs don't clash); returns its output, asserting success."""
    profile = (outdir / "lo-profile").as_uri()
    cmd = ["soffice", f"-env:UserInstallation={profile}", "--headless", "--convert-to", target_format]
    done = subprocess.run([*cmd, "--outdir", str(outdir), str(source)], capture_output=True, text=True, timeout=180)
    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    assert "Error" not in output, output
    return output


def to_csv(source: Path, outdir: Path, *, all_sheets: bool = False) -> list[Path]:
    """Each sheet (or the first) as CSV, as LibreOffice reads the workbook."""
    output = convert(source, _CSV.format(sheet="-1" if all_sheets else "1"), outdir)
    written = sorted(outdir.glob(f"{source.stem}*.csv"))
    assert written, output
    return written


ODS_MANIFEST = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0">'
    '<manifest:file-entry manifest:full-path="/" '
    'manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
    '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/></manifest:manifest>'
)


def write_ods(path: Path, content: str, styles: str | None = None) -> Path:
    """A hand-made .ods (no LibreOffice): the mimetype, content.xml, optional styles.xml and the manifest."""
    import zipfile

    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet", zipfile.ZIP_STORED)
        archive.writestr("content.xml", content)
        if styles is not None:
            archive.writestr("styles.xml", styles)
        archive.writestr("META-INF/manifest.xml", ODS_MANIFEST)
    return path
