"""Sentences and cells about signed paper returns (scans) for the 通报 and its 附件2."""

from __future__ import annotations

from ..config import Config
from ..models import UnitWeek, WeekResult
from .wording import join_cn, say


def paper_sentences(result: WeekResult, config: Config) -> list[str]:
    """Signed paper returns: read from the scan, no seal (or a black-and-white scan that cannot show one),
    disagreeing with the electronic file, an old week."""
    texts = []
    only = [u.name for u in result.units if u.source == "scan"]
    if only:
        texts.append(say(config, "report_scan_only", count=len(only), names=join_cn(only)))
    unstamped = sorted({p.unit for p in result.problems if p.code == "scan-unstamped" and p.unit})
    if unstamped:
        texts.append(say(config, "report_scan_unstamped", count=len(unstamped), names=join_cn(unstamped)))
    # Black-and-white scans (neither stamped nor unstamped can be said), also those no form could be read from:
    # the same units 附件2 marks so.
    grey = {p.unit for p in result.problems if p.code == "scan-seal-unknown" and p.unit}
    grey = sorted(grey | {u.name for u in result.units if u.scan_seal_unknown})
    if grey:
        texts.append(say(config, "report_scan_seal_unknown", count=len(grey), names=join_cn(grey)))
    stale = sorted({p.unit for p in result.problems if p.code == "scan-other-week" and p.unit})
    unchecked = [u.name for u in result.units if unchecked_scan(u) and u.name not in stale]
    if unchecked:  # a scan the reader could not look at (time-out, engine error): its seal was never seen
        texts.append(say(config, "report_scan_unchecked", count=len(unchecked), names=join_cn(unchecked)))
    differ = [u for u in result.units if u.scan_mismatches]
    if differ:
        items = join_cn(
            say(config, "scan_mismatch_item", unit=u.name, nos=join_cn(map(str, u.scan_mismatches))) for u in differ
        )
        texts.append(say(config, "report_scan_mismatch", count=len(differ), items=items))
    if stale:
        texts.append(say(config, "report_scan_other_week", count=len(stale), names=join_cn(stale)))
    return texts


def scan_cell(u: UnitWeek, config: Config) -> str:
    """已收到 / 未收到, with what the scan showed: data taken from it, no seal (or no telling), disagreement."""
    if not u.scan_received:
        return say(config, "scan_no")
    text = say(config, "scan_yes")
    if u.source == "scan":
        text += say(config, "scan_source_mark")
    if u.scan_stamped is False:
        text += say(config, "scan_unstamped_mark")
    elif u.scan_seal_unknown:  # black-and-white: its seal cannot be told either way
        text += say(config, "scan_seal_unknown_mark")
    elif unchecked_scan(u):
        text += say(config, "scan_unchecked_mark")
    if u.scan_mismatches:
        text += say(config, "scan_mismatch_mark", nos=join_cn(map(str, u.scan_mismatches)))
    return text


def unchecked_scan(u: UnitWeek) -> bool:
    """A scan received whose seal was never looked at: neither found nor missing, and not black-and-white."""
    return u.scan_received and u.scan_stamped is None and not u.scan_seal_unknown
